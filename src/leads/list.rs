//! leads.json (reference "Leads list", docs/API.md): the user's leads, newest
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
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::Call;
use crate::click_id as id;
use crate::ids::UserId;
use rusqlite::types::Value as Sql;
use serde_json::{json, Value};

/// `column IN (?, ...)` for a non-empty list of values.
fn push_in(w: &mut Where, column: &str, args: Vec<Sql>) {
    if !args.is_empty() {
        w.push_in(column, &args);
    }
}

/// The WHERE clause of a request: owner, period, status, click, goal and
/// the dimension filters shared with stats and the click log.
fn conditions(call: &Call, tz: &jiff::tz::TimeZone, user: UserId) -> ApiResult<Where> {
    let p = &call.params;
    let range = period(p, tz, false)?;
    let mut w = Where::owner(user);
    w.push(
        "time >= ? AND time < ?",
        [Sql::Integer(range.start), Sql::Integer(range.end)],
    );
    w.dimensions(p)?;
    let stages = stage::filter(p)?
        .into_iter()
        .map(|s| Sql::Integer(s.code().into()))
        .collect();
    push_in(&mut w, "stage", stages);
    let goals: Vec<Sql> = p
        .list("goal")?
        .into_iter()
        .map(|g| Sql::Text(g.to_ascii_lowercase()))
        .collect();
    w.take_room("goal", goals.len())?;
    push_in(&mut w, "goal", goals);
    // Click ids by their row key (indexed) and their full text, so a
    // guessed key with a wrong secret matches nothing.
    let clicks = p.list("click")?;
    w.take_room("click", 2 * clicks.len())?;
    if !clicks.is_empty() {
        let mut keys = Vec::new();
        for c in &clicks {
            let (key, _) =
                id::decode(c).ok_or_else(|| ApiError::field(ErrorCode::BadClick, "click"))?;
            keys.push(Sql::Integer(key));
        }
        push_in(&mut w, "click_id", keys);
        push_in(&mut w, "click", clicks.into_iter().map(Sql::Text).collect());
    }
    Ok(w)
}

/// The fields of a leads.json row, in order (also the CSV header).
pub const FIELDS: [&str; 33] = [
    "id",
    "time",
    "click",
    "uid",
    "flow",
    "way",
    "site",
    "siteurl",
    "filter",
    "status",
    "custom",
    "goal",
    "price",
    "currency",
    "ip",
    "geo",
    "name",
    "phone",
    "email",
    "comment",
    "meta",
    "ua",
    "referer",
    "adid",
    "data1",
    "data2",
    "utm_source",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_medium",
    "domain",
    "subid",
];

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
            Ok(fields_row(
                &FIELDS,
                [
                    json!(r.get::<_, i64>(0)?),
                    json!(r.get::<_, i64>(1)?),
                    t(2)?,
                    t(3)?,
                    t(4)?,
                    json!(r.get::<_, i64>(5)?),
                    json!(r.get::<_, i64>(6)?),
                    json!(text(r.get::<_, Option<String>>(7)?.unwrap_or_default())),
                    json!(r.get::<_, i64>(8)?),
                    json!(stage::name(r.get(9)?)),
                    t(10)?,
                    t(11)?,
                    json!(r.get::<_, f64>(12)?),
                    t(13)?,
                    t(14)?,
                    t(15)?,
                    t(16)?,
                    t(17)?,
                    t(18)?,
                    t(19)?,
                    json!(Value::Object(meta)),
                    t(21)?,
                    t(22)?,
                    t(23)?,
                    t(24)?,
                    t(25)?,
                    t(26)?,
                    t(27)?,
                    t(28)?,
                    t(29)?,
                    t(30)?,
                    t(31)?,
                    t(32)?,
                ],
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "leads": leads }))
}
