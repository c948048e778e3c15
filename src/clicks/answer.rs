//! How a visit is answered (docs/API.md "The click path" step 8): 302, a meta refresh page (hides
//! the referrer) or a JavaScript page; blocked visits without trafficback
//! get a plain 404 page.
use crate::snapshot::Method;
use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder};

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON string literal that is safe inside a <script> element.
fn js_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

pub fn go(mut builder: HttpResponseBuilder, method: Method, url: &str) -> HttpResponse {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    match method {
        Method::Redirect => builder
            .status(actix_web::http::StatusCode::FOUND)
            .insert_header((header::LOCATION, url))
            .finish(),
        Method::Meta => {
            let u = html_escape(url);
            builder.content_type("text/html; charset=utf-8").body(format!(
                "<!doctype html><html><head><meta name=\"referrer\" content=\"no-referrer\">\
                 <meta http-equiv=\"refresh\" content=\"0;url={u}\"><title>Redirecting</title></head>\
                 <body><a href=\"{u}\">Continue</a></body></html>"
            ))
        }
        Method::Js => {
            let j = js_string(url);
            let u = html_escape(url);
            builder.content_type("text/html; charset=utf-8").body(format!(
                "<!doctype html><html><head><meta name=\"referrer\" content=\"no-referrer\"><title>Redirecting</title>\
                 <script>location.replace({j});</script></head>\
                 <body><noscript><a href=\"{u}\">Continue</a></noscript></body></html>"
            ))
        }
    }
}

pub fn not_found(mut builder: HttpResponseBuilder) -> HttpResponse {
    builder
        .status(actix_web::http::StatusCode::NOT_FOUND)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body("<!doctype html><html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>")
}

/// A click the writer's queue had no room for (README "The click path"):
/// not stored, so no redirect; the visitor's browser or the ad network
/// may try again in a second.
pub fn busy() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::RETRY_AFTER, "1"))
        .content_type("text/plain")
        .body("busy, try again")
}
