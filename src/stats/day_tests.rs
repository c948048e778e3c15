//! [`sums`] past what it holds in memory: the daily rows of more values
//! than `MAX_HELD` are summed by SQLite instead, the busiest first.
use super::*;

#[test]
fn too_many_daily_values_are_summed_by_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let conn = crate::db::open_and_migrate(&dir.path().join("day.db")).unwrap();
    // 120,000 subids on each of two days (one click each), and three
    // busy ones that also come on the second day.
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000)
         INSERT INTO click_day (user_id, kind, day, flow, geo, value, clicks, uniq, cost)
         SELECT 1, 11, d.day, 'f', 'de', 's' || i, 1, 1, 0.5 FROM n, (SELECT 19000 AS day UNION ALL SELECT 19001) d;
         INSERT INTO click_day (user_id, kind, day, flow, geo, value, clicks, uniq, cost)
         VALUES (1, 11, 19001, 'f', 'us', 's7', 50, 5, 1.0), (1, 11, 19001, 'f', 'us', 's8', 40, 4, 1.0),
                (1, 11, 19001, 'f', 'fr', 's9', 30, 3, 1.0);",
    )
    .unwrap();
    let period = Period {
        start: 19000 * DAY,
        end: 19002 * DAY,
    };
    let answer = sums(
        &conn,
        None,
        (false, Some("subid")),
        &Where::owner(1),
        period,
        Some(3),
    );
    let Some(DayAnswer::Grouped(sql, args)) = answer.unwrap() else {
        panic!("240,000 values were held in memory");
    };
    let mut st = conn.prepare(&sql).unwrap();
    let rows: Vec<(String, i64, i64, f64)> = st
        .query_map(rusqlite::params_from_iter(&args), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let want = [("s7", 52, 7, 2.0), ("s8", 42, 6, 2.0), ("s9", 32, 5, 2.0)];
    let want: Vec<_> = want
        .iter()
        .map(|w| (w.0.to_string(), w.1, w.2, w.3))
        .collect();
    assert_eq!(rows, want);
}
