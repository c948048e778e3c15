//! A full click queue (README "The click path"): while the writer cannot
//! write, clicks queue up to a memory bound; past it a click is answered
//! 503 with Retry-After instead of a redirect, the request thread never
//! waits, and every click that was redirected is stored once the writer
//! can write again.
use crate::common::flood;
use crate::common::*;
use std::time::{Duration, Instant};

/// Clicks stored in the database file.
fn stored(app: &TestApp) -> i64 {
    app.db()
        .query_row("SELECT count(*) FROM clicks", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_full_queue_refuses_clicks_without_blocking_and_loses_none_it_redirected() {
    // A queue of a few hundred clicks, so that it fills in a moment.
    let app = spawn_with(|c| c.click_queue_kib = Some(128));
    app.flow_with_urls("queued", &["https://offer.test/?c={click}"]);

    // Another connection holds the write lock: the writer stalls.
    let lock = app.db();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let health = flood::Prober::start(app.port, Duration::from_secs(2));
    let clicks = flood::Flood::start(app.port, "/queued", 2, 200_000, Duration::from_secs(5));
    // A few thousand clicks against a queue of a few hundred; the
    // clients have an answer for every click they sent once stopped.
    let deadline = Instant::now() + Duration::from_secs(60);
    while clicks.sent() < 5_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = clicks.stop();
    let (failures, probes) = health.stop();
    assert!(
        failures.is_empty(),
        "/health answers while the queue is full: {} of {probes} probes failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        t.other.is_empty(),
        "only 302 or 503: {:?}",
        &t.other[..t.other.len().min(5)]
    );
    assert!(t.refused > 0, "some clicks were refused: {t:?}");
    assert!(t.redirects > 0, "some clicks were queued: {t:?}");
    // Nothing is stored while the lock is held.
    assert_eq!(stored(&app), 0);

    lock.execute_batch("ROLLBACK").unwrap();
    // Every redirected click is stored once the writer recovers, and no
    // refused one: a report waits for the queue (SPEC 2).
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored(&app) < t.redirects as i64 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let r = app.api("stats", "item=flow&from=2000-01-01&to=2100-01-01");
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(stored(&app), t.redirects as i64);
    // The click path works again.
    assert_eq!(app.click("/queued", &[]).status, 302);
}
