//! Giving memory back after a large piece of work (a report over millions
//! of clicks): the binary's allocator keeps what a thread freed for that
//! thread's next allocations, so the buffers of one big report stayed
//! resident after it and the next one on another thread added its own
//! (docs/BENCHMARKS.md, peak RSS). The binary registers how to release
//! (src/main.rs); without one, as in tests, nothing happens.
use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Sets what [`release`] does; the first call wins.
pub fn on_release(f: fn()) {
    let _ = RELEASE.set(f);
}

/// Gives what this thread freed back to the system, if the binary said
/// how.
pub fn release() {
    if let Some(f) = RELEASE.get() {
        f();
    }
}
