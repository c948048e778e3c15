//! Dashboard sessions (README "Credentials"): login.json makes one, with
//! its own random secret stored only as a keyed hash (keys.rs). A session
//! ends after [`IDLE`] without a call, [`ABSOLUTE`] after its log-in, by
//! logout.json, by session-delete.json, and by a password change (every
//! session of the user but the one that made the change).
//! sessions.json lists the live ones.
use super::keys::Keys;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use crate::ids::UserId;
use crate::state::AppState;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use std::net::IpAddr;

/// A session not used for this long has ended (seconds).
pub const IDLE: i64 = 24 * 3600;
/// A session ends this long after its log-in however busy (seconds).
pub const ABSOLUTE: i64 = 30 * 24 * 3600;
/// "Last used" is stored again only once it is this much behind, so calls
/// cost no write each (seconds; the idle limit is that much less exact).
pub const TOUCH: i64 = 5 * 60;
/// Live sessions kept per user: a log-in beyond ends the oldest.
const PER_USER: i64 = 50;
/// Stored user agents are cut to this many characters.
const UA_CHARS: usize = 200;
/// Marks a session secret, so its check is one lookup in this table.
pub const PREFIX: &str = "ses_";

/// Starts a session of `user`; answers its id and secret.
pub fn create(
    conn: &Connection,
    keys: &Keys,
    user: UserId,
    now: i64,
    ip: Option<IpAddr>,
    ua: &str,
) -> rusqlite::Result<(i64, String)> {
    let secret = format!("{PREFIX}{}", super::tokens::random(32));
    let ip = ip.map(|ip| ip.to_string()).unwrap_or_default();
    let ua: String = ua.chars().take(UA_CHARS).collect();
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND (last_used < ?2 OR created < ?3)",
        params![user, now - IDLE, now - ABSOLUTE],
    )?;
    conn.execute(
        "INSERT INTO sessions (user_id, hash, created, last_used, ip, ua)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
        params![user, keys.session_hash(&secret), now, ip, ua],
    )?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND id NOT IN
           (SELECT id FROM sessions WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)",
        params![user, PER_USER],
    )?;
    Ok((id, secret))
}

/// A stored session: its id, whose it is, and when it began and was
/// last used (Unix seconds).
pub struct Session {
    pub id: i64,
    pub user: UserId,
    created: i64,
    last_used: i64,
}

/// The live session with this secret.
pub fn find(
    state: &AppState,
    conn: &Connection,
    secret: &str,
) -> rusqlite::Result<Option<Session>> {
    let row = conn
        .prepare_cached("SELECT id, user_id, created, last_used FROM sessions WHERE hash = ?1")?
        .query_row([state.keys.session_hash(secret)], |r| {
            Ok(Session {
                id: r.get(0)?,
                user: r.get(1)?,
                created: r.get(2)?,
                last_used: r.get(3)?,
            })
        })
        .optional()?;
    let now = state.clock.now_ms().div_euclid(1000);
    let Some(s) = row else {
        return Ok(None);
    };
    if now - s.last_used > IDLE || now - s.created > ABSOLUTE {
        return Ok(None);
    }
    if now - s.last_used > TOUCH {
        touch(state, s.id, now);
    }
    Ok(Some(s))
}

/// Stores a session's new "last used" through the writer (all writes go
/// there), not waiting for it: a lost update only makes the session look
/// idle a few minutes early.
fn touch(state: &AppState, id: i64, now: i64) {
    let (to, _answer) = crate::db::writer::ticket();
    state.writer.submit(
        Box::new(move |conn: &Connection| {
            conn.prepare_cached(
                "UPDATE sessions SET last_used = max(last_used, ?1) WHERE id = ?2",
            )?
            .execute(params![now, id])?;
            Ok(Value::Null)
        }),
        to,
    );
}

/// Ends the user's sessions, all but `keep`.
pub fn end_all_but(conn: &Connection, user: UserId, keep: Option<i64>) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2",
        params![user, keep],
    )
}

fn text_or_false(s: String) -> Value {
    if s.is_empty() {
        Value::Bool(false)
    } else {
        Value::String(s)
    }
}

/// sessions.json: the caller's live sessions, the most recently used first.
pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let now = call.state.clock.now_ms().div_euclid(1000);
    let mut st = call.conn.prepare(
        "SELECT id, created, last_used, ip, ua FROM sessions
         WHERE user_id = ?1 AND last_used >= ?2 AND created >= ?3
         ORDER BY last_used DESC, id DESC",
    )?;
    let rows = st
        .query_map(params![user.id, now - IDLE, now - ABSOLUTE], |r| {
            let id: i64 = r.get(0)?;
            Ok(json!({
                "id": id,
                "created": r.get::<_, i64>(1)?,
                "last_used": r.get::<_, i64>(2)?,
                "ip": text_or_false(r.get(3)?),
                "ua": text_or_false(r.get(4)?),
                "current": call.session == Some(id),
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "sessions": rows }))
}

/// session-delete.json: ends one of the caller's sessions (`session`);
/// another user's, or none, is `access`.
pub fn delete(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["session"])?;
    let id = call
        .params
        .int("session", 1, i64::MAX, ErrorCode::BadParam)?
        .ok_or_else(|| ApiError::field(ErrorCode::BadParam, "session"))?;
    let ended = call.conn.execute(
        "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
        params![id, user.id],
    )?;
    if ended == 0 {
        return Err(ApiError::access());
    }
    Ok(json!({ "session": id }))
}

/// logout.json: ends the calling session (`ended`: 1); called with the API
/// token it ends nothing (`ended`: 0).
pub fn logout(call: &mut Call) -> ApiResult {
    call.user()?;
    let ended = match call.session {
        Some(id) => call
            .conn
            .execute("DELETE FROM sessions WHERE id = ?1", [id])?,
        None => 0,
    };
    Ok(json!({ "ended": ended }))
}
