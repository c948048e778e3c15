//! The demo's click columns against its clicks, with batches small
//! enough that its chunks are merged (src/store/cols/store.rs) and
//! several transactions are committed.
use super::*;

#[test]
fn the_demo_click_columns_hold_its_clicks() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::schema::open_and_migrate(&dir.path().join("d.db")).unwrap();
    // 23 batches of 200.
    generate(&mut conn, 4_550, 3, 200).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM clicks"), 4_550);
    crate::store::fixture::assert_columns_hold_the_clicks(&conn);
}
