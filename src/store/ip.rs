//! stats.json item ip from the click columns (src/store/cols). A month of
//! 10M clicks has ~10M addresses; SQLite's GROUP BY over the click table
//! took 6-8 s for it, and summing them in a hash map would take ~200 MB.
//!
//! Passes over the period's chunks, each share of the period in one
//! snapshot: the first counts the matching IPv4 addresses per prefix,
//! the next hold them as sorted keys (2 bytes of memory per click), a
//! range of prefixes at a time when there are too many for one
//! (ip_keys.rs), which give the `n` groups with the most clicks (ties by
//! text, as stats.json orders them); the last sums those groups' clicks,
//! unique clicks and prices. With a second pooled connection the two
//! halves of the period are read at once (src/store/scan.rs).
use super::aggregate::Key;
use super::cols::format::Ip;
use super::cols::read::{At, Hours, Need, Plan, Visit};
use super::ip_keys::{address, collect, count, ranges, sum, Best, Counts, Keys, Range, RANGE_KEYS};
use super::scan::halfway;
use super::sums::Sums;
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::click_id::key_at;
use rusqlite::Connection;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

/// The `n` groups of item ip with the most clicks (ties by address
/// text), with their sums; None when a filter is on a column the click
/// columns lack. The later half of the period is read on `spare` when
/// given.
pub fn top(
    conn: &Connection,
    spare: Option<&mut Connection>,
    filters: &Where,
    period: Period,
    hours: Option<&Hours>,
    n: usize,
) -> rusqlite::Result<Option<Vec<(Key, Sums)>>> {
    top_within(conn, spare, (filters, period, hours), n, RANGE_KEYS)
}

/// [`top`] holding about `budget` keys at most at once.
pub(super) fn top_within(
    conn: &Connection,
    spare: Option<&mut Connection>,
    (filters, period, hours): (&Where, Period, Option<&Hours>),
    n: usize,
    budget: usize,
) -> rusqlite::Result<Option<Vec<(Key, Sums)>>> {
    let Some(plan) = Plan::new(filters, period, hours, None) else {
        return Ok(None);
    };
    let mid = match spare {
        Some(_) => halfway(conn, Some(period.start), Some(period.end))?,
        None => None,
    };
    let (top, sums) = match (spare, mid) {
        (Some(second), Some(mid)) => in_halves(conn, second, &plan, mid, n, budget)?,
        _ => {
            let _snapshot = conn.unchecked_transaction()?;
            let counts = count(conn, &plan)?;
            let mut best = Best::new(n);
            for (i, &r) in ranges(&counts, budget).iter().enumerate() {
                best.add(collect(conn, &plan, r, i == 0, &counts)?, None);
            }
            let top = Top::of(best, n);
            let sums = second_pass(conn, &plan, &top)?;
            (Arc::new(top), sums)
        }
    };
    let groups = top.groups.iter().zip(sums);
    Ok(Some(
        groups
            .map(|((t, _), s)| (Key::Text(t.clone()), s))
            .collect(),
    ))
}

/// The passes over `[start, mid)` on `conn` while another thread reads
/// `[mid, end)` on `second`, each in its own snapshot; the ranges and the
/// kept groups come from both halves' keys.
fn in_halves(
    conn: &Connection,
    second: &mut Connection,
    plan: &Plan,
    mid: i64,
    n: usize,
    budget: usize,
) -> rusqlite::Result<(Arc<Top>, Vec<Sums>)> {
    let (early, late) = (
        plan.between(plan.from, key_at(mid)),
        plan.between(key_at(mid), plan.to),
    );
    let late = &late;
    std::thread::scope(|s| {
        let (counts_tx, counts_rx) = sync_channel::<Counts>(1);
        let (ranges_tx, ranges_rx) = sync_channel::<Vec<Range>>(1);
        // No buffer: the other thread is at most one range ahead.
        let (keys_tx, keys_rx) = sync_channel::<Keys>(0);
        let (top_tx, top_rx) = sync_channel::<Arc<Top>>(1);
        // The other half works within this one's time budget. A send
        // fails, or a channel closes, only when the other side failed:
        // its error is the one answered.
        let deadline = crate::db::budget::deadline();
        let other = s.spawn(move || -> rusqlite::Result<Vec<Sums>> {
            let _budget = crate::db::budget::Entered::new(deadline);
            let _snapshot = second.unchecked_transaction()?;
            let counts = count(second, late)?;
            let _ = counts_tx.send(counts.clone());
            let Ok(ranges) = ranges_rx.recv() else {
                return Ok(Vec::new());
            };
            for (i, &r) in ranges.iter().enumerate() {
                if keys_tx
                    .send(collect(second, late, r, i == 0, &counts)?)
                    .is_err()
                {
                    return Ok(Vec::new());
                }
            }
            let Ok(top) = top_rx.recv() else {
                return Ok(Vec::new());
            };
            second_pass(second, late, &top)
        });
        let closed = || rusqlite::Error::InvalidQuery;
        let mine = (|| -> rusqlite::Result<(Arc<Top>, Vec<Sums>)> {
            let _snapshot = conn.unchecked_transaction()?;
            let counts = count(conn, &early)?;
            let theirs = counts_rx.recv().map_err(|_| closed())?;
            let ranges = ranges(&sum(&counts, &theirs), budget);
            drop(theirs);
            let _ = ranges_tx.send(ranges.clone());
            let mut best = Best::new(n);
            for (i, &r) in ranges.iter().enumerate() {
                let keys = collect(conn, &early, r, i == 0, &counts)?;
                best.add(keys, Some(keys_rx.recv().map_err(|_| closed())?));
            }
            let top = Arc::new(Top::of(best, n));
            let _ = top_tx.send(top.clone());
            let sums = second_pass(conn, &early, &top)?;
            Ok((top, sums))
        })();
        drop((top_tx, ranges_tx, keys_rx));
        let theirs = other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        let (top, mut sums) = mine?;
        for (s, t) in sums.iter_mut().zip(theirs) {
            s.merge(t);
        }
        Ok((top, sums))
    })
}

/// The second pass's sums.
struct Counted<'t> {
    top: &'t Top,
    sums: Vec<Sums>,
}

impl Visit for Counted<'_> {
    fn click(&mut self, at: &mut At) {
        if let Some(g) = self.top.group(at.ip()) {
            let s = &mut self.sums[g];
            s.click += 1;
            s.unique += at.unique();
            s.spend += at.cost();
        }
    }
}

/// Sums of the kept groups over a share of the period.
fn second_pass(conn: &Connection, plan: &Plan, top: &Top) -> rusqlite::Result<Vec<Sums>> {
    let mut counted = Counted {
        top,
        sums: vec![Sums::default(); top.groups.len()],
    };
    let need = Need {
        ids: false,
        uniq: true,
        ip: true,
        cost: true,
    };
    plan.each(conn, need, &mut counted)?;
    Ok(counted.sums)
}

/// Bits of the filter that spares most clicks of the second pass a hash
/// lookup: 2^20 bits, ~1% of them set by 10,000 groups.
const FILTER_BITS: u32 = 20;

/// The kept groups (address text, clicks; most clicks first) and how to
/// find a click's.
struct Top {
    groups: Vec<(String, i64)>,
    v4: foldhash::HashMap<u32, usize>,
    other: foldhash::HashMap<String, usize>,
    filter: Vec<u64>,
}

impl Top {
    /// The `n` best of the ranges' best groups.
    fn of(best: Best, n: usize) -> Top {
        let (v4, other) = best.take();
        let mut groups: Vec<(String, i64, Option<u32>)> = v4
            .into_iter()
            .map(|(k, c)| (Ip::V4(address(k)).text().into_owned(), c, Some(address(k))))
            .chain(other.into_iter().map(|(t, c)| (t, c, None)))
            .collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        groups.truncate(n);
        let mut top = Top {
            groups: Vec::with_capacity(groups.len()),
            v4: Default::default(),
            other: Default::default(),
            filter: vec![0; 1 << (FILTER_BITS - 6)],
        };
        for (i, (t, c, a)) in groups.into_iter().enumerate() {
            match a {
                Some(a) => {
                    let h = filter_bit(a);
                    top.filter[h >> 6] |= 1 << (h & 63);
                    top.v4.insert(a, i);
                }
                None => {
                    top.other.insert(t.clone(), i);
                }
            }
            top.groups.push((t, c));
        }
        top
    }

    #[inline]
    fn group(&self, ip: Ip) -> Option<usize> {
        match ip {
            Ip::V4(a) => {
                let h = filter_bit(a);
                if self.filter[h >> 6] & (1 << (h & 63)) == 0 {
                    return None;
                }
                self.v4.get(&a).copied()
            }
            _ => self.other.get(&*ip.text()).copied(),
        }
    }
}

#[inline]
fn filter_bit(a: u32) -> usize {
    (a.wrapping_mul(0x9E37_79B1) >> (32 - FILTER_BITS)) as usize
}

#[cfg(test)]
#[path = "ip_tests.rs"]
mod tests;
