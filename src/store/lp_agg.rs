//! Landing clicks for stats.json (`lpclick`, docs/API.md "Landing
//! pages"): counted by their own time, as leads are: from the landing-
//! click rollups (lp_roll.rs) when they serve the request, as the lead
//! rollups serve leads; else from the partial index `clicks_lp`: only
//! clicks with a landing click are in it, with every column a report
//! filters or groups by, so the count reads neither the period's other
//! clicks nor any click row (summed in memory: grouped.rs).
use super::aggregate::{group_values, Grouping, Key};
use crate::api::dates::Period;
use crate::api::filters::Where;
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
/// most as many groups as landing clicks). `spare`, when given, reads
/// the later half of the period when the index answers. With `keep`, an
/// answer cut to its busiest groups, the index's landing clicks of other
/// text values are skipped (the rollups hand out every group).
pub fn lpclicks(
    conn: &Connection,
    spare: Option<&mut Connection>,
    g: Grouping,
    filters: &Where,
    period: Period,
    keep: Option<&std::collections::HashSet<&str>>,
    mut each: impl FnMut(LpAgg),
) -> rusqlite::Result<()> {
    let (b, c) = (g.buckets, g.column);
    let rolled = super::rollup::query(&super::lp_roll::LPS, b, c, filters, period)
        .or_else(|| super::wide::query_of(&super::lp_roll::LP_WIDE, b, c, filters, period));
    let Some(q) = rolled else {
        let r = super::aggregate::Request {
            g,
            filters,
            period,
            hours: None,
        };
        return super::grouped::lpclicks(conn, spare, &r, keep, each);
    };
    // Rows one by one (grouped by a value) or summed: the caller adds
    // groups up either way.
    let mut st = conn.prepare(&q.sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(q.args.iter()))?;
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
