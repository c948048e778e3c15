//! Users: creation, tokens, passwords, profile, login and blacklist (SPEC 5).
pub mod blacklist;
pub mod login;
pub mod profile;
pub mod throttle;
pub mod tokens;

use rusqlite::{params, Connection, OptionalExtension};

pub struct Created {
    pub id: i64,
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

/// Creates a user with a random password and token.
pub fn create_user(conn: &Connection, name: &str) -> rusqlite::Result<Created> {
    let password = tokens::random(16);
    let token = tokens::random(32);
    conn.execute(
        "INSERT INTO users (name, token, password, created) VALUES (?1, ?2, ?3, unixepoch())",
        params![name, token, hash_password(&password)],
    )?;
    Ok(Created {
        id: conn.last_insert_rowid(),
        password,
        token,
    })
}

pub fn user_id(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
        .optional()
}

/// Gives a user a fresh token and returns it.
pub fn rotate_token(conn: &Connection, user: i64) -> rusqlite::Result<String> {
    let token = tokens::random(32);
    conn.execute(
        "UPDATE users SET token = ?1 WHERE id = ?2",
        params![token, user],
    )?;
    Ok(token)
}

pub fn set_password(conn: &Connection, user: i64, password: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET password = ?1 WHERE id = ?2",
        params![hash_password(password), user],
    )?;
    Ok(())
}

/// A user name: 1-64 letters, digits, `_`, `-`, `.`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}
