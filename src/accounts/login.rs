//! login.json: user + password gives the token (the one call without one).
use crate::api::error::{ApiError, ApiResult};
use crate::api::Call;
use rusqlite::OptionalExtension;
use serde_json::json;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call
        .params
        .text("user")?
        .ok_or_else(|| ApiError::field("no-user", "user"))?;
    let password = call
        .params
        .text("password")?
        .ok_or_else(|| ApiError::field("no-password", "password"))?;
    // Refused outright while another throttled attempt from this IP waits
    // (throttle.rs); the password is not even checked then.
    let Some(admission) = call.state.login_throttle.admit(call.ip) else {
        return Err(ApiError::access());
    };
    if !admission.delay.is_zero() {
        std::thread::sleep(admission.delay);
    }
    let row: Option<(String, String)> = call
        .conn
        .query_row(
            "SELECT password, token FROM users WHERE name = ?1",
            [&user],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // An unknown user costs the same hash check as a known one, so that
    // answer times do not tell which user names exist.
    let (hash, token) = row.unwrap_or_else(|| (dummy_hash().to_string(), String::new()));
    if crate::accounts::verify_password(&password, &hash) && !token.is_empty() {
        call.state.login_throttle.succeeded(call.ip);
        Ok(json!({"token": token, "user": user}))
    } else {
        call.state.login_throttle.failed(call.ip);
        Err(ApiError::access())
    }
}

/// A hash of a random password nobody knows, made once.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::accounts::hash_password(&crate::accounts::tokens::random(32)))
}
