//! postbacks-out.json masks secrets (docs/API.md postbacks-out.json): the
//! values of query, form and JSON keys that look secret, and a URL's
//! user:password, read `***`; the receiver still gets them, and the other
//! values stay readable.
use super::*;
use crate::common::receiver::{find, Mode, Receiver};

/// Each secret value is unique, so that finding it anywhere in an answer
/// means it leaked. (A URL's user name stays readable beside its masked
/// password, as `user:***@`: it names the account, the password is the
/// secret.)
const SECRETS: [&str; 8] = [
    "TOKVAL1", "KEYVAL2", "SIGVAL3", "PASSVAL4", "AUTHVAL5", "SECVAL6", "ATVAL7", "PWVAL9",
];

#[test]
fn secrets_in_urls_forms_and_json_bodies_are_masked_in_the_log() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    let get = format!(
        "http://USERVAL8:PWVAL9@127.0.0.1:{}/get?token=TOKVAL1&api_key=KEYVAL2&Signature=SIGVAL3&x=1&l={{lead}}",
        rx.port
    );
    let g = api.source(json!({"name": "Get", "postback_url": get}));
    let f = api.source(
        json!({"name": "Form", "postback_url": rx.url("/form?n=2"), "postback_method": "post",
        "postback_body": "password=PASSVAL4&auth=AUTHVAL5&amount={payout}&l={lead}"}),
    );
    let j = api.source(json!({"name": "Json", "postback_url": rx.url("/json"), "postback_method": "post",
        "postback_body": r#"{"secret":"SECVAL6","nested":{"access_token":"ATVAL7"},"amount":{payout}}"#}));
    for (flow, s) in [("get", g), ("form", f), ("json", j)] {
        api.flow(flow, s);
        let c = api.click(&format!("/{flow}"));
        api.pb(&format!("click={c}&status=approve&price=3"));
    }
    let calls = rx.wait_calls(3, LONG);
    let rows = api.wait_out("", "every row sent", |r| r.len() == 3 && all_in(r, "sent"));
    let text = Value::Array(rows.clone()).to_string();
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} shown: {rows:#?}");
    }
    let by_source = |s: i64| rows.iter().find(|r| r["source"] == s).unwrap().clone();
    let row = by_source(g);
    let url = row["url"].as_str().unwrap();
    assert!(
        url.contains("token=***") && url.contains("api_key=***"),
        "{url}"
    );
    assert!(url.contains("Signature=***"), "{url}");
    assert!(url.contains("&x=1&l="), "{url}");
    assert!(url.starts_with("http://USERVAL8:***@127.0.0.1:"), "{url}");
    assert!(url.contains("/get?"), "{url}");
    let row = by_source(f);
    let body = row["body"].as_str().unwrap();
    assert!(
        body.contains("password=***") && body.contains("auth=***"),
        "{body}"
    );
    assert!(body.contains("amount=3&l="), "{body}");
    assert_eq!(row["url"], rx.url("/form?n=2"));
    let row = by_source(j);
    let body: Value = serde_json::from_str(row["body"].as_str().unwrap()).expect("still JSON");
    assert_eq!(
        body,
        json!({"secret": "***", "nested": {"access_token": "***"}, "amount": 3})
    );

    // The receiver got the real values.
    let call = calls.iter().find(|c| c.path() == "/get").unwrap();
    assert_eq!(call.param("token").as_deref(), Some("TOKVAL1"));
    assert_eq!(call.param("Signature").as_deref(), Some("SIGVAL3"));
    let call = calls.iter().find(|c| c.path() == "/form").unwrap();
    assert_eq!(find(&call.form(), "password").as_deref(), Some("PASSVAL4"));
    let call = calls.iter().find(|c| c.path() == "/json").unwrap();
    assert_eq!(call.json()["nested"]["access_token"], "ATVAL7");
    // The user's own template is not masked in the preview.
    let lead = rows[0]["lead"].as_i64().unwrap();
    let src = rows[0]["source"].as_i64().unwrap();
    let r = api.get("postback-preview", &format!("lead={lead}&source={src}"));
    let shown = r.to_string();
    assert!(
        SECRETS.iter().any(|s| shown.contains(s)),
        "preview masked: {r}"
    );
}
