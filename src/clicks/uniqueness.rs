//! Uniqueness and sticky ways (SPEC 2 steps 6-7) without database reads:
//! a bounded in-memory map from hash(flow, visitor) to (last time, way).
//! The visitor is the `ftv` cookie when the browser sends it, else IP +
//! User-Agent; a first visit is stored under both keys so that its next
//! visit matches either way. Refilled from recent clicks at start.
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

const SHARDS: usize = 16;
/// Entries per shard before old ones are pruned.
const SHARD_CAP: usize = 200_000;
/// Nothing is remembered longer than this (longest uniqueness window).
pub const MAX_WINDOW: i64 = 30 * 24 * 3600;

#[derive(Clone, Copy, Debug)]
struct Seen {
    time: i64,
    way: i64,
}

pub struct Visitors {
    shards: Vec<Mutex<HashMap<u64, Seen>>>,
}

impl Default for Visitors {
    fn default() -> Self {
        Visitors {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

pub fn cookie_key(flow: &str, cookie: u64) -> u64 {
    let mut h = DefaultHasher::new();
    (flow, 1u8, cookie).hash(&mut h);
    h.finish()
}

pub fn ip_ua_key(flow: &str, ip: &str, ua: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (flow, 2u8, ip, ua).hash(&mut h);
    h.finish()
}

/// What the map knew of a visitor before this visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    pub unique: bool,
    pub way: Option<i64>,
}

impl Visitors {
    fn shard(&self, key: u64) -> std::sync::MutexGuard<'_, HashMap<u64, Seen>> {
        self.shards[(key as usize) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Looks the visitor up by `key`: unique when unseen within `window`
    /// seconds; the way they got before, if any.
    pub fn previous(&self, key: u64, now: i64, window: i64) -> Previous {
        match self.shard(key).get(&key) {
            Some(s) if now - s.time < window => Previous {
                unique: false,
                way: Some(s.way).filter(|w| *w > 0),
            },
            Some(s) => Previous {
                unique: true,
                way: Some(s.way).filter(|w| *w > 0),
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
        for &key in keys {
            let mut shard = self.shard(key);
            if shard.len() >= SHARD_CAP {
                shard.retain(|_, s| now - s.time < MAX_WINDOW / 30);
            }
            let e = shard.entry(key).or_insert(Seen { time: now, way });
            if unique {
                e.time = now;
            }
            if way > 0 {
                e.way = way;
            }
        }
    }

    /// Refills from stored clicks (key, unique, time, way), oldest first.
    pub fn refill(&self, rows: impl Iterator<Item = (u64, bool, i64, i64)>) {
        for (key, unique, time, way) in rows {
            let mut shard = self.shard(key);
            let e = shard.entry(key).or_insert(Seen { time, way });
            if unique {
                e.time = time;
            }
            if way > 0 {
                e.way = way;
            }
        }
    }
}
