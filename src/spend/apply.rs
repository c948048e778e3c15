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
//! The daily rollup (click_day: subid and utm_campaign/content/term per
//! UTC day) needs the matching clicks' own values, read before their
//! prices change: the slow path sums them in its pass, the fast path in
//! the pass that collects their ids; on flows alone only the partial
//! days at the ends are read (src/spend/day.rs).
//!
//! The prices are written from the click ids alone. Conditions on flows
//! and the period are answered by an index; any other condition reads
//! the click rows once, into a temporary list of ids, before click_cost
//! is written: reading 2.6 GB of rows while writing click_cost pushes the
//! dirty click_cost pages out of the cache mid-way (1.4M matching clicks
//! out of 10.6M: 3.9 s interleaved, 2.7 s in two steps).
use super::deltas::Deltas;
use super::request::{Price, SpendRequest};
use crate::api::filters::Where;
use crate::stats::day::{add_clicks_of, DayAcc, RowAt, COLUMNS as DAY_COLUMNS};
use crate::stats::source::clicks_with_cost;
use crate::stats::wide::COLUMNS;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// Prices the matching clicks and moves the rollups' spend with them;
/// answers how many clicks matched.
pub fn apply(req: &SpendRequest, conn: &Connection) -> rusqlite::Result<usize> {
    let (n, price, ids, day) = match req.wide_where() {
        Some(wide) => fast(req, conn, &wide)?,
        None => slow(req, conn)?,
    };
    if n > 0 {
        // The daily rollup moves by each click's old price, so before
        // the prices are written.
        day.into_spend_change(price).flush(conn)?;
        ids.write_prices(conn, price)?;
    }
    ids.drop(conn)?;
    Ok(n as usize)
}

/// The rollups from click_wide rows that match whole (`wide`): answers
/// the number of matching clicks, their price, and where their ids are.
fn fast(
    req: &SpendRequest,
    conn: &Connection,
    wide: &Where,
) -> rusqlite::Result<(i64, f64, Ids, DayAcc)> {
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
        return Ok((0, price, Ids::Index(req.clicks_where()), DayAcc::default()));
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
        Deltas::read(conn, &sql, &wide.args, |_| Ok(()))?.write(conn, price, false)?;
    }
    set_whole_rows(conn, "click_wide", wide, price)?;
    let (ids, day) = match req.flows_only() {
        true => (
            Ids::Index(req.clicks_where()),
            super::day::flows_only(conn, req, price)?,
        ),
        false => Ids::collect(conn, req)?,
    };
    Ok((n, price, ids, day))
}

/// Where the slow path's rows hold the daily rollup's columns: flow is
/// COLUMNS[0], the price so far and the id follow the 11 COLUMNS.
const SLOW_ROW: RowAt = RowAt {
    user: 0,
    id: 15,
    flow: 2,
    values: 16,
    cost: 14,
    uniq: None,
};

/// The rollups from the matching clicks themselves, in one pass that also
/// keeps their ids and their sums for the daily rollup.
fn slow(req: &SpendRequest, conn: &Connection) -> rusqlite::Result<(i64, f64, Ids, DayAcc)> {
    let table = clicks_with_cost(super::plan::scan(conn, req)?);
    let w = req.clicks_where();
    Ids::create(conn)?;
    let sql = format!(
        "SELECT user_id, (clicks.id >> 16) / 900000, {}, 1, COALESCE(k.cost, 0.0), clicks.id, {DAY_COLUMNS}
         FROM {table} WHERE {}",
        COLUMNS.join(", "),
        w.sql()
    );
    let mut keep = conn.prepare_cached("INSERT INTO temp.spend_ids (id) VALUES (?)")?;
    let mut day = DayAcc::default();
    let deltas = Deltas::read(conn, &sql, &w.args, |r| {
        day.add_row(r, &SLOW_ROW)?;
        keep.execute([r.get::<_, i64>(15)?]).map(drop)
    })?;
    let n = deltas.clicks();
    let price = per_click(req.price, n);
    if n > 0 {
        deltas.write(conn, price, true)?;
    }
    Ok((n, price, Ids::Collected, day))
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

/// Where the ids of the matching clicks come from.
enum Ids {
    /// These conditions, on the click indexes alone.
    Index(Where),
    /// temp.spend_ids, filled by [`Ids::collect`].
    Collected,
}

impl Ids {
    /// Reads the matching click ids into temp.spend_ids, in one pass over
    /// the clicks as src/spend/plan.rs decides, which also sums them for
    /// the daily rollup.
    fn collect(conn: &Connection, req: &SpendRequest) -> rusqlite::Result<(Ids, DayAcc)> {
        let w = req.clicks_where();
        let from = format!(
            "{} WHERE {}",
            clicks_with_cost(super::plan::scan(conn, req)?),
            w.sql()
        );
        Ids::create(conn)?;
        let mut keep = conn.prepare_cached("INSERT INTO temp.spend_ids (id) VALUES (?)")?;
        let mut day = DayAcc::default();
        add_clicks_of(conn, &from, &w.args, false, &mut day, |_, id| {
            keep.execute([id]).map(drop)
        })?;
        Ok((Ids::Collected, day))
    }

    /// An empty temp.spend_ids (temporary tables are per connection and
    /// vanish with a rolled-back transaction).
    fn create(conn: &Connection) -> rusqlite::Result<()> {
        conn.execute_batch(
            "DROP TABLE IF EXISTS temp.spend_ids;
             CREATE TEMP TABLE spend_ids (id INTEGER PRIMARY KEY);",
        )
    }

    /// The ids as a subquery, and its arguments.
    fn select(&self) -> (String, Vec<Sql>) {
        match self {
            Ids::Index(w) => (
                format!("SELECT clicks.id FROM clicks WHERE {}", w.sql()),
                w.args.clone(),
            ),
            Ids::Collected => ("SELECT id FROM temp.spend_ids".into(), Vec::new()),
        }
    }

    /// Sets the price of every matching click; a price of 0 is no row.
    fn write_prices(&self, conn: &Connection, price: f64) -> rusqlite::Result<()> {
        let (ids, args) = self.select();
        if price == 0.0 {
            let sql = format!("DELETE FROM click_cost WHERE id IN ({ids})");
            conn.execute(&sql, rusqlite::params_from_iter(&args))?;
            return Ok(());
        }
        // `WHERE true`: an upsert after a bare SELECT would read as a join.
        let sql = format!(
            "INSERT INTO click_cost (id, cost) SELECT id, ? FROM ({ids}) WHERE true
             ON CONFLICT (id) DO UPDATE SET cost = excluded.cost"
        );
        let args = std::iter::once(Sql::Real(price)).chain(args);
        conn.execute(&sql, rusqlite::params_from_iter(args))?;
        Ok(())
    }

    fn drop(self, conn: &Connection) -> rusqlite::Result<()> {
        if let Ids::Collected = self {
            conn.execute_batch("DROP TABLE temp.spend_ids")?;
        }
        Ok(())
    }
}
