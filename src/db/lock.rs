//! The database's process lock: an exclusive advisory `flock` that a
//! server holds for its lifetime and `flowtrack store rebuild` for its
//! run, so that a rebuild never runs beside a server (the writer keeps
//! the open click-column chunks' state in memory,
//! src/store/cols/store.rs) and a server never starts during a rebuild
//! (README "Checking the click store").
//!
//! The lock is on a file beside the database, `<database>-lock`, not on
//! the database file itself: `flock` does not interact with SQLite's
//! POSIX locks, but closing *any* descriptor of the database file drops
//! every POSIX lock this process holds on it, SQLite's own included
//! (sqlite.org/howtocorrupt.html, "Posix advisory locks canceled by a
//! separate thread doing close()"), so a descriptor of the database could
//! never be closed while the process has a connection to it. This one is
//! closed with the lock.
use std::path::{Path, PathBuf};

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another holder (a server or a rebuild, in this process or
    /// another) has it.
    Held,
    Io(std::io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held => f.write_str(
                "another flowtrack (a running server, or `flowtrack store rebuild`) is using this database",
            ),
            LockError::Io(e) => write!(f, "cannot lock the database: {e}"),
        }
    }
}

/// The lock, held until dropped.
pub struct Lock {
    _file: Option<std::fs::File>,
}

/// The file the lock is taken on: the database's path with `-lock`
/// added, as SQLite names its `-wal` and `-shm`.
pub fn lock_file(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

/// Takes the database's exclusive lock without waiting: [`LockError::Held`]
/// when a server or a rebuild has it. Creates the lock file (its owner's
/// only, like the database) when missing. Elsewhere than Linux with glibc
/// (where `libc` is not a dependency) there is no lock: the operator
/// stops the server before a rebuild.
pub fn exclusive(db: &Path) -> Result<Lock, LockError> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(lock_file(db))
            .map_err(LockError::Io)?;
        // SAFETY: flock on a descriptor `file` owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = std::io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::EWOULDBLOCK) => LockError::Held,
                _ => LockError::Io(e),
            });
        }
        Ok(Lock { _file: Some(file) })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = db;
        Ok(Lock { _file: None })
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// One holder at a time, in this process too; released on drop.
    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("l.db");
        let first = exclusive(&db).unwrap();
        assert!(matches!(exclusive(&db), Err(LockError::Held)));
        drop(first);
        let again = exclusive(&db).unwrap();
        drop(again);
        assert!(lock_file(&db).ends_with("l.db-lock"));
        assert!(matches!(
            exclusive(&dir.path().join("no/such/folder.db")),
            Err(LockError::Io(_))
        ));
    }
}
