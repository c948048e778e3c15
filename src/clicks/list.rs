//! clicks.json (docs/API.md): the click log, newest first, filtered like
//! leads.json plus `unique`, paged with offset/limit.
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::Call;
use crate::click_id as id;
use crate::store::page::PageQuery;
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
    let mut dims = Where::owner(user.id);
    dims.dimensions(p)?;
    if let Some(u) = p.flag("unique")? {
        dims.list_of("uniq", vec![Sql::Integer(u as i64)]);
    }
    let click = match p.text("click")? {
        Some(c) => {
            Some(id::decode(&c).ok_or_else(|| ApiError::field(ErrorCode::BadClick, "click"))?)
        }
        None => None,
    };
    let (offset, limit) = page(p)?;
    let records = crate::store::page::page(
        &call.conn,
        PageQuery {
            filters: dims,
            period: range,
            click,
            offset,
            limit,
        },
    )?;
    let clicks = records.iter().map(|c| {
        let t = |s: &str| text(s.to_string());
        let g = &c.tags;
        fields_row(
            &FIELDS,
            [
                json!(id::encode(c.key, c.secret)),
                json!(id::key_time(c.key)),
                json!(c.flow),
                json!(c.way),
                json!(c.site),
                json!(c.filter.code()),
                json!(c.unique),
                t(&c.ip),
                t(&c.geo),
                t(&c.lang),
                json!(c.os.code()),
                json!(c.browser.code()),
                json!(c.mobile as i64),
                t(&c.ua),
                t(&c.referer),
                t(&c.domain),
                t(&g.utms),
                t(&g.utmc),
                t(&g.utmn),
                t(&g.utmt),
                t(&g.utmm),
                t(&g.subid),
                t(&g.uuid),
                t(&g.adid),
                t(&g.data1),
                t(&g.data2),
                json!(c.cost),
            ],
        )
    });
    Ok(json!({ "clicks": clicks.collect::<Vec<_>>() }))
}
