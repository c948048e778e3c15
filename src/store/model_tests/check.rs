//! What a model case holds to after its operations: every path that
//! serves a stats request answers what the click rows and leads do,
//! grouped as the store hands them out and folded into stats.json's
//! local groups (the rows themselves and clicks.json: stored.rs).
use super::apply::{date, World};
use super::expect::{self, Group};
use super::ops::{alphabet, dim, Period as Span, View, T0};
use crate::api::params::Params;
use crate::stats::items::ITEM_NAMES;
use crate::stats::metrics::Row;
use crate::stats::{Fold, StatsRequest, MAX_GROUPS};
use crate::store::aggregate::{self, Grouping, Key, LeadPath, Leads, Path, Request};
use jiff::tz::TimeZone;
use serde_json::{json, Map};
use std::collections::{BTreeMap, HashSet};

pub(super) type Checked = Result<(), String>;

pub(super) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

fn leads_close(a: &Leads, b: &Leads) -> bool {
    a.stages == b.stages && close(a.mh, b.mh) && close(a.ma, b.ma)
}

/// No lead and no money: a rollup row whose leads all moved away.
fn no_leads(l: &Leads) -> bool {
    leads_close(l, &Leads::default())
}

/// The same groups with `same` values.
pub(super) fn same_groups<K: Ord, V>(
    a: &BTreeMap<K, V>,
    b: &BTreeMap<K, V>,
    same: impl Fn(&V, &V) -> bool,
) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && same(x.1, y.1))
}

fn sums_close(a: &expect::Sums, b: &expect::Sums) -> bool {
    a.0 == b.0 && a.1 == b.1 && close(a.2, b.2)
}

fn clicks_close(a: &Row, b: &Row) -> bool {
    a.click == b.click && a.unique == b.unique && close(a.spend, b.spend)
}

/// The same leads, in all and per goal.
fn row_leads_close(a: &Row, b: &Row) -> bool {
    let goals = |r: &Row| -> BTreeMap<String, Leads> {
        let real = r.goals.iter().filter(|g| !no_leads(g.1));
        real.map(|(g, l)| (g.clone(), *l)).collect()
    };
    leads_close(&a.leads, &b.leads) && same_groups(&goals(a), &goals(b), leads_close)
}

/// The stats.json parameters of `v` for `item`.
fn params(v: &View, item: &str) -> Params {
    let mut m = Map::new();
    m.insert("item".into(), json!(item));
    match v.period {
        Span::Days(first, n) => {
            m.insert("from".into(), json!(date(first as i64).to_string()));
            m.insert(
                "to".into(),
                json!(date(first as i64 + n as i64 - 1).to_string()),
            );
        }
        Span::Unix(from, n) => {
            let from = T0 - 86_400 + from as i64;
            m.insert("ufrom".into(), json!(from));
            m.insert("uto".into(), json!(from + n as i64));
        }
    }
    if let Some(h) = v.hour {
        m.insert("hour".into(), json!(h));
    }
    for (d, values) in &v.filters {
        let (param, column) = dim(*d as usize);
        let all = alphabet(column, v.user).0;
        let list = m.entry(param).or_insert_with(|| json!([]));
        for i in values {
            list.as_array_mut()
                .unwrap()
                .push(json!(all[*i as usize % all.len()]));
        }
    }
    Params::from_map(m)
}

/// Every item of `v`'s request by every path, and its clicks.json page.
pub fn view(w: &World, v: &View) -> Checked {
    let tz = &w.zones[v.user as usize];
    let pool = v.halves.then_some(&w.pool);
    let mut req = None;
    for name in ITEM_NAMES {
        let r = StatsRequest::parse(&params(v, name), crate::ids::UserId(v.user as i64 + 1), tz)
            .map_err(|e| format!("{name}: {e:?}"))?;
        item(w, v, tz, &r, pool).map_err(|e| format!("item {name}{}: {e}", hour_text(&r)))?;
        req = Some(r);
    }
    req.map_or(Ok(()), |r| super::stored::clicks_page(w, v, &r))
}

fn hour_text(r: &StatsRequest) -> String {
    r.hour.map_or(String::new(), |h| format!(" hour {h}"))
}

fn item(
    w: &World,
    v: &View,
    tz: &TimeZone,
    req: &StatsRequest,
    pool: Option<&crate::db::Pool>,
) -> Checked {
    let column = req.item.column();
    let (f, p) = (&req.filters, req.period);
    let clicks = expect::clicks(&w.conn, f, p, column);
    let leads = expect::leads(&w.conn, f, p, column);
    // As the store hands them out: by bucket and value, by value alone
    // (no value: by bucket, or the total).
    for buckets in [false, true] {
        let g = Grouping {
            buckets,
            column,
            top: Some(MAX_GROUPS + 1),
        };
        let r = Request {
            g,
            filters: f,
            period: p,
            hours: None,
        };
        let want = expect::click_groups(&clicks, buckets);
        for path in Path::ALL {
            let mut got: BTreeMap<Group, expect::Sums> = BTreeMap::new();
            let served = aggregate::clicks_by(&w.conn, pool, path, &r, |a| {
                let s = got.entry((a.bucket, a.value)).or_default();
                s.0 += a.click;
                s.1 += a.unique;
                s.2 += a.spend;
            })
            .unwrap();
            let at = || format!("{path:?}, by bucket {buckets}");
            if served != aggregate::serves(path, &r) {
                return Err(format!(
                    "{}: served {served}, serves() says otherwise",
                    at()
                ));
            }
            if !served && !got.is_empty() {
                return Err(format!("{}: cannot serve yet answered {got:?}", at()));
            }
            if served && !same_groups(&got, &want, sums_close) {
                return Err(format!(
                    "{}: clicks {got:?}, the click rows say {want:?}",
                    at()
                ));
            }
        }
        let want = expect::lead_groups(&leads, buckets);
        let keep = kept(v, column);
        for path in LeadPath::ALL {
            let mut got: BTreeMap<(Group, String), Leads> = BTreeMap::new();
            let mut add = |a: aggregate::LeadAgg| {
                got.entry(((a.bucket, a.value), a.goal))
                    .or_default()
                    .add(&a.leads)
            };
            let mut spare = pool.map(|p| p.get().unwrap());
            let served =
                aggregate::leads_by(&w.conn, spare.as_deref_mut(), path, &r, &mut add).unwrap();
            lead_answer(
                &format!("{path:?}, by bucket {buckets}"),
                served,
                &got,
                &want,
                None,
            )?;
            let Some(keep) = &keep else { continue };
            let mut got: LeadGroups = BTreeMap::new();
            let mut add = |a: aggregate::LeadAgg| {
                got.entry(((a.bucket, a.value), a.goal))
                    .or_default()
                    .add(&a.leads)
            };
            let mut spare = pool.map(|p| p.get().unwrap());
            let served =
                aggregate::kept_leads_by(&w.conn, spare.as_deref_mut(), path, &r, keep, &mut add)
                    .unwrap();
            lead_answer(
                &format!("kept {path:?}, by bucket {buckets}"),
                served,
                &got,
                &want,
                Some(keep),
            )?;
        }
    }
    folded(w, tz, req, pool, &clicks, &leads)
}

/// The text values a cut answer of `v` keeps, for a text column.
fn kept(v: &View, column: Option<&str>) -> Option<HashSet<&'static str>> {
    let c = column.filter(|c| crate::store::cols::TEXTS.contains(c) || *c == "ip")?;
    let all = alphabet(c, v.user).0;
    Some(
        all.into_iter()
            .enumerate()
            .filter(|(i, _)| v.keep >> (i % 8) & 1 == 1)
            .map(|(_, t)| t)
            .collect(),
    )
}

type LeadGroups = BTreeMap<(Group, String), Leads>;

/// Compares a lead answer with the leads table's, both cut to `keep`.
fn lead_answer(
    at: &str,
    served: bool,
    got: &LeadGroups,
    want: &LeadGroups,
    keep: Option<&HashSet<&str>>,
) -> Checked {
    let kept = |m: &LeadGroups| -> LeadGroups {
        let text = |k: &Option<Key>| match k {
            Some(Key::Text(t)) => keep.is_none_or(|keep| keep.contains(t.as_str())),
            _ => keep.is_none(),
        };
        // A rollup row of nothing (a lead moved away) is no group.
        m.iter()
            .filter(|(k, l)| text(&k.0 .1) && !no_leads(l))
            .map(|(k, l)| (k.clone(), *l))
            .collect()
    };
    let (got, want) = (kept(got), kept(want));
    if !served && !got.is_empty() {
        return Err(format!("{at}: cannot serve yet answered {got:?}"));
    }
    match !served || same_groups(&got, &want, leads_close) {
        true => Ok(()),
        false => Err(format!(
            "{at}: leads {got:?}, the leads table says {want:?}"
        )),
    }
}

/// The request's own grouping, folded by stats.json into local groups.
fn folded(
    w: &World,
    tz: &TimeZone,
    req: &StatsRequest,
    pool: Option<&crate::db::Pool>,
    clicks: &[expect::Click],
    leads: &[expect::Lead],
) -> Checked {
    let hours = req.hours(tz);
    let r = Request {
        g: req.grouping(),
        filters: &req.filters,
        period: req.period,
        hours: hours.as_ref(),
    };
    let want = expect::local_groups(req.item, req.hour, tz, clicks, leads);
    let with = |keep: fn(&Row) -> bool| -> BTreeMap<Key, Row> {
        let kept = want.iter().filter(|(_, r)| keep(r));
        kept.map(|(k, r)| (k.clone(), r.clone())).collect()
    };
    let want_clicks = with(|r| r.click != 0);
    for path in Path::ALL {
        let mut fold = Fold::new(req, tz);
        if !aggregate::clicks_by(&w.conn, pool, path, &r, |a| fold.clicks(a)).unwrap() {
            continue;
        }
        let got: BTreeMap<Key, Row> = fold.groups.into_iter().collect();
        if !same_groups(&got, &want_clicks, clicks_close) {
            return Err(format!(
                "{path:?}, folded: clicks {got:#?}, the click rows say {want_clicks:#?}"
            ));
        }
    }
    let want_leads = with(|r| !no_leads(&r.leads));
    for path in LeadPath::ALL {
        let mut fold = Fold::new(req, tz);
        let mut spare = pool.map(|p| p.get().unwrap());
        let served =
            aggregate::leads_by(&w.conn, spare.as_deref_mut(), path, &r, |a| fold.leads(a));
        if !served.unwrap() {
            continue;
        }
        let mut got: BTreeMap<Key, Row> = fold.groups.into_iter().collect();
        got.retain(|_, r| !no_leads(&r.leads));
        if !same_groups(&got, &want_leads, row_leads_close) {
            return Err(format!(
                "{path:?}, folded: leads {got:#?}, the leads table says {want_leads:#?}"
            ));
        }
    }
    Ok(())
}
