//! Random secrets and who a credential belongs to (README "Credentials").
//! Each kind is told by its look, so a check costs one keyed hash and one
//! indexed lookup (a postback key none):
//! - `pk_...`: a postback key, its MAC checked (keys.rs), its nonce
//!   compared with the in-memory snapshot;
//! - `ses_...`: a dashboard session (sessions.rs);
//! - anything else: the API token, by `users.token_hash`; on postback.json
//!   also a token from before credentials were split (`legacy_postback_hash`).
use super::keys::POSTBACK_PREFIX;
use super::sessions;
use crate::ids::UserId;
use crate::snapshot::User;
use crate::state::AppState;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension};
use std::sync::Arc;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Longer than any credential: not worth hashing.
const MAX_LEN: usize = 256;

/// The functions a postback key may call: an advertiser's.
pub const POSTBACK_KEY_FUNCTIONS: &[&str] = &["postback"];

pub fn random(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Token,
    /// A dashboard session, by its id.
    Session(i64),
    PostbackKey,
}

/// The user a credential belongs to when it may call `function`.
pub fn authenticate(
    state: &AppState,
    conn: &Connection,
    secret: &str,
    function: &str,
) -> rusqlite::Result<Option<(Arc<User>, Credential)>> {
    let advertiser = POSTBACK_KEY_FUNCTIONS.contains(&function);
    if secret.len() > MAX_LEN {
        return Ok(None);
    }
    if secret.starts_with(POSTBACK_PREFIX) {
        if !advertiser {
            return Ok(None);
        }
        let Some((id, nonce)) = state.keys.check_postback_key(secret) else {
            return Ok(None);
        };
        // Rotation reloads the snapshot, so a lagging one never takes an
        // old key; a user the CLI added since is found by a reload.
        let user = user_by_id(state, conn, UserId(id))?;
        return Ok(user
            .filter(|u| u.postback_nonce == nonce)
            .map(|u| (u, Credential::PostbackKey)));
    }
    let (id, credential) = if secret.starts_with(sessions::PREFIX) {
        match sessions::find(state, conn, secret)? {
            Some(s) => (s.user, Credential::Session(s.id)),
            None => return Ok(None),
        }
    } else {
        let hash = state.keys.token_hash(secret);
        let row: Option<(UserId, bool)> = if advertiser {
            conn.prepare_cached(
                "SELECT id, token_hash = ?1 FROM users
                 WHERE token_hash = ?1 OR legacy_postback_hash = ?1",
            )?
            .query_row([&hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        } else {
            conn.prepare_cached("SELECT id, 1 FROM users WHERE token_hash = ?1")?
                .query_row([&hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
        };
        match row {
            Some((id, true)) => (id, Credential::Token),
            Some((id, false)) => (id, Credential::PostbackKey),
            None => return Ok(None),
        }
    };
    Ok(user_by_id(state, conn, id)?.map(|u| (u, credential)))
}

/// A user from the snapshot, reloading it once for a user it lacks.
fn user_by_id(
    state: &AppState,
    conn: &Connection,
    id: UserId,
) -> rusqlite::Result<Option<Arc<User>>> {
    if let Some(u) = state.snapshot().users.get(&id) {
        return Ok(Some(u.clone()));
    }
    state.reload(conn)?;
    Ok(state.snapshot().users.get(&id).cloned())
}
