//! Upgrading a database of the previous format (step 10) to the ship log
//! (step 11, src/schema/step11_ship.sql): it opens at the latest version
//! with a node id of its own, and once started with `--clickhouse` it
//! sends everything it held before the upgrade.
use crate::clickhouse_ship::{caught_up, node_of, shipping};
use crate::common::clickhouse::ClickHouse;
use crate::common::fixtures::*;
use crate::common::*;

#[test]
fn a_step_10_database_upgrades_and_ships_what_it_held() {
    let app = spawn_app();
    app.flow_with_urls("old", &["https://o.test/?c={click}"]);
    for i in 0..5 {
        assert_eq!(app.click(&format!("/old?subid=s{i}"), &[]).status, 302);
    }
    let click = app.api("clicks", "limit=1")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.api("postback", &format!("click={click}&status=approve&price=3"));
    assert_eq!(r["status"], "ok", "{r}");
    let db = app.stop();
    let conn = rusqlite::Connection::open(&db).unwrap();
    undo_step_11(&conn);
    conn.execute_batch("PRAGMA user_version = 10").unwrap();
    drop(conn);

    let ch = ClickHouse::start();
    let app = restart_with(db.clone(), shipping(&ch, "up"));
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    assert!((1..=4095).contains(&node_of(&db)));
    caught_up(&ch, "up", &app.db);
    assert_eq!(
        ch.query("SELECT count() FROM up.clicks_by_day FINAL")
            .trim(),
        "5"
    );
    assert_eq!(
        ch.query("SELECT count() FROM up.leads_by_day FINAL").trim(),
        "1"
    );
}
