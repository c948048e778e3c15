//! Slows down repeated failed logins from one IP (SPEC 5.2 login.json):
//! after 3 failures each attempt waits twice as long, up to 8 s; a
//! success or 15 quiet minutes forget the IP.
//!
//! The wait happens on an API worker that already holds one of the few
//! pooled database connections, so waits are rationed: one waiting attempt
//! per IP and `MAX_WAITING` in all. Any further attempt from a throttled IP
//! is refused at once without its password being checked. Without this a
//! burst of parallel bad logins would both skip the slow-down and take every
//! connection, stalling postbacks and reports for everyone.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Key = Option<IpAddr>;

struct Entry {
    failures: u32,
    at: Instant,
    waiting: bool,
}

#[derive(Default)]
struct Inner {
    ips: HashMap<Key, Entry>,
    waiting: usize,
}

#[derive(Default)]
pub struct Throttle {
    inner: Mutex<Inner>,
}

const FREE: u32 = 3;
const FORGET: Duration = Duration::from_secs(15 * 60);
/// Attempts that may wait at the same time (each holds a DB connection).
const MAX_WAITING: usize = 2;

/// Permission to check one login, after `delay`. Dropping it ends the wait
/// slot it may hold, also when the check fails or panics.
pub struct Admission<'a> {
    throttle: &'a Throttle,
    ip: Key,
    pub delay: Duration,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if self.delay.is_zero() {
            return;
        }
        let mut inner = self.throttle.lock();
        inner.waiting = inner.waiting.saturating_sub(1);
        if let Some(e) = inner.ips.get_mut(&self.ip) {
            e.waiting = false;
        }
    }
}

impl Throttle {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long this IP must wait before its attempt is checked, or None
    /// when the attempt is refused outright (see the module comment).
    pub fn admit(&self, ip: Key) -> Option<Admission<'_>> {
        let mut inner = self.lock();
        let delay = match inner.ips.get(&ip) {
            Some(e) if e.failures >= FREE && e.at.elapsed() < FORGET => {
                Duration::from_millis(250u64 << (e.failures - FREE).min(5))
                    .min(Duration::from_secs(8))
            }
            _ => Duration::ZERO,
        };
        if !delay.is_zero() {
            if inner.waiting >= MAX_WAITING || inner.ips.get(&ip).is_some_and(|e| e.waiting) {
                return None;
            }
            inner.waiting += 1;
            if let Some(e) = inner.ips.get_mut(&ip) {
                e.waiting = true;
            }
        }
        Some(Admission {
            throttle: self,
            ip,
            delay,
        })
    }

    pub fn failed(&self, ip: Key) {
        let mut inner = self.lock();
        if inner.ips.len() > 100_000 {
            inner
                .ips
                .retain(|_, e| e.waiting || e.at.elapsed() < FORGET);
        }
        let e = inner.ips.entry(ip).or_insert(Entry {
            failures: 0,
            at: Instant::now(),
            waiting: false,
        });
        e.failures = e.failures.saturating_add(1);
        e.at = Instant::now();
    }

    pub fn succeeded(&self, ip: Key) {
        let mut inner = self.lock();
        // Keep the entry while its wait slot is taken; the Admission clears
        // the flag, and the count restarts from zero.
        if let Some(e) = inner.ips.get_mut(&ip) {
            if e.waiting {
                e.failures = 0;
                return;
            }
        }
        inner.ips.remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_three_failures_and_one_waits_at_a_time() {
        let t = Throttle::default();
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            assert_eq!(t.admit(ip).unwrap().delay, Duration::ZERO);
            t.failed(ip);
        }
        let a = t.admit(ip).unwrap();
        assert_eq!(a.delay, Duration::from_millis(250));
        assert!(t.admit(ip).is_none(), "a second waiting attempt is refused");
        t.failed(ip);
        drop(a);
        assert_eq!(t.admit(ip).unwrap().delay, Duration::from_millis(500));
        t.succeeded(ip);
        assert_eq!(t.admit(ip).unwrap().delay, Duration::ZERO);
    }

    #[test]
    fn at_most_max_waiting_attempts_wait_at_once() {
        let t = Throttle::default();
        let ips: Vec<Key> = (1..=3).map(|i| Some(IpAddr::from([10, 0, 0, i]))).collect();
        for ip in &ips {
            for _ in 0..FREE {
                t.failed(*ip);
            }
        }
        let a = t.admit(ips[0]).unwrap();
        let b = t.admit(ips[1]).unwrap();
        assert!(t.admit(ips[2]).is_none());
        drop(a);
        assert!(t.admit(ips[2]).is_some());
        drop(b);
    }
}
