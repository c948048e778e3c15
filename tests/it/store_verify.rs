//! `flowtrack store verify` and `flowtrack store rebuild` (README
//! "Checking the click store"), the real binary on real files: every
//! derived copy agrees with the click rows and leads after a demo and
//! after traffic, postbacks, spend and a change of currency over HTTP
//! (also while clicks keep coming); a tampered copy is named and rebuilt;
//! a rebuild never runs beside a server, nor a server beside a rebuild.
use crate::common::flood;
use crate::common::*;
use rusqlite::Connection;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs `flowtrack --db DB store ACTION`: (exit code, stdout, stderr).
fn store(db: &Path, action: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(["store", action])
        .output()
        .expect("run flowtrack store");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

/// Asserts that verify passes, with its one-line summary.
fn verify_passes(db: &Path) {
    let (code, out, err) = store(db, "verify");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("every copy agrees"), "{out}");
}

fn demo_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(&db)
        .args(["demo", "--clicks", "4000", "--days", "3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    db
}

#[test]
fn a_demo_database_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let (code, out, _) = store(&db, "verify");
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("store verify: 4000 clicks,"), "{out}");
}

/// Neither command creates a database that is not there.
#[test]
fn a_missing_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    for action in ["verify", "rebuild"] {
        let (code, _, err) = store(&db, action);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("no database"), "{err}");
    }
    assert!(!db.exists());
}

/// Clicks, postbacks that move leads between stages, spend and a change
/// of base currency over HTTP: every copy agrees, while clicks keep
/// coming and after the server stopped.
#[test]
fn traffic_postbacks_spend_and_a_currency_change_verify() {
    let app = spawn_with(behind_cloudflare);
    app.flow_with_urls("va", &["https://a.test/", "https://b.test/"]);
    for i in 0..120 {
        let path = format!(
            "/va?utm_source=s{}&subid=x{}&utm_campaign=c{}",
            i % 3,
            i % 7,
            i % 4
        );
        let ip = format!("10.1.{}.{}", i % 5, i % 9);
        let geo = ["de", "us", "fr"][i % 3];
        let ua = [CHROME_UA, IPHONE_UA][i % 2];
        let h = [
            ("User-Agent", ua),
            ("CF-Connecting-IP", ip.as_str()),
            ("CF-IPCountry", geo),
        ];
        assert_eq!(app.request("GET", &path, &h, b"").status, 302);
    }
    let clicks = app.api("clicks", "limit=40");
    let stages = ["new", "hold", "approve", "cancel", "trash"];
    for (i, c) in clicks["clicks"].as_array().unwrap().iter().enumerate() {
        let id = c["click"].as_str().unwrap();
        let q = format!(
            "click={id}&goal=sale&status={}&price={}",
            stages[i % 5],
            3 + i
        );
        assert_eq!(app.api("postback", &q)["status"], "ok");
        if i % 4 == 0 {
            let q = format!("click={id}&goal=sale&status=approve&price=20&currency=eur");
            assert_eq!(app.api("postback", &q)["status"], "ok");
        }
    }
    assert_eq!(app.api("spend", "flow=va&cost=12")["status"], "ok");
    assert_eq!(app.api("spend", "utm_source=s1&cpc=0.3")["status"], "ok");
    assert_eq!(app.api("profile", "currency=eur")["status"], "ok");
    assert_eq!(app.api("spend", "geo=de&cpc=0.05")["status"], "ok");

    // One snapshot: clicks stored meanwhile are in it with all their
    // copies, or not at all.
    let flood = flood::Flood::start(app.port, "/va", 2, u64::MAX, Duration::from_secs(5));
    verify_passes(&app.db);
    let tally = flood.stop();
    assert!(tally.other.is_empty(), "{:?}", tally.other);
    assert!(tally.redirects > 0);
    let db = app.stop();
    verify_passes(&db);
}

/// A copy changed around the store (a byte of a rollup, a chunk's value,
/// a lost price, a lead rollup) is named, and a rebuild repairs it.
#[test]
fn each_tampered_copy_is_named_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let first_key = |table: &str, key: &str| {
        format!("({key}) IN (SELECT {key} FROM {table} ORDER BY {key} LIMIT 1 OFFSET 7)")
    };
    let roll = "user_id, kind, bucket, flow, value";
    let cases: Vec<(&str, String)> = vec![
        (
            "click_roll",
            format!(
                "UPDATE click_roll SET clicks = clicks + 1 WHERE {}",
                first_key("click_roll", roll)
            ),
        ),
        (
            "click_wide",
            format!(
                "UPDATE click_wide SET cost = cost + 0.5 WHERE {}",
                first_key("click_wide", "user_id, bucket, flow, way, site, filter, geo, mobile, os, browser, utms, domain, utmm")
            ),
        ),
        (
            "click_cols_cost",
            "DELETE FROM click_cost WHERE id = (SELECT min(id) FROM click_cost)".into(),
        ),
        (
            "lead_roll",
            format!(
                "UPDATE lead_roll SET ca = ca + 1 WHERE {}",
                first_key("lead_roll", &format!("{roll}, goal"))
            ),
        ),
        (
            "click_cols",
            "UPDATE click_cols SET data = substr(data, 1, length(data) - 9)
             WHERE id = (SELECT max(id) FROM click_cols)"
                .into(),
        ),
    ];
    for (table, sql) in &cases {
        let conn = Connection::open(&db).unwrap();
        assert_eq!(conn.execute(sql, []).unwrap(), 1, "{sql}");
        drop(conn);
        let (code, out, err) = store(&db, "verify");
        assert_eq!(code, 1, "{table}: {out}{err}");
        assert!(out.contains(&format!("\n  {table}: ")), "{table}: {out}");
        assert!(out.lines().count() < 200, "bounded: {out}");
        let (code, out, err) = store(&db, "rebuild");
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.starts_with("store rebuild: 4000 clicks"), "{out}");
        verify_passes(&db);
    }
    // A chunk that decodes, with another country for one click.
    let conn = Connection::open(&db).unwrap();
    let (id, blob): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT id, data FROM click_cols ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (click, changed) = flowtrack::store::verify::chunk_with_text(id, &blob, 5, "geo", "xx");
    let sql = "UPDATE click_cols SET data = ?1 WHERE id = ?2";
    conn.execute(sql, rusqlite::params![changed, id]).unwrap();
    drop(conn);
    let (code, out, _) = store(&db, "verify");
    assert_eq!(code, 1, "{out}");
    let line = format!("click {click}: geo 'xx' in the chunk");
    assert!(out.contains(&line), "{out}");
    assert_eq!(store(&db, "rebuild").0, 0);
    verify_passes(&db);
}

/// The help says that a rebuild needs the server stopped, and a verify
/// does not.
#[test]
fn the_help_says_when_each_may_run() {
    let help = |action: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
            .args(["store", action, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(help("rebuild").contains("The server must be stopped"));
    assert!(help("verify").contains("safe while the server runs"));
}

/// The server holds the database's lock for its lifetime: a rebuild
/// refuses beside it, and runs once it stopped; a server does not start
/// while another holder (a rebuild) has it.
#[test]
fn a_rebuild_never_runs_beside_a_server() {
    let app = spawn_app();
    let (code, out, err) = store(&app.db, "rebuild");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("stop the server first"), "{err}");
    let db = app.stop();
    let (code, out, err) = store(&db, "rebuild");
    assert_eq!(code, 0, "{out}{err}");

    let lock = flowtrack::db::lock::exclusive(&db).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another flowtrack"), "{err}");
    drop(lock);
}
