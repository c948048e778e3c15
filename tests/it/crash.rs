//! SPEC 2: "at most the last few milliseconds of clicks can be lost if the
//! process is killed". Drives click load against the real binary, kills it
//! with SIGKILL, restarts it, and checks that every click answered more
//! than 50 ms before the kill is stored and the file passes
//! `PRAGMA integrity_check`. CI runs one kill; `bench/crash.sh` sets
//! FLOWTRACK_CRASH_KILLS=20 for the long run.
use crate::common::server::Server;
use crate::common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const GRACE: Duration = Duration::from_millis(50);

fn create_flow(server: &Server) {
    let token = server.token("admin");
    let body = r#"{"flow":"crash","ways":[{"url":"https://t.test/?c={click}"}]}"#;
    let auth = format!("Bearer {token}");
    let r = http(
        server.port,
        "POST",
        "/api/tracker/flow.json",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(r.json()["status"], "ok", "{}", r.text());
}

/// Clicks from 4 threads until the server dies; returns (answered at, id).
fn click_until_killed(server: &Server, kill_after: Duration) -> (Vec<(Instant, String)>, Instant) {
    let answered = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let port = server.port;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (answered, stop) = (answered.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match http(
                        port,
                        "GET",
                        "/crash?utm_source=load",
                        &[("User-Agent", CHROME_UA)],
                        b"",
                    ) {
                        Ok(r) if r.status == 302 => {
                            let at = Instant::now();
                            let loc = r.header("location").unwrap_or("").to_string();
                            let id = loc.rsplit("c=").next().unwrap_or("").to_string();
                            answered.lock().unwrap().push((at, id));
                        }
                        _ => std::thread::sleep(Duration::from_millis(1)),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(kill_after);
    let killed_at = Instant::now();
    server.signal("KILL");
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let list = std::mem::take(&mut *answered.lock().unwrap());
    (list, killed_at)
}

#[test]
fn answered_clicks_survive_sigkill_and_the_file_stays_intact() {
    let kills: usize = std::env::var("FLOWTRACK_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut checked = 0usize;
    let mut server = Server::start(&db);
    create_flow(&server);
    for round in 0..kills {
        let (answered, killed_at) =
            click_until_killed(&server, Duration::from_millis(700 + 37 * round as u64));
        assert!(
            server.wait(Duration::from_secs(5)).is_some(),
            "killed process still running"
        );
        assert!(
            answered.len() > 50,
            "too little load: {} clicks",
            answered.len()
        );
        let conn = rusqlite::Connection::open(&db).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        // The click columns are written in the clicks' transactions: as
        // many clicks in them as in the click table, each chunk priced.
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT COALESCE(SUM(n), 0) FROM click_cols"),
            count("SELECT count(*) FROM clicks")
        );
        assert_eq!(
            count("SELECT count(*) FROM click_cols LEFT JOIN click_cols_cost k USING (id) WHERE k.id IS NULL"),
            0
        );
        let mut missing = Vec::new();
        for (at, id) in answered.iter().filter(|(at, _)| *at + GRACE < killed_at) {
            let (key, secret) =
                flowtrack::clicks::id::decode(id).unwrap_or_else(|| panic!("bad click id {id:?}"));
            let found: i64 = conn
                .query_row(
                    "SELECT count(*) FROM clicks WHERE id = ?1 AND secret = ?2",
                    [key, secret],
                    |r| r.get(0),
                )
                .unwrap();
            if found != 1 {
                missing.push((killed_at - *at, id.clone()));
            }
            checked += 1;
        }
        assert!(
            missing.is_empty(),
            "round {round}: {} answered clicks lost: {missing:?}",
            missing.len()
        );
        drop(conn);
        server = Server::start(&db);
    }
    // The restarted server answers and reports from the same file.
    let r = server
        .get(&format!(
            "/api/tracker/clicks.json?id={}&limit=1",
            server.token("admin")
        ))
        .unwrap();
    assert_eq!(r.json()["status"], "ok");
    // Every derived copy agrees with the click rows after the kills.
    let verified = cli_last_line(&db, &["store", "verify"]);
    assert!(verified.contains("every copy agrees"), "{verified}");
    println!("kills survived: {kills}, answered clicks checked: {checked}");
}
