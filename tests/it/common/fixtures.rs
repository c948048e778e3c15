//! Clicks at chosen times for the stats and spend tests. The click path
//! stamps clicks with the current time, so tests of dates, hours and
//! periods write their click rows into the database file while the app is
//! stopped (`app.stop()` → [`insert_clicks`] → `restart(db)`), then drive
//! everything else over HTTP (`use crate::common::fixtures;`).
#![allow(dead_code)]
use std::path::Path;

/// One click row. `t` is Unix seconds; everything else as schema.sql.
#[derive(Debug, Clone)]
pub struct Click {
    pub t: i64,
    pub user: i64,
    pub flow: &'static str,
    pub way: i64,
    pub site: i64,
    pub filter: i64,
    pub uniq: bool,
    pub geo: &'static str,
    pub ip: &'static str,
    pub os: i64,
    pub browser: i64,
    pub mobile: bool,
    pub domain: &'static str,
    /// utm_source, utm_campaign, utm_content, utm_term, utm_medium.
    pub utm: [&'static str; 5],
    pub subid: &'static str,
    /// The source, landing page and offer ids, and the time of the
    /// landing click (0: none).
    pub source: i64,
    pub landing: i64,
    pub offer: i64,
    pub lp: i64,
}

impl Default for Click {
    fn default() -> Self {
        Click {
            t: 1_715_000_000,
            user: 1,
            flow: "",
            way: 0,
            site: 0,
            filter: 0,
            uniq: true,
            geo: "",
            ip: "",
            os: 0,
            browser: 0,
            mobile: false,
            domain: "",
            utm: [""; 5],
            subid: "",
            source: 0,
            landing: 0,
            offer: 0,
            lp: 0,
        }
    }
}

/// Unix seconds of a local time `YYYY-MM-DD HH:MM[:SS]` in an IANA zone.
pub fn at(local: &str, tz: &str) -> i64 {
    let dt: jiff::civil::DateTime = local.replace(' ', "T").parse().expect("date-time");
    dt.to_zoned_datetime(jiff::tz::TimeZone::get(tz).expect("zone"))
        .expect("zoned")
        .timestamp()
        .as_second()
}

/// Unix seconds of a UTC time `YYYY-MM-DD HH:MM[:SS]`.
pub fn utc(s: &str) -> i64 {
    at(s, "UTC")
}

/// Id of the user named `name` in the database file.
pub fn user_id(db: &Path, name: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
        .unwrap()
}

/// Writes the clicks into a stopped app's database; answers their public
/// ids in the same order (what postback.json takes as `click`).
pub fn insert_clicks(db: &Path, clicks: &[Click]) -> Vec<String> {
    use flowtrack::clicks::filters::FilterCode;
    use flowtrack::clicks::user_agent::{Browser, Os};
    use flowtrack::store::record::{ClickRecord, Tags};
    let records: Vec<ClickRecord> = clicks
        .iter()
        .enumerate()
        .map(|(n, c)| ClickRecord {
            // Distinct keys even for clicks in the same second.
            key: flowtrack::clicks::id::key_at(c.t) + n as i64,
            secret: 1_000_003 * (n as i64 + 1),
            user_id: flowtrack::ids::UserId(c.user),
            flow: c.flow.into(),
            way: c.way,
            site: c.site,
            filter: FilterCode::from_code(c.filter).expect("a filter code"),
            unique: c.uniq,
            ip: c.ip.into(),
            geo: c.geo.into(),
            os: Os::from_code(c.os).expect("an OS code"),
            browser: Browser::from_code(c.browser).expect("a browser code"),
            mobile: c.mobile,
            domain: c.domain.into(),
            source: c.source,
            landing: c.landing,
            offer: c.offer,
            lp: c.lp,
            tags: Tags {
                utms: c.utm[0].into(),
                utmc: c.utm[1].into(),
                utmn: c.utm[2].into(),
                utmt: c.utm[3].into(),
                utmm: c.utm[4].into(),
                subid: c.subid.into(),
                ..Tags::default()
            },
            ..ClickRecord::default()
        })
        .collect();
    // Through the writer's own storage path, so rollups are kept too.
    let mut conn = flowtrack::db::open(db).unwrap();
    // A click's flow and way exist, as they do for every click the app
    // records (spend.json refuses a flow or way that does not); archived,
    // so that they stay out of the lists and the click path.
    for r in &records {
        conn.execute(
            "INSERT OR IGNORE INTO flows (id, user_id, name, archived, created)
             VALUES (?1, ?2, ?1, 1, 0)",
            rusqlite::params![r.flow, r.user_id],
        )
        .unwrap();
        if r.way != 0 {
            conn.execute(
                "INSERT OR IGNORE INTO ways (id, user_id, flow_id, archived) VALUES (?1, ?2, ?3, 1)",
                rusqlite::params![r.way, r.user_id, r.flow],
            )
            .unwrap();
        }
    }
    flowtrack::store::append::write_batch(&mut conn, &records).unwrap();
    records
        .iter()
        .map(|r| flowtrack::clicks::id::encode(r.key, r.secret))
        .collect()
}

/// The cost of each click, in the order of `ids` (public ids): its
/// click_cost row (migration step 3), no row being 0.
pub fn costs(db: &Path, ids: &[String]) -> Vec<f64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    ids.iter()
        .map(|id| {
            let (key, _) = flowtrack::clicks::id::decode(id).unwrap();
            conn.query_row(
                "SELECT COALESCE(k.cost, 0.0) FROM clicks c LEFT JOIN click_cost k ON k.id = c.id
                 WHERE c.id = ?1",
                [key],
                |r| r.get(0),
            )
            .unwrap()
        })
        .collect()
}

/// Takes a database back from step 9 (sources and landing pages) to step
/// 8's format, for the upgrade tests of older formats (a database of an
/// older version has none of it). `clicks_too`: the click row's columns,
/// the rollups of source and landing page and the click columns' format
/// too (`insert_clicks` writes them, so a test that builds an older
/// format with it takes them back after).
pub fn undo_step_9(conn: &rusqlite::Connection, clicks_too: bool) {
    undo_step_10(conn);
    conn.execute_batch(
        "DROP TABLE sources;
         DROP TABLE lp_roll;
         DROP TABLE lp_wide;
         ALTER TABLE flows DROP COLUMN source_id;
         ALTER TABLE sites DROP COLUMN kind;
         ALTER TABLE ways DROP COLUMN offers;
         ALTER TABLE leads DROP COLUMN source;
         ALTER TABLE leads DROP COLUMN landing;
         ALTER TABLE leads DROP COLUMN offer;",
    )
    .unwrap();
    if clicks_too {
        drop_step_9_click_columns(conn);
        drop_step_9_rollups(conn);
        // The click columns as version 1 of their format wrote them.
        let chunks: Vec<(i64, Vec<u8>)> = conn
            .prepare("SELECT id, data FROM click_cols")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (id, blob) in chunks {
            let old = flowtrack::store::verify::chunk_as_version_1(&blob).expect("a chunk");
            conn.execute(
                "UPDATE click_cols SET data = ?1 WHERE id = ?2",
                rusqlite::params![old, id],
            )
            .unwrap();
        }
    }
}

/// Takes a database back to what step 9 left (before
/// src/schema/step10_postbacks.sql): no outbox, no incoming log, no
/// postback templates on sources.
pub fn undo_step_10(conn: &rusqlite::Connection) {
    undo_step_11(conn);
    conn.execute_batch(
        "DROP TABLE postbacks_out;
         DROP TABLE postbacks_in;
         ALTER TABLE sources DROP COLUMN pb_url;
         ALTER TABLE sources DROP COLUMN pb_method;
         ALTER TABLE sources DROP COLUMN pb_body;
         ALTER TABLE sources DROP COLUMN pb_type;
         ALTER TABLE sources DROP COLUMN pb_stages;
         ALTER TABLE sources DROP COLUMN pb_goals;
         ALTER TABLE sources DROP COLUMN pb_share;
         ALTER TABLE sources DROP COLUMN pb_currency;
         ALTER TABLE sources DROP COLUMN pb_words;",
    )
    .unwrap();
}

/// Takes a database back to before step 11 (the ship log).
pub fn undo_step_11(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DROP TABLE ship_log;
         DROP TABLE ship_state;
         DELETE FROM sqlite_sequence WHERE name = 'ship_log';",
    )
    .unwrap();
}

/// click_wide as step 9 made it (for a test that writes clicks into an
/// older format's tables with today's code; [`drop_step_9_rollups`]
/// takes it back after).
pub fn step_9_wide(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DROP TABLE click_wide;
         CREATE TABLE click_wide (
             user_id INTEGER NOT NULL, bucket INTEGER NOT NULL, flow TEXT NOT NULL,
             way INTEGER NOT NULL, site INTEGER NOT NULL, filter INTEGER NOT NULL,
             geo TEXT NOT NULL, mobile INTEGER NOT NULL, os INTEGER NOT NULL,
             browser INTEGER NOT NULL, utms TEXT NOT NULL, domain TEXT NOT NULL,
             utmm TEXT NOT NULL, source INTEGER NOT NULL, landing INTEGER NOT NULL,
             clicks INTEGER NOT NULL DEFAULT 0, uniq INTEGER NOT NULL DEFAULT 0,
             cost REAL NOT NULL DEFAULT 0,
             PRIMARY KEY (user_id, bucket, flow, way, site, filter, geo, mobile, os,
                          browser, utms, domain, utmm, source, landing)
         ) STRICT, WITHOUT ROWID;",
    )
    .unwrap();
}

/// The rollups as they were before step 9: without the kinds of source
/// and landing page, and click_wide without their columns.
pub fn drop_step_9_rollups(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DELETE FROM click_roll WHERE kind IN (11, 12);
             DELETE FROM lead_roll WHERE kind IN (11, 12);
             CREATE TABLE click_wide_old (
                 user_id INTEGER NOT NULL, bucket INTEGER NOT NULL, flow TEXT NOT NULL,
                 way INTEGER NOT NULL, site INTEGER NOT NULL, filter INTEGER NOT NULL,
                 geo TEXT NOT NULL, mobile INTEGER NOT NULL, os INTEGER NOT NULL,
                 browser INTEGER NOT NULL, utms TEXT NOT NULL, domain TEXT NOT NULL,
                 utmm TEXT NOT NULL, clicks INTEGER NOT NULL DEFAULT 0,
                 uniq INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0,
                 PRIMARY KEY (user_id, bucket, flow, way, site, filter, geo, mobile, os,
                              browser, utms, domain, utmm)
             ) STRICT, WITHOUT ROWID;
             INSERT INTO click_wide_old SELECT user_id, bucket, flow, way, site, filter, geo,
                 mobile, os, browser, utms, domain, utmm, clicks, uniq, cost FROM click_wide;
             DROP TABLE click_wide;
             ALTER TABLE click_wide_old RENAME TO click_wide;",
    )
    .unwrap();
}

/// The click row's columns of step 9.
pub const STEP_9_CLICK_COLUMNS: &str =
    "ALTER TABLE clicks ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE clicks ADD COLUMN landing INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE clicks ADD COLUMN offer INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE clicks ADD COLUMN lp INTEGER NOT NULL DEFAULT 0;";

/// Drops the click row's columns of step 9 (and their index).
pub fn drop_step_9_click_columns(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DROP INDEX IF EXISTS clicks_lp;
         ALTER TABLE clicks DROP COLUMN source;
         ALTER TABLE clicks DROP COLUMN landing;
         ALTER TABLE clicks DROP COLUMN offer;
         ALTER TABLE clicks DROP COLUMN lp;",
    )
    .unwrap();
}

/// The database's format version (`PRAGMA user_version`).
pub fn user_version(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}
