//! Lead rollups (docs/BENCHMARKS.md): the lead side of stats.json per user, bucket,
//! flow, one dimension (the same kinds as the click rollups) and goal.
//! Every lead write moves them in the same transaction: the old row's
//! contribution out, the new one in (`move_lead`). `rebuild` recomputes
//! a user's rollups from the leads table (demo generation, repairs).
use super::rollup::KINDS;
use rusqlite::Connection;

/// The per-lead contribution, signed by `?1`.
const SUMS: &str = "?1 * (stage = 0), ?1 * (stage = 1), ?1 * (stage = 2), ?1 * (stage = 3), ?1 * (stage = 4),
    ?1 * (CASE WHEN stage = 1 THEN base ELSE 0.0 END), ?1 * (CASE WHEN stage = 2 THEN base ELSE 0.0 END)";

const UPSERT: &str =
    "ON CONFLICT DO UPDATE SET cn = cn + excluded.cn, ch = ch + excluded.ch, ca = ca + excluded.ca,
    cc = cc + excluded.cc, ct = ct + excluded.ct, mh = mh + excluded.mh, ma = ma + excluded.ma";

/// Adds (`sign` 1) or removes (`sign` -1) lead `id` from every rollup.
pub fn move_lead(conn: &Connection, id: i64, sign: i64) -> rusqlite::Result<()> {
    for (kind, column) in KINDS {
        conn.prepare_cached(&format!(
            "INSERT INTO lead_roll (user_id, kind, bucket, flow, value, goal, cn, ch, ca, cc, ct, mh, ma)
             SELECT user_id, {kind}, time / 900, flow, {column}, goal, {SUMS} FROM leads WHERE id = ?2 {UPSERT}"
        ))?
        .execute(rusqlite::params![sign, id])?;
    }
    Ok(())
}

/// Recomputes a user's lead rollups from the leads table.
pub fn rebuild(conn: &Connection, user: crate::ids::UserId) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM lead_roll WHERE user_id = ?1", [user])?;
    let sums = SUMS.replace("?1 * ", "SUM");
    for (kind, column) in KINDS {
        conn.execute(
            &format!(
                "INSERT INTO lead_roll (user_id, kind, bucket, flow, value, goal, cn, ch, ca, cc, ct, mh, ma)
                 SELECT user_id, {kind}, time / 900, flow, {column}, goal, {sums} FROM leads WHERE user_id = ?1
                 GROUP BY time / 900, flow, {column}, goal"
            ),
            [user],
        )?;
    }
    Ok(())
}

/// Lead rollups as a rollup source: the goal, then the columns of the
/// leads query (five stage counts, hold and approved money).
pub const LEADS: super::rollup::Source = super::rollup::Source {
    table: "lead_roll",
    aggregates: "goal, SUM(cn), SUM(ch), SUM(ca), SUM(cc), SUM(ct), SUM(mh), SUM(ma)",
    columns: "goal, cn, ch, ca, cc, ct, mh, ma",
    extra: Some("goal"),
};
