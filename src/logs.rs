//! The server's log lines (README "Logs"). One per request: method,
//! path, status, latency and, for an API call with a credential, the user
//! id, in a `request` span that carries a request id, so the other lines
//! logged while the request is handled (an API call's database error, a
//! report's time-out) carry the same id.
//!
//! API calls are logged at `info`; clicks and every other path (the
//! dashboard's files, /health) at `debug`: a line per click cost the click
//! path about a quarter of its rate (README "Logs"), and a tracker's log
//! of clicks is its click table. A disabled level costs a request one
//! cached filter check.
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::Error;
use futures_util::future::Either;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::Instant;
use tracing::field::Empty;
use tracing::{Instrument, Span};

/// Request ids: a count from the process's start.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Query parameters whose values are never logged: credentials (`id` is
/// the API token, session or postback key; README "Credentials").
fn secret(name: &str) -> bool {
    let name = name.split('[').next().unwrap_or("").to_ascii_lowercase();
    name == "id"
        || ["password", "token", "key"]
            .iter()
            .any(|s| name.contains(s))
}

/// `path?query` as logged: the values of credential parameters replaced
/// by `***`, the whole cut to the length of a log field (a click's query
/// can be long and holds the visitor's data).
pub fn logged_path(path: &str, query: &str) -> String {
    let mut out = String::with_capacity(path.len() + query.len() + 1);
    out.push_str(path);
    for (i, pair) in query.split('&').enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        out.push_str(key);
        if pair.contains('=') {
            out.push('=');
        }
        // A key that does not decode is masked too: the API may read it
        // as `id` (src/api/params.rs decodes keys).
        let masked = form_urlencoded::parse(key.as_bytes())
            .next()
            .is_none_or(|(name, _)| secret(&name) || name.contains('\u{fffd}'));
        if masked && !value.is_empty() {
            out.push_str("***");
        } else {
            out.push_str(value);
        }
    }
    if query.is_empty() {
        out.truncate(path.len());
    }
    crate::db::log_cut(out)
}

/// The middleware (`App::wrap_fn`): wraps the request in its span and
/// logs its line when the response is ready.
pub fn log<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    let api = req.path().starts_with("/api/");
    let span = if api {
        tracing::info_span!("request", id = Empty, user = Empty)
    } else {
        tracing::debug_span!("request", id = Empty, user = Empty)
    };
    if span.is_disabled() {
        return Either::Left(srv.call(req));
    }
    span.record("id", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let started = Instant::now();
    let method = req.method().clone();
    let path = logged_path(req.path(), req.query_string());
    let answer = srv.call(req);
    Either::Right(
        async move {
            let result = answer.await;
            let status = match &result {
                Ok(r) => r.status().as_u16(),
                Err(e) => e.as_response_error().status_code().as_u16(),
            };
            let ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
            macro_rules! line {
                ($level:ident) => {
                    tracing::$level!(method = %method, path = %path, status, ms)
                };
            }
            if api {
                line!(info);
            } else {
                line!(debug);
            }
            result
        }
        .instrument(span),
    )
}

/// Records the user of the request `span` (the API call's credential).
pub fn record_user(span: &Span, user: crate::ids::UserId) {
    span.record("user", user.0);
}

/// The moment the process was asked to stop, for the stop line's time.
pub struct StopWatch {
    at: Arc<OnceLock<Instant>>,
    task: Option<actix_web::rt::task::JoinHandle<()>>,
}

/// Watches for the signals actix-web's server stops on (SIGTERM, SIGINT,
/// SIGQUIT), beside it, and logs the one that came. Call it inside the
/// server's runtime.
pub fn watch_stop() -> StopWatch {
    let at = Arc::new(OnceLock::new());
    #[cfg(unix)]
    let task = {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        let seen = at.clone();
        let kinds = [
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::quit(), "SIGQUIT"),
        ];
        let mut streams: Vec<_> = kinds
            .into_iter()
            .filter_map(|(kind, name)| signal(kind).ok().map(|s| (s, name)))
            .collect();
        Some(actix_web::rt::spawn(async move {
            let name = std::future::poll_fn(|cx| {
                for (stream, name) in streams.iter_mut() {
                    if stream.poll_recv(cx).is_ready() {
                        return Poll::Ready(*name);
                    }
                }
                Poll::Pending
            })
            .await;
            let _ = seen.set(Instant::now());
            tracing::info!(signal = name, "flowtrack stopping");
        }))
    };
    #[cfg(not(unix))]
    let task = None;
    StopWatch { at, task }
}

impl StopWatch {
    /// When the stop signal came; now if none did (the server was
    /// stopped through its handle).
    pub fn since(self) -> Instant {
        if let Some(task) = self.task {
            task.abort();
        }
        self.at.get().copied().unwrap_or_else(Instant::now)
    }
}

#[cfg(test)]
mod tests {
    use super::logged_path;

    #[test]
    fn credentials_are_masked_and_long_paths_cut() {
        assert_eq!(
            logged_path("/api/tracker/stats.json", "id=SECRET&item=flow"),
            "/api/tracker/stats.json?id=***&item=flow"
        );
        for q in [
            "ID=SECRET",
            "%69d=SECRET",
            "id[]=SECRET",
            "password=SECRET",
            "current_password=SECRET",
            "%FF=SECRET",
        ] {
            let p = logged_path("/api/tracker/profile.json", q);
            assert!(!p.contains("SECRET"), "{q}: {p}");
        }
        assert_eq!(logged_path("/flow", "subid=s1&uid="), "/flow?subid=s1&uid=");
        assert_eq!(logged_path("/flow", ""), "/flow");
        let long = logged_path("/flow", &format!("subid={}", "x".repeat(5000)));
        assert!(
            long.len() <= 203 && long.starts_with("/flow?subid=xx"),
            "{long}"
        );
    }
}
