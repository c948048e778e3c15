//! leads.json (reference "Leads list", SPEC 4): the user's leads, newest
//! first (time, then id, descending), with every filter of the reference
//! and the status groups, paged with offset/limit (default 1000, at most
//! 10000). Without from/to/ufrom/uto it covers all time.
//!
//! Fields come out in the reference example's order and types: empty text
//! as `false`, `meta` always an object, `siteurl` the site's URL or false,
//! `click` the public click id or false (flow leads have no click).
use super::row::Meta;
use super::stage;
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult};
use crate::api::filters::{page, text, Where};
use crate::api::Call;
use crate::clicks::id;
use rusqlite::types::Value as Sql;
use serde_json::{json, Value};

/// `column IN (?, ...)` for a non-empty list of values.
fn push_in(w: &mut Where, column: &str, args: Vec<Sql>) {
    if !args.is_empty() {
        let marks = vec!["?"; args.len()].join(",");
        w.push(format!("{column} IN ({marks})"), args);
    }
}

/// The WHERE clause of a request: owner, period, status, click, goal and
/// the dimension filters shared with stats and the click log.
fn conditions(call: &Call, tz: &jiff::tz::TimeZone, user: i64) -> ApiResult<Where> {
    let p = &call.params;
    let range = period(p, tz, false)?;
    let mut w = Where::owner(user);
    w.push(
        "time >= ? AND time < ?",
        [Sql::Integer(range.start), Sql::Integer(range.end)],
    );
    w.dimensions(p)?;
    let stages = stage::filter(p)?.into_iter().map(Sql::Integer).collect();
    push_in(&mut w, "stage", stages);
    let goals = p
        .list("goal")?
        .into_iter()
        .map(|g| Sql::Text(g.to_ascii_lowercase()))
        .collect();
    push_in(&mut w, "goal", goals);
    // Click ids by their row key (indexed) and their full text, so a
    // guessed key with a wrong secret matches nothing.
    let clicks = p.list("click")?;
    if !clicks.is_empty() {
        let mut keys = Vec::new();
        for c in &clicks {
            let (key, _) = id::decode(c).ok_or_else(|| ApiError::field("bad-click", "click"))?;
            keys.push(Sql::Integer(key));
        }
        push_in(&mut w, "click_id", keys);
        push_in(&mut w, "click", clicks.into_iter().map(Sql::Text).collect());
    }
    Ok(w)
}

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let w = conditions(call, &user.tz, user.id)?;
    let (offset, limit) = page(&call.params)?;
    // siteurl by a scalar subquery: joining sites would make the shared
    // filters' unqualified columns (user_id, ...) ambiguous.
    let sql = format!(
        "SELECT id, time, click, uid, flow, way, site,
                (SELECT s.url FROM sites s WHERE s.id = leads.site AND s.user_id = leads.user_id),
                filter, stage, custom, goal, price, currency, ip, geo, name, phone, email,
                comment, meta, ua, referer, adid, data1, data2, utms, utmc, utmn, utmt, utmm,
                domain, subid
         FROM leads WHERE {} ORDER BY time DESC, id DESC LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    let mut st = call.conn.prepare(&sql)?;
    let leads = st
        .query_map(rusqlite::params_from_iter(w.args.iter()), |r| {
            let t = |i: usize| r.get::<_, String>(i).map(text);
            let Meta(meta) = r.get(20)?;
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "time": r.get::<_, i64>(1)?,
                "click": t(2)?,
                "uid": t(3)?,
                "flow": t(4)?,
                "way": r.get::<_, i64>(5)?,
                "site": r.get::<_, i64>(6)?,
                "siteurl": text(r.get::<_, Option<String>>(7)?.unwrap_or_default()),
                "filter": r.get::<_, i64>(8)?,
                "status": stage::name(r.get(9)?),
                "custom": t(10)?,
                "goal": t(11)?,
                "price": r.get::<_, f64>(12)?,
                "currency": t(13)?,
                "ip": t(14)?,
                "geo": t(15)?,
                "name": t(16)?,
                "phone": t(17)?,
                "email": t(18)?,
                "comment": t(19)?,
                "meta": Value::Object(meta),
                "ua": t(21)?,
                "referer": t(22)?,
                "adid": t(23)?,
                "data1": t(24)?,
                "data2": t(25)?,
                "utm_source": t(26)?,
                "utm_campaign": t(27)?,
                "utm_content": t(28)?,
                "utm_term": t(29)?,
                "utm_medium": t(30)?,
                "domain": t(31)?,
                "subid": t(32)?,
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "leads": leads }))
}
