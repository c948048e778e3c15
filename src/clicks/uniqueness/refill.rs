//! The visitor memory refilled at start from each user's newest clicks
//! of the longest uniqueness window in use, so that a restart does not
//! make returning visitors unique again.
use super::{cookie_key, ip_ua_key, Visitors, MAX_WINDOW, SHARDS};
use crate::clicks::id;
use crate::store::cols::format::Chunk;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection};
use std::collections::HashMap;
use std::rc::Rc;

/// How a user's clicks are read back. The click rows have no index by
/// user (docs/ARCHITECTURE.md, Uniqueness); the click columns give a user's click ids.
#[derive(Clone, Copy, Debug)]
enum Read {
    /// The rows from the user's oldest click to their newest, skipping
    /// other users': when the user holds at least half of them.
    Span,
    /// Each click by its id: on a 3M-click demo about twice the time of a
    /// row read in id order, but no other user's rows.
    Ids,
}

/// A chunk of click columns: its first and last click id, how many
/// clicks it holds and whose they are.
struct ChunkRow {
    first: i64,
    last: i64,
    n: i64,
    user: i64,
}

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
        read: Option<Read>,
    ) -> rusqlite::Result<usize> {
        // Two keys a click fill both generations of every shard.
        let limit = SHARDS * self.cap;
        // Every user's chunks of the window: whose clicks to read, and
        // how many rows a span holds.
        let chunks: Vec<ChunkRow> = conn
            .prepare("SELECT id, last, n, user_id FROM click_cols WHERE last >= ?1")?
            .query_map([since], |r| {
                Ok(ChunkRow {
                    first: r.get(0)?,
                    last: r.get(1)?,
                    n: r.get(2)?,
                    user: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let users: std::collections::BTreeSet<i64> = chunks.iter().map(|c| c.user).collect();
        let mut uas = HashMap::new();
        let mut total = 0;
        for user in users {
            let ids = newest_ids(conn, user, since, limit)?;
            let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else {
                continue;
            };
            let span: i64 = chunks
                .iter()
                .filter(|c| c.first <= hi && c.last >= lo)
                .map(|c| c.n)
                .sum();
            let how = read.unwrap_or(match span as usize <= 2 * ids.len() {
                true => Read::Span,
                false => Read::Ids,
            });
            total += ids.len();
            self.refill_clicks(conn, user, ids, how, &mut uas)?;
        }
        Ok(total)
    }

    /// Refills `user`'s clicks `ids` (ascending: oldest first).
    fn refill_clicks(
        &self,
        conn: &Connection,
        user: i64,
        ids: Vec<i64>,
        how: Read,
        uas: &mut HashMap<i64, String>,
    ) -> rusqlite::Result<()> {
        const COLUMNS: &str = "c.id, flow, vid, ip, ua, uniq, way";
        let mut st = conn.prepare(&match how {
            Read::Span => format!(
                "SELECT {COLUMNS} FROM clicks c WHERE c.id BETWEEN ?1 AND ?2 AND user_id = ?3
                 ORDER BY c.id"
            ),
            // The array first, in its (ascending) order.
            Read::Ids => {
                format!("SELECT {COLUMNS} FROM rarray(?1) r CROSS JOIN clicks c ON c.id = r.value")
            }
        })?;
        let mut rows = match how {
            Read::Span => st.query(params![ids[0], ids[ids.len() - 1], user])?,
            Read::Ids => {
                let ids: rusqlite::vtab::array::Array =
                    Rc::new(ids.into_iter().map(Sql::Integer).collect());
                st.query([ids])?
            }
        };
        let mut ua_st = conn.prepare_cached("SELECT value FROM dict WHERE id = ?1")?;
        while let Some(r) = rows.next()? {
            let (key, flow, vid): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (ip, ua): (String, i64) = (r.get(3)?, r.get(4)?);
            let (unique, way) = (r.get::<_, i64>(5)? != 0, r.get(6)?);
            let ua_text = uas
                .entry(ua)
                .or_insert_with(|| ua_st.query_row([ua], |r| r.get(0)).unwrap_or_default());
            let iu = ip_ua_key(&flow, &ip, ua_text);
            let t = id::key_time(key);
            self.refill(user, cookie_key(&flow, vid as u64), unique, t, way);
            self.refill(user, iu, unique, t, way);
        }
        Ok(())
    }
}

/// The ids of `user`'s newest clicks from click id `since` on, at most
/// `limit`, ascending, from the click columns: a user's clicks without
/// reading the other users'. A damaged chunk is skipped (its clicks are
/// only not refilled).
fn newest_ids(
    conn: &Connection,
    user: i64,
    since: i64,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    let mut st = conn.prepare(
        "SELECT id, data FROM click_cols WHERE user_id = ?1 AND last >= ?2 ORDER BY id DESC",
    )?;
    let mut rows = st.query(params![user, since])?;
    let mut ids = Vec::new();
    while ids.len() < limit {
        let Some(r) = rows.next()? else { break };
        let first: i64 = r.get(0)?;
        let chunk = Chunk::parse(first, r.get_ref(1)?.as_blob()?);
        if let Some(chunk_ids) = chunk.and_then(|c| c.ids()) {
            ids.extend(chunk_ids.into_iter().filter(|id| *id >= since));
        }
    }
    // A click queued late may sit in a later chunk than newer ones.
    ids.sort_unstable();
    ids.drain(..ids.len().saturating_sub(limit));
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::{Read, Visitors};
    use crate::store::cols::fixture::{fixture, T0};

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
        let since = crate::clicks::id::key_at(T0);
        for cap in [8, 100_000] {
            let (a, b) = (Visitors::with_cap(cap), Visitors::with_cap(cap));
            let n = a.refill_since(&conn, since, Some(Read::Span)).unwrap();
            assert_eq!(b.refill_since(&conn, since, Some(Read::Ids)).unwrap(), n);
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
