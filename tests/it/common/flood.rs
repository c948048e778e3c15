//! A click flood for the writer tests: client threads sending `GET
//! /{flow}` on keep-alive connections (many times the rate of one
//! connection per request), each tallying how its clicks were answered,
//! and a prober timing out `/health` (`use crate::common::flood;`).
#![allow(dead_code)]
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the clicks of a flood were answered.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    /// 302 answers: clicks the tracker says it stored.
    pub redirects: u64,
    /// 503 answers that carried a Retry-After header.
    pub refused: u64,
    /// Anything else (status and a bit of the body), and time-outs.
    pub other: Vec<String>,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.redirects += o.redirects;
        self.refused += o.refused;
        self.other.extend(o.other);
    }
}

pub struct Flood {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    threads: Vec<JoinHandle<Tally>>,
}

/// One answer read off a keep-alive connection: status, Retry-After.
fn answer(r: &mut BufReader<TcpStream>) -> std::io::Result<(u16, bool, String)> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::Error::other("connection closed"));
    }
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let (mut len, mut retry) = (0usize, false);
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        retry |= lower.starts_with("retry-after:");
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok((status, retry, String::from_utf8_lossy(&body).into_owned()))
}

/// Sends clicks on one connection (a new one after an error) until told
/// to stop or `left` runs out; a read waits at most `timeout`.
fn client(
    port: u16,
    path: String,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    limit: u64,
    timeout: Duration,
) -> Tally {
    let mut t = Tally::default();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {}\r\n\r\n",
        super::CHROME_UA
    );
    'connect: while !stop.load(Ordering::Relaxed) {
        let Ok(s) = TcpStream::connect(("127.0.0.1", port)) else {
            t.other.push("connect failed".into());
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        s.set_read_timeout(Some(timeout)).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        while !stop.load(Ordering::Relaxed) {
            if sent.fetch_add(1, Ordering::Relaxed) >= limit {
                stop.store(true, Ordering::Relaxed);
                break 'connect;
            }
            if w.write_all(request.as_bytes()).is_err() {
                t.other.push("write failed".into());
                continue 'connect;
            }
            match answer(&mut r) {
                Ok((302, _, _)) => t.redirects += 1,
                Ok((503, true, _)) => t.refused += 1,
                Ok((status, _, body)) => t
                    .other
                    .push(format!("{status} {}", &body[..body.len().min(80)])),
                Err(e) => {
                    t.other.push(format!("no answer: {e}"));
                    continue 'connect;
                }
            }
        }
    }
    t
}

impl Flood {
    /// `threads` clients clicking `path` until [`Flood::stop`] or until
    /// `limit` clicks were sent in all; each waits at most `timeout` for
    /// an answer.
    pub fn start(port: u16, path: &str, threads: usize, limit: u64, timeout: Duration) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let threads = (0..threads)
            .map(|_| {
                let (stop, sent, path) = (stop.clone(), sent.clone(), path.to_string());
                std::thread::spawn(move || client(port, path, stop, sent, limit, timeout))
            })
            .collect();
        Flood {
            stop,
            sent,
            threads,
        }
    }

    /// Whether the flood has sent its `limit` (or was stopped).
    pub fn finished(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Clicks sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Stops the clients and sums their answers.
    pub fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for t in self.threads {
            all.add(t.join().unwrap());
        }
        all
    }
}

/// Asks `/health` every few milliseconds; each answer must come within
/// `timeout`. Answers the failures (time-outs, other answers) and the
/// number of probes once stopped.
pub struct Prober {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(Vec<String>, u64)>,
}

impl Prober {
    pub fn start(port: u16, timeout: Duration) -> Prober {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut failures, mut probes) = (Vec::new(), 0);
            while !flag.load(Ordering::Relaxed) {
                probes += 1;
                let started = Instant::now();
                match probe(port, timeout) {
                    Ok(200) => {}
                    Ok(status) => failures.push(format!("status {status}")),
                    Err(e) => {
                        failures.push(format!("no answer after {:?}: {e}", started.elapsed()))
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (failures, probes)
        });
        Prober { stop, thread }
    }

    pub fn stop(self) -> (Vec<String>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

fn probe(port: u16, timeout: Duration) -> std::io::Result<u16> {
    let s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(timeout))?;
    let mut w = s.try_clone()?;
    w.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut r = BufReader::new(s);
    answer(&mut r).map(|(status, _, _)| status)
}

/// `GET path` answered within `timeout` (longer than the harness's own
/// 20 s, for calls that wait for the writer's slices): the JSON body.
pub fn get_json(port: u16, path: &str, timeout: Duration) -> std::io::Result<serde_json::Value> {
    let s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(timeout))?;
    let mut w = s.try_clone()?;
    w.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut r = BufReader::new(s);
    let (status, _, body) = answer(&mut r)?;
    if status != 200 {
        return Err(std::io::Error::other(format!("status {status}: {body}")));
    }
    serde_json::from_str(&body).map_err(std::io::Error::other)
}
