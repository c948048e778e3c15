//! Upgrading a database of the previous format (step 8) to traffic
//! sources and landing pages (step 9, src/schema/step9_sources_landings.sql):
//! it opens at the latest version; its clicks and leads keep every
//! number and answer source, landing page and offer "none" (0), with no
//! landing click; new clicks and the stats of the new items work on it.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::json;

#[test]
fn a_step_8_database_upgrades_with_its_clicks_and_leads() {
    let app = spawn_app();
    let site = app.api("site", "url=https://o.test/?c={click}")["site"]
        .as_i64()
        .unwrap();
    let r = app.api_json("flow", &json!({"flow": "old", "ways": [{"site": site}]}));
    assert_eq!(r["status"], "ok", "{r}");
    for _ in 0..3 {
        assert_eq!(app.click("/old?subid=a", &[]).status, 302);
    }
    let click = app.api("clicks", "")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    let pb = app.api(
        "postback",
        &format!("click={click}&status=approve&payout=5"),
    );
    assert_eq!(pb["status"], "ok", "{pb}");
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let period = format!("from={today}&to={today}");
    let before = app.api("stats", &format!("{period}&item=flow"));
    let db = app.stop();
    // As step 8 left it: none of step 9's tables and columns.
    let conn = rusqlite::Connection::open(&db).unwrap();
    undo_step_9(&conn, true);
    conn.execute_batch("PRAGMA user_version = 8").unwrap();
    drop(conn);

    let app = restart(db.clone());
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(app.api("stats", &format!("{period}&item=flow")), before);
    let c = &app.api("clicks", "")["clicks"][0];
    assert_eq!(
        [&c["source"], &c["landing"], &c["offer"], &c["lpclick"]],
        [&json!(0); 4],
        "{c}"
    );
    let l = &app.api("leads", &period)["leads"][0];
    assert_eq!(
        [&l["source"], &l["landing"], &l["offer"]],
        [&json!(0); 3],
        "{l}"
    );
    for item in ["source", "landing", "offer"] {
        let r = app.api("stats", &format!("{period}&item={item}"));
        assert_eq!(r["stats"]["0"]["click"], 3, "{item}: {r}");
        assert_eq!(r["total"], before["total"], "{item}: {r}");
    }
    // A new click on the upgraded file names its offer.
    assert_eq!(app.click("/old", &[]).status, 302);
    let r = app.api("stats", &format!("{period}&item=offer"));
    assert_eq!(r["stats"]["0"]["click"], 3, "{r}");
    assert_eq!(r["stats"][site.to_string()]["click"], 1, "{r}");
    drop((app, conn));
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
