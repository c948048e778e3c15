//! The SQL that flowtrack's ClickHouse backend sends, pinned on a real
//! server (common/clickhouse.rs): docs/SCALING.md lists this subset, and
//! a newer ClickHouse is checked against it by running this module with
//! FLOWTRACK_CLICKHOUSE_SERVER pointing at it. Nothing here needs more
//! than Debian's clickhouse-server 18.16.
//!
//! Each test starts its own server and works in a database of its own.
use crate::common::clickhouse::{ClickHouse, PASSWORD, USER};
use serde_json::{json, Value};

/// 2026-12-07 20:00:00 UTC: 2026-12-08 01:30 in Asia/Kolkata (UTC+05:30).
const INSTANT: u32 = 1_796_673_600;

/// Every column type the backend uses, a version column, a month partition.
fn create(ch: &ClickHouse, db: &str) {
    ch.query(&format!("CREATE DATABASE IF NOT EXISTS {db}"));
    ch.query(&format!(
        "CREATE TABLE IF NOT EXISTS {db}.visits (
            kind UInt8, port UInt16, n UInt32, id UInt64, ver UInt64,
            delta Int64, cost Float64, name String, t DateTime
        ) ENGINE = ReplacingMergeTree(ver) PARTITION BY toYYYYMM(t) ORDER BY (kind, id)"
    ));
}

/// One row as the backend sends it in a JSONEachRow body.
fn row(kind: u8, id: u64, ver: u64, name: &str, cost: f64, t: u32) -> Value {
    json!({
        "kind": kind, "port": 8080, "n": 70_000, "id": id, "ver": ver,
        "delta": -5_000_000_000i64, "cost": cost, "name": name, "t": t,
    })
}

fn insert(ch: &ClickHouse, db: &str, rows: &[Value]) {
    let mut body = format!("INSERT INTO {db}.visits FORMAT JSONEachRow\n");
    for r in rows {
        body.push_str(&r.to_string());
        body.push('\n');
    }
    assert_eq!(ch.query(&body), "");
}

/// The lines of a TabSeparated answer, each split at its tabs.
fn tsv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

#[test]
fn databases_and_tables_are_created_once() {
    let ch = ClickHouse::start();
    create(&ch, "created");
    create(&ch, "created");
    let dbs = ch.query("SELECT name FROM system.databases WHERE name = 'created'");
    assert_eq!(dbs, "created\n");
    let columns = ch.query(
        "SELECT name, type FROM system.columns
         WHERE database = 'created' AND table = 'visits' FORMAT TabSeparated",
    );
    let expected = [
        ["kind", "UInt8"],
        ["port", "UInt16"],
        ["n", "UInt32"],
        ["id", "UInt64"],
        ["ver", "UInt64"],
        ["delta", "Int64"],
        ["cost", "Float64"],
        ["name", "String"],
        ["t", "DateTime"],
    ];
    assert_eq!(tsv(&columns), expected.map(|c| c.map(String::from)));
    let table = ch.query(
        "SELECT engine, partition_key, sorting_key FROM system.tables
         WHERE database = 'created' FORMAT TabSeparated",
    );
    assert_eq!(table, "ReplacingMergeTree\ttoYYYYMM(t)\tkind, id\n");
    // One part per month.
    let november = INSTANT - 10 * 86_400;
    insert(
        &ch,
        "created",
        &[
            row(1, 1, 1, "a", 1.0, INSTANT),
            row(1, 2, 1, "b", 1.0, november),
        ],
    );
    let partitions = ch.query(
        "SELECT DISTINCT partition FROM system.parts
         WHERE database = 'created' AND table = 'visits' AND active ORDER BY partition",
    );
    assert_eq!(partitions, "202611\n202612\n");
}

#[test]
fn a_batch_sent_twice_counts_once() {
    let ch = ClickHouse::start();
    create(&ch, "twice");
    let batch = [
        row(1, 10, 1, "a", 0.25, INSTANT),
        row(1, 11, 1, "b", 0.5, INSTANT + 1),
        row(2, 10, 1, "c", 1.0, INSTANT + 2),
    ];
    // A retried batch: the first answer was lost, the rows were kept.
    insert(&ch, "twice", &batch);
    insert(&ch, "twice", &batch);
    let final_ = ch.query("SELECT count(), sum(cost) FROM twice.visits FINAL");
    assert_eq!(final_, "3\t1.75\n");
    let grouped = ch.query(
        "SELECT count(), sum(c) FROM (
            SELECT kind, id, argMax(cost, ver) AS c FROM twice.visits GROUP BY kind, id
         )",
    );
    assert_eq!(grouped, "3\t1.75\n");
}

#[test]
fn the_highest_version_wins() {
    let ch = ClickHouse::start();
    create(&ch, "versions");
    // Versions arrive out of order, each in an INSERT of its own; another
    // key with the same id is left alone.
    insert(&ch, "versions", &[row(1, 7, 1, "first", 1.0, INSTANT)]);
    insert(&ch, "versions", &[row(1, 7, 3, "third", 3.0, INSTANT)]);
    insert(&ch, "versions", &[row(1, 7, 2, "second", 2.0, INSTANT)]);
    insert(&ch, "versions", &[row(2, 7, 1, "other", 9.0, INSTANT)]);
    let latest = "1\t7\tthird\t3\n2\t7\tother\t9\n";
    let final_ =
        ch.query("SELECT kind, id, name, cost FROM versions.visits FINAL ORDER BY kind, id");
    assert_eq!(final_, latest);
    let grouped = ch.query(
        "SELECT kind, id, argMax(name, ver), argMax(cost, ver) FROM versions.visits
         GROUP BY kind, id ORDER BY kind, id",
    );
    assert_eq!(grouped, latest);
    // A merge keeps the same rows: afterwards they read alike without FINAL.
    ch.query("OPTIMIZE TABLE versions.visits FINAL");
    let merged = ch.query("SELECT kind, id, name, cost FROM versions.visits ORDER BY kind, id");
    assert_eq!(merged, latest);
}

#[test]
fn times_in_a_half_hour_zone_and_quarter_hours() {
    let ch = ClickHouse::start();
    create(&ch, "times");
    // The last second of 2026-12-07 in Kolkata, its first of 2026-12-08,
    // and INSTANT.
    let before = INSTANT - 5401;
    let midnight = INSTANT - 5400;
    insert(
        &ch,
        "times",
        &[
            row(1, 1, 1, "before", 0.0, before),
            row(1, 2, 1, "midnight", 0.0, midnight),
            row(1, 3, 1, "instant", 0.0, INSTANT),
        ],
    );
    let got = ch.query(
        "SELECT name, toUInt32(t), toDate(t, 'Asia/Kolkata'), toHour(t, 'Asia/Kolkata'),
                intDiv(toUInt32(t), 900), toYYYYMM(t)
         FROM times.visits FINAL ORDER BY t FORMAT TabSeparated",
    );
    let expected = [
        format!("before\t{before}\t2026-12-07\t23\t1996297\t202612"),
        format!("midnight\t{midnight}\t2026-12-08\t0\t1996298\t202612"),
        format!("instant\t{INSTANT}\t2026-12-08\t1\t1996304\t202612"),
    ];
    assert_eq!(got, expected.join("\n") + "\n");
    // Days in the zone, as a report groups them.
    let days = ch.query(
        "SELECT toDate(t, 'Asia/Kolkata') AS day, count() FROM times.visits FINAL
         GROUP BY day ORDER BY day",
    );
    assert_eq!(days, "2026-12-07\t1\n2026-12-08\t2\n");
    // A DateTime sent as text is read in the server's time zone (UTC in
    // the harness) and answered as text in it.
    insert(
        &ch,
        "times",
        &[json!({"kind": 9, "id": 9, "ver": 1, "t": "2026-12-07 20:00:00"})],
    );
    let text = ch.query("SELECT toUInt32(t), t FROM times.visits WHERE kind = 9");
    assert_eq!(text, format!("{INSTANT}\t2026-12-07 20:00:00\n"));
}

#[test]
fn answers_in_json_and_tab_separated() {
    let ch = ClickHouse::start();
    create(&ch, "formats");
    let name = "tab\there, line\nbreak, back\\slash, quote\" é";
    insert(&ch, "formats", &[row(3, 42, 1, name, 0.125, INSTANT)]);
    let select = "SELECT kind, port, n, id, delta, cost, name, t FROM formats.visits FINAL";
    let answer: Value = serde_json::from_str(&ch.query(&format!("{select} FORMAT JSON")))
        .expect("FORMAT JSON is JSON");
    let types: Vec<&str> = answer["meta"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    let all = [
        "UInt8", "UInt16", "UInt32", "UInt64", "Int64", "Float64", "String", "DateTime",
    ];
    assert_eq!(types, all);
    assert_eq!(answer["rows"], 1);
    // 64-bit integers are JSON strings unless the query's URL says not.
    let expected = json!({
        "kind": 3, "port": 8080, "n": 70000, "id": "42", "delta": "-5000000000",
        "cost": 0.125, "name": name, "t": "2026-12-07 20:00:00",
    });
    assert_eq!(answer["data"], json!([expected]));
    let numbers: Value = serde_json::from_str(&ch.query_with(
        "output_format_json_quote_64bit_integers=0",
        &format!("{select} FORMAT JSON"),
    ))
    .unwrap();
    assert_eq!(numbers["data"][0]["id"], 42);
    assert_eq!(numbers["data"][0]["delta"], -5_000_000_000i64);
    // TabSeparated escapes tab, line break and backslash in a String.
    let tab = ch.query(&format!("{select} FORMAT TabSeparated"));
    let escaped = "tab\\there, line\\nbreak, back\\\\slash, quote\" é";
    let line = format!("3\t8080\t70000\t42\t-5000000000\t0.125\t{escaped}\t2026-12-07 20:00:00\n");
    assert_eq!(tab, line);
}

#[test]
fn the_backend_user_posts_to_its_database() {
    let ch = ClickHouse::start();
    create(&ch, "reach");
    assert_eq!(
        ch.query_with("database=reach", "SELECT currentDatabase()"),
        "reach\n"
    );
    // The URL the app is given carries the user and password.
    let url = ch.url("reach");
    assert_eq!(
        url,
        format!(
            "http://{USER}:{PASSWORD}@127.0.0.1:{}/reach",
            ch.http_port()
        )
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut ok = agent.post(&url).send("SELECT 1").unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body_mut().read_to_string().unwrap(), "1\n");
    // Writes need POST: a GET is read-only.
    let get = format!("{url}?query=CREATE%20DATABASE%20IF%20NOT%20EXISTS%20by_get");
    let mut refused = agent.get(&get).call().unwrap();
    assert_ne!(refused.status(), 200);
    let text = refused.body_mut().read_to_string().unwrap();
    assert!(text.contains("readonly"), "{text}");
    // Another password is refused.
    let wrong = url.replace(PASSWORD, "not-the-password");
    let denied = agent.post(&wrong).send("SELECT 1").unwrap();
    assert_ne!(denied.status(), 200);
}

#[test]
fn stop_and_restart_keep_the_data() {
    let mut ch = ClickHouse::start();
    create(&ch, "kept");
    insert(&ch, "kept", &[row(1, 1, 1, "a", 1.0, INSTANT)]);
    let url = ch.url("kept");
    assert!(ch.is_running());
    ch.stop();
    assert!(!ch.is_running());
    let down = ch.try_query("SELECT 1").unwrap_err();
    assert!(down.starts_with("no answer"), "{down}");
    ch.restart();
    assert!(ch.is_running());
    assert_eq!(ch.url("kept"), url);
    let rows = ch.query("SELECT kind, id, name FROM kept.visits FINAL");
    assert_eq!(rows, "1\t1\ta\n");
    insert(&ch, "kept", &[row(1, 1, 2, "b", 1.0, INSTANT)]);
    let rows = ch.query("SELECT kind, id, name FROM kept.visits FINAL");
    assert_eq!(rows, "1\t1\tb\n");
}
