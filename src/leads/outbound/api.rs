//! postbacks-out.json, postback-retry.json and postback-preview.json
//! (docs/API.md "Outbound postbacks"): the log of outgoing calls, a
//! failed call sent again, and a template tried on a lead before saving.
use super::outbox::{self, Event, STATES};
use super::render::{mask_body, mask_url};
use super::spec::Postback;
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::{fields_row, page, Where};
use crate::api::Call;
use crate::leads::row::LeadRow;
use crate::leads::stage::{self, Stage};
use rusqlite::types::Value as Sql;
use serde_json::{json, Value};

/// postbacks-out.json's fields, in order (its CSV header too).
pub const FIELDS: [&str; 18] = [
    "id", "time", "lead", "click", "source", "stage", "method", "url", "body", "type", "state",
    "attempts", "next", "last", "http", "latency", "response", "error",
];

/// Row `id` of `table` is the user's: `access` when it is another
/// user's, `missing()` when there is none.
fn mine(
    conn: &rusqlite::Connection,
    table: &str,
    id: i64,
    user: crate::ids::UserId,
    missing: impl Fn() -> ApiError,
) -> ApiResult<()> {
    let sql = format!("SELECT user_id FROM {table} WHERE id = ?1");
    let owner: Option<crate::ids::UserId> =
        rusqlite::OptionalExtension::optional(conn.query_row(&sql, [id], |r| r.get(0)))?;
    match owner {
        None => Err(missing()),
        Some(u) if u != user => Err(ApiError::access()),
        Some(_) => Ok(()),
    }
}

/// postbacks-out.json: the user's outgoing calls, newest first.
pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let p = &call.params;
    let range = period(p, &user.tz, false)?;
    let mut w = Where::owner(user.id);
    w.push(
        "time >= ? AND time < ?",
        [Sql::Integer(range.start), Sql::Integer(range.end)],
    );
    w.list(p, "source", "source_id", Some((1, i64::MAX)))?;
    w.list(p, "lead", "lead_id", Some((1, i64::MAX)))?;
    let mut states = Vec::new();
    for s in p.list("state")? {
        let code = STATES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(&s))
            .ok_or_else(|| ApiError::one_of(ErrorCode::BadState, "state", &STATES))?;
        states.push(Sql::Integer(code as i64));
    }
    if !states.is_empty() {
        w.push_in("state", &states);
    }
    let (offset, limit) = page(p)?;
    let sql = format!(
        "SELECT id, time, lead_id,
           (SELECT l.click FROM leads l WHERE l.id = lead_id AND l.user_id = postbacks_out.user_id),
           source_id, stage, method, url, body, type, state, attempts, next, last, http,
           latency, response, error
         FROM postbacks_out WHERE {} ORDER BY id DESC LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    let mut st = call.conn.prepare(&sql)?;
    let rows = st
        .query_map(rusqlite::params_from_iter(&w.args), |r| {
            let ctype: String = r.get(9)?;
            let state: i64 = r.get(10)?;
            Ok(fields_row(
                &FIELDS,
                [
                    Value::from(r.get::<_, i64>(0)?),
                    Value::from(r.get::<_, i64>(1)?),
                    Value::from(r.get::<_, i64>(2)?),
                    crate::api::filters::text(r.get::<_, Option<String>>(3)?.unwrap_or_default()),
                    Value::from(r.get::<_, i64>(4)?),
                    Value::from(stage::name(r.get(5)?)),
                    Value::from(r.get::<_, String>(6)?),
                    Value::from(mask_url(&r.get::<_, String>(7)?)),
                    Value::from(mask_body(&r.get::<_, String>(8)?, &ctype)),
                    Value::from(ctype),
                    Value::from(STATES.get(state as usize).copied().unwrap_or("pending")),
                    Value::from(r.get::<_, i64>(11)?),
                    Value::from(r.get::<_, i64>(12)?),
                    Value::from(r.get::<_, i64>(13)?),
                    Value::from(r.get::<_, i64>(14)?),
                    Value::from(r.get::<_, i64>(15)?),
                    Value::from(r.get::<_, String>(16)?),
                    Value::from(r.get::<_, String>(17)?),
                ],
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "postbacks": rows }))
}

/// postback-retry.json: a failed call of the user's goes back to pending,
/// due now, its attempts counted afresh.
pub fn retry(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["postback"])?;
    let bad = || ApiError::field(ErrorCode::BadPostback, "postback");
    let id = call
        .params
        .int("postback", 1, i64::MAX, ErrorCode::BadPostback)?
        .ok_or_else(bad)?;
    mine(&call.conn, "postbacks_out", id, user.id, bad)?;
    let state: i64 =
        call.conn
            .query_row("SELECT state FROM postbacks_out WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
    if state != outbox::FAILED {
        return Err(ApiError::field(ErrorCode::BadState, "postback"));
    }
    let now = call.state.clock.now_ms().div_euclid(1000);
    let owner = user.id;
    let (to, answer) = crate::db::writer::ticket();
    call.state.writer.submit(
        Box::new(move |conn: &rusqlite::Connection| {
            // Checked again on the writer: a retry racing another one
            // finds the call pending already.
            if !outbox::retry(conn, owner, id, now)? {
                return Err(ApiError::field(ErrorCode::BadState, "postback"));
            }
            Ok(Value::Null)
        }),
        to,
    );
    answer.wait_blocking(std::time::Duration::from_secs(5))?;
    call.state.outbox.kick();
    Ok(json!({ "postback": id, "state": "pending" }))
}

/// postback-preview.json: what a template (a saved source's, changed by
/// the call's `postback_*` parameters) would send for one of the user's
/// leads, at its stage or `stage`. Not masked: it is the user's own.
pub fn preview(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let p = &call.params;
    let mut pb = Postback::default();
    let mut own = user.currency.clone();
    if let Some(id) = p.int("source", 1, i64::MAX, ErrorCode::BadSource)? {
        mine(&call.conn, "sources", id, user.id, || {
            ApiError::field(ErrorCode::BadSource, "source")
        })?;
        if let Some((saved, currency)) = outbox::source(&call.conn, user.id, id)? {
            (pb, own) = (saved, currency);
        }
    }
    let conn = &call.conn;
    pb.apply(p, |c| Ok(crate::rates::rate(conn, c)?.is_some()))?;
    let bad = || ApiError::field(ErrorCode::BadLead, "lead");
    let lead = p
        .int("lead", 1, i64::MAX, ErrorCode::BadLead)?
        .ok_or_else(bad)?;
    mine(&call.conn, "leads", lead, user.id, bad)?;
    let Some((_, mut row)) = LeadRow::load(&call.conn, user.id, "id = ?", &[&lead])? else {
        return Err(bad());
    };
    if let Some(s) = p.text("stage")? {
        row.stage = Stage::ALL
            .iter()
            .copied()
            .find(|st| st.name().eq_ignore_ascii_case(&s))
            .ok_or_else(|| ApiError::field(ErrorCode::BadStatus, "stage"))?;
    }
    let currency = if pb.currency.is_empty() {
        own
    } else {
        pb.currency.clone()
    };
    let (payout, currency) = outbox::payout(&call.conn, &row, &pb, &currency);
    let why = pb.sends(row.stage, &row.goal).err().unwrap_or("");
    let now = call.state.clock.now_ms().div_euclid(1000);
    let event = Event {
        lead,
        row: &row,
        stage: row.stage,
        time: now,
        payout,
        currency,
    };
    let c = event.render(&pb);
    Ok(json!({
        "send": why.is_empty(),
        "why": why,
        "method": c.method,
        "url": c.url,
        "body": c.body,
        "type": c.ctype,
    }))
}
