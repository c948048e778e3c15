//! SPEC 5.2 flow.json / flow-delete.json: every kind of bad input answers
//! the exact error envelope (code and field) and changes nothing.
use crate::bad_input;
use crate::common;
use bad_input::*;
use serde_json::{json, Value};

#[test]
fn bad_flows_change_nothing() {
    let app = setup();
    let ok_way = json!({"url": "https://ok.test/"});
    let way = |extra: Value| {
        let mut w = ok_way.clone();
        w.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"flow": "main", "ways": [w]})
    };
    let mut cases = vec![
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": 5})),
            err("bad-way", "ways"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": "not json"})),
            err("bad-way", "ways"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": {"url": "https://a.test/"}})),
            err("bad-way", "ways"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": [5]})),
            err("bad-way", "ways[0]"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": [ok_way, "x"]})),
            err("bad-way", "ways[1]"),
        ),
        (
            "flow",
            Req::Json(way(json!({"weight": "abc"}))),
            err("bad-weight", "ways[0].weight"),
        ),
        (
            "flow",
            Req::Json(way(json!({"weight": 1e30}))),
            err("bad-weight", "ways[0].weight"),
        ),
        (
            "flow",
            Req::Json(way(json!({"weight": -1}))),
            err("bad-weight", "ways[0].weight"),
        ),
        (
            "flow",
            Req::Json(way(json!({"weight": 1.5}))),
            err("bad-weight", "ways[0].weight"),
        ),
        (
            "flow",
            Req::Json(way(json!({"url": "javascript:alert(1)"}))),
            err("bad-url", "ways[0].url"),
        ),
        (
            "flow",
            Req::Json(way(json!({"url": "https://a b.test/"}))),
            err("bad-url", "ways[0].url"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": [{"weight": 1}]})),
            err("bad-url", "ways[0].url"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "ways": [ok_way, {"url": "ftp://x.test/"}]})),
            err("bad-url", "ways[1].url"),
        ),
        (
            "flow",
            Req::Json(way(json!({"site": "abc"}))),
            err("bad-site", "ways[0].site"),
        ),
        (
            "flow",
            Req::Json(way(json!({"site": 777}))),
            err("bad-site", "ways[0].site"),
        ),
        (
            "flow",
            Req::Json(way(json!({"site": 1e30}))),
            err("bad-site", "ways[0].site"),
        ),
        (
            "flow",
            Req::Json(way(json!({"geo": 5}))),
            err("bad-geo", "ways[0].geo"),
        ),
        (
            "flow",
            Req::Json(way(json!({"geo": ["de", "zz"]}))),
            err("bad-geo", "ways[0].geo"),
        ),
        (
            "flow",
            Req::Json(way(json!({"geox": "xx"}))),
            err("bad-geo", "ways[0].geox"),
        ),
        (
            "flow",
            Req::Json(way(json!({"device": "tv"}))),
            err("bad-device", "ways[0].device"),
        ),
        // A value of the wrong JSON type names the way's field too.
        (
            "flow",
            Req::Json(way(json!({"url": ["https://a.test/"]}))),
            err("bad-param", "ways[0].url"),
        ),
        (
            "flow",
            Req::Json(way(json!({"device": {"a": 1}}))),
            err("bad-param", "ways[0].device"),
        ),
        (
            "flow",
            Req::Json(way(json!({"geo": {"de": 1}}))),
            err("bad-param", "ways[0].geo"),
        ),
        (
            "flow",
            Req::Json(way(json!({"geox": [true]}))),
            err("bad-param", "ways[0].geox"),
        ),
        (
            "flow",
            Req::Json(way(json!({"weight": [1]}))),
            err("bad-weight", "ways[0].weight"),
        ),
        (
            "flow",
            Req::Json(way(json!({"bots": "maybe"}))),
            err("bad-param", "ways[0].bots"),
        ),
        (
            "flow",
            Req::Json(way(json!({"active": 7}))),
            err("bad-param", "ways[0].active"),
        ),
        (
            "flow",
            Req::Json(way(json!({"way": 999}))),
            err("bad-way", "ways[0].way"),
        ),
        (
            "flow",
            Req::Json(way(json!({"way": "abc"}))),
            err("bad-way", "ways[0].way"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "geo": 5})),
            err("bad-geo", "geo"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "geo": ["de", "zz"]})),
            err("bad-geo", "geo"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "method": "post"})),
            err("bad-method", "method"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "unique": 721})),
            err("bad-unique", "unique"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "unique": -1})),
            err("bad-unique", "unique"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "unique": "abc"})),
            err("bad-unique", "unique"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "lang": "maybe"})),
            err("bad-param", "lang"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "bots": 2})),
            err("bad-param", "bots"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "name": {"a": 1}})),
            err("bad-param", "name"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "trafficback": "ftp://x.test/"})),
            err("bad-url", "trafficback"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "trafficback": "javascript:alert(1)"})),
            err("bad-url", "trafficback"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "main", "trafficback": 777})),
            err("bad-site", "trafficback"),
        ),
        (
            "flow",
            get("flow=main&trafficback=99999999999999999999"),
            err("bad-site", "trafficback"),
        ),
        // A new flow with a bad way is not created at all.
        (
            "flow",
            Req::Json(json!({"flow": "fresh", "name": "F", "ways": [ok_way, {"url": "x"}]})),
            err("bad-url", "ways[1].url"),
        ),
        (
            "flow",
            Req::Form("flow=fresh&ways=%5B%7B%22url%22%3A%22javascript%3A1%22%7D%5D".into()),
            err("bad-url", "ways[0].url"),
        ),
        (
            "flow",
            Req::Form("flow=main&name=%FF".into()),
            err("bad-param", "name"),
        ),
        ("flow-delete", get(""), err("bad-flow", "flow")),
        ("flow-delete", get("flow=nope"), err("bad-flow", "flow")),
        ("flow-delete", get("flow=A%2FB"), err("bad-flow", "flow")),
    ];
    let long = "a".repeat(33);
    for id in [
        "MAIN",
        "Ab",
        "m",
        long.as_str(),
        "a/b",
        "a b",
        "ab_c",
        "ab.c",
        "api",
        "app",
        "static",
        "health",
        "é-é",
    ] {
        cases.push((
            "flow",
            Req::Json(json!({"flow": id, "ways": [ok_way]})),
            err("bad-flow", "flow"),
        ));
    }
    check_all(&app, cases);
}

/// A parameter a management function does not know is `bad-param` naming
/// it, and changes nothing: `site=1` on flow.json used to save a flow
/// without ways whose every visitor got a 404.
#[test]
fn unknown_management_parameters_are_refused() {
    let app = setup();
    check_all(
        &app,
        vec![
            ("flow", get("flow=main&site=1"), err("bad-param", "site")),
            (
                "flow",
                Req::Json(json!({"flow": "main", "way": [{"url": "https://x.test/"}]})),
                err("bad-param", "way"),
            ),
            (
                "flow-delete",
                get("flow=main&force=1"),
                err("bad-param", "force"),
            ),
            (
                "site",
                get("name=S&url=https://s.test/&sitename=x"),
                err("bad-param", "sitename"),
            ),
            (
                "site-delete",
                get("site=1&flow=main"),
                err("bad-param", "flow"),
            ),
            (
                "goal",
                get("goal=reg&title=Registration"),
                err("bad-param", "title"),
            ),
            (
                "blacklist",
                get("add=1.2.3.4&ip=5.6.7.8"),
                err("bad-param", "ip"),
            ),
            (
                "profile",
                get("timezone=UTC&tz=Europe/Berlin"),
                err("bad-param", "tz"),
            ),
        ],
    );
}

/// A flow that can send nobody anywhere is saved (the user may add ways
/// later) but the answer warns; one with an active way or a trafficback
/// does not.
#[test]
fn a_flow_without_an_active_way_or_trafficback_is_saved_with_a_warning() {
    let app = common::spawn_app();
    let r = app.api_json("flow", &json!({"flow": "empty"}));
    assert_eq!(r["status"], "ok", "{r}");
    assert!(r["warning"].as_str().unwrap().contains("404"), "{r}");
    let r = app.api_json(
        "flow",
        &json!({"flow": "paused", "ways": [{"url": "https://p.test/", "active": 0}]}),
    );
    assert!(r["warning"].is_string(), "{r}");
    let r = app.api_json(
        "flow",
        &json!({"flow": "paused", "trafficback": "https://tb.test/"}),
    );
    assert!(r.get("warning").is_none(), "{r}");
    let r = app.api_json(
        "flow",
        &json!({"flow": "live", "ways": [{"url": "https://l.test/"}]}),
    );
    assert_eq!(r, json!({"status": "ok", "flow": "live", "ways": [2]}));
}
