//! Thin entry point: parse the command line, hand over to the library.
/// mimalloc instead of glibc's malloc for the Rust side. Each click is
/// built on a request thread and freed on the writer thread; with glibc
/// (one arena, src/cli/mod.rs) every such free took the lock the request
/// threads allocate under. Measured alternately with bench/clicks.sh's
/// pairs (docs/BENCHMARKS.md): click ÷ /health medians 0.72-0.75 against 0.69-0.72
/// with glibc; the RSS after the reports of bench/stats.sh on 10M clicks
/// stayed 126 MiB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its include/mimalloc.h, version
/// 3): how long freed memory stays with the process before it goes back
/// to the system. With its default (1 s in this build) and the pages each
/// thread keeps, the buffers of a large report (item ip over 10M clicks)
/// stayed resident after it and the next report's came on top: purging at
/// once and collecting after each report ([`collect`]) halves the peak
/// RSS over a month's reports, and clicks run no slower
/// (docs/BENCHMARKS.md).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

extern "C" {
    fn mi_version() -> std::ffi::c_int;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    fn mi_collect(force: bool);
}

/// What flowtrack's `memory::release` does in the binary: the calling
/// thread's freed pages go back to mimalloc's arenas, which (purging at
/// once) give them back to the system.
fn collect() {
    // SAFETY: mi_collect only walks the calling thread's own heap.
    unsafe { mi_collect(true) }
}

/// Freed memory goes back at once, unless the operator set
/// MIMALLOC_PURGE_DELAY, or the linked mimalloc is not of version 3,
/// whose list of options the place above is from: then nothing changes.
fn purge_at_once() {
    // SAFETY: asking the version and setting an allocator option;
    // mimalloc's option calls are safe from any thread at any time.
    unsafe {
        let v3 = (300..400).contains(&mi_version());
        if v3 && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
}

fn main() -> std::process::ExitCode {
    purge_at_once();
    flowtrack::memory::on_release(collect);
    let cli = flowtrack::config::Cli::from_command_line();
    flowtrack::cli::run(cli)
}
