//! Ordered schema migrations keyed by PRAGMA user_version (SPEC 5).
//! Step N brings a database from version N-1 to N. A step that has shipped
//! is never edited: add a new one at the end instead.
use rusqlite::Connection;

/// A step's SQL, and the Rust that finishes it in the same transaction.
type Step = (
    &'static str,
    Option<fn(&Connection) -> rusqlite::Result<()>>,
);

const STEPS: &[Step] = &[
    // 1: the initial schema.
    (include_str!("../../schema.sql"), None),
    // 2: smaller click indexes that cover flow reports.
    (include_str!("step2_indexes.sql"), None),
    // 3: click prices in their own table (click_cost), not in the click rows.
    (include_str!("step3_click_cost.sql"), None),
    // 4: daily rollup of subid and utm_campaign/content/term (click_day).
    (include_str!("step4_click_day.sql"), Some(fill_step4)),
    // 5: the daily rollup with the country in its key, refilled.
    (
        include_str!("step5_click_day_geo.sql"),
        Some(crate::stats::day::fill_from_clicks),
    ),
];

/// Step 4's fill of its click_day (no country), the rows src/stats/day.rs
/// wrote when step 4 shipped: that code has filled step 5's table since.
/// Step 5 drops this table again, so it only runs on the way there.
fn fill_step4(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "INSERT INTO click_day (user_id, kind, day, flow, value, clicks, uniq, cost)
         SELECT c.user_id, k.kind, (c.id >> 16) / 86400000, c.flow,
                CASE k.kind WHEN 11 THEN c.subid WHEN 12 THEN c.utmc
                            WHEN 13 THEN c.utmn ELSE c.utmt END,
                count(*), SUM(c.uniq), SUM(COALESCE(p.cost, 0.0))
         FROM clicks c LEFT JOIN click_cost p ON p.id = c.id,
              (SELECT 11 AS kind UNION ALL SELECT 12 UNION ALL SELECT 13 UNION ALL SELECT 14) k
         GROUP BY 1, 2, 3, 4, 5",
    )
}

/// The version a fully migrated database has.
pub const LATEST: i64 = STEPS.len() as i64;

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, (sql, then)) in STEPS.iter().enumerate().skip(current as usize) {
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
