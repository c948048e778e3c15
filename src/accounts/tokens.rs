//! API tokens: random, looked up through the in-memory snapshot, and
//! compared in constant time once found.
use crate::snapshot::{Snapshot, User};
use crate::state::AppState;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension};
use std::sync::Arc;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn random(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user a token belongs to. The database is asked every time (one
/// indexed read), so a token rotated or a user added by the CLI while the
/// server runs takes effect at once; the snapshot is reloaded when it lags.
pub fn find_user(
    state: &AppState,
    conn: &Connection,
    token: &str,
) -> rusqlite::Result<Option<Arc<User>>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, token FROM users WHERE token = ?1")?
        .query_row([token], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, stored)) = row.filter(|(_, t)| constant_time_eq(t.as_bytes(), token.as_bytes()))
    else {
        return Ok(None);
    };
    let current = |snap: &Snapshot| snap.users.get(&id).filter(|u| u.token == stored).cloned();
    if let Some(u) = current(&state.snapshot()) {
        return Ok(Some(u));
    }
    state.reload(conn)?;
    Ok(current(&state.snapshot()))
}
