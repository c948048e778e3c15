//! Writes too big for one transaction (a spend.json import over millions
//! of clicks, a change of base currency): the writer runs them a slice at
//! a time, each slice its own short transaction between two batches of
//! clicks, so clicks, postbacks and `/health` keep their pace whatever
//! they rewrite (README "Storage").
//!
//! A task keeps what it has left to do in the database, written in the
//! same transaction as each slice, so a crash between slices resumes it
//! at start instead of leaving half of it (src/spend/task.rs,
//! src/store/rescale.rs). Tasks with the same key (a user) run one after
//! another in arrival order, so no two of them change the same prices at
//! once; tasks of different keys take turns, a slice each.
use super::ticket::Responder;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// A slice takes on more work only while it has run for less than this;
/// its one step of work may take longer (a spend's piece, 10-20 ms). A
/// postback queued behind a slice waits about that long, plus its batch.
pub const SLICE: Duration = Duration::from_millis(8);

/// Failed slices in a row (a busy or full disk) before a task gives up.
const ATTEMPTS: u32 = 8;

pub trait Task: Send {
    /// Tasks with the same key run one after another (a user's).
    fn key(&self) -> i64;
    /// Writes the next slice, about [`SLICE`] of work, inside a
    /// transaction the writer commits. `Some(answer)` when the task is
    /// complete with this slice. It must not begin or end transactions,
    /// and it keeps its progress in the database (a failed commit is
    /// simply tried again).
    fn slice(&mut self, conn: &Connection) -> ApiResult<Option<Value>>;
    /// Given up: removes what the task kept to resume (in a transaction
    /// of its own), so that a start-up does not run it again.
    fn abandon(&mut self, conn: &Connection) -> rusqlite::Result<()>;
}

struct Entry {
    task: Box<dyn Task>,
    /// None for a task resumed at start (nobody waits for it).
    to: Option<Responder>,
    failures: u32,
    not_before: Instant,
}

/// The writer's tasks: per key, in arrival order; keys take turns.
#[derive(Default)]
pub(super) struct Tasks {
    keys: VecDeque<(i64, VecDeque<Entry>)>,
}

impl Tasks {
    pub fn add(&mut self, task: Box<dyn Task>, to: Option<Responder>) {
        let entry = Entry {
            task,
            to,
            failures: 0,
            not_before: Instant::now(),
        };
        let key = entry.task.key();
        match self.keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, queue)) => queue.push_back(entry),
            None => self.keys.push_back((key, VecDeque::from([entry]))),
        }
    }

    /// How long until a task may run a slice: zero when one may now,
    /// None when there is none.
    pub fn due(&self) -> Option<Duration> {
        let now = Instant::now();
        self.keys
            .iter()
            .filter_map(|(_, q)| q.front())
            .map(|e| e.not_before.saturating_duration_since(now))
            .min()
    }

    /// Runs one slice of the next task whose turn it is and which may run.
    pub fn run_one(&mut self, conn: &mut Connection) {
        let now = Instant::now();
        let Some(at) = self
            .keys
            .iter()
            .position(|(_, q)| q.front().is_some_and(|e| e.not_before <= now))
        else {
            return;
        };
        let (key, mut queue) = self.keys.remove(at).unwrap_or_default();
        let Some(mut entry) = queue.pop_front() else {
            return;
        };
        let settled = match slice(conn, entry.task.as_mut()) {
            Ok(None) => {
                entry.failures = 0;
                None
            }
            Ok(Some(answer)) => Some(Ok(answer)),
            // A refusal (not a failure to write) answers at once.
            Err(e) if e.code != ErrorCode::Db => Some(Err(e)),
            Err(e) => {
                entry.failures += 1;
                match entry.failures >= ATTEMPTS {
                    true => Some(Err(e)),
                    false => {
                        let wait = Duration::from_millis(50 << entry.failures.min(5));
                        entry.not_before = Instant::now() + wait;
                        None
                    }
                }
            }
        };
        match settled {
            None => queue.push_front(entry),
            Some(answer) => {
                if answer.is_err() {
                    tracing::error!(error = ?answer, key, "a sliced write gave up");
                    abandon(conn, entry.task.as_mut());
                }
                if let Some(to) = entry.to {
                    to.answer(answer);
                }
            }
        }
        // This key's turn is over: it queues up behind the others.
        if !queue.is_empty() {
            self.keys.push_back((key, queue));
        }
    }
}

/// One slice in its own transaction. A panic is caught (the writer
/// survives) and counts as a failed slice.
fn slice(conn: &mut Connection, task: &mut dyn Task) -> ApiResult<Option<Value>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let done = catch_unwind(AssertUnwindSafe(|| task.slice(&tx))).unwrap_or_else(|_| {
        tracing::error!("a sliced write panicked; its slice is rolled back");
        Err(ApiError::db())
    })?;
    tx.commit()?;
    Ok(done)
}

fn abandon(conn: &mut Connection, task: &mut dyn Task) {
    let done = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .and_then(|tx| {
            task.abandon(&tx)?;
            tx.commit()
        });
    if let Err(e) = done {
        tracing::error!(error = %e, "a sliced write could not be removed; it resumes at start");
    }
}
