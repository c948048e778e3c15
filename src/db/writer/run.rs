//! The writer's loop (src/db/writer.rs): take what is queued, commit it
//! as one batch, then run one slice of a sliced task, then look at the
//! WAL; wait only when there is nothing to do.
use super::queue::Queue;
use super::tasks::{Task, Tasks};
use super::wal::Wal;
use super::{Job, Msg, Sink, JOB_WEIGHT, MAX_BATCH, WINDOW};
use rusqlite::{Connection, TransactionBehavior};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

/// Least time between two slices while clicks back up.
const SLICE_EVERY: Duration = Duration::from_millis(40);

/// What one batch holds, in arrival order.
enum Item<R> {
    Click(Box<R>),
    Job(Box<Job>),
}

/// The batch being gathered, and what came with it.
struct Batch<R> {
    items: Vec<Item<R>>,
    weight: usize,
    waiters: Vec<SyncSender<()>>,
    stopping: bool,
}

impl<R> Default for Batch<R> {
    fn default() -> Batch<R> {
        Batch {
            items: Vec::new(),
            weight: 0,
            waiters: Vec::new(),
            stopping: false,
        }
    }
}

impl<R: super::Record> Batch<R> {
    /// No more messages are taken into this batch.
    fn full(&self) -> bool {
        self.weight >= MAX_BATCH || self.stopping
    }

    fn clicks_only(&self) -> bool {
        self.items.iter().all(|i| matches!(i, Item::Click(_)))
    }

    /// Files one message: a task joins `tasks` unless its caller gave up.
    fn take(&mut self, m: Msg<R>, tasks: &mut Tasks) {
        match m {
            Msg::Click(c) => {
                self.items.push(Item::Click(c));
                self.weight += 1;
            }
            Msg::Job(j) => {
                self.items.push(Item::Job(j));
                self.weight += JOB_WEIGHT;
            }
            Msg::Task(task, to) => {
                if to.take() {
                    tasks.add(task, Some(to));
                }
            }
            Msg::Barrier(w) => self.waiters.push(w),
            Msg::Stop => self.stopping = true,
        }
    }

    /// Takes what is queued, without waiting, until the batch is full.
    fn drain(&mut self, queue: &Queue<R>, tasks: &mut Tasks) {
        if !self.full() {
            queue.drain(|m| {
                self.take(m, tasks);
                !self.full()
            });
        }
    }

    /// Answers the barriers: everything before them is committed.
    fn release(&mut self) {
        self.waiters.drain(..).for_each(|w| {
            let _ = w.try_send(());
        });
    }
}

pub(super) fn run<S: Sink>(
    mut conn: Connection,
    mut sink: S,
    queue: &Queue<S::Record>,
    resumed: Vec<Box<dyn Task>>,
) {
    let mut batch = Batch::default();
    let mut tasks = Tasks::default();
    for task in resumed {
        tasks.add(task, None);
    }
    let mut wal = Wal::new(&conn);
    let mut backoff = Duration::from_millis(50);
    let mut last_commit = Instant::now() - WINDOW;
    let mut last_slice = Instant::now();
    loop {
        let idle = batch.items.is_empty() && batch.waiters.is_empty();
        if idle && batch.stopping {
            break;
        }
        // Wait for a message only when nothing is pending; a task that
        // may run a slice is something to do.
        let due = tasks.due();
        if idle && due != Some(Duration::ZERO) {
            if let Some(m) = queue.next(due) {
                batch.take(m, &mut tasks);
            }
        }
        batch.drain(queue, &mut tasks);
        // Clicks come first while they back up (a full batch means more
        // are queued): a slice then runs only every SLICE_EVERY, so a
        // flood neither builds a backlog behind the slices (barriers and
        // postbacks wait for it) nor stops the tasks.
        let backlog = batch.weight >= MAX_BATCH && last_slice.elapsed() < SLICE_EVERY;
        let slice = !batch.stopping && !backlog && tasks.due() == Some(Duration::ZERO);
        // Under steady click load, let a batch gather for the rest of the
        // window after the last commit: a commit of one click writes the
        // same few pages (click, index, rollup leaves) as one of a hundred.
        // The thread sleeps instead of waiting on the queue, so a click
        // queued meanwhile wakes nobody. Jobs and barriers have callers
        // waiting, and a slice due is work to do meanwhile: a batch with
        // any of them commits at once.
        let since = last_commit.elapsed();
        if since < WINDOW
            && !slice
            && !batch.items.is_empty()
            && batch.waiters.is_empty()
            && !batch.full()
            && batch.clicks_only()
        {
            std::thread::sleep(WINDOW - since);
            batch.drain(queue, &mut tasks);
        }
        if batch.items.is_empty() {
            batch.release();
        } else {
            let written = write_items(&mut conn, &mut sink, &mut batch.items);
            last_commit = Instant::now();
            match written {
                Ok(()) => {
                    let clicks = batch.items.iter().filter(|i| matches!(i, Item::Click(_)));
                    queue.wrote(clicks.count() as u64);
                    for item in batch.items.drain(..) {
                        if let Item::Job(job) = item {
                            job.settle(true);
                        }
                    }
                    batch.weight = 0;
                    backoff = Duration::from_millis(50);
                    // Barriers received in this drain came after these clicks.
                    batch.release();
                    wal.committed(&conn);
                }
                Err(e) => {
                    // Keep the clicks and retry: a full or read-only disk
                    // must not lose what was answered. The queue bounds the
                    // memory (past it, clicks are refused). Jobs answer `db`
                    // now; their callers may send them again. No slice runs
                    // while batches fail.
                    tracing::error!(error = %e, pending = batch.items.len(), "writing the batch failed; clicks will be retried");
                    for item in std::mem::take(&mut batch.items) {
                        match item {
                            Item::Click(c) => batch.items.push(Item::Click(c)),
                            Item::Job(job) => job.settle(false),
                        }
                    }
                    batch.weight = batch.items.len();
                    if batch.items.is_empty() {
                        continue;
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    // Still try a few times on shutdown, then give up loudly.
                    if batch.stopping && backoff >= Duration::from_secs(2) {
                        tracing::error!(
                            lost = batch.items.len(),
                            "giving up on unwritable clicks at shutdown"
                        );
                        break;
                    }
                    continue;
                }
            }
        }
        if slice {
            last_slice = Instant::now();
            tasks.run_one(&mut conn);
            wal.committed(&conn);
        }
    }
    // Unfinished tasks: their callers read `db`; what they kept in the
    // database resumes at the next start.
    drop(tasks);
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// The writer's one storage path: clicks and jobs in arrival order (each
/// run of clicks stored before the job after it, which may read them),
/// what the sink gathered, one commit. IMMEDIATE takes the write lock
/// first (with the busy timeout), so a job that reads before it writes
/// always reads the latest data and never meets SQLITE_BUSY_SNAPSHOT.
fn write_items<S: Sink>(
    conn: &mut Connection,
    sink: &mut S,
    items: &mut [Item<S::Record>],
) -> rusqlite::Result<()> {
    let written = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut run: Vec<&S::Record> = Vec::new();
        for item in items.iter_mut() {
            match item {
                Item::Click(c) => run.push(c),
                Item::Job(job) => {
                    sink.append(&tx, &run)?;
                    run.clear();
                    job.run_in(&tx)?;
                }
            }
        }
        sink.append(&tx, &run)?;
        drop(run);
        sink.flush(&tx)?;
        tx.commit()
    })();
    match written {
        Ok(()) => sink.committed(),
        // What a failed attempt gathered must not count twice.
        Err(_) => sink.failed(),
    }
    written
}
