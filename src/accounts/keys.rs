//! The install secret and what it keys (README "Credentials"): the
//! stored hashes of API tokens and session secrets, and the postback keys.
//!
//! Tokens and session secrets are 190-bit random strings, so a fast hash
//! is the right one to store them by: no guess list reaches one, and a
//! slow hash would only slow down every API call. Keyed BLAKE2b-256 (each
//! use with its own personalization) under a 32-byte random secret kept
//! in the `install` table.
//!
//! Postback keys are not stored at all but derived: `pk_{user}_{nonce}_{mac}`
//! where the MAC is keyed BLAKE2b over the user id and the user's postback
//! nonce. So the profile can always show the key, checking one needs no
//! database lookup, and rotating it (a new nonce) ends the old one.
//! Whoever can read the database file can derive every postback key from
//! the secret in it; a postback key only posts conversions, and rotating it
//! after a backup leaked ends that. That is why the nonce is random and not
//! a counter: with a counter, the old backup would give the next key too.
use blake2::digest::{consts::U32, Mac};
use blake2::Blake2bMac;
use rusqlite::{params, Connection};

type Mac32 = Blake2bMac<U32>;

/// Personalizations (at most 16 bytes), so that no value made for one use
/// is ever valid for another.
const TOKEN: &[u8] = b"ft-api-token";
const SESSION: &[u8] = b"ft-session";
const POSTBACK: &[u8] = b"ft-postback-key";

pub const POSTBACK_PREFIX: &str = "pk_";

#[derive(Clone)]
pub struct Keys {
    secret: [u8; 32],
}

impl Keys {
    /// The install's secret (made by migration step 7).
    pub fn load(conn: &Connection) -> rusqlite::Result<Keys> {
        let blob: Vec<u8> =
            conn.query_row("SELECT secret FROM install WHERE id = 1", [], |r| r.get(0))?;
        let secret = <[u8; 32]>::try_from(blob.as_slice()).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
        })?;
        Ok(Keys { secret })
    }

    fn mac(&self, persona: &[u8], parts: &[&[u8]]) -> Mac32 {
        // Cannot fail: the key is 32 bytes (at most 64) and every
        // personalization above is at most 16.
        let mut mac = Mac32::new_with_salt_and_personal(&self.secret, &[], persona)
            .expect("BLAKE2b key and personalization within their limits");
        for part in parts {
            mac.update(part);
        }
        mac
    }

    /// What `users.token_hash` (and `legacy_postback_hash`) holds for a token.
    pub fn token_hash(&self, token: &str) -> String {
        hex(&self.mac(TOKEN, &[token.as_bytes()]).finalize().into_bytes())
    }

    /// What `sessions.hash` holds for a session secret.
    pub fn session_hash(&self, secret: &str) -> String {
        hex(&self
            .mac(SESSION, &[secret.as_bytes()])
            .finalize()
            .into_bytes())
    }

    fn postback_mac(&self, user: i64, nonce: i64) -> Mac32 {
        self.mac(POSTBACK, &[&user.to_le_bytes(), &nonce.to_le_bytes()])
    }

    /// The postback key of `user` with postback nonce `nonce`.
    pub fn postback_key(&self, user: i64, nonce: i64) -> String {
        let mac = self.postback_mac(user, nonce).finalize().into_bytes();
        format!("{POSTBACK_PREFIX}{user}_{nonce}_{}", hex(&mac))
    }

    /// The user and nonce a postback key names, if its MAC is right
    /// (compared in constant time). Only the canonical spelling is taken.
    pub fn check_postback_key(&self, key: &str) -> Option<(i64, i64)> {
        let mut parts = key.strip_prefix(POSTBACK_PREFIX)?.splitn(3, '_');
        let number = |s: &str| s.parse::<i64>().ok().filter(|n| n.to_string() == s);
        let user = number(parts.next()?)?;
        let nonce = number(parts.next()?)?;
        let mac = unhex(parts.next()?)?;
        self.postback_mac(user, nonce)
            .verify_slice(&mac)
            .ok()
            .map(|()| (user, nonce))
    }
}

/// A new postback nonce: 63 random bits (a positive SQLite integer).
pub fn new_nonce() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).filter(|_| !c.is_ascii_uppercase());
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) || bytes.len() > 128 {
        return None;
    }
    bytes
        .chunks(2)
        .map(|p| Some((digit(p[0])? * 16 + digit(p[1])?) as u8))
        .collect()
}

/// Migration step 7's Rust half: creates the install secret, draws each
/// user's postback nonce and replaces every plaintext token by its hash,
/// which also becomes the user's
/// legacy postback key (README "Credentials": URLs already given out keep
/// working until the postback key is rotated). `secure_delete` overwrites
/// the old rows' bytes, so the plaintext does not linger in free space.
pub fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let secret: [u8; 32] = rand::random();
    conn.execute(
        "INSERT INTO install (id, secret) VALUES (1, ?1)",
        [&secret[..]],
    )?;
    let keys = Keys { secret };
    let users = conn
        .prepare("SELECT id, token_hash FROM users")?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    conn.pragma_update(None, "secure_delete", true)?;
    for (id, token) in users {
        let hash = keys.token_hash(&token);
        conn.execute(
            "UPDATE users SET token_hash = ?1, legacy_postback_hash = ?1, postback_nonce = ?2
             WHERE id = ?3",
            params![hash, new_nonce(), id],
        )?;
    }
    conn.pragma_update(None, "secure_delete", false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postback_keys_check_and_forgeries_do_not() {
        let keys = Keys { secret: [7; 32] };
        let other = Keys { secret: [8; 32] };
        let key = keys.postback_key(12, 3);
        assert!(key.starts_with("pk_12_3_") && key.len() == 8 + 64, "{key}");
        assert_eq!(keys.check_postback_key(&key), Some((12, 3)));
        assert_eq!(other.check_postback_key(&key), None, "another install");
        for forged in [
            key.replacen("pk_12_3_", "pk_13_3_", 1),
            key.replacen("pk_12_3_", "pk_12_4_", 1),
            key.replacen("pk_12_3_", "pk_+12_3_", 1),
            key.replacen("pk_12_3_", "pk_012_3_", 1),
            key.to_uppercase().replacen("PK_", "pk_", 1),
            key[..key.len() - 2].to_string(),
            format!("{key}00"),
            String::from("pk_12_3_"),
        ] {
            assert_eq!(keys.check_postback_key(&forged), None, "{forged}");
        }
    }

    #[test]
    fn each_use_has_its_own_hash() {
        let keys = Keys { secret: [7; 32] };
        let t = keys.token_hash("abc");
        assert_eq!(t.len(), 64);
        assert_ne!(t, keys.session_hash("abc"));
        assert_ne!(t, Keys { secret: [9; 32] }.token_hash("abc"));
        assert_eq!(unhex(&t).map(|b| hex(&b)), Some(t));
    }
}
