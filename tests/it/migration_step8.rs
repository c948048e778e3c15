//! Upgrading a database of the previous format (step 7) to the tables
//! of sliced writes (step 8, src/schema/step8_sliced_writes.sql): it opens,
//! reaches the latest version, and spend.json and a change of base
//! currency, which keep their progress there, work on it.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;

#[test]
fn a_step_7_database_upgrades_and_takes_spends() {
    let app = spawn_app();
    let db = app.stop();
    insert_clicks(
        &db,
        &(0..10)
            .map(|i| Click {
                t: utc("2024-05-10 01:00") + i * 60,
                flow: "old",
                ..Click::default()
            })
            .collect::<Vec<_>>(),
    );
    // As step 7 left it: none of step 8's tables.
    let conn = rusqlite::Connection::open(&db).unwrap();
    undo_step_9(&conn, true);
    conn.execute_batch(
        "DROP TABLE spend_piece; DROP TABLE spend_pending; DROP TABLE rescale_pending;
         PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(conn);

    let app = restart(db.clone());
    assert_eq!(user_version(&db), flowtrack::schema::LATEST);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let r = app.api("spend", "flow=old&cost=5");
    assert_eq!(r["clicks"], 10, "{r}");
    let r = app.api("profile", "currency=eur");
    assert_eq!(r["currency"], "eur", "{r}");
    let r = app.api("stats", "from=2024-05-10&to=2024-05-10&item=flow");
    let eur: f64 = conn
        .query_row("SELECT rate FROM rates WHERE currency = 'eur'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let spend = r["total"]["spend"].as_f64().unwrap();
    assert!((spend - 5.0 * eur).abs() < 1e-9, "{r}");
    // Nothing is left pending.
    let left: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM spend_pending) + (SELECT count(*) FROM rescale_pending)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    drop((app, conn));
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
