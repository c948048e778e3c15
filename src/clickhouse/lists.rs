//! clicks.json and leads.json from ClickHouse (`--reports clickhouse`,
//! docs/SCALING.md): the same rows, in the same order, as the node's own
//! file gives, read from what every node shipped (each row once, as last
//! sent: src/clickhouse/parts.rs). The rows are turned into the same
//! values the SQLite rows are, so the JSON and CSV come out of the same
//! code.
use super::parts::{self, Span, Table};
use super::reports::{api_error, condition, unescape, Reports};
use crate::api::error::ApiResult;
use crate::click_id::key_at;
use crate::store::page::{record_of, PageQuery};
use crate::store::record::ClickRecord;
use crate::store::registry::{is_text, DIMS};
use rusqlite::types::{Value as Sql, ValueRef};

/// Runs `SELECT columns FROM source order` over the rows of `t` in `s`
/// meeting `cond`, each once (`order` may name the table's key, `id`
/// and `node` besides `columns`); answers its rows' fields, unescaped.
pub fn rows(
    reports: &Reports,
    t: &Table,
    columns: &str,
    cond: &str,
    s: Span,
    order: &str,
) -> ApiResult<Vec<Vec<String>>> {
    let inner = parts::columns(columns.split(", ").chain([t.key, "id", "node"]));
    let sql = |src: &str| format!("SELECT {columns} FROM {src} {order} FORMAT TabSeparated");
    let text = parts::select(reports, t, &inner, cond, s, sql).map_err(api_error)?;
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
    if let Some((key, secret)) = q.click {
        cond += &format!(" AND id = {key} AND secret = {secret}");
    }
    let mut s = Span {
        lo: key_at(q.period.start),
        hi: key_at(q.period.end),
    };
    let order = "ORDER BY id DESC, node DESC";
    // The keys of the rows up to the page's end first, from the keys
    // alone: the rows of every column are then read between the oldest
    // and the newest of them, not over the whole period, and the clicks
    // that arrive meanwhile do not move the page.
    let n = q.offset.saturating_add(q.limit);
    let keys = |src: &str| {
        format!("SELECT min(id), max(id), count() FROM (SELECT id FROM {src} {order} LIMIT {n}) FORMAT TabSeparated")
    };
    let found =
        parts::select(reports, &parts::CLICKS, "id, node", &cond, s, keys).map_err(api_error)?;
    let found: Vec<i64> = found
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match found[..] {
        [_, _, 0] => return Ok(Vec::new()),
        [oldest, newest, count] => {
            if count >= n {
                s.lo = s.lo.max(oldest);
            }
            s.hi = s.hi.min(newest.saturating_add(1));
        }
        _ => return Err(crate::api::error::ApiError::db()),
    }
    let columns = format!("id, secret, user_id, {}, cost", columns.join(", "));
    let order = format!("{order} LIMIT {} OFFSET {}", q.limit, q.offset);
    let mut out = Vec::new();
    for fields in rows(reports, &parts::CLICKS, &columns, &cond, s, &order)? {
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
