//! Upgrading a database of the previous format (step 9) to outbound
//! postbacks and the postback logs (step 10,
//! src/schema/step10_postbacks.sql): it opens at the latest version, its
//! sources keep every field and get the default template (nothing sent
//! until a URL is set), and its clicks convert into an outgoing postback
//! once one is.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::json;

#[test]
fn a_step_9_database_upgrades_with_its_sources() {
    let app = spawn_app();
    let site = app.api("site", "url=https://o.test/?c={click}")["site"]
        .as_i64()
        .unwrap();
    let source = app.api("source", "template=google&name=G")["source"]
        .as_i64()
        .unwrap();
    let r = app.api_json(
        "flow",
        &json!({"flow": "old", "source": source, "ways": [{"site": site}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.click("/old?gclid=G1", &[]).status, 302);
    let before = app.api("sources", "")["sources"][0].clone();
    let db = app.stop();
    let conn = rusqlite::Connection::open(&db).unwrap();
    undo_step_10(&conn);
    conn.execute_batch("PRAGMA user_version = 9").unwrap();
    drop(conn);

    let app = restart(db.clone());
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    let after = app.api("sources", "")["sources"][0].clone();
    let pb = &after["postback"];
    assert_eq!(pb["url"], "", "{after}");
    assert_eq!(pb["method"], "get");
    assert_eq!(pb["stages"], json!(["approve"]));
    assert_eq!(pb["share"], 100.0);
    let mut kept = after.clone();
    kept.as_object_mut().unwrap().remove("postback");
    let mut old = before.clone();
    old.as_object_mut().unwrap().remove("postback");
    assert_eq!(kept, old);

    // Nothing to send without a URL; an approve after one is set queues it.
    let click = app.api("clicks", "")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.api("postback", &format!("click={click}&status=lead"));
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api("postbacks-out", "")["postbacks"], json!([]));
    let r = app.api(
        "source",
        &format!(
            "source={source}&postback_url={}",
            enc("http://127.0.0.1:9/pb?g={clickid}&s={status}")
        ),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api(
        "postback",
        &format!("click={click}&status=approved&price=4"),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let out = app.api("postbacks-out", "");
    let row = &out["postbacks"][0];
    assert_eq!(row["url"], "http://127.0.0.1:9/pb?g=G1&s=approve", "{out}");
    assert_eq!(row["stage"], "approve");
    let log = app.api("postbacks-in", "");
    assert_eq!(log["status"], "ok", "{log}");
}
