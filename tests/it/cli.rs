//! The command line (SPEC 5): `user add/token/password` and `backup`, run
//! as the real binary on the database file of a running app.
use crate::common::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn flowtrack(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run flowtrack")
}

/// The last line of standard output of a run that must succeed.
fn last_line(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let line = stdout.lines().last().unwrap_or("").to_string();
    assert_eq!(line.trim(), line, "the secret is alone on its line");
    line
}

fn access() -> Value {
    json!({"status": "error", "error": "access"})
}

fn login(app: &TestApp, user: &str, password: &str) -> Value {
    let q = format!(
        "/api/tracker/login.json?user={user}&password={}",
        form_urlencoded::byte_serialize(password.as_bytes()).collect::<String>()
    );
    app.get(&q).json()
}

#[test]
fn user_add_prints_a_token_that_works_against_the_running_app() {
    let app = spawn_app();
    let out = flowtrack(&app.db, &["user", "add", "bob"]);
    let token = last_line(&out);
    assert!(
        token.len() >= 20 && token.chars().all(|c| c.is_ascii_alphanumeric()),
        "{token}"
    );
    let r = app.api_as(&token, "profile", "");
    assert_eq!(r["user"], "bob", "{r}");
    // Only a hash is stored: the profile cannot show it (README
    // "Credentials").
    assert_eq!(r["token"], false, "{r}");
    // bob is another user: he does not see admin's goals.
    assert_eq!(app.api("goal", "goal=admin-only")["status"], "ok");
    assert_eq!(app.api_as(&token, "goals", "")["goals"], json!([]));
    // The password it prints logs in.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("password line");
    assert_eq!(
        app.api_as(&session(&app, "bob", password), "profile", "")["user"],
        "bob"
    );
}

/// Logs in; answers the dashboard session's secret.
fn session(app: &TestApp, user: &str, password: &str) -> String {
    let r = login(app, user, password);
    assert_eq!(r["status"], "ok", "{r}");
    r["token"].as_str().unwrap().to_string()
}

#[test]
fn user_add_of_an_existing_or_invalid_name_fails() {
    let app = spawn_app();
    let bob = last_line(&flowtrack(&app.db, &["user", "add", "bob"]));
    for name in ["bob", "admin", "", "a b", "bob/../x"] {
        let out = flowtrack(&app.db, &["user", "add", name]);
        assert!(!out.status.success(), "user add {name:?}: {out:?}");
        assert!(out.stdout.is_empty(), "nothing printed as a token: {out:?}");
    }
    let users: i64 = app
        .db()
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 2);
    assert_eq!(app.api_as(&bob, "profile", "")["user"], "bob");
}

#[test]
fn user_token_rotates_the_token_at_once() {
    let app = spawn_app();
    let old = last_line(&flowtrack(&app.db, &["user", "add", "bob"]));
    assert_eq!(app.api_as(&old, "profile", "")["user"], "bob");
    let new = last_line(&flowtrack(&app.db, &["user", "token", "bob"]));
    assert_ne!(new, old);
    assert_eq!(app.api_as(&old, "profile", ""), access());
    assert_eq!(app.api_as(&new, "profile", "")["user"], "bob");
    // admin is untouched.
    assert_eq!(app.api("profile", "")["user"], "admin");
    let out = flowtrack(&app.db, &["user", "token", "nobody"]);
    assert!(!out.status.success() && out.stdout.is_empty(), "{out:?}");
}

#[test]
fn user_password_prints_a_new_password_that_logs_in() {
    let app = spawn_app();
    let token = last_line(&flowtrack(&app.db, &["user", "add", "bob"]));
    let first = last_line(&flowtrack(&app.db, &["user", "password", "bob"]));
    assert!(first.len() >= 12, "{first}");
    assert_eq!(
        app.api_as(&session(&app, "bob", &first), "profile", "")["user"],
        "bob"
    );
    let second = last_line(&flowtrack(&app.db, &["user", "password", "bob"]));
    assert_ne!(first, second);
    assert_eq!(login(&app, "bob", &first), access());
    assert_eq!(
        app.api_as(&session(&app, "bob", &second), "profile", "")["user"],
        "bob"
    );
    // The API token outlives password changes.
    assert_eq!(app.api_as(&token, "profile", "")["user"], "bob");
    let out = flowtrack(&app.db, &["user", "password", "nobody"]);
    assert!(!out.status.success() && out.stdout.is_empty(), "{out:?}");
}

#[test]
fn backup_while_the_app_takes_clicks_is_a_consistent_copy() {
    let app = spawn_app();
    app.flow_with_urls("bk-flow", &["https://example.com/"]);
    for i in 0..40 {
        assert_eq!(
            app.click(&format!("/bk-flow?subid=before{i}"), &[]).status,
            302
        );
    }
    // clicks.json waits for the writer: all 40 are committed now.
    let before = app.api("clicks", "limit=100")["clicks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, 40);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let stop = AtomicBool::new(false);
    let during = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                assert_eq!(app.click("/bk-flow?subid=during", &[]).status, 302);
                during.fetch_add(1, Ordering::Relaxed);
            }
        });
        while during.load(Ordering::Relaxed) < 10 {
            std::thread::yield_now();
        }
        let out = flowtrack(&app.db, &["backup", file.to_str().unwrap()]);
        stop.store(true, Ordering::Relaxed);
        assert!(out.status.success(), "{out:?}");
    });
    assert!(during.load(Ordering::Relaxed) >= 10);

    let copy = rusqlite::Connection::open(&file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let kept: i64 = copy
        .query_row(
            "SELECT count(*) FROM clicks WHERE flow = 'bk-flow' AND subid LIKE 'before%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 40);
    // The copy is a whole database: users (with their credentials), flows
    // and ways came along.
    let credentials = "SELECT token_hash || hex(secret) FROM users, install WHERE name = 'admin'";
    let admin: String = copy.query_row(credentials, [], |r| r.get(0)).unwrap();
    let original: String = app.db().query_row(credentials, [], |r| r.get(0)).unwrap();
    assert_eq!(admin, original);
    let ways: i64 = copy
        .query_row(
            "SELECT count(*) FROM ways WHERE flow_id = 'bk-flow'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ways, 1);
    drop(copy);

    // It serves: an app started on the copy answers with the same token.
    let restored = restart(file.clone());
    assert_eq!(restored.token, app.token);
    let n = restored.api("clicks", "limit=10000&flow=bk-flow")["clicks"]
        .as_array()
        .unwrap()
        .len();
    assert!(n >= 40, "{n}");
}

#[test]
fn backup_to_an_existing_file_fails_and_leaves_it_alone() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken.db");
    std::fs::write(&file, b"keep me").unwrap();
    let out = flowtrack(&app.db, &["backup", file.to_str().unwrap()]);
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    // An empty existing file is not overwritten either.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert!(!flowtrack(&app.db, &["backup", empty.to_str().unwrap()])
        .status
        .success());
    assert_eq!(std::fs::read(&empty).unwrap(), b"");
}

#[test]
fn backup_of_a_missing_database_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    let file = dir.path().join("copy.db");
    let out = flowtrack(&db, &["backup", file.to_str().unwrap()]);
    assert!(!out.status.success(), "{out:?}");
    assert!(!db.exists() && !file.exists());
}

#[test]
fn rates_file_replaces_the_table_and_a_bad_one_changes_nothing() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("rates.json");
    std::fs::write(&good, r#"{"rates": {"usd": 1, "eur": 0.5, "gbp": 0.25}}"#).unwrap();
    let out = flowtrack(&app.db, &["rates", good.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        app.api("rates", "")["rates"],
        json!({"eur": 0.5, "gbp": 0.25, "usd": 1.0})
    );
    for bad in [
        r#"{"rates": {"eur": 0.5}}"#,
        r#"{"rates": {"usd": 1, "eur": -2}}"#,
        "not json",
    ] {
        std::fs::write(&good, bad).unwrap();
        let out = flowtrack(&app.db, &["rates", good.to_str().unwrap()]);
        assert!(!out.status.success(), "{bad} was accepted");
    }
    assert_eq!(
        app.api("rates", "")["rates"],
        json!({"eur": 0.5, "gbp": 0.25, "usd": 1.0})
    );
}

/// Two mistakes a new operator makes, answered with what to do: a port
/// already taken (which address, and `--listen`), and a `--db` in a
/// folder that does not exist (which folder).
#[test]
fn a_busy_port_and_a_missing_folder_say_what_is_wrong() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", app.port);
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(dir.path().join("second.db"))
        .args(["--listen", &listen, "serve"])
        .output()
        .expect("run flowtrack");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&listen) && err.contains("--listen"), "{err}");
    let missing = dir.path().join("no-such-folder").join("f.db");
    let out = flowtrack(&missing, &["user", "add", "x"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-folder") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!missing.parent().unwrap().exists(), "nothing was created");
}
