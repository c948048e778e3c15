//! Landing clicks for stats.json (`lpclick`, docs/API.md "Landing
//! pages"): counted by their own time, as leads are, from the click rows
//! that have one, through the partial index `clicks_lp` (only clicks with
//! a landing click are in it, so the count costs what those clicks do,
//! never a scan of the period's clicks). No rollup holds them: a landing
//! click changes its click row alone (docs/ARCHITECTURE.md "The click
//! store"), which keeps every copy in step.
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
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(w.args.iter()))?;
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
