//! `flowtrack store verify` and `flowtrack store rebuild` (README
//! "Checking the click store"; the work is src/store/verify).
use crate::config::StoreAction;
use crate::store::verify::{self, RebuildError};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Exit status of a command that could not run (1 is "copies differ").
fn trouble(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub fn run(db: &Path, action: StoreAction) -> ExitCode {
    // Neither creates a database: a mistyped --db must not pass.
    if !db.is_file() {
        return trouble(format!("no database at {}", db.display()));
    }
    match action {
        StoreAction::Verify => run_verify(db),
        StoreAction::Rebuild => run_rebuild(db),
    }
}

/// The database, at the format this flowtrack writes: neither command
/// upgrades it (verify may run beside an older server). Read-only for
/// verify: it writes only TEMP tables, so it can never take the write
/// lock a running server's writer needs.
fn open(db: &Path, read_only: bool) -> Result<rusqlite::Connection, ExitCode> {
    let conn = match read_only {
        true => {
            use rusqlite::OpenFlags;
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = rusqlite::Connection::open_with_flags(db, flags).map_err(trouble)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(trouble)?;
            conn
        }
        false => crate::db::open(db).map_err(trouble)?,
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(trouble)?;
    if version != crate::schema::LATEST {
        return Err(trouble(format!(
            "{} is at format version {version}, this flowtrack's is {}: run the matching \
             flowtrack (a server of this one upgrades it)",
            db.display(),
            crate::schema::LATEST
        )));
    }
    Ok(conn)
}

fn run_verify(db: &Path) -> ExitCode {
    let mut conn = match open(db, true) {
        Ok(conn) => conn,
        Err(code) => return code,
    };
    let started = Instant::now();
    match verify::verify(&mut conn) {
        Ok(report) => {
            print!("{report}");
            eprintln!("verified in {:.1} s", started.elapsed().as_secs_f64());
            match report.agrees() {
                true => ExitCode::SUCCESS,
                false => ExitCode::FAILURE,
            }
        }
        Err(e) => trouble(e),
    }
}

fn run_rebuild(db: &Path) -> ExitCode {
    // Held to the end of the rebuild: a server started meanwhile refuses.
    let _lock = match crate::db::lock::exclusive(db) {
        Ok(lock) => lock,
        Err(crate::db::lock::LockError::Held) => {
            return trouble(format!(
                "{} is in use by a running flowtrack server (or another rebuild): \
                 stop the server first; its writer keeps part of the click columns in memory",
                db.display()
            ))
        }
        Err(e) => return trouble(e),
    };
    let mut conn = match open(db, false) {
        Ok(conn) => conn,
        Err(code) => return code,
    };
    // Room for the rewritten copies' pages, as `flowtrack demo` has.
    if let Err(e) = conn.execute_batch("PRAGMA cache_size=-65536;") {
        return trouble(e);
    }
    let started = Instant::now();
    match verify::rebuild(&mut conn) {
        Ok(done) => {
            let rows: Vec<String> = done
                .rows
                .iter()
                .map(|(table, n)| format!("{table} {n}"))
                .collect();
            println!(
                "store rebuild: {} clicks, {} leads in {:.1} s; rows now: {}",
                done.clicks,
                done.leads,
                started.elapsed().as_secs_f64(),
                rows.join(", ")
            );
            if done.dangling > 0 {
                eprintln!(
                    "warning: {} clicks name a user agent or referer the dictionary \
                     lacks; their texts cannot be rebuilt (store verify lists them)",
                    done.dangling
                );
            }
            ExitCode::SUCCESS
        }
        Err(RebuildError::Rescaling(users)) => trouble(format!(
            "a change of base currency is under way for users {users:?}: start the server \
             to let it finish, stop it, then rebuild"
        )),
        Err(RebuildError::Trimmed(h)) => trouble(format!(
            "{h}: a rebuild would lose the rollups and click columns of the older clicks \
             (ClickHouse holds their rows); store verify checks the kept ones"
        )),
        Err(RebuildError::Db(e)) => trouble(e),
    }
}
