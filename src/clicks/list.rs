//! clicks.json (SPEC 5.2): the click log, newest first, filtered like
//! leads.json plus `unique`, paged with offset/limit.
use super::id;
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult};
use crate::api::filters::{page, text, Where};
use crate::api::Call;
use rusqlite::types::Value as Sql;
use serde_json::json;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let p = &call.params;
    let range = period(p, &user.tz, false)?;
    let mut w = Where::owner(user.id);
    w.push(
        "c.id >= ? AND c.id < ?",
        [
            Sql::Integer(id::key_at(range.start)),
            Sql::Integer(id::key_at(range.end)),
        ],
    );
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
    let sql = format!(
        "SELECT c.id, secret, flow, way, site, filter, uniq, ip, geo, lang, os, browser, mobile,
                COALESCE(u.value, ''), COALESCE(r.value, ''), domain, utms, utmc, utmn, utmt, utmm,
                subid, uuid, adid, data1, data2, cost
         FROM clicks c LEFT JOIN dict u ON u.id = c.ua LEFT JOIN dict r ON r.id = c.referer
         WHERE {} ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    let mut st = call.conn.prepare(&sql)?;
    let clicks = st
        .query_map(rusqlite::params_from_iter(w.args.iter()), |r| {
            let key: i64 = r.get(0)?;
            let t = |i: usize| r.get::<_, String>(i).map(text);
            Ok(json!({
                "click": id::encode(key, r.get(1)?),
                "time": id::key_time(key),
                "flow": r.get::<_, String>(2)?,
                "way": r.get::<_, i64>(3)?,
                "site": r.get::<_, i64>(4)?,
                "filter": r.get::<_, i64>(5)?,
                "unique": r.get::<_, i64>(6)? != 0,
                "ip": t(7)?,
                "geo": t(8)?,
                "lang": t(9)?,
                "os": r.get::<_, i64>(10)?,
                "browser": r.get::<_, i64>(11)?,
                "mobile": r.get::<_, i64>(12)?,
                "ua": t(13)?,
                "referer": t(14)?,
                "domain": t(15)?,
                "utm_source": t(16)?,
                "utm_campaign": t(17)?,
                "utm_content": t(18)?,
                "utm_term": t(19)?,
                "utm_medium": t(20)?,
                "subid": t(21)?,
                "uuid": t(22)?,
                "adid": t(23)?,
                "data1": t(24)?,
                "data2": t(25)?,
                "cost": r.get::<_, f64>(26)?,
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "clicks": clicks }))
}
