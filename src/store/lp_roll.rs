//! Landing-click rollups: stats.json's `lpclick` per user, 15-minute
//! bucket of the landing click, flow and one dimension (the kinds of the
//! click rollups), so a month of landing clicks is read from a table a
//! hundred times smaller than their click rows. A landing click counts
//! here in the same transaction as it is written on its click row: by
//! the writer ([`count`], after the row changed) and, for clicks stored
//! with one (`flowtrack demo`, test fixtures), with the rollup sums of
//! their batch (rollup.rs `Acc`).
use super::rollup::KINDS;
use rusqlite::Connection;

/// Counts the landing click of click `id` (its row holds it) in every
/// kind.
pub fn count(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    for (kind, column) in KINDS {
        conn.prepare_cached(&format!(
            "INSERT INTO lp_roll (user_id, kind, bucket, flow, value, lpclick)
             SELECT user_id, {kind}, lp / 900, flow, {column}, 1 FROM clicks WHERE id = ?1 AND lp > 0
             ON CONFLICT DO UPDATE SET lpclick = lpclick + 1"
        ))?
        .execute([id])?;
    }
    Ok(())
}

/// Landing-click rollups as a rollup source.
pub const LPS: super::rollup::Source = super::rollup::Source {
    table: "lp_roll",
    aggregates: "COALESCE(SUM(lpclick), 0)",
    columns: "lpclick",
    extra: None,
};
