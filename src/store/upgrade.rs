//! The store's part of migration steps (src/schema/mod.rs).
use crate::store::rollup::KINDS;
use rusqlite::Connection;

/// Step 9: the narrow rollups of source and landing page (kinds 11 and
/// 12 of click_roll and lead_roll). Every click and lead stored before
/// has both 0, so their rows are kind 0's with value 0. A change of base
/// currency a crash cut short converts the kinds one by one, by number
/// (src/store/rescale.rs): copied from a kind it has converted, a new
/// kind would be converted a second time when it gets there. So such a
/// change is run to its end first, here, while no new kind has a row.
pub fn step9(conn: &Connection) -> rusqlite::Result<()> {
    for mut task in super::rescale::resume(conn)? {
        while task
            .slice(conn)
            .map_err(|e| rusqlite::Error::ModuleError(format!("currency change: {e:?}")))?
            .is_none()
        {}
    }
    for kind in new_kinds(&["source", "landing"]) {
        conn.execute(
            "INSERT INTO click_roll (user_id, kind, bucket, flow, value, clicks, uniq, cost)
             SELECT user_id, ?1, bucket, flow, 0, clicks, uniq, cost FROM click_roll WHERE kind = 0",
            [kind],
        )?;
        conn.execute(
            "INSERT INTO lead_roll (user_id, kind, bucket, flow, value, goal, cn, ch, ca, cc, ct, mh, ma)
             SELECT user_id, ?1, bucket, flow, 0, goal, cn, ch, ca, cc, ct, mh, ma
             FROM lead_roll WHERE kind = 0",
            [kind],
        )?;
    }
    Ok(())
}

/// The rollup kinds of `columns`.
fn new_kinds(columns: &[&str]) -> Vec<i64> {
    KINDS
        .iter()
        .filter(|(_, c)| columns.contains(c))
        .map(|(k, _)| *k)
        .collect()
}
