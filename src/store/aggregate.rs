//! Where stats.json's numbers come from: the click rollups, or the click
//! columns (src/stats/cols) for what no rollup holds, and one aggregate
//! query over leads per request (lead rollups or the leads table by the
//! `leads_user_time` index).
//!
//! Grouping by time happens in 15-minute UTC buckets: every real timezone
//! offset is a multiple of 15 minutes, so each bucket lies within exactly
//! one local hour and the caller folds buckets into local dates and hours
//! with the user's timezone (docs/API.md: groups are in the user's timezone).
//!
//! Both functions hand out rows through a callback so large groupings (ip,
//! subid) are never held twice. Rollups answer most click requests
//! (rollup.rs, wide.rs); the click columns the rest, two halves of the
//! period at once; a grouping with more values than they hold (a subid
//! per click) has SQLite group the click rows.
use super::sums::Sums;
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::Value;

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

/// Lead aggregates of one (bucket, value, goal).
#[derive(Debug, Clone)]
pub struct LeadAgg {
    pub bucket: Option<i64>,
    pub value: Option<Key>,
    pub goal: String,
    pub leads: Leads,
}

/// The SELECT / GROUP BY expressions of a grouping; `time` is the bucket
/// number expression of the table.
fn group_exprs(g: Grouping, time: &str) -> Vec<String> {
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
fn group_values(
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

/// Click count, unique count and spend per group. `filters` holds the
/// owner and the dimension filters. Unique clicks are SUM(uniq): the click
/// path already decided uniqueness (docs/API.md "The click path" step 6), no COUNT DISTINCT.
pub fn clicks(
    conn: &Connection,
    pool: Option<&crate::db::Pool>,
    g: Grouping,
    filters: &Where,
    period: Period,
    hours: Option<&super::cols::read::Hours>,
    mut each: impl FnMut(ClickAgg),
) -> rusqlite::Result<()> {
    let rolled = super::rollup::query(&super::rollup::CLICKS, g.buckets, g.column, filters, period)
        .or_else(|| super::wide::query(g.buckets, g.column, filters, period));
    if let Some(q) = rolled {
        return read_clicks(conn, g, &q.sql, &q.args, q.summed, each);
    }
    // What no rollup holds: the click columns, two halves of the period
    // at once when a second reader is free.
    let mut spare = pool.and_then(|p| p.try_get());
    let spare = spare.as_deref_mut();
    if super::cols::group::clicks(conn, spare, g, filters, period, hours, &mut each)? {
        return Ok(());
    }
    // Too many values to hold (or item ip, src/stats/ip.rs, not
    // answered there): SQLite groups the click rows, its sorter keeping
    // memory bounded.
    let top = g.column.filter(|_| !g.buckets).and(g.top);
    // The period as a rowid range: clicks are clustered by time.
    let mut w = filters.clone();
    w.clicks_between("clicks.id", Some(period.start), Some(period.end));
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
/// src/stats/rollup.rs `Query`) are summed per group here first, so a
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

/// Lead counts per stage and hold/approved money per group and goal, by
/// the leads' own time (index leads_user_time).
pub fn leads(
    conn: &Connection,
    g: Grouping,
    filters: &Where,
    period: Period,
    mut each: impl FnMut(LeadAgg),
) -> rusqlite::Result<()> {
    let rollup = super::rollup::query(
        &super::lead_roll::LEADS,
        g.buckets,
        g.column,
        filters,
        period,
    );
    // Rollup rows one by one are handed out as they are: the caller adds
    // up lead groups anyway, and an all-zero row changes no sum.
    let (sql, args) = match rollup {
        Some(q) => (q.sql, q.args),
        None => leads_table_query(g, filters, period),
    };
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
    while let Some(r) = rows.next()? {
        let (bucket, value, i) = group_values(g, r)?;
        let mut stages = [0i64; 5];
        for (k, s) in stages.iter_mut().enumerate() {
            *s = r.get(i + 1 + k)?;
        }
        each(LeadAgg {
            bucket,
            value,
            goal: r.get(i)?,
            leads: Leads {
                stages,
                mh: r.get(i + 6)?,
                ma: r.get(i + 7)?,
            },
        });
    }
    Ok(())
}

/// A lead's 15-minute bucket in the leads table.
const LEAD_BUCKET: &str = "time / 900";

/// `filters` and the leads of `[from, to)` (Unix seconds, `leads.time`,
/// which the `leads_user_time` index holds).
fn leads_between(filters: &Where, from: i64, to: i64) -> Where {
    let mut w = filters.clone();
    w.push(
        "time >= ? AND time < ?",
        [Sql::Integer(from), Sql::Integer(to)],
    );
    w
}

/// The leads-table query of [`leads`] when no rollup serves the request.
fn leads_table_query(g: Grouping, filters: &Where, period: Period) -> (String, Vec<Sql>) {
    let w = leads_between(filters, period.start, period.end);
    let exprs = group_exprs(g, LEAD_BUCKET);
    let sql = select(
        &exprs,
        "goal, SUM(stage = 0), SUM(stage = 1), SUM(stage = 2), SUM(stage = 3), SUM(stage = 4),
         SUM(CASE WHEN stage = 1 THEN base ELSE 0.0 END),
         SUM(CASE WHEN stage = 2 THEN base ELSE 0.0 END)",
        "leads",
        &w,
        "goal",
    );
    (sql, w.args)
}

/// The leads of [`leads`] for an answer cut to the groups whose values
/// are `keep` (a text column's): when no rollup holds them, the leads
/// table's rows one by one, only the kept groups' handed out, the two
/// halves of the period read at once when `spare` is given. Grouping a
/// month of the 10M demo's 212k leads by ip took SQLite 0.55 s, reading
/// them on one connection 0.17 s.
pub fn kept_leads(
    conn: &Connection,
    spare: Option<&mut Connection>,
    g: Grouping,
    filters: &Where,
    period: Period,
    keep: &std::collections::HashSet<&str>,
    mut each: impl FnMut(LeadAgg),
) -> rusqlite::Result<()> {
    let Some(column) = g.column else {
        return leads(conn, g, filters, period, each);
    };
    if super::rollup::query(
        &super::lead_roll::LEADS,
        g.buckets,
        g.column,
        filters,
        period,
    )
    .is_some()
    {
        return leads(conn, g, filters, period, each);
    }
    let read = |c: &Connection, from: Option<i64>, to: Option<i64>| {
        let w = leads_between(filters, from.unwrap_or_default(), to.unwrap_or_default());
        let sql = format!(
            "SELECT {LEAD_BUCKET}, {column}, goal, stage, base FROM leads WHERE {}",
            w.sql()
        );
        let mut st = c.prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(&w.args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let value = String::from_utf8_lossy(r.get_ref(1)?.as_bytes()?);
            if !keep.contains(&*value) {
                continue;
            }
            let (stage, base): (i64, f64) = (r.get(3)?, r.get(4)?);
            let mut leads = Leads {
                stages: [0; 5],
                mh: if stage == 1 { base } else { 0.0 },
                ma: if stage == 2 { base } else { 0.0 },
            };
            if let Some(s) = usize::try_from(stage)
                .ok()
                .and_then(|s| leads.stages.get_mut(s))
            {
                *s = 1;
            }
            out.push(LeadAgg {
                bucket: g.buckets.then_some(r.get::<_, i64>(0)? * BUCKET),
                value: Some(Key::Text(value.into_owned())),
                goal: r.get(2)?,
                leads,
            });
        }
        Ok(out)
    };
    let (a, b) = super::scan::in_halves(conn, spare, (Some(period.start), Some(period.end)), read)?;
    a.into_iter()
        .chain(b.into_iter().flatten())
        .for_each(&mut each);
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

/// Lead counts per stage and earnings of one group (or one goal of it).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Leads {
    /// By stage: 0 new, 1 hold, 2 approve, 3 cancel, 4 trash (schema.sql).
    pub stages: [i64; 5],
    /// Earnings of leads on hold.
    pub mh: f64,
    /// Earnings of approved leads.
    pub ma: f64,
}

impl Leads {
    pub fn add(&mut self, o: &Leads) {
        for (a, b) in self.stages.iter_mut().zip(o.stages) {
            *a += b;
        }
        self.mh += o.mh;
        self.ma += o.ma;
    }

    pub fn total(&self) -> i64 {
        self.stages.iter().sum()
    }
}
