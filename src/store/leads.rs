//! The store's side of a lead write (postback.json, `flowtrack demo`):
//! the lead rollups (src/store/lead_roll.rs) follow every write of a lead
//! in the same transaction.

use crate::ids::UserId;
use rusqlite::Connection;

/// Lead `id` counts again (`sign` 1: just written) or stops counting
/// (`sign` -1: about to be rewritten) in the lead rollups.
pub fn moved(conn: &Connection, id: i64, sign: i64) -> rusqlite::Result<()> {
    super::lead_roll::move_lead(conn, id, sign)?;
    match sign > 0 {
        true => super::ship::log(conn, super::ship::Kind::Leads, 0, (id, id)),
        false => Ok(()),
    }
}

/// Recounts `user`'s lead rollups from their leads, after leads were
/// written without moving them (the demo's generated leads).
pub fn recount(conn: &Connection, user: UserId) -> rusqlite::Result<()> {
    super::lead_roll::rebuild(conn, user)?;
    super::ship::log(conn, super::ship::Kind::Leads, user.0, super::ship::ALL)
}
