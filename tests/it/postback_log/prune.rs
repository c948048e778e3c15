//! The background pruning (src/prune.rs) on a manual clock: once the
//! clock passes the hour, incoming postbacks older than
//! `--postback-log-days` (7 by default) are deleted and younger ones kept;
//! sent and failed outgoing postbacks go after 90 days, pending ones
//! never. It also prunes right after start.
use super::*;
use flowtrack::clock::{ClockRef, ManualClock};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 2027-01-15 08:00:00 UTC.
const T0: i64 = 1_800_000_000;
const DAY: Duration = Duration::from_secs(86_400);

fn manual_app(log_days: Option<u32>) -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(T0 * 1000);
    let c = clock.clone();
    let app = spawn_with(move |config| {
        config.clock = ClockRef(c);
        if let Some(days) = log_days {
            config.postback_log_days = days;
        }
    });
    (app, clock)
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Waits until `sql` counts `want` (the pruning thread looks at the
/// clock about once a second): fails after a generous deadline.
fn wait_for(app: &TestApp, sql: &str, want: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = count(app, sql);
        if n == want {
            return;
        }
        assert!(Instant::now() < deadline, "{sql}: {n}, never {want}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `n` logged calls named `name` (refused: no flow of that name).
fn calls(app: &TestApp, name: &str, n: usize) {
    for _ in 0..n {
        assert_eq!(
            app.api("postback", &format!("flow={name}"))["error"],
            "bad-flow"
        );
    }
}

fn named(name: &str) -> String {
    format!("SELECT count(*) FROM postbacks_in WHERE flow = '{name}'")
}

#[test]
fn calls_older_than_the_log_days_are_pruned_and_younger_kept() {
    let (app, clock) = manual_app(None);
    calls(&app, "old", 3);
    clock.advance(6 * DAY);
    calls(&app, "fresh", 2);
    // At 8 days the prune deletes what is older than the 1st day: the
    // old calls, not the fresh ones (which only a clock past 13 days
    // could reach, so once the old are gone the fresh are seen kept).
    clock.advance(2 * DAY);
    wait_for(&app, &named("old"), 0);
    assert_eq!(count(&app, &named("fresh")), 2);
    assert_eq!(log(&app, "").len(), 2);
}

#[test]
fn the_log_days_option_is_respected() {
    let (app, clock) = manual_app(Some(2));
    calls(&app, "old", 2);
    clock.advance(DAY);
    calls(&app, "fresh", 2);
    clock.advance(DAY + DAY / 2);
    // The old calls are 2.5 days old: past 2 days (7 would keep them).
    wait_for(&app, &named("old"), 0);
    assert_eq!(count(&app, &named("fresh")), 2);
}

#[test]
fn outgoing_postbacks_go_90_days_after_they_were_done() {
    let (app, clock) = manual_app(None);
    let at = |days: i64| T0 - days * 86_400;
    let conn = app.db();
    // (lead, time, state): 0 pending, 1 sent, 2 failed.
    for (lead, time, state) in [
        (1, at(100), 1),
        (2, at(100), 2),
        (3, at(100), 0),
        (4, at(10), 1),
        (5, at(10), 2),
        (6, at(91), 1),
    ] {
        conn.execute(
            "INSERT INTO postbacks_out (user_id, lead_id, source_id, stage, time, method, url,
                                        state, next)
             VALUES (1, ?1, 1, 2, ?2, 'get', 'http://127.0.0.1:9/', ?3, ?4)",
            rusqlite::params![lead, time, state, T0 + 365 * 86_400],
        )
        .unwrap();
    }
    // The next hour's prune.
    clock.advance(Duration::from_secs(3600));
    let sql = "SELECT count(*) FROM postbacks_out";
    wait_for(&app, sql, 3);
    let left: Vec<i64> = conn
        .prepare("SELECT lead_id FROM postbacks_out ORDER BY lead_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(left, [3, 4, 5]);
}

#[test]
fn a_start_prunes_at_once() {
    let app = spawn_app();
    calls(&app, "a", 2);
    calls(&app, "b", 1);
    let db = app.stop();
    // As if the server had been stopped for 8 days since the calls of a.
    let conn = flowtrack::db::open(&db).unwrap();
    conn.execute(
        "UPDATE postbacks_in SET time = time - 8 * 86400 WHERE flow = 'a'",
        [],
    )
    .unwrap();
    drop(conn);
    let app = restart(db);
    wait_for(&app, &named("a"), 0);
    assert_eq!(count(&app, &named("b")), 1);
}
