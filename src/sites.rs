//! Sites: landing pages and offers with macros (docs/API.md sites/site/site-delete).
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use crate::ids::UserId;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

/// An http(s) URL with a host and no whitespace or control characters.
/// Macros like `{click}` are allowed anywhere after the host.
pub fn valid_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    url.len() <= 2048
        && !host.is_empty()
        && !host.contains(['{', '}', '@'])
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let mut st = call.conn.prepare(
        "SELECT id, name, url, kind FROM sites WHERE user_id = ?1 AND archived = 0 ORDER BY id",
    )?;
    let sites = st
        .query_map([user.id], |r| Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?, "url": r.get::<_, String>(2)?, "kind": r.get::<_, String>(3)?})))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "sites": sites }))
}

/// Checks that `site` is one of the user's live sites.
pub fn owned(conn: &rusqlite::Connection, user: UserId, site: i64) -> ApiResult<()> {
    let owner: Option<UserId> = conn
        .query_row(
            "SELECT user_id FROM sites WHERE id = ?1 AND archived = 0",
            [site],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        Some(u) if u == user => Ok(()),
        Some(_) => Err(ApiError::access()),
        None => Err(ApiError::field(ErrorCode::BadSite, "site")),
    }
}

pub fn save(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["site", "name", "url", "kind"])?;
    let id = call.params.int("site", 1, i64::MAX, ErrorCode::BadSite)?;
    let name = call.params.text_max("name", 255)?;
    let url = call.params.text("url")?;
    let kind = crate::landings::kind_param(&call.params)?;
    if let Some(u) = &url {
        if !valid_url(u) {
            return Err(ApiError::field(ErrorCode::BadUrl, "url"));
        }
    }
    let id = match id {
        Some(id) => {
            owned(&call.conn, user.id, id)?;
            if let Some(kind) = kind {
                crate::landings::check_kind(&call.conn, user.id, id, kind)?;
            }
            call.conn.execute(
                "UPDATE sites SET name = COALESCE(?1, name), url = COALESCE(?2, url),
                   kind = COALESCE(?4, kind) WHERE id = ?3",
                params![name, url, id, kind],
            )?;
            id
        }
        None => {
            let url = url.ok_or_else(|| ApiError::field(ErrorCode::BadUrl, "url"))?;
            let name = name.unwrap_or_else(|| url.clone());
            call.conn.execute(
                "INSERT INTO sites (user_id, name, url, kind) VALUES (?1, ?2, ?3, ?4)",
                params![user.id, name, url, kind.unwrap_or("offer")],
            )?;
            call.conn.last_insert_rowid()
        }
    };
    call.reload()?;
    Ok(json!({ "site": id }))
}

pub fn delete(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["site"])?;
    let id = call
        .params
        .int("site", 1, i64::MAX, ErrorCode::BadSite)?
        .ok_or_else(|| ApiError::field(ErrorCode::BadSite, "site"))?;
    owned(&call.conn, user.id, id)?;
    call.conn
        .execute("UPDATE sites SET archived = 1 WHERE id = ?1", [id])?;
    call.reload()?;
    Ok(json!({ "site": id }))
}
