//! Storage: connections, pragmas, migrations and the click writer (DESIGN 3).
pub mod checkpoint;
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
/// space stays on disk: a big GROUP BY must not grow the process (issue 6).
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
    // rarray(?): a list of ids bound as one parameter (src/spend/apply.rs).
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

/// Opens one connection with the pragmas applied.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn, WRITER_CACHE_KIB)?;
    Ok(conn)
}

/// Opens the database, creating or upgrading it in place.
pub fn open_and_migrate(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = open(path)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// Turns a running server's connection's automatic checkpoint off: the
/// checkpoint thread does it (src/db/checkpoint.rs).
pub fn serving(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA wal_autocheckpoint=0")
}

/// The read (and short-write) pool used by API handlers inside web::block,
/// for a running server (see [`serving`]).
pub fn pool(path: &Path, size: u32) -> Result<Pool, r2d2::Error> {
    let manager = SqliteConnectionManager::file(path).with_init(|c| {
        configure(c, READER_CACHE_KIB)?;
        // A sort too big for the page cache (GROUP BY over a month of
        // click rows with more values than src/stats/cols holds) sorts
        // and merges its runs on a second thread too: item ip over a month
        // of the 10M demo, when it was read so, 17.8-18.6 -> 12.1-13.8 s.
        // Readers only: the writer never sorts that much.
        c.execute_batch("PRAGMA threads=2")?;
        serving(c)
    });
    r2d2::Pool::builder().max_size(size).build(manager)
}
