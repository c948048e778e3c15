//! Thin entry point: parse the command line, hand over to the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = flowtrack::config::Cli::parse();
    flowtrack::cli::run(cli)
}
