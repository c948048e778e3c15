//! blacklist.json (docs/API.md): `add` and/or `remove` IPs and CIDRs, then the
//! whole list. All entries are checked before anything is written.
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use crate::snapshot::parse_net;
use rusqlite::params;
use serde_json::json;

fn entries(call: &Call, name: &str) -> ApiResult<Vec<String>> {
    let list = call.params.list(name)?;
    list.iter()
        .map(|e| {
            parse_net(e).map(|n| {
                if n.prefix_len() == n.max_prefix_len() {
                    n.addr().to_string()
                } else {
                    n.trunc().to_string()
                }
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::field(ErrorCode::BadIp, name))
}

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    call.params.only(&["add", "remove"])?;
    let add = entries(call, "add")?;
    let remove = entries(call, "remove")?;
    if add.len() + remove.len() > 10_000 {
        return Err(ApiError::field(ErrorCode::TooMany, "add"));
    }
    if !add.is_empty() || !remove.is_empty() {
        let tx = call.conn.transaction()?;
        for e in &add {
            tx.execute(
                "INSERT OR IGNORE INTO blacklist (user_id, entry) VALUES (?1, ?2)",
                params![user.id, e],
            )?;
        }
        for e in &remove {
            tx.execute(
                "DELETE FROM blacklist WHERE user_id = ?1 AND entry = ?2",
                params![user.id, e],
            )?;
        }
        tx.commit()?;
        call.reload()?;
    }
    let mut st = call
        .conn
        .prepare("SELECT entry FROM blacklist WHERE user_id = ?1 ORDER BY entry")?;
    let list = st
        .query_map([user.id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "blacklist": list }))
}
