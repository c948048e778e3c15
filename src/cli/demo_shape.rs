//! When the demo's clicks happen: real traffic is quiet at night and at
//! weekends, grows over the weeks and is noisy from day to day and hour
//! to hour, so the dashboard's chart has something to show (README,
//! `flowtrack demo`). The demo user's time zone is UTC, so hours and
//! weekdays are UTC ones.
use rand::rngs::SmallRng;
use rand::Rng;

const HOUR_MS: i64 = 3_600_000;

/// Clicks per hour of the day, relative (evening peak, night trough).
const DAILY: [f64; 24] = [
    0.45, 0.32, 0.25, 0.22, 0.22, 0.28, 0.42, 0.62, 0.80, 0.92, 1.00, 1.05, 1.10, 1.08, 1.05, 1.05,
    1.10, 1.20, 1.35, 1.50, 1.58, 1.50, 1.15, 0.75,
];
/// Clicks per day of the week, Monday first.
const WEEKLY: [f64; 7] = [1.04, 1.08, 1.07, 1.05, 0.98, 0.80, 0.84];
/// Traffic at the end of the period against its start.
const GROWTH: (f64, f64) = (0.75, 1.25);

/// A part of an hour: where it starts, its length in ms, and the running
/// weight of the slots before it.
#[derive(Clone, Copy)]
struct Slot {
    start: i64,
    len: i64,
    before: f64,
}

/// The click times of a period: the i-th of n clicks falls where the
/// running sum of the hours' weights reaches (i + jitter) / n of their
/// total, so times only grow with i and one pass over the hours serves
/// all clicks.
pub(super) struct Timeline {
    start_ms: i64,
    slots: Vec<Slot>,
    total: f64,
    at: usize,
}

impl Timeline {
    pub(super) fn new(rng: &mut SmallRng, start_ms: i64, end_ms: i64) -> Timeline {
        let span = (end_ms - start_ms).max(1) as f64;
        let mut slots = Vec::new();
        let mut sum = 0.0;
        let mut day_noise = (i64::MIN, 1.0);
        let mut t = start_ms;
        while t < end_ms {
            let slot_end = ((t.div_euclid(HOUR_MS) + 1) * HOUR_MS).min(end_ms);
            let day = t.div_euclid(24 * HOUR_MS);
            if day_noise.0 != day {
                day_noise = (day, rng.random_range(0.8..1.2));
            }
            // 1970-01-01 was a Thursday (Monday-first index 3).
            let weekday = (day + 3).rem_euclid(7) as usize;
            let hour = t.div_euclid(HOUR_MS).rem_euclid(24) as usize;
            let trend = GROWTH.0 + (GROWTH.1 - GROWTH.0) * (t - start_ms) as f64 / span;
            let rate =
                DAILY[hour] * WEEKLY[weekday] * trend * day_noise.1 * rng.random_range(0.9..1.1);
            slots.push(Slot {
                start: t,
                len: slot_end - t,
                before: sum,
            });
            sum += rate * (slot_end - t) as f64 / HOUR_MS as f64;
            t = slot_end;
        }
        if slots.is_empty() {
            slots.push(Slot {
                start: start_ms,
                len: 1,
                before: 0.0,
            });
            sum = 1.0;
        }
        Timeline {
            start_ms,
            slots,
            total: sum,
            at: 0,
        }
    }

    /// The time of click `i` of `n`, `jitter` in [0, 1); called with
    /// growing `i`.
    pub(super) fn at(&mut self, i: u64, n: u64, jitter: f64) -> i64 {
        let q = (i as f64 + jitter) / n.max(1) as f64 * self.total;
        while self.at + 1 < self.slots.len() && self.slots[self.at + 1].before <= q {
            self.at += 1;
        }
        let Slot { start, len, before } = self.slots[self.at];
        let weight = self.slots.get(self.at + 1).map_or(self.total, |s| s.before) - before;
        let into = if weight > 0.0 {
            ((q - before) / weight).clamp(0.0, 0.999_999)
        } else {
            0.0
        };
        (start + (into * len as f64) as i64).max(self.start_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn times_grow_stay_in_the_period_and_follow_the_day() {
        let mut rng = SmallRng::seed_from_u64(7);
        let start = 1_700_000_000_000;
        let end = start + 14 * 24 * HOUR_MS;
        let mut line = Timeline::new(&mut rng, start, end);
        let n = 100_000;
        let mut last = start;
        let mut by_hour = [0u32; 24];
        for i in 0..n {
            let t = line.at(i, n, rng.random());
            assert!(
                t >= last && t < end,
                "click {i} at {t}, the one before at {last}"
            );
            last = t;
            by_hour[t.div_euclid(HOUR_MS).rem_euclid(24) as usize] += 1;
        }
        assert!(by_hour[20] > 3 * by_hour[3], "{by_hour:?}");
    }
}
