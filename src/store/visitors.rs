//! The clicks the visitor memory is refilled from at start
//! (src/clicks/uniqueness/refill.rs): each user's newest, with what the
//! memory keys them by.
use super::cols::format::Chunk;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection};
use std::collections::HashMap;
use std::rc::Rc;

/// One stored click, as the visitor memory knows it.
pub struct Recent<'a> {
    /// Its key (src/click_id.rs).
    pub key: i64,
    pub flow: &'a str,
    /// The visitor's cookie.
    pub vid: i64,
    pub ip: &'a str,
    /// The User-Agent's text.
    pub ua: &'a str,
    pub unique: bool,
    pub way: i64,
}

/// How a user's clicks are read back. The click rows have no index by
/// user (docs/ARCHITECTURE.md, Uniqueness); the click columns give a user's click ids.
#[derive(Clone, Copy, Debug)]
pub enum ReadBy {
    /// The rows from the user's oldest click to their newest, skipping
    /// other users': when the user holds at least half of them.
    Span,
    /// Each click by its id: on a 3M-click demo about twice the time of a
    /// row read in id order, but no other user's rows.
    Ids,
}

/// Each user's newest clicks from click key `since` on, at most `limit`
/// of each, to `visit(user, click)`, a user's oldest first. `read` says
/// how they are read (tests), else the cheaper way for each user.
/// Answers the clicks read.
pub fn recent(
    conn: &Connection,
    since: i64,
    limit: usize,
    read: Option<ReadBy>,
    mut visit: impl FnMut(i64, &Recent),
) -> rusqlite::Result<usize> {
    // Every user's chunks of the window: whose clicks to read, and
    // how many rows a span holds.
    let chunks: Vec<(i64, i64, i64, i64)> = conn
        .prepare("SELECT id, last, n, user_id FROM click_cols WHERE last >= ?1")?
        .query_map([since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let users: std::collections::BTreeSet<i64> = chunks.iter().map(|c| c.3).collect();
    let mut uas = HashMap::new();
    let mut total = 0;
    for user in users {
        let ids = newest_ids(conn, user, since, limit)?;
        let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else {
            continue;
        };
        let span: i64 = chunks
            .iter()
            .filter(|(first, last, _, _)| *first <= hi && *last >= lo)
            .map(|c| c.2)
            .sum();
        let how = read.unwrap_or(match span as usize <= 2 * ids.len() {
            true => ReadBy::Span,
            false => ReadBy::Ids,
        });
        total += ids.len();
        user_clicks(conn, user, ids, how, &mut uas, &mut visit)?;
    }
    Ok(total)
}

/// Reads `user`'s clicks `ids` (ascending: oldest first) to `visit`.
fn user_clicks(
    conn: &Connection,
    user: i64,
    ids: Vec<i64>,
    how: ReadBy,
    uas: &mut HashMap<i64, String>,
    visit: &mut impl FnMut(i64, &Recent),
) -> rusqlite::Result<()> {
    const COLUMNS: &str = "c.id, flow, vid, ip, ua, uniq, way";
    let mut st = conn.prepare(&match how {
        ReadBy::Span => format!(
            "SELECT {COLUMNS} FROM clicks c WHERE c.id BETWEEN ?1 AND ?2 AND user_id = ?3
             ORDER BY c.id"
        ),
        // The array first, in its (ascending) order.
        ReadBy::Ids => {
            format!("SELECT {COLUMNS} FROM rarray(?1) r CROSS JOIN clicks c ON c.id = r.value")
        }
    })?;
    let mut rows = match how {
        ReadBy::Span => st.query(params![ids[0], ids[ids.len() - 1], user])?,
        ReadBy::Ids => {
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
        let ua = uas
            .entry(ua)
            .or_insert_with(|| ua_st.query_row([ua], |r| r.get(0)).unwrap_or_default());
        let click = Recent {
            key,
            flow: &flow,
            vid,
            ip: &ip,
            ua,
            unique,
            way,
        };
        visit(user, &click);
    }
    Ok(())
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
