//! clicks.json (docs/API.md): the click log, newest first, filtered like
//! leads.json plus `unique`, paged with offset/limit.
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::Call;
use crate::click_id as id;
use crate::store::page::PageQuery;
use crate::store::record::ClickRecord;
use crate::store::registry::{self, Dim, Flag, Val};
use rusqlite::types::Value as Sql;
use serde_json::json;

/// The dimensions clicks.json shows: those with an API name, in the
/// click table's order.
const SHOWN: [Dim; registry::count_with(Flag::Api)] = registry::with(Flag::Api);

/// The fields of a clicks.json row, in order (also the CSV header): the
/// click, its time, its dimensions, its price.
pub const FIELDS: [&str; 3 + SHOWN.len()] = {
    let mut out = ["click"; 3 + SHOWN.len()];
    out[1] = "time";
    let mut i = 0;
    while i < SHOWN.len() {
        if let Some(name) = SHOWN[i].api {
            out[2 + i] = name;
        }
        i += 1;
    }
    out[2 + SHOWN.len()] = "cost";
    out
};

/// A dimension's value in a row: numbers as numbers, `unique` as true or
/// false, empty text as `false` (docs/API.md), except the flow's.
fn shown(d: &Dim, c: &ClickRecord) -> serde_json::Value {
    match d.get(c) {
        Val::Int(i) if d.column == "uniq" => json!(i != 0),
        Val::Int(i) => json!(i),
        Val::Text(s) if d.column == "flow" => json!(s),
        Val::Text(s) => text(s.to_string()),
    }
}

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let p = &call.params;
    let range = period(p, &user.tz, false)?;
    let mut dims = Where::owner(user.id);
    crate::store::filters::dimensions(&mut dims, p)?;
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
    let q = PageQuery {
        filters: dims,
        period: range,
        click,
        offset,
        limit,
    };
    // From ClickHouse with `--reports clickhouse` (docs/SCALING.md).
    let records = match &call.state.clickhouse {
        Some(ch) => crate::clickhouse::lists::page(ch, q)?,
        None => crate::store::page::page(&call.conn, q)?,
    };
    let clicks = records.iter().map(|c| {
        let mut values = vec![
            json!(id::encode(c.key, c.secret)),
            json!(id::key_time(c.key)),
        ];
        values.extend(SHOWN.iter().map(|d| shown(d, c)));
        values.push(json!(c.cost));
        fields_row(&FIELDS, values)
    });
    Ok(json!({ "clicks": clicks.collect::<Vec<_>>() }))
}
