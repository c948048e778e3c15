//! The one click writer (DESIGN 1): a thread that owns a connection, drains
//! a bounded channel and commits whatever is queued in one transaction
//! (group commit). Under load batches grow by themselves; when idle every
//! click commits at once, so no timer delays a click.
//!
//! `barrier()` lets a reader see every click answered before it: the
//! barrier travels through the same FIFO channel and is answered only after
//! the clicks ahead of it are committed (SPEC 2: a postback or report sent
//! right after a click already sees it).
use crate::clicks::record::{ClickRecord, INSERT_SQL};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

const QUEUE: usize = 65_536;
const MAX_BATCH: usize = 2_000;
const DICT_CACHE: usize = 100_000;

pub enum Msg {
    Click(Box<ClickRecord>),
    Barrier(SyncSender<()>),
    Stop,
}

pub struct Writer {
    tx: SyncSender<Msg>,
    handle: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub fn start(conn: Connection) -> Writer {
        let (tx, rx) = sync_channel(QUEUE);
        let handle = std::thread::Builder::new()
            .name("click-writer".into())
            .spawn(move || run(conn, rx))
            .expect("spawn click writer");
        Writer {
            tx,
            handle: std::sync::Mutex::new(Some(handle)),
        }
    }

    /// Queues a click. Blocks only when the queue is full (backpressure
    /// instead of dropping a click).
    pub fn enqueue(&self, click: ClickRecord) {
        if self.tx.send(Msg::Click(Box::new(click))).is_err() {
            tracing::error!("click writer is gone; click not recorded");
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
    pub fn shutdown(&self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(h) = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }
}

/// Interns long repeated strings (user agents, referers).
#[derive(Default)]
pub struct Dict {
    cache: HashMap<String, i64>,
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
    c.insert(st, ua, referer)
}

/// Stores clicks and their rollups in one transaction: the one storage
/// path of the writer (and of test fixtures that need clicks at chosen
/// times).
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

fn run(mut conn: Connection, rx: Receiver<Msg>) {
    let mut dict = Dict::default();
    let mut clicks: Vec<Box<ClickRecord>> = Vec::new();
    let mut waiters: Vec<SyncSender<()>> = Vec::new();
    let mut stopping = false;
    let mut backoff = Duration::from_millis(50);
    loop {
        // Wait for the first message only when nothing is pending.
        if clicks.is_empty() && waiters.is_empty() {
            if stopping {
                break;
            }
            match rx.recv() {
                Ok(m) => take(m, &mut clicks, &mut waiters, &mut stopping),
                Err(_) => break,
            }
        }
        while clicks.len() < MAX_BATCH && !stopping {
            match rx.try_recv() {
                Ok(m) => take(m, &mut clicks, &mut waiters, &mut stopping),
                Err(_) => break,
            }
        }
        if clicks.is_empty() {
            waiters.drain(..).for_each(|w| {
                let _ = w.try_send(());
            });
            continue;
        }
        match write_batch(&mut conn, &mut dict, &clicks) {
            Ok(()) => {
                clicks.clear();
                backoff = Duration::from_millis(50);
                // Barriers received in this drain came after these clicks.
                waiters.drain(..).for_each(|w| {
                    let _ = w.try_send(());
                });
            }
            Err(e) => {
                // Keep the clicks and retry: a full or read-only disk must
                // not lose what was answered. The queue bounds the memory.
                tracing::error!(error = %e, pending = clicks.len(), "writing clicks failed; will retry");
                dict.cache.clear();
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(2));
                if stopping {
                    // Still try a few times on shutdown, then give up loudly.
                    if backoff >= Duration::from_secs(2) {
                        tracing::error!(
                            lost = clicks.len(),
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

fn take(
    m: Msg,
    clicks: &mut Vec<Box<ClickRecord>>,
    waiters: &mut Vec<SyncSender<()>>,
    stopping: &mut bool,
) {
    match m {
        Msg::Click(c) => clicks.push(c),
        Msg::Barrier(w) => waiters.push(w),
        Msg::Stop => *stopping = true,
    }
}
