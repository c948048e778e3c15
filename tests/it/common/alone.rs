//! A test that has to change what belongs to the whole process (the
//! umask) runs in a process of its own: this test binary again, started
//! with that one test, while the rest of the suite shares one process
//! (tests/it/main.rs).
use std::process::Command;

/// Set in the process that [`run`] starts.
const OWN_PROCESS: &str = "IT_OWN_PROCESS";

/// True in the process [`run`] started: there the test does its work.
pub fn in_own_process() -> bool {
    std::env::var_os(OWN_PROCESS).is_some()
}

/// Runs the test `path` (`module_path!()` and the test's name) alone in a
/// new process of this binary, and fails unless that one test ran there
/// and passed.
pub fn run(path: &str) {
    // Test names leave out the crate's name.
    let name = path.split_once("::").map_or(path, |(_, rest)| rest);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(OWN_PROCESS, "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} in its own process: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
