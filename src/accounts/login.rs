//! login.json: user + password starts a dashboard session and answers its
//! secret as `token` (the one call without a credential). Attempts wait
//! for their turn first (throttle.rs, [`wait_turn`]).
use super::throttle::{self, Admission};
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::api::Call;
use crate::ids::UserId;
use crate::state::AppState;
use rusqlite::OptionalExtension;
use serde_json::json;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

/// Waits for the attempt's turn, holding no thread and no connection: the
/// dispatcher awaits this before running the login. An attempt without a
/// user or password is not one (the login answers what is missing).
pub async fn wait_turn(state: &AppState, params: &Params, ip: Option<IpAddr>) -> ApiResult<()> {
    let (Ok(Some(user)), Ok(Some(_))) = (params.text("user"), params.text("password")) else {
        return Ok(());
    };
    let now = state.clock.now_ms();
    match state.login_throttle.admit(&throttle::keys(&user, ip), now) {
        Admission::Refused { retry_after } => Err(ApiError::slow_down(retry_after)),
        Admission::At(turn) => {
            if turn > now {
                state.clock.sleep_until(turn).await;
            }
            Ok(())
        }
    }
}

pub fn run(call: &mut Call) -> ApiResult {
    let user = call
        .params
        .text("user")?
        .ok_or_else(|| ApiError::field(ErrorCode::NoUser, "user"))?;
    let password = call
        .params
        .text("password")?
        .ok_or_else(|| ApiError::field(ErrorCode::NoPassword, "password"))?;
    let row: Option<(UserId, String)> = call
        .conn
        .query_row(
            "SELECT id, password FROM users WHERE name = ?1",
            [&user],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // An unknown user costs the same hash check as a known one, so that
    // answer times do not tell which user names exist.
    let (id, hash) = row.unwrap_or_else(|| (UserId(0), dummy_hash().to_string()));
    if !(verify(&password, &hash) && id != UserId(0)) {
        return Err(ApiError::access());
    }
    let now_ms = call.state.clock.now_ms();
    call.state
        .login_throttle
        .succeeded(&throttle::keys(&user, call.ip), now_ms);
    let now = now_ms.div_euclid(1000);
    let (session, secret) = super::sessions::create(
        &call.conn,
        &call.state.keys,
        id,
        now,
        call.ip,
        &call.user_agent,
    )?;
    Ok(json!({"token": secret, "session": session, "user": user}))
}

/// A hash of a random password nobody knows, made once.
pub(crate) fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::accounts::hash_password(&crate::accounts::tokens::random(32)))
}

/// Password hash checks made by logins in this process, so that a test can
/// count rather than time them: an unknown user must cost as many as a
/// wrong password (tests/it/accounts.rs).
static HASH_CHECKS: AtomicU64 = AtomicU64::new(0);

pub fn hash_checks() -> u64 {
    HASH_CHECKS.load(Ordering::SeqCst)
}

fn verify(password: &str, hash: &str) -> bool {
    HASH_CHECKS.fetch_add(1, Ordering::SeqCst);
    crate::accounts::verify_password(password, hash)
}
