//! Upgrading in place (SPEC 5: "an empty database is created from
//! schema.sql and upgraded in place on later versions"): a database left
//! by the first release, with click prices stored in the click rows, is
//! opened by this version. It reaches the latest schema version and shows
//! the same spend in stats.json (rollups and click table) and clicks.json,
//! and spend.json and the click path keep working on it.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::json;
use std::path::PathBuf;

/// A database as version 1 made it: schema.sql, the admin, flows m1 and
/// m2 with 12 clicks each on 2024-05-10 (UTC), and m1's clicks priced
/// 0.25 the way version 1's spend.json did (the click rows' `cost`
/// column and the rollups' spend).
fn version_1_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(include_str!("../../schema.sql"))
        .unwrap();
    conn.execute_batch("PRAGMA user_version = 1").unwrap();
    // Version 1's users had one plaintext token.
    conn.execute(
        "INSERT INTO users (name, token, password, created) VALUES ('admin', ?1, ?2, 0)",
        [
            flowtrack::accounts::tokens::random(32),
            flowtrack::accounts::hash_password("v1 password"),
        ],
    )
    .unwrap();
    let admin = conn.last_insert_rowid();
    for flow in ["m1", "m2"] {
        conn.execute(
            "INSERT INTO flows (id, user_id, name, created) VALUES (?1, ?2, ?1, 0)",
            rusqlite::params![flow, admin],
        )
        .unwrap();
    }
    // Today's writer path (below) also keeps the click columns of step 6,
    // which version 1 did not have: stand-in tables, dropped after.
    conn.execute_batch(
        "CREATE TABLE click_cols (id INTEGER PRIMARY KEY, user_id INTEGER, last INTEGER,
           n INTEGER, data BLOB);
         CREATE TABLE click_cols_cost (id INTEGER PRIMARY KEY, data BLOB);",
    )
    .unwrap();
    // And the click row's columns and click_wide of step 9, taken back
    // after too.
    conn.execute_batch(STEP_9_CLICK_COLUMNS).unwrap();
    step_9_wide(&conn);
    drop(conn);
    let clicks: Vec<Click> = (0..24)
        .map(|i| Click {
            t: utc("2024-05-10 01:00") + i * 3000,
            user: admin,
            flow: ["m1", "m2"][i as usize % 2],
            geo: ["de", "us"][i as usize % 3 / 2],
            subid: ["x", "y", "z"][i as usize % 3],
            ..Click::default()
        })
        .collect();
    insert_clicks(&db, &clicks);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "UPDATE clicks SET cost = 0.25 WHERE flow = 'm1';
         UPDATE click_roll SET cost = clicks * 0.25 WHERE flow = 'm1';
         UPDATE click_wide SET cost = clicks * 0.25 WHERE flow = 'm1';
         DROP TABLE click_cols;
         DROP TABLE click_cols_cost;",
    )
    .unwrap();
    drop_step_9_click_columns(&conn);
    drop_step_9_rollups(&conn);
    (dir, db)
}

/// Spend per flow on 2024-05-10 from the rollups (whole day) and from
/// the click table (a period inside the day), which must agree.
fn spend_by_flow(app: &TestApp) -> serde_json::Value {
    let a = app.api("stats", "from=2024-05-10&to=2024-05-10&item=flow");
    let start = utc("2024-05-10 00:00");
    let b = app.api(
        "stats",
        &format!("ufrom={}&uto={}&item=flow", start + 1, start + 86_398),
    );
    assert_eq!(a["stats"], b["stats"]);
    assert_eq!(a["total"], b["total"]);
    json!({
        "m1": a["stats"]["m1"]["spend"],
        "m2": a["stats"]["m2"]["spend"],
        "total": a["total"]["spend"],
    })
}

#[test]
fn a_version_1_database_keeps_its_click_prices_after_the_upgrade() {
    let (_dir, db) = version_1_database();
    assert_eq!(user_version(&db), 1);
    let app = restart(db.clone());
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    assert_eq!(
        spend_by_flow(&app),
        json!({"m1": 3.0, "m2": 0.0, "total": 3.0})
    );
    let by_subid = app.api("stats", "from=2024-05-10&to=2024-05-10&item=subid");
    assert_eq!(by_subid["total"]["spend"], 3.0, "{by_subid}");
    let list = app.api("clicks", "limit=100");
    let rows = list["clicks"].as_array().unwrap();
    assert_eq!(rows.len(), 24);
    for r in rows {
        let expect = if r["flow"] == "m1" { 0.25 } else { 0.0 };
        assert_eq!(r["cost"], expect, "{r}");
    }
    // Only priced clicks have a price row.
    let conn = app.db();
    let priced: i64 = conn
        .query_row("SELECT count(*) FROM click_cost", [], |r| r.get(0))
        .unwrap();
    assert_eq!(priced, 12);

    // spend.json on the upgraded database, both ways of writing prices.
    let ok = |n: i64| json!({"status": "ok", "ok": 1, "bad": 0, "clicks": n});
    assert_eq!(app.api("spend", "cpc=0.5&flow=m1"), ok(12));
    assert_eq!(app.api("spend", "cost=2&flow=m2&subid=x"), ok(4));
    assert_eq!(
        spend_by_flow(&app),
        json!({"m1": 6.0, "m2": 2.0, "total": 8.0})
    );
    // Per subid from the click columns (step 6 filled them from the
    // clicks), a whole day and one second less at each end.
    let start = utc("2024-05-10 00:00");
    let a = app.api("stats", "from=2024-05-10&to=2024-05-10&item=subid");
    let b = app.api(
        "stats",
        &format!("ufrom={}&uto={}&item=subid", start + 1, start + 86_398),
    );
    assert_eq!(a["stats"], b["stats"]);
    for geo in ["de", "us"] {
        let q = |period: &str| app.api("stats", &format!("{period}&item=subid&geo={geo}"));
        let a = q("from=2024-05-10&to=2024-05-10");
        let b = q(&format!("ufrom={}&uto={}", start + 1, start + 86_398));
        assert!(a["total"]["click"].as_i64().unwrap() > 0, "{a}");
        assert_eq!(a["stats"], b["stats"], "geo={geo}");
        assert_eq!(a["total"], b["total"], "geo={geo}");
    }
    assert_eq!(
        (
            a["stats"]["x"]["spend"].clone(),
            a["total"]["spend"].clone()
        ),
        (json!(4.0), json!(8.0)),
        "{a}"
    );
    // Per address from the click columns (step 6 filled them from the
    // clicks): every click and price counted once.
    let by_ip = app.api("stats", "from=2024-05-10&to=2024-05-10&item=ip");
    assert_eq!(
        (
            by_ip["total"]["click"].clone(),
            by_ip["total"]["spend"].clone()
        ),
        (json!(24), json!(8.0)),
        "{by_ip}"
    );
    let x = app.api("clicks", "flow=m2&subid=x");
    assert!(x["clicks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["cost"] == 0.5));

    // New clicks are stored without a price.
    app.flow_with_urls("m3", &["https://m3.test/"]);
    assert_eq!(app.click("/m3", &[]).status, 302);
    let new = app.api("clicks", "flow=m3");
    assert_eq!(new["clicks"][0]["cost"], 0.0, "{new}");

    // A restart finds nothing left to migrate.
    let db = app.stop();
    let app = restart(db.clone());
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    assert_eq!(spend_by_flow(&app)["total"], 8.0);
}
