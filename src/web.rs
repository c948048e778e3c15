//! The dashboard's static files, embedded in the binary (README (the dashboard)), and the
//! small fixed answers of reserved paths.
use crate::state::AppState;
use actix_web::http::{header, Method};
use actix_web::{web as aweb, HttpRequest, HttpResponse, HttpResponseBuilder};

#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
struct Static;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "md" => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The dashboard is never shown in another site's frame, where a page
/// could trick a logged-in user into clicking its buttons (clickjacking):
/// `frame-ancestors` for current browsers, `X-Frame-Options` for older.
fn unframed(mut b: HttpResponseBuilder) -> HttpResponseBuilder {
    b.insert_header((header::X_FRAME_OPTIONS, "DENY"));
    b
}

pub async fn app_file(req: HttpRequest) -> HttpResponse {
    let path = req.match_info().get("path").unwrap_or("");
    let path = if path.is_empty() { "index.html" } else { path };
    match Static::get(path) {
        Some(file) => unframed(HttpResponse::Ok())
            .content_type(content_type(path))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 frame-ancestors 'none'",
            ))
            .body(file.data.into_owned()),
        None => unframed(HttpResponse::NotFound())
            .content_type("text/plain")
            .body("not found"),
    }
}

pub async fn app_redirect() -> HttpResponse {
    unframed(HttpResponse::Found())
        .insert_header((header::LOCATION, "/app/"))
        .finish()
}

/// Trackers must not be indexed.
pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body("User-agent: *\nDisallow: /\n")
}

pub async fn favicon() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// Everything the routes above did not take: a click on `GET|HEAD
/// /{flow}` (one path segment; docs/API.md "The click path"), the API envelope under /api, a 404
/// page elsewhere.
pub async fn fallback(req: HttpRequest, state: aweb::Data<AppState>) -> HttpResponse {
    if req.path().starts_with("/api/") || req.path() == "/api" {
        return crate::api::unknown().await;
    }
    if req.path() == "/" {
        return app_redirect().await;
    }
    if matches!(*req.method(), Method::GET | Method::HEAD)
        && crate::clicks::route::flow_segment(&req).is_some()
    {
        return crate::clicks::route::click(req, state).await;
    }
    HttpResponse::NotFound()
        .content_type("text/plain")
        .body("not found")
}
