//! Shared by the bad-input tests (management.rs, management_flows.rs): how
//! a case is sent, the expected envelope, and a dump of everything a bad
//! call could change (SPEC 3: malformed input never writes anything).
#![allow(dead_code)]
use crate::common::*;
use serde_json::{json, Value};

/// How a case is sent.
pub enum Req {
    /// GET with this query (the token is added).
    Get(String),
    /// POST this JSON value with a Bearer token.
    Json(Value),
    /// POST these raw bytes as application/json (token in the query).
    RawJson(&'static [u8]),
    /// POST this form body (token in the query).
    Form(String),
}

pub fn send(app: &TestApp, func: &str, req: &Req) -> Value {
    match req {
        Req::Get(q) => app.api(func, q),
        Req::Json(v) => app.api_json(func, v),
        Req::Form(f) => app.api_form(func, f),
        Req::RawJson(body) => {
            let r = app.request(
                "POST",
                &format!("/api/tracker/{func}.json?id={}", app.token),
                &[("Content-Type", "application/json")],
                body,
            );
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()
        }
    }
}

pub fn describe(req: &Req) -> String {
    match req {
        Req::Get(q) => format!("GET {q}"),
        Req::Json(v) => format!("JSON {v}"),
        Req::RawJson(b) => format!("RAW {}", String::from_utf8_lossy(b)),
        Req::Form(f) => format!("FORM {f}"),
    }
}

pub fn err(code: &str, field: &str) -> Value {
    json!({"status": "error", "error": code, "field": field})
}

pub fn get(q: &str) -> Req {
    Req::Get(q.to_string())
}

/// Everything a bad call could change: the lists and every row, archived too.
pub fn state(app: &TestApp) -> Vec<Value> {
    let conn = app.db();
    let dump = |sql: &str| -> Value {
        let mut st = conn.prepare(sql).unwrap();
        let n = st.column_count();
        let rows: Vec<Value> = st
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Integer(x) => json!(x),
                        rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                        rusqlite::types::ValueRef::Null => Value::Null,
                        other => json!(format!("{other:?}")),
                    })
                    .collect::<Vec<_>>())
            })
            .unwrap()
            .map(|r| json!(r.unwrap()))
            .collect();
        json!(rows)
    };
    vec![
        app.api("flows", ""),
        app.api("sites", ""),
        app.api("blacklist", ""),
        dump("SELECT * FROM flows ORDER BY id"),
        dump("SELECT * FROM ways ORDER BY id"),
        dump("SELECT * FROM sites ORDER BY id"),
        dump("SELECT * FROM blacklist ORDER BY entry"),
    ]
}

/// One site, one flow with two ways and a trafficback, one blacklist entry.
pub fn setup() -> TestApp {
    let app = spawn_app();
    let s = app.api_json(
        "site",
        &json!({"name": "S", "url": "https://s.test/?c={click}"}),
    );
    assert_eq!(s["site"], 1);
    let f = app.api_json(
        "flow",
        &json!({"flow": "main", "name": "Main", "geo": ["de"], "trafficback": "https://tb.test/",
                "ways": [{"site": 1, "weight": 2}, {"url": "https://u.test/", "geox": ["fr"]}]}),
    );
    assert_eq!(f, json!({"status": "ok", "flow": "main", "ways": [1, 2]}));
    let b = app.api("blacklist", "add=10.0.0.0/8");
    assert_eq!(b["blacklist"], json!(["10.0.0.0/8"]));
    app
}

pub fn check_all(app: &TestApp, cases: Vec<(&str, Req, Value)>) {
    let before = state(app);
    for (func, req, want) in &cases {
        let got = send(app, func, req);
        assert_eq!(&got, want, "{func} {}", describe(req));
        assert_eq!(state(app), before, "{func}: {got} changed something");
    }
}
