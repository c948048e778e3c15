//! The binary is one self-contained file (README "The first build"):
//! copied alone to an empty folder and started from another one,
//! it serves the dashboard, answers /health, creates its database where
//! `--db` says, and what it embeds works: the schema, the currency rates,
//! the time zones and the country database.
use crate::common::{http, server::free_port, Resp, CHROME_UA};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> Resp {
    http(port, "GET", path, headers, b"").unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn api(port: u16, token: &str, function: &str, query: &str) -> serde_json::Value {
    let r = get(
        port,
        &format!("/api/tracker/{function}.json?id={token}&{query}"),
        &[],
    );
    let v = r.json();
    assert_eq!(v["status"], "ok", "{function}.json?{query}: {v}");
    v
}

/// The files of a folder, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_binary_copied_alone_to_another_folder_serves_everything() {
    // Three folders of their own: the binary, the working directory and
    // the database, none of them the repository.
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let bin = home.path().join("flowtrack");
    std::fs::copy(env!("CARGO_BIN_EXE_flowtrack"), &bin).unwrap();
    let db = data.path().join("track.db");
    let port = free_port();
    let child = Command::new(&bin)
        .current_dir(work.path())
        // Nothing from the test's environment (FLOWTRACK_*, RUST_LOG).
        .env_clear()
        .args(["--db", db.to_str().unwrap()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        // The visitor address from X-Forwarded-For, to try the country
        // database below.
        .args(["--trust-proxy", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the copied binary");
    let mut server = Running(child);

    // A new database prints the first user's token once. Standard output
    // is read to its end, so that the server never writes to a closed pipe.
    let stdout = server.0.stdout.take().unwrap();
    let (to, tokens) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = line.trim().strip_prefix("token:") {
                let _ = to.send(t.trim().to_string());
            }
        }
    });
    let token = tokens
        .recv_timeout(Duration::from_secs(20))
        .expect("the first start prints the admin token");

    let deadline = Instant::now() + Duration::from_secs(20);
    while !http(port, "GET", "/health", &[], b"").is_ok_and(|r| r.status == 200) {
        assert!(Instant::now() < deadline, "the copied binary did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(get(port, "/health", &[]).text(), "ok");

    // The dashboard's files come from inside the binary, byte for byte.
    let static_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    for (path, file) in [("/app/", "index.html"), ("/app/app.js", "app.js")] {
        let r = get(port, path, &[]);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(
            r.body,
            std::fs::read(static_dir.join(file)).unwrap(),
            "{path} is static/{file}"
        );
    }

    // The database is where --db says, and nowhere else.
    assert!(db.is_file(), "{} was not created", db.display());
    assert_eq!(
        names(work.path()),
        Vec::<String>::new(),
        "working directory"
    );
    assert_eq!(names(home.path()), vec!["flowtrack"], "binary's folder");

    // Embedded schema, rates and time zones answer through the API.
    let profile = api(port, &token, "profile", "timezone=Asia/Kolkata");
    assert_eq!(profile["timezone"], "Asia/Kolkata", "{profile}");
    let rates = api(port, &token, "rates", "");
    assert!(rates["rates"]["eur"].as_f64().is_some(), "{rates}");

    // The bundled country database: a click from 8.8.8.8 is from the US.
    api(
        port,
        &token,
        "flow",
        "flow=alone&ways=%5B%7B%22url%22%3A%22https%3A%2F%2Foffer.example%2F%22%7D%5D",
    );
    let click = get(
        port,
        "/alone?subid=s1",
        &[("User-Agent", CHROME_UA), ("X-Forwarded-For", "8.8.8.8")],
    );
    assert_eq!(click.status, 302, "{}", click.text());
    let clicks = api(port, &token, "clicks", "flow=alone");
    assert_eq!(clicks["clicks"][0]["geo"], "us", "{clicks}");
}
