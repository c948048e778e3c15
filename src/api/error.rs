//! The one error type of the API and its envelope (SPEC 3): HTTP 200 with
//! `{"status":"error","error":CODE}` plus `field` naming the bad parameter.
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub field: Option<String>,
}

pub type ApiResult<T = Value> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: &'static str) -> Self {
        ApiError { code, field: None }
    }
    pub fn field(code: &'static str, field: impl Into<String>) -> Self {
        ApiError {
            code,
            field: Some(field.into()),
        }
    }
    pub fn access() -> Self {
        Self::new("access")
    }
    pub fn db() -> Self {
        Self::new("db")
    }
    pub fn to_json(&self) -> Value {
        match &self.field {
            Some(f) => json!({"status": "error", "error": self.code, "field": f}),
            None => json!({"status": "error", "error": self.code}),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        // A report stopped at its time budget (src/db/budget.rs) is no
        // database failure.
        if crate::db::budget::is_timeout(&e) {
            return ApiError::new("timeout");
        }
        tracing::error!(error = %e, "database error");
        ApiError::db()
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::error!(error = %e, "database pool error");
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
