//! spend.json (reference "Spend import", SPEC 4): sets the price of the
//! user's clicks that match the conditions, so stats.json can show spend,
//! profit and ROI.
//!
//! One request answers `ok: 1, bad: 0` or the error envelope. `{"batch":
//! [...]}` runs every element as its own request in one transaction:
//! elements that fail validation are counted in `bad` (and listed in
//! `errors` with their index) while the others are applied. Both forms
//! also answer `clicks`, how many clicks got a price.
mod apply;
mod deltas;
pub mod request;

use crate::api::error::{ApiError, ApiResult};
use crate::api::params::Params;
use crate::api::Call;
use request::SpendRequest;
use rusqlite::TransactionBehavior;
use serde_json::{json, Value};

/// Most elements in one batch; a bigger import is split by the client.
const MAX_BATCH: usize = 10_000;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let Some(batch) = batch(&call.params)? else {
        let req = SpendRequest::parse(&call.conn, &user, &call.params)?;
        let tx = call
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // One request: nothing in the transaction has changed a price
        // before it, so a second reader may help (src/spend/apply.rs).
        let clicks = req.apply(&tx, Some(&call.state.pool))?;
        tx.commit()?;
        return Ok(json!({ "ok": 1, "bad": 0, "clicks": clicks }));
    };
    let mut good = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    for (i, item) in batch.into_iter().enumerate() {
        let parsed = match item {
            Value::Object(m) => SpendRequest::parse(&call.conn, &user, &Params::from_map(m)),
            _ => Err(ApiError::new("bad-param")),
        };
        match parsed {
            Ok(r) => good.push(r),
            Err(e) => {
                let mut v = json!({ "index": i, "error": e.code });
                if let Some(f) = e.field {
                    v["field"] = Value::from(f);
                }
                errors.push(v);
            }
        }
    }
    // Immediate: take the write lock up front so no UPDATE in the batch
    // waits on the click writer halfway through.
    let tx = call
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut clicks = 0;
    for r in &good {
        // A second reader would not see the prices of the elements
        // before this one: one reader.
        clicks += r.apply(&tx, None)?;
    }
    tx.commit()?;
    Ok(json!({ "ok": good.len(), "bad": errors.len(), "clicks": clicks, "errors": errors }))
}

/// The `batch` array: JSON, or a JSON text in a form field. An empty one
/// has nothing to price (`empty`).
fn batch(p: &Params) -> ApiResult<Option<Vec<Value>>> {
    let list = match p.raw("batch") {
        None => return Ok(None),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => a,
            _ => return Err(ApiError::field("bad-param", "batch")),
        },
        Some(_) => return Err(ApiError::field("bad-param", "batch")),
    };
    if list.is_empty() {
        return Err(ApiError::new("empty"));
    }
    if list.len() > MAX_BATCH {
        return Err(ApiError::field("bad-param", "batch"));
    }
    Ok(Some(list))
}
