//! The demo account's postback logs (docs/API.md "postbacks-in.json",
//! "Outbound postbacks"): the advertiser's calls that made each recent
//! lead, a resent one now and then, and the call each approved lead of a
//! flow with a source sent that source, as the live server would have
//! logged them. Split from src/cli/demo_account.rs.
use crate::ids::UserId;
use crate::leads::outbound::outbox::{event_call, FAILED, SENT};
use crate::leads::row::LeadRow;
use crate::leads::stage::Stage;
use rand::rngs::SmallRng;
use rand::Rng;
use rusqlite::{params, Connection};
use serde_json::json;

/// Incoming calls older than this are not written: the server prunes
/// them at its start (`--postback-log-days` defaults to 7).
const IN_DAYS: i64 = 7;

/// One lead's calls: `made` when it was created (as new), `changed` when
/// it moved to `stage`, if it did.
pub(super) struct Made<'a> {
    pub lead: i64,
    pub click: &'a str,
    pub goal: &'a str,
    pub price: f64,
    pub currency: &'a str,
    pub made: i64,
    pub changed: Option<(i64, Stage, &'a str)>,
}

fn incoming(
    conn: &Connection,
    user: UserId,
    m: &Made,
    time: i64,
    status: &str,
    answer: (&str, Stage, bool),
) -> rusqlite::Result<()> {
    let params = json!({
        "id": "***", "click": m.click, "goal": m.goal, "status": status,
        "price": m.price, "currency": m.currency,
    });
    let (error, stage, created) = answer;
    conn.prepare_cached(
        "INSERT INTO postbacks_in (user_id, time, ip, click, params, error, lead, stage, created)
         VALUES (?1, ?2, '203.0.113.24', ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        user,
        time,
        m.click,
        params.to_string(),
        error,
        m.lead,
        if error.is_empty() {
            i64::from(stage.code())
        } else {
            -1
        },
        created
    ])?;
    Ok(())
}

/// Writes lead `m`'s calls; `now` bounds the incoming log's window.
pub(super) fn log(
    conn: &Connection,
    rng: &mut SmallRng,
    user: UserId,
    m: &Made,
    now: i64,
) -> rusqlite::Result<()> {
    if m.made >= now - IN_DAYS * 86_400 {
        incoming(conn, user, m, m.made, "Pending", ("", Stage::New, true))?;
        if let Some((time, stage, custom)) = m.changed {
            incoming(conn, user, m, time, custom, ("", stage, false))?;
            // Advertisers resend: the same status again changes nothing.
            if rng.random_bool(0.05) {
                incoming(
                    conn,
                    user,
                    m,
                    time + 5,
                    custom,
                    ("no-changes", stage, false),
                )?;
            }
        }
    }
    let Some((time, Stage::Approve, _)) = m.changed else {
        return Ok(());
    };
    let Some((_, row)) = LeadRow::load(conn, user, "id = ?", &[&m.lead])? else {
        return Ok(());
    };
    let Some((source, call)) = event_call(conn, user, m.lead, &row, time)? else {
        return Ok(());
    };
    // Most networks take the call; a few refuse an old or unknown click.
    let (state, http, response, error) = if rng.random_bool(0.97) {
        (SENT, 200, "OK", "")
    } else {
        (FAILED, 400, "invalid click_id", "HTTP 400")
    };
    conn.prepare_cached(
        "INSERT OR IGNORE INTO postbacks_out (user_id, lead_id, source_id, stage, time, method,
           url, body, type, state, attempts, next, last, http, latency, response, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?5, ?5, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        user,
        m.lead,
        source,
        Stage::Approve,
        time,
        call.method,
        call.url,
        call.body,
        call.ctype,
        state,
        http,
        rng.random_range(40..400),
        response,
        error
    ])?;
    Ok(())
}
