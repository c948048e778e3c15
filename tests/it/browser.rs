//! The dashboard (SPEC 6) in headless Chromium: log-in, statistics totals
//! against stats.json, grouping by country, creating a flow through the
//! form, the leads and click log pages, the profile's postback URLs, the
//! phone layout, a traffic source made on the Sources page and named on
//! that flow, its tracking link with the source's macros and copy button
//! (tests/browser/sources.mjs), and hostile click/lead values staying
//! text (no XSS); the
//! tracker features (tests/browser/features.mjs: formatted money, filter
//! chips, column chooser, chart axes, drill-down, a losing flow) and every
//! page at 1280 and 375 px (tests/browser/pages.mjs). The Postbacks page
//! and the source editor's postback template run on an app of their own
//! (browser/postbacks.rs), the landing-page funnel too (browser/landing.rs).
//!
//! The browser side is tests/browser/dashboard.mjs (playwright-core
//! driving Debian's /usr/bin/chromium; `npm ci --prefix tests/browser`
//! installs it, and this test runs that itself when the package is
//! missing). Screenshots (the test's artifacts, one per page and width and
//! one per feature, fail-*.png for a failed step) go to
//! target/browser-shots/ of this checkout, or to FLOWTRACK_SHOTS; each run
//! clears the old ones. Without Chromium or Node the test fails and says
//! how to install them: it never passes without having driven the browser.
use crate::common;
use crate::common::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod landing;
mod postbacks;

const XSS_IMG: &str = "<img src=x onerror=\"window.__xss=1\">";
const XSS_SCRIPT: &str = "<script>window.__xss=2</script>";
const XSS_SVG: &str = "<svg onload=window.__xss=3>";

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FLOWTRACK_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.exists());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn node_works() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Makes sure the browser can run: Chromium and Node must be there (the
/// test fails saying how to get them); the npm package is installed here
/// when missing, as `.ci/run` does.
fn prepare(dir: &Path) {
    assert!(
        chromium().is_some(),
        "the dashboard test needs Chromium: apt-get install -y chromium \
         (or set FLOWTRACK_CHROMIUM to its path)"
    );
    assert!(
        node_works(),
        "the dashboard test needs Node.js and npm: apt-get install -y nodejs npm"
    );
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "could not install the test's Node package: run npm ci --prefix tests/browser"
        );
    }
}

/// `flowtrack demo` on a fresh file, as an operator would run it; returns
/// the demo user's password and token from its output.
fn fill_demo(db: &Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "demo",
            "--clicks",
            "20000",
            "--days",
            "30",
        ])
        .output()
        .expect("run flowtrack demo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "flowtrack demo failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A fresh file also prints admin's password first: take the one after `user: demo`.
    let demo = stdout.split("user: demo").nth(1).expect("demo output");
    let password = demo
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("demo password")
        .trim()
        .to_string();
    let token = stdout
        .lines()
        .last()
        .expect("token line")
        .trim()
        .to_string();
    (password, token)
}

/// A click and a lead carrying markup, made before the browser runs.
fn hostile_data(app: &TestApp, token: &str) {
    let ua = format!("Mozilla/5.0 {XSS_SCRIPT}");
    let referer = format!("https://ref.example/{XSS_SCRIPT}");
    let r = app.request(
        "GET",
        &format!(
            "/demo-fb?utm_source={}&subid=xss-probe",
            common::enc(XSS_IMG)
        ),
        &[("User-Agent", &ua), ("Referer", &referer)],
        b"",
    );
    assert_eq!(r.status, 302, "the hostile click was not redirected");
    let log = app.api_as(token, "clicks", "subid=xss-probe");
    let clicks = log["clicks"].as_array().expect("clicks.json answer");
    assert_eq!(clicks.len(), 1, "{log}");
    assert_eq!(clicks[0]["utm_source"], XSS_IMG, "{log}");
    assert_eq!(clicks[0]["ua"], ua.as_str(), "{log}");
    let click = clicks[0]["click"].as_str().unwrap().to_string();
    let pb = app.api_as(
        token,
        "postback",
        &format!(
            "click={click}&status=new&goal=lead&name={}",
            common::enc(XSS_SVG)
        ),
    );
    assert_eq!(pb["status"], "ok", "{pb}");
}

/// Runs the node script with a time limit; returns (exit ok, output).
fn run_script(dir: &Path, script: &str, args: &[String]) -> (bool, String) {
    let mut child = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    // The script stops itself after 200 s; this is the backstop.
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = t_out.join().unwrap() + &t_err.join().unwrap();
    (status.is_some_and(|s| s.success()), text)
}

#[test]
fn dashboard_works_in_a_real_browser_and_shows_hostile_data_as_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/browser");
    prepare(&dir);

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("browser.db");
    let (password, token) = fill_demo(&db);
    let app = restart(db);
    hostile_data(&app, &token);

    // In the checkout, not CARGO_TARGET_DIR: checkouts sharing a target
    // directory would mix their screenshots.
    let shots = std::env::var_os("FLOWTRACK_SHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/browser-shots"));
    let args: Vec<String> = [
        "--url",
        &format!("http://127.0.0.1:{}", app.port),
        "--user",
        "demo",
        "--password",
        &password,
        "--shots",
        shots.to_str().unwrap(),
        "--chromium",
        chromium().unwrap().to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (ok, output) = run_script(&dir, "dashboard.mjs", &args);
    println!("{output}");
    assert!(
        ok,
        "the browser test failed (output above; screenshots in {})",
        shots.display()
    );
}
