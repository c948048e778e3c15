//! Landing clicks for stats.json (`lpclick`, docs/API.md "Landing
//! pages"): counted by their own time, as leads are: from the landing-
//! click rollups (lp_roll.rs) when they serve the request, as the lead
//! rollups serve leads; else from the partial index `clicks_lp`: only
//! clicks with a landing click are in it, with every column a report
//! filters or groups by, so the count reads neither the period's other
//! clicks nor any click row.
use super::aggregate::{group_exprs, group_values, select, Grouping, Key};
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// Landing clicks of one (bucket, value).
#[derive(Debug, Clone)]
pub struct LpAgg {
    /// Unix second the bucket of the landing click starts at.
    pub bucket: Option<i64>,
    pub value: Option<Key>,
    pub lpclick: i64,
}

/// The landing clicks of `period` (by their own time) matching
/// `filters`, grouped by `g` (its `top` is not applied: there are at
/// most as many groups as landing clicks).
pub fn lpclicks(
    conn: &Connection,
    g: Grouping,
    filters: &Where,
    period: Period,
    mut each: impl FnMut(LpAgg),
) -> rusqlite::Result<()> {
    let (b, c) = (g.buckets, g.column);
    let rolled = super::rollup::query(&super::lp_roll::LPS, b, c, filters, period)
        .or_else(|| super::wide::query_of(&super::lp_roll::LP_WIDE, b, c, filters, period));
    let (sql, args) = match rolled {
        // Rows one by one (grouped by a value) or summed: the caller adds
        // groups up either way.
        Some(q) => (q.sql, q.args),
        None => rows_query(g, filters, period),
    };
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
    while let Some(r) = rows.next()? {
        let (bucket, value, i) = group_values(g, r)?;
        each(LpAgg {
            bucket,
            value,
            lpclick: r.get(i)?,
        });
    }
    Ok(())
}

/// The click-rows query of [`lpclicks`] when no rollup serves it.
fn rows_query(g: Grouping, filters: &Where, period: Period) -> (String, Vec<Sql>) {
    let mut w = filters.clone();
    // `lp > 0` as a literal: SQLite uses a partial index only for a
    // condition it can see implies the index's own.
    w.push(
        "lp > 0 AND lp >= ? AND lp < ?",
        [Sql::Integer(period.start), Sql::Integer(period.end)],
    );
    let exprs = group_exprs(g, "lp / 900");
    // Named, so that no filter's index (a flow's clicks of all time) is
    // ever taken instead of the landing clicks of the period.
    let sql = select(&exprs, "count(*)", "clicks INDEXED BY clicks_lp", &w, "");
    (sql, w.args)
}
