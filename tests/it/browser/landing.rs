//! The two-step funnel in headless Chromium (tests/browser/landing.mjs):
//! a landing page served here links to the offers with `{lpclick}`; the
//! browser follows flow → landing page → offer 1, comes back by the
//! cookie link (counted once) and takes the page's second link to offer
//! 2. Then the click log and stats show one click with one landing
//! click: LP CTR 100.
use super::{chromium, prepare, run_script};
use crate::common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The landing page: its links take the tracker's `{lpclick}` (the
/// first offer), the same plus `/2`, and `/lp` alone (the cookie's).
const LANDING: &str = r#"<!doctype html><html><head><title>Landing</title></head><body>
<h1>Landing</h1>
<a id="one">Offer one</a> <a id="two">Offer two</a> <a id="cookie">Via the cookie</a>
<script>
const go = new URLSearchParams(location.search).get('go');
document.getElementById('one').href = go;
document.getElementById('two').href = go + '/2';
document.getElementById('cookie').href = new URL(go).origin + '/lp';
</script></body></html>"#;

/// Serves the landing page and the two offers until dropped.
struct Pages {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Pages {
    fn start() -> Pages {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let done = stop.clone();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut buf = [0u8; 8192];
                        let n = s.read(&mut buf).unwrap_or(0);
                        let head = String::from_utf8_lossy(&buf[..n]);
                        let path = head.split(' ').nth(1).unwrap_or("/");
                        let (status, body) = if path.starts_with("/landing") {
                            ("200 OK", LANDING.to_string())
                        } else if let Some(n) = ["/offer1", "/offer2"]
                            .iter()
                            .position(|p| path.starts_with(p))
                        {
                            let n = n + 1;
                            (
                                "200 OK",
                                format!(
                                    "<!doctype html><title>Offer {n}</title><h1>Offer {n}</h1>"
                                ),
                            )
                        } else {
                            ("404 Not Found", "not found".to_string())
                        };
                        let _ = write!(
                            s,
                            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Pages { port, stop }
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_browser_goes_from_the_landing_page_to_each_offer_counted_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/browser");
    prepare(&dir);
    let pages = Pages::start();
    let app = spawn_app();
    let base = format!("http://127.0.0.1:{}", pages.port);
    let site = |body: serde_json::Value| {
        let r = app.api_json("site", &body);
        assert_eq!(r["status"], "ok", "{r}");
        r["site"].as_i64().unwrap()
    };
    let lp = site(json!({"kind": "landing", "url": format!("{base}/landing?go={{lpclick}}")}));
    let o1 = site(json!({"url": format!("{base}/offer1?c={{click}}")}));
    let o2 = site(json!({"url": format!("{base}/offer2?c={{click}}")}));
    // Headless Chromium says so in its User-Agent: bots are let through.
    let r = app.api_json(
        "flow",
        &json!({"flow": "funnel", "bots": 0, "ways": [{"site": lp, "offers": [{"site": o1}, {"site": o2, "weight": 0}]}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");

    let args: Vec<String> = [
        "--flow",
        &format!("http://127.0.0.1:{}/funnel", app.port),
        "--chromium",
        chromium().unwrap().to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (ok, output) = run_script(&dir, "landing.mjs", &args);
    println!("{output}");
    assert!(ok, "the landing page test failed (output above)");
    let click = output
        .lines()
        .find_map(|l| l.strip_prefix("CLICK "))
        .expect("the script names the click")
        .trim();

    let log = app.api("clicks", "");
    let clicks = log["clicks"].as_array().unwrap();
    assert_eq!(clicks.len(), 1, "one click: {log}");
    let c = &clicks[0];
    assert_eq!(c["click"], click, "{c}");
    assert_eq!(
        (c["site"].as_i64(), c["landing"].as_i64()),
        (Some(lp), Some(lp)),
        "{c}"
    );
    // The first landing click counted: offer 1; the later ones did not.
    assert_eq!(c["offer"].as_i64(), Some(o1), "{c}");
    assert!(c["lpclick"].as_i64().unwrap() > 0, "{c}");
    let stats = app.api("stats", "from=2000-01-01&to=2100-01-01&item=flow");
    let total = &stats["total"];
    assert_eq!(total["click"], 1, "{stats}");
    assert_eq!(total["lpclick"], 1, "{stats}");
    assert_eq!(total["lpctr"], 100.0, "{stats}");
}
