//! Slows down repeated failed logins from one IP (SPEC 5.2 login.json):
//! after 3 failures each attempt waits twice as long, up to 8 s; a
//! success or 15 quiet minutes forget the IP.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
}

const FREE: u32 = 3;
const FORGET: Duration = Duration::from_secs(15 * 60);

impl Throttle {
    /// How long this IP must wait before its attempt is checked.
    pub fn delay(&self, ip: Option<IpAddr>) -> Duration {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&ip) {
            Some((n, at)) if *n >= FREE && at.elapsed() < FORGET => {
                Duration::from_millis(250u64 << (n - FREE).min(5)).min(Duration::from_secs(8))
            }
            _ => Duration::ZERO,
        }
    }

    pub fn failed(&self, ip: Option<IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, at)| at.elapsed() < FORGET);
        }
        let e = map.entry(ip).or_insert((0, Instant::now()));
        e.0 = e.0.saturating_add(1);
        e.1 = Instant::now();
    }

    pub fn succeeded(&self, ip: Option<IpAddr>) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}
