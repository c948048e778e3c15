//! The three credentials (README "Credentials"): the API token (every
//! function), dashboard sessions from login.json (every function too,
//! expiring, listed and revocable), and the postback key (postback.json
//! only, derived, rotatable); what each can call, expiry on a manual
//! clock, revocation, password changes, rotation, nothing stored in
//! plaintext, and the upgrade of a database whose users had one token.
//! The sessions' own tests: credentials/sessions.rs.
use crate::common::*;
mod sessions;
use flowtrack::clock::{ClockRef, ManualClock};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn access() -> Value {
    json!({"status": "error", "error": "access"})
}

fn login(app: &TestApp, user: &str, password: &str) -> Value {
    let form = format!("user={}&password={}", enc(user), enc(password));
    let r = app.request(
        "POST",
        "/api/tracker/login.json",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("User-Agent", CHROME_UA),
        ],
        form.as_bytes(),
    );
    assert_eq!(r.status, 200);
    r.json()
}

/// A new dashboard session of `user`: its secret.
fn session(app: &TestApp, user: &str, password: &str) -> String {
    let r = login(app, user, password);
    assert_eq!(r["status"], "ok", "{r}");
    r["token"].as_str().expect("a session secret").to_string()
}

fn admin_password(app: &TestApp) -> String {
    cli_last_line(&app.db, &["user", "password", "admin"])
}

fn manual_app() -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(1_800_000_000_000);
    let c = clock.clone();
    let app = spawn_with(move |config| config.clock = ClockRef(c));
    (app, clock)
}

/// Waits until the writer has stored what earlier calls queued (a
/// session's "last used"): clicks.json waits for the writer.
fn settle(app: &TestApp) {
    assert_eq!(app.api("clicks", "limit=1")["status"], "ok");
}

/// The functions a credential is tried on, with harmless parameters.
const TRIED: &[(&str, &str)] = &[
    ("profile", ""),
    ("goals", ""),
    ("sites", ""),
    ("flows", ""),
    ("stats", "item=flow&from=2024-01-01&to=2024-01-01"),
    ("leads", ""),
    ("clicks", ""),
    ("blacklist", ""),
    ("rates", ""),
    ("sessions", ""),
    ("postback", ""),
];

#[test]
fn each_credential_calls_what_it_may() {
    let app = spawn_app();
    let password = admin_password(&app);
    let sess = session(&app, "admin", &password);
    assert_ne!(sess, app.token, "login gives a session, not the API token");
    let profile = app.api("profile", "");
    assert_eq!(
        profile["token"], false,
        "the API token is not shown: {profile}"
    );
    let key = profile["postback_key"]
        .as_str()
        .expect("a postback key")
        .to_string();
    assert_ne!(key, app.token);
    assert_eq!(
        profile["postback"],
        format!(
            "http://127.0.0.1:{}/api/tracker/postback.json?id={key}&click={{click}}",
            app.port
        )
    );
    for (func, query) in TRIED {
        for (who, cred) in [("API token", &app.token), ("session", &sess)] {
            let r = app.api_as(cred, func, query);
            assert_ne!(r["error"], "access", "{func} with the {who}: {r}");
        }
    }
    // The postback key: postback.json (here without a click: `no-click`,
    // so it got past the credential) and nothing else.
    assert_eq!(app.api_as(&key, "postback", "")["error"], "no-click");
    for ep in flowtrack::routes::ENDPOINTS.iter().filter(|e| !e.open) {
        if ep.name != "postback" {
            assert_eq!(
                app.api_as(&key, ep.name, ""),
                access(),
                "{} with the key",
                ep.name
            );
        }
    }
    // A real conversion through the URL the profile shows.
    app.flow_with_urls("pk-flow", &["https://pk.test/"]);
    assert_eq!(app.click("/pk-flow", &[]).status, 302);
    let click = app.api("clicks", "")["clicks"][0]["click"].clone();
    let url = profile["postback"]
        .as_str()
        .unwrap()
        .replace("{click}", click.as_str().unwrap());
    let path = url
        .split_once(&format!("127.0.0.1:{}", app.port))
        .unwrap()
        .1;
    let r = app.get(&format!("{path}&status=approve&price=3")).json();
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api("leads", "")["leads"][0]["price"], 3.0);
    // A forged key (another user's id, or a changed MAC) is `access`.
    app.add_user("bob");
    let forged = key.replacen("_1_", "_2_", 1);
    assert_eq!(app.api_as(&forged, "postback", ""), access(), "{forged}");
    let mut bad = key.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    assert_eq!(app.api_as(&bad, "postback", ""), access());
}

#[test]
fn postback_key_rotation_ends_the_old_key() {
    let app = spawn_app();
    let old = app.api("profile", "")["postback_key"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.api("postback-key", "");
    assert_eq!(r["status"], "ok", "{r}");
    let new = r["postback_key"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(app.api("profile", "")["postback_key"], new.as_str());
    assert_eq!(app.api_as(&old, "postback", ""), access());
    assert_eq!(app.api_as(&new, "postback", "")["error"], "no-click");
    // The API token is untouched.
    assert_eq!(app.api("profile", "")["user"], "admin");
}

#[test]
fn token_rotation_ends_the_old_token_and_keeps_sessions() {
    let app = spawn_app();
    let password = admin_password(&app);
    let s = session(&app, "admin", &password);
    // A session alone cannot make a token that outlives it.
    let r = app.api_as(&s, "token", "");
    assert_eq!(r["error"], "bad-password", "{r}");
    assert_eq!(r["field"], "current_password", "{r}");
    let r = app.api_as(&s, "token", "current_password=wrong-password");
    assert_eq!(r["error"], "bad-password", "{r}");
    assert_eq!(app.api_as(&app.token, "goals", "")["status"], "ok");
    let r = app.api_as(&s, "token", &format!("current_password={}", enc(&password)));
    let new = r["token"].as_str().expect("the new token").to_string();
    assert_ne!(new, app.token);
    assert_eq!(app.api_as(&app.token, "goals", ""), access());
    assert_eq!(app.api_as(&new, "goals", "")["status"], "ok");
    assert_eq!(app.api_as(&s, "goals", "")["status"], "ok");
}

#[test]
fn a_leaked_backup_gives_the_postback_key_only_until_it_is_rotated() {
    let app = spawn_app();
    let key = app.api("profile", "")["postback_key"]
        .as_str()
        .unwrap()
        .to_string();
    // What a backup holds (the install secret and the users' rows) is
    // enough to derive the current key, as README says...
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("leaked.db");
    cli_last_line(&app.db, &["backup", copy.to_str().unwrap()]);
    let leaked =
        flowtrack::accounts::keys::Keys::load(&rusqlite::Connection::open(&copy).unwrap()).unwrap();
    let value: i64 = key.split('_').nth(2).unwrap().parse().unwrap();
    assert_eq!(leaked.postback_key(1, value), key);
    // ...but not the one that replaces it: no guess from it works.
    let guesses: Vec<String> = (1..=3)
        .flat_map(|d| [value + d, value - d])
        .map(|v| leaked.postback_key(1, v))
        .collect();
    let r = app.api("postback-key", "");
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api_as(&key, "postback", ""), access());
    for guess in &guesses {
        assert_eq!(app.api_as(guess, "postback", ""), access(), "{guess}");
    }
    let new = r["postback_key"].as_str().unwrap();
    assert_eq!(app.api_as(new, "postback", "")["error"], "no-click");
}

/// Every stored text and blob of the credential tables, and the whole
/// database file once the app has stopped (WAL checkpointed), must not
/// hold any of `secrets`.
fn assert_stored_nowhere(app: TestApp, secrets: &[String]) {
    let conn = app.db();
    for table in ["users", "sessions"] {
        let mut st = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = row.get(i).unwrap();
                let text = match v {
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                    _ => continue,
                };
                for s in secrets {
                    assert!(!text.contains(s.as_str()), "{table} holds {s}");
                }
            }
        }
    }
    drop(conn);
    let db = app.stop();
    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", db.display());
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        for s in secrets {
            let found = bytes.windows(s.len()).any(|w| w == s.as_bytes());
            assert!(!found, "{file} holds {s}");
        }
    }
}

#[test]
fn no_token_session_secret_or_key_is_stored_in_plaintext() {
    let app = spawn_app();
    let password = admin_password(&app);
    let mut secrets = vec![app.token.clone(), password.clone()];
    secrets.push(session(&app, "admin", &password));
    secrets.push(
        app.api("profile", "")["postback_key"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    secrets.push(app.add_user("bob"));
    let with_password = format!("current_password={}", enc(&password));
    let rotated = app.api_as(&secrets[2], "token", &with_password)["token"]
        .as_str()
        .unwrap()
        .to_string();
    secrets.push(rotated);
    assert_stored_nowhere(app, &secrets);
}

/// A database at the format before credentials were split: users with
/// one plaintext token (`admin` and `old`).
fn previous_format_database() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("previous.db");
    let mut conn = rusqlite::Connection::open(&db).unwrap();
    flowtrack::schema::migrate_to(&mut conn, 6).unwrap();
    for (name, token) in [("admin", ADMIN_OLD), ("old", OLD_TOKEN)] {
        conn.execute(
            "INSERT INTO users (name, token, password, created) VALUES (?1, ?2, ?3, 0)",
            rusqlite::params![
                name,
                token,
                flowtrack::accounts::hash_password("old password")
            ],
        )
        .unwrap();
    }
    (dir, db)
}

const ADMIN_OLD: &str = "AdminOldToken0123456789abcdefXYZ";
const OLD_TOKEN: &str = "OldPlainToken0123456789abcdefXYZ";

#[test]
fn an_old_token_upgrades_to_the_api_token_and_a_postback_key_until_rotated() {
    let (_dir, db) = previous_format_database();
    let app = restart(db);
    let conn = app.db();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, flowtrack::schema::LATEST);
    drop(conn);
    // The old token is the API token...
    assert_eq!(app.api_as(OLD_TOKEN, "profile", "")["user"], "old");
    let ways = enc(r#"[{"url":"https://old.test/"}]"#);
    let r = app.api_as(OLD_TOKEN, "flow", &format!("flow=old-flow&ways={ways}"));
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.click("/old-flow", &[]).status, 302);
    let click = app.api_as(OLD_TOKEN, "clicks", "")["clicks"][0]["click"].clone();
    let click = click.as_str().unwrap().to_string();
    let postback = |id: &str, price: u32| {
        app.api_as(
            id,
            "postback",
            &format!("click={click}&status=approve&price={price}"),
        )
    };
    assert_eq!(postback(OLD_TOKEN, 1)["status"], "ok");
    // ...and after the API token is rotated, the postback URLs already
    // given out keep working: it is still a postback key.
    let new = app.api_as(OLD_TOKEN, "token", "")["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.api_as(OLD_TOKEN, "profile", ""), access());
    assert_eq!(
        postback(OLD_TOKEN, 2)["status"],
        "ok",
        "the old postback URL"
    );
    assert_eq!(app.api_as(OLD_TOKEN, "goals", ""), access());
    let profile = app.api_as(&new, "profile", "");
    assert_eq!(profile["legacy_postback"], true, "{profile}");
    // Until the postback key is rotated.
    let key = app.api_as(&new, "postback-key", "")["postback_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(postback(OLD_TOKEN, 3), access());
    assert_eq!(postback(&key, 4)["status"], "ok");
    assert_eq!(app.api_as(&new, "profile", "")["legacy_postback"], false);
    // The other user upgraded alike, and nothing old is left in plaintext.
    assert_eq!(
        postback(ADMIN_OLD, 5),
        access(),
        "admin's token is not old's key"
    );
    assert_stored_nowhere(app, &[OLD_TOKEN.to_string(), ADMIN_OLD.to_string(), new]);
}
