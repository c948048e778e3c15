//! Keeping only recent click rows on a node that ships to ClickHouse
//! (`--keep-days`, README "Running it", docs/ARCHITECTURE.md "Keeping
//! only recent clicks"): every [`EVERY`] of the application's clock
//! (`Config::clock`, so tests move it by hand), and once right after
//! start, the click rows older than the kept days that ClickHouse already
//! holds are deleted (src/store/retention.rs decides which, and what goes
//! with them). Deletes are writes, so they go through the writer
//! (docs/ARCHITECTURE.md "The writer"), [`CHUNK`] rows a job, each queued
//! only once the one before ran, as src/prune.rs does: a backlog of
//! months never holds the writer long nor piles jobs up in its queue.
use crate::db::writer::{ticket, JobFn};
use crate::state::AppState;
use rusqlite::Connection;
use std::sync::Weak;
use std::time::Duration;

/// How often a trim runs, in seconds of the application's clock.
pub const EVERY: i64 = 3600;
/// Most click rows one writer job deletes.
pub const CHUNK: usize = 10_000;
/// How often the thread looks at the clock, in real time: a test's
/// manual clock moved past the next trim is seen within this.
const POLL: Duration = Duration::from_secs(1);
/// How long a chunk may wait for the writer to start it; past that this
/// round ends and the next one tries again.
const WAIT: Duration = Duration::from_secs(60);
const DAY: i64 = 86_400;

/// Starts the thread. It holds only a weak reference to the state and
/// ends once the state is gone (the server stopped).
pub fn start(state: Weak<AppState>, days: u32) {
    tracing::info!(
        days,
        "click rows older than this are deleted once ClickHouse holds them"
    );
    let spawned = std::thread::Builder::new()
        .name("keep".into())
        .spawn(move || {
            let mut due = i64::MIN;
            loop {
                let Some(now) = state.upgrade().map(|s| s.clock.now_ms().div_euclid(1000)) else {
                    return;
                };
                if now >= due {
                    due = now.saturating_add(EVERY);
                    let before = crate::click_id::key_at(now - i64::from(days) * DAY);
                    match trim(&state, before) {
                        Some(0) => {}
                        Some(rows) => tracing::info!(
                            rows,
                            days,
                            "old click rows deleted (ClickHouse holds them)"
                        ),
                        None => return,
                    }
                }
                std::thread::sleep(POLL);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "no keep thread: old click rows are kept");
    }
}

/// Deletes the shipped click rows below `before`, a chunk a job; answers
/// how many, None when the state is gone.
fn trim(state: &Weak<AppState>, before: i64) -> Option<usize> {
    let mut total = 0;
    loop {
        let (to, answer) = ticket();
        // The state is held only while queuing, not while waiting.
        state.upgrade()?.writer.submit(chunk(before), to);
        match answer.wait_blocking(WAIT).map(|n| n.as_u64()) {
            Ok(Some(n)) => {
                total += n as usize;
                if (n as usize) < CHUNK {
                    return Some(total);
                }
            }
            Ok(None) | Err(_) => {
                tracing::warn!("deleting old click rows failed; retried later");
                return Some(total);
            }
        }
    }
}

fn chunk(before: i64) -> JobFn {
    Box::new(move |conn: &Connection| {
        let n = crate::store::retention::trim(conn, before, CHUNK)?;
        Ok(serde_json::json!(n))
    })
}
