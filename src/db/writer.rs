//! The one writer (DESIGN 1): a thread that owns a connection, drains a
//! bounded channel and commits whatever is queued in one transaction
//! (group commit). When idle every message commits at once; under steady
//! click load, clicks-only batches commit at most every [`WINDOW`], so each
//! commit carries many clicks (the redirect never waits for it either way).
//!
//! The queue carries clicks and write jobs (postback.json) and the writer
//! runs them in the order they arrived, so a job queued after a click sees
//! that click (SPEC 2: a postback sent right after a click already sees
//! it). Each job runs inside its own SAVEPOINT: a job that fails leaves no
//! partial change (SPEC 3). Its answer is sent only once the batch is
//! committed; if the commit fails, the clicks are kept for a retry and every
//! job of the batch answers `db`: a caller is never told ok for something
//! that is not stored.
//!
//! `barrier()` lets a reader see every click answered before it: the
//! barrier travels through the same FIFO channel and is answered only after
//! the clicks ahead of it are committed.
use crate::api::error::{ApiError, ApiResult};
use crate::clicks::record::{ClickRecord, INSERT_SQL};
use rusqlite::{Connection, TransactionBehavior};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const QUEUE: usize = 65_536;
/// A batch closes at this weight: a click weighs 1, a job [`JOB_WEIGHT`]
/// (a postback takes the writer about as long as 10-20 clicks), so a batch
/// of postbacks stays a few milliseconds long and the clicks in it are
/// committed soon (SPEC 2: at most the last few milliseconds of clicks are
/// lost on a kill).
const MAX_BATCH: usize = 2_000;
const JOB_WEIGHT: usize = 20;
const DICT_CACHE: usize = 100_000;
/// Clicks-only batches commit at most this often (SPEC 2: at most the last
/// few milliseconds of clicks can be lost if the process is killed).
const WINDOW: Duration = Duration::from_millis(2);

mod ticket;
pub use ticket::{ticket, Answer, Responder};

/// A database write run on the writer thread, inside the batch transaction.
/// It must not begin or end transactions itself, nor wait for the writer
/// (a barrier or another job): it runs on the writer.
pub type JobFn = Box<dyn FnOnce(&Connection) -> ApiResult + Send>;

pub struct Job {
    run: Option<JobFn>,
    to: Responder,
    answer: Option<ApiResult>,
}

pub enum Msg {
    Click(Box<ClickRecord>),
    Job(Box<Job>),
    Barrier(SyncSender<()>),
    Stop,
}

/// What one batch holds, in arrival order.
enum Item {
    Click(Box<ClickRecord>),
    Job(Box<Job>),
}

pub struct Writer {
    tx: SyncSender<Msg>,
    handle: std::sync::Mutex<Option<JoinHandle<()>>>,
    /// Clicks committed since start (the shutdown line's figure).
    written: std::sync::Arc<AtomicU64>,
}

impl Writer {
    pub fn start(conn: Connection) -> Writer {
        let (tx, rx) = sync_channel(QUEUE);
        let written = std::sync::Arc::new(AtomicU64::new(0));
        let count = written.clone();
        let handle = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || run(conn, rx, &count))
            .expect("spawn db writer");
        Writer {
            tx,
            handle: std::sync::Mutex::new(Some(handle)),
            written,
        }
    }

    /// Queues a click. Blocks only when the queue is full (backpressure
    /// instead of dropping a click).
    pub fn enqueue(&self, click: ClickRecord) {
        if self.tx.send(Msg::Click(Box::new(click))).is_err() {
            tracing::error!("db writer is gone; click not recorded");
        }
    }

    /// Queues `job` behind everything queued before it; its answer goes
    /// to `to` once its batch is committed (or failed). Blocks only when
    /// the queue is full.
    pub fn submit(&self, job: JobFn, to: Responder) {
        let job = Job {
            run: Some(job),
            to,
            answer: None,
        };
        // A send error drops the job, whose responder then answers `db`.
        if self.tx.send(Msg::Job(Box::new(job))).is_err() {
            tracing::error!("db writer is gone; write not run");
        }
    }

    /// Waits until every click queued before this call is committed.
    /// Blocking: call it inside `web::block`. False on time-out.
    pub fn barrier(&self, timeout: Duration) -> bool {
        let (tx, rx) = sync_channel(1);
        if self.tx.send(Msg::Barrier(tx)).is_err() {
            return false;
        }
        rx.recv_timeout(timeout).is_ok()
    }

    /// Commits everything queued, then stops the thread (clean shutdown).
    /// Answers how many clicks it committed meanwhile: those still queued.
    pub fn shutdown(&self) -> u64 {
        let before = self.written.load(Ordering::Acquire);
        let _ = self.tx.send(Msg::Stop);
        if let Some(h) = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
        self.written.load(Ordering::Acquire) - before
    }
}

impl Job {
    /// Runs the job inside its own savepoint, unless its caller gave up.
    /// An error (or a panic, which is caught so the writer survives) rolls
    /// back only this job. `Err` means the savepoint itself failed: the
    /// whole batch is then abandoned.
    fn run_in(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if !self.to.take() {
            return Ok(());
        }
        let Some(job) = self.run.take() else {
            return Ok(());
        };
        conn.prepare_cached("SAVEPOINT job")?.execute([])?;
        let answer = catch_unwind(AssertUnwindSafe(|| job(conn))).unwrap_or_else(|_| {
            tracing::error!("a write job panicked; its changes are rolled back");
            Err(ApiError::db())
        });
        if answer.is_err() {
            conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
        }
        conn.prepare_cached("RELEASE job")?.execute([])?;
        self.answer = Some(answer);
        Ok(())
    }

    /// Sends the answer once the batch is settled: the job's own when the
    /// batch committed, `db` when it did not.
    fn settle(self, committed: bool) {
        let answer = match (committed, self.answer) {
            (true, Some(answer)) => answer,
            _ => Err(ApiError::db()),
        };
        self.to.answer(answer);
    }
}

/// Interns long repeated strings (user agents, referers).
#[derive(Default)]
pub struct Dict {
    cache: foldhash::HashMap<String, i64>,
}

impl Dict {
    fn id(&mut self, conn: &Connection, value: &str) -> rusqlite::Result<i64> {
        if value.is_empty() {
            return Ok(0);
        }
        if let Some(&id) = self.cache.get(value) {
            return Ok(id);
        }
        conn.prepare_cached("INSERT OR IGNORE INTO dict (value) VALUES (?1)")?
            .execute([value])?;
        let id: i64 = conn
            .prepare_cached("SELECT id FROM dict WHERE value = ?1")?
            .query_row([value], |r| r.get(0))?;
        if self.cache.len() >= DICT_CACHE {
            self.cache.clear();
        }
        self.cache.insert(value.to_string(), id);
        Ok(id)
    }
}

/// Inserts one click with its strings interned: the one insert path of
/// the writer and of `flowtrack demo`.
pub fn insert_click(
    conn: &Connection,
    dict: &mut Dict,
    st: &mut rusqlite::CachedStatement<'_>,
    c: &ClickRecord,
) -> rusqlite::Result<()> {
    let ua = dict.id(conn, &c.ua)?;
    let referer = dict.id(conn, &c.referer)?;
    c.insert(conn, st, ua, referer)
}

/// Stores clicks and their rollups in one transaction (test fixtures that
/// need clicks at chosen times).
pub fn write_batch<C: std::borrow::Borrow<ClickRecord>>(
    conn: &mut Connection,
    dict: &mut Dict,
    clicks: &[C],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut st = tx.prepare_cached(INSERT_SQL)?;
        let mut roll = crate::stats::rollup::Acc::default();
        for c in clicks {
            insert_click(&tx, dict, &mut st, c.borrow())?;
            roll.add(c.borrow());
        }
        roll.flush(&tx)?;
    }
    tx.commit()
}

/// The writer's one storage path: clicks and jobs in arrival order, the
/// click rollups, one commit. IMMEDIATE takes the write lock first (with
/// the busy timeout), so a job that reads before it writes always reads
/// the latest data and never meets SQLITE_BUSY_SNAPSHOT.
/// `roll` is kept from batch to batch for the room its maps have grown.
fn write_items(
    conn: &mut Connection,
    dict: &mut Dict,
    roll: &mut crate::stats::rollup::Acc,
    items: &mut [Item],
) -> rusqlite::Result<()> {
    // What a failed attempt left must not count twice.
    roll.clear();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut st = tx.prepare_cached(INSERT_SQL)?;
        for item in items.iter_mut() {
            match item {
                Item::Click(c) => {
                    insert_click(&tx, dict, &mut st, c)?;
                    roll.add(c);
                }
                Item::Job(job) => job.run_in(&tx)?,
            }
        }
        roll.flush(&tx)?;
    }
    tx.commit()?;
    roll.committed();
    Ok(())
}

fn run(mut conn: Connection, rx: Receiver<Msg>, committed: &AtomicU64) {
    let mut dict = Dict::default();
    let mut roll = crate::stats::rollup::Acc::default();
    let mut items: Vec<Item> = Vec::new();
    let mut weight = 0;
    let mut waiters: Vec<SyncSender<()>> = Vec::new();
    let mut stopping = false;
    let mut backoff = Duration::from_millis(50);
    let mut last_commit = Instant::now() - WINDOW;
    loop {
        // Wait for the first message only when nothing is pending.
        if items.is_empty() && waiters.is_empty() {
            if stopping {
                break;
            }
            match rx.recv() {
                Ok(m) => weight += take(m, &mut items, &mut waiters, &mut stopping),
                Err(_) => break,
            }
        }
        drain(&rx, &mut items, &mut weight, &mut waiters, &mut stopping);
        // Under steady click load, let a batch gather for the rest of the
        // window after the last commit: a commit of one click writes the
        // same few pages (click, index, rollup leaves) as one of a hundred.
        // The thread sleeps instead of waiting on the channel, so a click
        // queued meanwhile wakes nobody. Jobs and barriers have callers
        // waiting: a batch holding one commits at once.
        let since = last_commit.elapsed();
        if since < WINDOW
            && waiters.is_empty()
            && !stopping
            && weight < MAX_BATCH
            && items.iter().all(|i| matches!(i, Item::Click(_)))
        {
            std::thread::sleep(WINDOW - since);
            drain(&rx, &mut items, &mut weight, &mut waiters, &mut stopping);
        }
        if items.is_empty() {
            waiters.drain(..).for_each(|w| {
                let _ = w.try_send(());
            });
            continue;
        }
        let written = write_items(&mut conn, &mut dict, &mut roll, &mut items);
        last_commit = Instant::now();
        match written {
            Ok(()) => {
                let mut clicks = 0;
                for item in items.drain(..) {
                    match item {
                        Item::Job(job) => job.settle(true),
                        Item::Click(_) => clicks += 1,
                    }
                }
                committed.fetch_add(clicks, Ordering::Release);
                weight = 0;
                backoff = Duration::from_millis(50);
                // Barriers received in this drain came after these clicks.
                waiters.drain(..).for_each(|w| {
                    let _ = w.try_send(());
                });
            }
            Err(e) => {
                // Keep the clicks and retry: a full or read-only disk must
                // not lose what was answered. The queue bounds the memory.
                // Jobs answer `db` now; their callers may send them again.
                tracing::error!(error = %super::log_text(&e), pending = items.len(), "writing the batch failed; clicks will be retried");
                dict.cache.clear();
                for item in std::mem::take(&mut items) {
                    match item {
                        Item::Click(c) => items.push(Item::Click(c)),
                        Item::Job(job) => job.settle(false),
                    }
                }
                weight = items.len();
                if items.is_empty() {
                    continue;
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(2));
                if stopping {
                    // Still try a few times on shutdown, then give up loudly.
                    if backoff >= Duration::from_secs(2) {
                        tracing::error!(
                            lost = items.len(),
                            "giving up on unwritable clicks at shutdown"
                        );
                        break;
                    }
                }
            }
        }
    }
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// Takes what is queued, without waiting, until the batch is full.
fn drain(
    rx: &Receiver<Msg>,
    items: &mut Vec<Item>,
    weight: &mut usize,
    waiters: &mut Vec<SyncSender<()>>,
    stopping: &mut bool,
) {
    while *weight < MAX_BATCH && !*stopping {
        match rx.try_recv() {
            Ok(m) => *weight += take(m, items, waiters, stopping),
            Err(_) => break,
        }
    }
}

/// Files one message; returns its weight in the batch.
fn take(
    m: Msg,
    items: &mut Vec<Item>,
    waiters: &mut Vec<SyncSender<()>>,
    stopping: &mut bool,
) -> usize {
    match m {
        Msg::Click(c) => {
            items.push(Item::Click(c));
            1
        }
        Msg::Job(j) => {
            items.push(Item::Job(j));
            JOB_WEIGHT
        }
        Msg::Barrier(w) => {
            waiters.push(w);
            0
        }
        Msg::Stop => {
            *stopping = true;
            0
        }
    }
}

#[cfg(test)]
mod tests;
