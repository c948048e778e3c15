//! The shipper (docs/SCALING.md "Shipping"): one background thread per
//! node that sends the ship log's rows to ClickHouse in batches, in log
//! order, and moves past a batch through the writer only once ClickHouse
//! has acknowledged all of it. While ClickHouse is down it tries again,
//! waiting twice as long each time up to 4 s; nothing else
//! waits on it: the click path, the API and the writer never call
//! ClickHouse, and a stop does not wait for a call in flight (its batch
//! is sent again at the next start, which the versions make harmless).
use super::{schema, Client, Failed, Target};
use crate::state::AppState;
use crate::store::ship::{self, Batch};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

/// Rows (clicks, leads, stage changes) a batch carries at most: a few
/// MiB of JSON, sent in well under a second.
pub const BATCH_ROWS: usize = 20_000;
/// How long one call to ClickHouse may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an upgrade of the tables may take: a step may copy every row
/// ClickHouse holds (ClickHouse goes on with a call whose client left, so
/// a shorter wait would start the copy again beside the first).
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(6 * 3600);
/// The longest wait between two tries while ClickHouse fails: a try
/// costs one refused connection, and a shipper asleep for longer would
/// start catching up that much later after an outage.
const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// The wait after ClickHouse refused a batch itself.
const REFUSED_WAIT: Duration = Duration::from_secs(30);
/// How often a continuing failure is logged again.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// What a shipper needs to know.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    pub node: u16,
    /// How often the log is looked at when it was empty.
    pub interval: Duration,
    /// How long a day goes without new rows before it is merged
    /// (src/clickhouse/settle.rs); None: this node merges none.
    pub merge_after: Option<Duration>,
}

/// Sets the node's id (`--node`) and turns the logging of writes on or
/// off (`--clickhouse`) before the server writes anything; answers what
/// the shipper needs when there is a ClickHouse to ship to.
pub fn prepare(
    conn: &rusqlite::Connection,
    clickhouse: Option<&Target>,
    node: Option<u16>,
    interval: Duration,
    merge_after: Option<Duration>,
) -> Result<Option<Options>, String> {
    let db = |e: rusqlite::Error| e.to_string();
    if let Some(node) = node {
        ship::set_node(conn, node)?;
    }
    let target = clickhouse.map(Target::name);
    match ship::switch(conn, target.as_deref()).map_err(db)? {
        ship::Switched::Stopped => tracing::warn!(
            "started without --clickhouse: writes are no longer logged for ClickHouse; \
             a later start with it sends everything again"
        ),
        ship::Switched::Started => tracing::info!(
            target = ?clickhouse,
            "shipping to ClickHouse starts with everything the database holds"
        ),
        ship::Switched::Same => {}
    }
    let Some(target) = clickhouse.cloned() else {
        return Ok(None);
    };
    let node = ship::node(conn).map_err(db)?;
    tracing::info!(
        node,
        waiting = ship::waiting(conn).map_err(db)?,
        "shipping to ClickHouse"
    );
    Ok(Some(Options {
        target,
        node,
        interval,
        merge_after,
    }))
}

/// The running shipper: stopped by [`Shipper::stop`] (at shutdown).
#[derive(Default)]
pub struct Shipper {
    signal: Arc<Signal>,
}

#[derive(Default)]
struct Signal {
    stop: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Signal {
    /// Sleeps up to `d`; answers false once stopped.
    fn sleep(&self, d: Duration) -> bool {
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if !self.stop.load(Ordering::Acquire) {
            let _ = self.wake.wait_timeout(guard, d);
        }
        !self.stop.load(Ordering::Acquire)
    }
}

impl Shipper {
    /// Starts shipping for the server of `state`.
    pub fn start(state: Weak<AppState>, options: Options) -> Shipper {
        let signal = Arc::new(Signal::default());
        let s = signal.clone();
        let (target, quiet) = (options.target.clone(), options.merge_after);
        let spawned = std::thread::Builder::new()
            .name("clickhouse-ship".into())
            .spawn(move || run(state, options, &s));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "no shipper thread: nothing reaches ClickHouse");
        }
        if let Some(quiet) = quiet {
            let s = signal.clone();
            let spawned = std::thread::Builder::new()
                .name("clickhouse-merge".into())
                .spawn(move || super::settle::run(target, quiet, |d| s.sleep(d)));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "no thread merges quiet days: reports stay slower");
            }
        }
        Shipper { signal }
    }

    /// Tells the thread to stop; does not wait for a call in flight.
    pub fn stop(&self) {
        let _guard = self.signal.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.signal.stop.store(true, Ordering::Release);
        self.signal.wake.notify_all();
    }
}

/// Logs a failure when it starts and then once a minute; answers the
/// next wait.
struct Outage {
    since: Option<Instant>,
    warned: Option<Instant>,
    backoff: Duration,
}

impl Outage {
    fn failed(&mut self, what: &str, e: &Failed) -> Duration {
        let now = Instant::now();
        self.since.get_or_insert(now);
        if self.warned.is_none_or(|w| now - w >= WARN_EVERY) {
            tracing::warn!(error = %e.message, "{what}; shipping to ClickHouse waits and tries again");
            self.warned = Some(now);
        }
        let wait = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        match e.retry {
            true => wait,
            // A refusal of the SQL or the credentials: no sooner than
            // half a minute.
            false => REFUSED_WAIT,
        }
    }

    fn ok(&mut self) {
        if let Some(since) = self.since.take() {
            tracing::info!(
                secs = since.elapsed().as_secs(),
                "ClickHouse takes rows again; shipping catches up"
            );
        }
        self.warned = None;
        self.backoff = Duration::from_millis(250);
    }
}

fn run(state: Weak<AppState>, o: Options, signal: &Signal) {
    let client = Client::new(o.target.clone(), CALL_TIMEOUT);
    let upgrading = Client::new(o.target.clone(), UPGRADE_TIMEOUT);
    let mut outage = Outage {
        since: None,
        warned: None,
        backoff: Duration::from_millis(250),
    };
    let mut ready = false;
    while !signal.stop.load(Ordering::Acquire) {
        if !ready {
            match schema::upgrade(&upgrading) {
                Ok(found) => {
                    if found < schema::LATEST {
                        tracing::info!(from = found, to = schema::LATEST, "ClickHouse tables made");
                    }
                    // A ClickHouse at a URL this node already shipped to
                    // that holds none of its rows (replaced, or its data
                    // lost) gets everything again.
                    let empty = holds_nothing(&client, o.node);
                    if empty.as_ref().is_ok_and(|e| *e) && !resend_all(&state) {
                        signal.sleep(o.interval);
                        continue;
                    }
                    ready = empty.is_ok();
                }
                Err(e) => {
                    let wait = outage.failed("ClickHouse cannot be prepared", &e);
                    signal.sleep(wait);
                    continue;
                }
            }
        }
        let batch = match read(&state, o.node) {
            Some(Ok(b)) => b,
            Some(Err(e)) => {
                tracing::error!(error = %e, "reading the ship log failed");
                signal.sleep(o.interval);
                continue;
            }
            None => return,
        };
        if batch.progress.is_empty() {
            signal.sleep(o.interval);
            continue;
        }
        if let Err(e) = send(&client, o.node, &batch) {
            // Its tables are made again first (a ClickHouse replaced by
            // an empty one has none).
            ready = false;
            let wait = outage.failed("ClickHouse refused a batch", &e);
            signal.sleep(wait);
            continue;
        }
        outage.ok();
        if !advance(&state, &batch) {
            signal.sleep(o.interval);
        }
    }
}

/// The next batch, read on a pooled connection; None once the server is
/// gone.
fn read(state: &Weak<AppState>, node: u16) -> Option<rusqlite::Result<Batch>> {
    let st = state.upgrade()?;
    let conn = match st.pool.get() {
        Ok(c) => c,
        Err(e) => return Some(Err(rusqlite::Error::ModuleError(e.to_string()))),
    };
    drop(st);
    Some(ship::next_batch(&conn, node, BATCH_ROWS))
}

/// Sends a batch: a user's deletion, or the rows of each table.
fn send(client: &Client, node: u16, b: &Batch) -> Result<(), Failed> {
    if let Some(user) = b.removed {
        for table in ["lead_stages", schema::LEADS, schema::CLICKS] {
            client.run(
                &format!("ALTER TABLE {table} DELETE WHERE node = {node} AND user_id = {user}"),
                b"",
                true,
            )?;
        }
    }
    for (table, rows) in [
        (schema::CLICKS, &b.clicks),
        (schema::LEADS, &b.leads),
        ("lead_stages", &b.stages),
    ] {
        if !rows.is_empty() {
            client.run(
                &format!("INSERT INTO {table} FORMAT JSONEachRow"),
                rows.as_bytes(),
                true,
            )?;
        }
    }
    Ok(())
}

/// Whether ClickHouse holds no click and no lead of `node`.
fn holds_nothing(client: &Client, node: u16) -> Result<bool, Failed> {
    for table in [schema::CLICKS, schema::LEADS] {
        let sql = format!("SELECT count() FROM {table} WHERE node = {node}");
        if client.run(&sql, b"", true)?.trim() != "0" {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Logs everything to be sent again, when this node shipped before;
/// answers whether that is done (or not needed).
fn resend_all(state: &Weak<AppState>) -> bool {
    write(
        state,
        Box::new(|conn: &rusqlite::Connection| {
            ship::resend_all(conn)?;
            Ok(serde_json::Value::Null)
        }),
    )
}

/// Moves past a sent batch through the writer and waits for the commit;
/// answers whether it was committed.
fn advance(state: &Weak<AppState>, b: &Batch) -> bool {
    let progress = b.progress;
    write(
        state,
        Box::new(move |conn: &rusqlite::Connection| {
            ship::advance(conn, progress)?;
            Ok(serde_json::Value::Null)
        }),
    )
}

/// Runs `job` through the writer and waits for its commit.
fn write(state: &Weak<AppState>, job: crate::db::writer::JobFn) -> bool {
    let Some(st) = state.upgrade() else {
        return false;
    };
    let (to, answer) = crate::db::writer::ticket();
    st.writer.submit(job, to);
    drop(st);
    match answer.wait_blocking(CALL_TIMEOUT) {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e.code, "writing the ship log's progress failed; tried again");
            false
        }
    }
}
