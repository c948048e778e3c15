//! The visitor's address, country and origin behind a reverse proxy
//! (README "Behind Caddy or nginx"): what a client writes into proxy
//! headers must never choose its own IP, country, throttle key, cookie
//! flags or the URLs the tracker hands out.
use crate::common::*;
use serde_json::{json, Value};
use std::process::Command;

/// A trusted proxy in front, with `--ip-header` (None: the default
/// X-Forwarded-For) and `--trusted-proxies`.
fn behind(ip_header: Option<&'static str>, trusted: &'static str) -> TestApp {
    let app = spawn_with(move |c| {
        c.trust_proxy = true;
        if let Some(h) = ip_header {
            c.ip_header = h.parse().unwrap();
        }
        c.trusted_proxies = trusted.parse().unwrap();
    });
    app.flow_with_urls("p1", &["https://t.test/"]);
    app
}

/// The newest click of the admin's log.
fn last_click(app: &TestApp) -> Value {
    let r = app.api("clicks", "limit=1");
    assert_eq!(r["status"], "ok", "{r}");
    r["clicks"][0].clone()
}

/// A click on `path` with these headers; the recorded (ip, geo, filter).
fn seen(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (Value, Value, Value) {
    let r = app.click(path, headers);
    assert!(r.status == 302 || r.status == 404, "{}", r.status);
    let c = last_click(app);
    (c["ip"].clone(), c["geo"].clone(), c["filter"].clone())
}

fn ip(app: &TestApp, headers: &[(&str, &str)]) -> Value {
    seen(app, "/p1", headers).0
}

const XFF: &str = "X-Forwarded-For";

#[test]
fn the_right_most_forwarded_address_wins_over_what_the_client_wrote() {
    let app = behind(None, "");
    // nginx's $proxy_add_x_forwarded_for: the client's own text, then
    // the address nginx saw.
    assert_eq!(ip(&app, &[(XFF, "1.1.1.1, 8.8.8.8")]), "8.8.8.8");
    assert_eq!(ip(&app, &[(XFF, "8.8.8.8")]), "8.8.8.8");
    // Several headers are one list, in order.
    assert_eq!(ip(&app, &[(XFF, "1.1.1.1"), (XFF, "8.8.8.8")]), "8.8.8.8");
    // The socket peer is a trusted hop itself.
    assert_eq!(ip(&app, &[(XFF, "1.1.1.1, 8.8.8.8, 127.0.0.1")]), "8.8.8.8");
    assert_eq!(ip(&app, &[(XFF, "1.1.1.1, ::ffff:8.8.4.4")]), "8.8.4.4");
    assert_eq!(ip(&app, &[(XFF, "1.1.1.1, 2001:db8::1")]), "2001:db8::1");
}

#[test]
fn a_trusted_cdn_hop_is_passed_over_and_only_that() {
    let app = behind(None, "10.9.0.0/16, 192.0.2.7");
    assert_eq!(
        ip(&app, &[(XFF, "1.1.1.1, 8.8.8.8, 10.9.1.1, 192.0.2.7")]),
        "8.8.8.8"
    );
    // Every hop trusted: the left-most of them.
    assert_eq!(ip(&app, &[(XFF, "10.9.0.1, 10.9.0.2")]), "10.9.0.1");
    let plain = behind(None, "");
    assert_eq!(
        ip(&plain, &[(XFF, "1.1.1.1, 8.8.8.8, 10.9.1.1")]),
        "10.9.1.1"
    );
}

#[test]
fn an_unparsable_hop_stops_the_walk_at_the_last_trusted_one() {
    let app = behind(None, "10.9.0.0/16");
    for (xff, want) in [
        ("8.8.8.8, unknown", "127.0.0.1"),
        ("garbage", "127.0.0.1"),
        ("1.1.1.1, 8.8.8.8, , ", "8.8.8.8"),
        ("1.1.1.1, unknown, 10.9.0.5", "10.9.0.5"),
        // Hops with a port or in brackets, as some proxies write them.
        ("1.1.1.1, 8.8.8.8:5678", "8.8.8.8"),
        ("1.1.1.1, [2001:db8::1]:443", "2001:db8::1"),
        ("1.1.1.1, [2001:db8::2]", "2001:db8::2"),
    ] {
        assert_eq!(ip(&app, &[(XFF, xff)]), want, "{xff}");
    }
}

#[test]
fn other_address_headers_are_ignored_under_the_default_header() {
    let app = behind(None, "");
    let spoof = [("X-Real-IP", "5.6.7.8"), ("CF-Connecting-IP", "9.9.9.9")];
    assert_eq!(ip(&app, &spoof), "127.0.0.1");
    assert_eq!(ip(&app, &[spoof[0], spoof[1], (XFF, "8.8.8.8")]), "8.8.8.8");
}

#[test]
fn with_ip_header_only_that_header_counts() {
    let app = behind(Some("X-Real-IP"), "");
    let h = |real: &'static str| {
        [
            ("X-Real-IP", real),
            (XFF, "1.1.1.1"),
            ("CF-Connecting-IP", "9.9.9.9"),
        ]
    };
    assert_eq!(ip(&app, &h("8.8.8.8")), "8.8.8.8");
    assert_eq!(ip(&app, &h(" 8.8.4.4 ")), "8.8.4.4");
    // Its whole value is one address, or it is not believed.
    assert_eq!(ip(&app, &h("1.1.1.1, 8.8.8.8")), "127.0.0.1");
    assert_eq!(ip(&app, &h("unknown")), "127.0.0.1");
    assert_eq!(ip(&app, &[(XFF, "1.1.1.1")]), "127.0.0.1");
    let cf = behind(Some("CF-Connecting-IP"), "");
    assert_eq!(
        ip(
            &cf,
            &[
                ("CF-Connecting-IP", "8.8.8.8"),
                ("X-Real-IP", "5.6.7.8"),
                (XFF, "1.1.1.1")
            ]
        ),
        "8.8.8.8"
    );
}

#[test]
fn cf_ipcountry_counts_only_behind_cloudflare() {
    // A private address: no database knows its country.
    let de = ("CF-IPCountry", "DE");
    let geo = |app: &TestApp, h: &[(&str, &str)]| seen(app, "/p1", h).1;
    assert_eq!(geo(&behind(None, ""), &[(XFF, "10.0.0.1"), de]), false);
    let real = behind(Some("X-Real-IP"), "");
    assert_eq!(geo(&real, &[("X-Real-IP", "10.0.0.1"), de]), false);
    let cf = behind(Some("CF-Connecting-IP"), "");
    assert_eq!(geo(&cf, &[("CF-Connecting-IP", "10.0.0.1"), de]), "de");
    // The database still comes first.
    assert_eq!(geo(&cf, &[("CF-Connecting-IP", "8.8.8.8"), de]), "us");
}

#[test]
fn without_trust_proxy_nothing_is_believed() {
    let app = spawn_with(|c| {
        c.ip_header = "CF-Connecting-IP".parse().unwrap();
        c.trusted_proxies = "127.0.0.0/8".parse().unwrap();
    });
    app.flow_with_urls("p1", &["https://t.test/"]);
    let h = [
        ("CF-Connecting-IP", "8.8.8.8"),
        ("CF-IPCountry", "DE"),
        (XFF, "8.8.4.4"),
        ("X-Real-IP", "9.9.9.9"),
    ];
    assert_eq!(
        seen(&app, "/p1", &h),
        (json!("127.0.0.1"), json!(false), json!(0))
    );
}

#[test]
fn blacklist_and_country_filter_see_the_real_address() {
    let app = behind(None, "");
    app.api_json(
        "flow",
        &json!({"flow": "g1", "geo": ["de"], "ways": [{"url": "https://t.test/"}]}),
    );
    app.api("blacklist", "add=8.8.8.8");
    let filter = |xff: &str| seen(&app, "/g1", &[(XFF, xff), ("CF-IPCountry", "DE")]).2;
    // Blacklisted, whatever the client wrote to the left.
    assert_eq!(filter("193.99.144.80, 8.8.8.8"), 2);
    // A US visitor claiming a German address, or a private one plus a
    // German country header, is still outside the flow's countries.
    assert_eq!(filter("193.99.144.80, 8.8.4.4"), 3);
    assert_eq!(filter("10.0.0.1"), 3);
    assert_eq!(filter("193.99.144.80"), 0);
}

#[test]
fn a_rotated_left_most_address_is_still_the_same_client() {
    // The login throttle keys on the same address as the click log.
    let app = behind(None, "");
    for i in 1..=4 {
        let xff = format!("1.1.1.{i}, 8.8.8.8");
        assert_eq!(ip(&app, &[(XFF, &xff)]), "8.8.8.8", "{xff}");
    }
}

/// The `Set-Cookie` of a new visitor's click.
fn cookie(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let r = app.click("/p1", headers);
    assert_eq!(r.status, 302);
    r.header("set-cookie")
        .expect("a new visitor's cookie")
        .to_string()
}

#[test]
fn the_cookie_is_secure_when_the_visit_came_over_https() {
    let https = ("X-Forwarded-Proto", "https");
    let trusted = behind(None, "");
    assert!(cookie(&trusted, &[https]).ends_with("; Secure"));
    assert!(cookie(&trusted, &[("X-Forwarded-Proto", "HTTPS")]).ends_with("; Secure"));
    assert!(!cookie(&trusted, &[]).contains("Secure"));
    assert!(!cookie(&trusted, &[("X-Forwarded-Proto", "http")]).contains("Secure"));
    let untrusted = spawn_app();
    untrusted.flow_with_urls("p1", &["https://t.test/"]);
    assert!(!cookie(&untrusted, &[https]).contains("Secure"));
    let public = spawn_with(|c| c.public_url = Some("https://track.example.com".parse().unwrap()));
    public.flow_with_urls("p1", &["https://t.test/"]);
    assert!(cookie(&public, &[]).ends_with("; Secure"));
}

/// profile.json's postback URL, asked with these headers.
fn postback(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let path = format!("/api/tracker/profile.json?id={}", app.token);
    let r = app.request("GET", &path, headers, b"").json();
    assert_eq!(r["status"], "ok", "{r}");
    r["postback"].as_str().unwrap().to_string()
}

#[test]
fn the_postback_url_comes_from_public_url_or_the_host() {
    let spoof = [
        ("X-Forwarded-Host", "evil.test"),
        ("Forwarded", "for=1.1.1.1;host=evil2.test;proto=https"),
        ("X-Forwarded-Proto", "https"),
    ];
    let public = spawn_with(|c| {
        c.trust_proxy = true;
        c.public_url = Some("https://track.example.com/".parse().unwrap());
    });
    let url = postback(&public, &spoof);
    assert!(
        url.starts_with("https://track.example.com/api/tracker/postback.json?"),
        "{url}"
    );
    let untrusted = spawn_app();
    let url = postback(&untrusted, &spoof);
    let host = format!(
        "http://127.0.0.1:{}/api/tracker/postback.json?",
        untrusted.port
    );
    assert!(url.starts_with(&host), "{url}");
    // A trusted proxy gives the scheme, never another host.
    let trusted = behind(None, "");
    let url = postback(&trusted, &spoof);
    let host = format!(
        "https://127.0.0.1:{}/api/tracker/postback.json?",
        trusted.port
    );
    assert!(url.starts_with(&host), "{url}");
    assert!(!url.contains("evil"), "{url}");
}

/// Runs the binary with these options and environment; (success, stderr).
fn flowtrack(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .args(["--db", db.to_str().unwrap()])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run flowtrack");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_proxy_options_stop_the_start_with_a_clear_error() {
    for (args, env, names) in [
        (
            &["--trusted-proxies", "10.0.0.0/33"][..],
            &[][..],
            "--trusted-proxies",
        ),
        (
            &[],
            &[("FLOWTRACK_TRUSTED_PROXIES", "10.0.0.1, nonsense")][..],
            "nonsense",
        ),
        (&["--ip-header", "X Real IP"], &[], "--ip-header"),
        (
            &["--public-url", "ftp://track.example.com"],
            &[],
            "--public-url",
        ),
        (&["--public-url", "https://"], &[], "--public-url"),
        (
            &["--public-url", "https://a.test/?x=1"],
            &[],
            "--public-url",
        ),
    ] {
        // `backup` of a missing file: had the options passed, it would
        // fail for another reason.
        let (ok, err) = flowtrack(&[args, &["backup", "/nonexistent/x.db"]].concat(), env);
        assert!(!ok, "{args:?} {env:?}");
        assert!(err.contains(names), "{args:?} {env:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
