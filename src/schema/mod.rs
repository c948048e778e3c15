//! The product's tables: schema.sql and the steps that upgraded it since,
//! each run once, in order, by the generic runner (src/db/migrations.rs).
//! A step that has shipped is never edited: add a new one at the end.
use crate::db::migrations::Step;
use rusqlite::Connection;
use std::path::Path;

pub const STEPS: &[Step] = &[
    // 1: the initial schema.
    (include_str!("../../schema.sql"), None),
    // 2: smaller click indexes that cover flow reports.
    (include_str!("step2_indexes.sql"), None),
    // 3: click prices in their own table (click_cost), not in the click rows.
    (include_str!("step3_click_cost.sql"), None),
    // 4: daily rollup of subid and utm_campaign/content/term (click_day).
    // Its Rust fill (the rows without a country) is no longer run: step 5
    // always follows it in the same `migrate`, drops that table and fills
    // its successor, so a database never serves at version 4 with this
    // code, and databases already past step 4 never run it again. As one
    // SQL GROUP BY it took 3 minutes on 10.66M clicks, thrown away.
    (include_str!("step4_click_day.sql"), None),
    // 5: the daily rollup with the country in its key. Its Rust fill is
    // no longer run, for the reason step 4's is not: step 6 always follows
    // it in the same `migrate` and drops the table (the click columns
    // answer what it did), and databases already past step 5 never run
    // it again.
    (include_str!("step5_click_day_geo.sql"), None),
    // 6: the click columns, filled from the clicks; the daily rollup goes.
    (
        include_str!("step6_click_cols.sql"),
        Some(crate::store::fill_from_clicks),
    ),
    // 7: separate credentials: hashed API tokens, the install secret,
    // postback key nonces and dashboard sessions.
    (
        include_str!("step7_credentials.sql"),
        Some(crate::accounts::keys::upgrade),
    ),
    // 8: what a sliced write (spend.json, a change of base currency) has
    // left to do, to resume it after a crash.
    (include_str!("step8_sliced_writes.sql"), None),
    // 9: traffic sources, landing pages and the click's source, landing
    // page, offer and landing click; source and landing page rolled up.
    (
        include_str!("step9_sources_landings.sql"),
        Some(crate::store::upgrade::step9),
    ),
    // 10: sources' postback templates, the outbox of outgoing postbacks
    // and the log of incoming ones.
    (include_str!("step10_postbacks.sql"), None),
    // 11: what is left to copy to ClickHouse, and the node's id there.
    (include_str!("step11_ship.sql"), None),
];

/// The version a fully migrated database has.
pub const LATEST: i64 = STEPS.len() as i64;

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, LATEST)
}

/// Brings a database up to `version` only (upgrade tests build the
/// previous format this way).
pub fn migrate_to(conn: &mut Connection, version: i64) -> rusqlite::Result<()> {
    crate::db::migrations::migrate_to(conn, STEPS, version)
}

/// Opens the database, creating or upgrading it in place.
pub fn open_and_migrate(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = crate::db::open(path)?;
    migrate(&mut conn)?;
    Ok(conn)
}
