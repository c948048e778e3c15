//! The lead side of stats.json: lead counts per stage and hold/approved
//! money per group and goal, by the leads' own time, from the lead
//! rollups (lead_roll.rs) when they serve a request, else from the leads
//! table by its `leads_user_time` index, summed in memory (grouped.rs;
//! for an answer cut to its busiest groups, the kept groups' only).
//! Which of the two answers is a [`LeadPath`], as a click aggregate's is a
//! [`Path`](super::aggregate::Path).
use super::aggregate::{group_values, Grouping, Key, Request};
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::Connection;
use std::collections::HashSet;

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
/// the leads' own time. `spare`, when given, reads the later half of the
/// period when the leads table answers.
pub fn leads(
    conn: &Connection,
    spare: Option<&mut Connection>,
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
    leads_by(conn, spare, lead_plan(&r), &r, each).map(drop)
}

/// The aggregates of [`leads`] by `path`: Ok(false), having handed out
/// nothing, when the lead rollups cannot answer `r`.
pub fn leads_by(
    conn: &Connection,
    spare: Option<&mut Connection>,
    path: LeadPath,
    r: &Request,
    mut each: impl FnMut(LeadAgg),
) -> rusqlite::Result<bool> {
    let q = match (path, rollup(r)) {
        (LeadPath::Rollup, Some(q)) => q,
        (LeadPath::Rollup, None) => return Ok(false),
        (LeadPath::Rows, _) => {
            return super::grouped::leads(conn, spare, r, None, each).map(|_| true)
        }
    };
    // Rollup rows one by one are handed out as they are: the caller adds
    // up lead groups anyway, and an all-zero row changes no sum.
    let g = r.g;
    let mut st = conn.prepare(&q.sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(q.args.iter()))?;
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

/// The leads of [`leads`] for an answer cut to the groups whose values
/// are `keep` (a text column's): when no rollup holds them, the leads
/// table's rows, only the kept groups' summed and handed out.
pub fn kept_leads(
    conn: &Connection,
    spare: Option<&mut Connection>,
    g: Grouping,
    filters: &Where,
    period: Period,
    keep: &HashSet<&str>,
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
/// nothing, when the lead rollups cannot answer `r`.
pub fn kept_leads_by(
    conn: &Connection,
    spare: Option<&mut Connection>,
    path: LeadPath,
    r: &Request,
    keep: &HashSet<&str>,
    each: impl FnMut(LeadAgg),
) -> rusqlite::Result<bool> {
    match path {
        LeadPath::Rows => super::grouped::leads(conn, spare, r, Some(keep), each).map(|_| true),
        LeadPath::Rollup => leads_by(conn, spare, path, r, each),
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
