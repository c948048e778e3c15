//! The lead side of stats.json: lead counts per stage and hold/approved
//! money per group and goal, by the leads' own time, from the lead
//! rollups (lead_roll.rs) when they serve a request, else from the leads
//! table by its `leads_user_time` index: one aggregate query, or for an
//! answer cut to its busiest groups the kept groups' leads one by one.
//! Which of the two answers is a [`LeadPath`], as a click aggregate's is a
//! [`Path`](super::aggregate::Path).
use super::aggregate::{group_exprs, group_values, select, Grouping, Key, Request, BUCKET};
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// How a lead aggregate is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadPath {
    /// The lead rollups: the item and filters as a narrow click rollup
    /// takes them (rollup.rs `query`).
    Rollup,
    /// The leads table: serves every request.
    Rows,
}

impl LeadPath {
    /// Every path, in the order [`lead_plan`] tries them.
    pub const ALL: [LeadPath; 2] = [LeadPath::Rollup, LeadPath::Rows];
}

/// The path that answers `r`'s leads.
pub fn lead_plan(r: &Request) -> LeadPath {
    match rollup(r) {
        Some(_) => LeadPath::Rollup,
        None => LeadPath::Rows,
    }
}

fn rollup(r: &Request) -> Option<super::rollup::Query> {
    let (g, f, p) = (r.g, r.filters, r.period);
    super::rollup::query(&super::lead_roll::LEADS, g.buckets, g.column, f, p)
}

/// Lead aggregates of one (bucket, value, goal).
#[derive(Debug, Clone)]
pub struct LeadAgg {
    pub bucket: Option<i64>,
    pub value: Option<Key>,
    pub goal: String,
    pub leads: Leads,
}

/// Lead counts per stage and hold/approved money per group and goal, by
/// the leads' own time (index leads_user_time).
pub fn leads(
    conn: &Connection,
    g: Grouping,
    filters: &Where,
    period: Period,
    each: impl FnMut(LeadAgg),
) -> rusqlite::Result<()> {
    let r = Request {
        g,
        filters,
        period,
        hours: None,
    };
    leads_by(conn, lead_plan(&r), &r, each).map(drop)
}

/// The aggregates of [`leads`] by `path`: Ok(false), having handed out
/// nothing, when the lead rollups cannot answer `r`.
pub fn leads_by(
    conn: &Connection,
    path: LeadPath,
    r: &Request,
    mut each: impl FnMut(LeadAgg),
) -> rusqlite::Result<bool> {
    // Rollup rows one by one are handed out as they are: the caller adds
    // up lead groups anyway, and an all-zero row changes no sum.
    let (sql, args) = match (path, rollup(r)) {
        (LeadPath::Rollup, Some(q)) => (q.sql, q.args),
        (LeadPath::Rollup, None) => return Ok(false),
        (LeadPath::Rows, _) => leads_table_query(r.g, r.filters, r.period),
    };
    let g = r.g;
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
    Ok(true)
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
    each: impl FnMut(LeadAgg),
) -> rusqlite::Result<()> {
    let r = Request {
        g,
        filters,
        period,
        hours: None,
    };
    kept_leads_by(conn, spare, lead_plan(&r), &r, keep, each).map(drop)
}

/// The leads of [`kept_leads`] by `path`: Ok(false), having handed out
/// nothing, when the lead rollups cannot answer `r`. Grouped by no
/// value, the leads table groups them as in [`leads`].
pub fn kept_leads_by(
    conn: &Connection,
    spare: Option<&mut Connection>,
    path: LeadPath,
    r: &Request,
    keep: &std::collections::HashSet<&str>,
    mut each: impl FnMut(LeadAgg),
) -> rusqlite::Result<bool> {
    let (g, filters, period) = (r.g, r.filters, r.period);
    let Some(column) = g.column.filter(|_| path == LeadPath::Rows) else {
        return leads_by(conn, path, r, each);
    };
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
    Ok(true)
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
