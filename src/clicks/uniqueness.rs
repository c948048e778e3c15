//! Uniqueness and sticky ways (SPEC 2 steps 6-7) without database reads:
//! a bounded in-memory map from hash(flow, visitor) to (last unique visit,
//! way). The visitor is the `ftv` cookie when the browser sends it, else
//! IP + User-Agent; a first visit is stored under both keys so that its
//! next visit matches either way. Refilled from recent clicks at start.
//!
//! Memory is bounded (issue 6: RSS under load) by two generations per
//! shard: when the current map is full it becomes the previous one and the
//! oldest generation is dropped. Lookups see both, so a visitor is
//! forgotten only after ~2 × CAPACITY newer visitors.
use crate::stats::texts::IdMap;
use foldhash::fast::RandomState;
use rusqlite::Connection;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{LazyLock, Mutex};

const SHARDS: usize = 16;
/// Keys per generation and shard: 7/8 of a power of two, so each map's
/// table stays at 32768 buckets (~0.6 MB); all maps together stay < 40 MB.
const SHARD_CAP: usize = 28_672;
/// Nothing is remembered longer than the longest window a flow can have.
pub const MAX_WINDOW: i64 = 720 * 3600;

#[derive(Clone, Copy, Debug)]
struct Seen {
    /// Unix seconds of the last unique visit.
    time: u32,
    way: u32,
}

/// Keys are already hashes of (flow, visitor) under a random seed
/// ([`KEYS`]), so a visitor cannot aim them at one bucket: the maps mix
/// them with one multiply instead of hashing them again, which was a
/// measurable share of the click path (issue 6).
type Keyed = IdMap<u64, Seen>;

#[derive(Default)]
struct Shard {
    current: Keyed,
    previous: Keyed,
}

impl Shard {
    fn get(&self, key: u64) -> Option<Seen> {
        self.current
            .get(&key)
            .or_else(|| self.previous.get(&key))
            .copied()
    }

    /// The entry for `key` in the current generation, rotating when full.
    /// One lookup in the current generation when it has room (a click
    /// remembers two keys, and each lookup of a new one misses the cache).
    fn entry(&mut self, key: u64, fresh: Seen) -> &mut Seen {
        if self.current.len() >= SHARD_CAP && !self.current.contains_key(&key) {
            let carried = self.previous.remove(&key);
            self.previous = std::mem::take(&mut self.current);
            self.current.reserve(SHARD_CAP);
            return self.current.entry(key).or_insert(carried.unwrap_or(fresh));
        }
        match self.current.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(self.previous.remove(&key).unwrap_or(fresh)),
        }
    }
}

pub struct Visitors {
    shards: Vec<Mutex<Shard>>,
}

impl Default for Visitors {
    fn default() -> Self {
        Visitors {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }
}

/// One random seed per process: keys only live in memory (the refill
/// recomputes them from stored clicks), and a fixed seed would let a
/// visitor pick user agents that all land in one bucket.
static KEYS: LazyLock<RandomState> = LazyLock::new(RandomState::default);

pub fn cookie_key(flow: &str, cookie: u64) -> u64 {
    KEYS.hash_one((flow, 1u8, cookie))
}

pub fn ip_ua_key(flow: &str, ip: &str, ua: &str) -> u64 {
    KEYS.hash_one((flow, 2u8, ip, ua))
}

/// What the map knew of a visitor before this visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    pub unique: bool,
    pub way: Option<i64>,
}

fn secs(t: i64) -> u32 {
    t.clamp(0, u32::MAX as i64) as u32
}

impl Visitors {
    fn shard(&self, key: u64) -> std::sync::MutexGuard<'_, Shard> {
        // High bits: the low bits of a key fix the low bits of its
        // multiplied hash, which pick the bucket, so sharding on them would
        // leave each shard's keys 1/16 of its table.
        self.shards[((key >> 32) as usize) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Looks the visitor up by `key`: unique when unseen within `window`
    /// seconds; the way they got before, if any.
    pub fn previous(&self, key: u64, now: i64, window: i64) -> Previous {
        match self.shard(key).get(key) {
            Some(s) => Previous {
                unique: now - s.time as i64 >= window,
                way: Some(s.way as i64).filter(|w| *w > 0),
            },
            None => Previous {
                unique: true,
                way: None,
            },
        }
    }

    /// Remembers a visit under each key. A non-unique visit keeps the time
    /// of the unique one, so the window runs from the first visit. A
    /// blocked visit (way 0) keeps the way got before: the visitor returns
    /// to it once they pass the filters again (SPEC 2 step 7).
    pub fn remember(&self, keys: &[u64], now: i64, way: i64, unique: bool) {
        let seen = Seen {
            time: secs(now),
            way: secs(way),
        };
        for &key in keys {
            let mut shard = self.shard(key);
            let e = shard.entry(key, seen);
            if unique {
                e.time = seen.time;
            }
            if way > 0 {
                e.way = seen.way;
            }
        }
    }

    /// Refills from stored clicks (key, unique, time, way), oldest first.
    /// Runs beside live traffic, so it never overwrites a newer visit.
    pub fn refill(&self, rows: impl Iterator<Item = (u64, bool, i64, i64)>) {
        for (key, unique, time, way) in rows {
            let mut shard = self.shard(key);
            let seen = Seen {
                time: secs(time),
                way: secs(way),
            };
            let e = shard.entry(key, seen);
            if unique && e.time <= seen.time {
                e.time = seen.time;
            }
            if way > 0 && e.time <= seen.time {
                e.way = seen.way;
            }
        }
    }

    /// Reads back the clicks of the longest uniqueness window in use (at
    /// most what the map can hold), so that a restart does not make
    /// returning visitors unique again.
    pub fn refill_from(&self, conn: &Connection, window: i64) -> rusqlite::Result<usize> {
        let since = super::id::key_at(jiff::Timestamp::now().as_second() - window.min(MAX_WINDOW));
        let mut st = conn.prepare(
            "SELECT id, flow, vid, ip, ua, uniq, way FROM clicks WHERE id >= ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let limit = (SHARDS * SHARD_CAP) as i64;
        let mut rows: Vec<(i64, String, i64, String, i64, bool, i64)> = st
            .query_map(rusqlite::params![since, limit], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, i64>(5)? != 0,
                    r.get(6)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        rows.reverse();
        let mut uas: HashMap<i64, String> = HashMap::new();
        let mut ua_st = conn.prepare("SELECT value FROM dict WHERE id = ?1")?;
        let mut batch = Vec::with_capacity(rows.len() * 2);
        for (key, flow, vid, ip, ua, unique, way) in &rows {
            if !uas.contains_key(ua) {
                let text: String = ua_st.query_row([ua], |r| r.get(0)).unwrap_or_default();
                uas.insert(*ua, text);
            }
            let t = super::id::key_time(*key);
            batch.push((cookie_key(flow, *vid as u64), *unique, t, *way));
            batch.push((ip_ua_key(flow, ip, &uas[ua]), *unique, t, *way));
        }
        self.refill(batch.into_iter());
        Ok(rows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::{Seen, Shard, SHARD_CAP};

    fn seen(time: u32) -> Seen {
        Seen { time, way: 0 }
    }

    /// Fills the current generation up to its cap with keys from `from`.
    fn fill(s: &mut Shard, from: u64) {
        let mut k = from;
        while s.current.len() < SHARD_CAP {
            s.entry(k, seen(2));
            k += 1;
        }
    }

    #[test]
    fn a_visitor_is_carried_over_and_forgotten_two_generations_later() {
        let mut s = Shard::default();
        s.entry(1, seen(1));
        fill(&mut s, 1_000);
        // A new key in a full generation starts the next one.
        s.entry(u64::MAX, seen(3));
        assert_eq!(s.current.len(), 1);
        assert_eq!(s.get(1).map(|v| v.time), Some(1));
        // A visitor of the previous generation keeps its time when seen again.
        s.entry(1, seen(9)).way = 7;
        assert_eq!(s.current.get(&1).map(|v| (v.time, v.way)), Some((1, 7)));
        assert!(!s.previous.contains_key(&1));
        assert!(s.get(1_000).is_some());
        fill(&mut s, 1_000_000);
        s.entry(u64::MAX - 1, seen(4));
        // Unseen for two generations: forgotten; seen in the last: kept.
        assert!(s.get(1_000).is_none());
        assert_eq!(s.get(1).map(|v| (v.time, v.way)), Some((1, 7)));
        // An existing key of a full generation is updated in place.
        fill(&mut s, 5_000_000);
        let before = s.previous.len();
        s.entry(u64::MAX - 1, seen(5)).time = 5;
        assert_eq!((s.previous.len(), s.current.len()), (before, SHARD_CAP));
        assert_eq!(s.get(u64::MAX - 1).map(|v| v.time), Some(5));
    }
}
