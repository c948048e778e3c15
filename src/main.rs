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

extern "C" {
    fn mi_collect(force: bool);
}

/// What flowtrack's `memory::release` does in the binary: mimalloc gives
/// the pages the calling thread freed back to the system now, rather
/// than keep them for the thread's next allocations. Without it the
/// buffers of a large report (item ip over 10M clicks) stayed resident
/// after it and the next report's came on top: 192 MiB at the peak over
/// a month's reports, 135 MiB with it, and clicks run no slower
/// (docs/BENCHMARKS.md). Only after a report or a big write's read, not
/// on the click path: giving freed pages back at every free would cost
/// the writer, which frees every click.
fn collect() {
    // SAFETY: mi_collect only walks the calling thread's own heap.
    unsafe { mi_collect(true) }
}

fn main() -> std::process::ExitCode {
    flowtrack::memory::on_release(collect);
    let cli = flowtrack::config::Cli::from_command_line();
    flowtrack::cli::run(cli)
}
