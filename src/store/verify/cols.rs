//! Checking the click columns (src/store/cols) against the click rows:
//! each chunk decoded, every click in it compared with its row (id,
//! address, [`INTS`], [`TEXTS`]) and its price with click_cost; every
//! click row in exactly one chunk of its user. A chunk's layout (which
//! clicks share it) depends on the batches that wrote it, so chunks are
//! not compared with recomputed ones but click by click.
//!
//! Chunk by chunk, in (user, id) order: a click is looked up by its id,
//! and only the chunks that overlap the current one (a click queued late
//! lands in a later, overlapping chunk) keep their ids, to find a click
//! held twice. Each user's clicks in chunks are counted against the rows
//! counted when they were read back; only for a user whose counts differ
//! are the rows that no chunk holds looked for. On a node that keeps
//! only recent click rows (src/store/retention.rs) a chunk's clicks
//! below the kept ones have no row: they are not counted nor compared.
use super::compare::close;
use super::Copy;
use crate::store::cols::format::{Chunk, Costs, Ip};
use crate::store::cols::{INTS, TEXTS};
use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// The row of a click, as the columns keep it.
fn row_sql() -> String {
    let ints: Vec<String> = INTS.iter().map(|c| format!("c.{c}")).collect();
    let texts: Vec<String> = TEXTS.iter().map(|c| format!("c.{c}")).collect();
    format!(
        "SELECT c.user_id, c.ip, {}, {}, COALESCE(k.cost, 0.0) FROM main.clicks c
         LEFT JOIN main.click_cost k ON k.id = c.id WHERE c.id = ?1",
        ints.join(", "),
        texts.join(", ")
    )
}

/// A text of a click row, any bytes (as the columns were filled).
fn text(r: &rusqlite::Row, i: usize) -> rusqlite::Result<String> {
    Ok(String::from_utf8_lossy(r.get_ref(i)?.as_bytes()?).into_owned())
}

/// Checks every chunk; `rows` is each user's click rows from `kept_from`
/// on, counted as they were read back.
pub fn check(
    conn: &Connection,
    rows: &BTreeMap<i64, u64>,
    kept_from: i64,
    cols: &mut Copy,
    prices: &mut Copy,
) -> rusqlite::Result<()> {
    let mut row_st = conn.prepare(&row_sql())?;
    let mut st = conn.prepare(
        "SELECT c.id, c.user_id, c.last, c.n, c.data, p.data FROM main.click_cols c
         LEFT JOIN main.click_cols_cost p ON p.id = c.id ORDER BY c.user_id, c.id",
    )?;
    let mut chunks = st.query([])?;
    let mut held: BTreeMap<i64, u64> = BTreeMap::new();
    // The ids of the current user's chunks that may overlap the next:
    // (last id, ids).
    let mut open: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut user_now = None;
    while let Some(r) = chunks.next()? {
        let (id, user, last, n): (i64, i64, i64, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        cols.checked += 1;
        prices.checked += 1;
        if user_now != Some(user) {
            open.clear();
            user_now = Some(user);
        }
        let at = format!("chunk {id} (user {user})");
        let blob = r.get_ref(4)?.as_blob()?;
        let Some(clicks) = Chunk::parse(id, blob).and_then(|c| c.rows(None)) else {
            cols.differ(|| format!("{at}: does not decode"));
            continue;
        };
        if clicks.len() as i64 != n {
            cols.differ(|| format!("{at}: n stored {n}, the blob holds {}", clicks.len()));
        }
        let ids: Vec<i64> = clicks.iter().map(|c| c.id).collect();
        if ids.windows(2).any(|w| w[0] >= w[1]) {
            cols.differ(|| format!("{at}: its click ids are not ascending"));
        }
        if ids.last() != Some(&last) {
            cols.differ(|| {
                format!(
                    "{at}: last stored {last}, its last click is {:?}",
                    ids.last()
                )
            });
        }
        let kept = ids.iter().filter(|&&i| i >= kept_from).count();
        *held.entry(user).or_default() += kept as u64;
        // Held twice: in an earlier chunk of the user that reaches here.
        open.retain(|(end, _)| *end >= id);
        for (_, earlier) in &open {
            for twice in ids.iter().filter(|i| earlier.binary_search(i).is_ok()) {
                cols.differ(|| format!("{at}: click {twice} is in an earlier chunk too"));
            }
        }
        open.push((last, ids));
        let costs = match r.get_ref(5)?.as_blob_or_null()? {
            None => {
                prices.differ(|| format!("{at}: has no prices"));
                None
            }
            Some(b) => {
                let costs = Costs::parse(b, clicks.len());
                if costs.is_none() {
                    prices.differ(|| format!("{at}: its prices do not decode"));
                }
                costs
            }
        };
        for (k, c) in clicks.iter().enumerate() {
            let mut found = row_st.query(params![c.id])?;
            let Some(row) = found.next()? else {
                if c.id >= kept_from {
                    cols.differ(|| format!("{at}: click {} has no row", c.id));
                }
                continue;
            };
            let mut differ = Vec::new();
            let owner: i64 = row.get(0)?;
            if owner != user {
                differ.push(format!("the row is user {owner}'s"));
            }
            let ip = text(row, 1)?;
            if Ip::of_text(&ip) != c.ip {
                differ.push(format!(
                    "ip '{}' in the chunk, '{ip}' in the row",
                    c.ip.text()
                ));
            }
            for (i, name) in INTS.iter().enumerate() {
                let v: i64 = row.get(2 + i)?;
                if v != c.ints[i] {
                    differ.push(format!("{name} {} in the chunk, {v} in the row", c.ints[i]));
                }
            }
            for (i, name) in TEXTS.iter().enumerate() {
                let v = text(row, 2 + INTS.len() + i)?;
                if v != c.texts[i] {
                    differ.push(format!(
                        "{name} '{}' in the chunk, '{v}' in the row",
                        c.texts[i]
                    ));
                }
            }
            if !differ.is_empty() {
                cols.differ(|| format!("{at}, click {}: {}", c.id, differ.join("; ")));
            }
            let price: f64 = row.get(2 + INTS.len() + TEXTS.len())?;
            if let Some(costs) = &costs {
                if !close(costs.get(k), price) {
                    prices.differ(|| {
                        format!(
                            "{at}, click {}: price {} in the chunk's prices, {price} in click_cost",
                            c.id,
                            costs.get(k)
                        )
                    });
                }
            }
        }
    }
    orphan_prices(conn, prices)?;
    let users: std::collections::BTreeSet<i64> = rows.keys().chain(held.keys()).copied().collect();
    for user in users {
        let (want, got) = (
            rows.get(&user).copied().unwrap_or(0),
            held.get(&user).copied().unwrap_or(0),
        );
        if want != got {
            missing(conn, user, kept_from, cols)?;
            if got > want {
                cols.differ(|| format!("user {user}: {want} click rows, {got} clicks in chunks"));
            }
        }
    }
    Ok(())
}

/// Prices of no chunk.
fn orphan_prices(conn: &Connection, prices: &mut Copy) -> rusqlite::Result<()> {
    let mut st = conn.prepare(
        "SELECT id FROM main.click_cols_cost WHERE id NOT IN (SELECT id FROM main.click_cols)",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        prices.differ(|| format!("prices {id}: no such chunk"));
    }
    Ok(())
}

/// The click rows of `user` that none of its chunks holds, found with
/// the ids of its chunks in a temporary table (on disk, like SQLite's
/// sorts: a user may have millions of clicks).
fn missing(conn: &Connection, user: i64, kept_from: i64, cols: &mut Copy) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS verify_held (id INTEGER PRIMARY KEY);
         DELETE FROM temp.verify_held;",
    )?;
    let mut st = conn.prepare("SELECT id, data FROM main.click_cols WHERE user_id = ?1")?;
    let mut add = conn.prepare("INSERT OR IGNORE INTO temp.verify_held (id) VALUES (?1)")?;
    let mut chunks = st.query([user])?;
    while let Some(r) = chunks.next()? {
        let id: i64 = r.get(0)?;
        // A chunk that does not decode was told already.
        if let Some(ids) = Chunk::parse(id, r.get_ref(1)?.as_blob()?).and_then(|c| c.ids()) {
            for click in ids {
                add.execute([click])?;
            }
        }
    }
    let mut st = conn.prepare(
        "SELECT id FROM main.clicks WHERE user_id = ?1 AND id >= ?2
         AND id NOT IN (SELECT id FROM temp.verify_held) ORDER BY id",
    )?;
    let mut rows = st.query([user, kept_from])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        cols.differ(|| format!("user {user}: click {id} is in none of its chunks"));
    }
    Ok(())
}
