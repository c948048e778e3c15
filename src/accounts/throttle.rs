//! Slows down password guessing (login.json, and profile.json's
//! `current_password`); docs/API.md, login.json: `slow-down`.
//!
//! Failures are counted per user name and per address (an IPv6 address
//! by its /64, what one subscriber gets). Each key's attempts take turns:
//! after [`FREE`] counted failures the next attempt may start [`FIRST_MS`]
//! after the previous one, twice that after each further failure, up to
//! [`MAX_SPACING_MS`]; an attempt's turn is the latest its keys allow. The
//! login waits for its turn in the dispatcher, asynchronously, before it
//! takes a thread or a database connection, so a waiting attempt costs
//! nothing. An attempt whose turn is more than [`BOUND_MS`] away is
//! refused at once with `slow-down` and `retry_after`, never `access`.
//!
//! An attempt counts as a failure when it is admitted, so parallel guesses
//! each take a later turn instead of all skipping the wait together; a
//! success takes its own count back, forgives the user name (its owner
//! proved the password) but not the address (a success with one's own
//! account must not wipe out the guesses made from there at others).
//! A right password is checked in its turn like any other, and accepted.
//! A key quiet for [`FORGET_MS`] is forgotten.
//!
//! Someone who keeps a key's schedule full (guessing a user's name without
//! pause, from anywhere, or anything from the user's own address) keeps
//! that user's log-ins waiting or answering `slow-down`: that is the price
//! of throttling by name and address. They still never get a guess more.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

pub const FREE: u32 = 3;
pub const FIRST_MS: i64 = 250;
pub const MAX_SPACING_MS: i64 = 8_000;
/// How far ahead a turn may be before the attempt is refused.
pub const BOUND_MS: i64 = 10_000;
pub const FORGET_MS: i64 = 15 * 60 * 1000;
/// Beyond this many keys, forgotten ones are dropped first.
const MAX_KEYS: usize = 100_000;
/// User names are at most 64 bytes (accounts::valid_name): longer ones
/// share a key by their first 64 bytes.
const NAME_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Name(String),
    Addr(Option<IpAddr>),
}

/// The keys of an attempt to log in as `name` from `ip`.
pub fn keys(name: &str, ip: Option<IpAddr>) -> [Key; 2] {
    let mut end = name.len().min(NAME_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let addr = ip.map(|ip| match ip {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    });
    [Key::Name(name[..end].to_string()), Key::Addr(addr)]
}

struct Entry {
    /// Admitted attempts not taken back by a success.
    failures: u32,
    /// When the key's next attempt may start (ms).
    next: i64,
    /// When the key last had an attempt (ms).
    last: i64,
}

impl Entry {
    fn forgotten(&self, now: i64) -> bool {
        now - self.last >= FORGET_MS && self.next <= now
    }
}

fn spacing(failures: u32) -> i64 {
    match failures.checked_sub(FREE) {
        None => 0,
        Some(n) => (FIRST_MS << n.min(16)).min(MAX_SPACING_MS),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Check the password at this time (ms; maybe now).
    At(i64),
    /// Refused for throttling; a try after this many seconds is not.
    Refused { retry_after: u64 },
}

#[derive(Default)]
pub struct Throttle {
    keys: Mutex<HashMap<Key, Entry>>,
}

impl Throttle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Books the attempt's turn, at most [`BOUND_MS`] after `now`.
    pub fn admit(&self, keys: &[Key], now: i64) -> Admission {
        self.admit_within(keys, now, BOUND_MS)
    }

    /// Books the attempt only if its turn is now (a check that cannot
    /// wait: profile.json's current password).
    pub fn admit_now(&self, keys: &[Key], now: i64) -> Admission {
        self.admit_within(keys, now, 0)
    }

    fn admit_within(&self, keys: &[Key], now: i64, bound: i64) -> Admission {
        let mut map = self.lock();
        if map.len() > MAX_KEYS {
            map.retain(|_, e| !e.forgotten(now));
        }
        // A clock set back must not push turns further than they can be.
        let latest = now + BOUND_MS + MAX_SPACING_MS;
        let turn = keys
            .iter()
            .filter_map(|k| map.get(k))
            .filter(|e| !e.forgotten(now))
            .map(|e| e.next.min(latest))
            .fold(now, i64::max);
        if turn - now > bound {
            let secs = (turn - now + 999) / 1000;
            return Admission::Refused {
                retry_after: secs.max(1) as u64,
            };
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                next: now,
                last: now,
            });
            if e.forgotten(now) {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            e.next = turn + spacing(e.failures);
        }
        Admission::At(turn)
    }

    /// The password was right (see the module comment). An address back
    /// under [`FREE`] failures needs no turns: its booking is given back.
    pub fn succeeded(&self, keys: &[Key], now: i64) {
        let mut map = self.lock();
        for k in keys {
            match k {
                Key::Name(_) => {
                    map.remove(k);
                }
                Key::Addr(_) => {
                    if let Some(e) = map.get_mut(k) {
                        e.failures = e.failures.saturating_sub(1);
                        if e.failures < FREE {
                            e.next = e.next.min(now);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_000_000;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn three_failures_are_free_then_turns_are_spaced_and_doubling() {
        let t = Throttle::default();
        let k = keys("admin", ip(1));
        for _ in 0..3 {
            assert_eq!(t.admit(&k, T), Admission::At(T));
        }
        // Parallel attempts at one instant take later and later turns.
        let mut turn = T;
        for gap in [250, 500, 1000, 2000, 4000] {
            turn += gap;
            assert_eq!(t.admit(&k, T), Admission::At(turn));
        }
        // The next would be 7.75 + 8 s ahead: refused, and not counted.
        let refused = Admission::Refused { retry_after: 16 };
        assert_eq!(t.admit(&k, T), refused);
        assert_eq!(t.admit(&k, T), refused);
        // Once time has come, the spacing stays at its largest.
        assert_eq!(t.admit(&k, T + 16_000), Admission::At(T + 16_000));
        assert_eq!(t.admit(&k, T + 16_000), Admission::At(T + 24_000));
    }

    #[test]
    fn the_larger_of_name_and_address_decides() {
        let t = Throttle::default();
        for i in 0..4 {
            t.admit(&keys("admin", ip(i)), T);
        }
        // A fresh address, the name's schedule: 0.25 s after the fourth
        // failure's 0.25 s turn.
        assert_eq!(t.admit(&keys("admin", ip(9)), T), Admission::At(T + 750));
        // Another name from a fresh address: no wait.
        assert_eq!(t.admit(&keys("bob", ip(8)), T), Admission::At(T));
        // IPv6 addresses of one /64 share a key.
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        assert_eq!(keys("x", Some(a))[1], keys("y", Some(b))[1]);
    }

    #[test]
    fn a_success_forgives_the_name_not_the_address() {
        let t = Throttle::default();
        let k = keys("admin", ip(1));
        for _ in 0..4 {
            t.admit(&k, T);
        }
        t.succeeded(&k, T);
        // The name starts afresh; the address keeps three failures (the
        // success took back its own), and its turn is still booked.
        assert_eq!(t.admit(&keys("admin", ip(2)), T), Admission::At(T));
        assert_eq!(t.admit(&keys("carol", ip(1)), T), Admission::At(T + 750));
        // Two failures and a success: no turn is kept.
        let k = keys("dave", ip(3));
        t.admit(&k, T);
        t.admit(&k, T);
        assert_eq!(t.admit(&k, T), Admission::At(T));
        t.succeeded(&k, T);
        assert_eq!(t.admit_now(&keys("erin", ip(3)), T), Admission::At(T));
    }

    #[test]
    fn admit_now_refuses_a_turn_in_the_future_and_quiet_keys_are_forgotten() {
        let t = Throttle::default();
        let k = keys("admin", ip(1));
        for _ in 0..3 {
            assert_eq!(t.admit_now(&k, T), Admission::At(T));
        }
        assert_eq!(t.admit_now(&k, T), Admission::Refused { retry_after: 1 });
        assert_eq!(t.admit_now(&k, T + 250), Admission::At(T + 250));
        let later = T + 250 + FORGET_MS;
        for _ in 0..3 {
            assert_eq!(t.admit(&k, later), Admission::At(later));
        }
    }

    #[test]
    fn a_clock_set_back_does_not_lock_a_key_for_long() {
        let t = Throttle::default();
        let k = keys("admin", ip(1));
        for _ in 0..8 {
            t.admit(&k, T);
        }
        let back = T - 3_600_000;
        assert_eq!(
            t.admit(&k, back),
            Admission::Refused {
                retry_after: ((BOUND_MS + MAX_SPACING_MS) / 1000) as u64
            }
        );
    }
}
