//! Schema migrations keyed by PRAGMA user_version (docs/ARCHITECTURE.md
//! "Upgrades"): step N brings a database from version N-1 to N, in one
//! transaction. The steps themselves are the product's (src/schema).
use rusqlite::Connection;

/// A step's SQL, and the Rust that finishes it in the same transaction.
pub type Step = (
    &'static str,
    Option<fn(&Connection) -> rusqlite::Result<()>>,
);

/// Brings a database up to `version` of `steps` (upgrade tests build the
/// previous format this way).
pub fn migrate_to(conn: &mut Connection, steps: &[Step], version: i64) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let steps = steps.iter().enumerate().take(version.max(0) as usize);
    for (i, (sql, then)) in steps.skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if let Some(then) = then {
            then(&tx)?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}
