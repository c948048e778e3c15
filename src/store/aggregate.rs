//! Where stats.json's numbers come from. A click aggregate is answered
//! by one of four [`Path`]s, fastest first: a narrow rollup (rollup.rs),
//! the wide rollup (wide.rs), the click columns (cols/group.rs, and
//! ip.rs for item ip: two halves of the period at once), or SQLite
//! grouping the click rows (a grouping with more values than the columns
//! hold, a subid per click). [`plan`] picks the first that serves a
//! request; [`clicks_by`] answers by a given one, so that tests can hold
//! every path to the same answer. Leads come from one aggregate query
//! per request, lead rollups or the leads table (lead_agg.rs).
//!
//! Grouping by time happens in 15-minute UTC buckets: every real timezone
//! offset is a multiple of 15 minutes, so each bucket lies within exactly
//! one local hour and the caller folds buckets into local dates and hours
//! with the user's timezone (docs/API.md: groups are in the user's timezone).
//!
//! Both functions hand out rows through a callback so large groupings (ip,
//! subid) are never held twice.
use super::cols::read::{Hours, Plan};
use super::rollup::Query;
use super::sums::Sums;
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::Value;

pub use super::lead_agg::{
    kept_leads, kept_leads_by, lead_plan, leads, leads_by, LeadAgg, LeadPath, Leads,
};
pub use super::lp_agg::{lpclicks, LpAgg};

/// Length of a time bucket in seconds.
pub const BUCKET: i64 = 900;

/// What the rows are grouped by.
#[derive(Debug, Clone, Copy)]
pub struct Grouping {
    /// Group by 15-minute buckets (item date/hour or an `hour` filter).
    pub buckets: bool,
    /// Group by this column (same name in clicks and leads).
    pub column: Option<&'static str>,
    /// Keep only this many click groups, most clicks first (high-
    /// cardinality items such as ip: a month can hold millions of them).
    pub top: Option<usize>,
}

/// Click aggregates of one (bucket, value).
#[derive(Debug, Clone)]
pub struct ClickAgg {
    /// Unix second the bucket starts at, when grouped by time.
    pub bucket: Option<i64>,
    pub value: Option<Key>,
    pub click: i64,
    pub unique: i64,
    pub spend: f64,
}

impl ClickAgg {
    pub fn of(bucket: Option<i64>, value: Option<Key>, s: Sums) -> ClickAgg {
        ClickAgg {
            bucket,
            value,
            click: s.click,
            unique: s.unique,
            spend: s.spend,
        }
    }
}

/// The SELECT / GROUP BY expressions of a grouping; `time` is the bucket
/// number expression of the table.
pub(super) fn group_exprs(g: Grouping, time: &str) -> Vec<String> {
    let mut out = Vec::new();
    if g.buckets {
        out.push(time.to_string());
    }
    if let Some(c) = g.column {
        out.push(c.to_string());
    }
    out
}

/// Reads the bucket and value columns that `group_exprs` put first.
pub(super) fn group_values(
    g: Grouping,
    r: &rusqlite::Row,
) -> rusqlite::Result<(Option<i64>, Option<Key>, usize)> {
    let mut i = 0;
    let bucket = if g.buckets {
        i += 1;
        Some(r.get::<_, i64>(0)? * BUCKET)
    } else {
        None
    };
    let value = match g.column {
        Some(_) => {
            i += 1;
            Some(Key::from_sql(r.get::<_, Sql>(i - 1)?))
        }
        None => None,
    };
    Ok((bucket, value, i))
}

/// `SELECT groups, aggregates FROM table WHERE w GROUP BY groups, extra`:
/// the one shape of every stats query (click and lead tables, rollups).
pub(super) fn select(
    g: &[String],
    aggregates: &str,
    table: &str,
    w: &Where,
    extra: &str,
) -> String {
    let mut cols: Vec<&str> = g.iter().map(String::as_str).collect();
    cols.push(aggregates);
    let mut by: Vec<&str> = g.iter().map(String::as_str).collect();
    if !extra.is_empty() {
        by.push(extra);
    }
    let group = if by.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", by.join(", "))
    };
    format!(
        "SELECT {} FROM {table} WHERE {}{group}",
        cols.join(", "),
        w.sql()
    )
}

/// The click table with each click's price as `k.cost`: its click_cost
/// row (migration step 3), no row being 0. A join, so that the price is
/// read in id order as the clicks are; a correlated lookup in SUM would
/// run after GROUP BY's sort, in group order, one random page per click
/// (4x slower for a month of subids or ips on 10M clicks). The click rows
/// have no index but their id (step 6): the period's rows are read in id
/// order.
const CLICKS_WITH_COST: &str = "clicks LEFT JOIN click_cost k ON k.id = clicks.id";

/// Count, unique count and spend of [`CLICKS_WITH_COST`].
pub(super) const CLICK_AGGREGATES: &str =
    "count(*), COALESCE(SUM(uniq), 0), COALESCE(SUM(k.cost), 0.0)";

/// How a click aggregate is answered (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// A narrow rollup (click_roll, rollup.rs): the item and filters on
    /// the flow and one rolled-up dimension.
    Narrow,
    /// The wide rollup (click_wide, wide.rs): any mix of its dimensions.
    Wide,
    /// The click columns (cols/group.rs; ip.rs for item ip).
    Columns,
    /// SQLite grouping the click rows: serves every request.
    Rows,
}

impl Path {
    /// Every path, in the order [`plan`] tries them.
    pub const ALL: [Path; 4] = [Path::Narrow, Path::Wide, Path::Columns, Path::Rows];
}

/// An aggregate as stats.json asks it of the store.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub g: Grouping,
    /// The owner and the dimension filters.
    pub filters: &'a Where,
    pub period: Period,
    /// The `hour` filter's buckets, which the click columns keep
    /// themselves when grouping by a value (src/stats/mod.rs); the other
    /// paths hand out buckets for the caller to keep.
    pub hours: Option<&'a Hours>,
}

/// The path that answers `r`: the first of [`Path::ALL`] that serves it.
pub fn plan(r: &Request) -> Path {
    let serving = Path::ALL.into_iter().find(|&p| serves(p, r));
    serving.unwrap_or(Path::Rows)
}

/// Whether `path` can answer `r`. The click columns may still give up
/// when they find more values than they hold ([`clicks_by`]).
pub fn serves(path: Path, r: &Request) -> bool {
    match path {
        Path::Narrow => narrow(r).is_some(),
        Path::Wide => wide(r).is_some(),
        Path::Columns if r.g.column == Some(IP) => ip_top(r).is_some(),
        Path::Columns => super::cols::group::serves(r.g, r.filters, r.period, r.hours),
        Path::Rows => true,
    }
}

/// The item the click columns group apart (src/store/ip.rs).
const IP: &str = "ip";

fn narrow(r: &Request) -> Option<Query> {
    let (g, f, p) = (r.g, r.filters, r.period);
    super::rollup::query(&super::rollup::CLICKS, g.buckets, g.column, f, p)
}

fn wide(r: &Request) -> Option<Query> {
    super::wide::query(r.g.buckets, r.g.column, r.filters, r.period)
}

/// How many groups item ip keeps, when the click columns answer it: by
/// value alone (with the `hour` filter's buckets, if any), cut to the
/// request's busiest groups.
fn ip_top(r: &Request) -> Option<usize> {
    let by_value = !r.g.buckets || r.hours.is_some();
    let plan = Plan::new(r.filters, r.period, r.hours, None);
    r.g.top.filter(|_| by_value && plan.is_some())
}

/// Click count, unique count and spend per group. `filters` holds the
/// owner and the dimension filters. Unique clicks are SUM(uniq): the click
/// path already decided uniqueness (docs/API.md "The click path" step 6), no COUNT DISTINCT.
pub fn clicks(
    conn: &Connection,
    pool: Option<&crate::db::Pool>,
    g: Grouping,
    filters: &Where,
    period: Period,
    hours: Option<&Hours>,
    mut each: impl FnMut(ClickAgg),
) -> rusqlite::Result<()> {
    let r = Request {
        g,
        filters,
        period,
        hours,
    };
    if clicks_by(conn, pool, plan(&r), &r, &mut each)? {
        return Ok(());
    }
    // The click columns found too many values to hold: SQLite groups the
    // click rows, its sorter keeping memory bounded.
    clicks_by(conn, pool, Path::Rows, &r, each).map(drop)
}

/// The aggregates of [`clicks`] by `path`: Ok(false), having handed out
/// nothing, when that path cannot answer `r` ([`serves`], or the click
/// columns finding more values than they hold). The click columns read
/// two halves of the period at once when `pool` has a second reader free.
pub fn clicks_by(
    conn: &Connection,
    pool: Option<&crate::db::Pool>,
    path: Path,
    r: &Request,
    mut each: impl FnMut(ClickAgg),
) -> rusqlite::Result<bool> {
    let (g, filters, period) = (r.g, r.filters, r.period);
    let rolled = match path {
        Path::Narrow => narrow(r),
        Path::Wide => wide(r),
        Path::Columns => {
            let mut spare = pool.and_then(|p| p.try_get());
            let spare = spare.as_deref_mut();
            if g.column != Some(IP) {
                return super::cols::group::clicks(conn, spare, g, filters, period, r.hours, each);
            }
            // About one address per click: ip.rs cuts them to the top
            // groups itself.
            let Some(n) = ip_top(r) else {
                return Ok(false);
            };
            let Some(top) = super::ip::top(conn, spare, filters, period, r.hours, n)? else {
                return Ok(false);
            };
            for (key, s) in top {
                each(ClickAgg::of(None, Some(key), s));
            }
            return Ok(true);
        }
        Path::Rows => {
            rows(conn, r, each)?;
            return Ok(true);
        }
    };
    let Some(q) = rolled else {
        return Ok(false);
    };
    read_clicks(conn, g, &q.sql, &q.args, q.summed, each)?;
    Ok(true)
}

/// [`Path::Rows`]: SQLite groups the period's click rows.
fn rows(conn: &Connection, r: &Request, each: impl FnMut(ClickAgg)) -> rusqlite::Result<()> {
    let g = r.g;
    let top = g.column.filter(|_| !g.buckets).and(g.top);
    // The period as a rowid range: clicks are clustered by time.
    let mut w = r.filters.clone();
    w.clicks_between("clicks.id", Some(r.period.start), Some(r.period.end));
    // id >> 16 is the click's Unix millisecond (src/click_id.rs).
    let exprs = group_exprs(g, "(clicks.id >> 16) / 900000");
    let sql = select(&exprs, CLICK_AGGREGATES, CLICKS_WITH_COST, &w, "");
    // The groups stats.json keeps: most clicks, ties by value.
    let sql = match (top, g.column) {
        (Some(n), Some(c)) => format!("{sql} ORDER BY count(*) DESC, {c} LIMIT {n}"),
        _ => sql,
    };
    read_clicks(conn, g, &sql, &w.args, true, each)
}

/// Runs a click query (click table or rollup, same columns: group
/// values, then count, unique, spend) and hands out one aggregate per
/// group. Rows not `summed` by SQLite (rollup rows one by one, see
/// src/store/rollup.rs `Query`) are summed per group here first, so a
/// group is handed out once and only with clicks, as SQL's would be.
fn read_clicks(
    conn: &Connection,
    g: Grouping,
    sql: &str,
    args: &[Sql],
    summed: bool,
    mut each: impl FnMut(ClickAgg),
) -> rusqlite::Result<()> {
    let mut st = conn.prepare(sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
    let mut groups: foldhash::HashMap<(Option<i64>, Option<Key>), Sums> = Default::default();
    // A group without clicks is no group (and an aggregate without GROUP
    // BY over no rows gives one such row).
    let mut give = |(bucket, value), s: Sums| {
        if s.click != 0 {
            each(ClickAgg::of(bucket, value, s));
        }
    };
    while let Some(r) = rows.next()? {
        let (bucket, value, i) = group_values(g, r)?;
        let sums = Sums {
            click: r.get(i)?,
            unique: r.get(i + 1)?,
            spend: r.get(i + 2)?,
        };
        match summed {
            true => give((bucket, value), sums),
            false => groups.entry((bucket, value)).or_default().merge(sums),
        }
    }
    for (group, sums) in groups {
        give(group, sums);
    }
    Ok(())
}

/// A group's id: a number for numeric items, text for the others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    pub fn from_sql(v: Sql) -> Key {
        match v {
            Sql::Integer(n) => Key::Int(n),
            Sql::Text(s) => Key::Text(s),
            Sql::Real(f) => Key::Int(f as i64),
            Sql::Null | Sql::Blob(_) => Key::Text(String::new()),
        }
    }

    /// The key of the `stats` object (docs/API.md: the group id as a string).
    pub fn map_key(&self) -> String {
        match self {
            Key::Int(n) => n.to_string(),
            Key::Text(s) => s.clone(),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Key::Int(n) => Value::from(*n),
            Key::Text(s) => Value::from(s.as_str()),
        }
    }
}
