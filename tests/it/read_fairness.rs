//! One user's heavy reads (stats, leads, clicks) must not make anyone's
//! postbacks fail, nor hold a connection past the report's time budget,
//! nor take every report slot (docs/API.md "Reports under load"). The server is
//! the real binary, so that an option can be given in its environment.
use crate::common::fixtures;
use crate::common::server::Server;
use crate::common::{enc, http};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// A server whose user `b` has many clicks and whose user `admin` (A)
/// has a few, ready for postbacks.
struct Setup {
    server: Server,
    a: String,
    b: String,
    a_clicks: Vec<String>,
    _dir: tempfile::TempDir,
}

/// `n` clicks of `user` straight into the click table, 1 ms apart from
/// 2024-01-01 on: what clicks.json walks past a large offset. (No
/// rollups or click columns: no report here reads them for user b.)
fn bulk_clicks(conn: &rusqlite::Connection, user: i64, n: i64) {
    let first = flowtrack::clicks::id::key_at(1_704_067_200);
    conn.execute(
        "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < ?3)
         INSERT INTO clicks (id, secret, user_id, flow, ip, geo)
         SELECT ?1 + n * 65536, n + 1, ?2, 'bulk', '10.0.0.' || (n % 200), 'de' FROM k",
        rusqlite::params![first, user, n],
    )
    .unwrap();
}

fn setup(b_clicks: i64, env: &[(&str, &str)]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fair.db");
    let (conn, created) = flowtrack::prepare_database(&db).unwrap();
    let a = created.expect("first user").token;
    let b = flowtrack::accounts::create_user(&conn, "b").unwrap().token;
    bulk_clicks(&conn, fixtures::user_id(&db, "b"), b_clicks);
    drop(conn);
    let a_id = fixtures::user_id(&db, "admin");
    let mine: Vec<fixtures::Click> = (0..10)
        .map(|_| fixtures::Click {
            user: a_id,
            ..Default::default()
        })
        .collect();
    let a_clicks = fixtures::insert_clicks(&db, &mine);
    Setup {
        server: start(&db, env),
        a,
        b,
        a_clicks,
        _dir: dir,
    }
}

/// `flowtrack serve` on `db` with `env` added to its environment, once
/// /health answers.
fn start(db: &Path, env: &[(&str, &str)]) -> Server {
    Server::start_with(db, env, Stdio::null())
}

/// One API call: its JSON, or what came instead (`no answer` when the
/// connection failed or timed out, `HTTP 408` and the like).
fn call(port: u16, token: &str, func: &str, query: &str) -> Result<Value, String> {
    let path = format!("/api/tracker/{func}.json?id={}&{query}", enc(token));
    match http(port, "GET", &path, &[], b"") {
        Ok(r) if r.status == 200 => Ok(r.json()),
        Ok(r) => Err(format!("HTTP {}", r.status)),
        Err(_) => Err("no answer".into()),
    }
}

/// `ok`, the error code, or what came instead of JSON.
fn outcome(answer: &Result<Value, String>) -> String {
    match answer {
        Ok(v) if v["status"] == "ok" => "ok".into(),
        Ok(v) => v["error"].as_str().unwrap_or("?").into(),
        Err(e) => e.clone(),
    }
}

/// A page of clicks far into user b's log: SQLite walks every click
/// before it, and the page is as long as one can be.
const HEAVY: &str = "offset=900000&limit=10000";

fn leads_of(db: &Path, user: &str) -> i64 {
    let id = fixtures::user_id(db, user);
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM leads WHERE user_id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn postbacks_are_stored_while_another_user_reads_heavily() {
    let s = setup(1_000_000, &[]);
    let port = s.server.port;
    let stop = Arc::new(AtomicBool::new(false));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..32)
        .map(|_| {
            let (b, stop, in_flight) = (s.b.clone(), stop.clone(), in_flight.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    seen.push(outcome(&call(port, &b, "clicks", HEAVY)));
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                }
                seen
            })
        })
        .collect();
    // Give the readers time to reach the server (no assertion on it).
    std::thread::sleep(Duration::from_millis(500));
    let mut posted = Vec::new();
    for click in &s.a_clicks {
        let reading = in_flight.load(Ordering::SeqCst);
        let r = call(
            port,
            &s.a,
            "postback",
            &format!("click={click}&status=approve"),
        );
        posted.push((reading, outcome(&r)));
    }
    stop.store(true, Ordering::SeqCst);
    let reads: Vec<String> = readers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    for (reading, outcome) in &posted {
        assert!(*reading > 0, "no heavy read was in flight");
        assert_eq!(outcome, "ok", "postbacks {posted:?}, reads {reads:?}");
    }
    assert_eq!(leads_of(&s.server.db, "admin"), 10);
    // The reads themselves answered (some may have been told to wait).
    assert!(reads.iter().any(|r| r == "ok"), "{reads:?}");
    assert!(
        reads.iter().all(|r| ["ok", "busy"].contains(&r.as_str())),
        "{reads:?}"
    );
}

#[test]
fn a_report_past_its_budget_answers_timeout_and_the_pool_recovers() {
    let s = setup(300_000, &[("FLOWTRACK_READ_TIMEOUT_MS", "1")]);
    let port = s.server.port;
    // More than any pool holds: a connection an interrupted read kept
    // would show as `db` or no answer.
    for _ in 0..20 {
        let r = call(port, &s.b, "clicks", "offset=250000&limit=100");
        assert_eq!(outcome(&r), "timeout");
    }
    for (token, func, query) in [
        (&s.b, "sites", ""),
        (&s.b, "flows", ""),
        (&s.a, "profile", ""),
        (&s.a, "postback", &*format!("click={}", s.a_clicks[0])),
    ] {
        let r = call(port, token, func, query);
        assert_eq!(outcome(&r), "ok", "{func}");
    }
    assert_eq!(leads_of(&s.server.db, "admin"), 1);
}

#[test]
fn a_users_excess_heavy_reads_answer_busy_while_another_users_stats_answer() {
    let s = setup(1_000_000, &[]);
    let port = s.server.port;
    let start = Arc::new(Barrier::new(17));
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let (b, start) = (s.b.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                outcome(&call(port, &b, "clicks", HEAVY))
            })
        })
        .collect();
    start.wait();
    std::thread::sleep(Duration::from_millis(300));
    let r = call(
        port,
        &s.a,
        "stats",
        "from=2024-05-01&to=2024-05-31&item=date",
    );
    let reads: Vec<String> = readers.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(outcome(&r), "ok", "{r:?}");
    assert_eq!(r.unwrap()["total"]["click"], 10);
    assert!(reads.iter().any(|r| r == "busy"), "{reads:?}");
    assert!(reads.iter().any(|r| r == "ok"), "{reads:?}");
    assert!(
        reads.iter().all(|r| ["ok", "busy"].contains(&r.as_str())),
        "{reads:?}"
    );
}
