//! The WAL stays bounded under a long click flood (README "Storage"):
//! the writer finishes the checkpoint between batches once the log
//! passes its limit, so the next commit starts the log over and
//! `journal_size_limit` shrinks the file back.
use crate::common::flood;
use crate::common::*;
use std::time::{Duration, Instant};

/// The WAL file must stay under this while clicks flow.
const BOUND: u64 = 64 << 20;

#[test]
fn the_wal_stays_under_its_bound_during_a_long_click_flood() {
    let app = spawn_app();
    app.flow_with_urls("walflood", &["https://offer.test/?c={click}&s={utms}"]);
    let wal = app.db.with_extension("db-wal");
    // 200,000 clicks or a minute, whichever comes first.
    let clicks = flood::Flood::start(
        app.port,
        "/walflood?utm_source=fb&subid=42",
        3,
        200_000,
        Duration::from_secs(10),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut largest = 0;
    while !clicks.finished() && Instant::now() < deadline {
        let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
        largest = largest.max(size);
        assert!(
            size < BOUND,
            "the WAL reached {size} bytes after {} clicks",
            clicks.sent()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = clicks.sent();
    let t = clicks.stop();
    assert!(t.other.is_empty(), "{:?}", &t.other[..t.other.len().min(5)]);
    eprintln!("largest WAL {largest} bytes over {sent} clicks");
    // A report waits for every answered click; all of them are stored.
    let r = app.api("stats", "item=flow&from=2000-01-01&to=2100-01-01");
    assert_eq!(r["total"]["click"], t.redirects as i64, "{r}");
}
