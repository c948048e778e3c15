//! One outgoing call (docs/API.md "Outbound postbacks"): made with a
//! small blocking client (ureq, rustls for HTTPS) on the sender's own
//! threads, so a slow receiver holds one of those threads for at most
//! the timeout and nothing else; no async runtime of its own is shared
//! with the click path.
use super::outbox::{Call, Outcome};
use std::io::Read;
use std::time::{Duration, Instant};

/// Bytes of an answer kept in the log, and the characters shown.
const EXCERPT_BYTES: u64 = 1024;
const EXCERPT_CHARS: usize = 200;

/// The client every sender thread shares: its idle connections are
/// reused, so a busy receiver is not handed a TLS handshake per event.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        // A redirect is not followed: a postback URL that moved is a
        // mistake the log should show, and a 3xx counts as failed.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("flowtrack/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Whether an answer with this status is worth another try.
fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// Makes `call` with header `Idempotency-Key: key`.
pub fn send(agent: &ureq::Agent, call: &Call, key: &str) -> Outcome {
    let started = Instant::now();
    let result = if call.method == "post" {
        agent
            .post(&call.url)
            .header("Idempotency-Key", key)
            .header("Content-Type", &call.ctype)
            .send(call.body.as_bytes())
    } else {
        agent.get(&call.url).header("Idempotency-Key", key).call()
    };
    let (http, response, error, retry) = match result {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let mut bytes = Vec::new();
            // What arrived before a read failed is still worth showing.
            let _ = resp
                .body_mut()
                .as_reader()
                .take(EXCERPT_BYTES)
                .read_to_end(&mut bytes);
            let text: String = String::from_utf8_lossy(&bytes)
                .chars()
                .take(EXCERPT_CHARS)
                .collect();
            let ok = (200..300).contains(&status);
            let error = if ok {
                String::new()
            } else {
                format!("HTTP {status}")
            };
            (status as i64, text, error, !ok && retryable(status))
        }
        Err(e) => {
            let error = match &e {
                ureq::Error::Timeout(_) => "timeout".to_string(),
                other => crate::text::cut(&other.to_string(), EXCERPT_CHARS),
            };
            // A URL that cannot be called never will be; anything else
            // (no connection, a reset, a timeout) may pass later.
            let fatal = matches!(
                e,
                ureq::Error::BadUri(_) | ureq::Error::RequireHttpsOnly(_) | ureq::Error::Http(_)
            );
            (0, String::new(), error, !fatal)
        }
    };
    Outcome {
        http,
        latency_ms: started.elapsed().as_millis() as i64,
        response,
        error,
        retry,
    }
}
