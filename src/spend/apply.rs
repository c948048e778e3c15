//! Writing one spend.json request (issue 6): the click prices in
//! click_cost and the same change of spend in the rollups, in the
//! caller's transaction.
//!
//! The rollups need the matching clicks per wide-rollup key: how many
//! (`cost` is spread over all of them) and what they cost so far (each
//! rollup row moves by the difference). When every condition is a
//! click_wide column and from/to fall on its bucket edges, each click_wide
//! row matches whole, so the matching rows ARE those sums, read from a
//! table a hundred times smaller than the clicks (the fast path).
//! Otherwise (subid, utm_campaign/content/term, unique, times inside a
//! bucket) the matching clicks themselves are summed.
//!
//! The prices are written from the click ids alone, found in the click
//! columns (src/stats/cols) into a list in memory (8 bytes a click)
//! before click_cost is written, two halves of the period at once when a
//! second pooled reader is free; the list goes to SQLite as rarray
//! parameters. The click columns' own prices are set after, at the
//! clicks' places in their chunks found in the same pass.
use super::deltas::Deltas;
use super::request::{Price, SpendRequest};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::clicks::id::key_at;
use crate::db::Pool;
use crate::stats::cols::read::{Need, Plan};
use crate::stats::cols::store::{set_prices, Matched};
use crate::stats::scan::in_halves;
use crate::stats::wide::COLUMNS;
use rusqlite::types::Value as Sql;
use rusqlite::vtab::array::Array;
use rusqlite::Connection;
use std::rc::Rc;

/// Prices the matching clicks and moves the rollups' spend with them;
/// answers how many clicks matched.
pub fn apply(
    req: &SpendRequest,
    conn: &Connection,
    pool: Option<&Pool>,
) -> rusqlite::Result<usize> {
    let (n, price, mut matched) = match req.wide_where() {
        Some(wide) => fast(req, conn, &wide, pool)?,
        None => slow(req, conn)?,
    };
    if n > 0 {
        write_prices(conn, std::mem::take(&mut matched.ids), price)?;
        // The same clicks' prices in their click columns.
        set_prices(conn, matched, price)?;
    }
    Ok(n as usize)
}

/// The rollups from click_wide rows that match whole (`wide`): answers
/// the number of matching clicks, their price, and the clicks.
fn fast(
    req: &SpendRequest,
    conn: &Connection,
    wide: &Where,
    pool: Option<&Pool>,
) -> rusqlite::Result<(i64, f64, Matched)> {
    let n: i64 = conn.query_row(
        &format!(
            "SELECT COALESCE(SUM(clicks), 0) FROM click_wide WHERE {}",
            wide.sql()
        ),
        rusqlite::params_from_iter(&wide.args),
        |r| r.get(0),
    )?;
    let price = per_click(req.price, n);
    if n == 0 {
        return Ok((0, price, Matched::default()));
    }
    if req.flows_only() {
        // Every narrow row of these flows and buckets matches whole too
        // (click_roll has the same user_id, bucket and flow columns).
        set_whole_rows(conn, "click_roll", wide, price)?;
    } else {
        let sql = format!(
            "SELECT user_id, bucket, {}, clicks, cost FROM click_wide WHERE {}",
            COLUMNS.join(", "),
            wide.sql()
        );
        Deltas::read(conn, &sql, &wide.args)?.write(conn, price, false)?;
    }
    set_whole_rows(conn, "click_wide", wide, price)?;
    Ok((n, price, collect(conn, req, pool)?))
}

/// The rollups from the matching clicks themselves, read from the click
/// columns with their old prices, in one pass that also keeps the clicks.
fn slow(req: &SpendRequest, conn: &Connection) -> rusqlite::Result<(i64, f64, Matched)> {
    let w = req.columns_where();
    let (deltas, matched) = Deltas::of_columns(conn, &columns_plan(req, &w)?)?;
    let n = deltas.clicks();
    let price = per_click(req.price, n);
    if n > 0 {
        deltas.write(conn, price, true)?;
    }
    Ok((n, price, matched))
}

/// The price of each of `n` matching clicks: `cost` is an equal share.
fn per_click(price: Price, n: i64) -> f64 {
    match price {
        Price::Cost(total) => total / n as f64,
        Price::Cpc(cpc) => cpc,
    }
}

/// Sets the spend of rollup rows whose clicks all match: clicks × price.
fn set_whole_rows(conn: &Connection, table: &str, w: &Where, price: f64) -> rusqlite::Result<()> {
    let sql = format!("UPDATE {table} SET cost = clicks * ? WHERE {}", w.sql());
    let args = std::iter::once(Sql::Real(price)).chain(w.args.iter().cloned());
    conn.execute(&sql, rusqlite::params_from_iter(args))?;
    Ok(())
}

/// Ids priced by one statement.
const PRICE_SLICE: usize = 65_536;

/// Reads the matching clicks from the click columns (src/stats/cols): their
/// ids, and their places in the chunks whose prices are set after. These
/// hold every spend condition: reading the click rows was most of
/// a spend on a condition the indexes lack (geo: 2.5 s of 3.9 s for the
/// 1.4M clicks of one country among 10M). A second pooled reader, when
/// one is free, reads the later half of the period at the same time
/// (src/stats/scan.rs). It sees what `conn` sees: `conn` holds the write
/// lock and has changed only rollups so far.
fn collect(
    conn: &Connection,
    req: &SpendRequest,
    pool: Option<&Pool>,
) -> rusqlite::Result<Matched> {
    let w = req.columns_where();
    let plan = columns_plan(req, &w)?;
    let read = |c: &Connection, from: Option<i64>, to: Option<i64>| {
        let key = |t: Option<i64>, open| t.map_or(open, key_at);
        let half = plan.between(key(from, 0), key(to, i64::MAX));
        let mut matched = Matched::default();
        let need = Need {
            ids: true,
            ..Need::default()
        };
        half.each(c, need, &mut matched)?;
        Ok(matched)
    };
    let mut spare = pool.and_then(|p| p.try_get());
    let (mut matched, later) = in_halves(conn, spare.as_deref_mut(), (req.from, req.to), read)?;
    if let Some(later) = later {
        matched.extend(later);
    }
    Ok(matched)
}

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

/// The request's clicks as the click columns find them (`w`: its
/// [`SpendRequest::columns_where`]).
fn columns_plan<'w>(req: &SpendRequest, w: &'w Where) -> rusqlite::Result<Plan<'w>> {
    let (from, to) = (req.from.unwrap_or(i64::MIN), req.to.unwrap_or(i64::MAX));
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
        let conn = crate::db::open_and_migrate(&dir.path().join("p.db")).unwrap();
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
