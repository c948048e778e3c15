//! Ctrl-C (SIGINT) as a flag for a long command (`flowtrack demo`):
//! once caught, the command stops at its next safe point and leaves the
//! database whole, instead of being killed between two commits.
use std::sync::atomic::{AtomicBool, Ordering};

static ASKED: AtomicBool = AtomicBool::new(false);

/// From now on Ctrl-C sets the flag instead of ending the process.
pub fn catch() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" fn interrupted(_: libc::c_int) {
            // An atomic store is all a signal handler may safely do.
            ASKED.store(true, Ordering::Relaxed);
        }
        let handler = interrupted as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t;
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, handler);
        }
    }
}

/// Whether Ctrl-C was pressed since [`catch`].
pub fn asked() -> bool {
    ASKED.load(Ordering::Relaxed)
}
