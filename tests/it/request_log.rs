//! The server's log (README "Logs"): a start line, one line per request
//! (request id, method, path with credentials masked, status, latency,
//! the caller's user id) at the level RUST_LOG allows, and a stop line
//! with the clicks written at shutdown and the time the stop took.
use crate::common::server::Server;
use crate::common::{http, known_token, CHROME_UA};
use serde_json::json;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// The value of `name=` in a log line (up to the next space or `}`).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=");
    let at = line
        .match_indices(&key)
        .find(|(i, _)| *i == 0 || line[..*i].ends_with([' ', '{']))?
        .0;
    let rest = &line[at + key.len()..];
    Some(rest.split([' ', '}']).next().unwrap_or(rest))
}

/// Runs the real binary on a new database under `rust_log`: `calls`
/// gets the port and the database; then SIGTERM. Answers stderr.
fn logged(rust_log: &str, calls: impl FnOnce(u16, &Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let log = dir.path().join("stderr.txt");
    let stderr = Stdio::from(std::fs::File::create(&log).unwrap());
    let mut server = Server::start_with(&db, &[("RUST_LOG", rust_log)], stderr);
    calls(server.port, &db);
    server.signal("TERM");
    let status = server.wait(Duration::from_secs(30)).expect("stopped");
    assert!(status.success());
    std::fs::read_to_string(&log).unwrap()
}

fn admin_id(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT id FROM users WHERE name = 'admin'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// A flow `logged` of the admin, and the admin's token.
fn flow(port: u16, db: &Path) -> String {
    let token = known_token(db, "admin").expect("admin");
    let body = json!({"flow": "logged", "ways": [{"url": "https://offer.test/"}]});
    let r = http(
        port,
        "POST",
        &format!("/api/tracker/flow.json?id={token}"),
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(r.json()["status"], "ok", "{:?}", r.json());
    token
}

/// The request lines: those with a `method` field.
fn requests(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| field(l, "method").is_some())
        .collect()
}

#[test]
fn requests_are_logged_at_info_with_id_status_latency_and_user_never_the_token() {
    let long = "s".repeat(5_000);
    let mut admin = 0;
    let mut token = String::new();
    let text = logged("info", |port, db| {
        token = flow(port, db);
        admin = admin_id(db);
        let get = |path: &str| http(port, "GET", path, &[], b"").unwrap();
        let r = get(&format!("/api/tracker/flows.json?id={token}&x=1"));
        assert_eq!(r.json()["status"], "ok");
        let r = get("/api/tracker/sites.json?id=SECRETWRONG");
        assert_eq!(r.json()["error"], "access");
        let r = get(&format!("/api/tracker/goals.json?x=2&%69d={token}"));
        assert_eq!(r.json()["status"], "ok");
        let click = format!("/logged?subid={long}");
        let r = http(port, "GET", &click, &[("User-Agent", CHROME_UA)], b"").unwrap();
        assert_eq!(r.status, 302);
    });
    assert!(!text.contains(&token), "the token in the log:\n{text}");
    assert!(
        !text.contains("SECRETWRONG"),
        "a credential in the log:\n{text}"
    );
    assert!(!text.contains('\u{1b}'), "colour codes in a file:\n{text}");
    let start = text
        .lines()
        .find(|l| l.contains("flowtrack listening"))
        .unwrap_or_else(|| panic!("no start line:\n{text}"));
    assert!(
        field(start, "db").is_some_and(|d| d.ends_with("log.db"))
            && field(start, "version") == Some(env!("CARGO_PKG_VERSION"))
            && start.contains("127.0.0.1:")
            && field(start, "last_click") == Some("none"),
        "{start}"
    );
    let lines = requests(&text);
    // Clicks and /health are below info; the flow.json call is the first.
    assert_eq!(lines.len(), 4, "{text}");
    let by_path = |p: &str| {
        *lines
            .iter()
            .find(|l| field(l, "path").is_some_and(|v| v.starts_with(p)))
            .unwrap_or_else(|| panic!("no line for {p}:\n{text}"))
    };
    let flows = by_path("/api/tracker/flows.json");
    assert_eq!(
        field(flows, "path"),
        Some("/api/tracker/flows.json?id=***&x=1")
    );
    assert_eq!(field(flows, "method"), Some("GET"));
    assert_eq!(field(flows, "status"), Some("200"));
    assert_eq!(field(flows, "user"), Some(admin.to_string().as_str()));
    assert!(flows.contains(" INFO "), "{flows}");
    let ms: f64 = field(flows, "ms").unwrap().parse().unwrap();
    assert!(ms >= 0.0, "{flows}");
    let sites = by_path("/api/tracker/sites.json");
    assert_eq!(field(sites, "path"), Some("/api/tracker/sites.json?id=***"));
    assert_eq!(field(sites, "user"), None, "{sites}");
    let goals = by_path("/api/tracker/goals.json");
    assert_eq!(
        field(goals, "path"),
        Some("/api/tracker/goals.json?x=2&%69d=***")
    );
    let mut ids: Vec<u64> = lines
        .iter()
        .map(|l| field(l, "id").unwrap().parse().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), lines.len(), "request ids repeat:\n{text}");
    let stopped = text
        .lines()
        .find(|l| l.contains("flowtrack stopped"))
        .unwrap_or_else(|| panic!("no stop line:\n{text}"));
    let drained: u64 = field(stopped, "clicks_drained").unwrap().parse().unwrap();
    assert!(drained <= 1, "{stopped}");
    let _: u64 = field(stopped, "ms").unwrap().parse().unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("flowtrack stopping") && field(l, "signal") == Some("\"SIGTERM\"")),
        "{text}"
    );
}

#[test]
fn rust_log_debug_adds_clicks_and_health_with_a_cut_path() {
    let long = "s".repeat(5_000);
    let text = logged("debug", |port, db| {
        flow(port, db);
        let click = format!("/logged?subid={long}");
        let r = http(port, "GET", &click, &[("User-Agent", CHROME_UA)], b"").unwrap();
        assert_eq!(r.status, 302);
    });
    let lines = requests(&text);
    let click = lines
        .iter()
        .find(|l| field(l, "path").is_some_and(|p| p.starts_with("/logged?subid=sss")))
        .unwrap_or_else(|| panic!("no click line:\n{text}"));
    assert_eq!(field(click, "status"), Some("302"), "{click}");
    assert!(click.contains("DEBUG"), "{click}");
    assert!(field(click, "path").unwrap().len() <= 203, "{click}");
    assert!(
        lines.iter().any(|l| field(l, "path") == Some("/health")),
        "{text}"
    );
    for line in text.lines() {
        assert!(line.len() <= 400, "a log line of {} bytes", line.len());
    }
    // And warn leaves out requests, the start and the stop.
    let quiet = logged("warn", |port, db| {
        flow(port, db);
    });
    assert!(requests(&quiet).is_empty(), "{quiet}");
    assert!(!quiet.contains("flowtrack listening"), "{quiet}");
}
