//! Users: creation, credentials, passwords, profile, login and blacklist
//! (README "Credentials", docs/API.md).
pub mod blacklist;
pub mod keys;
pub mod login;
pub mod profile;
pub mod sessions;
pub mod throttle;
pub mod tokens;

use crate::ids::UserId;
use rusqlite::{params, Connection, OptionalExtension};

/// A new user's credentials, in plaintext this once (to be printed).
pub struct Created {
    pub id: UserId,
    pub password: String,
    pub token: String,
}

/// Slow salted hash of a password (argon2id, PHC string).
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let bytes: [u8; 16] = rand::random();
    let Ok(salt) = SaltString::encode_b64(&bytes) else {
        return String::new();
    };
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Creates a user with a random password and API token.
pub fn create_user(conn: &Connection, name: &str) -> rusqlite::Result<Created> {
    let password = tokens::random(16);
    let token = tokens::random(32);
    let hash = keys::Keys::load(conn)?.token_hash(&token);
    conn.execute(
        "INSERT INTO users (name, token_hash, password, postback_nonce, created)
         VALUES (?1, ?2, ?3, ?4, unixepoch())",
        params![name, hash, hash_password(&password), keys::new_nonce()],
    )?;
    Ok(Created {
        id: UserId(conn.last_insert_rowid()),
        password,
        token,
    })
}

pub fn user_id(conn: &Connection, name: &str) -> rusqlite::Result<Option<UserId>> {
    conn.query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
        .optional()
}

/// Gives a user a fresh API token and returns it (the old one ends).
pub fn rotate_token(conn: &Connection, user: UserId) -> rusqlite::Result<String> {
    let token = tokens::random(32);
    set_api_token(conn, user, &token)?;
    Ok(token)
}

/// Makes `token` the user's API token (stored as its keyed hash).
pub fn set_api_token(conn: &Connection, user: UserId, token: &str) -> rusqlite::Result<()> {
    let hash = keys::Keys::load(conn)?.token_hash(token);
    conn.execute(
        "UPDATE users SET token_hash = ?1 WHERE id = ?2",
        params![hash, user],
    )?;
    Ok(())
}

/// Sets a user's password and ends their dashboard sessions, all but
/// `keep` (the session that made the change, if one did).
pub fn set_password(
    conn: &Connection,
    user: UserId,
    password: &str,
    keep: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET password = ?1 WHERE id = ?2",
        params![hash_password(password), user],
    )?;
    sessions::end_all_but(conn, user, keep)?;
    Ok(())
}

/// A user name: 1-64 letters, digits, `_`, `-`, `.`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}
