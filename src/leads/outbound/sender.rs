//! The sender (docs/ARCHITECTURE.md "Outbound postbacks"): a dispatcher
//! thread finds the outbox rows that are due and starts a thread for
//! each call; each attempt's outcome is written through the writer like
//! every other write. Nothing here is reached by the click path or a
//! postback's answer, and a receiver that hangs holds only the threads of
//! its own calls, each for at most the timeout.
//!
//! Fairness: one user has at most [`PER_USER`] calls in flight, so one
//! user's dead receiver never delays another user's postbacks; a thread
//! per call (not a shared pool, which a few hanging receivers would fill)
//! keeps it so however many users' receivers hang, up to [`MAX_FLIGHT`].
//! A row is in flight from the moment it is handed out until its outcome
//! is committed, so it is never handed out twice meanwhile.
use super::outbox::{self, Call, Outcome};
use crate::clock::ClockRef;
use crate::ids::UserId;
use crate::state::AppState;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

/// Calls of one user in flight at most, and of everyone.
const PER_USER: usize = 4;
const MAX_FLIGHT: usize = 256;
/// A call's thread needs little stack: ureq and rustls keep their
/// buffers on the heap.
const STACK: usize = 256 << 10;
/// The dispatcher looks at the clock this often, and at the outbox at
/// least this often when nothing told it to.
const TICK: Duration = Duration::from_millis(100);
const RESCAN: Duration = Duration::from_secs(1);
/// Least time between two looks for new rows: under a burst of
/// postbacks every one kicks, and a look per kick (each with a barrier
/// through the writer) took a fifth of the postbacks' rate; a look every
/// few milliseconds hands out the same calls (docs/BENCHMARKS.md). A
/// finished call's kick needs no barrier and waits for no gap.
const GAP: Duration = Duration::from_millis(5);

/// One row to send.
struct Work {
    id: i64,
    user: UserId,
    key: String,
    call: Call,
}

#[derive(Default)]
struct Flight {
    ids: HashSet<i64>,
    per_user: HashMap<UserId, usize>,
    /// Rows released since the running scan began: the scan may have
    /// read one of them as pending before its outcome was committed, so
    /// it must not hand it out again. Cleared when a scan begins (a
    /// release commits first, so a later scan reads the outcome).
    released: HashSet<i64>,
}

#[derive(Default, Clone, Copy)]
struct Kicks {
    /// A row was queued or retried by a write that may not be committed
    /// yet.
    queued: bool,
    /// A call's outcome was committed: its user has room again.
    freed: bool,
}

#[derive(Default)]
struct Shared {
    flight: Mutex<Flight>,
    /// What may have made a row due since the last look.
    kicked: Mutex<Kicks>,
    wake: Condvar,
    /// Told when a call in flight is recorded (with `flight`).
    settled: Condvar,
    stop: AtomicBool,
}

impl Shared {
    fn kick(&self, f: impl FnOnce(&mut Kicks)) {
        f(&mut self.kicked.lock().unwrap_or_else(|e| e.into_inner()));
        self.wake.notify_all();
    }

    fn take_kicks(&self) -> Kicks {
        std::mem::take(&mut *self.kicked.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// What a call's thread needs.
#[derive(Clone)]
struct Ctx {
    state: Weak<AppState>,
    clock: ClockRef,
    agent: ureq::Agent,
    shared: Arc<Shared>,
}

/// The application's handle on the sender (in the app state).
#[derive(Clone, Default)]
pub struct Outbox {
    shared: Arc<Shared>,
}

impl Outbox {
    /// Something may be due: look at the outbox now rather than at the
    /// next rescan.
    pub fn kick(&self) {
        self.shared.kick(|k| k.queued = true);
    }

    /// Stops handing out calls and waits up to `grace` for those in
    /// flight to be recorded. A call still running after that stays
    /// pending in the outbox and is made again at the next start.
    pub fn stop(&self, grace: Duration) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.wake.notify_all();
        let until = Instant::now() + grace;
        let mut flight = self.shared.flight.lock().unwrap_or_else(|e| e.into_inner());
        while !flight.ids.is_empty() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::info!(in_flight = flight.ids.len(), "postbacks left in flight");
                return;
            }
            flight = self
                .shared
                .settled
                .wait_timeout(flight, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Starts the dispatcher for the app whose state this is; it and the
    /// calls' threads hold the state only while they use it, and the
    /// dispatcher ends once it is gone or [`Outbox::stop`] was called.
    pub fn start(&self, state: Weak<AppState>, clock: ClockRef, timeout: Duration) {
        let ctx = Ctx {
            state,
            clock,
            agent: super::send::agent(timeout),
            shared: self.shared.clone(),
        };
        std::thread::Builder::new()
            .name("postback-dispatch".into())
            .spawn(move || dispatch(&ctx))
            .expect("spawn postback dispatcher");
    }
}

/// The users with pending rows and the earliest `next` of each, by a
/// seek per user on the outbox's partial index.
fn pending_users(conn: &Connection) -> rusqlite::Result<Vec<(UserId, i64)>> {
    let mut out = Vec::new();
    let mut st = conn.prepare_cached(
        "SELECT user_id, next FROM postbacks_out INDEXED BY postbacks_out_due
         WHERE state = 0 AND user_id > ?1 ORDER BY user_id, next LIMIT 1",
    )?;
    let mut after = i64::MIN;
    while let Some(found) = st
        .query_row([after], |r| {
            Ok((r.get::<_, UserId>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?
    {
        after = found.0 .0;
        out.push(found);
    }
    Ok(out)
}

/// Up to `n` of `user`'s rows due at `now`, oldest first.
fn due(conn: &Connection, user: UserId, now: i64, n: usize) -> rusqlite::Result<Vec<Work>> {
    let mut st = conn.prepare_cached(
        "SELECT id, lead_id, stage, source_id, method, url, body, type FROM postbacks_out
         INDEXED BY postbacks_out_due
         WHERE state = 0 AND user_id = ?1 AND next <= ?2 ORDER BY next, id LIMIT ?3",
    )?;
    let rows = st.query_map(params![user, now, n as i64], |r| {
        Ok(Work {
            id: r.get(0)?,
            user,
            key: format!(
                "{}-{}-{}",
                r.get::<_, i64>(1)?,
                crate::leads::stage::name(r.get(2)?),
                r.get::<_, i64>(3)?
            ),
            call: Call {
                method: r.get(4)?,
                url: r.get(5)?,
                body: r.get(6)?,
                ctype: r.get(7)?,
            },
        })
    })?;
    rows.collect()
}

/// One look at the outbox: hands out what is due within each user's
/// room; answers the earliest `next` still waiting (None: none).
fn scan(conn: &Connection, now: i64, ctx: &Ctx) -> rusqlite::Result<Option<i64>> {
    let shared = &ctx.shared;
    shared
        .flight
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .released
        .clear();
    let mut earliest: Option<i64> = None;
    for (user, first) in pending_users(conn)? {
        if first > now {
            earliest = Some(earliest.map_or(first, |e| e.min(first)));
            continue;
        }
        let busy = {
            let flight = shared.flight.lock().unwrap_or_else(|e| e.into_inner());
            flight.per_user.get(&user).copied().unwrap_or(0)
        };
        if busy >= PER_USER {
            continue;
        }
        // Rows in flight are still pending: ask for enough to skip them.
        for w in due(conn, user, now, PER_USER + busy)? {
            {
                let mut flight = shared.flight.lock().unwrap_or_else(|e| e.into_inner());
                let n = flight.per_user.get(&user).copied().unwrap_or(0);
                if flight.ids.len() >= MAX_FLIGHT {
                    return Ok(earliest);
                }
                if n >= PER_USER || flight.ids.contains(&w.id) || flight.released.contains(&w.id) {
                    continue;
                }
                flight.ids.insert(w.id);
                flight.per_user.insert(user, n + 1);
            }
            let (id, ctx) = (w.id, ctx.clone());
            let spawned = std::thread::Builder::new()
                .name("postback".into())
                .stack_size(STACK)
                .spawn(move || call(w, &ctx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "no thread for a postback; it waits for the next look");
                release(shared, id, user);
                return Ok(earliest);
            }
        }
    }
    Ok(earliest)
}

fn release(shared: &Shared, id: i64, user: UserId) {
    let mut flight = shared.flight.lock().unwrap_or_else(|e| e.into_inner());
    flight.ids.remove(&id);
    flight.released.insert(id);
    if let Some(n) = flight.per_user.get_mut(&user) {
        *n -= 1;
        if *n == 0 {
            flight.per_user.remove(&user);
        }
    }
    shared.settled.notify_all();
}

fn dispatch(ctx: &Ctx) {
    let shared = &ctx.shared;
    let mut next_due: Option<i64> = None;
    let mut last_scan: Option<Instant> = None;
    loop {
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        let mut kicks = shared.take_kicks();
        if kicks.queued && !kicks.freed {
            if let Some(wait) = last_scan.and_then(|t| GAP.checked_sub(t.elapsed())) {
                std::thread::sleep(wait);
                let more = shared.take_kicks();
                kicks.freed |= more.freed;
            }
        }
        let now = ctx.clock.now_ms().div_euclid(1000);
        let look = kicks.queued
            || kicks.freed
            || next_due.is_some_and(|d| d <= now)
            || last_scan.is_none_or(|t| t.elapsed() >= RESCAN);
        if look {
            let Some(st) = ctx.state.upgrade() else {
                return;
            };
            // A new row's write may not be committed yet: let the writer
            // commit what is queued first.
            if kicks.queued {
                st.writer.barrier(Duration::from_secs(2));
            }
            last_scan = Some(Instant::now());
            match st.pool.get() {
                Ok(conn) => match scan(&conn, now, ctx) {
                    Ok(d) => next_due = d,
                    Err(e) => tracing::error!(error = %e, "reading the postback outbox failed"),
                },
                Err(e) => tracing::error!(error = %e, "no connection for the postback outbox"),
            }
        }
        let kicked = shared.kicked.lock().unwrap_or_else(|e| e.into_inner());
        if !(kicked.queued || kicked.freed || shared.stop.load(Ordering::Acquire)) {
            let _ = shared.wake.wait_timeout(kicked, TICK);
        }
    }
}

/// A call's thread: makes it, records the outcome, and tells the
/// dispatcher that its user has room again.
fn call(w: Work, ctx: &Ctx) {
    let outcome = super::send::send(&ctx.agent, &w.call, &w.key);
    if let Some(st) = ctx.state.upgrade() {
        save(&st, w.id, outcome, ctx.clock.now_ms().div_euclid(1000));
    }
    release(&ctx.shared, w.id, w.user);
    ctx.shared.kick(|k| k.freed = true);
}

/// Records an attempt through the writer and waits until it is
/// committed, so the row is not handed out again before.
fn save(st: &AppState, id: i64, outcome: Outcome, now: i64) {
    let (to, answer) = crate::db::writer::ticket();
    st.writer.submit(
        Box::new(move |conn: &Connection| {
            outbox::record(conn, id, &outcome, now)?;
            Ok(serde_json::Value::Null)
        }),
        to,
    );
    if let Err(e) = answer.wait_blocking(Duration::from_secs(30)) {
        tracing::error!(error = %e.code, id, "recording a postback attempt failed");
    }
}
