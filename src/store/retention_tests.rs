use super::*;
use crate::click_id::key_at;
use crate::store::append::write_batch;
use crate::store::cols::fixture::{fixture, T0};
use crate::store::record::ClickRecord;
use crate::store::verify::{rebuild, verify, RebuildError, Report};

const DAY: i64 = 86_400;

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Shipping on, and everything logged so far already in ClickHouse.
fn shipped(conn: &Connection) {
    conn.execute_batch(
        "INSERT OR REPLACE INTO ship_state (key, value) VALUES ('logging', '1');
         DELETE FROM ship_log;",
    )
    .unwrap();
}

/// Trims in chunks of `max` until a chunk finds nothing; answers the
/// rows deleted.
fn trim_all(conn: &Connection, before: i64, max: usize) -> usize {
    let mut total = 0;
    loop {
        let n = trim(conn, before, max).unwrap();
        assert!(n <= max);
        total += n;
        if n < max {
            return total;
        }
    }
}

/// The id of the fixture's `n`th click.
fn nth(conn: &Connection, n: i64) -> i64 {
    count(
        conn,
        &format!("SELECT id FROM clicks ORDER BY id LIMIT 1 OFFSET {n}"),
    )
}

fn check(dir: &tempfile::TempDir) -> Report {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let mut conn = Connection::open_with_flags(dir.path().join("ip.db"), flags).unwrap();
    verify(&mut conn).unwrap()
}

#[test]
fn nothing_goes_while_writes_are_not_logged() {
    let (_dir, conn, _) = fixture();
    assert_eq!(trim(&conn, i64::MAX, 100_000).unwrap(), 0);
    assert_eq!(count(&conn, "SELECT count(*) FROM clicks"), 12_000);
    assert_eq!(horizon(&conn).unwrap(), None);
}

#[test]
fn old_clicks_go_in_id_order_with_their_prices_and_chunks() {
    let (_dir, conn, _) = fixture();
    shipped(&conn);
    let before = key_at(T0 + DAY);
    let old = count(
        &conn,
        &format!("SELECT count(*) FROM clicks WHERE id < {before}"),
    );
    assert!(old > 1000 && old < 11_000, "{old}");
    let chunks = count(&conn, "SELECT count(*) FROM click_cols");
    // One chunk: the oldest 1000, no other.
    let (last, cut) = (nth(&conn, 999), nth(&conn, 1000));
    assert_eq!(trim(&conn, before, 1000).unwrap(), 1000);
    assert_eq!(count(&conn, "SELECT min(id) FROM clicks"), cut);
    // Just past the last one deleted.
    assert_eq!(horizon(&conn).unwrap().unwrap().kept_from, last + 1);
    assert_eq!(trim_all(&conn, before, 1000) as i64, old - 1000);
    assert_eq!(
        count(
            &conn,
            &format!("SELECT count(*) FROM clicks WHERE id < {before}")
        ),
        0
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM clicks"), 12_000 - old);
    assert_eq!(horizon(&conn).unwrap().unwrap().kept_from, before);
    // Prices go with their clicks.
    let sql = format!("SELECT count(*) FROM click_cost WHERE id < {before}");
    assert_eq!(count(&conn, &sql), 0);
    assert!(count(&conn, "SELECT count(*) FROM click_cost") > 0);
    // Each user's fewer than 16,384 clicks share chunks that reach the
    // kept ones (merged again and again): those stay.
    assert_eq!(count(&conn, "SELECT count(*) FROM click_cols"), chunks);
    // The rollups stay: they count every click still.
    let sql = "SELECT sum(clicks) FROM click_roll WHERE kind = 0";
    assert_eq!(count(&conn, sql), 12_000);
}

#[test]
fn what_the_ship_log_still_names_stays() {
    let (_dir, conn, _) = fixture();
    shipped(&conn);
    let (a, b) = (nth(&conn, 3000), nth(&conn, 5000));
    // A range of clicks not sent yet, one sent from its third id on (a
    // spend's listed ids), and leads: only the clicks' rows hold it back.
    conn.execute_batch(&format!(
        "INSERT INTO ship_log (kind, user_id, lo, hi) VALUES (0, 0, {b}, {b} + 100);
         INSERT INTO ship_log (kind, user_id, lo, hi, ids) VALUES (0, 1, {a}, {b}, x'0102');
         INSERT INTO ship_log (kind, user_id, lo, hi) VALUES (1, 0, {}, {});
         INSERT INTO ship_log (kind, user_id, lo, hi) VALUES (2, 3, {}, {});",
        i64::MIN,
        i64::MAX,
        i64::MIN,
        i64::MAX
    ))
    .unwrap();
    assert_eq!(trim_all(&conn, i64::MAX, 700), 3000);
    assert_eq!(count(&conn, "SELECT min(id) FROM clicks"), a);
    // Once the listed ids are in ClickHouse, up to the range.
    conn.execute("DELETE FROM ship_log WHERE ids IS NOT NULL", [])
        .unwrap();
    assert_eq!(trim_all(&conn, i64::MAX, 700), 2000);
    assert_eq!(count(&conn, "SELECT min(id) FROM clicks"), b);
    // Shipping stopped: nothing is known to be in ClickHouse.
    conn.execute_batch(
        "DELETE FROM ship_log; UPDATE ship_state SET value = '0' WHERE key = 'logging';",
    )
    .unwrap();
    assert_eq!(trim(&conn, i64::MAX, 700).unwrap(), 0);
}

#[test]
fn verify_compares_what_the_kept_clicks_decide_and_rebuild_refuses() {
    let (dir, mut conn, _) = fixture();
    shipped(&conn);
    // Not at a bucket's start: the bucket it cuts is not compared.
    let before = key_at(T0 + DAY + 450);
    assert!(trim_all(&conn, before, 5000) > 0);
    let report = check(&dir);
    assert!(report.agrees(), "{report}");
    let h = report.trimmed.unwrap();
    assert_eq!(h.bucket, (T0 + DAY + 450).div_euclid(900) + 1);
    assert!(
        report
            .to_string()
            .contains("the click rows before 2023-11-15"),
        "{report}"
    );
    assert_eq!(
        report.clicks as i64,
        count(&conn, "SELECT count(*) FROM clicks")
    );
    // A kept click's copies still differ when they do.
    let sql = format!(
        "UPDATE click_roll SET clicks = clicks + 1 WHERE bucket >= {}",
        h.bucket
    );
    assert!(conn.execute(&sql, []).unwrap() > 0);
    assert!(!check(&dir).agrees());
    assert!(matches!(rebuild(&mut conn), Err(RebuildError::Trimmed(t)) if t == h));
}

/// A deleted click that landed after the horizon: its landing click
/// stays counted where no kept click explains it; verify starts the
/// landing-click rollups after it.
#[test]
fn a_landing_click_of_a_deleted_click_is_not_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::schema::open_and_migrate(&dir.path().join("ip.db")).unwrap();
    let click = |t: i64, lp: i64| ClickRecord {
        key: key_at(t),
        user_id: crate::ids::UserId(1),
        flow: "f".into(),
        lp,
        ..ClickRecord::default()
    };
    let clicks = [
        click(T0, T0 + 2 * DAY),
        click(T0 + 10, 0),
        click(T0 + 3 * DAY, T0 + 3 * DAY + 60),
        click(T0 + 4 * DAY, T0 + 4 * DAY + 5),
    ];
    write_batch(&mut conn, &clicks).unwrap();
    shipped(&conn);
    assert_eq!(trim(&conn, key_at(T0 + DAY), 10).unwrap(), 2);
    let h = horizon(&conn).unwrap().unwrap();
    assert_eq!(h.lp_bucket, (T0 + 2 * DAY) / 900 + 1);
    let report = check(&dir);
    assert!(report.agrees(), "{report}");
    assert_eq!(report.clicks, 2);
    // The kept clicks' landing clicks are compared.
    conn.execute(
        "DELETE FROM lp_roll WHERE bucket > ?1",
        [(T0 + 3 * DAY) / 900],
    )
    .unwrap();
    let report = check(&dir);
    let bad: Vec<&str> = report
        .copies
        .iter()
        .filter(|c| c.differences > 0)
        .map(|c| c.table)
        .collect();
    assert_eq!(bad, ["lp_roll"], "{report}");
}

#[test]
fn the_first_whole_bucket_follows_the_kept_id() {
    let at = |kept_from: i64| {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::schema::open_and_migrate(&dir.path().join("h.db")).unwrap();
        set_state(&conn, "kept_from", kept_from).unwrap();
        horizon(&conn).unwrap().unwrap()
    };
    let b = T0 / 900;
    assert_eq!(at(key_at(b * 900)).bucket, b);
    assert_eq!(at(key_at(b * 900) + 1).bucket, b + 1);
    assert_eq!(at(key_at(b * 900) - 1).bucket, b);
    assert_eq!(at(key_at(b * 900)).lp_bucket, 1);
}

#[test]
fn a_chunk_goes_once_all_its_clicks_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::schema::open_and_migrate(&dir.path().join("ip.db")).unwrap();
    let clicks: Vec<ClickRecord> = (0..40_000)
        .map(|i| ClickRecord {
            key: key_at(T0 + i * 10),
            user_id: crate::ids::UserId(1),
            flow: "f".into(),
            cost: if i % 2 == 0 { 0.5 } else { 0.0 },
            ..ClickRecord::default()
        })
        .collect();
    for batch in clicks.chunks(5000) {
        write_batch(&mut conn, batch).unwrap();
    }
    let chunks = |conn: &Connection| -> Vec<(i64, i64)> {
        let mut st = conn
            .prepare("SELECT id, last FROM click_cols ORDER BY id")
            .unwrap();
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    let all = chunks(&conn);
    assert!(all.len() >= 3, "{all:?}");
    // Within the second chunk: the first goes, the second stays whole.
    let before = all[1].0 + (all[1].1 - all[1].0) / 2;
    shipped(&conn);
    assert!(trim_all(&conn, before, 10_000) > 16_384);
    let kept: Vec<(i64, i64)> = all.iter().copied().filter(|c| c.1 >= before).collect();
    assert_eq!(chunks(&conn), kept);
    assert_eq!(kept[0], all[1]);
    let sql = "SELECT count(*) FROM click_cols_cost WHERE id NOT IN (SELECT id FROM click_cols)";
    assert_eq!(count(&conn, sql), 0);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM click_cols_cost"),
        kept.len() as i64
    );
    let report = check(&dir);
    assert!(report.agrees(), "{report}");
}
