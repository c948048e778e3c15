//! The one writer (docs/ARCHITECTURE.md "The writer"): a thread that owns a connection, takes
//! what is queued and commits it in one transaction (group commit). When
//! idle every message commits at once; under steady click load,
//! clicks-only batches commit at most every [`WINDOW`], so each commit
//! carries many clicks (the redirect never waits for it either way).
//!
//! The queue (src/db/writer/queue.rs) carries clicks, write jobs
//! (postback.json), sliced tasks and barriers, and the writer takes them
//! in the order they arrived, so a job queued after a click sees that
//! click (a postback sent right after a click already sees it).
//! Each job runs inside its own SAVEPOINT: a job that fails leaves no
//! partial change (docs/API.md). Its answer is sent only once the batch is
//! committed; if the commit fails, the clicks are kept for a retry and
//! every job of the batch answers `db`: a caller is never told ok for
//! something that is not stored.
//!
//! Writes too big for one batch (spend.json, a change of base currency)
//! are tasks that the writer runs a slice at a time between batches
//! (src/db/writer/tasks.rs). Between batches it also keeps the WAL
//! bounded (src/db/writer/wal.rs).
//!
//! `barrier()` lets a reader see every click answered before it: the
//! barrier travels through the same FIFO and is answered only after the
//! clicks ahead of it are committed.
use crate::api::error::{ApiError, ApiResult};
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A batch closes at this weight: a click weighs 1, a job [`JOB_WEIGHT`]
/// (a postback takes the writer about as long as 10-20 clicks), so a batch
/// of postbacks stays a few milliseconds long and the clicks in it are
/// committed soon (docs/API.md "The click path": at most the last few milliseconds of clicks are
/// lost on a kill).
const MAX_BATCH: usize = 2_000;
const JOB_WEIGHT: usize = 20;
/// Clicks-only batches commit at most this often (docs/API.md "The click path": at most the last
/// few milliseconds of clicks can be lost if the process is killed).
const WINDOW: Duration = Duration::from_millis(2);

mod queue;
mod run;
mod tasks;
mod ticket;
mod wal;
pub use queue::DEFAULT_BYTES;
pub use tasks::{Task, SLICE};
pub use ticket::{ticket, Answer, Responder};

/// A database write run on the writer thread, inside the batch transaction.
/// It must not begin or end transactions itself, nor wait for the writer
/// (a barrier or another job): it runs on the writer.
pub type JobFn = Box<dyn FnOnce(&Connection) -> ApiResult + Send>;

/// What runs after a job, in the same batch but outside the job's
/// savepoint, and sees its answer: it is kept even when the job failed
/// and rolled back (postback.json logs every call, refused ones too). Its
/// own failure is logged and rolled back alone.
pub type ThenFn = Box<dyn FnOnce(&Connection, &ApiResult) -> rusqlite::Result<()> + Send>;

/// A write job and what follows it.
pub struct Write {
    pub run: JobFn,
    pub then: Option<ThenFn>,
}

impl From<JobFn> for Write {
    fn from(run: JobFn) -> Write {
        Write { run, then: None }
    }
}

/// A record the writer stores (a click), and the memory it holds while
/// queued, which the queue's bound counts.
pub trait Record: Send + 'static {
    fn bytes(&self) -> usize;
}

/// Where the writer's records go (the click store's appender): the writer
/// owns the batch transaction and the order of things, the sink alone
/// knows what a record is and what storing it means.
pub trait Sink: Send + 'static {
    type Record: Record;
    /// Stores a run of records that arrived one after another, inside
    /// the batch transaction.
    fn append(&mut self, tx: &Connection, run: &[&Self::Record]) -> rusqlite::Result<()>;
    /// Writes what the batch's runs gathered, before the commit.
    fn flush(&mut self, tx: &Connection) -> rusqlite::Result<()>;
    /// The batch failed: forget what it gathered (it is retried whole).
    fn failed(&mut self);
    /// The batch that [`Sink::flush`] wrote is committed.
    fn committed(&mut self);
}

pub struct Job {
    run: Option<JobFn>,
    then: Option<ThenFn>,
    to: Responder,
    answer: Option<ApiResult>,
}

pub enum Msg<R> {
    Click(Box<R>),
    Job(Box<Job>),
    Task(Box<dyn Task>, Responder),
    Barrier(SyncSender<()>),
    Stop,
}

/// What a call hands the writer: a task to run in slices, or its answer
/// when it has nothing to write.
pub enum Sliced {
    Task(Box<dyn Task>),
    Done(serde_json::Value),
}

pub struct Writer<S: Sink> {
    queue: Arc<queue::Queue<S::Record>>,
    handle: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl<S: Sink> Writer<S> {
    /// Starts the thread on `conn`, storing records into `sink`;
    /// `resumed` are tasks a crash interrupted (run first, nobody waits
    /// for them); the queue holds at most `queue_bytes` of clicks.
    pub fn start(
        conn: Connection,
        sink: S,
        resumed: Vec<Box<dyn Task>>,
        queue_bytes: usize,
    ) -> Writer<S> {
        let queue = Arc::new(queue::Queue::new(queue_bytes));
        let q = queue.clone();
        let handle = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || {
                run::run(conn, sink, &q, resumed);
                q.close();
            })
            .expect("spawn db writer");
        Writer {
            queue,
            handle: std::sync::Mutex::new(Some(handle)),
        }
    }

    /// Queues a click; false when the queue is full (README "The click
    /// path"): the click is not stored and must not be redirected. Never
    /// waits.
    pub fn enqueue(&self, click: impl Into<S::Record>) -> bool {
        self.queue.click(Box::new(click.into()))
    }

    /// Queues `job` behind everything queued before it; its answer goes
    /// to `to` once its batch is committed (or failed). Never waits.
    pub fn submit(&self, job: JobFn, to: Responder) {
        self.submit_write(job.into(), to)
    }

    /// [`Writer::submit`] of a job and what follows it.
    pub fn submit_write(&self, write: Write, to: Responder) {
        let job = Job {
            run: Some(write.run),
            then: write.then,
            to,
            answer: None,
        };
        // On a stopped writer the job is dropped: its responder answers `db`.
        self.queue.push(Msg::Job(Box::new(job)));
    }

    /// Queues a task run in slices; `to` gets its answer once its last
    /// slice is committed.
    pub fn start_task(&self, task: Box<dyn Task>, to: Responder) {
        self.queue.push(Msg::Task(task, to));
    }

    /// Waits until every click queued before this call is committed.
    /// Blocking: call it inside `web::block`. False on time-out.
    pub fn barrier(&self, timeout: Duration) -> bool {
        let (tx, rx) = sync_channel(1);
        self.queue.push(Msg::Barrier(tx));
        rx.recv_timeout(timeout).is_ok()
    }

    /// Commits everything queued, then stops the thread (clean shutdown).
    /// Tasks not finished resume at the next start. Answers how many
    /// clicks it committed meanwhile: those still queued.
    pub fn shutdown(&self) -> u64 {
        let before = self.queue.written();
        self.queue.push(Msg::Stop);
        if let Some(h) = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
        self.queue.written() - before
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
        if let Some(then) = self.then.take() {
            // Not `then`: a keyword of SQL, no savepoint's name.
            conn.prepare_cached("SAVEPOINT follow")?.execute([])?;
            let done = catch_unwind(AssertUnwindSafe(|| then(conn, &answer)));
            if !matches!(done, Ok(Ok(()))) {
                tracing::error!("what follows a write job failed; it alone is rolled back");
                conn.prepare_cached("ROLLBACK TO follow")?.execute([])?;
            }
            conn.prepare_cached("RELEASE follow")?.execute([])?;
        }
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

#[cfg(test)]
mod tests;
