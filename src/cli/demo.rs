//! `flowtrack demo` (SPEC 5): a realistic demo account.
use crate::config::Config;
use std::process::ExitCode;

pub fn run(_config: &Config, _clicks: u64, _days: u32) -> ExitCode {
    eprintln!("error: flowtrack demo is not built yet (issue 5)");
    ExitCode::FAILURE
}
