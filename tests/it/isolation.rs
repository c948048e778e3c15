//! SPEC 1: a user never sees or changes another user's data. Every
//! management call with another user's token on the first user's objects
//! answers `access` (or the specific bad-* code) and changes nothing.
use crate::common::*;
use serde_json::{json, Value};

const ACCESS: &str = "access";

/// Admin: site 1, flow "main" (way 1 → site 1, way 2 → URL), trafficback
/// site 1, a blacklist entry and one click.
fn setup() -> (TestApp, String, String) {
    let app = spawn_app();
    let s = app.api_json(
        "site",
        &json!({"name": "Mine", "url": "https://mine.test/"}),
    );
    assert_eq!(s["site"], 1);
    let f = app.api_json(
        "flow",
        &json!({"flow": "main", "trafficback": 1,
                "ways": [{"site": 1}, {"url": "https://way.test/"}]}),
    );
    assert_eq!(f["ways"], json!([1, 2]));
    app.api("blacklist", "add=10.9.9.9");
    assert_eq!(app.click("/main", &[]).status, 302);
    let click = app.api("clicks", "")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    let bob = app.add_user("bob");
    (app, bob, click)
}

fn admin_state(app: &TestApp) -> Vec<Value> {
    ["flows", "sites", "blacklist", "clicks"]
        .iter()
        .map(|f| app.api(f, ""))
        .collect()
}

fn code(v: &Value) -> &str {
    v["error"].as_str().unwrap_or("")
}

#[test]
fn another_user_cannot_change_sites() {
    let (app, bob, _) = setup();
    let before = admin_state(&app);
    let r = app.api_as(&bob, "site", "site=1&name=Stolen&url=https://evil.test/");
    assert_eq!(r, json!({"status": "error", "error": ACCESS}));
    let r = app.api_as(&bob, "site", "site=1&name=Stolen");
    assert_eq!(code(&r), ACCESS);
    let r = app.api_as(&bob, "site-delete", "site=1");
    assert_eq!(r, json!({"status": "error", "error": ACCESS}));
    assert_eq!(admin_state(&app), before);
}

#[test]
fn another_user_cannot_change_or_take_flows() {
    let (app, bob, _) = setup();
    let before = admin_state(&app);
    let way = json!([{"url": "https://evil.test/"}]);
    let tries = [
        json!({"flow": "main", "name": "Stolen"}),
        json!({"flow": "main", "ways": way}),
        json!({"flow": "main", "trafficback": "https://evil.test/"}),
    ];
    for t in &tries {
        let r = app.api_json_as(&bob, "flow", t);
        assert_eq!(r, json!({"status": "error", "error": ACCESS}), "{t}");
    }
    let r = app.api_as(&bob, "flow-delete", "flow=main");
    assert_eq!(r, json!({"status": "error", "error": ACCESS}));
    assert_eq!(admin_state(&app), before);
    // An archived flow keeps its id: nobody else can take it.
    app.api("flow-delete", "flow=main");
    let r = app.api_json_as(&bob, "flow", &json!({"flow": "main", "ways": way}));
    assert_eq!(r, json!({"status": "error", "error": ACCESS}));
    assert_eq!(app.click("/main", &[]).status, 404);
}

#[test]
fn another_users_ways_and_sites_cannot_be_used_in_a_flow() {
    let (app, bob, _) = setup();
    let before = admin_state(&app);
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "ways": [{"way": 1, "url": "https://evil.test/"}]}),
    );
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-way", "field": "ways[0].way"})
    );
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "ways": [{"site": 1}]}),
    );
    assert_eq!(code(&r), ACCESS, "{r}");
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "trafficback": 1, "ways": [{"url": "https://b.test/"}]}),
    );
    assert_eq!(code(&r), ACCESS, "{r}");
    // None of these created bob's flow or touched the admin's ways.
    assert_eq!(
        app.api_as(&bob, "flows", ""),
        json!({"status": "ok", "flows": []})
    );
    assert_eq!(admin_state(&app), before);
    let r = app.click("/main", &[("Cookie", "ftv=00000000000000aa")]);
    assert_eq!(r.status, 302);
    // Bob's own flow with a way id of the admin's, moved in an update.
    let mine = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "ways": [{"url": "https://b.test/"}]}),
    );
    assert_eq!(mine["status"], "ok");
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "ways": [{"way": mine["ways"][0], "url": "https://b.test/"}, {"way": 2, "url": "https://b.test/x"}]}),
    );
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-way", "field": "ways[1].way"})
    );
    assert_eq!(app.api("flows", "")["flows"], before[0]["flows"]);
}

#[test]
fn another_user_sees_none_of_the_first_users_data() {
    let (app, bob, click) = setup();
    let empty = |func: &str, key: &str, q: &str| {
        let r = app.api_as(&bob, func, q);
        assert_eq!(r, json!({"status": "ok", key: []}), "{func} {q}");
    };
    empty("sites", "sites", "");
    empty("flows", "flows", "");
    empty("blacklist", "blacklist", "");
    empty("clicks", "clicks", "");
    empty("clicks", "clicks", "flow=main");
    empty("clicks", "clicks", &format!("click={click}"));
    // Bob's own things do not show up for the admin either.
    let s = app.api_as(&bob, "site", "url=https://bob.test/");
    let bob_site = s["site"].as_i64().unwrap();
    app.api_as(&bob, "blacklist", "add=127.0.0.1");
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "ways": [{"site": bob_site}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api("sites", "")["sites"].as_array().unwrap().len(), 1);
    assert_eq!(app.api("flows", "")["flows"].as_array().unwrap().len(), 1);
    assert_eq!(app.api("blacklist", "")["blacklist"], json!(["10.9.9.9"]));
    // Bob's blacklist (127.0.0.1) is his alone: the admin's visitor passes.
    app.click("/main", &[]);
    assert_eq!(app.api("clicks", "limit=1")["clicks"][0]["filter"], 0);
    app.click("/bobs", &[]);
    assert_eq!(app.api_as(&bob, "clicks", "")["clicks"][0]["filter"], 2);
    assert_eq!(app.api("clicks", "flow=bobs")["clicks"], json!([]));
    // And the admin cannot use bob's site.
    let r = app.api_json(
        "flow",
        &json!({"flow": "main", "ways": [{"site": bob_site}]}),
    );
    assert_eq!(code(&r), ACCESS, "{r}");
    let r = app.api("site-delete", &format!("site={bob_site}"));
    assert_eq!(code(&r), ACCESS, "{r}");
}
