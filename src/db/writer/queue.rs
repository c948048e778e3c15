//! The writer's inbox: one FIFO of clicks, jobs, sliced tasks and
//! barriers, so everything runs in the order it arrived (a postback or a
//! report sent after a click sees it). Nothing that puts a message in
//! ever waits: the request thread of a click must not block on anything
//! slow (README "The click path"). Clicks are bounded by the memory they
//! hold: past the bound a click is refused, and its request answers 503
//! with Retry-After instead of a redirect, so a redirected click is
//! always one that will be stored. Jobs, tasks and barriers are never
//! refused: each has a caller waiting for it, which bounds them.
use super::Msg;
use super::Record;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Memory the queue may hold in clicks by default: about 200,000 clicks,
/// a few seconds of the most this machine answers (README "Benchmarks"),
/// minutes of any real traffic.
pub const DEFAULT_BYTES: usize = 128 << 20;

pub(super) struct Queue<R> {
    inner: Mutex<Inner<R>>,
    wake: Condvar,
    limit: usize,
    refused: AtomicU64,
    /// Unix second of the last warning about refused clicks.
    warned: AtomicU64,
    /// Clicks committed since start (the shutdown line's figure).
    written: AtomicU64,
}

struct Inner<R> {
    msgs: VecDeque<Msg<R>>,
    /// What the clicks in `msgs` hold ([`weight`]).
    bytes: usize,
    /// The writer waits for a message.
    parked: bool,
    /// The writer is gone: what comes is dropped (a job's caller then
    /// reads `db`).
    closed: bool,
}

impl<R: Record> Queue<R> {
    pub fn new(limit: usize) -> Queue<R> {
        Queue {
            inner: Mutex::new(Inner {
                msgs: VecDeque::new(),
                bytes: 0,
                parked: false,
                closed: false,
            }),
            wake: Condvar::new(),
            limit,
            refused: AtomicU64::new(0),
            warned: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<R>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `m`, waking the writer if it waits.
    fn append(&self, mut q: MutexGuard<'_, Inner<R>>, m: Msg<R>) {
        if q.closed {
            return;
        }
        q.msgs.push_back(m);
        if q.parked {
            q.parked = false;
            drop(q);
            self.wake.notify_one();
        }
    }

    /// Queues a click unless the queue already holds its bound of clicks;
    /// false when refused (counted, and logged at most once a second).
    pub fn click(&self, c: Box<R>) -> bool {
        let size = c.bytes();
        let mut q = self.lock();
        if q.closed || q.bytes + size > self.limit {
            drop(q);
            self.refuse();
            return false;
        }
        q.bytes += size;
        self.append(q, Msg::Click(c));
        true
    }

    /// Counts `n` clicks committed (by the writer thread).
    pub fn wrote(&self, n: u64) {
        self.written.fetch_add(n, Ordering::Release);
    }

    /// Clicks committed since start.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Queues a message that is never refused.
    pub fn push(&self, m: Msg<R>) {
        self.append(self.lock(), m);
    }

    fn refuse(&self) {
        let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if self.warned.swap(now, Ordering::Relaxed) != now {
            tracing::warn!(
                refused = n,
                "click queue full: clicks answered 503 (count since start)"
            );
        }
    }

    /// The next message, waiting for one (at most `limit` when given).
    pub fn next(&self, limit: Option<Duration>) -> Option<Msg<R>> {
        let mut q = self.lock();
        loop {
            if let Some(m) = q.msgs.pop_front() {
                return Some(self.taken(&mut q, m));
            }
            q.parked = true;
            q = match limit {
                None => self.wake.wait(q).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let (q, timeout) = self
                        .wake
                        .wait_timeout(q, d)
                        .unwrap_or_else(|e| e.into_inner());
                    if timeout.timed_out() {
                        let mut q = q;
                        q.parked = false;
                        return q.msgs.pop_front().map(|m| self.taken(&mut q, m));
                    }
                    q
                }
            };
        }
    }

    /// Takes queued messages without waiting, each to `take`, until it
    /// answers false.
    pub fn drain(&self, mut take: impl FnMut(Msg<R>) -> bool) {
        let mut q = self.lock();
        while let Some(m) = q.msgs.pop_front() {
            if !take(self.taken(&mut q, m)) {
                break;
            }
        }
    }

    fn taken(&self, q: &mut Inner<R>, m: Msg<R>) -> Msg<R> {
        if let Msg::Click(c) = &m {
            q.bytes = q.bytes.saturating_sub(c.bytes());
        }
        m
    }

    /// The writer stops: drops what is queued and what comes.
    pub fn close(&self) {
        let dropped = {
            let mut q = self.lock();
            q.closed = true;
            std::mem::take(&mut q.msgs)
        };
        drop(dropped);
    }
}
