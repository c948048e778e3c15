//! One interface over where stats.json's numbers come from: the node's
//! own SQLite file ([`Local`]: the rollups, click columns and rows of
//! src/store/aggregate.rs) or the ClickHouse every node ships to
//! (src/clickhouse/reports.rs, `--reports clickhouse`). Both hand out the
//! same aggregates per 15-minute bucket and value, which stats.json folds
//! and renders the same way, so a report is the same JSON from either.
use super::aggregate::{self as agg, ClickAgg, Grouping, LeadAgg, LpAgg};
use super::Hours;
use crate::api::dates::Period;
use crate::api::error::ApiResult;
use crate::api::filters::Where;
use rusqlite::Connection;
use std::collections::HashSet;

/// The aggregates of one request.
pub trait Aggregates {
    /// Click count, unique count and spend per group (`g.top`: only the
    /// busiest groups, ties by value, when grouped by a value alone).
    fn clicks(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        hours: Option<&Hours>,
        each: &mut dyn FnMut(ClickAgg),
    ) -> ApiResult<()>;

    /// Leads per stage and money per group and goal, by the leads' own
    /// time; with `keep`, only the groups of those text values.
    fn leads(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        keep: Option<&HashSet<&str>>,
        each: &mut dyn FnMut(LeadAgg),
    ) -> ApiResult<()>;

    /// Landing clicks per group, by their own time; `keep` as for leads.
    fn lpclicks(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        keep: Option<&HashSet<&str>>,
        each: &mut dyn FnMut(LpAgg),
    ) -> ApiResult<()>;
}

/// The node's own SQLite file: `conn`, with `pool`'s readers for the
/// other half of a period when one is free.
pub struct Local<'a> {
    pub conn: &'a Connection,
    pub pool: &'a crate::db::Pool,
    /// A second reader for the leads and landing clicks, taken at the
    /// first of them (the click aggregate takes its own and gives it
    /// back), None inside when none was free.
    spare: Option<Option<crate::db::PooledConn>>,
}

impl<'a> Local<'a> {
    pub fn new(conn: &'a Connection, pool: &'a crate::db::Pool) -> Local<'a> {
        Local {
            conn,
            pool,
            spare: None,
        }
    }

    fn spare(&mut self) -> Option<&mut Connection> {
        let pool = self.pool;
        self.spare
            .get_or_insert_with(|| pool.try_get())
            .as_deref_mut()
    }
}

impl Aggregates for Local<'_> {
    fn clicks(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        hours: Option<&Hours>,
        each: &mut dyn FnMut(ClickAgg),
    ) -> ApiResult<()> {
        // Without a top, the answer's total: no second reader needed.
        let pool = g.top.map(|_| self.pool);
        Ok(agg::clicks(self.conn, pool, g, f, p, hours, each)?)
    }

    fn leads(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        keep: Option<&HashSet<&str>>,
        each: &mut dyn FnMut(LeadAgg),
    ) -> ApiResult<()> {
        let conn = self.conn;
        let spare = self.spare();
        match keep {
            Some(keep) => agg::kept_leads(conn, spare, g, f, p, keep, each)?,
            None => agg::leads(conn, spare, g, f, p, each)?,
        }
        Ok(())
    }

    fn lpclicks(
        &mut self,
        g: Grouping,
        f: &Where,
        p: Period,
        keep: Option<&HashSet<&str>>,
        each: &mut dyn FnMut(LpAgg),
    ) -> ApiResult<()> {
        let conn = self.conn;
        let spare = self.spare();
        Ok(agg::lpclicks(conn, spare, g, f, p, keep, each)?)
    }
}
