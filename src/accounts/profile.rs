//! profile.json, token.json and postback-key.json (docs/API.md,
//! README "Credentials").
use super::throttle::{self, Admission};
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use crate::rates;
use crate::snapshot::User;
use rusqlite::params;
use serde_json::json;

/// How long profile.json waits for the writer to take a change of base
/// currency (src/store/rescale.rs).
const RESCALE_START: std::time::Duration = std::time::Duration::from_secs(5);

/// A password change needs the current password, checked like a log-in
/// (throttled by user name and address, but answered at once: a turn
/// still ahead is `slow-down`). Wrong or missing: `bad-password` with
/// field `current_password` (not `access`, which would end a dashboard
/// session over a typo).
fn check_current_password(call: &Call, user: &User) -> ApiResult<()> {
    let bad = || ApiError::field(ErrorCode::BadPassword, "current_password");
    let current = call.params.text("current_password")?.ok_or_else(bad)?;
    let keys = throttle::keys(&user.name, call.ip);
    let throttle = &call.state.login_throttle;
    let now = call.state.clock.now_ms();
    if let Admission::Refused { retry_after } = throttle.admit_now(&keys, now) {
        return Err(ApiError::slow_down(retry_after));
    }
    let hash: String =
        call.conn
            .query_row("SELECT password FROM users WHERE id = ?1", [user.id], |r| {
                r.get(0)
            })?;
    if !crate::accounts::verify_password(&current, &hash) {
        return Err(bad());
    }
    throttle.succeeded(&keys, now);
    Ok(())
}

/// The ready postback URLs for a postback key.
fn postback_urls(origin: &str, key: &str) -> (String, String) {
    let postback = format!("{origin}/api/tracker/postback.json?id={key}&click={{click}}");
    let full = format!(
        "{postback}&status={{status}}&price={{price}}&currency={{currency}}&uid={{uid}}&goal={{goal}}"
    );
    (postback, full)
}

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params
        .only(&["timezone", "currency", "password", "current_password"])?;
    // Stored by its canonical IANA name (lookups ignore case).
    let timezone = match call.params.text("timezone")? {
        Some(name) => {
            let tz = jiff::tz::TimeZone::get(&name)
                .map_err(|_| ApiError::field(ErrorCode::BadTimezone, "timezone"))?;
            Some(tz.iana_name().map_or(name, str::to_string))
        }
        None => None,
    };
    let currency = call
        .params
        .text("currency")?
        .map(|c| c.to_ascii_lowercase());
    if let Some(c) = &currency {
        if rates::rate(&call.conn, c)?.is_none() {
            return Err(ApiError::field(ErrorCode::BadCurrency, "currency"));
        }
    }
    let password = call.params.text("password")?;
    if let Some(p) = &password {
        if p.chars().count() < 8 || p.len() > 1024 {
            return Err(ApiError::field(ErrorCode::BadPassword, "password"));
        }
        check_current_password(call, &user)?;
    }
    if timezone.is_some() || currency.is_some() || password.is_some() {
        if let Some(c) = &currency {
            // Blocking: answers once every price is converted.
            let (tx, answer) = crate::db::writer::ticket();
            let task = crate::store::rescale::change(user.id, c);
            call.state.writer.start_task(task, tx);
            answer.wait_blocking(RESCALE_START)?;
        }
        let tx = call.conn.transaction()?;
        if let Some(tz) = &timezone {
            tx.execute(
                "UPDATE users SET timezone = ?1 WHERE id = ?2",
                params![tz, user.id],
            )?;
        }
        if let Some(p) = &password {
            crate::accounts::set_password(&tx, user.id, p, call.session)?;
        }
        tx.commit()?;
        call.reload()?;
    }
    let user = call
        .state
        .snapshot()
        .users
        .get(&user.id)
        .cloned()
        .ok_or_else(ApiError::access)?;
    let key = call.state.keys.postback_key(user.id.0, user.postback_nonce);
    let (postback, postback_full) = postback_urls(&call.origin, &key);
    // The API token is stored only hashed: token.json makes a new one.
    Ok(json!({
        "user": user.name,
        "timezone": user.timezone,
        "currency": user.currency,
        "token": false,
        "postback_key": key,
        "legacy_postback": user.legacy_postback,
        "postback": postback,
        "postback_full": postback_full,
    }))
}

/// token.json: a new API token, answered this once. From a dashboard
/// session it needs the current password too: the token never expires,
/// so a session (which does) must not be able to mint one on its own.
pub fn rotate_token(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["current_password"])?;
    if call.session.is_some() {
        check_current_password(call, &user)?;
    }
    let token = crate::accounts::rotate_token(&call.conn, user.id)?;
    Ok(json!({ "token": token }))
}

/// postback-key.json: a new postback key; the old one, and the token from
/// before credentials were split, stop working as postback keys.
pub fn rotate_postback_key(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&[])?;
    let nonce = crate::accounts::keys::new_nonce();
    call.conn.execute(
        "UPDATE users SET postback_nonce = ?1, legacy_postback_hash = NULL WHERE id = ?2",
        params![nonce, user.id],
    )?;
    call.reload()?;
    let key = call.state.keys.postback_key(user.id.0, nonce);
    let (postback, postback_full) = postback_urls(&call.origin, &key);
    Ok(json!({
        "postback_key": key,
        "postback": postback,
        "postback_full": postback_full,
    }))
}
