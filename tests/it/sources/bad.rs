//! Bad input on sources.json, source.json, source-delete.json and
//! flow.json's `source` answers the envelope and changes nothing; another
//! user's sources are `access` (docs/API.md "Error codes").
use super::{bad_input_err as err, create, flow_with_source};
use crate::bad_input::{describe, send, Req};
use crate::common::*;
use serde_json::{json, Value};

/// Every row a bad call could change, archived ones too.
fn state(app: &TestApp) -> Vec<Value> {
    let conn = app.db();
    let dump = |sql: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| {
            Ok((0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    vec![
        json!(dump("SELECT * FROM sources ORDER BY id")),
        json!(dump("SELECT * FROM flows ORDER BY id")),
        json!(dump("SELECT * FROM ways ORDER BY id")),
        app.api("sources", ""),
        app.api("flows", ""),
    ]
}

fn get(q: &str) -> Req {
    Req::Get(q.to_string())
}

#[test]
fn bad_input_on_every_source_endpoint_answers_the_envelope_and_changes_nothing() {
    let app = spawn_app();
    let s = create(
        &app,
        json!({"template": "google", "cost_model": "cpc", "cpc": 1}),
    );
    flow_with_source(&app, "ff", s);
    let arch = create(&app, json!({"name": "Gone"}));
    assert_eq!(
        app.api("source-delete", &format!("source={arch}"))["status"],
        "ok"
    );
    let bad = |f: &str| err("bad-param", f);
    let m = |v: Value| Req::Json(json!({"source": s, "params": v}));
    let cases: Vec<(&str, Req, Value)> = vec![
        ("sources", get("x=1"), bad("x")),
        ("source", get("nope=1"), bad("nope")),
        ("source", get("source=abc"), err("bad-source", "source")),
        ("source", get("source=0"), err("bad-source", "source")),
        (
            "source",
            get("source=99&name=x"),
            err("bad-source", "source"),
        ),
        (
            "source",
            get(&format!("source={arch}&name=x")),
            err("bad-source", "source"),
        ),
        (
            "source",
            get("template=myspace"),
            err("bad-template", "template"),
        ),
        (
            "source",
            get(&format!("source={s}&template=nope")),
            err("bad-template", "template"),
        ),
        ("source", get("click_param=gclid"), bad("name")),
        (
            "source",
            Req::Json(json!({"source": s, "name": ["a"]})),
            bad("name"),
        ),
        (
            "source",
            get(&format!("source={s}&click_param=a%20b")),
            bad("click_param"),
        ),
        (
            "source",
            get(&format!("source={s}&click_param=a%26b")),
            bad("click_param"),
        ),
        (
            "source",
            get(&format!("source={s}&click_param={}", "p".repeat(65))),
            bad("click_param"),
        ),
        (
            "source",
            get(&format!("source={s}&click_macro=%7Ba%7D%26x=1")),
            bad("click_macro"),
        ),
        (
            "source",
            get(&format!("source={s}&click_macro=%7Ba%20b%7D")),
            bad("click_macro"),
        ),
        (
            "source",
            get(&format!("source={s}&params=%7B%7D")),
            bad("params"),
        ),
        (
            "source",
            get(&format!("source={s}&params=%5B")),
            bad("params"),
        ),
        (
            "source",
            Req::Json(json!({"source": s, "params": 5})),
            bad("params"),
        ),
        ("source", m(json!([1])), bad("params[0].param")),
        (
            "source",
            m(json!([{"tag": "subid"}])),
            bad("params[0].param"),
        ),
        (
            "source",
            m(json!([{"param": "z", "tag": "adid"}])),
            bad("params[0].tag"),
        ),
        (
            "source",
            m(json!([{"param": "z", "tag": "source"}])),
            bad("params[0].tag"),
        ),
        ("source", m(json!([{"param": "z"}])), bad("params[0].tag")),
        (
            "source",
            m(json!([{"param": "z", "tag": "subid", "macro": 3}])),
            bad("params[0].macro"),
        ),
        (
            "source",
            m(json!([{"param": "z", "tag": "subid", "macro": "a#b"}])),
            bad("params[0].macro"),
        ),
        (
            "source",
            m(json!([{"param": "z", "tag": "subid"}, {"param": "z", "tag": "data1"}])),
            bad("params[1].param"),
        ),
        (
            "source",
            m(json!([{"param": "gclid", "tag": "subid"}])),
            bad("params[0].param"),
        ),
        (
            "source",
            m(json!((0..51)
                .map(|i| json!({"param": format!("p{i}"), "tag": "data1"}))
                .collect::<Vec<_>>())),
            bad("params"),
        ),
        ("source", get(&format!("source={s}&cost_model=cpm")), {
            let mut e = bad("cost_model");
            e["valid"] = json!(["none", "cpc", "param"]);
            e
        }),
        (
            "source",
            get(&format!("source={s}&cost_model=param")),
            bad("cost_param"),
        ),
        (
            "source",
            get(&format!("source={s}&cost_model=param&cost_param=gclid")),
            bad("cost_param"),
        ),
        (
            "source",
            get(&format!("source={s}&cost_param=a%20b")),
            bad("cost_param"),
        ),
        (
            "source",
            get(&format!("source={s}&cost_macro=a%26b")),
            bad("cost_macro"),
        ),
        (
            "source",
            get(&format!("source={s}&cpc=-1")),
            err("bad-price", "cpc"),
        ),
        (
            "source",
            get(&format!("source={s}&cpc=abc")),
            err("bad-price", "cpc"),
        ),
        (
            "source",
            get(&format!("source={s}&cpc=1e400")),
            err("bad-price", "cpc"),
        ),
        (
            "source",
            get(&format!("source={s}&currency=xyz")),
            err("bad-currency", "currency"),
        ),
        (
            "source",
            get(&format!("source={s}&currency=euro")),
            err("bad-currency", "currency"),
        ),
        (
            "source",
            Req::RawJson(b"{\"source\":"),
            json!({"status": "error", "error": "bad-json"}),
        ),
        ("source-delete", get(""), err("bad-source", "source")),
        (
            "source-delete",
            get("source=x"),
            err("bad-source", "source"),
        ),
        (
            "source-delete",
            get("source=99"),
            err("bad-source", "source"),
        ),
        (
            "source-delete",
            get(&format!("source={s}&name=x")),
            bad("name"),
        ),
        (
            "flow",
            get("flow=ff&source=99"),
            err("bad-source", "source"),
        ),
        (
            "flow",
            get("flow=ff&source=-1"),
            err("bad-source", "source"),
        ),
        ("flow", get("flow=ff&source=x"), err("bad-source", "source")),
        (
            "flow",
            get(&format!("flow=ff&source={arch}")),
            err("bad-source", "source"),
        ),
        (
            "flow",
            get("flow=new-one&source=99"),
            err("bad-source", "source"),
        ),
        (
            "flow",
            Req::Json(json!({"flow": "ff", "source": [1]})),
            bad("source"),
        ),
    ];
    let before = state(&app);
    for (func, req, want) in &cases {
        let got = send(&app, func, req);
        assert_eq!(&got, want, "{func} {}", describe(req));
        assert_eq!(
            state(&app),
            before,
            "{func} {}: changed something",
            describe(req)
        );
    }
}

#[test]
fn another_users_sources_are_access_and_never_shown() {
    let app = spawn_app();
    let s = create(
        &app,
        json!({"name": "Alice net", "click_param": "aliceclk", "cost_model": "cpc", "cpc": 2}),
    );
    flow_with_source(&app, "alice", s);
    assert_eq!(app.click("/alice?aliceclk=A1", &[]).status, 302);
    let bob = app.add_user("bob");
    let before = state(&app);
    let calls = [
        ("source", format!("source={s}&name=mine")),
        ("source", format!("source={s}&template=google")),
        ("source-delete", format!("source={s}")),
        ("flow", format!("flow=bobs&source={s}")),
    ];
    for (func, q) in &calls {
        let r = app.api_as(&bob, func, q);
        assert_eq!(
            r,
            json!({"status": "error", "error": "access"}),
            "{func}?{q}"
        );
        assert_eq!(state(&app), before, "{func}?{q}");
    }
    let r = app.api_as(&bob, "sources", "");
    assert_eq!(r["sources"], json!([]), "{r}");
    assert!(!r.to_string().contains("Alice net"));
    let r = app.api_as(&bob, "stats", "from=2000-01-01&to=2100-01-01&item=source");
    assert_eq!(r["total"]["click"], 0, "{r}");
    assert!(!r.to_string().contains("Alice net"), "{r}");
    let r = app.api_as(&bob, "clicks", &format!("source={s}"));
    assert_eq!(r["clicks"], json!([]), "{r}");
    // Bob's own source of the same shape is his alone.
    let r = app.api_json_as(&bob, "source", &json!({"name": "Bob net"}));
    let b = r["source"].as_i64().unwrap();
    assert_eq!(
        app.api("source", &format!("source={b}&name=x"))["error"],
        "access"
    );
    assert_eq!(
        app.api("sources", "")["sources"].as_array().unwrap().len(),
        1
    );
}
