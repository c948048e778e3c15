//! profile.json and token.json (SPEC 5.2).
use crate::api::error::{ApiError, ApiResult};
use crate::api::Call;
use crate::money;
use rusqlite::params;
use serde_json::json;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    // Stored by its canonical IANA name (lookups ignore case).
    let timezone = match call.params.text("timezone")? {
        Some(name) => {
            let tz = jiff::tz::TimeZone::get(&name)
                .map_err(|_| ApiError::field("bad-timezone", "timezone"))?;
            Some(tz.iana_name().map_or(name, str::to_string))
        }
        None => None,
    };
    let currency = call
        .params
        .text("currency")?
        .map(|c| c.to_ascii_lowercase());
    if let Some(c) = &currency {
        if money::rate(&call.conn, c)?.is_none() {
            return Err(ApiError::field("bad-currency", "currency"));
        }
    }
    let password = call.params.text("password")?;
    if let Some(p) = &password {
        if p.chars().count() < 8 || p.len() > 1024 {
            return Err(ApiError::field("bad-password", "password"));
        }
    }
    if timezone.is_some() || currency.is_some() || password.is_some() {
        if let Some(c) = &currency {
            crate::money::rescale::change(call, user.id, c)?;
        }
        let tx = call.conn.transaction()?;
        if let Some(tz) = &timezone {
            tx.execute(
                "UPDATE users SET timezone = ?1 WHERE id = ?2",
                params![tz, user.id],
            )?;
        }
        if let Some(p) = &password {
            crate::accounts::set_password(&tx, user.id, p)?;
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
    let postback = format!(
        "{}/api/tracker/postback.json?id={}&click={{click}}",
        call.origin, user.token
    );
    Ok(json!({
        "user": user.name,
        "timezone": user.timezone,
        "currency": user.currency,
        "token": user.token,
        "postback": postback,
        "postback_full": format!("{postback}&status={{status}}&price={{price}}&currency={{currency}}&uid={{uid}}&goal={{goal}}"),
    }))
}

pub fn rotate_token(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let token = crate::accounts::rotate_token(&call.conn, user.id)?;
    call.reload()?;
    Ok(json!({ "token": token }))
}
