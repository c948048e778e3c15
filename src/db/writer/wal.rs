//! Keeps the WAL bounded under a click flood (README "Storage").
//!
//! SQLite starts the log over from its beginning only when a write
//! transaction begins while every frame of it is already copied into the
//! database. The checkpoint thread (src/db/checkpoint.rs) copies the log
//! every 200 ms while the writer commits every 2 ms, so under steady
//! clicks a commit always lands during its copy, the log is never wholly
//! copied when the writer begins, and it grew by the whole write rate
//! (2.37 GB after 887k clicks). So the writer itself, once the file is
//! past [`LIMIT`], runs a PASSIVE checkpoint between two batches: no
//! commit can race it, it has at most the last 200 ms left to copy, and
//! the next transaction starts the log over; `journal_size_limit`
//! (src/db/mod.rs) then cuts the file back on that commit.
//!
//! A reader still on a snapshot older than the last commit (a long
//! report) holds the frames after its snapshot: no checkpoint may copy
//! them and the log cannot start over until it ends, so the WAL grows
//! by the write rate for as long as the longest report runs; this tries
//! again every [`RETRY`].
use rusqlite::Connection;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// WAL size past which the writer checkpoints.
pub const LIMIT: u64 = 24 << 20;
/// Least time between two of its attempts.
const RETRY: Duration = Duration::from_millis(50);

pub(super) struct Wal {
    path: Option<PathBuf>,
    last: Instant,
    /// A checkpoint left frames behind (a reader holds them): said once.
    held: bool,
}

impl Wal {
    pub fn new(conn: &Connection) -> Wal {
        let path = conn
            .path()
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(format!("{p}-wal")));
        Wal {
            path,
            last: Instant::now(),
            held: false,
        }
    }

    /// After a commit: checkpoints when the log is past [`LIMIT`].
    pub fn committed(&mut self, conn: &Connection) {
        let Some(path) = &self.path else {
            return;
        };
        if self.last.elapsed() < RETRY {
            return;
        }
        if std::fs::metadata(path).map_or(0, |m| m.len()) <= LIMIT {
            return;
        }
        self.last = Instant::now();
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        match done {
            // Every frame copied: the next transaction starts the log over.
            Ok((_, log, copied)) if log == copied => self.held = false,
            Ok((_, log, copied)) => {
                if !self.held {
                    tracing::info!(
                        log,
                        copied,
                        "WAL past its limit; a reader holds its last frames"
                    );
                }
                self.held = true;
            }
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint by the writer failed"),
        }
    }
}
