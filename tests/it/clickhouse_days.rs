//! Days in ClickHouse (docs/SCALING.md "Reports"): a part never holds a
//! row twice, quiet days are merged into one part, and reports read a
//! day of one part without `FINAL` and a day of several with it. The
//! differential tests (clickhouse_reports.rs) ask every report again with
//! every day merged, and with every other day holding stale copies of its
//! rows in a second part: the answers must stay the same.
use crate::clickhouse_ship::{caught_up, shipping};
use crate::common::clickhouse::ClickHouse;
use crate::common::*;
use std::time::{Duration, Instant};

const TABLES: [(&str, &str); 2] = [
    ("clicks_by_day", "intDiv(id, 5662310400000)"),
    ("leads_by_day", "intDiv(time, 86400)"),
];
/// How long the merging thread may take to merge every day.
const MERGED_WITHIN: Duration = Duration::from_secs(60);

/// Days of `table` in more than one part.
pub fn split_days(ch: &ClickHouse, db: &str, table: &str) -> usize {
    ch.query(&format!(
        "SELECT partition FROM system.parts WHERE database = '{db}' AND table = '{table}' \
         AND active GROUP BY partition HAVING count() > 1"
    ))
    .lines()
    .count()
}

/// Fails when a part of `db` holds a click or a lead twice (what makes a
/// day of one part exact without `FINAL`).
pub fn each_row_once_per_part(ch: &ClickHouse, db: &str) {
    for (table, _) in TABLES {
        let twice = ch.query(&format!(
            "SELECT count() FROM (SELECT _part, node, id FROM {db}.{table} \
             GROUP BY _part, node, id HAVING count() > 1)"
        ));
        assert_eq!(twice.trim(), "0", "{table}: a part holds a row twice");
    }
}

/// Waits until every day of `db` is one part.
pub fn merged(ch: &ClickHouse, db: &str) {
    let deadline = Instant::now() + MERGED_WITHIN;
    while TABLES.iter().any(|(t, _)| split_days(ch, db, t) > 0) {
        assert!(Instant::now() < deadline, "days of {db} were not merged");
        std::thread::sleep(Duration::from_millis(100));
    }
    each_row_once_per_part(ch, db);
}

/// Adds, in a second part of every other day, a stale copy of each row
/// (version 0, other values): read without `FINAL`, those days would
/// count every row twice and wrong.
pub fn stale_copies(ch: &ClickHouse, db: &str) {
    for (table, day) in TABLES {
        let columns: Vec<String> = ch
            .query(&format!("DESCRIBE TABLE {db}.{table}"))
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        let values: Vec<String> = columns
            .iter()
            .map(|c| match c.as_str() {
                "ver" => "toUInt64(0)".into(),
                "cost" | "base" => format!("{c} + 1000"),
                "uniq" => "1 - uniq".into(),
                "stage" => "(stage + 1) % 5".into(),
                "geo" | "subid" | "goal" => format!("concat({c}, 'x')"),
                _ => c.clone(),
            })
            .collect();
        ch.query(&format!(
            "INSERT INTO {db}.{table} ({}) SELECT {} FROM {db}.{table} WHERE {day} % 2 = 0",
            columns.join(", "),
            values.join(", ")
        ));
    }
}

#[test]
fn a_batch_holds_each_row_once_even_when_the_log_names_it_twice() {
    let mut ch = ClickHouse::start();
    let ship = shipping(&ch, "once");
    let app = spawn_with(move |c| {
        ship(c);
        c.merge_days = false;
    });
    // Logged while ClickHouse is stopped, so that one batch carries the
    // clicks with their landing clicks, leads and stage changes.
    ch.stop();
    crate::landing_lp::funnel(&app);
    for _ in 0..10 {
        assert_eq!(app.click("/fl", &[]).status, 302);
        let id = app.api("clicks", "limit=1")["clicks"][0]["click"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(app.click(&format!("/lp/{id}/2"), &[]).status, 302);
        for status in ["lead", "approve"] {
            let r = app.api("postback", &format!("click={id}&status={status}&price=2"));
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
    // Fewer log rows than a batch reads (256): one batch, one part.
    ch.restart();
    caught_up(&ch, "once", &app.db);
    each_row_once_per_part(&ch, "once");
}

#[test]
fn quiet_days_are_merged_into_one_part_and_days_with_new_rows_are_left() {
    let ch = ClickHouse::start();
    let ship = shipping(&ch, "quiet");
    let app = spawn_with(move |c| {
        ship(c);
        c.merge_days = false;
    });
    app.flow_with_urls("quiet", &["https://o.test/?c={click}"]);
    assert_eq!(app.click("/quiet?subid=a", &[]).status, 302);
    caught_up(&ch, "quiet", &app.db);
    // ClickHouse merges small parts on its own: stopped, to see the
    // days in several parts.
    ch.query("SYSTEM STOP MERGES quiet.clicks_by_day");
    stale_copies(&ch, "quiet");
    assert_eq!(app.click("/quiet?subid=b", &[]).status, 302);
    caught_up(&ch, "quiet", &app.db);
    assert!(split_days(&ch, "quiet", "clicks_by_day") > 0);
    // Days with rows younger than the quiet time are left alone.
    let target = flowtrack::clickhouse::Target::parse(&ch.url("quiet")).unwrap();
    let client = flowtrack::clickhouse::Client::new(target, Duration::from_secs(30));
    let asked = flowtrack::clickhouse::settle::pass(&client, Duration::from_secs(3600), || true);
    assert_eq!(asked.map_err(|e| e.message).unwrap(), 0);
    assert!(split_days(&ch, "quiet", "clicks_by_day") > 0);
    // Quiet for no time: merged.
    ch.query("SYSTEM START MERGES quiet.clicks_by_day");
    let db = app.stop();
    let ship = shipping(&ch, "quiet");
    let _app = restart_with(db, move |c| {
        ship(c);
        c.merge_after = Duration::ZERO;
    });
    merged(&ch, "quiet");
}

/// Step 2 moves a database of step 1 (a month per partition) to a day per
/// partition, each row once at its newest version, also when an earlier
/// try stopped after dropping the old clicks table.
#[test]
fn a_clickhouse_database_of_step_one_is_moved_to_days() {
    use flowtrack::clickhouse::schema::STEPS;
    let ch = ClickHouse::start();
    ch.query("CREATE DATABASE up");
    for sql in STEPS[0] {
        ch.query_with("database=up", sql);
    }
    ch.query("CREATE TABLE up.flowtrack_schema (version UInt32) ENGINE = TinyLog");
    ch.query("INSERT INTO up.flowtrack_schema VALUES (1)");
    let (a, b) = (117_577_875_456_000_001_i64, 117_577_875_456_000_002_i64);
    ch.query(&format!(
        "INSERT INTO up.clicks (node, id, user_id, geo, cost, ver) VALUES \
         (1, {a}, 5, 'de', 1.5, 1), (1, {b}, 5, 'us', 1, 1)"
    ));
    ch.query(&format!(
        "INSERT INTO up.clicks (node, id, user_id, geo, cost, ver) VALUES (1, {a}, 5, 'de', 2.5, 2)"
    ));
    ch.query("INSERT INTO up.leads (node, id, user_id, time, stage, ver) VALUES (1, 1, 5, 1794096000, 0, 1)");
    ch.query("INSERT INTO up.leads (node, id, user_id, time, stage, ver) VALUES (1, 1, 5, 1794096000, 1, 2)");
    // A try cut short after the clicks were copied and their old table
    // dropped; the version still says 1.
    for sql in &STEPS[1][..5] {
        ch.query_with("database=up", sql);
    }
    let _app = spawn_with(shipping(&ch, "up"));
    let deadline = Instant::now() + MERGED_WITHIN;
    while ch
        .query("SELECT max(version) FROM up.flowtrack_schema")
        .trim()
        != "2"
    {
        assert!(Instant::now() < deadline, "not upgraded");
        std::thread::sleep(Duration::from_millis(50));
    }
    let clicks = ch.query("SELECT id, cost, geo FROM up.clicks_by_day ORDER BY id");
    assert_eq!(clicks, format!("{a}\t2.5\tde\n{b}\t1\tus\n"));
    let leads = ch.query("SELECT id, stage FROM up.leads_by_day");
    assert_eq!(leads, "1\t1\n");
    for old in ["clicks", "leads"] {
        assert_eq!(ch.query(&format!("EXISTS TABLE up.{old}")).trim(), "0");
    }
    each_row_once_per_part(&ch, "up");
}
