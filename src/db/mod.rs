//! Storage: connections, pragmas, migrations and the click writer (docs/ARCHITECTURE.md).
pub mod budget;
pub mod checkpoint;
pub mod lock;
pub mod migrations;
pub mod writer;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

pub type Pool = r2d2::Pool<SqliteConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<SqliteConnectionManager>;

/// Pragmas every connection gets. WAL lets readers run beside the one
/// writer; synchronous=NORMAL keeps commits cheap and survives a process
/// crash (only an OS crash can lose the last commits). Temporary sort
/// space stays on disk: a big GROUP BY must not grow the process (docs/BENCHMARKS.md).
/// `cache_kib` is the connection's page cache: the writer's holds the hot
/// click, index and rollup pages; a reader's only has to hold what one
/// report revisits, since the OS caches the file for every connection
/// (eight readers at 16 MiB each held 300 MiB after month-long reports).
/// `journal_size_limit`: the commit that starts the WAL over cuts the
/// file back to this size (src/db/writer/wal.rs).
fn configure(conn: &Connection, cache_kib: u32) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // A postback alone runs ~20 distinct cached statements (lead rollups
    // included); rusqlite's default cache of 16 would recompile them on
    // every call.
    conn.set_prepared_statement_cache_capacity(128);
    // rarray(?): a list of ids bound as one parameter (src/store/reprice/mod.rs).
    rusqlite::vtab::array::load_module(conn)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL;
         PRAGMA synchronous=NORMAL;
         PRAGMA foreign_keys=ON;
         PRAGMA cache_size=-{cache_kib};
         PRAGMA journal_size_limit={WAL_KEEP};"
    ))
}

/// Bytes of WAL file kept when the log starts over.
const WAL_KEEP: u64 = 16 << 20;

/// Page cache of the writer's (and every single-use) connection, KiB.
const WRITER_CACHE_KIB: u32 = 16_000;
/// Page cache of each pooled reader connection, KiB.
const READER_CACHE_KIB: u32 = 2_000;

/// Creates an empty file readable by its owner only (an error when it
/// exists): a database holds password hashes and tokens, and SQLite
/// gives the `-wal` and `-shm` files it creates beside it the database
/// file's permissions (docs/ARCHITECTURE.md, Storage).
pub fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Opens one connection with the pragmas applied. A missing database is
/// created private ([`create_private`]); an existing file keeps the
/// permissions its operator gave it, and one that cannot be created here
/// is left for SQLite to report.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    // SQLite's own answer would be "unable to open database file".
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!(
                    "the folder {} of the database {} does not exist: create it, or choose another --db",
                    dir.display(),
                    path.display()
                )),
            ));
        }
    }
    let _ = create_private(path);
    let conn = Connection::open(path)?;
    configure(&conn, WRITER_CACHE_KIB)?;
    Ok(conn)
}

/// Most bytes of an error a log line carries: a message can echo input
/// (a value that failed to convert, a name), and a request's input can be
/// megabytes.
const LOG_BYTES: usize = 200;

/// `text` cut to [`LOG_BYTES`] for a log line.
pub fn log_cut(text: impl std::fmt::Display) -> String {
    let mut s = text.to_string();
    if s.len() > LOG_BYTES {
        let mut end = LOG_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("...");
    }
    s
}

/// What a log line says of a database error: never the statement (the
/// Display of rusqlite's `SqlInputError` holds it whole, a list filter's
/// thousands of parameters included), cut by [`log_cut`].
pub fn log_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            log_cut(format_args!("{msg} (at offset {offset} of the statement)"))
        }
        e => log_cut(e),
    }
}

/// Turns a running server's connection's automatic checkpoint off: the
/// checkpoint thread does it (src/db/checkpoint.rs).
pub fn serving(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA wal_autocheckpoint=0")
}

/// A pool of connections for API handlers inside web::block, for a
/// running server (see [`serving`]). A server has three (src/lib.rs):
/// light calls, reports, and the checks of writer endpoints, so that no
/// kind of call waits for another's connections. A statement on any of
/// them stops at its thread's report deadline, if it has one
/// ([`budget`]).
pub fn pool(path: &Path, size: u32) -> Result<Pool, r2d2::Error> {
    let manager = SqliteConnectionManager::file(path).with_init(|c| {
        configure(c, READER_CACHE_KIB)?;
        budget::watch(c)?;
        // A sort too big for the page cache (GROUP BY over a month of
        // click rows with more values than src/store/cols holds) sorts
        // and merges its runs on a second thread too: item ip over a month
        // of the 10M demo, when it was read so, 17.8-18.6 -> 12.1-13.8 s.
        // Readers only: the writer never sorts that much.
        c.execute_batch("PRAGMA threads=2")?;
        serving(c)
    });
    r2d2::Pool::builder().max_size(size).build(manager)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_logged_database_error_has_no_statement_and_is_short() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        // Past SQLite's 32,766 parameters: rusqlite's error holds the
        // whole statement.
        let marks = vec!["?"; 40_000].join(",");
        let e = conn
            .prepare(&format!("SELECT 1 WHERE 1 IN ({marks})"))
            .expect_err("too many SQL variables");
        assert!(e.to_string().contains("SELECT"), "{e}");
        let logged = super::log_text(&e);
        assert!(logged.contains("too many SQL variables"), "{logged}");
        assert!(
            !logged.contains("SELECT") && logged.len() <= 203,
            "{logged}"
        );
        let long = rusqlite::Error::InvalidColumnName("é".repeat(1_000));
        assert!(super::log_text(&long).len() <= 203);
    }
}
