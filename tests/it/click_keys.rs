//! Click row keys (src/click_id.rs) are one server's own: they sort after
//! every click its file holds, and a file holding a click from the future
//! (a clock set wrong, a copied database, a test's dates) must not date
//! the clicks of another server in the same process.
use crate::common::fixtures::{self, Click};
use crate::common::*;
use std::time::{Duration, Instant};

/// The time (Unix seconds) of the newest click row, once `n` are stored.
fn newest_click_time(app: &TestApp, n: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (count, key): (i64, Option<i64>) = app
            .db()
            .query_row("SELECT count(*), max(id) FROM clicks", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        if count >= n {
            return (key.unwrap() >> 16) / 1000;
        }
        assert!(Instant::now() < deadline, "{count} of {n} clicks stored");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn click(app: &TestApp) {
    let r = app.click("/keys", &[("User-Agent", CHROME_UA)]);
    assert_eq!(r.status, 302);
}

#[test]
fn a_file_with_a_future_click_dates_only_its_own_servers_clicks() {
    let future = 1_900_000_000; // March 2030
    let a = spawn_app();
    a.flow_with_urls("keys", &["https://o.test/"]);
    let db = a.stop();
    fixtures::insert_clicks(
        &db,
        &[Click {
            t: future,
            flow: "keys",
            ..Click::default()
        }],
    );
    let a = restart(db);
    let b = spawn_app();
    b.flow_with_urls("keys", &["https://o.test/"]);
    click(&a);
    click(&b);
    // a's new click sorts after the one its file held...
    assert_eq!(newest_click_time(&a, 2), future);
    // ...and b's is dated now.
    let now = jiff::Timestamp::now().as_second();
    let b_time = newest_click_time(&b, 1);
    assert!(
        (b_time - now).abs() < 3600,
        "b's click is dated {b_time}, now is {now}"
    );
}
