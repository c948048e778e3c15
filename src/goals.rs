//! Goals: conversion kinds (docs/API.md, 5.2 goals/goal). Unknown goals named
//! by a postback are created on the fly (`ensure`).
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use rusqlite::{params, Connection};
use serde_json::json;

/// `[a-z0-9_-]{1,32}`.
pub fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

pub fn ensure(conn: &Connection, user: crate::ids::UserId, goal: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO goals (user_id, id, name) VALUES (?1, ?2, ?2)")?
        .execute(params![user, goal])?;
    Ok(())
}

pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let mut st = call
        .conn
        .prepare("SELECT id, name FROM goals WHERE user_id = ?1 AND archived = 0 ORDER BY id")?;
    let goals = st
        .query_map([user.id], |r| {
            Ok(json!({"goal": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?}))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "goals": goals }))
}

pub fn save(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["goal", "name"])?;
    let goal = call
        .params
        .text("goal")?
        .map(|g| g.to_ascii_lowercase())
        .ok_or_else(|| ApiError::field(ErrorCode::BadGoal, "goal"))?;
    if !valid_id(&goal) {
        return Err(ApiError::field(ErrorCode::BadGoal, "goal"));
    }
    // Without `name` a new goal is named after its id and an existing one
    // keeps its name (saving it again must not undo a rename).
    let name = call.params.text_max("name", 255)?;
    call.conn.execute(
        "INSERT INTO goals (user_id, id, name) VALUES (?1, ?2, COALESCE(?3, ?2))
         ON CONFLICT (user_id, id) DO UPDATE SET name = COALESCE(?3, name), archived = 0",
        params![user.id, goal, name],
    )?;
    Ok(json!({ "goal": goal }))
}
