//! A spend killed half-way (README "Storage"): spend.json writes a big
//! import in slices, and a SIGKILL between two of them leaves, once the
//! server has started again, the whole spend and never half of it: the
//! prices, the rollups and the click columns all add up to it.
use crate::common::fixtures;
use crate::common::server::Server;
use crate::common::*;
use fixtures::*;
use std::time::{Duration, Instant};

const CLICKS: usize = 150_000;
const COST: f64 = 3000.0;

/// (priced clicks, their total) in click_cost.
fn priced(db: &std::path::Path) -> (i64, f64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT count(*), COALESCE(SUM(cost), 0) FROM click_cost",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn a_spend_killed_between_slices_is_whole_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut server = Server::start(&db);
    server.signal("TERM");
    server.wait(Duration::from_secs(20)).expect("stopped");
    let start = utc("2024-05-10 00:00");
    let clicks: Vec<Click> = (0..CLICKS)
        .map(|i| Click {
            t: start + i as i64 / 4,
            flow: "big",
            subid: if i % 2 == 0 { "a" } else { "b" },
            geo: "de",
            ..Click::default()
        })
        .collect();
    insert_clicks(&db, &clicks);

    let server = Server::start(&db);
    let token = server.token("admin");
    let port = server.port;
    let spend = std::thread::spawn(move || {
        let path = format!("/api/tracker/spend.json?id={token}&flow=big&cost={COST}");
        // The answer never comes: the server is killed.
        http(port, "GET", &path, &[], b"").map(|r| r.text())
    });
    // Kill it once the spend is half written.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut half = None;
    while Instant::now() < deadline {
        let (n, sum) = priced(&db);
        if n > 0 && (n as usize) < CLICKS {
            server.signal("KILL");
            half = Some((n, sum));
            break;
        }
        if n as usize == CLICKS {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(server);
    let answered = spend.join().unwrap();
    let (n, sum) = half.unwrap_or_else(|| {
        panic!(
            "never saw the spend half written (answer {answered:?}, now {:?})",
            priced(&db)
        )
    });
    eprintln!("killed with {n} of {CLICKS} clicks priced ({sum})");

    // Started again, the server finishes the spend before anything else
    // of the user's, and the prices and rollups are the whole spend.
    let server = Server::start(&db);
    let deadline = Instant::now() + Duration::from_secs(60);
    while priced(&db).0 < CLICKS as i64 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (n, sum) = priced(&db);
    assert_eq!(n, CLICKS as i64);
    assert!((sum - COST).abs() < 1e-6, "click_cost adds up to {sum}");
    let token = server.token("admin");
    let stats = |item: &str| {
        let path =
            format!("/api/tracker/stats.json?id={token}&from=2024-05-01&to=2024-05-31&item={item}");
        server.get(&path).unwrap().json()
    };
    // The rollups (flow, geo) and the click columns (subid) agree.
    for item in ["flow", "geo", "subid"] {
        let r = stats(item);
        let total = r["total"]["spend"].as_f64().unwrap_or(f64::NAN);
        assert!((total - COST).abs() < 1e-6, "item {item}: {r}");
    }
    let r = stats("subid");
    let a = r["stats"]["a"]["spend"].as_f64().unwrap();
    assert!((a - COST / 2.0).abs() < 1e-6, "{r}");
}
