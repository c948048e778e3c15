//! `--help` of each command lists the options that command reads, and
//! every argument and command says what it is (README "Running").
use crate::common;
use crate::common::server::free_port;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .args(args)
        .arg("--help")
        .env_clear()
        .output()
        .expect("run flowtrack");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The long names of the options a help text lists.
fn options(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .strip_prefix("--")
                .or_else(|| l.split(", --").nth(1))
        })
        .map(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    found.sort();
    found
}

/// Every entry of the Commands, Arguments and Options sections (a
/// command, `<ARG>` or `-x`/`--name`) has a description, on its line or
/// on the next (the long help's layout).
fn assert_described(what: &[&str], text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let mut commands = false;
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with(' ') {
            commands = *line == "Commands:";
            continue;
        }
        let entry = line.trim_start();
        let indent = line.len() - entry.len();
        let is_entry = indent <= 6 && (entry.starts_with(['-', '<', '[']) || commands);
        if !is_entry {
            continue;
        }
        let described = entry.contains("  ")
            || lines.get(i + 1).is_some_and(|next| {
                let text = next.trim_start();
                !text.is_empty() && next.len() - text.len() > indent && !text.starts_with('-')
            });
        assert!(described, "{what:?}: `{entry}` has no description:\n{text}");
    }
}

const SERVER: [&str; 14] = [
    "clickhouse",
    "geoip",
    "ip-header",
    "keep-days",
    "listen",
    "merge-after-secs",
    "node",
    "postback-log-days",
    "public-url",
    "read-timeout-ms",
    "reports",
    "ship-interval-ms",
    "trust-proxy",
    "trusted-proxies",
];

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn each_command_lists_only_the_options_it_reads() {
    let mut serve = vec!["db", "help", "version"];
    serve.extend(SERVER);
    let commands: [(&[&str], Vec<&str>); 9] = [
        (&[], serve.clone()),
        (
            &["serve"],
            serve.iter().copied().filter(|o| *o != "version").collect(),
        ),
        (&["user"], vec!["db", "help"]),
        (&["user", "add"], vec!["db", "help"]),
        (&["user", "token"], vec!["db", "help"]),
        (&["user", "password"], vec!["db", "help"]),
        (&["demo"], vec!["clicks", "days", "db", "help"]),
        (&["backup"], vec!["db", "help"]),
        (&["rates"], vec!["db", "help"]),
    ];
    for (args, want) in commands {
        let text = help(args);
        assert_eq!(options(&text), sorted(&want), "{args:?}:\n{text}");
        assert_described(args, &text);
        if args.first().is_some_and(|a| *a != "serve") {
            assert!(!text.contains("FLOWTRACK_LISTEN"), "{args:?}:\n{text}");
        } else {
            for env in [
                "FLOWTRACK_DB",
                "FLOWTRACK_LISTEN",
                "FLOWTRACK_READ_TIMEOUT_MS",
            ] {
                assert!(text.contains(env), "{args:?} {env}:\n{text}");
            }
        }
    }
    // Positional arguments are described too.
    for (args, arg) in [
        (&["backup"][..], "<FILE>"),
        (&["rates"], "<FILE>"),
        (&["user", "add"], "<NAME>"),
    ] {
        let text = help(args);
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(arg))
            .unwrap_or_else(|| panic!("{args:?}: no {arg}:\n{text}"));
        assert!(line.trim_start().len() > arg.len() + 4, "{args:?}:\n{text}");
    }
}

#[test]
fn a_server_option_is_refused_by_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    for args in [
        &["user", "add", "bob", "--listen", "127.0.0.1:1"][..],
        &["--listen", "127.0.0.1:1", "user", "add", "bob"],
        &["backup", "--trust-proxy", "copy.db"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--listen") || err.contains("--trust-proxy"),
            "{err}"
        );
    }
    assert!(
        !db.exists(),
        "a refused command must not create the database"
    );
}

/// Starts the binary with `args` (its port in `{port}`) and waits for
/// /health; kills it after.
fn serves(args: &[&str], env: &[(&str, String)]) -> bool {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            a.replace("{port}", &port.to_string())
                .replace("{db}", db.to_str().unwrap())
        })
        .collect();
    let env: Vec<(&str, String)> = env
        .iter()
        .map(|(k, v)| (*k, v.replace("{port}", &port.to_string())))
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .args(&args)
        .envs(env)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut up = false;
    while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        if common::http(port, "GET", "/health", &[], b"").is_ok_and(|r| r.status == 200) {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    up
}

#[test]
fn the_server_takes_its_options_before_or_after_serve_or_without_it() {
    let listen = "127.0.0.1:{port}";
    for args in [
        &["--listen", listen][..],
        &["--db", "{db}", "--listen", listen, "serve"],
        &["--db", "{db}", "serve", "--listen", listen],
        &["serve", "--db", "{db}", "--listen", listen],
        &["--listen", "127.0.0.1:1", "serve", "--listen", listen],
    ] {
        assert!(serves(args, &[]), "{args:?}");
    }
    let env = [("FLOWTRACK_LISTEN", listen.to_string())];
    assert!(serves(&["serve"], &env), "FLOWTRACK_LISTEN");
    let wrong = [("FLOWTRACK_LISTEN", "127.0.0.1:1".to_string())];
    assert!(
        serves(&["--listen", listen, "serve"], &wrong),
        "--listen over the env"
    );
}
