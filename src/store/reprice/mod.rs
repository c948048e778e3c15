//! Writing spend.json: the click prices in click_cost and the
//! same change of spend in the rollups.
//!
//! A request is first resolved to its clicks on a pooled reader
//! ([`collect`]): their ids, found in the click columns (src/store/cols),
//! two halves of the period at once when a second pooled reader is free.
//! Which clicks match does not depend on any price, so no write can make
//! that list stale. The writer then prices them a piece at a time
//! ([`price_piece`], src/spend/task.rs): it reads the piece's clicks' old
//! prices and rollup keys from their chunks, moves the rollups by the
//! difference, and writes the new prices to click_cost and to the
//! chunks, all in the slice's transaction, so the rollups always move by
//! exactly what the prices do, whatever wrote before.
mod deltas;
pub mod pieces;

use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::click_id::key_at;
use crate::db::Pool;
use crate::store::cols::read::{Need, Plan};
use crate::store::cols::store::set_prices;
use crate::store::scan::in_halves;
use deltas::Deltas;
use pieces::{Cut, Cutter};
use rusqlite::types::Value as Sql;
use rusqlite::vtab::array::Array;
use rusqlite::Connection;
use std::rc::Rc;

/// Prices the clicks `ids` (sorted) of `user` at `price` and moves the
/// rollups' spend with them; answers how many were found (a click gone
/// since the request was resolved is skipped).
pub fn price_piece(
    conn: &Connection,
    user: crate::ids::UserId,
    ids: &[i64],
    price: f64,
) -> rusqlite::Result<usize> {
    let (deltas, mut matched) = Deltas::of_chunks(conn, user.0, ids)?;
    let n = deltas.clicks();
    if n > 0 {
        crate::store::ship::log_ids(conn, crate::store::ship::Kind::Clicks, user.0, ids)?;
        deltas.write(conn, price, true)?;
        write_prices(conn, std::mem::take(&mut matched.ids), price)?;
        // The same clicks' prices in their click columns.
        set_prices(conn, matched, price)?;
    }
    Ok(n as usize)
}

/// Reads the matching clicks from the click columns (src/store/cols):
/// their ids, chunk by chunk, cut into pieces as they come, one [`Cut`]
/// per share of the period read. These hold every spend condition:
/// reading the click rows was most of a spend on a condition the indexes
/// lack (geo: 2.5 s of 3.9 s for the 1.4M clicks of one country among
/// 10M). A second pooled reader, when one is free, reads the later half
/// of the period at the same time (src/store/scan.rs).
pub fn collect(
    conn: &Connection,
    w: &Where,
    (from, to): (Option<i64>, Option<i64>),
    pool: Option<&Pool>,
) -> rusqlite::Result<Vec<Cut>> {
    let plan = columns_plan(w, (from, to))?;
    let read = |c: &Connection, from: Option<i64>, to: Option<i64>| {
        let key = |t: Option<i64>, open| t.map_or(open, key_at);
        let half = plan.between(key(from, 0), key(to, i64::MAX));
        let mut cutter = Cutter::default();
        let need = Need {
            ids: true,
            ..Need::default()
        };
        half.each(c, need, &mut cutter)?;
        Ok(cutter.done())
    };
    let mut spare = pool.and_then(|p| p.try_get());
    let (cut, later) = in_halves(conn, spare.as_deref_mut(), (from, to), read)?;
    Ok([Some(cut), later].into_iter().flatten().collect())
}

/// Ids priced by one statement.
const PRICE_SLICE: usize = 65_536;

/// Sets the price of every matching click (`ids`); a price of 0 is no
/// row.
fn write_prices(conn: &Connection, mut ids: Vec<i64>, price: f64) -> rusqlite::Result<()> {
    // In id order, each write lands next to the last one. A statement
    // over a slice of the list (rarray) at a time: one run per id cost
    // half as much again, and a slice bounds the SQL values built (32
    // bytes an id).
    ids.sort_unstable();
    let sql = match price == 0.0 {
        true => "DELETE FROM click_cost WHERE id IN (SELECT value FROM rarray(?1))",
        // `WHERE true`: an upsert after a bare SELECT would read as a join.
        false => {
            "INSERT INTO click_cost (id, cost) SELECT value, ?2 FROM rarray(?1) WHERE true
             ON CONFLICT (id) DO UPDATE SET cost = excluded.cost"
        }
    };
    let mut st = conn.prepare(sql)?;
    for slice in ids.chunks(PRICE_SLICE) {
        let slice: Array = Rc::new(slice.iter().map(|&id| Sql::Integer(id)).collect());
        match price == 0.0 {
            true => st.execute([slice])?,
            false => st.execute(rusqlite::params![slice, price])?,
        };
    }
    Ok(())
}

/// The clicks of `w` from Unix second `from` up to `to` (None: open) as
/// the click columns find them.
fn columns_plan(w: &Where, (from, to): (Option<i64>, Option<i64>)) -> rusqlite::Result<Plan<'_>> {
    let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
    let period = Period {
        start: from,
        end: to,
    };
    // Every spend condition is a column of the chunks.
    Plan::new(w, period, None, None).ok_or(rusqlite::Error::InvalidQuery)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list longer than one slice is priced, repriced and cleared whole.
    #[test]
    fn listed_prices_are_written_slice_after_slice() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::schema::open_and_migrate(&dir.path().join("p.db")).unwrap();
        let n = 2 * PRICE_SLICE as i64 + 7;
        let priced = |conn: &Connection| -> (i64, f64) {
            let sql = "SELECT count(*), COALESCE(SUM(cost), 0) FROM click_cost";
            conn.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
        };
        let ids = || (1..=n).rev().collect();
        write_prices(&conn, ids(), 0.5).unwrap();
        assert_eq!(priced(&conn), (n, 0.5 * n as f64));
        write_prices(&conn, ids(), 0.25).unwrap();
        assert_eq!(priced(&conn), (n, 0.25 * n as f64));
        write_prices(&conn, ids(), 0.0).unwrap();
        assert_eq!(priced(&conn), (0, 0.0));
    }
}
