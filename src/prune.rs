//! Background pruning of the postback logs (docs/API.md
//! "postbacks-in.json"): every [`EVERY`] of the application's clock
//! (`Config::clock`, so tests move it by hand), and once right after
//! start, the incoming postbacks older than `--postback-log-days` and the
//! outgoing ones done (sent or failed) more than [`OUT_DAYS`] ago are
//! deleted. Deletes are writes, so they go through the writer
//! (docs/ARCHITECTURE.md "The writer"), [`CHUNK`] rows a job: the writer
//! is never held long by a large backlog, and each chunk waits for the
//! one before, so pruning never piles jobs up in its queue.
use crate::db::writer::{ticket, JobFn};
use crate::state::AppState;
use rusqlite::Connection;
use std::sync::Weak;
use std::time::Duration;

/// How often a prune runs, in seconds of the application's clock.
pub const EVERY: i64 = 3600;
/// Most rows one writer job deletes.
pub const CHUNK: i64 = 10_000;
/// Days a sent or failed outgoing postback is kept.
pub const OUT_DAYS: i64 = 90;
/// How often the thread looks at the clock, in real time: a test's
/// manual clock moved past the next prune is seen within this.
const POLL: Duration = Duration::from_secs(1);
/// How long a chunk may wait for the writer to start it; past that this
/// round ends and the next one tries again.
const WAIT: Duration = Duration::from_secs(60);
const DAY: i64 = 86_400;

/// The deletes, each of at most `?2` rows older than `?1` (Unix seconds).
const IN: &str = "DELETE FROM postbacks_in WHERE id IN
    (SELECT id FROM postbacks_in WHERE time < ?1 LIMIT ?2)";
const OUT: &str = "DELETE FROM postbacks_out WHERE id IN
    (SELECT id FROM postbacks_out WHERE state IN (1, 2) AND time < ?1 LIMIT ?2)";

/// Starts the thread. It holds only a weak reference to the state and
/// ends once the state is gone (the server stopped).
pub fn start(state: Weak<AppState>, log_days: u32) {
    let spawned = std::thread::Builder::new()
        .name("prune".into())
        .spawn(move || {
            let mut due = i64::MIN;
            loop {
                let Some(now) = state.upgrade().map(|s| s.clock.now_ms().div_euclid(1000)) else {
                    return;
                };
                if now >= due {
                    due = now.saturating_add(EVERY);
                    let tables = [
                        ("postbacks_in", IN, now - i64::from(log_days) * DAY),
                        ("postbacks_out", OUT, now - OUT_DAYS * DAY),
                    ];
                    for (table, sql, before) in tables {
                        match prune(&state, sql, before) {
                            Some(0) => {}
                            Some(rows) => {
                                tracing::info!(table, rows, "old postback log rows pruned")
                            }
                            None => return,
                        }
                    }
                }
                std::thread::sleep(POLL);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "no prune thread: old postback logs are kept");
    }
}

/// Deletes with `sql` every row older than `before`, a chunk a job;
/// answers how many rows, None when the state is gone.
fn prune(state: &Weak<AppState>, sql: &'static str, before: i64) -> Option<i64> {
    let mut total = 0;
    loop {
        let (to, answer) = ticket();
        // The state is held only while queuing, not while waiting.
        state.upgrade()?.writer.submit(chunk(sql, before), to);
        match answer.wait_blocking(WAIT).map(|n| n.as_i64()) {
            Ok(Some(n)) => {
                total += n;
                if n < CHUNK {
                    return Some(total);
                }
            }
            Ok(None) | Err(_) => {
                tracing::warn!(sql, "pruning the postback logs failed; retried later");
                return Some(total);
            }
        }
    }
}

fn chunk(sql: &'static str, before: i64) -> JobFn {
    Box::new(move |conn: &Connection| {
        let n = conn.prepare_cached(sql)?.execute([before, CHUNK])?;
        Ok(serde_json::json!(n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_deletes_at_most_its_rows_and_only_old_ones() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE postbacks_in (id INTEGER PRIMARY KEY, time INTEGER NOT NULL);
             CREATE TABLE postbacks_out (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,
                                         state INTEGER NOT NULL);",
        )
        .unwrap();
        let n = CHUNK + 5;
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO postbacks_in (time) SELECT 100 FROM n",
            [n],
        )
        .unwrap();
        conn.execute("INSERT INTO postbacks_in (time) VALUES (200)", [])
            .unwrap();
        assert_eq!(chunk(IN, 150)(&conn).unwrap(), serde_json::json!(CHUNK));
        assert_eq!(chunk(IN, 150)(&conn).unwrap(), serde_json::json!(5));
        assert_eq!(chunk(IN, 150)(&conn).unwrap(), serde_json::json!(0));
        conn.execute_batch(
            "INSERT INTO postbacks_out (time, state) VALUES (100, 0), (100, 1), (100, 2), (200, 1)",
        )
        .unwrap();
        assert_eq!(chunk(OUT, 150)(&conn).unwrap(), serde_json::json!(2));
        let left: Vec<(i64, i64)> = conn
            .prepare("SELECT time, state FROM postbacks_out ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(left, [(100, 0), (200, 1)]);
    }
}
