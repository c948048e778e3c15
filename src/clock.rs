//! The time that sessions expire by and login attempts wait for
//! (src/accounts/sessions.rs, src/accounts/throttle.rs). It comes through
//! `Config::clock`, so tests drive it by hand ([`ManualClock`]) and never
//! depend on how fast the machine is.
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Completes once `now_ms() >= until`.
    fn sleep_until(&self, until: i64) -> Sleep;
}

/// The wall clock, and the runtime's timer for waits.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }

    fn sleep_until(&self, until: i64) -> Sleep {
        let wait = u64::try_from(until - self.now_ms()).unwrap_or(0);
        Box::pin(actix_web::rt::time::sleep(Duration::from_millis(wait)))
    }
}

/// A clock that moves only when told to; a wait ends when the clock is
/// moved past its end.
pub struct ManualClock {
    now: tokio::sync::watch::Sender<i64>,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: tokio::sync::watch::Sender::new(start_ms),
        })
    }

    pub fn advance(&self, by: Duration) {
        self.now.send_modify(|t| *t += by.as_millis() as i64);
    }

    pub fn set_ms(&self, ms: i64) {
        self.now.send_replace(ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        *self.now.borrow()
    }

    fn sleep_until(&self, until: i64) -> Sleep {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // An error means the clock is gone: nothing will move it again.
            let _ = rx.wait_for(|t| *t >= until).await;
        })
    }
}

/// The clock an application runs on (the system's unless a test sets one).
#[derive(Clone)]
pub struct ClockRef(pub Arc<dyn Clock>);

impl Default for ClockRef {
    fn default() -> Self {
        ClockRef(Arc::new(SystemClock))
    }
}

impl fmt::Debug for ClockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClockRef(now_ms = {})", self.0.now_ms())
    }
}

impl std::ops::Deref for ClockRef {
    type Target = dyn Clock;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}
