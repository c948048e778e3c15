//! Click ids (docs/API.md): time-ordered for the database, unguessable in public.
//! The row key is `(unix ms << 16) | sequence`, so inserts append to the end
//! of the table (random keys make SQLite inserts several times slower). The
//! public id adds 64 random bits: base64url of key ‖ secret, 22 characters.
use rand::RngCore;
use std::sync::atomic::{AtomicI64, Ordering};

/// The row keys one server hands out: never smaller than its clock,
/// always increasing. One per server, not one per process: a process
/// that runs several (the tests, an embedder) must not let one server's
/// clock date another's clicks.
#[derive(Debug, Default)]
pub struct Keys {
    last: AtomicI64,
}

impl Keys {
    /// Keys that sort after every key already stored.
    pub fn after(max_existing: i64) -> Keys {
        Keys {
            last: AtomicI64::new(max_existing),
        }
    }

    /// The next row key.
    pub fn next(&self, now_ms: i64) -> i64 {
        let floor = now_ms << 16;
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            let next = if prev >= floor { prev + 1 } else { floor };
            match self
                .last
                .compare_exchange_weak(prev, next, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(actual) => prev = actual,
            }
        }
    }
}

pub fn random_secret() -> i64 {
    rand::rng().next_u64() as i64
}

/// Where a node's id sits in a secret: the 12 bits that are the 20th and
/// 21st characters of the public id, so that a reverse proxy in front of
/// several nodes can route a postback to the node that issued its click
/// by those two characters (docs/SCALING.md "Postbacks to the right node").
const NODE_SHIFT: u32 = 2;
const NODE_BITS: i64 = 0xFFF;
/// The largest node id a click id can carry.
pub const MAX_NODE: u16 = NODE_BITS as u16;

/// A random secret that carries `node` (1..=[`MAX_NODE`]); the other 52
/// bits stay random.
pub fn node_secret(node: u16) -> i64 {
    let node = i64::from(node) & NODE_BITS;
    (random_secret() & !(NODE_BITS << NODE_SHIFT)) | (node << NODE_SHIFT)
}

/// The node a secret was made on (0 for a click made before nodes).
pub fn node_of(secret: i64) -> u16 {
    ((secret >> NODE_SHIFT) & NODE_BITS) as u16
}

/// Unix seconds of a row key.
pub fn key_time(key: i64) -> i64 {
    (key >> 16) / 1000
}

/// The 15-minute bucket (Unix seconds / 900) of a row key, as the rollups
/// count it.
pub fn key_bucket(key: i64) -> i64 {
    (key >> 16).div_euclid(900_000)
}

/// The smallest row key at or after unix second `t`.
/// Saturates for the open ends of a period.
pub fn key_at(t: i64) -> i64 {
    if t <= 0 {
        return 0;
    }
    match t.checked_mul(1000) {
        Some(ms) if ms <= i64::MAX >> 16 => ms << 16,
        _ => i64::MAX,
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn encode(key: i64, secret: i64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&key.to_be_bytes());
    bytes[8..].copy_from_slice(&secret.to_be_bytes());
    let mut out = String::with_capacity(22);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[((acc >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize] as char);
    }
    out
}

/// Splits a public id into (key, secret); None when it cannot be one.
pub fn decode(id: &str) -> Option<(i64, i64)> {
    if id.len() != 22 {
        return None;
    }
    let mut bytes = Vec::with_capacity(17);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in id.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    let key = i64::from_be_bytes(bytes[..8].try_into().ok()?);
    let secret = i64::from_be_bytes(bytes[8..16].try_into().ok()?);
    Some((key, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_increase() {
        let keys = Keys::after(0);
        let a = keys.next(1_700_000_000_000);
        let b = keys.next(1_700_000_000_000);
        assert!(b > a);
        // Never below a key already stored, whatever the clock says.
        assert_eq!(Keys::after(b).next(1_600_000_000_000), b + 1);
        let s = random_secret();
        let text = encode(b, s);
        assert_eq!(text.len(), 22);
        assert_eq!(decode(&text), Some((b, s)));
        assert_eq!(key_time(b), 1_700_000_000);
        assert!(decode("short").is_none());
        assert!(decode("!!!!!!!!!!!!!!!!!!!!!!").is_none());
    }

    /// The node's id is the 20th and 21st characters of a public id, and
    /// only those: a proxy can route by them.
    #[test]
    fn a_node_is_two_characters_of_the_public_id() {
        let key = Keys::default().next(1_700_000_000_000);
        for node in [1, 2, 63, 64, 777, MAX_NODE] {
            let a = encode(key, node_secret(node));
            let b = encode(key, node_secret(node));
            assert_eq!(node_of(decode(&a).unwrap().1), node);
            assert_eq!(a[19..21], b[19..21], "node {node}");
            let other = encode(key, node_secret(node ^ 1));
            assert_ne!(a[19..21], other[19..21], "node {node}");
            assert_eq!(a[..10], other[..10]);
        }
        let chars = |n: u16| encode(key, node_secret(n))[19..21].to_string();
        // The node in base64url digits: 64 × the first + the second.
        assert_eq!(chars(1), "AB");
        assert_eq!(chars(64 + 2), "BC");
        assert_eq!(chars(MAX_NODE), "__");
    }
}
