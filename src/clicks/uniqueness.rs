//! Uniqueness and sticky ways (docs/API.md "The click path" steps 6-7) without database reads:
//! a bounded in-memory map from hash(flow, visitor) to (last unique visit,
//! way). The visitor is the `ftv` cookie when the browser sends it, else
//! IP + User-Agent; a first visit is stored under both keys so that its
//! next visit matches either way. Refilled from recent clicks at start.
//!
//! Each user has a memory of their own, created on their first click, so
//! that one user's traffic never pushes out another's visitors (docs/ARCHITECTURE.md,
//! Uniqueness). Memory is bounded per user (the server's memory stays bounded under load) by two
//! generations per shard: when the current map is full it becomes the
//! previous one and the oldest generation is dropped. Lookups see both,
//! so a key is kept as long as fewer than the cap of distinct keys of its
//! user reach its shard after it: at [`SHARD_CAP`], about 220,000
//! visitors a day (two keys each) for a 24-hour window, in 17 MiB per
//! user at most (tests/it/uniqueness_tenants.rs measures both).
mod refill;

use crate::store::IdMap;
use foldhash::fast::RandomState;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;
use std::sync::{LazyLock, Mutex};

const SHARDS: usize = 16;
/// Keys per user, generation and shard: 7/8 of a power of two, so each
/// map's table stays at 32768 buckets (~0.5 MiB); a user's 32 maps stay
/// under 18 MiB.
pub const SHARD_CAP: usize = 28_672;
/// Nothing is remembered longer than the longest window a flow can have.
pub const MAX_WINDOW: i64 = 720 * 3600;

/// 8 bytes: with its 8-byte key, 16 bytes an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    /// Unix seconds of the last unique visit.
    time: u32,
    way: u32,
}

/// Keys are already hashes of (flow, visitor) under a random seed
/// ([`KEYS`]), so a visitor cannot aim them at one bucket: the maps mix
/// them with one multiply instead of hashing them again, which was a
/// measurable share of the click path (docs/BENCHMARKS.md).
type Keyed = IdMap<u64, Seen>;

/// One user's keys in one shard.
#[derive(Default)]
struct Gens {
    current: Keyed,
    previous: Keyed,
}

impl Gens {
    fn get(&self, key: u64) -> Option<Seen> {
        self.current
            .get(&key)
            .or_else(|| self.previous.get(&key))
            .copied()
    }

    /// The entry for `key` in the current generation, rotating when it
    /// holds `cap` keys. One lookup in the current generation when it has
    /// room (a click remembers two keys, and each lookup of a new one
    /// misses the cache).
    fn entry(&mut self, key: u64, fresh: Seen, cap: usize) -> &mut Seen {
        if self.current.len() >= cap && !self.current.contains_key(&key) {
            let carried = self.previous.remove(&key);
            // The dropped generation's table takes the next one: no
            // allocation on the click path once both exist.
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.clear();
            self.current.reserve(cap);
            return self.current.entry(key).or_insert(carried.unwrap_or(fresh));
        }
        match self.current.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(self.previous.remove(&key).unwrap_or(fresh)),
        }
    }
}

/// One shard: each user's keys that land in it.
#[derive(Default)]
struct Shard {
    users: IdMap<i64, Gens>,
}

pub struct Visitors {
    shards: Vec<Mutex<Shard>>,
    /// Keys per user, generation and shard ([`SHARD_CAP`]; tests shrink it).
    cap: usize,
}

impl Default for Visitors {
    fn default() -> Self {
        Self::with_cap(SHARD_CAP)
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
    pub fn with_cap(cap: usize) -> Self {
        Visitors {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            cap: cap.max(1),
        }
    }

    fn shard(&self, key: u64) -> std::sync::MutexGuard<'_, Shard> {
        // High bits: the low bits of a key fix the low bits of its
        // multiplied hash, which pick the bucket, so sharding on them would
        // leave each shard's keys 1/16 of its table.
        self.shards[((key >> 32) as usize) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Looks the visitor up by `key` in `user`'s memory: unique when
    /// unseen within `window` seconds; the way they got before, if any.
    pub fn previous(&self, user: i64, key: u64, now: i64, window: i64) -> Previous {
        let seen = self.shard(key).users.get(&user).and_then(|g| g.get(key));
        match seen {
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

    /// Remembers a visit under each key in `user`'s memory. A non-unique
    /// visit keeps the time of the unique one, so the window runs from the
    /// first visit. A blocked visit (way 0) keeps the way got before: the
    /// visitor returns to it once they pass the filters again (docs/API.md,
    /// "The click path").
    pub fn remember(&self, user: i64, keys: &[u64], now: i64, way: i64, unique: bool) {
        let seen = Seen {
            time: secs(now),
            way: secs(way),
        };
        for &key in keys {
            let mut shard = self.shard(key);
            let e = shard
                .users
                .entry(user)
                .or_default()
                .entry(key, seen, self.cap);
            if unique {
                e.time = seen.time;
            }
            if way > 0 {
                e.way = seen.way;
            }
        }
    }

    /// Refills one stored click of `user` (key, unique, time, way), oldest
    /// first. Runs beside live traffic, so it never overwrites a newer
    /// visit.
    fn refill(&self, user: i64, key: u64, unique: bool, time: i64, way: i64) {
        let mut shard = self.shard(key);
        let seen = Seen {
            time: secs(time),
            way: secs(way),
        };
        let e = shard
            .users
            .entry(user)
            .or_default()
            .entry(key, seen, self.cap);
        if unique && e.time <= seen.time {
            e.time = seen.time;
        }
        if way > 0 && e.time <= seen.time {
            e.way = seen.way;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Gens, Previous, Seen, Visitors, SHARD_CAP};

    fn seen(time: u32) -> Seen {
        Seen { time, way: 0 }
    }

    /// Fills the current generation up to its cap with keys from `from`.
    fn fill(s: &mut Gens, from: u64) {
        let mut k = from;
        while s.current.len() < SHARD_CAP {
            s.entry(k, seen(2), SHARD_CAP);
            k += 1;
        }
    }

    #[test]
    fn a_visitor_is_carried_over_and_forgotten_two_generations_later() {
        let mut s = Gens::default();
        s.entry(1, seen(1), SHARD_CAP);
        fill(&mut s, 1_000);
        // A new key in a full generation starts the next one.
        s.entry(u64::MAX, seen(3), SHARD_CAP);
        assert_eq!(s.current.len(), 1);
        assert_eq!(s.get(1).map(|v| v.time), Some(1));
        // A visitor of the previous generation keeps its time when seen again.
        s.entry(1, seen(9), SHARD_CAP).way = 7;
        assert_eq!(s.current.get(&1).map(|v| (v.time, v.way)), Some((1, 7)));
        assert!(!s.previous.contains_key(&1));
        assert!(s.get(1_000).is_some());
        fill(&mut s, 1_000_000);
        s.entry(u64::MAX - 1, seen(4), SHARD_CAP);
        // Unseen for two generations: forgotten; seen in the last: kept.
        assert!(s.get(1_000).is_none());
        assert_eq!(s.get(1).map(|v| (v.time, v.way)), Some((1, 7)));
        // An existing key of a full generation is updated in place.
        fill(&mut s, 5_000_000);
        let before = s.previous.len();
        s.entry(u64::MAX - 1, seen(5), SHARD_CAP).time = 5;
        assert_eq!((s.previous.len(), s.current.len()), (before, SHARD_CAP));
        assert_eq!(s.get(u64::MAX - 1).map(|v| v.time), Some(5));
    }

    #[test]
    fn each_user_fills_only_their_own_memory() {
        let v = Visitors::with_cap(2);
        v.remember(1, &[7], 100, 3, true);
        // Keys over every shard, far more than user 2's budget (2 × 2 each).
        let key = |k: u64| (k << 32) | 99;
        for k in 0..1_000 {
            v.remember(2, &[key(k)], 200, 1, true);
        }
        let kept = Previous {
            unique: false,
            way: Some(3),
        };
        assert_eq!(v.previous(1, 7, 150, 3600), kept);
        assert!(v.previous(2, key(0), 300, 3600).unique);
        assert!(!v.previous(2, key(999), 300, 3600).unique);
        // A user never sees another's keys.
        assert!(v.previous(1, key(999), 300, 3600).unique);
        assert!(v.previous(2, 7, 150, 3600).unique);
    }
}
