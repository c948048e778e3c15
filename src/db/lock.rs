//! The database's process lock: an exclusive advisory `flock` on the
//! database file that a server holds for its lifetime and
//! `flowtrack store rebuild` for its run, so that a rebuild never runs
//! beside a server (the writer keeps the open click-column chunks'
//! state in memory, src/store/cols/store.rs) and a server never starts
//! during a rebuild (README "Checking the click store").
//!
//! On Linux `flock` locks do not interact with the POSIX locks SQLite
//! takes on the same file. But closing *any* descriptor of the database
//! file drops every POSIX lock this process holds on it, SQLite's own
//! included (sqlite.org/howtocorrupt.html, "Posix advisory locks canceled
//! by a separate thread doing close()"): so the descriptor opened here is
//! never closed. A released lock is unlocked (`LOCK_UN`) and its
//! descriptor kept for the next lock of the same file in this process.
use std::path::Path;

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process, or another holder in this one, has it.
    Held,
    Io(std::io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held => f.write_str(
                "another flowtrack (a running server, or `flowtrack store rebuild`) is using this database",
            ),
            LockError::Io(e) => write!(f, "cannot lock the database file: {e}"),
        }
    }
}

/// The lock, held until dropped.
pub struct Lock {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    key: (u64, u64),
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use super::{Lock, LockError};
    use std::collections::hash_map::Entry;
    use std::collections::HashMap;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;
    use std::sync::Mutex;

    /// Per database file (device, inode): its descriptor, and whether a
    /// holder in this process has the lock.
    type Files = HashMap<(u64, u64), (std::fs::File, bool)>;
    static FILES: Mutex<Option<Files>> = Mutex::new(None);

    pub fn exclusive(path: &Path) -> Result<Lock, LockError> {
        let meta = std::fs::metadata(path).map_err(LockError::Io)?;
        let key = (meta.dev(), meta.ino());
        let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
        let files = files.get_or_insert_with(HashMap::new);
        let (file, held) = match files.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                v.insert((std::fs::File::open(path).map_err(LockError::Io)?, false))
            }
        };
        // The descriptor is one open file description: flock on it again
        // would succeed, so a holder in this process is told apart here.
        if *held {
            return Err(LockError::Held);
        }
        // SAFETY: flock on a descriptor this map keeps open.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            let e = std::io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::EWOULDBLOCK) => LockError::Held,
                _ => LockError::Io(e),
            });
        }
        *held = true;
        Ok(Lock { key })
    }

    pub fn release(lock: &Lock) {
        let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((file, held)) = files.as_mut().and_then(|f| f.get_mut(&lock.key)) {
            // SAFETY: flock on a descriptor this map keeps open.
            unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
            *held = false;
        }
    }
}

/// Takes the database's exclusive lock without waiting: [`LockError::Held`]
/// when a server or a rebuild has it. The file must exist. Elsewhere than
/// Linux with glibc (where `libc` is not a dependency) there is no lock:
/// the operator stops the server before a rebuild.
pub fn exclusive(path: &Path) -> Result<Lock, LockError> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    return imp::exclusive(path);
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = path;
        Ok(Lock {})
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        imp::release(self);
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
        std::fs::write(&db, b"").unwrap();
        let first = exclusive(&db).unwrap();
        assert!(matches!(exclusive(&db), Err(LockError::Held)));
        drop(first);
        let again = exclusive(&db).unwrap();
        drop(again);
        assert!(matches!(
            exclusive(&dir.path().join("missing.db")),
            Err(LockError::Io(_))
        ));
    }
}
