//! Ordered schema migrations keyed by PRAGMA user_version (SPEC 5).
//! Step N brings a database from version N-1 to N. A step that has shipped
//! is never edited: add a new one at the end instead.
use rusqlite::Connection;

const STEPS: &[&str] = &[
    // 1: the initial schema.
    include_str!("../../schema.sql"),
    // 2: smaller click indexes that cover flow reports.
    include_str!("step2_indexes.sql"),
    // 3: click prices in their own table (click_cost), not in the click rows.
    include_str!("step3_click_cost.sql"),
    // 4: daily rollup of subid and utm_campaign/content/term (click_day).
    include_str!("step4_click_day.sql"),
];

/// The version a fully migrated database has.
pub const LATEST: i64 = STEPS.len() as i64;

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in STEPS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}
