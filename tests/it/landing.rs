//! Landing pages in the management API (docs/API.md "Landing pages"):
//! site kinds, the offers of a way to a landing page, their errors (which
//! change nothing) and another user's landing pages and offers (`access`).
use crate::common::*;
use serde_json::{json, Value};

/// A landing page (site 1) and two offers (sites 2 and 3) of the admin.
pub fn sites(app: &TestApp) {
    let lp = json!({"name": "LP", "kind": "landing",
        "url": "https://lp.test/page?go={lpclick}&o={offer}&l={landing}"});
    assert_eq!(app.api_json("site", &lp)["site"], 1);
    let o1 = json!({"name": "O1", "url": "https://o1.test/?c={click}&s={subid}&o={offer}"});
    assert_eq!(app.api_json("site", &o1)["site"], 2);
    let o2 = json!({"name": "O2", "kind": "offer", "url": "https://o2.test/?c={click}&o={offer}"});
    assert_eq!(app.api_json("site", &o2)["site"], 3);
}

/// Everything the admin's landing pages are made of.
fn state(app: &TestApp) -> (Value, Value) {
    (app.api("sites", ""), app.api("flows", ""))
}

fn error(r: &Value, code: &str, field: &str) {
    assert_eq!(r["status"], "error", "{r}");
    assert_eq!(r["error"], code, "{r}");
    assert_eq!(r["field"], field, "{r}");
}

#[test]
fn sites_have_a_kind_and_landing_ways_their_offers() {
    let app = spawn_app();
    sites(&app);
    let kinds: Vec<Value> = app.api("sites", "")["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("landing"), json!("offer"), json!("offer")]);
    let r = app.api_json(
        "flow",
        &json!({"flow": "fl", "ways": [
            {"site": 1, "offers": [{"site": 3, "weight": 5}, {"site": 2}]},
            {"site": 2},
            {"url": "https://plain.test/", "offers": []},
        ]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let ways = &app.api("flows", "")["flows"][0]["ways"];
    assert_eq!(
        ways[0]["offers"],
        json!([{"site": 3, "weight": 5}, {"site": 2, "weight": 1}])
    );
    assert_eq!(ways[1]["offers"], json!([]));
    assert_eq!(ways[2]["offers"], json!([]));
    // The offers as a JSON string (a form field), and kept by way id.
    let way = ways[0]["way"].as_i64().unwrap();
    let form = json!([{"way": way, "site": 1, "offers": r#"[{"site":2,"weight":0}]"#}]);
    let r = app.api("flow", &format!("flow=fl&ways={}", enc(&form.to_string())));
    assert_eq!(r["status"], "ok", "{r}");
    let ways = &app.api("flows", "")["flows"][0]["ways"];
    assert_eq!(ways[0]["way"], way);
    assert_eq!(ways[0]["offers"], json!([{"site": 2, "weight": 0}]));
    // A kind can change while no live way needs the old one.
    assert_eq!(app.api("site", "site=3&kind=landing")["status"], "ok");
    assert_eq!(app.api("sites", "")["sites"][2]["kind"], "landing");
    assert_eq!(app.api("site", "site=3&kind=offer")["status"], "ok");
}

#[test]
fn bad_landing_input_gives_its_error_and_changes_nothing() {
    let app = spawn_app();
    sites(&app);
    let ok = app.api_json(
        "flow",
        &json!({"flow": "fl", "ways": [{"site": 1, "offers": [{"site": 2}]}, {"site": 3}]}),
    );
    assert_eq!(ok["status"], "ok", "{ok}");
    let before = state(&app);
    let way = |w: Value| json!({"flow": "fl", "ways": [w]});
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "site",
            json!({"site": 2, "kind": "popup"}),
            "bad-kind",
            "kind",
        ),
        (
            "site",
            json!({"name": "x", "url": "https://x.test/", "kind": "Landing"}),
            "bad-kind",
            "kind",
        ),
        // The landing page has ways with offers; offer 2 is behind one;
        // offer 3 is a way's own site.
        (
            "site",
            json!({"site": 1, "kind": "offer"}),
            "bad-kind",
            "kind",
        ),
        (
            "site",
            json!({"site": 2, "kind": "landing"}),
            "bad-kind",
            "kind",
        ),
        (
            "site",
            json!({"site": 3, "kind": "landing"}),
            "bad-kind",
            "kind",
        ),
        (
            "flow",
            way(json!({"site": 1})),
            "bad-offer",
            "ways[0].offers",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": []})),
            "bad-offer",
            "ways[0].offers",
        ),
        (
            "flow",
            way(json!({"site": 2, "offers": [{"site": 3}]})),
            "bad-offer",
            "ways[0].offers",
        ),
        (
            "flow",
            way(json!({"url": "https://u.test/", "offers": [{"site": 3}]})),
            "bad-offer",
            "ways[0].offers",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": "nope"})),
            "bad-offer",
            "ways[0].offers",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": {"site": 2}})),
            "bad-offer",
            "ways[0].offers",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [7]})),
            "bad-offer",
            "ways[0].offers[0]",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"weight": 1}]})),
            "bad-offer",
            "ways[0].offers[0].site",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"site": 1}]})),
            "bad-offer",
            "ways[0].offers[0].site",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"site": 99}]})),
            "bad-offer",
            "ways[0].offers[0].site",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"site": "x"}]})),
            "bad-offer",
            "ways[0].offers[0].site",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"site": 2}, {"site": 2}]})),
            "bad-offer",
            "ways[0].offers[1].site",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"site": 2, "weight": -1}]})),
            "bad-weight",
            "ways[0].offers[0].weight",
        ),
        (
            "flow",
            way(json!({"site": 1, "offers": [{"site": 3, "weight": 1_000_001}]})),
            "bad-weight",
            "ways[0].offers[0].weight",
        ),
    ];
    for (func, body, code, field) in cases {
        let r = app.api_json(func, &body);
        error(&r, code, field);
        assert_eq!(state(&app), before, "{func} {body} changed something");
    }
    // More offers than a page can link to.
    let many: Vec<Value> = (0..101).map(|_| json!({"site": 2})).collect();
    let r = app.api_json("flow", &way(json!({"site": 1, "offers": many})));
    error(&r, "bad-offer", "ways[0].offers");
    assert_eq!(state(&app), before);
}

#[test]
fn another_users_landing_pages_and_offers_are_access() {
    let app = spawn_app();
    sites(&app);
    let ok = app.api_json(
        "flow",
        &json!({"flow": "fl", "ways": [{"site": 1, "offers": [{"site": 2}]}]}),
    );
    assert_eq!(ok["status"], "ok", "{ok}");
    let before = state(&app);
    let bob = app.add_user("bob");
    let mine = app.api_json_as(
        &bob,
        "site",
        &json!({"url": "https://bob.test/", "kind": "landing"}),
    );
    let mine = mine["site"].as_i64().unwrap();
    let calls = [
        ("site", json!({"site": 1, "kind": "offer"})),
        ("site", json!({"site": 2, "kind": "landing"})),
        (
            "flow",
            json!({"flow": "bobs", "ways": [{"site": 1, "offers": [{"site": 2}]}]}),
        ),
        (
            "flow",
            json!({"flow": "bobs", "ways": [{"site": mine, "offers": [{"site": 2}]}]}),
        ),
        (
            "flow",
            json!({"flow": "fl", "ways": [{"site": mine, "offers": []}]}),
        ),
    ];
    for (func, body) in calls {
        let r = app.api_json_as(&bob, func, &body);
        assert_eq!(r["error"], "access", "{func} {body}: {r}");
        assert_eq!(state(&app), before, "{func} {body}");
    }
    // Bob sees none of it.
    let flows = app.api_as(&bob, "flows", "");
    assert_eq!(flows["flows"], json!([]), "{flows}");
    let sites = app.api_as(&bob, "sites", "");
    assert_eq!(sites["sites"].as_array().unwrap().len(), 1, "{sites}");
}
