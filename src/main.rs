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

fn main() -> std::process::ExitCode {
    let cli = flowtrack::config::Cli::from_command_line();
    flowtrack::cli::run(cli)
}
