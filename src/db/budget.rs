//! A report's time budget (docs/API.md "Reports under load"): past its
//! deadline a report stops and answers `timeout` instead of holding a
//! connection (and the WAL's oldest snapshot, which keeps a checkpoint
//! from starting the log over) for minutes.
//!
//! The deadline belongs to the thread running the report: SQLite's
//! progress handler, installed on every pooled connection ([`watch`]),
//! interrupts a statement stepped past it, and the loops over click
//! chunks, which spend their time in Rust between statements, ask
//! [`check`] once per chunk. A thread that reads half of a report for it
//! (src/store/scan.rs) takes the deadline along. Threads without one
//! (light calls, the checkpoint thread, the writer, which has no handler
//! at all) are never stopped.
use rusqlite::{ffi, Connection, ErrorCode};
use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// SQLite instructions between two looks at the clock: a few tenths of
/// a millisecond of work, so a look (a thread-local and a clock read)
/// costs nothing measurable, and a statement of a few instructions
/// (ROLLBACK) is never stopped.
const EVERY_OPS: i32 = 10_000;

/// Runs `f` with `deadline` as this thread's (None: no budget), then
/// puts back the one before, even if `f` panics.
pub fn within<T>(deadline: Option<Instant>, f: impl FnOnce() -> T) -> T {
    let _entered = Entered::new(deadline);
    f()
}

/// `deadline` is this thread's until the guard is dropped, which puts
/// back the one before.
pub struct Entered {
    before: Option<Instant>,
    /// The guard stays on the thread whose deadline it set.
    _here: std::marker::PhantomData<*const ()>,
}

impl Entered {
    pub fn new(deadline: Option<Instant>) -> Entered {
        Entered {
            before: DEADLINE.with(|d| d.replace(deadline)),
            _here: std::marker::PhantomData,
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.before));
    }
}

/// This thread's deadline, to hand to a thread that works for it.
pub fn deadline() -> Option<Instant> {
    DEADLINE.with(Cell::get)
}

fn passed() -> bool {
    deadline().is_some_and(|d| Instant::now() >= d)
}

/// An error once this thread's deadline has passed: the same SQLite's
/// progress handler gives, so every caller treats both alike.
pub fn check() -> rusqlite::Result<()> {
    match passed() {
        true => Err(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_INTERRUPT),
            Some("past the report's time budget".into()),
        )),
        false => Ok(()),
    }
}

/// Whether `e` is a read stopped at its deadline.
pub fn is_timeout(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted)
}

/// Lets statements on `conn` stop at their thread's deadline.
pub fn watch(conn: &Connection) -> rusqlite::Result<()> {
    conn.progress_handler(EVERY_OPS, Some(passed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn gone() -> Option<Instant> {
        Some(Instant::now() - Duration::from_millis(1))
    }

    /// A long statement: counts to ten million.
    const LONG: &str = "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k
                        WHERE n < 10000000) SELECT count(*) FROM k";

    #[test]
    fn a_statement_past_the_deadline_stops_and_its_connection_stays_usable() {
        let conn = Connection::open_in_memory().unwrap();
        watch(&conn).unwrap();
        let count = |c: &Connection| c.query_row(LONG, [], |r| r.get::<_, i64>(0));
        let e = within(gone(), || count(&conn)).unwrap_err();
        assert!(is_timeout(&e), "{e}");
        // A read transaction that was stopped ends cleanly.
        within(gone(), || {
            let tx = conn.unchecked_transaction().unwrap();
            assert!(is_timeout(&count(&tx).unwrap_err()));
        });
        assert!(conn.is_autocommit());
        // No deadline, or one ahead: the same connection answers.
        assert_eq!(count(&conn).unwrap(), 10_000_000);
        let ahead = Some(Instant::now() + Duration::from_secs(600));
        assert_eq!(within(ahead, || count(&conn)).unwrap(), 10_000_000);
    }

    #[test]
    fn check_follows_the_threads_deadline_and_within_restores_it() {
        assert!(check().is_ok());
        within(gone(), || {
            assert!(is_timeout(&check().unwrap_err()));
            within(None, || assert!(check().is_ok()));
            assert!(check().is_err());
        });
        assert!(check().is_ok());
        assert_eq!(deadline(), None);
        let _ = std::panic::catch_unwind(|| within(gone(), || panic!("a report panics")));
        assert_eq!(deadline(), None);
    }
}
