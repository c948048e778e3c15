//! SPEC 2: "A click that the tracker answered is never lost: it is in the
//! database once the process has shut down cleanly." Clients click as fast
//! as they can while the server stops; every click id they got back (from
//! the Location of `https://t.test/?c={click}`) must be in the file.
use crate::common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SITE: &str = "https://t.test/?c={click}";

/// One request on its own connection; any failure is an error (a server
/// that is stopping may refuse or drop us: such a click was not answered).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no response head"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, head.to_string(), body.to_string()))
}

/// The click id of an answered click, from its Location header.
fn answered_click(port: u16, flow: &str) -> Option<String> {
    let (status, head, _) = http(
        port,
        "GET",
        &format!("/{flow}"),
        &[("User-Agent", CHROME_UA)],
        b"",
    )
    .ok()?;
    if status != 302 {
        return None;
    }
    head.lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .and_then(|loc| loc.trim().strip_prefix("https://t.test/?c="))
        .map(str::to_string)
}

/// Starts `threads` clients clicking until `stop` is set; returns their
/// answered click ids when joined.
fn clickers(
    port: u16,
    flow: &'static str,
    threads: usize,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<Vec<String>>> {
    (0..threads)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    if let Some(id) = answered_click(port, flow) {
                        ids.push(id);
                    }
                }
                ids
            })
        })
        .collect()
}

/// Every answered click is a row with the same key and secret.
fn assert_all_stored(db: &Path, ids: &[String]) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let total: i64 = conn
        .query_row("SELECT count(*) FROM clicks", [], |r| r.get(0))
        .unwrap();
    assert!(
        total as usize >= ids.len(),
        "{total} rows for {} answered clicks",
        ids.len()
    );
    let mut st = conn
        .prepare("SELECT secret FROM clicks WHERE id = ?1")
        .unwrap();
    let mut missing = 0;
    for id in ids {
        let (key, secret) =
            flowtrack::clicks::id::decode(id).unwrap_or_else(|| panic!("bad click id {id}"));
        match st.query_row([key], |r| r.get::<_, i64>(0)) {
            Ok(s) => assert_eq!(s, secret, "{id}"),
            Err(_) => missing += 1,
        }
    }
    assert_eq!(
        missing,
        0,
        "{missing} of {} answered clicks are not in the database",
        ids.len()
    );
}

#[test]
fn a_clean_shutdown_under_load_loses_no_answered_click() {
    let app = spawn_app();
    let site = app.api_json("site", &json!({"url": SITE}));
    let r = app.api_json(
        "flow",
        &json!({"flow": "sd", "ways": [{"site": site["site"]}]}),
    );
    assert_eq!(r["status"], "ok");
    let port = app.port;
    let stop = Arc::new(AtomicBool::new(false));
    let handles = clickers(port, "sd", 4, stop.clone());
    std::thread::sleep(Duration::from_millis(400));
    // What SIGTERM does: stop serving, then commit every queued click.
    let db = app.stop();
    stop.store(true, Ordering::Relaxed);
    let ids: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    eprintln!("{} clicks answered before the stop", ids.len());
    assert!(ids.len() > 20, "only {} clicks answered", ids.len());
    assert_all_stored(&db, &ids);
    // The restarted app shows them in the click log.
    let app = restart(db);
    let logged = app.api("clicks", "limit=10000")["clicks"]
        .as_array()
        .unwrap()
        .len();
    assert!(logged >= ids.len(), "{logged} < {}", ids.len());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn sigterm_to_the_real_binary_exits_cleanly_with_every_answered_click() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bin.db");
    let (_, created) = flowtrack::prepare_database(&db).unwrap();
    let token = created.expect("a new database creates admin").token;
    let port = free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .args(["serve", "--db"])
        .arg(&db)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !matches!(http(port, "GET", "/health", &[], b""), Ok((200, _, ref b)) if b == "ok") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server exited early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let auth = format!("Bearer {token}");
    let body = json!({"flow": "sig", "ways": [{"url": SITE}]}).to_string();
    let (_, _, answer) = http(
        port,
        "POST",
        "/api/tracker/flow.json",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&answer).unwrap()["status"],
        "ok",
        "{answer}"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let handles = clickers(port, "sig", 4, stop.clone());
    std::thread::sleep(Duration::from_millis(400));
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let killed = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if killed.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("flowtrack did not exit within 5 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    stop.store(true, Ordering::Relaxed);
    let ids: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    eprintln!("{} clicks answered before the stop", ids.len());
    assert!(status.success(), "exit status {status}");
    assert!(ids.len() > 20, "only {} clicks answered", ids.len());
    assert_all_stored(&db, &ids);
}
