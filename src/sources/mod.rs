//! Traffic sources (docs/API.md sources/source/source-delete): where a
//! flow buys its traffic, what the source's query parameters mean, and
//! what a click costs; and the parts of flow.json and flows.json that
//! name a flow's source and its tracking link.
pub mod spec;
pub mod templates;

use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::api::Call;
use crate::ids::UserId;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use spec::Spec;
use templates::TEMPLATES;

const COLUMNS: &str =
    "name, template, click_param, click_macro, params, cost_model, cpc, cost_param, cost_macro, currency";

/// [`COLUMNS`] and the postback template's.
fn columns() -> String {
    format!("{COLUMNS}, {}", crate::outbound::spec::COLUMNS)
}

fn read(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Spec> {
    Ok(Spec {
        name: r.get(at)?,
        template: r.get(at + 1)?,
        click_param: r.get(at + 2)?,
        click_macro: r.get(at + 3)?,
        params: Spec::read_params(&r.get::<_, String>(at + 4)?),
        cost_model: r.get(at + 5)?,
        cpc: r.get(at + 6)?,
        cost_param: r.get(at + 7)?,
        cost_macro: r.get(at + 8)?,
        currency: r.get(at + 9)?,
        postback: crate::outbound::spec::Postback::read(r, at + 10)?,
    })
}

/// The documentation link of a source copied from `template`.
fn docs(template: &str) -> &'static str {
    templates::find(template).map_or("", |t| t.docs)
}

/// The user's live source `id`, or `access` (another user's) or
/// `bad-source` naming `field` (none, or archived).
pub fn owned(conn: &Connection, user: UserId, id: i64, field: &str) -> ApiResult<Spec> {
    let sql = format!(
        "SELECT user_id, {} FROM sources WHERE id = ?1 AND archived = 0",
        columns()
    );
    let found = conn
        .query_row(&sql, [id], |r| Ok((r.get::<_, UserId>(0)?, read(r, 1)?)))
        .optional()?;
    match found {
        Some((u, spec)) if u == user => Ok(spec),
        Some(_) => Err(ApiError::access()),
        None => Err(ApiError::field(ErrorCode::BadSource, field)),
    }
}

/// sources.json: the user's live sources and the built-in templates.
pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&[])?;
    let sql = format!(
        "SELECT id, {} FROM sources WHERE user_id = ?1 AND archived = 0 ORDER BY id",
        columns()
    );
    let mut st = call.conn.prepare(&sql)?;
    let sources = st
        .query_map([user.id], |r| {
            let spec = read(r, 1)?;
            let mut v = json!({ "id": r.get::<_, i64>(0)? });
            if let (Value::Object(out), Value::Object(fields)) =
                (&mut v, spec.to_json(docs(&spec.template)))
            {
                out.extend(fields);
            }
            Ok(v)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let templates: Vec<Value> = TEMPLATES
        .iter()
        .map(|t| Spec::from_template(t, &user.currency).to_json(t.docs))
        .collect();
    Ok(json!({ "sources": sources, "templates": templates }))
}

/// source.json: creates a source (no `source`), from a template when
/// `template` names one, or changes the user's source `source`.
pub fn save(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&[
        "source",
        "template",
        "name",
        "click_param",
        "click_macro",
        "params",
        "cost_model",
        "cpc",
        "cost_param",
        "cost_macro",
        "currency",
        "postback_url",
        "postback_method",
        "postback_body",
        "postback_type",
        "postback_stages",
        "postback_goals",
        "postback_share",
        "postback_currency",
        "postback_words",
    ])?;
    let p = &call.params;
    let id = p.int("source", 1, i64::MAX, ErrorCode::BadSource)?;
    let mut spec = match id {
        Some(id) => owned(&call.conn, user.id, id, "source")?,
        None => Spec::blank(&user.currency),
    };
    if let Some(t) = p.text("template")? {
        let t = templates::find(&t)
            .ok_or_else(|| ApiError::field(ErrorCode::BadTemplate, "template"))?;
        // The template's fields, the name and currency kept on an edit.
        let copy = Spec::from_template(t, &spec.currency);
        spec = match id {
            Some(_) => Spec {
                name: spec.name,
                ..copy
            },
            None => copy,
        };
    }
    let conn = &call.conn;
    spec.apply(p, |c| Ok(crate::rates::rate(conn, c)?.is_some()))?;
    let id = store(&call.conn, user.id, id, &spec)?;
    call.reload()?;
    Ok(json!({ "source": id }))
}

/// Writes `spec` as the user's source `id`, or as a new one (its id
/// answered); checked before (source.json, `flowtrack demo`).
pub fn store(
    conn: &Connection,
    user: UserId,
    id: Option<i64>,
    spec: &Spec,
) -> rusqlite::Result<i64> {
    let values = params![
        spec.name,
        spec.template,
        spec.click_param,
        spec.click_macro,
        spec.params_json(),
        spec.cost_model,
        spec.cpc,
        spec.cost_param,
        spec.cost_macro,
        spec.currency,
        user,
    ];
    let pb = spec.postback.columns();
    let all = || {
        values
            .iter()
            .copied()
            .chain(pb.iter().map(|v| v as &dyn rusqlite::ToSql))
    };
    Ok(match id {
        Some(id) => {
            conn.execute(
                "UPDATE sources SET name = ?1, template = ?2, click_param = ?3, click_macro = ?4,
                   params = ?5, cost_model = ?6, cpc = ?7, cost_param = ?8, cost_macro = ?9,
                   currency = ?10, pb_url = ?12, pb_method = ?13, pb_body = ?14, pb_type = ?15,
                   pb_stages = ?16, pb_goals = ?17, pb_share = ?18, pb_currency = ?19,
                   pb_words = ?20 WHERE id = ?21 AND user_id = ?11",
                rusqlite::params_from_iter(all().chain([&id as _])),
            )?;
            id
        }
        None => {
            conn.execute(
                &format!(
                    "INSERT INTO sources ({COLUMNS}, user_id, {}, created)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                       ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, unixepoch())",
                    crate::outbound::spec::COLUMNS
                ),
                rusqlite::params_from_iter(all()),
            )?;
            conn.last_insert_rowid()
        }
    })
}

/// source-delete.json: archives the user's source. It leaves the lists
/// and the flow editor's choices; flows naming it keep it (their clicks
/// still get its mapping and cost) until changed, and stats keep its name.
pub fn delete(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["source"])?;
    let id = call
        .params
        .int("source", 1, i64::MAX, ErrorCode::BadSource)?
        .ok_or_else(|| ApiError::field(ErrorCode::BadSource, "source"))?;
    owned(&call.conn, user.id, id, "source")?;
    call.conn
        .execute("UPDATE sources SET archived = 1 WHERE id = ?1", [id])?;
    call.reload()?;
    Ok(json!({ "source": id }))
}

/// flow.json's `source`: absent keeps it, empty or 0 clears it, else one
/// of the user's live sources.
pub fn flow_param(conn: &Connection, user: UserId, p: &Params) -> ApiResult<Option<Option<i64>>> {
    if !p.has("source") {
        return Ok(None);
    }
    match p.text("source")?.as_deref() {
        None | Some("0") => Ok(Some(None)),
        Some(s) => {
            let id = s
                .parse::<i64>()
                .ok()
                .filter(|&id| id > 0)
                .ok_or_else(|| ApiError::field(ErrorCode::BadSource, "source"))?;
            owned(conn, user, id, "source")?;
            Ok(Some(Some(id)))
        }
    }
}

/// Sets flow `flow`'s source as [`flow_param`] read it.
pub fn set_flow(conn: &Connection, flow: &str, source: Option<Option<i64>>) -> ApiResult<()> {
    if let Some(source) = source {
        conn.execute(
            "UPDATE flows SET source_id = ?2 WHERE id = ?1",
            params![flow, source],
        )?;
    }
    Ok(())
}

/// flows.json's `link` of a flow with source `source` (None: none): the
/// URL to paste into the source, its macros in place (docs/API.md).
pub fn link(
    conn: &Connection,
    origin: &str,
    flow: &str,
    source: Option<i64>,
) -> rusqlite::Result<String> {
    let mut url = format!("{origin}/{flow}");
    let Some(id) = source else { return Ok(url) };
    let sql = format!("SELECT {} FROM sources WHERE id = ?1", columns());
    let Some(s) = conn.query_row(&sql, [id], |r| read(r, 0)).optional()? else {
        return Ok(url);
    };
    let mut pairs = vec![(&s.click_param, &s.click_macro)];
    pairs.extend(s.params.iter().map(|m| (&m.param, &m.r#macro)));
    if s.cost_model == "param" {
        pairs.push((&s.cost_param, &s.cost_macro));
    }
    let mut sep = '?';
    // A pair without a macro is one the network appends itself (fbclid).
    for (param, value) in pairs
        .into_iter()
        .filter(|(p, m)| !p.is_empty() && !m.is_empty())
    {
        url.push(sep);
        url.push_str(param);
        url.push('=');
        url.push_str(value);
        sep = '&';
    }
    Ok(url)
}
