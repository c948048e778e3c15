//! Ctrl-C during `flowtrack demo`: it stops at its next batch, keeps
//! what it made, and leaves a database whose every derived copy agrees
//! with its rows (`flowtrack store verify`); the next run starts over.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn clicks(db: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT count(*) FROM clicks", [], |r| r.get(0))
        .unwrap_or(0)
}

fn verify(db: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(["store", "verify"])
        .output()
        .expect("run flowtrack store verify")
}

#[test]
fn ctrl_c_stops_the_demo_with_a_whole_database() {
    const ASKED: i64 = 20_000_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let child = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(&db)
        .args(["demo", "--clicks", &ASKED.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowtrack demo");
    // Interrupted once its first transaction of clicks is committed.
    let deadline = Instant::now() + Duration::from_secs(300);
    while (!db.exists() || clicks(&db) == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(clicks(&db) > 0, "no clicks committed in time");
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after"), "{stderr}");
    let kept = clicks(&db);
    assert!(kept > 0 && kept < ASKED, "{kept} clicks kept");
    // Leads were written with their clicks; their rollups agree.
    let leads: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
        .unwrap();
    assert!(leads > 0, "no leads among {kept} clicks");
    let v = verify(&db);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // The next run starts over and completes.
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(&db)
        .args(["demo", "--clicks", "20000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(clicks(&db), 20_000);
    let v = verify(&db);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}
