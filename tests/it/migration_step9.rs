//! Upgrading a database of the previous format (step 8) to traffic
//! sources and landing pages (step 9, src/schema/step9_sources_landings.sql):
//! it opens at the latest version; its clicks and leads keep every
//! number and answer source, landing page and offer "none" (0), with no
//! landing click; new clicks and the stats of the new items work on it,
//! from the rollups step 9 fills and from click columns of the previous
//! format; every copy agrees with the rows (`flowtrack store verify`).
//! A change of base currency a crash left half done is finished first.
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
    let spent = app.api("spend", "flow=old&cost=3");
    assert_eq!(spent["clicks"], 3, "{spent}");
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let period = format!("from={today}&to={today}");
    let before = app.api("stats", &format!("{period}&item=flow"));
    let db = app.stop();
    // As step 8 left it: none of step 9's tables and columns.
    let conn = rusqlite::Connection::open(&db).unwrap();
    undo_step_9(&conn, true);
    conn.execute_batch("PRAGMA user_version = 8").unwrap();
    // A change to EUR a crash cut short after its first slice: the
    // currency and the leads are converted, the clicks' prices and the
    // rollups are not yet.
    let rate: f64 = conn
        .query_row(
            "SELECT (SELECT rate FROM rates WHERE currency = 'eur') / (SELECT rate FROM rates WHERE currency = 'usd')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute_batch(&format!(
        "UPDATE users SET currency = 'eur' WHERE name = 'admin';
         UPDATE leads SET base = base * {rate};
         UPDATE lead_roll SET mh = mh * {rate}, ma = ma * {rate};
         INSERT INTO rescale_pending (user_id, rate, phase, cursor, horizon)
           SELECT id, {rate}, 0, -9223372036854775808, (SELECT max(last) FROM click_cols)
           FROM users WHERE name = 'admin';"
    ))
    .unwrap();
    drop(conn);

    let app = restart(db.clone());
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let after = app.api("stats", &format!("{period}&item=flow"));
    assert_eq!(after["total"]["click"], before["total"]["click"]);
    let spend = after["total"]["spend"].as_f64().unwrap();
    assert!((spend - 3.0 * rate).abs() < 0.01, "{after}");
    let pending: i64 = conn
        .query_row("SELECT count(*) FROM rescale_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0);
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
    // From the rollups (a whole day), the click columns of the previous
    // format (a filter no rollup holds) and the click rows (offer).
    for q in ["", "&subid=a", "&ip=127.0.0.1,::1"] {
        for item in ["source", "landing", "offer"] {
            let r = app.api("stats", &format!("{period}&item={item}{q}"));
            assert_eq!(r["stats"]["0"]["click"], 3, "{item}{q}: {r}");
            assert_eq!(r["total"], after["total"], "{item}{q}: {r}");
        }
    }
    // A new click on the upgraded file names its offer.
    assert_eq!(app.click("/old", &[]).status, 302);
    let r = app.api("stats", &format!("{period}&item=offer"));
    assert_eq!(r["stats"]["0"]["click"], 3, "{r}");
    assert_eq!(r["stats"][site.to_string()]["click"], 1, "{r}");
    drop(app.stop());
    assert!(cli_last_line(&db, &["store", "verify"]).contains("agree"));
    drop(conn);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
