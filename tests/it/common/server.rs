//! The real `flowtrack` binary as a child process, for tests that send it
//! signals (SIGTERM, SIGKILL) the way an operator or a crash would.
use super::{http, Resp};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub db: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `flowtrack serve` on `db` and waits until /health answers.
    pub fn start(db: &Path) -> Server {
        Server::start_with(db, &[], Stdio::null())
    }

    /// The same with `env` added to its environment and its standard
    /// error sent to `stderr` (a log file).
    pub fn start_with(db: &Path, env: &[(&str, &str)], stderr: Stdio) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
            .arg("--db")
            .arg(db)
            .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn flowtrack");
        // Killed on drop, also when the test panics before it stops it.
        let server = Server {
            child,
            port,
            db: db.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if server.get("/health").is_ok_and(|r| r.status == 200) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("flowtrack did not start");
    }

    pub fn get(&self, path: &str) -> std::io::Result<Resp> {
        http(self.port, "GET", path, &[], b"")
    }

    /// A plaintext API token of `user` (see `known_token`).
    pub fn token(&self, user: &str) -> String {
        super::known_token(&self.db, user).expect("no such user")
    }

    /// Sends a signal (`TERM`, `KILL`, ...) to the process.
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{sig} failed");
    }

    /// Waits for the process to end; None when it takes longer than `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
