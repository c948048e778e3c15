//! leads.json (reference "Leads list", docs/API.md): the user's leads, newest
//! first (time, then id, descending), with every filter of the reference
//! and the status groups, paged with offset/limit (default 1000, at most
//! 10000). Without from/to/ufrom/uto it covers all time.
//!
//! Fields come out in the reference example's order and types: empty text
//! as `false`, `meta` always an object, `siteurl` the site's URL or false,
//! `click` the public click id or false (flow leads have no click).
use super::row::{Meta, COPIED};
use super::stage;
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::Call;
use crate::click_id as id;
use crate::ids::UserId;
use crate::store::registry::{Lead, Ty};
use rusqlite::types::{FromSql, Value as Sql, ValueRef};
use serde_json::{json, Value};
use std::sync::LazyLock;

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
    crate::store::filters::dimensions(&mut w, p)?;
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

/// How a leads.json field comes out.
#[derive(Debug, Clone, Copy)]
enum Out {
    Int,
    Real,
    /// Empty text as `false`.
    Text,
    /// The stage's name.
    Stage,
    /// The site's URL, or `false`.
    Url,
    /// Always an object.
    Meta,
}

/// The lead's own fields: (field, SQL, how it comes out). siteurl by a
/// scalar subquery: joining sites would make the shared filters'
/// unqualified columns (user_id, ...) ambiguous.
const OWN: [(&str, &str, Out); 15] = [
    ("id", "id", Out::Int),
    ("time", "time", Out::Int),
    ("click", "click", Out::Text),
    ("uid", "uid", Out::Text),
    (
        "siteurl",
        "(SELECT s.url FROM sites s WHERE s.id = leads.site AND s.user_id = leads.user_id)",
        Out::Url,
    ),
    ("status", "stage", Out::Stage),
    ("custom", "custom", Out::Text),
    ("goal", "goal", Out::Text),
    ("price", "price", Out::Real),
    ("currency", "currency", Out::Text),
    ("name", "name", Out::Text),
    ("phone", "phone", Out::Text),
    ("email", "email", Out::Text),
    ("comment", "comment", Out::Text),
    ("meta", "meta", Out::Meta),
];

/// The reference example's order of the fields: the lead's own and its
/// click's dimensions, by their API name. A dimension that leads show
/// (the registry's `Lead::Show` and `Lead::Set`) and that this does not
/// name comes after them.
const ORDER: [&str; 33] = [
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

/// A field: its own, or a dimension leads show.
fn field(name: &'static str) -> Option<(&'static str, &'static str, Out)> {
    if let Some(own) = OWN.iter().find(|(n, _, _)| *n == name) {
        return Some(*own);
    }
    let d = COPIED.iter().find(|d| d.api == Some(name))?;
    let out = match d.ty {
        Ty::Int { .. } => Out::Int,
        Ty::Text { .. } => Out::Text,
    };
    Some((name, d.column, out))
}

/// Every field in order: (field, SQL, how it comes out).
static LAYOUT: LazyLock<Vec<(&str, &str, Out)>> = LazyLock::new(|| {
    let shown = COPIED
        .iter()
        .filter(|d| matches!(d.lead, Lead::Show | Lead::Set))
        .filter_map(|d| d.api)
        .filter(|a| !ORDER.contains(a));
    ORDER.into_iter().chain(shown).filter_map(field).collect()
});

/// The fields of a leads.json row, in order (also the CSV header).
pub static FIELDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| LAYOUT.iter().map(|(name, _, _)| *name).collect());

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let w = conditions(call, &user.tz, user.id)?;
    let (offset, limit) = page(&call.params)?;
    // From ClickHouse with `--reports clickhouse` (docs/SCALING.md).
    if let Some(ch) = &call.state.clickhouse {
        return from_clickhouse(call, ch, &w, user.id, (offset, limit));
    }
    let columns: Vec<&str> = LAYOUT.iter().map(|(_, sql, _)| *sql).collect();
    let sql = format!(
        "SELECT {} FROM leads WHERE {} ORDER BY time DESC, id DESC LIMIT {limit} OFFSET {offset}",
        columns.join(", "),
        w.sql()
    );
    let mut st = call.conn.prepare(&sql)?;
    let leads = st
        .query_map(rusqlite::params_from_iter(w.args.iter()), |r| {
            lead(|i| r.get_ref(i))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "leads": leads }))
}

/// A leads.json row from the cells of a row laid out as [`LAYOUT`].
fn lead<'a>(cell: impl Fn(usize) -> rusqlite::Result<ValueRef<'a>>) -> rusqlite::Result<Value> {
    fn get<T: FromSql>(at: usize, v: ValueRef) -> rusqlite::Result<T> {
        T::column_result(v)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(at, v.data_type(), Box::new(e)))
    }
    let mut values = Vec::with_capacity(LAYOUT.len());
    for (i, (_, _, out)) in LAYOUT.iter().enumerate() {
        let v = cell(i)?;
        values.push(match out {
            Out::Int => json!(get::<i64>(i, v)?),
            Out::Real => json!(get::<f64>(i, v)?),
            Out::Text => text(get(i, v)?),
            Out::Stage => json!(stage::name(get(i, v)?)),
            Out::Url => text(get::<Option<String>>(i, v)?.unwrap_or_default()),
            Out::Meta => Value::Object(get::<Meta>(i, v)?.0),
        });
    }
    Ok(fields_row(&FIELDS, values))
}

/// The page of leads from ClickHouse: the same columns (the site's URL
/// looked up here: the sites are this node's configuration), the same
/// order, ties of two nodes' leads by node.
fn from_clickhouse(
    call: &Call,
    ch: &crate::clickhouse::reports::Reports,
    w: &Where,
    user: UserId,
    (offset, limit): (i64, i64),
) -> ApiResult {
    use crate::clickhouse::lists::{rows, typed};
    let columns: Vec<&str> = LAYOUT
        .iter()
        .map(|(_, sql, out)| match out {
            Out::Url => "site",
            _ => sql,
        })
        .collect();
    use crate::clickhouse::parts::{Span, LEADS};
    let cond = crate::clickhouse::reports::condition(w);
    let order = format!("ORDER BY time DESC, id DESC, node DESC LIMIT {limit} OFFSET {offset}");
    let fields = rows(ch, &LEADS, &columns.join(", "), &cond, Span::ALL, &order)?;
    let mut urls = call
        .conn
        .prepare_cached("SELECT id, url FROM sites WHERE user_id = ?1")?;
    let urls: std::collections::HashMap<i64, String> = urls
        .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut leads = Vec::new();
    for fields in fields {
        let cells: Vec<Sql> = LAYOUT
            .iter()
            .zip(&fields)
            .map(|((_, _, out), f)| match out {
                Out::Int | Out::Stage => typed(f, true),
                Out::Real => f.parse().map_or(Sql::Null, Sql::Real),
                Out::Text | Out::Meta => typed(f, false),
                Out::Url => f
                    .parse()
                    .ok()
                    .and_then(|site: i64| urls.get(&site))
                    .map_or(Sql::Null, |u| Sql::Text(u.clone())),
            })
            .collect();
        let cell = |i: usize| -> rusqlite::Result<ValueRef<'_>> {
            cells
                .get(i)
                .map(ValueRef::from)
                .ok_or(rusqlite::Error::InvalidColumnIndex(i))
        };
        leads.push(lead(cell)?);
    }
    Ok(json!({ "leads": leads }))
}

#[cfg(test)]
mod tests {
    /// Every field of the reference example is a lead's own or a
    /// dimension leads show.
    #[test]
    fn every_listed_field_is_known() {
        assert_eq!(super::FIELDS[..super::ORDER.len()], super::ORDER);
    }
}
