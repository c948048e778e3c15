//! Subcommands (docs/API.md): serve, user add/token/password, demo, backup,
//! rates, store verify/rebuild.
pub mod demo;
mod demo_account;
mod demo_postbacks;
mod demo_shape;
mod interrupt;
mod store;

use crate::config::{Cli, Command, Config, UserAction};
use std::path::Path;
use std::process::ExitCode;

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

/// Reports run on actix's blocking threads, and glibc gives each thread
/// its own malloc arena and keeps there what a big report (a month of ips
/// or subids) freed: RSS on the 10M-click database grew by one report per
/// thread, 50 -> 196 MiB after six of them (docs/BENCHMARKS.md: < 150 MiB). With one
/// arena the memory is reused: 108 MiB after the same six, and the click
/// rate did not move (measured with bench/clicks.sh). The binary's Rust
/// allocations have since moved to mimalloc (src/main.rs); this still
/// holds for SQLite's own (page caches, sorters), which use glibc's.
/// Called before any thread starts.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no other thread
    // exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Every file the program creates (the database, its `-wal` and `-shm`,
/// a backup) is its owner's only, whatever path created it (docs/ARCHITECTURE.md,
/// Storage).
fn private_files() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: umask only sets the process's file creation mask.
    unsafe {
        libc::umask(0o077);
    }
}

pub fn run(cli: Cli) -> ExitCode {
    private_files();
    let Cli {
        db,
        serve: args,
        command,
    } = cli;
    match command {
        None => serve(Config::serve(db, args)),
        Some(Command::Serve(args)) => serve(Config::serve(db, args)),
        Some(Command::User { action }) => user(&db, action),
        Some(Command::Demo { clicks, days }) => demo::run(&db, clicks, days),
        Some(Command::Backup { file }) => backup(&db, &file),
        Some(Command::Rates { file }) => rates(&db, &file),
        Some(Command::Store { action }) => store::run(&db, action),
    }
}

fn serve(config: Config) -> ExitCode {
    one_malloc_arena();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in a file or
        // the journal (README "Logs").
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = actix_web::rt::System::new()
        .block_on(async move { crate::Application::build(config)?.run().await });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// Opens (creating or upgrading) the database for a command; a fresh
/// file's first user is told once, on standard error.
pub(crate) fn open_db(db: &Path) -> Result<rusqlite::Connection, ExitCode> {
    match crate::prepare_database(db) {
        Ok((conn, created)) => {
            if let Some(c) = created {
                eprintln!(
                    "Created user admin (password {}, token {})",
                    c.password, c.token
                );
            }
            Ok(conn)
        }
        Err(e) => Err(fail(e)),
    }
}

fn user(db: &Path, action: UserAction) -> ExitCode {
    let conn = match open_db(db) {
        Ok(conn) => conn,
        Err(code) => return code,
    };
    let result = match action {
        UserAction::Add { name } => {
            if !crate::accounts::valid_name(&name) {
                return fail("a user name is 1-64 letters, digits, '_', '-' or '.'");
            }
            if matches!(crate::accounts::user_id(&conn, &name), Ok(Some(_))) {
                return fail(format!("user {name} exists"));
            }
            crate::accounts::create_user(&conn, &name).map(|c| {
                println!("user: {name}\npassword: {}", c.password);
                println!("{}", c.token);
            })
        }
        UserAction::Token { name } => match crate::accounts::user_id(&conn, &name) {
            Ok(Some(id)) => crate::accounts::rotate_token(&conn, id).map(|t| println!("{t}")),
            Ok(None) => return fail(format!("no user {name}")),
            Err(e) => Err(e),
        },
        UserAction::Password { name } => match crate::accounts::user_id(&conn, &name) {
            Ok(Some(id)) => {
                let password = crate::accounts::tokens::random(16);
                crate::accounts::set_password(&conn, id, &password, None)
                    .map(|_| println!("{password}"))
            }
            Ok(None) => return fail(format!("no user {name}")),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// A consistent copy while the server runs: VACUUM INTO reads one snapshot
/// of the WAL database and writes a compact new file.
fn backup(db: &Path, file: &Path) -> ExitCode {
    if file.exists() {
        return fail(format!("{} exists; choose a new file", file.display()));
    }
    // Opening a missing file would create an empty database and "back up"
    // that (a mistyped --db must not look like a successful backup).
    if !db.is_file() {
        return fail(format!("no database at {}", db.display()));
    }
    // An empty file of the owner's only (VACUUM INTO fills an empty
    // file): a copy holds the same secrets as the database.
    if let Err(e) = crate::db::create_private(file) {
        return fail(format!("{}: {e}", file.display()));
    }
    let result = crate::db::open(db).and_then(|conn| {
        conn.execute("VACUUM INTO ?1", [file.to_string_lossy()])?;
        Ok(())
    });
    match result {
        Ok(()) => {
            println!("backup written to {}", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = std::fs::remove_file(file);
            fail(e)
        }
    }
}

/// Replaces the rates table from a JSON file (docs/API.md: the operator can
/// replace the shipped rates by CLI and API).
fn rates(db: &Path, file: &Path) -> ExitCode {
    let doc: serde_json::Value =
        match std::fs::read_to_string(file).map(|t| serde_json::from_str(&t)) {
            Ok(Ok(doc)) => doc,
            Ok(Err(e)) => return fail(format!("{} is not JSON: {e}", file.display())),
            Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
        };
    let mut conn = match open_db(db) {
        Ok(conn) => conn,
        Err(code) => return code,
    };
    match crate::rates::install(&mut conn, &doc) {
        Ok(n) => {
            println!("rates replaced: {n} currencies");
            ExitCode::SUCCESS
        }
        Err(crate::rates::RatesError::Invalid) => {
            fail("not a rates table: lower-case codes with positive rates per 1 USD, usd = 1")
        }
        Err(crate::rates::RatesError::DropsBase(c)) => {
            fail(format!("a user's base currency {c} is missing"))
        }
        Err(crate::rates::RatesError::Db(e)) => fail(e),
    }
}
