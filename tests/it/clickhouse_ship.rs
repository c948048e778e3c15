//! Shipping to ClickHouse (docs/SCALING.md "Shipping"), against a real
//! ClickHouse server (tests/it/common/clickhouse.rs): every committed
//! click, lead, stage change and price arrives; a row sent twice counts
//! once; an outage loses nothing; two nodes share one ClickHouse; a node
//! keeps its id.
use crate::common::clickhouse::ClickHouse;
use crate::common::server::Server;
use crate::common::*;
use flowtrack::clickhouse::Target;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the shipper may take to catch up in a test (it ships every
/// 50 ms here; a loaded CI machine is slow).
const CATCH_UP: Duration = Duration::from_secs(90);

pub fn shipping(
    ch: &ClickHouse,
    db: &str,
) -> impl FnOnce(&mut flowtrack::config::Config) + Send + 'static {
    let target = Target::parse(&ch.url(db)).unwrap();
    move |c| {
        c.clickhouse = Some(target);
        c.ship_interval = Duration::from_millis(50);
    }
}

/// Each click as (id, price in 1/10,000, subid, offer, landing click) and
/// each lead as (id, stage, value in 1/10,000, goal), one per line, from
/// the node's SQLite file.
fn sqlite_rows(db: &Path) -> (String, String, i64) {
    let conn = flowtrack::db::open(db).unwrap();
    let lines = |sql: &str| -> String {
        let mut st = conn.prepare(sql).unwrap();
        let rows = st
            .query_map([], |r| {
                Ok((0..r.as_ref().column_count())
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join("\t"))
            })
            .unwrap();
        rows.map(|r| r.unwrap() + "\n").collect()
    };
    let clicks = lines(
        "SELECT c.id, CAST(round(coalesce(k.cost, 0) * 10000) AS INTEGER), c.subid, c.offer, c.lp
         FROM clicks c LEFT JOIN click_cost k ON k.id = c.id ORDER BY c.id",
    );
    let leads = lines(
        "SELECT id, stage, CAST(round(base * 10000) AS INTEGER), goal FROM leads ORDER BY id",
    );
    let stages: i64 = conn
        .query_row("SELECT count(*) FROM lead_stages", [], |r| r.get(0))
        .unwrap();
    (clicks, leads, stages)
}

/// The same from ClickHouse, for `node`'s rows (an error until the
/// shipper made the tables).
fn clickhouse_rows(ch: &ClickHouse, db: &str, node: i64) -> Result<(String, String, i64), String> {
    let clicks = ch.try_query(&format!(
        "SELECT id, toInt64(round(cost * 10000)), subid, offer, lp FROM {db}.clicks_by_day FINAL
         WHERE node = {node} ORDER BY id FORMAT TabSeparatedRaw"
    ))?;
    let leads = ch.try_query(&format!(
        "SELECT id, stage, toInt64(round(base * 10000)), goal FROM {db}.leads_by_day FINAL
         WHERE node = {node} ORDER BY id FORMAT TabSeparatedRaw"
    ))?;
    let stages = ch.try_query(&format!(
        "SELECT count() FROM {db}.lead_stages FINAL WHERE node = {node}"
    ))?;
    Ok((
        clicks,
        leads,
        stages.trim().parse().map_err(|e| format!("{e}"))?,
    ))
}

pub fn node_of(db: &Path) -> i64 {
    let conn = flowtrack::db::open(db).unwrap();
    conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM ship_state WHERE key = 'node'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// Waits until ClickHouse holds exactly what the node holds.
pub fn caught_up(ch: &ClickHouse, db: &str, file: &Path) {
    let node = node_of(file);
    let deadline = Instant::now() + CATCH_UP;
    loop {
        let want = sqlite_rows(file);
        let got = clickhouse_rows(ch, db, node);
        if got.as_ref() == Ok(&want) {
            crate::clickhouse_days::each_row_once_per_part(ch, db);
            return;
        }
        if Instant::now() > deadline {
            let got = got.expect("ClickHouse answers");
            assert_eq!(got.0, want.0, "clicks in ClickHouse");
            assert_eq!(got.1, want.1, "leads in ClickHouse");
            assert_eq!(got.2, want.2, "stage changes in ClickHouse");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Clicks on `flow` with subids `s{from}..s{to}`; answers their public ids.
fn clicks(app: &TestApp, flow: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| {
            let r = app.click(&format!("/{flow}?subid=s{i}"), &[("User-Agent", CHROME_UA)]);
            assert_eq!(r.status, 302);
            let loc = r.header("Location").unwrap();
            loc.rsplit("c=").next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn every_click_lead_stage_and_price_reaches_clickhouse_once() {
    let ch = ClickHouse::start();
    let app = spawn_with(shipping(&ch, "one"));
    app.flow_with_urls("ship", &["https://o.test/?c={click}"]);
    let ids = clicks(&app, "ship", 0..40);
    caught_up(&ch, "one", &app.db);

    // Each change after its rows were sent: leads and their stages, a
    // landing click's offer, a spend's prices, a currency change.
    for (i, id) in ids.iter().enumerate().take(12) {
        let r = app.api("postback", &format!("click={id}&status=lead&price=2"));
        assert_eq!(r["status"], "ok", "{r}");
        if i % 3 == 0 {
            caught_up(&ch, "one", &app.db);
            let r = app.api("postback", &format!("click={id}&status=approve&price=5"));
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
    caught_up(&ch, "one", &app.db);
    // A landing click sets the click's landing-click time and offer.
    crate::landing_lp::funnel(&app);
    assert_eq!(app.click("/fl", &[]).status, 302);
    let id = app.api("clicks", "limit=1")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    caught_up(&ch, "one", &app.db);
    assert_eq!(app.click(&format!("/lp/{id}/2"), &[]).status, 302);
    caught_up(&ch, "one", &app.db);
    let r = app.api("spend", "cost=8&flow=ship");
    assert_eq!(r["status"], "ok", "{r}");
    caught_up(&ch, "one", &app.db);
    let r = app.api("profile", "currency=eur");
    assert_eq!(r["currency"], "eur", "{r}");
    caught_up(&ch, "one", &app.db);

    // A run without ClickHouse logs nothing; the next run with it sends
    // everything again, and every row still counts once.
    let db = app.stop();
    let app = restart(db);
    clicks(&app, "ship", 40..45);
    let db = app.stop();
    let app = restart_with(db, shipping(&ch, "one"));
    caught_up(&ch, "one", &app.db);
    let n: i64 = ch
        .query("SELECT count() FROM one.clicks_by_day FINAL")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(n, 46);
}

#[test]
fn an_outage_of_clickhouse_loses_nothing_and_doubles_nothing() {
    let mut ch = ClickHouse::start();
    let app = spawn_with(shipping(&ch, "out"));
    app.flow_with_urls("ship", &["https://o.test/?c={click}"]);
    clicks(&app, "ship", 0..20);
    caught_up(&ch, "out", &app.db);

    ch.stop();
    // Clicks and postbacks go on while ClickHouse is down.
    let ids = clicks(&app, "ship", 20..220);
    for id in ids.iter().take(10) {
        let r = app.api("postback", &format!("click={id}&status=approve&price=3"));
        assert_eq!(r["status"], "ok", "{r}");
    }
    let waiting: i64 = app
        .db()
        .query_row("SELECT count(*) FROM ship_log", [], |r| r.get(0))
        .unwrap();
    assert!(waiting > 0, "the writes wait in the log");
    ch.restart();
    caught_up(&ch, "out", &app.db);
    let n: i64 = ch
        .query("SELECT count() FROM out.clicks_by_day FINAL")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(n, 220);
}

#[test]
fn two_nodes_ship_into_one_clickhouse_each_under_its_own_id() {
    let ch = ClickHouse::start();
    let a = spawn_with(shipping(&ch, "shared"));
    let b = spawn_with(shipping(&ch, "shared"));
    let mut firsts = Vec::new();
    for (app, n) in [(&a, 30), (&b, 17)] {
        app.flow_with_urls("ship", &["https://o.test/?c={click}"]);
        let ids = clicks(app, "ship", 0..n);
        let r = app.api(
            "postback",
            &format!("click={}&status=approve&price=1", ids[0]),
        );
        assert_eq!(r["status"], "ok", "{r}");
        // The 20th and 21st characters of a click id name its node: a
        // proxy routes postbacks by them (docs/SCALING.md).
        assert!(ids.iter().all(|id| id[19..21] == ids[0][19..21]), "{ids:?}");
        firsts.push(ids[0].clone());
    }
    assert_ne!(node_of(&a.db), node_of(&b.db));
    assert_ne!(firsts[0][19..21], firsts[1][19..21]);
    // A postback sent to the node that did not issue the click.
    let r = b.api("postback", &format!("click={}&status=approve", firsts[0]));
    assert_eq!(r["error"], "bad-click", "{r}");
    caught_up(&ch, "shared", &a.db);
    caught_up(&ch, "shared", &b.db);
    let all = ch.query("SELECT count(), uniqExact(node) FROM shared.clicks_by_day FINAL");
    assert_eq!(all.trim(), "47\t2");
    // A shipping node's leads are numbered from node << 32: two nodes'
    // leads never share an id in ClickHouse's reports.
    let leads = ch.query("SELECT node, id FROM shared.leads_by_day FINAL ORDER BY node");
    let leads: Vec<(i64, i64)> = leads
        .lines()
        .map(|l| {
            let (n, id) = l.split_once('\t').unwrap();
            (n.parse().unwrap(), id.parse().unwrap())
        })
        .collect();
    assert_eq!(leads.len(), 2, "{leads:?}");
    for (node, id) in &leads {
        assert_eq!(*id, (node << 32) + 1, "{leads:?}");
    }
}

#[test]
fn a_nodes_id_is_kept_and_cannot_change_once_it_shipped() {
    let ch = ClickHouse::start();
    let target = Target::parse(&ch.url("ids")).unwrap();
    let t = target.clone();
    let app = spawn_with(move |c| {
        c.clickhouse = Some(t);
        c.node = Some(7);
        c.ship_interval = Duration::from_millis(50);
    });
    app.flow_with_urls("ship", &["https://o.test/?c={click}"]);
    clicks(&app, "ship", 0..3);
    caught_up(&ch, "ids", &app.db);
    assert_eq!(
        ch.query("SELECT DISTINCT node FROM ids.clicks_by_day")
            .trim(),
        "7"
    );
    let db = app.stop();

    let mut config = flowtrack::config::Config::for_db(&db);
    config.clickhouse = Some(target);
    config.node = Some(8);
    let err = flowtrack::Application::build(config)
        .err()
        .expect("a new node id is refused");
    assert!(err.to_string().contains("node 7"), "{err}");
    assert_eq!(node_of(&db), 7);
}

/// `flowtrack demo` on `db` (its user started over when it has one).
fn demo(db: &Path, clicks: u32) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(["demo", "--clicks", &clicks.to_string(), "--days", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_node_killed_while_shipping_counts_each_click_once() {
    let ch = ClickHouse::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    demo(&db, 100_000);
    let env = [
        ("FLOWTRACK_CLICKHOUSE", ch.url("kill")),
        ("FLOWTRACK_SHIP_INTERVAL_MS", "50".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start_with(&db, &env, std::process::Stdio::null());
    // Killed once the first batches are in, with more still to send.
    let deadline = Instant::now() + CATCH_UP;
    loop {
        let n: i64 = ch
            .try_query("SELECT count() FROM kill.clicks_by_day")
            .map(|t| t.trim().parse().unwrap_or(0))
            .unwrap_or(0);
        if n > 0 {
            assert!(n < 100_000, "the kill came after everything was sent");
            break;
        }
        assert!(Instant::now() < deadline, "nothing reached ClickHouse");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.signal("KILL");
    server.wait(Duration::from_secs(10)).expect("killed");
    let _server = Server::start_with(&db, &env, std::process::Stdio::null());
    caught_up(&ch, "kill", &db);
}

#[test]
fn a_demo_started_over_leaves_only_its_new_clicks_in_clickhouse() {
    let ch = ClickHouse::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db, 3000);
    let app = restart_with(db.clone(), shipping(&ch, "demo"));
    caught_up(&ch, "demo", &app.db);
    let db = app.stop();
    demo(&db, 3000);
    let app = restart_with(db, shipping(&ch, "demo"));
    caught_up(&ch, "demo", &app.db);
}

#[test]
fn a_clickhouse_that_lost_its_data_gets_everything_again() {
    let ch = ClickHouse::start();
    let app = spawn_with(shipping(&ch, "lost"));
    app.flow_with_urls("ship", &["https://o.test/?c={click}"]);
    let ids = clicks(&app, "ship", 0..9);
    let r = app.api(
        "postback",
        &format!("click={}&status=approve&price=2", ids[0]),
    );
    assert_eq!(r["status"], "ok", "{r}");
    caught_up(&ch, "lost", &app.db);
    let db = app.stop();
    // The same URL, an empty database (a ClickHouse replaced or restored
    // without this node's rows).
    ch.query("DROP DATABASE lost");
    let app = restart_with(db, shipping(&ch, "lost"));
    caught_up(&ch, "lost", &app.db);
    let n: i64 = ch
        .query("SELECT count() FROM lost.clicks_by_day FINAL")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(n, 9);
}
