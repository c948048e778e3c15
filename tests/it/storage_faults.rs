//! Issue 7, storage faults: when the disk is full or the database is
//! locked by someone else, redirects keep answering (clicks wait in the
//! writer's bounded queue and are retried), API calls answer `db`, nothing
//! panics, and once the fault is gone every answered click is stored.
use crate::common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn click_ids(app: &TestApp, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let r = app.click(&format!("/sf?subid={i}"), &[]);
            assert_eq!(r.status, 302, "redirects keep answering during the fault");
            r.header("location")
                .unwrap()
                .rsplit("c=")
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn stored(app: &TestApp, ids: &[String]) -> usize {
    let conn = app.db();
    ids.iter()
        .filter(|id| {
            let (key, secret) = flowtrack::clicks::id::decode(id).unwrap();
            conn.query_row(
                "SELECT count(*) FROM clicks WHERE id = ?1 AND secret = ?2",
                [key, secret],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                == 1
        })
        .count()
}

fn wait_stored(app: &TestApp, ids: &[String]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let n = stored(app, ids);
        if n == ids.len() || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// After a fault the rollups still count every stored click exactly once
/// (a failed batch is retried whole): per flow (15-minute rollup), per
/// subid (click columns) and in the click table itself.
fn assert_rollups_match_clicks(app: &TestApp) {
    let clicks: i64 = app
        .db()
        .query_row("SELECT count(*) FROM clicks", [], |r| r.get(0))
        .unwrap();
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    for item in ["flow", "subid"] {
        let r = app.api("stats", &format!("item={item}&from={today}&to={today}"));
        assert_eq!(r["total"]["click"], clicks, "{item}: {r}");
        let groups: i64 = r["stats"]
            .as_object()
            .unwrap()
            .values()
            .map(|g| g["click"].as_i64().unwrap())
            .sum();
        assert_eq!(groups, clicks, "{item}: {r}");
    }
}

#[test]
fn a_locked_database_delays_clicks_but_loses_none_and_the_api_answers_db() {
    let app = spawn_app();
    app.flow_with_urls("sf", &["https://sf.test/?c={click}"]);
    let before = click_ids(&app, 5);
    assert_eq!(wait_stored(&app, &before), 5);
    // Another process holds the write lock longer than the busy timeout.
    let locker = app.db();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let during = click_ids(&app, 20);
    let r = app.api("site", "url=https://x.test/&name=x");
    assert_eq!(r, serde_json::json!({"status": "error", "error": "db"}));
    locker.execute_batch("COMMIT").unwrap();
    drop(locker);
    assert_eq!(
        wait_stored(&app, &during),
        20,
        "every click answered during the lock is stored afterwards"
    );
    assert_eq!(stored(&app, &before), 5);
    assert_eq!(
        app.api("site", "url=https://x.test/&name=x")["status"],
        "ok"
    );
    assert_rollups_match_clicks(&app);
}

#[test]
fn a_full_disk_keeps_redirects_answering_and_loses_nothing_once_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=8m",
            "tmpfs",
            mount.to_str().unwrap(),
        ])
        .status()
        .is_ok_and(|s| s.success());
    // A test never passes without its checks: say what it needs instead.
    assert!(
        mounted,
        "this test mounts a small tmpfs to fill the disk: run the tests as root \
         (as .ci/run does) or in a container that allows mount"
    );
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mount.clone());
    let db = mount.join("full.db");
    let db2 = db.clone();
    let app = spawn_with(move |c| c.db = db2);
    app.flow_with_urls("sf", &["https://sf.test/?c={click}"]);
    let before = click_ids(&app, 10);
    assert_eq!(wait_stored(&app, &before), 10);
    // Fill the file system to the last byte.
    let filler = mount.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let byte = [0u8; 1];
        while f.write_all(&byte).is_ok() {}
        let _ = f.sync_all();
    }
    let during = click_ids(&app, 300);
    let r = app.api(
        "site",
        &format!(
            "url=https://x.test/{}&name={}",
            "a".repeat(2000),
            "b".repeat(250)
        ),
    );
    assert_eq!(r["status"], "error", "{r}");
    assert_eq!(r["error"], "db");
    assert_eq!(app.get("/health").text(), "ok");
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        wait_stored(&app, &during),
        300,
        "clicks answered while the disk was full are stored once space returns"
    );
    assert_eq!(
        stored(&app, &before),
        10,
        "nothing committed before the fault is lost"
    );
    let conn = app.db();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    assert_rollups_match_clicks(&app);
}

/// The automatic checkpoint is off in a running server: a thread of its
/// own copies the WAL back (src/db/checkpoint.rs), so what the API wrote
/// reaches the database file while the server runs, not only at shutdown
/// or once the WAL has grown past 1000 pages.
#[test]
fn a_running_server_copies_its_wal_back_into_the_database_file() {
    let app = spawn_app();
    app.flow_with_urls("ckpt", &["https://example.com/"]);
    // immutable=1 reads the database file alone and ignores the WAL.
    let uri = format!("file:{}?immutable=1", app.db.display());
    let in_file = || -> rusqlite::Result<i64> {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(&uri, flags)?;
        conn.query_row("SELECT count(*) FROM flows WHERE id = 'ckpt'", [], |r| {
            r.get(0)
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    // Read mid-checkpoint, the file may not parse yet: try again.
    while in_file().unwrap_or(0) != 1 {
        assert!(Instant::now() < deadline, "the new flow never left the WAL");
        std::thread::sleep(Duration::from_millis(50));
    }
}
