//! The one error type of the API and its envelope (docs/API.md): HTTP 200 with
//! `{"status":"error","error":CODE}` plus `field` naming the bad parameter.
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub field: Option<String>,
    /// `slow-down`: seconds after which a new try is not refused.
    pub retry_after: Option<u64>,
    /// The values the parameter may take, where a list helps more than a
    /// code (an unknown stats item answers the valid ones).
    pub valid: Option<&'static [&'static str]>,
}

pub type ApiResult<T = Value> = Result<T, ApiError>;

/// Every code an answer can carry, each documented in docs/API.md "Error
/// codes" (tests/it/api_doc.rs checks the table against [`ErrorCode::ALL`]
/// both ways). A code is a variant, so a misspelt one does not compile.
macro_rules! error_codes {
    ($($variant:ident = $text:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as answers carry it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }
        }
    };
}

error_codes! {
    Access = "access",
    NoFunction = "no-function",
    BadJson = "bad-json",
    BadParam = "bad-param",
    BadBody = "bad-body",
    TooLarge = "too-large",
    Db = "db",
    Busy = "busy",
    Timeout = "timeout",
    NoClick = "no-click",
    BadClick = "bad-click",
    BadFlow = "bad-flow",
    NoChanges = "no-changes",
    BadStatus = "bad-status",
    BadPrice = "bad-price",
    BadCurrency = "bad-currency",
    BadGoal = "bad-goal",
    Empty = "empty",
    NoFrom = "no-from",
    NoTo = "no-to",
    NoItem = "no-item",
    BadDate = "bad-date",
    BadUrl = "bad-url",
    BadSite = "bad-site",
    BadKind = "bad-kind",
    BadOffer = "bad-offer",
    BadWay = "bad-way",
    BadWeight = "bad-weight",
    BadGeo = "bad-geo",
    BadDevice = "bad-device",
    BadMethod = "bad-method",
    BadUnique = "bad-unique",
    BadIp = "bad-ip",
    TooMany = "too-many",
    BadTimezone = "bad-timezone",
    BadPassword = "bad-password",
    NoUser = "no-user",
    NoPassword = "no-password",
    SlowDown = "slow-down",
    BadSource = "bad-source",
    BadTemplate = "bad-template",
    BadPostback = "bad-postback",
    BadState = "bad-state",
    BadLead = "bad-lead",
}

impl ErrorCode {
    /// The code whose text is `text`.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            field: None,
            retry_after: None,
            valid: None,
        }
    }
    pub fn field(code: ErrorCode, field: impl Into<String>) -> Self {
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
            ..Self::new(ErrorCode::SlowDown)
        }
    }
    /// `code` for `field`, with the values it may take.
    pub fn one_of(code: ErrorCode, field: &str, valid: &'static [&'static str]) -> Self {
        ApiError {
            valid: Some(valid),
            ..Self::field(code, field)
        }
    }
    pub fn access() -> Self {
        Self::new(ErrorCode::Access)
    }
    pub fn db() -> Self {
        Self::new(ErrorCode::Db)
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
            return ApiError::new(ErrorCode::Timeout);
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
