//! The Postbacks page and the source editor's postback template in
//! headless Chromium (tests/browser/postbacks.mjs). Two sources tell a
//! server run here about approved leads: "Good net" is answered 200
//! (sent), "Bad net" 400 (failed at once). The page lists both and the
//! incoming calls (two leads, two refused calls); its Retry button puts
//! the failed one back to pending, and the server, now holding its
//! answer, sees it sent again. The source editor previews the template
//! for a lead and saves it.
use super::{chromium, prepare, run_script};
use crate::common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The sources' postback server: `/ok` answers 200, `/bad` 400, or, once
/// `hold` is set, keeps the connection open without an answer until the
/// server is dropped (so a retried send stays pending while the page is
/// looked at). Counts the requests to `/bad`.
struct Receiver {
    port: u16,
    stop: Arc<AtomicBool>,
    hold: Arc<AtomicBool>,
    bad_hits: Arc<AtomicUsize>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let hold = Arc::new(AtomicBool::new(false));
        let bad_hits = Arc::new(AtomicUsize::new(0));
        let (done, held, hits) = (stop.clone(), hold.clone(), bad_hits.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let Ok((mut s, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let (done, held, hits) = (done.clone(), held.clone(), hits.clone());
                std::thread::spawn(move || {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut buf = [0u8; 8192];
                    let n = s.read(&mut buf).unwrap_or(0);
                    let head = String::from_utf8_lossy(&buf[..n]);
                    let path = head.split(' ').nth(1).unwrap_or("/");
                    let (status, body) = if path.starts_with("/ok") {
                        ("200 OK", "OK thanks")
                    } else if path.starts_with("/bad") {
                        hits.fetch_add(1, Ordering::SeqCst);
                        while held.load(Ordering::SeqCst) && !done.load(Ordering::Relaxed) {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        ("400 Bad Request", "unknown click")
                    } else {
                        ("404 Not Found", "not found")
                    };
                    let _ = write!(
                        s,
                        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Receiver {
            port,
            stop,
            hold,
            bad_hits,
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Waits (up to 60 s) until `ok` holds of postbacks-out.json's list.
fn wait_out(app: &TestApp, what: &str, ok: impl Fn(&[serde_json::Value]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = app.api("postbacks-out", "");
        if ok(r["postbacks"].as_array().unwrap_or(&Vec::new())) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {r}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A source telling the receiver's `path` about approved leads, a flow
/// with it, a click on that flow carrying the source's click id `adid`
/// and an approved lead of 10 USD; returns (source, lead).
fn source_with_lead(app: &TestApp, name: &str, url: &str, flow: &str, adid: &str) -> (i64, i64) {
    let r = app.api_json(
        "source",
        &json!({"name": name, "click_param": "cid", "currency": "usd",
            "postback_url": url, "postback_stages": ["approve"],
            "postback_words": {"approve": "sale"}}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let source = r["source"].as_i64().unwrap();
    let r = app.api_json(
        "flow",
        &json!({"flow": flow, "source": source, "ways": [{"url": "https://offer.example/?c={click}"}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let resp = app.click(&format!("/{flow}?cid={adid}"), &[]);
    assert_eq!(resp.status, 302, "{}", resp.text());
    let loc = resp.header("Location").unwrap().to_string();
    let click = loc.split("c=").nth(1).expect("click id in the offer URL");
    let r = app.api(
        "postback",
        &format!("click={click}&status=approve&price=10&currency=usd"),
    );
    assert_eq!(r["status"], "ok", "{r}");
    (source, r["id"].as_i64().unwrap())
}

#[test]
fn the_postbacks_page_lists_and_retries_and_the_source_editor_previews() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/browser");
    prepare(&dir);
    let rx = Receiver::start();
    let app = spawn_app();
    let base = format!("http://127.0.0.1:{}", rx.port);
    let (good_source, good_lead) = source_with_lead(
        &app,
        "Good net",
        &format!("{base}/ok?cid={{clickid}}&token=s3cret&status={{status}}"),
        "pb-good",
        "good-1",
    );
    let (bad_source, bad_lead) = source_with_lead(
        &app,
        "Bad net",
        &format!("{base}/bad?cid={{clickid}}"),
        "pb-bad",
        "bad-1",
    );
    // Two refused calls for the incoming log.
    let r = app.api("postback", "click=AAAAAAAAAAAAAAAAAAAAAA&status=approve");
    assert_eq!(r["status"], "error", "{r}");
    let r = app.api("postback", "status=approve");
    assert_eq!(r["error"], "no-click", "{r}");

    let state = |lead: i64, rows: &[serde_json::Value]| {
        rows.iter()
            .find(|p| p["lead"] == lead)
            .and_then(|p| p["state"].as_str().map(str::to_string))
    };
    wait_out(&app, "one sent, one failed", |rows| {
        state(good_lead, rows).as_deref() == Some("sent")
            && state(bad_lead, rows).as_deref() == Some("failed")
    });
    assert_eq!(
        rx.bad_hits.load(Ordering::SeqCst),
        1,
        "a 400 is not retried"
    );
    rx.hold.store(true, Ordering::SeqCst);

    let shots = std::env::var_os("FLOWTRACK_SHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target/browser-shots"))
        .join("postbacks");
    let args: Vec<String> = [
        ("--url", format!("http://127.0.0.1:{}", app.port)),
        ("--token", app.token.clone()),
        ("--shots", shots.to_str().unwrap().to_string()),
        (
            "--chromium",
            chromium().unwrap().to_str().unwrap().to_string(),
        ),
        ("--good-source", good_source.to_string()),
        ("--bad-source", bad_source.to_string()),
        ("--good-lead", good_lead.to_string()),
        ("--bad-lead", bad_lead.to_string()),
        ("--good-adid", "good-1".to_string()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_string(), v])
    .collect();
    let (ok, output) = run_script(&dir, "postbacks.mjs", &args);
    println!("{output}");
    assert!(
        ok,
        "the postbacks browser test failed (output above; screenshots in {})",
        shots.display()
    );

    // The retry clicked in the browser queued the failed postback again:
    // the server sees it a second time (and holds its answer).
    let deadline = Instant::now() + Duration::from_secs(60);
    while rx.bad_hits.load(Ordering::SeqCst) < 2 {
        assert!(
            Instant::now() < deadline,
            "the retried postback was not sent again"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = app.api("postbacks-out", &format!("lead={bad_lead}"));
    assert_eq!(r["postbacks"][0]["state"], "pending", "{r}");
    // Answered now, so no sender waits on it while the app stops.
    rx.hold.store(false, Ordering::SeqCst);
}
