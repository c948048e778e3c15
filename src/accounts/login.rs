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
    let wait = call.state.login_throttle.delay(call.ip);
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
    let row: Option<(String, String)> = call
        .conn
        .query_row(
            "SELECT password, token FROM users WHERE name = ?1",
            [&user],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((hash, token)) if crate::accounts::verify_password(&password, &hash) => {
            call.state.login_throttle.succeeded(call.ip);
            Ok(json!({"token": token, "user": user}))
        }
        _ => {
            call.state.login_throttle.failed(call.ip);
            Err(ApiError::access())
        }
    }
}
