//! WAL checkpoints on a thread of their own (docs/BENCHMARKS.md). SQLite's automatic
//! checkpoint runs inside the commit that grows the WAL past 1000 pages,
//! on whatever thread committed: a spend.json import that reprices 1.4M
//! clicks rewrites ~45k pages of click prices, and copying them into the
//! database took 1.2 s of its answer; on the click writer it would hold up
//! the next batches of clicks. Connections of a running server therefore
//! turn the automatic checkpoint off (`PRAGMA wal_autocheckpoint=0`, see
//! [`super::serving`]) and this thread copies the WAL back every
//! [`EVERY`]. A PASSIVE checkpoint never waits for readers or writers; an
//! up-to-date WAL makes it a no-op. Racing the writer's commits, it never
//! leaves the log wholly copied when a write begins, so the log never
//! starts over: the writer finishes the copy itself between two batches
//! once the WAL is past its limit (src/db/writer/wal.rs). The last
//! checkpoint at shutdown is the writer's too.
use super::Pool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_millis(200);

/// Stops the thread when dropped (with the server's state).
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn start(pool: Pool) -> Checkpointer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("db-checkpoint".into())
            .spawn(move || {
                let mut failing = false;
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EVERY);
                    // A pooled connection only while checkpointing: none
                    // is held while the thread sleeps.
                    let done = pool.get().map_err(|e| e.to_string()).and_then(|c| {
                        c.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")
                            .map_err(|e| e.to_string())
                    });
                    // A full disk fails every try: say so once, and when
                    // it passes again.
                    match &done {
                        Err(e) if !failing => {
                            tracing::warn!(error = %e, "WAL checkpoint failed; retrying")
                        }
                        Ok(()) if failing => tracing::info!("WAL checkpoint works again"),
                        _ => {}
                    }
                    failing = done.is_err();
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "no checkpoint thread");
        }
        Checkpointer { stop }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
