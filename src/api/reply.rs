//! Rendering an API answer (the JSON envelope of docs/API.md, or CSV with format=csv).
use super::csv;
use super::error::{self, ApiResult};
use actix_web::http::header;
use actix_web::HttpResponse;
use jiff::tz::TimeZone;
use serde_json::Value;

/// An answer as text, rendered on the blocking thread that found it: a
/// page of 10,000 clicks is megabytes of JSON, which written on an async
/// worker would hold up every request of that worker, clicks included.
pub(super) enum Rendered {
    Json(String),
    /// The key its rows are under, and the text.
    Csv(&'static str, String),
}

fn json_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{\"status\":\"error\",\"error\":\"db\"}".into())
}

/// The envelope of `result`, or its rows as CSV when `csv` names them
/// (and the caller's timezone, for times).
pub(super) fn render(result: ApiResult, csv: Option<(super::Csv, &TimeZone)>) -> Rendered {
    match result {
        Ok(v) => match csv {
            Some((c, tz)) => Rendered::Csv(c.key, csv::render(&v, c, tz)),
            None => Rendered::Json(json_text(&error::ok(v))),
        },
        Err(e) => Rendered::Json(json_text(&e.to_json())),
    }
}

impl Rendered {
    pub(super) fn respond(self) -> HttpResponse {
        match self {
            Rendered::Json(body) => HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .content_type("application/json")
                .body(body),
            Rendered::Csv(key, body) => csv::response(key, body),
        }
    }
}
