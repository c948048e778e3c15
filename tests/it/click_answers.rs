//! SPEC 2 step 8 and the macros: how a visit is answered (redirect, meta,
//! js, trafficback, 404), reserved paths, HEAD, unknown and archived flows.
use crate::common::*;
use serde_json::{json, Value};

const CURL_UA: &str = "curl/8.4.0";

fn last_click(app: &TestApp) -> Value {
    app.api("clicks", "limit=1")["clicks"][0].clone()
}

fn ok(app: &TestApp, func: &str, body: Value) -> Value {
    let r = app.api_json(func, &body);
    assert_eq!(r["status"], "ok", "{func} {body}: {r}");
    r
}

fn bot(app: &TestApp, path: &str) -> Resp {
    app.request("GET", path, &[("User-Agent", CURL_UA)], b"")
}

#[test]
fn redirect_answers_302_with_the_site_url_in_location() {
    let app = spawn_app();
    let site = ok(
        &app,
        "site",
        json!({"url": "https://offer.test/land?c={click}&f={flow}"}),
    );
    let r = ok(
        &app,
        "flow",
        json!({"flow": "rd", "ways": [{"site": site["site"]}]}),
    );
    assert_eq!(r["ways"], json!([1]));
    let resp = app.click("/rd", &[]);
    assert_eq!(resp.status, 302);
    let c = last_click(&app);
    let want = format!(
        "https://offer.test/land?c={}&f=rd",
        c["click"].as_str().unwrap()
    );
    assert_eq!(resp.header("location"), Some(want.as_str()));
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    assert_eq!(
        (c["way"].clone(), c["site"].clone()),
        (json!(1), site["site"].clone())
    );
}

#[test]
fn blocked_visits_go_to_a_trafficback_site() {
    let app = spawn_app();
    let tb = ok(
        &app,
        "site",
        json!({"url": "https://tb.test/?c={click}&f={flow}&s={subid}"}),
    );
    let id = tb["site"].as_i64().unwrap();
    ok(
        &app,
        "flow",
        json!({"flow": "tbs", "trafficback": id, "ways": [{"url": "https://t.test/"}]}),
    );
    let resp = bot(&app, "/tbs?subid=a%20b");
    assert_eq!(resp.status, 302);
    let c = last_click(&app);
    assert_eq!(c["filter"], 1);
    let want = format!(
        "https://tb.test/?c={}&f=tbs&s=a%20b",
        c["click"].as_str().unwrap()
    );
    assert_eq!(resp.header("location"), Some(want.as_str()));
    let flows = app.api("flows", "");
    assert_eq!(flows["flows"][0]["trafficback"], id);
}

#[test]
fn blocked_visits_go_to_a_trafficback_url_with_macros() {
    let app = spawn_app();
    let tb = "https://tb.test/{geo}?c={click}&u={utms}&w={way}";
    ok(
        &app,
        "flow",
        json!({"flow": "tbu", "trafficback": tb, "ways": [{"url": "https://t.test/"}]}),
    );
    let resp = bot(&app, "/tbu?utm_source=x%26y");
    let c = last_click(&app);
    let want = format!(
        "https://tb.test/?c={}&u=x%26y&w=",
        c["click"].as_str().unwrap()
    );
    assert_eq!(resp.header("location"), Some(want.as_str()));
    assert_eq!(app.api("flows", "")["flows"][0]["trafficback"], tb);
}

#[test]
fn blocked_visits_without_trafficback_get_a_plain_404_page() {
    let app = spawn_app();
    app.flow_with_urls("nt", &["https://t.test/"]);
    let resp = bot(&app, "/nt");
    assert_eq!(resp.status, 404);
    assert!(resp.header("location").is_none());
    assert!(resp
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().contains("Not found"), "{}", resp.text());
    assert_eq!(last_click(&app)["filter"], 1);
}

/// A URL whose stored form needs HTML and JS escaping.
const NASTY: &str =
    "https://t.test/?a=1&b=\"x\"'<y>&e=</script><script>alert(1)</script>&s={subid}";

#[test]
fn meta_method_answers_a_meta_refresh_page_with_the_escaped_url() {
    let app = spawn_app();
    ok(
        &app,
        "flow",
        json!({"flow": "mt", "method": "meta", "ways": [{"url": NASTY}]}),
    );
    let resp = app.click("/mt?subid=%3Cb%3E", &[]);
    assert_eq!(resp.status, 200);
    assert!(resp.header("location").is_none());
    assert!(resp
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let body = resp.text();
    let escaped = "https://t.test/?a=1&amp;b=&quot;x&quot;&#39;&lt;y&gt;&amp;e=&lt;/script&gt;\
                   &lt;script&gt;alert(1)&lt;/script&gt;&amp;s=%3Cb%3E";
    assert!(
        body.contains(&format!(
            "<meta http-equiv=\"refresh\" content=\"0;url={escaped}\">"
        )),
        "{body}"
    );
    assert!(
        body.contains("<meta name=\"referrer\" content=\"no-referrer\">"),
        "{body}"
    );
    assert!(!body.contains("<script>"), "{body}");
}

#[test]
fn js_method_answers_a_page_that_sets_location_with_a_safe_string() {
    let app = spawn_app();
    ok(
        &app,
        "flow",
        json!({"flow": "js", "method": "js", "ways": [{"url": NASTY}]}),
    );
    let resp = app.click("/js?subid=%22", &[]);
    assert_eq!(resp.status, 200);
    assert!(resp.header("location").is_none());
    let body = resp.text();
    let js = "location.replace(\"https://t.test/?a=1&b=\\\"x\\\"'\\u003cy\\u003e&e=\\u003c/script\\u003e\
              \\u003cscript\\u003ealert(1)\\u003c/script\\u003e&s=%22\");";
    assert!(body.contains(js), "{body}");
    // Only our own script element, and it is never closed early.
    assert_eq!(body.matches("<script>").count(), 1, "{body}");
    assert_eq!(body.matches("</script>").count(), 1, "{body}");
    assert!(body.contains("no-referrer"), "{body}");
}

#[test]
fn macros_are_url_encoded_and_unknown_ones_left_as_they_are() {
    let app = spawn_app();
    let url = "https://t.test/p?s={utms}&c={utmc}&n={utmn}&t={utmt}&m={utmm}&sub={subid}\
               &uu={uuid}&uid={uid}&d1={data1}&d2={data2}&f={flow}&w={way}&si={site}&g={geo}\
               &h={host}&ip={ip}&k={click}&x={unknown}&y={&z={{subid}";
    let r = ok(&app, "flow", json!({"flow": "mc", "ways": [{"url": url}]}));
    let way = r["ways"][0].as_i64().unwrap();
    let q = "utm_source=a%20b&utm_campaign=a%26b%3Dc&utm_content=%C3%A9%E2%9C%93\
             &utm_term=a%0D%0ASet-Cookie:%20x&utm_medium=%2F%3F%23&subid=s1&uuid=u%2B1\
             &gclid=g%25&data1=%7Bflow%7D&data2=";
    let resp = app.click(&format!("/mc?{q}"), &[]);
    let c = last_click(&app);
    let want = format!(
        "https://t.test/p?s=a%20b&c=a%26b%3Dc&n=%C3%A9%E2%9C%93&t=a%0D%0ASet-Cookie%3A%20x\
         &m=%2F%3F%23&sub=s1&uu=u%2B1&uid=g%25&d1=%7Bflow%7D&d2=&f=mc&w={way}&si=&g=\
         &h=127.0.0.1&ip=127.0.0.1&k={}&x={{unknown}}&y={{&z={{s1",
        c["click"].as_str().unwrap()
    );
    assert_eq!(resp.header("location"), Some(want.as_str()));
    assert!(resp.header("set-cookie").unwrap().starts_with("ftv="));
    assert_eq!(c["utm_term"], "a\r\nSet-Cookie: x");
}

#[test]
fn reserved_paths_are_never_flows() {
    let app = spawn_app();
    for path in ["/api", "/api/", "/api/x", "/api/tracker/flows.json/x"] {
        let r = app.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.json(),
            json!({"status": "error", "error": "no-function"}),
            "{path}"
        );
    }
    let r = app.get(&format!("/api/tracker/nope.json?id={}", app.token));
    assert_eq!(r.json(), json!({"status": "error", "error": "no-function"}));
    let r = app.get("/app/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().to_lowercase().contains("<html"), "{}", r.text());
    let r = app.get("/health");
    assert_eq!((r.status, r.text()), (200, "ok".to_string()));
    let r = app.get("/robots.txt");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Disallow: /"));
    let r = app.get("/favicon.ico");
    assert!(r.status < 300, "{}", r.status);
    for id in ["api", "app", "static", "health"] {
        let r = app.api_json(
            "flow",
            &json!({"flow": id, "ways": [{"url": "https://t.test/"}]}),
        );
        assert_eq!(
            r,
            json!({"status": "error", "error": "bad-flow", "field": "flow"}),
            "{id}"
        );
    }
    assert_eq!(app.api("flows", ""), json!({"status": "ok", "flows": []}));
}

#[test]
fn head_answers_like_get_without_a_body() {
    let app = spawn_app();
    app.flow_with_urls("hd", &["https://t.test/"]);
    ok(
        &app,
        "flow",
        json!({"flow": "hm", "method": "meta", "ways": [{"url": "https://t.test/"}]}),
    );
    let get = app.click("/hd", &[]);
    let head = app.request("HEAD", "/hd", &[("User-Agent", CHROME_UA)], b"");
    assert_eq!(
        (head.status, head.header("location")),
        (302, get.header("location"))
    );
    assert!(head.body.is_empty());
    let head = app.request("HEAD", "/hm", &[("User-Agent", CHROME_UA)], b"");
    assert_eq!(head.status, 200);
    assert!(head
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(head.body.is_empty(), "{}", head.text());
    let head = app.request("HEAD", "/no-such-flow", &[], b"");
    assert_eq!(head.status, 404);
    assert!(head.body.is_empty());
}

#[test]
fn head_is_answered_but_not_recorded() {
    let app = spawn_app();
    app.flow_with_urls("hr", &["https://t.test/?c={click}"]);
    // A link checker's HEADs, then the visitor's GET from the same
    // browser: one click, and it is unique.
    for _ in 0..3 {
        let head = app.request("HEAD", "/hr", &[("User-Agent", CHROME_UA)], b"");
        assert_eq!(head.status, 302);
        assert!(head
            .header("location")
            .unwrap()
            .starts_with("https://t.test/?c="));
    }
    assert_eq!(app.click("/hr", &[]).status, 302);
    let log = app.api("clicks", "");
    let clicks = log["clicks"].as_array().unwrap();
    assert_eq!(clicks.len(), 1, "{log}");
    assert_eq!(clicks[0]["unique"], true, "{log}");
}

#[test]
fn an_unknown_flow_is_a_404_page_and_records_nothing() {
    let app = spawn_app();
    let r = app.click("/no-such-flow?subid=1", &[]);
    assert_eq!(r.status, 404);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.header("set-cookie").is_none());
    assert_eq!(app.api("clicks", ""), json!({"status": "ok", "clicks": []}));
}

#[test]
fn an_archived_flow_is_a_404_and_keeps_its_clicks() {
    let app = spawn_app();
    app.flow_with_urls("ar", &["https://t.test/"]);
    assert_eq!(app.click("/ar", &[]).status, 302);
    let r = app.api("flow-delete", "flow=ar");
    assert_eq!(r, json!({"status": "ok", "flow": "ar"}));
    assert_eq!(app.click("/ar", &[]).status, 404);
    let clicks = app.api("clicks", "flow=ar");
    assert_eq!(clicks["clicks"].as_array().unwrap().len(), 1, "{clicks}");
    assert_eq!(clicks["clicks"][0]["flow"], "ar");
    assert_eq!(app.api("flows", ""), json!({"status": "ok", "flows": []}));
    // Deleting it twice: it is gone.
    let r = app.api("flow-delete", "flow=ar");
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-flow", "field": "flow"})
    );
}

#[test]
fn a_changed_site_url_takes_effect_at_once() {
    let app = spawn_app();
    ok(&app, "site", json!({"url": "https://old.test/"}));
    ok(
        &app,
        "flow",
        json!({"flow": "ch", "trafficback": 1, "ways": [{"site": 1}]}),
    );
    assert_eq!(
        app.click("/ch", &[]).header("location"),
        Some("https://old.test/")
    );
    ok(
        &app,
        "site",
        json!({"site": 1, "url": "https://new.test/?c={click}"}),
    );
    let r = app.click("/ch", &[]);
    let c = last_click(&app);
    let want = format!("https://new.test/?c={}", c["click"].as_str().unwrap());
    assert_eq!(r.header("location"), Some(want.as_str()));
    let r = bot(&app, "/ch");
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("https://new.test/?c="));
    // A paused way sends its traffic to the trafficback.
    ok(
        &app,
        "flow",
        json!({"flow": "ch", "ways": [{"way": 1, "site": 1, "active": 0}]}),
    );
    let r = app.click("/ch", &[]);
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("https://new.test/?c="));
    assert_eq!(last_click(&app)["filter"], 5);
}
