//! spend.json (reference "Spend import", docs/API.md): sets the price of the
//! user's clicks that match the conditions, so stats.json can show spend,
//! profit and ROI.
//!
//! One request answers `ok: 1, bad: 0` or the error envelope. `{"batch":
//! [...]}` runs every element as its own request, all written as one:
//! elements that fail validation are counted in `bad` (and listed in
//! `errors` with their index) while the others are applied, in their
//! order. Both forms also answer `clicks`, how many clicks got a price.
//!
//! Every element is checked and resolved to its clicks on a pooled
//! reader (src/store/reprice/mod.rs); the writer then writes them in slices
//! between batches of clicks and answers once the last slice is
//! committed (src/spend/task.rs).
pub mod request;
pub mod task;

use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::api::Call;
use crate::db::writer::Sliced;
use crate::store::reprice;
use request::{Price, SpendRequest};
use serde_json::{json, Value};
use task::{Piece, SpendTask};

/// Most elements in one batch; a bigger import is split by the client.
const MAX_BATCH: usize = 10_000;

pub fn prepare(call: &mut Call) -> ApiResult<Sliced> {
    let user = call.user()?;
    let (good, errors) = match batch(&call.params)? {
        None => {
            let req = SpendRequest::parse(&call.conn, &user, &call.params)?;
            (vec![req], None)
        }
        Some(batch) => {
            let mut good = Vec::with_capacity(batch.len());
            let mut errors = Vec::new();
            for (i, item) in batch.into_iter().enumerate() {
                let parsed = match item {
                    Value::Object(m) => {
                        SpendRequest::parse(&call.conn, &user, &Params::from_map(m))
                    }
                    _ => Err(ApiError::new(ErrorCode::BadParam)),
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
            (good, Some(errors))
        }
    };
    let mut all = Vec::new();
    let mut clicks = 0;
    for r in &good {
        let shares = reprice::collect(
            &call.conn,
            &r.columns_where(),
            (r.from, r.to),
            Some(&call.state.pool),
        )?;
        let n: usize = shares.iter().map(|c| c.clicks).sum();
        clicks += n;
        let price = match r.price {
            // An equal share of the total.
            Price::Cost(total) => total / n.max(1) as f64,
            Price::Cpc(cpc) => cpc,
        };
        for cut in shares {
            all.extend(cut.pieces.into_iter().map(|ids| Piece { price, ids }));
        }
    }
    let answer = match errors {
        None => json!({ "ok": 1, "bad": 0, "clicks": clicks }),
        Some(errors) => {
            json!({ "ok": good.len(), "bad": errors.len(), "clicks": clicks, "errors": errors })
        }
    };
    if all.is_empty() {
        return Ok(Sliced::Done(answer));
    }
    let task = SpendTask::new(user.id, user.currency.clone(), all, answer);
    Ok(Sliced::Task(Box::new(task)))
}

/// The `batch` array: JSON, or a JSON text in a form field. An empty one
/// has nothing to price (`empty`).
fn batch(p: &Params) -> ApiResult<Option<Vec<Value>>> {
    let list = match p.raw("batch") {
        None => return Ok(None),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => a,
            _ => return Err(ApiError::field(ErrorCode::BadParam, "batch")),
        },
        Some(_) => return Err(ApiError::field(ErrorCode::BadParam, "batch")),
    };
    if list.is_empty() {
        return Err(ApiError::new(ErrorCode::Empty));
    }
    if list.len() > MAX_BATCH {
        return Err(ApiError::field(ErrorCode::BadParam, "batch"));
    }
    Ok(Some(list))
}
