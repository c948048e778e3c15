//! clicks.json and leads.json from ClickHouse (`--reports clickhouse`,
//! docs/SCALING.md): the same rows, in the same order, as the node's own
//! file gives, read from what every node shipped (`FINAL`: each row once,
//! as last sent). The rows are turned into the same values the SQLite
//! rows are, so the JSON and CSV come out of the same code.
use super::reports::{api_error, condition, unescape, Reports};
use crate::api::error::ApiResult;
use crate::click_id::key_at;
use crate::store::page::{record_of, PageQuery};
use crate::store::record::ClickRecord;
use crate::store::registry::{is_text, DIMS};
use rusqlite::types::{Value as Sql, ValueRef};

/// Runs a SELECT; answers its rows' fields, unescaped.
pub fn rows(reports: &Reports, sql: &str) -> ApiResult<Vec<Vec<String>>> {
    let text = reports
        .client()
        .run(&format!("{sql} FORMAT TabSeparated"), b"", true)
        .map_err(api_error)?;
    Ok(text
        .lines()
        .map(|line| line.split('\t').map(unescape).collect())
        .collect())
}

/// A field as the type its column has in SQLite.
pub fn typed(field: &str, int: bool) -> Sql {
    match int {
        true => field.parse().map_or(Sql::Null, Sql::Integer),
        false => Sql::Text(field.to_string()),
    }
}

/// A page of clicks.json: newest first, `offset` skipped, at most
/// `limit`; ties of two nodes' clicks at the same key by node.
pub fn page(reports: &Reports, q: PageQuery) -> ApiResult<Vec<ClickRecord>> {
    let columns: Vec<&str> = DIMS.iter().map(|d| d.column).collect();
    let mut cond = condition(&q.filters);
    cond += &format!(
        " AND id >= {} AND id < {}",
        key_at(q.period.start),
        key_at(q.period.end)
    );
    if let Some((key, secret)) = q.click {
        cond += &format!(" AND id = {key} AND secret = {secret}");
    }
    let sql = format!(
        "SELECT id, secret, user_id, {}, cost FROM clicks FINAL WHERE {cond} \
         ORDER BY id DESC, node DESC LIMIT {} OFFSET {}",
        columns.join(", "),
        q.limit,
        q.offset
    );
    let mut out = Vec::new();
    for fields in rows(reports, &sql)? {
        // The cells as SQLite would hand them: integers and texts by the
        // registry's types, the price a real.
        let mut cells: Vec<Sql> = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            cells.push(match i {
                0..=2 => typed(f, true),
                i if i == 3 + DIMS.len() => f.parse().map_or(Sql::Null, Sql::Real),
                i => typed(f, DIMS.get(i - 3).is_some_and(|d| !is_text(d))),
            });
        }
        let cell = |i: usize| -> rusqlite::Result<ValueRef<'_>> {
            cells
                .get(i)
                .map(ValueRef::from)
                .ok_or(rusqlite::Error::InvalidColumnIndex(i))
        };
        out.push(record_of(cell)?);
    }
    Ok(out)
}
