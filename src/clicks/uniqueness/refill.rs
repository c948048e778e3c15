//! The visitor memory refilled at start from each user's newest clicks
//! of the longest uniqueness window in use, so that a restart does not
//! make returning visitors unique again. The store reads them
//! (src/store/visitors.rs).
use super::{cookie_key, ip_ua_key, Visitors, MAX_WINDOW, SHARDS};
use crate::click_id as id;
use crate::store::{self, ReadBy};
use rusqlite::Connection;

impl Visitors {
    /// Refills each user's memory from their clicks of the last `window`
    /// seconds, at most what it holds (the newest). Answers the clicks
    /// read.
    pub fn refill_from(&self, conn: &Connection, window: i64) -> rusqlite::Result<usize> {
        let now = jiff::Timestamp::now().as_second();
        self.refill_since(conn, id::key_at(now - window.min(MAX_WINDOW)), None)
    }

    /// [`Visitors::refill_from`] from click id `since` on (`read`: tests
    /// choose how).
    fn refill_since(
        &self,
        conn: &Connection,
        since: i64,
        read: Option<ReadBy>,
    ) -> rusqlite::Result<usize> {
        // Two keys a click fill both generations of every shard.
        let limit = SHARDS * self.cap;
        store::recent(conn, since, limit, read, |user, c| {
            let t = id::key_time(c.key);
            let (unique, way) = (c.unique, c.way);
            self.refill(user, cookie_key(c.flow, c.vid as u64), unique, t, way);
            self.refill(user, ip_ua_key(c.flow, c.ip, c.ua), unique, t, way);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{ReadBy, Visitors};
    use crate::store::fixture::{fixture, T0};

    /// Every user's remembered keys, shard by shard, sorted.
    fn keys(v: &Visitors) -> Vec<Vec<(i64, u64, super::super::Seen)>> {
        v.shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap();
                let mut all: Vec<_> = s
                    .users
                    .iter()
                    .flat_map(|(u, g)| {
                        let gens = g.current.iter().chain(g.previous.iter());
                        gens.map(move |(k, seen)| (*u, *k, *seen))
                    })
                    .collect();
                all.sort_by_key(|(u, k, _)| (*u, *k));
                all
            })
            .collect()
    }

    #[test]
    fn a_span_and_ids_refill_the_same_newest_clicks() {
        // Two users' clicks interleaved, some queued late (fixture).
        let (_dir, conn, _) = fixture();
        let since = crate::click_id::key_at(T0);
        for cap in [8, 100_000] {
            let (a, b) = (Visitors::with_cap(cap), Visitors::with_cap(cap));
            let n = a.refill_since(&conn, since, Some(ReadBy::Span)).unwrap();
            assert_eq!(b.refill_since(&conn, since, Some(ReadBy::Ids)).unwrap(), n);
            assert_eq!(keys(&a), keys(&b));
            let expected = match cap {
                8 => 2 * 16 * 8,
                _ => 12_000,
            };
            assert_eq!(n, expected);
            // What the server would choose reads the same.
            let c = Visitors::with_cap(cap);
            assert_eq!(c.refill_since(&conn, since, None).unwrap(), n);
            assert_eq!(keys(&c), keys(&a));
        }
    }
}
