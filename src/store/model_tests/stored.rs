//! The rows are what a model case's operations say, the click columns
//! hold them, and clicks.json pages are SQLite's pages of the click rows.
use super::apply::{Lead, Source, World};
use super::check::{close, same_groups, Checked};
use super::ops::View;
use crate::stats::StatsRequest;
use crate::store::page::{page, PageQuery};
use rusqlite::types::Value as Sql;
use std::collections::BTreeMap;

/// The click prices, the leads and the click columns are what the
/// operations made them.
pub fn rows(w: &World) -> Checked {
    let mut st = w.conn.prepare("SELECT id, cost FROM click_cost").unwrap();
    let stored: BTreeMap<i64, f64> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want: BTreeMap<i64, f64> = w.prices.iter().map(|(k, v)| (*k, *v)).collect();
    if !same_groups(&stored, &want, |a, b| close(*a, *b)) {
        return Err(format!(
            "click prices {stored:?}, the operations say {want:?}"
        ));
    }
    let mut st = w
        .conn
        .prepare("SELECT user_id, click_id, flow, subid, goal, time, stage, base FROM leads")
        .unwrap();
    let mut stored: Vec<Lead> = st
        .query_map([], |r| {
            let source = match r.get::<_, Option<i64>>(1)? {
                Some(id) => Source::Click(id),
                None => Source::Flow(r.get(2)?, r.get(3)?),
            };
            Ok(Lead {
                user: r.get(0)?,
                source,
                goal: r.get(4)?,
                time: r.get(5)?,
                stage: r.get(6)?,
                base: r.get(7)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut want = w.leads.clone();
    let order = |a: &Lead, b: &Lead| a.partial_cmp(b).unwrap();
    stored.sort_by(order);
    want.sort_by(order);
    let same = |a: &Lead, b: &Lead| {
        let key = |l: &Lead| (l.user, l.source.clone(), l.goal.clone(), l.time, l.stage);
        key(a) == key(b) && close(a.base, b.base)
    };
    if stored.len() != want.len() || !stored.iter().zip(&want).all(|(a, b)| same(a, b)) {
        return Err(format!("leads {stored:#?}, the operations say {want:#?}"));
    }
    crate::store::cols::fixture::assert_columns_hold_the_clicks(&w.conn);
    Ok(())
}

/// clicks.json's page of `v`: SQLite's page of the click rows, each
/// click as it was stored, with its price.
pub fn clicks_page(w: &World, v: &View, req: &StatsRequest) -> Checked {
    let (offset, limit, uniq, click) = v.page;
    let mut filters = req.filters.clone();
    if let Some(u) = uniq {
        filters.list_of("uniq", vec![Sql::Integer(u as i64)]);
    }
    let click = click.filter(|_| !w.clicks.is_empty()).map(|i| {
        let (r, _) = &w.clicks[i as usize % w.clicks.len()];
        (r.key, r.secret)
    });
    let mut cond = format!("{} AND (id >> 16) >= ? AND (id >> 16) < ?", filters.sql());
    let mut args = filters.args.clone();
    args.extend([
        Sql::Integer(req.period.start * 1000),
        Sql::Integer(req.period.end * 1000),
    ]);
    if let Some((key, secret)) = click {
        cond += " AND id = ? AND secret = ?";
        args.extend([Sql::Integer(key), Sql::Integer(secret)]);
    }
    let sql = format!(
        "SELECT id FROM clicks WHERE {cond} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    );
    let mut st = w.conn.prepare(&sql).unwrap();
    let ids: Vec<i64> = st
        .query_map(rusqlite::params_from_iter(&args), |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want: Vec<String> = ids
        .iter()
        .map(|id| {
            let (r, _) = w.clicks.iter().find(|(r, _)| r.key == *id).unwrap();
            let cost = w.prices.get(id).copied().unwrap_or(0.0);
            format!(
                "{:?}",
                crate::store::record::ClickRecord {
                    cost: (cost * 1e6).round() / 1e6,
                    ..r.clone()
                }
            )
        })
        .collect();
    let q = PageQuery {
        filters,
        period: req.period,
        click,
        offset: offset as i64,
        limit: limit as i64,
    };
    let got: Vec<String> = page(&w.conn, q)
        .unwrap()
        .into_iter()
        .map(|r| {
            format!(
                "{:?}",
                crate::store::record::ClickRecord {
                    cost: (r.cost * 1e6).round() / 1e6,
                    ..r
                }
            )
        })
        .collect();
    match got == want {
        true => Ok(()),
        false => Err(format!("clicks.json offset {offset} limit {limit} uniq {uniq:?} click {click:?}: {got:#?}, the click rows say {want:#?}")),
    }
}
