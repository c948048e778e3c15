//! A traffic source's postback endpoint for the outbound postback tests
//! (docs/API.md "Outbound postbacks"): a plain HTTP/1.1 server on
//! 127.0.0.1:0 that records every request it reads and answers by a mode
//! the test may change at any time. Each connection has its own thread,
//! so a request held open (`Mode::Hang`) blocks nothing else; tests wait
//! for a number of calls with a deadline instead of sleeping.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200 with a small body.
    Ok,
    /// This status with a small body.
    Status(u16),
    /// Holds the connection open without answering until the mode changes
    /// (then it answers by the new mode) or the receiver is dropped.
    Hang,
    /// Closes the connection without answering.
    Close,
}

/// One request as read.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// Path and query as sent on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The status answered (0: none, the connection was closed or held
    /// until the receiver went away).
    pub answered: u16,
    /// When the request had been read.
    pub at: Instant,
}

impl Call {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query's pairs, decoded.
    pub fn query(&self) -> Vec<(String, String)> {
        let q = self.target.split_once('?').map_or("", |(_, q)| q);
        decode_pairs(q.as_bytes())
    }

    /// The value of query parameter `name`, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        find(&self.query(), name)
    }

    /// The body's form pairs, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        decode_pairs(&self.body)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// One line for a failure message: what, when, how answered.
    pub fn describe(&self) -> String {
        format!(
            "{} {} (key {:?}) -> {} at {:?}",
            self.method,
            self.target,
            self.key(),
            self.answered,
            self.at
        )
    }

    /// The `Idempotency-Key` header, or "".
    pub fn key(&self) -> String {
        self.header("idempotency-key").unwrap_or("").to_string()
    }
}

fn decode_pairs(b: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(b).into_owned().collect()
}

/// The first value of `name` among decoded pairs.
pub fn find(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

struct State {
    mode: Mode,
    calls: Vec<Call>,
    /// Requests held open right now.
    hanging: usize,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    gone: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the state from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct Receiver {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Receiver {
    pub fn start(mode: Mode) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                mode,
                calls: Vec::new(),
                hanging: 0,
            }),
            changed: Condvar::new(),
            gone: AtomicBool::new(false),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.gone.load(Ordering::Acquire) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || serve(conn, &s));
            }
        });
        Receiver { port, shared }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Changes how later requests are answered; requests held open by
    /// `Hang` are answered by the new mode unless it is `Hang` again.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().mode = mode;
        self.shared.changed.notify_all();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    pub fn count(&self) -> usize {
        self.shared.lock().calls.len()
    }

    pub fn hanging(&self) -> usize {
        self.shared.lock().hanging
    }

    /// Waits until `done` holds for the calls so far; panics with `what`
    /// and the calls after `limit`.
    pub fn wait_until(&self, limit: Duration, what: &str, done: impl Fn(&[Call]) -> bool) {
        let deadline = Instant::now() + limit;
        let mut st = self.shared.lock();
        while !done(&st.calls) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let seen: Vec<String> = st.calls.iter().map(Call::describe).collect();
                panic!("receiver: waited {limit:?} for {what}; calls: {seen:#?}");
            }
            st = self
                .shared
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Waits for at least `n` calls; answers them all.
    pub fn wait_calls(&self, n: usize, limit: Duration) -> Vec<Call> {
        self.wait_until(limit, &format!("{n} calls"), |c| c.len() >= n);
        self.calls()
    }

    /// Waits until `n` requests are held open at once.
    pub fn wait_hanging(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut st = self.shared.lock();
        while st.hanging < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "receiver: {} requests held, waited {limit:?} for {n}",
                st.hanging
            );
            st = self
                .shared
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.gone.store(true, Ordering::Release);
        self.shared.changed.notify_all();
        // Wakes the accept loop so that it sees `gone` and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Serves one connection: requests until the client closes it, or until
/// an answer that closes it.
fn serve(conn: TcpStream, s: &Shared) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(write) = conn.try_clone() else { return };
    let mut write = write;
    let mut reader = BufReader::new(conn);
    while let Some((mut call, keep_alive)) = read_request(&mut reader) {
        if s.gone.load(Ordering::Acquire) {
            return;
        }
        let mut st = s.lock();
        let index = st.calls.len();
        call.answered = 0;
        st.calls.push(call);
        s.changed.notify_all();
        let mut mode = st.mode;
        if mode == Mode::Hang {
            st.hanging += 1;
            s.changed.notify_all();
            while st.mode == Mode::Hang && !s.gone.load(Ordering::Acquire) {
                st = s.changed.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.hanging -= 1;
            mode = st.mode;
            if s.gone.load(Ordering::Acquire) {
                return;
            }
        }
        let status = match mode {
            Mode::Ok => 200,
            Mode::Status(code) => code,
            Mode::Hang | Mode::Close => return,
        };
        st.calls[index].answered = status;
        s.changed.notify_all();
        drop(st);
        let body = format!("received {status}");
        let answer = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n{body}",
            reason(status),
            body.len(),
            if keep_alive { "" } else { "Connection: close\r\n" },
        );
        if write.write_all(answer.as_bytes()).is_err() || !keep_alive {
            return;
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request; None at the end of the connection or on garbage.
/// The flag: whether the client keeps the connection open after it.
fn read_request(r: &mut BufReader<TcpStream>) -> Option<(Call, bool)> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let version = parts.next().unwrap_or("HTTP/1.1").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let body = if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(r)?
    } else {
        let len: usize = get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body).ok()?;
        body
    };
    let keep_alive = match get("connection") {
        Some(v) if v.contains("close") => false,
        Some(v) if v.contains("keep-alive") => true,
        _ => version != "HTTP/1.0",
    };
    let call = Call {
        method,
        target,
        headers,
        body,
        answered: 0,
        at: Instant::now(),
    };
    Some((call, keep_alive))
}

fn read_chunked(r: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let mut t = String::new();
                if r.read_line(&mut t).ok()? == 0 || t.trim_end().is_empty() {
                    return Some(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..]).ok()?;
        let mut crlf = [0; 2];
        r.read_exact(&mut crlf).ok()?;
    }
}
