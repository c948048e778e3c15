//! How a spend request reads its click rows, when it must (issue 6): the
//! slow path's sums (a condition the wide rollup lacks). The user's index
//! (clicks_user = (user_id)) gives the candidates' ids, but SQLite then
//! looks every candidate row up, about three times the cost of reading
//! the period's rows in id order: subid over one user's 10.6M clicks took
//! 7.7 s by clicks_user, 1.5 s by the scan. So the period is scanned
//! unless the user's clicks are under a third of its clicks
//! (src/stats/source.rs `scan_is_cheaper`).
use super::request::SpendRequest;
use rusqlite::Connection;

/// Whether to read the matching click rows by scanning the period in id
/// order (src/stats/source.rs `click_table`) rather than through an index.
pub fn scan(conn: &Connection, req: &SpendRequest) -> rusqlite::Result<bool> {
    crate::stats::source::scan_is_cheaper(
        conn,
        &req.dims.args[0],
        req.from.map_or(i64::MIN, |t| t.div_euclid(900)),
        req.to.map_or(i64::MAX, |t| t.div_euclid(900) + 1),
    )
}
