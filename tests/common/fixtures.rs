//! Clicks at chosen times for the stats and spend tests. The click path
//! stamps clicks with the current time, so tests of dates, hours and
//! periods write their click rows into the database file while the app is
//! stopped (`app.stop()` → [`insert_clicks`] → `restart(db)`), then drive
//! everything else over HTTP. Included with
//! `#[path = "common/fixtures.rs"] mod fixtures;`.
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
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    let mut ids = Vec::new();
    for (n, c) in clicks.iter().enumerate() {
        // Distinct keys even for clicks in the same second.
        let key = flowtrack::clicks::id::key_at(c.t) + n as i64;
        let secret = 1_000_003 * (n as i64 + 1);
        tx.execute(
            "INSERT INTO clicks (id, secret, user_id, flow, way, site, filter, uniq, ip, geo, os,
               browser, mobile, domain, utms, utmc, utmn, utmt, utmm, subid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            rusqlite::params![
                key, secret, c.user, c.flow, c.way, c.site, c.filter, c.uniq as i64, c.ip, c.geo,
                c.os, c.browser, c.mobile as i64, c.domain, c.utm[0], c.utm[1], c.utm[2],
                c.utm[3], c.utm[4], c.subid
            ],
        )
        .unwrap();
        ids.push(flowtrack::clicks::id::encode(key, secret));
    }
    tx.commit().unwrap();
    ids
}

/// The cost of each click, in the order of `ids` (public ids).
pub fn costs(db: &Path, ids: &[String]) -> Vec<f64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    ids.iter()
        .map(|id| {
            let (key, _) = flowtrack::clicks::id::decode(id).unwrap();
            conn.query_row("SELECT cost FROM clicks WHERE id = ?1", [key], |r| r.get(0))
                .unwrap()
        })
        .collect()
}
