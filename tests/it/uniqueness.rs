//! SPEC 2 steps 6-7: uniqueness (cookie, IP + User-Agent, window, restart)
//! and the way choice (sticky for returning visitors, random by weight).
use crate::common::*;
use serde_json::{json, Value};

fn last_click(app: &TestApp) -> Value {
    app.api("clicks", "limit=1")["clicks"][0].clone()
}

/// The `ftv=...` pair of a Set-Cookie header, to send back as Cookie.
fn cookie_of(r: &Resp) -> String {
    let set = r.header("set-cookie").expect("a visitor cookie");
    let pair = set.split(';').next().unwrap().to_string();
    assert!(pair.starts_with("ftv="), "{set}");
    assert!(set.contains("HttpOnly") && set.contains("Path=/"), "{set}");
    pair
}

/// A visit from `ip` (trusted proxy) with this UA and optional cookie;
/// answers (unique, way) as recorded.
fn visit(app: &TestApp, path: &str, ip: &str, ua: &str, cookie: Option<&str>) -> (Value, Value) {
    let mut h = vec![("X-Forwarded-For", ip), ("User-Agent", ua)];
    if let Some(c) = cookie {
        h.push(("Cookie", c));
    }
    let r = app.request("GET", path, &h, b"");
    assert_eq!(r.status, 302, "{}", r.text());
    let c = last_click(app);
    (c["unique"].clone(), c["way"].clone())
}

const UA2: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

#[test]
fn uniqueness_a_cookie_identifies_a_returning_visitor_from_another_ip() {
    let app = spawn_with(|c| c.trust_proxy = true);
    app.flow_with_urls("u1", &["https://t.test/"]);
    app.flow_with_urls("u2", &["https://t.test/"]);
    let first = app.request(
        "GET",
        "/u1",
        &[("X-Forwarded-For", "10.0.0.1"), ("User-Agent", CHROME_UA)],
        b"",
    );
    let cookie = cookie_of(&first);
    assert_eq!(last_click(&app)["unique"], true);
    let (unique, _) = visit(&app, "/u1", "10.0.0.2", UA2, Some(&cookie));
    assert_eq!(unique, false);
    // A cookie the visitor already has is not set again.
    let again = app.request(
        "GET",
        "/u1",
        &[("X-Forwarded-For", "10.0.0.3"), ("Cookie", &cookie)],
        b"",
    );
    assert!(again.header("set-cookie").is_none());
    assert_eq!(last_click(&app)["unique"], false);
    // Uniqueness is per flow.
    assert_eq!(visit(&app, "/u2", "10.0.0.2", UA2, Some(&cookie)).0, true);
}

#[test]
fn uniqueness_without_a_cookie_is_ip_and_user_agent() {
    let app = spawn_with(|c| c.trust_proxy = true);
    app.flow_with_urls("u1", &["https://t.test/"]);
    assert_eq!(visit(&app, "/u1", "10.0.0.1", CHROME_UA, None).0, true);
    assert_eq!(visit(&app, "/u1", "10.0.0.1", CHROME_UA, None).0, false);
    assert_eq!(visit(&app, "/u1", "10.0.0.1", UA2, None).0, true);
    assert_eq!(visit(&app, "/u1", "10.0.0.2", CHROME_UA, None).0, true);
    assert_eq!(visit(&app, "/u1", "10.0.0.2", CHROME_UA, None).0, false);
    let all = app.api("clicks", "unique=1");
    assert_eq!(all["clicks"].as_array().unwrap().len(), 3);
}

#[test]
fn uniqueness_window_zero_makes_every_visit_unique() {
    let app = spawn_with(|c| c.trust_proxy = true);
    let r = app.api_json(
        "flow",
        &json!({"flow": "w0", "unique": 0, "ways": [{"url": "https://t.test/"}]}),
    );
    assert_eq!(r["status"], "ok");
    assert_eq!(app.api("flows", "")["flows"][0]["unique"], 0);
    let first = app.request("GET", "/w0", &[("User-Agent", CHROME_UA)], b"");
    let cookie = cookie_of(&first);
    for _ in 0..3 {
        assert_eq!(
            visit(&app, "/w0", "127.0.0.1", CHROME_UA, Some(&cookie)).0,
            true
        );
        assert_eq!(visit(&app, "/w0", "127.0.0.1", CHROME_UA, None).0, true);
    }
    // The default window is 24 hours.
    app.flow_with_urls("w24", &["https://t.test/"]);
    let flows = app.api("flows", "")["flows"].clone();
    assert_eq!(flows[1]["unique"], 24, "{flows}");
}

#[test]
fn uniqueness_and_the_way_survive_a_restart() {
    let app = spawn_app();
    app.flow_with_urls("rs", &["https://a.test/", "https://b.test/"]);
    let first = app.click("/rs", &[]);
    let cookie = cookie_of(&first);
    let way = last_click(&app)["way"].clone();
    let location = first.header("location").unwrap().to_string();
    let db = app.stop();
    let app = restart(db);
    let r = app.click("/rs", &[("Cookie", &cookie)]);
    assert_eq!(r.header("location"), Some(location.as_str()));
    let c = last_click(&app);
    assert_eq!((c["unique"].clone(), c["way"].clone()), (json!(false), way));
    // Without the cookie, the same IP + User-Agent is remembered too.
    app.click("/rs", &[]);
    assert_eq!(last_click(&app)["unique"], false);
    app.request("GET", "/rs", &[("User-Agent", UA2)], b"");
    assert_eq!(last_click(&app)["unique"], true);
}

#[test]
fn a_returning_visitor_keeps_their_way() {
    let app = spawn_with(|c| c.trust_proxy = true);
    app.flow_with_urls("st", &["https://a.test/", "https://b.test/"]);
    for v in 0..5 {
        let ip = format!("10.0.1.{v}");
        let first = app.request(
            "GET",
            "/st",
            &[("X-Forwarded-For", &ip), ("User-Agent", CHROME_UA)],
            b"",
        );
        let cookie = cookie_of(&first);
        let way = last_click(&app)["way"].clone();
        for i in 0..20 {
            // With the cookie from anywhere, and without it from the same IP + UA.
            let other = format!("10.0.2.{i}");
            assert_eq!(visit(&app, "/st", &other, UA2, Some(&cookie)).1, way);
            assert_eq!(visit(&app, "/st", &ip, CHROME_UA, None).1, way);
        }
    }
    let ways: Vec<Value> = app.api("clicks", "limit=10000")["clicks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["way"].clone())
        .collect();
    assert_eq!(ways.len(), 5 * 41);
}

#[test]
fn ways_are_picked_at_random_by_weight() {
    let app = spawn_with(|c| c.trust_proxy = true);
    let r = app.api_json(
        "flow",
        &json!({"flow": "wt", "ways": [{"url": "https://a.test/", "weight": 3}, {"url": "https://b.test/", "weight": 1}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let n = 2000;
    let mut a = 0;
    for i in 0..n {
        let ip = format!("10.{}.{}.1", i / 250, i % 250);
        let r = app.request(
            "GET",
            "/wt",
            &[("X-Forwarded-For", &ip), ("User-Agent", CHROME_UA)],
            b"",
        );
        match r.header("location") {
            Some("https://a.test/") => a += 1,
            Some("https://b.test/") => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let share = a as f64 / n as f64;
    assert!((0.65..=0.85).contains(&share), "share of weight 3: {share}");
    let stored = app.api("clicks", "limit=10000&way=1")["clicks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(stored, a);
}

#[test]
fn a_returning_visitor_keeps_their_way_after_a_blocked_visit() {
    let app = spawn_with(|c| c.trust_proxy = true);
    app.flow_with_urls("sb", &["https://a.test/", "https://b.test/"]);
    let mut visitors = Vec::new();
    for v in 0..12 {
        let ip = format!("10.0.3.{v}");
        let h = [("X-Forwarded-For", ip.as_str()), ("User-Agent", CHROME_UA)];
        let first = app.request("GET", "/sb", &h, b"");
        visitors.push((ip, cookie_of(&first), last_click(&app)["way"].clone()));
    }
    // The operator closes the flow to everyone for a while...
    let r = app.api_json("flow", &json!({"flow": "sb", "geo": ["us"]}));
    assert_eq!(r["status"], "ok", "{r}");
    for (ip, cookie, _) in &visitors {
        let h = [
            ("X-Forwarded-For", ip.as_str()),
            ("Cookie", cookie.as_str()),
            ("User-Agent", CHROME_UA),
        ];
        assert_eq!(app.request("GET", "/sb", &h, b"").status, 404);
        assert_eq!(last_click(&app)["filter"], 3);
    }
    // ...and opens it again: everyone comes back to their own way.
    let r = app.api_json("flow", &json!({"flow": "sb", "geo": []}));
    assert_eq!(r["status"], "ok", "{r}");
    for (ip, cookie, way) in &visitors {
        assert_eq!(&visit(&app, "/sb", "10.9.9.9", UA2, Some(cookie)).1, way);
        assert_eq!(&visit(&app, "/sb", ip, CHROME_UA, None).1, way);
    }
}
