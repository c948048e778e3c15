//! The one error type of the API and its envelope (docs/API.md): HTTP 200 with
//! `{"status":"error","error":CODE}` plus `field` naming the bad parameter.
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub field: Option<String>,
    /// `slow-down`: seconds after which a new try is not refused.
    pub retry_after: Option<u64>,
    /// The values the parameter may take, where a list helps more than a
    /// code (an unknown stats item answers the valid ones).
    pub valid: Option<&'static [&'static str]>,
}

pub type ApiResult<T = Value> = Result<T, ApiError>;

/// Every code an answer can carry, each documented in docs/API.md "Error
/// codes". tests/api_doc.rs checks this list against the codes the
/// source passes to `ApiError` (and to the `Params` checks that make one)
/// and against the document, so a new code cannot go undocumented.
pub const ERROR_CODES: &[&str] = &[
    "access",
    "no-function",
    "bad-json",
    "bad-param",
    "bad-body",
    "too-large",
    "db",
    "busy",
    "timeout",
    "no-click",
    "bad-click",
    "bad-flow",
    "no-changes",
    "bad-status",
    "bad-price",
    "bad-currency",
    "bad-goal",
    "empty",
    "no-from",
    "no-to",
    "no-item",
    "bad-date",
    "bad-url",
    "bad-site",
    "bad-way",
    "bad-weight",
    "bad-geo",
    "bad-device",
    "bad-method",
    "bad-unique",
    "bad-ip",
    "too-many",
    "bad-timezone",
    "bad-password",
    "no-user",
    "no-password",
    "slow-down",
];

impl ApiError {
    pub fn new(code: &'static str) -> Self {
        ApiError {
            code,
            field: None,
            retry_after: None,
            valid: None,
        }
    }
    pub fn field(code: &'static str, field: impl Into<String>) -> Self {
        ApiError {
            code,
            field: Some(field.into()),
            retry_after: None,
            valid: None,
        }
    }
    /// Refused for throttling (src/accounts/throttle.rs), never `access`.
    pub fn slow_down(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new("slow-down")
        }
    }
    /// `code` for `field`, with the values it may take.
    pub fn one_of(code: &'static str, field: &str, valid: &'static [&'static str]) -> Self {
        ApiError {
            valid: Some(valid),
            ..Self::field(code, field)
        }
    }
    pub fn access() -> Self {
        Self::new("access")
    }
    pub fn db() -> Self {
        Self::new("db")
    }
    pub fn to_json(&self) -> Value {
        let mut v = match &self.field {
            Some(f) => json!({"status": "error", "error": self.code, "field": f}),
            None => json!({"status": "error", "error": self.code}),
        };
        if let Some(secs) = self.retry_after {
            v["retry_after"] = secs.into();
        }
        if let Some(valid) = self.valid {
            v["valid"] = valid.into();
        }
        v
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        // A report stopped at its time budget (src/db/budget.rs) is no
        // database failure.
        if crate::db::budget::is_timeout(&e) {
            return ApiError::new("timeout");
        }
        tracing::error!(error = %crate::db::log_text(&e), "database error");
        ApiError::db()
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::error!(error = %crate::db::log_cut(&e), "database pool error");
        ApiError::db()
    }
}

/// Wraps a successful answer's fields into `{"status":"ok",...}`.
pub fn ok(mut fields: Value) -> Value {
    if let Value::Object(map) = &mut fields {
        let mut out = serde_json::Map::with_capacity(map.len() + 1);
        out.insert("status".into(), Value::from("ok"));
        out.append(map);
        Value::Object(out)
    } else {
        json!({"status": "ok"})
    }
}
