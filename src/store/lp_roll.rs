//! Landing-click rollups: stats.json's `lpclick` per user, 15-minute
//! bucket of the landing click, flow and one dimension (the kinds of the
//! click rollups, `lp_roll`), and per user, bucket and every column of
//! click_wide's key (`lp_wide`, for an item filtered by another), so a
//! month of landing clicks is read from a table far smaller than their
//! click rows. A landing click counts
//! here in the same transaction as it is written on its click row: by
//! the writer ([`count`], after the row changed) and, for clicks stored
//! with one (`flowtrack demo`, test fixtures), with the rollup sums of
//! their batch (rollup.rs `Acc`).
use super::rollup::KINDS;
use rusqlite::Connection;
use std::sync::LazyLock;

/// The upsert of a landing click into lp_wide, from its click row.
static WIDE_SQL: LazyLock<String> = LazyLock::new(|| {
    let columns = super::wide::COLUMNS.join(", ");
    format!(
        "INSERT INTO lp_wide (user_id, bucket, {columns}, lpclick)
         SELECT user_id, lp / 900, {columns}, 1 FROM clicks WHERE id = ?1 AND lp > 0
         ON CONFLICT DO UPDATE SET lpclick = lpclick + 1"
    )
});

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
    conn.prepare_cached(&WIDE_SQL)?.execute([id])?;
    Ok(())
}

/// Landing-click rollups as a rollup source.
pub const LPS: super::rollup::Source = super::rollup::Source {
    table: "lp_roll",
    aggregates: "COALESCE(SUM(lpclick), 0)",
    columns: "lpclick",
    extra: None,
};

/// The wide one.
pub const LP_WIDE: super::rollup::Source = super::rollup::Source {
    table: "lp_wide",
    ..LPS
};
