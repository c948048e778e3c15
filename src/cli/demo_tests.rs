//! The demo's rollups against its clicks, with batches small enough that
//! the daily sums are carried over several of them (DAY_BATCHES) and the
//! last carry is short.
use super::*;

#[test]
fn daily_sums_carried_over_batches_equal_the_clicks() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::db::open_and_migrate(&dir.path().join("d.db")).unwrap();
    // 23 batches of 200: two carries of ten and a last one of three.
    generate(&mut conn, 4_550, 3, 200).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM clicks"), 4_550);
    for (kind, column) in crate::stats::day::KINDS {
        let differ = format!(
            "WITH c AS (SELECT c.user_id, (c.id >> 16) / 86400000 AS day, c.flow, c.geo,
                               c.{column} AS value, count(*) AS clicks, SUM(c.uniq) AS uniq,
                               SUM(COALESCE(k.cost, 0.0)) AS cost
                        FROM clicks c LEFT JOIN click_cost k ON k.id = c.id
                        GROUP BY 1, 2, 3, 4, 5)
             SELECT count(*) FROM (SELECT * FROM click_day WHERE kind = {kind}) r
             FULL JOIN c ON c.user_id = r.user_id AND c.day = r.day AND c.flow = r.flow
                        AND c.geo = r.geo AND c.value = r.value
             WHERE r.user_id IS NULL OR c.user_id IS NULL OR r.clicks <> c.clicks
                OR r.uniq <> c.uniq OR abs(r.cost - c.cost) > 1e-9"
        );
        assert_eq!(count(&differ), 0, "click_day kind {kind}");
    }
}
