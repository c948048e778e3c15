//! `--keep-days` (src/keep.rs, src/store/retention.rs) against a real
//! ClickHouse server (tests/it/common/clickhouse.rs): a click row older
//! than the kept days leaves the node's SQLite file only once ClickHouse
//! holds it, and ClickHouse keeps it; younger rows stay; the option is
//! refused without --clickhouse. The application's clock is a manual one
//! (the trim runs at start and then hourly by it); the clicks are
//! written at chosen times into the stopped app's file (fixtures.rs).
use crate::clickhouse_ship::{caught_up, node_of, shipping};
use crate::common::clickhouse::ClickHouse;
use crate::common::fixtures::{self, Click};
use crate::common::*;
use flowtrack::clock::{ClockRef, ManualClock};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 2027-01-15 08:00:00 UTC.
const T0: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
/// How long the shipper and the keep thread may take in a test (a
/// restarted ClickHouse is retried up to every 30 s).
const WITHIN: Duration = Duration::from_secs(120);

fn keeping(
    ch: &ClickHouse,
    db: &str,
    clock: &Arc<ManualClock>,
    days: u32,
) -> impl FnOnce(&mut flowtrack::config::Config) + Send + 'static {
    let ship = shipping(ch, db);
    let clock = clock.clone();
    move |c| {
        ship(c);
        c.clock = ClockRef(clock);
        c.keep_days = Some(days);
    }
}

/// `n` clicks of the admin on flow `flow`, a second apart from `t`;
/// answers their row keys.
fn insert(db: &Path, flow: &'static str, t: i64, n: i64) -> Vec<i64> {
    keys(&public(db, flow, t, n))
}

fn keys(ids: &[String]) -> Vec<i64> {
    ids.iter()
        .map(|id| flowtrack::clicks::id::decode(id).unwrap().0)
        .collect()
}

/// The same as [`insert`], answering their public ids.
fn public(db: &Path, flow: &'static str, t: i64, n: i64) -> Vec<String> {
    let clicks: Vec<Click> = (0..n)
        .map(|i| Click {
            t: t + i,
            flow,
            ..Click::default()
        })
        .collect();
    fixtures::insert_clicks(db, &clicks)
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = flowtrack::db::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The node's click rows of flow `flow`.
fn rows(db: &Path, flow: &str) -> i64 {
    count(
        db,
        &format!("SELECT count(*) FROM clicks WHERE flow = '{flow}'"),
    )
}

/// Waits until `what` answers `want`; fails after [`WITHIN`].
fn wait_for<T: PartialEq + std::fmt::Debug>(what: &str, want: T, mut f: impl FnMut() -> T) {
    let deadline = Instant::now() + WITHIN;
    loop {
        let got = f();
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {got:?}, never {want:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The ids of the node's clicks in ClickHouse, merged (an error until
/// the shipper made the tables).
fn in_clickhouse(ch: &ClickHouse, db: &str, node: i64) -> Result<Vec<i64>, String> {
    let text = ch.try_query(&format!(
        "SELECT id FROM {db}.clicks_by_day FINAL WHERE node = {node} ORDER BY id FORMAT TabSeparated"
    ))?;
    Ok(text.lines().map(|l| l.parse().unwrap()).collect())
}

fn sorted(parts: &[&[i64]]) -> Vec<i64> {
    let mut all: Vec<i64> = parts.concat();
    all.sort();
    all
}

/// Every copy of the kept clicks agrees with their rows
/// (`flowtrack store verify`, which leaves the trimmed ones out).
fn verify(db: &Path) {
    let mut conn = flowtrack::db::open(db).unwrap();
    let report = flowtrack::store::verify::verify(&mut conn).unwrap();
    assert!(report.agrees(), "{report}");
}

#[test]
fn old_rows_leave_sqlite_only_once_clickhouse_has_them() {
    let mut ch = ClickHouse::start();
    let clock = ManualClock::new(T0 * 1000);
    let app = spawn_with(keeping(&ch, "keep", &clock, 30));
    let db: PathBuf = app.stop();
    // 20 days old and a day old: both within the 30 days.
    let shipped = insert(&db, "shipped", T0 - 20 * DAY, 5);
    let young = insert(&db, "young", T0 - DAY, 3);
    let app = restart_with(db, keeping(&ch, "keep", &clock, 30));
    caught_up(&ch, "keep", &app.db);
    // Acknowledged: the log no longer names them.
    wait_for("ship log", 0, || {
        count(&app.db, "SELECT count(*) FROM ship_log")
    });
    let node = node_of(&app.db);

    // Clicks ClickHouse has not got: it is down.
    ch.stop();
    let db = app.stop();
    let waiting = insert(&db, "waiting", T0 - 10 * DAY, 4);
    // 25 days on, the keep thread's first trim deletes what is older
    // than 5 days and in ClickHouse: the shipped clicks, not the waiting
    // ones (older than the young ones, which stay).
    clock.set_ms((T0 + 25 * DAY) * 1000);
    let app = restart_with(db, keeping(&ch, "keep", &clock, 30));
    wait_for("shipped rows", 0, || rows(&app.db, "shipped"));
    assert_eq!(rows(&app.db, "waiting"), 4);
    assert_eq!(rows(&app.db, "young"), 3);
    verify(&app.db);

    // ClickHouse back: once it has them, the next hour's trim deletes
    // the waiting clicks too.
    ch.restart();
    let all = sorted(&[&shipped, &waiting, &young]);
    wait_for("clicks in ClickHouse", Ok(all.clone()), || {
        in_clickhouse(&ch, "keep", node)
    });
    wait_for("ship log", 0, || {
        count(&app.db, "SELECT count(*) FROM ship_log")
    });
    assert_eq!(rows(&app.db, "waiting"), 4);
    clock.advance(Duration::from_secs(3600));
    wait_for("waiting rows", 0, || rows(&app.db, "waiting"));
    assert_eq!(rows(&app.db, "young"), 3);
    let listed = app.api("clicks", "limit=100")["clicks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(listed, 3);
    // ClickHouse keeps every click; the node's rollups still count them.
    assert_eq!(in_clickhouse(&ch, "keep", node), Ok(all));
    let r = app.api("stats", "item=flow&from=2026-12-01&to=2027-01-31");
    assert_eq!(r["total"]["click"], 12, "{r}");
    verify(&app.db);
}

#[test]
fn rows_younger_than_the_kept_days_stay() {
    let ch = ClickHouse::start();
    let clock = ManualClock::new(T0 * 1000);
    let app = spawn_with(keeping(&ch, "young", &clock, 2));
    let db = app.stop();
    let old_ids = public(&db, "old", T0 - 3 * DAY, 3);
    // A lead of an old click, before its row goes.
    let app = restart(db);
    let r = app.api(
        "postback",
        &format!("click={}&status=hold&price=3", old_ids[1]),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let db = app.stop();
    let old = keys(&old_ids);
    let day = insert(&db, "day", T0 - DAY, 2);
    let hour = insert(&db, "hour", T0 - 3600, 2);
    let app = restart_with(db, keeping(&ch, "young", &clock, 2));
    let node = node_of(&app.db);
    let all = sorted(&[&old, &day, &hour]);
    wait_for("clicks in ClickHouse", Ok(all.clone()), || {
        in_clickhouse(&ch, "young", node)
    });
    wait_for("ship log", 0, || {
        count(&app.db, "SELECT count(*) FROM ship_log")
    });
    // The trim at start may have come before ClickHouse had them; the
    // next hour's finds them there.
    clock.advance(Duration::from_secs(3600));
    wait_for("old rows", 0, || rows(&app.db, "old"));
    // Younger than 2 days: kept.
    assert_eq!((rows(&app.db, "day"), rows(&app.db, "hour")), (2, 2));
    // A postback naming a deleted click without a lead finds none; one
    // with a lead moves it (an approval after the click row is gone).
    let r = app.api("postback", &format!("click={}&status=lead", old_ids[0]));
    assert_eq!(r["error"], "bad-click", "{r}");
    let r = app.api(
        "postback",
        &format!("click={}&status=approve&price=3", old_ids[1]),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let lead = &app.api("leads", &format!("click={}", old_ids[1]))["leads"][0];
    assert_eq!(
        (lead["status"].as_str(), lead["flow"].as_str()),
        (Some("approve"), Some("old")),
        "{lead}"
    );

    // A day on, the day-old clicks are past 2 days: they go, the
    // hour-old ones stay.
    clock.advance(Duration::from_secs(DAY as u64));
    wait_for("day-old rows", 0, || rows(&app.db, "day"));
    assert_eq!(rows(&app.db, "hour"), 2);
    assert_eq!(in_clickhouse(&ch, "young", node), Ok(all));
    verify(&app.db);

    // From the command line: verify says from when rows are kept; a
    // rebuild, which would lose the copies of the deleted ones, refuses.
    let db = app.stop();
    let store = |action: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_flowtrack"))
            .arg("--db")
            .arg(&db)
            .args(["store", action])
            .output()
            .unwrap()
    };
    let out = store("verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("the click rows before 2027-01-14 09:00:00 UTC are gone"),
        "{text}"
    );
    let out = store("rebuild");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("a rebuild would lose"), "{err}");
}

#[test]
fn keep_days_without_clickhouse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = flowtrack::config::Config::for_db(dir.path().join("k.db"));
    config.keep_days = Some(30);
    let err = flowtrack::Application::build(config)
        .err()
        .expect("--keep-days alone is refused");
    assert!(err.to_string().contains("--clickhouse"), "{err}");

    // The same from the command line (and its environment variable).
    for (args, env) in [
        (&["serve", "--keep-days", "30"][..], None),
        (&["serve"], Some(("FLOWTRACK_KEEP_DAYS", "30"))),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_flowtrack"))
            .arg("--db")
            .arg(dir.path().join("cli.db"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} {env:?}: the server started");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(!status.success(), "{args:?} {env:?}");
        assert!(err.contains("--keep-days needs --clickhouse"), "{err}");
    }
}
