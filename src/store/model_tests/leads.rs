//! postback.json in a model case: the request parsed and written as the
//! writer writes it, at the lead's chosen time; beside it, the lead the
//! call finds or creates (postback.rs: by click, or flow and subid, and
//! goal) with its stage and money.
use super::apply::World;
use super::ops::{alphabet, Names, Postback, CURRENCIES, FLOW_SUBIDS, GEOS, GOALS, SUBIDS, T0};
use crate::api::params::Params;
use crate::clicks::id;
use crate::leads::postback::{from_click, write_at};
use crate::leads::request::PostbackRequest;
use crate::leads::row::LeadRow;
use rusqlite::types::Value as Sql;
use serde_json::{Map, Value};

/// Who a lead is found by: its click, or its flow and subid.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Source {
    Click(i64),
    Flow(String, String),
}

/// A lead as the operations leave it.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub struct Lead {
    pub user: i64,
    pub source: Source,
    pub goal: String,
    pub time: i64,
    pub stage: i64,
    pub base: f64,
}

impl World {
    pub(super) fn postback(&mut self, p: &Postback) {
        let (user, source, click) = match &p.names {
            Names::Click(_) if self.clicks.is_empty() => return,
            Names::Click(i) => {
                let (r, c) = &self.clicks[*i as usize % self.clicks.len()];
                let click = id::encode(r.key, r.secret);
                (c.user, Source::Click(r.key), Some(click))
            }
            Names::Flow { user, flow, subid } => {
                let flow = alphabet("flow", *user).0[*flow as usize];
                let subid = FLOW_SUBIDS[*subid as usize];
                (*user, Source::Flow(flow.into(), subid.into()), None)
            }
        };
        let mut m = Map::new();
        let mut text = |k: &str, v: String| m.insert(k.into(), Value::String(v));
        match (&source, &click) {
            (Source::Flow(flow, subid), _) => {
                text("flow", flow.clone());
                text("subid", subid.clone());
            }
            (_, click) => {
                text("click", click.clone().unwrap_or_default());
                if let Some(s) = p.subid {
                    text("subid", SUBIDS[s as usize].into());
                }
            }
        }
        let goal = p.goal.map(|g| GOALS[g as usize]);
        if let Some(g) = goal {
            text("goal", g.into());
        }
        if let Some(s) = p.status {
            text("status", crate::leads::stage::NAMES[s as usize].into());
        }
        if let Some((cents, c)) = p.price {
            text("price", format!("{}.{:02}", cents / 100, cents % 100));
            text("currency", CURRENCIES[c as usize].into());
        }
        if let Some(g) = p.geo {
            text("geo", GEOS[g as usize].into());
        }
        let base = self.currency[user as usize].clone();
        let uid = user as i64 + 1;
        let req = PostbackRequest::parse(&self.conn, &Params::from_map(m), &base).unwrap();
        let time = T0 + p.at.0 as i64 * 86_400 + p.at.1 as i64;
        let tx = self.conn.transaction().unwrap();
        // What postback.json starts a new lead from.
        let fresh = match &source {
            Source::Click(_) => {
                from_click(&tx, crate::ids::UserId(uid), &click.unwrap_or_default()).unwrap()
            }
            Source::Flow(flow, subid) => {
                let mut lead = LeadRow::default();
                lead.dims.set("flow", Sql::Text(flow.clone()));
                lead.dims.set("subid", Sql::Text(subid.clone()));
                lead
            }
        };
        match write_at(&tx, crate::ids::UserId(uid), &req, fresh, time) {
            Ok(_) => tx.commit().unwrap(),
            Err(e) if e.code == crate::api::error::ErrorCode::NoChanges => return,
            Err(e) => panic!("postback {p:?}: {e:?}"),
        }
        // The model: the lead of this source and goal, new or changed.
        let goal = goal.unwrap_or(crate::leads::request::DEFAULT_GOAL);
        let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
        let money = p.price.map(|(cents, c)| {
            let price = round(cents as f64 / 100.0);
            round(self.convert(price, CURRENCIES[c as usize], &base))
        });
        let found = self
            .leads
            .iter_mut()
            .find(|l| l.user == uid && l.source == source && l.goal == goal);
        let lead = match found {
            Some(l) => l,
            None => {
                self.leads.push(Lead {
                    user: uid,
                    source,
                    goal: goal.into(),
                    time,
                    stage: 0,
                    base: 0.0,
                });
                self.leads.last_mut().unwrap()
            }
        };
        if let Some(s) = p.status {
            lead.stage = s as i64;
        }
        if let Some(b) = money {
            lead.base = b;
        }
    }
}
