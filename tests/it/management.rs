//! SPEC 3 and 5.2: bad input to every management endpoint answers HTTP 200
//! with the exact error envelope (code and field) and writes nothing.
use crate::bad_input;
use bad_input::*;
use serde_json::json;

#[test]
fn malformed_bodies_and_bad_utf8_change_nothing() {
    let app = setup();
    let funcs = [
        "sites",
        "site",
        "site-delete",
        "flows",
        "flow",
        "flow-delete",
        "blacklist",
        "clicks",
    ];
    let mut cases = Vec::new();
    for f in funcs {
        let bad_json = json!({"status": "error", "error": "bad-json"});
        cases.push((f, Req::RawJson(b"{\"flow\": \"main\", "), bad_json.clone()));
        cases.push((f, Req::RawJson(b"[1, 2]"), bad_json.clone()));
        cases.push((f, Req::RawJson(b"{\"name\": \"\xFF\"}"), bad_json.clone()));
        cases.push((f, get("name=%FF"), err("bad-param", "name")));
        cases.push((
            f,
            Req::Form("site=1&name=%FF".into()),
            err("bad-param", "name"),
        ));
    }
    check_all(&app, cases);
}

#[test]
fn bad_sites_change_nothing() {
    let app = setup();
    let big = "{\"site\": 99999999999999999999, \"name\": \"x\"}";
    let mut cases = vec![
        ("site", Req::Json(json!({"url": 5})), err("bad-url", "url")),
        (
            "site",
            Req::Json(json!({"url": ["https://a.test/"]})),
            err("bad-param", "url"),
        ),
        (
            "site",
            Req::Json(json!({"name": "no url"})),
            err("bad-url", "url"),
        ),
        (
            "site",
            Req::Json(json!({"site": "abc", "name": "x"})),
            err("bad-site", "site"),
        ),
        (
            "site",
            Req::Json(json!({"site": 1e30, "name": "x"})),
            err("bad-site", "site"),
        ),
        (
            "site",
            Req::Json(json!({"site": -1, "name": "x"})),
            err("bad-site", "site"),
        ),
        (
            "site",
            Req::Json(json!({"site": 1.5, "name": "x"})),
            err("bad-site", "site"),
        ),
        (
            "site",
            Req::Json(json!({"site": 777, "name": "x"})),
            err("bad-site", "site"),
        ),
        (
            "site",
            Req::Json(serde_json::from_str(big).unwrap()),
            err("bad-site", "site"),
        ),
        (
            "site",
            get("site=99999999999999999999&name=x"),
            err("bad-site", "site"),
        ),
        ("site", Req::Form("url=%FF".into()), err("bad-param", "url")),
        ("site-delete", get(""), err("bad-site", "site")),
        ("site-delete", get("site=abc"), err("bad-site", "site")),
        ("site-delete", get("site=0"), err("bad-site", "site")),
        (
            "site-delete",
            get("site=99999999999999999999"),
            err("bad-site", "site"),
        ),
        ("site-delete", get("site=777"), err("bad-site", "site")),
        (
            "site-delete",
            Req::Json(json!({"site": [1]})),
            err("bad-param", "site"),
        ),
    ];
    for url in [
        "javascript:alert(1)",
        "ftp://files.test/x",
        "https://",
        "https:///path",
        "//a.test/",
        "a.test/x",
        "https://a b.test/",
        "https://a.test/x y",
        "https://a.test/x\r\nSet-Cookie: x=1",
        "https://a.test/\tx",
        "https://{click}.test/",
        "https://user@a.test/",
    ] {
        cases.push((
            "site",
            Req::Json(json!({"url": url})),
            err("bad-url", "url"),
        ));
        let update = json!({"site": 1, "url": url});
        cases.push(("site", Req::Json(update), err("bad-url", "url")));
    }
    check_all(&app, cases);
}

#[test]
fn bad_blacklist_entries_change_nothing() {
    let app = setup();
    let cases = vec![
        ("blacklist", get("add=10.0.0.0/33"), err("bad-ip", "add")),
        ("blacklist", get("add=1.2.3"), err("bad-ip", "add")),
        ("blacklist", get("add=1.1.1.1,1.2.3"), err("bad-ip", "add")),
        ("blacklist", get("add=::1/129"), err("bad-ip", "add")),
        ("blacklist", get("add=10.0.0.0/8/1"), err("bad-ip", "add")),
        (
            "blacklist",
            get("add=1.1.1.1&remove=nope"),
            err("bad-ip", "remove"),
        ),
        (
            "blacklist",
            get("remove=10.0.0.0/8&add=300.1.1.1"),
            err("bad-ip", "add"),
        ),
        (
            "blacklist",
            Req::Json(json!({"add": 5})),
            err("bad-ip", "add"),
        ),
        (
            "blacklist",
            Req::Json(json!({"add": {"a": 1}})),
            err("bad-param", "add"),
        ),
        (
            "blacklist",
            Req::Json(json!({"add": [["1.1.1.1"]]})),
            err("bad-param", "add"),
        ),
        (
            "blacklist",
            Req::Form("add=%FF".into()),
            err("bad-param", "add"),
        ),
    ];
    check_all(&app, cases);
}

#[test]
fn bad_click_log_queries_are_errors() {
    let app = setup();
    let cases = vec![
        ("clicks", get("from=abc"), err("bad-date", "from")),
        ("clicks", get("to=2024-13-01"), err("bad-date", "to")),
        ("clicks", get("ufrom=abc"), err("bad-date", "ufrom")),
        ("clicks", get("uto=-5"), err("bad-date", "uto")),
        ("clicks", get("limit=0"), err("bad-param", "limit")),
        ("clicks", get("limit=10001"), err("bad-param", "limit")),
        ("clicks", get("offset=-1"), err("bad-param", "offset")),
        ("clicks", get("filter=6"), err("bad-param", "filter")),
        ("clicks", get("way=abc"), err("bad-param", "way")),
        ("clicks", get("mobile=2"), err("bad-param", "mobile")),
        ("clicks", get("unique=maybe"), err("bad-param", "unique")),
        ("clicks", get("click=short"), err("bad-click", "click")),
        (
            "clicks",
            get("click=!!!!!!!!!!!!!!!!!!!!!!"),
            err("bad-click", "click"),
        ),
    ];
    check_all(&app, cases);
}

#[test]
fn an_empty_post_body_is_no_input() {
    let app = setup();
    let empty = |func: &str| {
        let r = app.request(
            "POST",
            &format!("/api/tracker/{func}.json?id={}", app.token),
            &[("Content-Type", "application/json")],
            b"",
        );
        assert_eq!(r.status, 200);
        r.json()
    };
    let before = state(&app);
    assert_eq!(empty("site"), err("bad-url", "url"));
    assert_eq!(empty("site-delete"), err("bad-site", "site"));
    assert_eq!(empty("flow-delete"), err("bad-flow", "flow"));
    assert_eq!(
        empty("blacklist"),
        json!({"status": "ok", "blacklist": ["10.0.0.0/8"]})
    );
    assert_eq!(empty("sites")["sites"].as_array().unwrap().len(), 1);
    assert_eq!(empty("flows")["flows"].as_array().unwrap().len(), 1);
    assert_eq!(empty("clicks"), json!({"status": "ok", "clicks": []}));
    assert_eq!(state(&app), before);
}

#[test]
fn a_body_over_4_mib_is_too_large_and_changes_nothing() {
    let app = setup();
    let before = state(&app);
    for func in [
        "sites",
        "site",
        "site-delete",
        "flows",
        "flow",
        "flow-delete",
        "blacklist",
        "clicks",
    ] {
        let mut body = b"{\"name\": \"".to_vec();
        body.resize(4 * 1024 * 1024 - 1, b'a');
        body.extend_from_slice(b"\"}");
        assert!(body.len() > 4 * 1024 * 1024);
        let r = app.request(
            "POST",
            &format!("/api/tracker/{func}.json?id={}", app.token),
            &[("Content-Type", "application/json")],
            &body,
        );
        assert_eq!(r.status, 200, "{func}");
        assert_eq!(
            r.json(),
            json!({"status": "error", "error": "too-large"}),
            "{func}"
        );
    }
    assert_eq!(state(&app), before);
}

/// Management functions refuse parameters they do not know (a typo would
/// otherwise save something else than meant; tests/it/management_flows.rs
/// has every function); reads and lists still ignore them.
#[test]
fn unknown_parameters_are_refused_by_changes_and_ignored_by_reads() {
    let app = setup();
    let before = state(&app);
    let r = app.api_json(
        "site",
        &json!({"url": "https://n.test/", "colour": "red", "x": [1]}),
    );
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-param", "field": "colour"})
    );
    let r = app.api("flow", "flow=main&name=Renamed&whatever=1");
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-param", "field": "whatever"})
    );
    let r = app.api("blacklist", "add=1.1.1.1&nonsense=%20");
    assert_eq!(r["field"], "nonsense", "{r}");
    assert_eq!(state(&app), before);
    assert_eq!(app.api("flows", "whatever=1")["flows"][0]["name"], "Main");
    assert_eq!(app.api("sites", "colour=red")["status"], "ok");
}

#[test]
fn a_missing_or_wrong_token_is_access_everywhere() {
    let app = setup();
    let before = state(&app);
    let access = json!({"status": "error", "error": "access"});
    for func in [
        "sites",
        "site",
        "site-delete",
        "flows",
        "flow",
        "flow-delete",
        "blacklist",
        "clicks",
    ] {
        let q = "site=1&flow=main&url=https://x.test/&add=1.1.1.1&name=x";
        let r = app.get(&format!("/api/tracker/{func}.json?{q}"));
        assert_eq!(
            (r.status, r.json()),
            (200, access.clone()),
            "{func} without token"
        );
        assert_eq!(app.api_as("wrong-token", func, q), access, "{func}");
        assert_eq!(app.api_as("", func, q), access, "{func}");
        let bad = app.request(
            "POST",
            &format!("/api/tracker/{func}.json"),
            &[
                ("Authorization", "Bearer nope"),
                ("Content-Type", "application/json"),
            ],
            json!({"site": 1, "flow": "main", "url": "https://x.test/"})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(bad.json(), access, "{func} with a wrong bearer");
    }
    assert_eq!(state(&app), before);
}
