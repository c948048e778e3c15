//! Test harness: the real application on port 0 with a temporary SQLite
//! file, and a tiny raw HTTP/1.1 client (so tests can send anything:
//! malformed bodies, bad UTF-8, odd headers) with no extra dependencies.
#![allow(dead_code)]
pub mod alone;
pub mod clickhouse;
pub mod fixtures;
pub mod flood;
pub mod receiver;
pub mod server;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

pub const CHROME_UA: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
pub const IPHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

/// Percent-encodes one query or form value (`+` would otherwise arrive as a
/// space, as in `Etc/GMT+12`).
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub struct TestApp {
    pub port: u16,
    pub token: String,
    pub db: PathBuf,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Starts the application like `flowtrack serve` does, on port 0.
pub fn spawn_app() -> TestApp {
    spawn_with(|_| {})
}

pub fn spawn_with(tweak: impl FnOnce(&mut flowtrack::config::Config) + Send + 'static) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("test.db");
    start(db, dir, tweak)
}

fn start(
    db: PathBuf,
    dir: tempfile::TempDir,
    tweak: impl FnOnce(&mut flowtrack::config::Config) + Send + 'static,
) -> TestApp {
    let (tx, rx) = std::sync::mpsc::channel();
    let db2 = db.clone();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let mut config = flowtrack::config::Config::for_db(&db2);
            tweak(&mut config);
            let config_db = config.db.clone();
            let app = flowtrack::Application::build(config).expect("build app");
            tx.send((app.port(), app.handle(), config_db, app.refilled()))
                .unwrap();
            app.run().await.expect("run");
        })
    });
    // The tweak may point the app at another file.
    let (port, handle, db, refilled) = rx.recv().expect("app started");
    // The visitor memory is refilled beside live traffic; a test that
    // restarts must not race it (a returning visitor would count as new).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !refilled.load(std::sync::atomic::Ordering::Acquire) {
        assert!(
            std::time::Instant::now() < deadline,
            "visitor memory not refilled"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let token = known_token(&db, "admin").unwrap_or_default();
    TestApp {
        port,
        token,
        db,
        handle,
        thread: Some(thread),
        _dir: dir,
    }
}

impl TestApp {
    /// Sends one raw request and reads the whole answer.
    pub fn raw(&self, request: &[u8]) -> Resp {
        raw_request(self.port, request).expect("request")
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        http(self.port, method, path, headers, body).expect("request")
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], b"")
    }

    /// A click from a desktop Chrome with the given extra headers.
    pub fn click(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut h = vec![("User-Agent", CHROME_UA)];
        h.extend_from_slice(headers);
        self.request("GET", path, &h, b"")
    }

    /// GET /api/tracker/{func}.json?id=TOKEN&{query}
    pub fn api(&self, func: &str, query: &str) -> Value {
        self.api_as(&self.token, func, query)
    }

    pub fn api_as(&self, token: &str, func: &str, query: &str) -> Value {
        let r = self.get(&format!("/api/tracker/{func}.json?id={token}&{query}"));
        assert_eq!(r.status, 200, "{func}: {}", r.text());
        r.json()
    }

    /// POST a form body (token in the query).
    pub fn api_form(&self, func: &str, form: &str) -> Value {
        let r = self.request(
            "POST",
            &format!("/api/tracker/{func}.json?id={}", self.token),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        );
        assert_eq!(r.status, 200);
        r.json()
    }

    /// POST a JSON body with the token as a Bearer header.
    pub fn api_json(&self, func: &str, body: &Value) -> Value {
        self.api_json_as(&self.token, func, body)
    }

    pub fn api_json_as(&self, token: &str, func: &str, body: &Value) -> Value {
        let auth = format!("Bearer {token}");
        let r = self.request(
            "POST",
            &format!("/api/tracker/{func}.json"),
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            body.to_string().as_bytes(),
        );
        assert_eq!(r.status, 200);
        r.json()
    }

    /// Creates another user through the CLI code path; returns its token.
    pub fn add_user(&self, name: &str) -> String {
        let conn = flowtrack::db::open(&self.db).unwrap();
        flowtrack::accounts::create_user(&conn, name).unwrap().token
    }

    pub fn db(&self) -> rusqlite::Connection {
        flowtrack::db::open(&self.db).unwrap()
    }

    /// Creates a site and a flow whose ways point at `urls` (weight 1
    /// each); returns the ways' ids.
    pub fn flow_with_urls(&self, flow: &str, urls: &[&str]) -> Vec<i64> {
        let ways: Vec<Value> = urls.iter().map(|u| serde_json::json!({"url": u})).collect();
        let r = self.api_json("flow", &serde_json::json!({"flow": flow, "ways": ways}));
        assert_eq!(r["status"], "ok", "{r}");
        r["ways"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_i64().unwrap())
            .collect()
    }

    /// Stops the server like SIGTERM does and waits for it to finish.
    /// Returns the database file, which outlives the app (its folder is
    /// kept) so that a test can restart on it.
    pub fn stop(mut self) -> PathBuf {
        self.shutdown();
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().unwrap());
        let _ = dir.keep();
        self.db.clone()
    }

    fn shutdown(&mut self) {
        if let Some(t) = self.thread.take() {
            futures_lite_block(self.handle.stop(true));
            let _ = t.join();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Restarts an app on an existing database file (after `stop`).
pub fn restart(db: PathBuf) -> TestApp {
    restart_with(db, |_| {})
}

/// The same with the configuration changed by `tweak`.
pub fn restart_with(
    db: PathBuf,
    tweak: impl FnOnce(&mut flowtrack::config::Config) + Send + 'static,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    start(db, dir, tweak)
}

fn futures_lite_block<F: std::future::Future>(f: F) -> F::Output {
    actix_web::rt::System::new().block_on(f)
}

/// Sends raw bytes to 127.0.0.1:port and reads the whole answer; an error
/// when the server is gone (crash tests expect that).
pub fn raw_request(port: u16, request: &[u8]) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    s.write_all(request)?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    if !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        return Err(std::io::Error::other("no complete response"));
    }
    Ok(parse_response(&buf))
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw_request(port, &bytes)
}

fn parse_response(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 4 + size..];
    }
    out
}

/// For `spawn_with`: behind Cloudflare (README "Behind Caddy or nginx"),
/// the visitor IP from `CF-Connecting-IP` and the country from
/// `CF-IPCountry`, the one setup where that header is believed.
pub fn behind_cloudflare(c: &mut flowtrack::config::Config) {
    c.trust_proxy = true;
    c.ip_header = "CF-Connecting-IP".parse().unwrap();
}

/// The plaintext API token of `user` for tests, or None without such a
/// user. Only its hash is stored (README "Credentials"), so the harness
/// makes the token itself from the install's secret and the name: a
/// restart or a backup copy of the database has the same token, another
/// database another. Stored (hashed) when the user does not have it yet.
pub fn known_token(db: &std::path::Path, user: &str) -> Option<String> {
    let conn = flowtrack::db::open(db).unwrap();
    let id = flowtrack::accounts::user_id(&conn, user).unwrap()?;
    let keys = flowtrack::accounts::keys::Keys::load(&conn).unwrap();
    let token = keys.token_hash(&format!("test harness token of {user}"))[..32].to_string();
    let stored: String = conn
        .query_row("SELECT token_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    if stored != keys.token_hash(&token) {
        flowtrack::accounts::set_api_token(&conn, id, &token).unwrap();
    }
    Some(token)
}

/// Runs the real binary on `db` and answers the last line of its output
/// (a secret the CLI prints is alone on the last line).
pub fn cli_last_line(db: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run flowtrack");
    assert!(out.status.success(), "{args:?}: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout.lines().last().unwrap_or("").trim().to_string()
}
