//! clicks.json (SPEC 5.2): the click log, newest first, filtered like
//! leads.json plus `unique`, paged with offset/limit.
use super::id;
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::Call;
use rusqlite::types::Value as Sql;
use serde_json::json;

/// The fields of a clicks.json row, in order (also the CSV header).
pub const FIELDS: [&str; 27] = [
    "click",
    "time",
    "flow",
    "way",
    "site",
    "filter",
    "unique",
    "ip",
    "geo",
    "lang",
    "os",
    "browser",
    "mobile",
    "ua",
    "referer",
    "domain",
    "utm_source",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_medium",
    "subid",
    "uuid",
    "adid",
    "data1",
    "data2",
    "cost",
];

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let p = &call.params;
    let range = period(p, &user.tz, false)?;
    let mut w = Where::owner(user.id);
    w.clicks_between("c.id", Some(range.start), Some(range.end));
    w.dimensions(p)?;
    if let Some(u) = p.flag("unique")? {
        w.push("uniq = ?", [Sql::Integer(u as i64)]);
    }
    if let Some(c) = p.text("click")? {
        let (key, secret) = id::decode(&c).ok_or_else(|| ApiError::field("bad-click", "click"))?;
        w.push(
            "c.id = ? AND secret = ?",
            [Sql::Integer(key), Sql::Integer(secret)],
        );
    }
    let (offset, limit) = page(p)?;
    // A click's price lives in click_cost (migration step 3); no row is 0.
    let sql = format!(
        "SELECT c.id, secret, flow, way, site, filter, uniq, ip, geo, lang, os, browser, mobile,
                COALESCE(u.value, ''), COALESCE(r.value, ''), domain, utms, utmc, utmn, utmt, utmm,
                subid, uuid, adid, data1, data2, COALESCE(k.cost, 0.0)
         FROM clicks c LEFT JOIN dict u ON u.id = c.ua LEFT JOIN dict r ON r.id = c.referer
              LEFT JOIN click_cost k ON k.id = c.id
         WHERE {} ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    let mut st = call.conn.prepare(&sql)?;
    let clicks = st
        .query_map(rusqlite::params_from_iter(w.args.iter()), |r| {
            let key: i64 = r.get(0)?;
            let t = |i: usize| r.get::<_, String>(i).map(text);
            Ok(fields_row(
                &FIELDS,
                [
                    json!(id::encode(key, r.get(1)?)),
                    json!(id::key_time(key)),
                    json!(r.get::<_, String>(2)?),
                    json!(r.get::<_, i64>(3)?),
                    json!(r.get::<_, i64>(4)?),
                    json!(r.get::<_, i64>(5)?),
                    json!(r.get::<_, i64>(6)? != 0),
                    t(7)?,
                    t(8)?,
                    t(9)?,
                    json!(r.get::<_, i64>(10)?),
                    json!(r.get::<_, i64>(11)?),
                    json!(r.get::<_, i64>(12)?),
                    t(13)?,
                    t(14)?,
                    t(15)?,
                    t(16)?,
                    t(17)?,
                    t(18)?,
                    t(19)?,
                    t(20)?,
                    t(21)?,
                    t(22)?,
                    t(23)?,
                    t(24)?,
                    t(25)?,
                    json!(r.get::<_, f64>(26)?),
                ],
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "clicks": clicks }))
}
