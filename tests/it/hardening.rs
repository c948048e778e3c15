//! Small hardening (docs/ARCHITECTURE.md Storage, docs/API.md Error codes, README): private
//! database files, a dashboard that no page can frame, list filters
//! bounded below SQLite's parameter limit, logs that never carry SQL or
//! whole inputs, CSV cells safe for `;`-separated spreadsheets.
use crate::common;
use crate::common::alone;
use crate::common::*;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn with_suffix(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

#[test]
fn database_wal_shm_and_backup_files_are_private() {
    // The usual umask, whatever the test runner has: only the program's
    // own care may make the files private. The umask is the whole
    // process's, so the test sets it in a process of its own.
    if !alone::in_own_process() {
        return alone::run(concat!(
            module_path!(),
            "::database_wal_shm_and_backup_files_are_private"
        ));
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: umask only sets the process's file creation mask.
    unsafe {
        libc::umask(0o022);
    }
    let app = spawn_app();
    app.flow_with_urls("fm", &["https://t.test/"]);
    assert_eq!(app.click("/fm", &[]).status, 302);
    assert_eq!(app.api("clicks", "")["clicks"].as_array().unwrap().len(), 1);
    for suffix in ["", "-wal", "-shm"] {
        let file = with_suffix(&app.db, suffix);
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(&app.db)
        .arg("backup")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&copy), 0o600);
}

#[test]
fn the_dashboard_cannot_be_framed() {
    let app = spawn_app();
    for path in ["/app/", "/app/app.js", "/app", "/"] {
        let r = app.get(path);
        assert!(r.status == 200 || r.status == 302, "{path}: {}", r.status);
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        if r.status == 200 {
            let csp = r.header("content-security-policy").unwrap_or("");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        }
    }
}

/// A list filter longer than SQLite's 32,766 bound parameters.
fn flows(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("f{i}")).collect()
}

/// The four list-filtered endpoints, each with what else it needs.
fn list_calls(list: &[String]) -> Vec<(&'static str, Value)> {
    vec![
        (
            "stats",
            json!({"from": "2024-01-01", "to": "2024-01-31", "item": "flow", "flow": list}),
        ),
        ("leads", json!({"flow": list})),
        ("clicks", json!({"flow": list})),
        // A spend's flows must exist (bad-flow): its list is subids.
        ("spend", json!({"cost": 1, "subid": list})),
    ]
}

#[test]
fn a_list_filter_past_the_bound_is_bad_param_and_one_at_it_is_answered() {
    let app = spawn_app();
    app.flow_with_urls("f1", &["https://t.test/"]);
    assert_eq!(app.click("/f1", &[]).status, 302);
    for (func, body) in list_calls(&flows(32_767)) {
        let r = app.api_json(func, &body);
        let field = if func == "spend" { "subid" } else { "flow" };
        assert_eq!(
            r,
            json!({"status": "error", "error": "bad-param", "field": field}),
            "{func}"
        );
    }
    // The largest list docs/API.md allows is answered.
    for (func, body) in list_calls(&flows(32_000)) {
        let r = app.api_json(func, &body);
        assert_eq!(r["status"], "ok", "{func}: {r}");
    }
    // Several lists count together.
    let mut body = json!({"flow": flows(20_000), "subid": flows(20_000)});
    let r = app.api_json("clicks", &body);
    assert_eq!(r["error"], "bad-param", "{r}");
    body["subid"] = json!(flows(100));
    assert_eq!(app.api_json("clicks", &body)["status"], "ok");
    // leads.json binds each click id twice.
    let ids: Vec<String> = (0..20_000)
        .map(|_| "AAAAAAAAAAAAAAAAAAAAAA".to_string())
        .collect();
    let r = app.api_json("leads", &json!({"click": ids}));
    assert_eq!(r["status"], "error", "{r}");
    assert_ne!(r["error"], "db", "{r}");
}

#[test]
fn log_lines_carry_no_sql_and_no_whole_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("logs.db");
    let log = dir.path().join("stderr.txt");
    let stderr = Stdio::from(std::fs::File::create(&log).unwrap());
    let mut server = common::server::Server::start_with(&db, &[("RUST_LOG", "debug")], stderr);
    let port = server.port;
    let token = common::known_token(&db, "admin").expect("admin");
    let auth = format!("Bearer {token}");
    let post = |func: &str, body: &Value| {
        let r = http(
            port,
            "POST",
            &format!("/api/tracker/{func}.json"),
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            body.to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(r.status, 200);
        r.json()
    };
    let huge = "x".repeat(100_000);
    for (func, body) in list_calls(&flows(40_000)) {
        post(func, &body);
    }
    post(
        "postback",
        &json!({"click": huge, "status": huge, "comment": huge}),
    );
    post("flow", &json!({"flow": huge, "ways": [{"url": huge}]}));
    post("login", &json!({"user": huge, "password": huge}));
    server.signal("TERM");
    let _ = server.wait(Duration::from_secs(30));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("listening"), "{text}");
    for line in text.lines() {
        assert!(
            line.len() <= 400,
            "a log line of {} bytes: {:.300}",
            line.len(),
            line
        );
        for sql in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
            assert!(!line.contains(sql), "SQL in the log: {line:.300}");
        }
    }
}

#[test]
fn csv_cells_with_a_semicolon_are_quoted() {
    let app = spawn_app();
    app.flow_with_urls("semi", &["https://t.test/"]);
    assert_eq!(
        app.click("/semi?utm_source=a%3Bb&subid=plain", &[]).status,
        302
    );
    let r = app.get(&format!(
        "/api/tracker/clicks.json?id={}&format=csv",
        app.token
    ));
    let text = r.text();
    assert!(text.contains(",\"a;b\","), "{text}");
    assert!(text.contains(",plain,"), "{text}");
}
