//! A real ClickHouse server for the tests of the ClickHouse backend: the
//! Debian package's `clickhouse-server` started as a child process with a
//! minimal configuration in a temporary folder, on free ports of
//! 127.0.0.1, never the system service (README, on `cargo test`). A test
//! without the server fails, saying how to get it: no test passes without
//! running its checks.
//!
//! Each test starts its own server (a tenth of a second, about 75 MB
//! resident), so tests running at the same time never see each other's
//! tables, and the server dies with the value (a static one would outlive
//! the test binary and leave its server running).
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user the tests (and the app under test) connect as.
pub const USER: &str = "flowtrack";
/// Its password: the server listens on 127.0.0.1 only, for this test.
pub const PASSWORD: &str = "ft-test-secret";

/// How long a fresh server may take to answer (it takes about a second;
/// a loaded CI machine running several at once needs more).
const READY_WITHIN: Duration = Duration::from_secs(60);
/// Starts on another pair of ports when the picked ones were taken between
/// picking and binding.
const START_ATTEMPTS: usize = 5;

const HOW_TO_GET_IT: &str = "the ClickHouse tests need Debian's clickhouse-server: \
    `apt-get install -y clickhouse-server` (the tests start it themselves, \
    never the system service), or set FLOWTRACK_CLICKHOUSE_SERVER to a \
    clickhouse-server (or `clickhouse`) binary";

pub struct ClickHouse {
    bin: PathBuf,
    dir: tempfile::TempDir,
    http_port: u16,
    tcp_port: u16,
    child: Option<Child>,
    agent: ureq::Agent,
}

impl ClickHouse {
    /// Starts a server with an empty data folder; panics when there is no
    /// server binary or it does not answer within a minute.
    pub fn start() -> ClickHouse {
        let bin = server_binary().unwrap_or_else(|| panic!("{HOW_TO_GET_IT}"));
        let dir = tempfile::Builder::new()
            .prefix("flowtrack-clickhouse-")
            .tempdir()
            .expect("temp dir for ClickHouse");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            // An idle connection kept open would hold up a SIGTERM: the
            // server waits for its connections (see `stop`).
            .max_idle_connections(0)
            .build()
            .into();
        let mut ch = ClickHouse {
            bin,
            dir,
            http_port: 0,
            tcp_port: 0,
            child: None,
            agent,
        };
        for attempt in 1..=START_ATTEMPTS {
            (ch.http_port, ch.tcp_port) = free_ports();
            ch.write_config();
            match ch.spawn_and_wait() {
                Ok(()) => return ch,
                Err(Failure::PortTaken) if attempt < START_ATTEMPTS => continue,
                Err(failure) => ch.fail(&failure),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// The URL the app is given: `http://flowtrack:PASSWORD@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self, database: &str) -> String {
        format!("{}/{database}", self.base())
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// Runs `sql` as the flowtrack user (POST: a GET is read-only) and
    /// answers ClickHouse's output; panics with its error text otherwise.
    pub fn query(&self, sql: &str) -> String {
        self.try_query(sql)
            .unwrap_or_else(|e| panic!("ClickHouse refused {sql:?}: {e}"))
    }

    /// `query` with URL parameters: settings of this query
    /// (`output_format_json_quote_64bit_integers=0`; a SELECT's own
    /// SETTINGS clause does not reach its output format in 18.16) or the
    /// default database (`database=NAME`: the URL's path is not read).
    pub fn query_with(&self, params: &str, sql: &str) -> String {
        let url = format!("{}/?{params}", self.base());
        self.post(&url, sql)
            .unwrap_or_else(|e| panic!("ClickHouse refused {sql:?} with {params}: {e}"))
    }

    /// `query` that answers the failure (HTTP status and ClickHouse's
    /// text, or why there was no answer) instead of panicking.
    pub fn try_query(&self, sql: &str) -> Result<String, String> {
        self.post(&format!("{}/", self.base()), sql)
    }

    /// Stops the server like the system service does (SIGTERM) and waits
    /// for it to exit; its data and ports are kept for [`Self::restart`].
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success(), "kill -TERM ClickHouse: {killed}");
        let status = child.wait().expect("wait for ClickHouse");
        // The server does not accept connections after this: callers test
        // an outage.
        assert!(!self.answers(), "ClickHouse still answers after {status}");
    }

    /// Starts the stopped server again on its data and ports.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart of a running ClickHouse");
        if let Err(failure) = self.spawn_and_wait() {
            self.fail(&failure);
        }
    }

    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    fn base(&self) -> String {
        format!("http://{USER}:{PASSWORD}@127.0.0.1:{}", self.http_port)
    }

    fn post(&self, url: &str, sql: &str) -> Result<String, String> {
        let mut resp = self
            .agent
            .post(url)
            .send(sql.as_bytes())
            .map_err(|e| format!("no answer: {e}"))?;
        let status = resp.status().as_u16();
        let mut body = String::new();
        resp.body_mut()
            .as_reader()
            .read_to_string(&mut body)
            .map_err(|e| format!("HTTP {status}, unreadable body: {e}"))?;
        if status == 200 {
            Ok(body)
        } else {
            Err(format!("HTTP {status}: {}", body.trim_end()))
        }
    }

    /// Whether `GET /?query=SELECT 1` answers `1` as the flowtrack user.
    fn answers(&self) -> bool {
        let url = format!("{}/?query=SELECT%201", self.base());
        let quick: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        match quick.get(&url).call() {
            Ok(mut resp) if resp.status() == 200 => resp
                .body_mut()
                .read_to_string()
                .is_ok_and(|b| b.trim() == "1"),
            _ => false,
        }
    }

    fn spawn_and_wait(&mut self) -> Result<(), Failure> {
        let dir = self.dir.path();
        // A restart appends: the logs of the first run stay readable.
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("stdout.log"))
            .expect("ClickHouse's output file");
        let err_log = dir.join("server.err.log");
        let logged_before = std::fs::metadata(&err_log).map_or(0, |m| m.len());
        let mut cmd = Command::new(&self.bin);
        // The single `clickhouse` binary takes the tool as its first word.
        if self.bin.file_name().is_some_and(|n| n == "clickhouse") {
            cmd.arg("server");
        }
        let child = cmd
            .arg(format!(
                "--config-file={}",
                dir.join("config.xml").display()
            ))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("clone output file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}; {HOW_TO_GET_IT}", self.bin.display()));
        self.child = Some(child);
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if self.answers() {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                // Only this run's errors: a retry's log holds the last one's.
                let logged = std::fs::read(&err_log).unwrap_or_default();
                let now =
                    String::from_utf8_lossy(logged.get(logged_before as usize..).unwrap_or(&[]));
                return Err(if now.contains("Address already in use") {
                    Failure::PortTaken
                } else {
                    Failure::Exited(status.to_string())
                });
            }
            if Instant::now() > deadline {
                return Err(Failure::NotReady);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn fail(&mut self, failure: &Failure) -> ! {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let what = match failure {
            Failure::PortTaken => "found its ports taken every time".to_string(),
            Failure::Exited(status) => format!("exited ({status})"),
            Failure::NotReady => format!("did not answer within {READY_WITHIN:?}"),
        };
        panic!(
            "ClickHouse ({}) {what}; its logs end with:\n{}",
            self.bin.display(),
            self.logs_tail()
        );
    }

    /// The last lines of the server's output and logs (stack-trace lines
    /// of the error log left out), for a failure's message.
    fn logs_tail(&self) -> String {
        let mut out = String::new();
        for name in ["stdout.log", "server.err.log", "server.log"] {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim().is_empty() && !is_stack_frame(l))
                .collect();
            let tail = &lines[lines.len().saturating_sub(15)..];
            out.push_str(&format!("--- {name}\n{}\n", tail.join("\n")));
        }
        out
    }

    fn write_config(&self) {
        let dir = self.dir.path();
        let d = |sub: &str| format!("{}/{sub}/", dir.display());
        let config = format!(
            r#"<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><console>0</console>
        <log>{log}</log><errorlog>{errorlog}</errorlog></logger>
    <http_port>{http}</http_port>
    <tcp_port>{tcp}</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <max_connections>64</max_connections>
    <!-- A SIGTERM waits for idle keep-alive connections (10 s by default
         in 18.16): the outage tests stop a server the app is connected to. -->
    <keep_alive_timeout>3</keep_alive_timeout>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <path>{data}</path>
    <tmp_path>{tmp}</tmp_path>
    <user_files_path>{user_files}</user_files_path>
    <format_schema_path>{format_schemas}</format_schema_path>
    <users_config>{users}</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
</yandex>
"#,
            log = dir.join("server.log").display(),
            errorlog = dir.join("server.err.log").display(),
            http = self.http_port,
            tcp = self.tcp_port,
            data = d("data"),
            tmp = d("tmp"),
            user_files = d("user_files"),
            format_schemas = d("format_schemas"),
            users = dir.join("users.xml").display(),
        );
        let users = format!(
            r#"<?xml version="1.0"?>
<yandex>
    <profiles><default>
        <max_memory_usage>2000000000</max_memory_usage>
        <background_pool_size>{BACKGROUND_POOL}</background_pool_size>
    </default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <{USER}>
            <password>{PASSWORD}</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </{USER}>
    </users>
    <quotas><default><interval><duration>3600</duration>
        <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
        <read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default></quotas>
</yandex>
"#
        );
        std::fs::write(dir.join("config.xml"), config).expect("write config.xml");
        std::fs::write(dir.join("users.xml"), users).expect("write users.xml");
    }
}

/// Merge threads per server: the default 16 would be a dozen more idle
/// threads times the servers of a parallel test run.
const BACKGROUND_POOL: u32 = 4;

enum Failure {
    PortTaken,
    Exited(String),
    NotReady,
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        // Nothing to keep: SIGKILL, and the temp dir goes with `dir`.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Two distinct ports the system had free a moment ago.
fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let ports = (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    );
    drop((a, b));
    ports
}

/// `FLOWTRACK_CLICKHOUSE_SERVER`, else `clickhouse-server` on PATH, else
/// where Debian's package puts it, else the single `clickhouse` binary.
fn server_binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("FLOWTRACK_CLICKHOUSE_SERVER") {
        return Some(PathBuf::from(bin));
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("clickhouse-server"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse"]
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
            .map(Path::to_path_buf)
    })
}

/// `12. /lib/x86_64-linux-gnu/libc.so.6(+0x891f5) [0x7efe...]`
fn is_stack_frame(line: &str) -> bool {
    let t = line.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && t[digits..].starts_with(". ")
}
