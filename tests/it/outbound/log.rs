//! postbacks-out.json's rows and filters (docs/API.md postbacks-out.json)
//! and source.json's refusals of a bad template, each naming its field.
use super::*;
use crate::common::receiver::{Mode, Receiver};

#[test]
fn the_log_shows_each_attempt_and_filters_like_leads_json() {
    let app = spawn_app();
    let api = Api::of(&app);
    let ok = Receiver::start(Mode::Ok);
    let busy = Receiver::start(Mode::Status(500));
    let s = api.source(json!({"name": "Ok", "postback_url": ok.url("/ok?l={lead}")}));
    let b = api.source(json!({"name": "Busy", "postback_url": busy.url("/busy"),
        "postback_method": "post", "postback_body": r#"{"lead":"{lead}"}"#}));
    api.flow("ok", s);
    api.flow("busy", b);
    let start = now_s();
    let c1 = api.click("/ok");
    let l1 = api.pb(&format!("click={c1}&status=approve"));
    let r1 = api.wait_row(l1, "sent", |r| r["state"] == "sent");
    let c2 = api.click("/busy");
    let l2 = api.pb(&format!("click={c2}&status=approve"));
    let r2 = api.wait_row(l2, "an attempt", |r| r["attempts"] == 1);
    let end = now_s();

    let keys: Vec<&str> = r1.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id", "time", "lead", "click", "source", "stage", "method", "url", "body", "type",
            "state", "attempts", "next", "last", "http", "latency", "response", "error"
        ]
    );
    let within = |v: &Value| (start..=end).contains(&v.as_i64().unwrap());
    assert!(within(&r1["time"]) && within(&r1["last"]), "{r1}");
    assert_eq!(
        [
            &r1["lead"],
            &r1["click"],
            &r1["source"],
            &r1["stage"],
            &r1["method"]
        ],
        [
            &json!(l1),
            &json!(c1),
            &json!(s),
            &json!("approve"),
            &json!("get")
        ]
    );
    assert_eq!(
        [
            &r1["url"],
            &r1["body"],
            &r1["type"],
            &r1["attempts"],
            &r1["http"]
        ],
        [
            &json!(ok.url(&format!("/ok?l={l1}"))),
            &json!(""),
            &json!(""),
            &json!(1),
            &json!(200)
        ]
    );
    assert_eq!(
        (&r1["response"], &r1["error"]),
        (&json!("received 200"), &json!(""))
    );
    assert!(r1["latency"].as_i64().unwrap() >= 0, "{r1}");

    assert_eq!(
        [&r2["state"], &r2["method"], &r2["http"], &r2["response"]],
        [
            &json!("pending"),
            &json!("post"),
            &json!(500),
            &json!("received 500")
        ]
    );
    assert_eq!(r2["body"], format!(r#"{{"lead":"{l2}"}}"#));
    assert!(
        r2["type"].as_str().unwrap().starts_with("application/json"),
        "{r2}"
    );
    assert!(!r2["error"].as_str().unwrap().is_empty(), "{r2}");
    assert_eq!(
        r2["next"].as_i64().unwrap() - r2["last"].as_i64().unwrap(),
        60
    );

    let leads = |q: &str| -> Vec<i64> {
        api.out(q)
            .iter()
            .map(|r| r["lead"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(leads(""), [l2, l1], "newest first");
    assert_eq!(leads("limit=1"), [l2]);
    assert_eq!(leads("limit=1&offset=1"), [l1]);
    assert_eq!(leads(&format!("source={s}")), [l1]);
    assert_eq!(leads(&format!("source={s},{b}")), [l2, l1]);
    assert_eq!(leads(&format!("lead={l2}")), [l2]);
    assert_eq!(leads("state=sent"), [l1]);
    assert_eq!(leads("state=pending"), [l2]);
    assert_eq!(leads("state=failed"), Vec::<i64>::new());
    assert_eq!(leads(&format!("ufrom={start}&uto={end}")), [l2, l1]);
    assert_eq!(leads(&format!("ufrom={}", end + 1)), Vec::<i64>::new());
    assert_eq!(leads(&format!("uto={}", start - 1)), Vec::<i64>::new());
    assert_eq!(leads("from=2000-01-01&to=2100-01-01"), [l2, l1]);
    for (q, code, field) in [
        ("state=lost", "bad-state", "state"),
        ("limit=-1", "bad-param", "limit"),
        ("from=yesterday-ish", "bad-date", "from"),
    ] {
        let r = api.get("postbacks-out", q);
        assert_eq!(
            (&r["error"], &r["field"]),
            (&json!(code), &json!(field)),
            "{q}: {r}"
        );
    }
}

#[test]
fn a_bad_template_is_refused_naming_its_field_and_changes_nothing() {
    let app = spawn_app();
    let api = Api::of(&app);
    let s = api.source(
        json!({"name": "T", "postback_url": "https://net.test/pb?c={clickid}",
        "postback_stages": ["approve"], "postback_share": 50}),
    );
    let before = api.get("sources", "")["sources"][0].clone();
    let long_url = format!("https://net.test/?x={}", "a".repeat(2000));
    let cases = [
        (
            json!({"postback_url": "ftp://net.test/"}),
            "bad-url",
            "postback_url",
        ),
        (
            json!({"postback_url": "net.test/pb"}),
            "bad-url",
            "postback_url",
        ),
        (
            json!({"postback_url": "https:// net.test/"}),
            "bad-url",
            "postback_url",
        ),
        (json!({"postback_url": long_url}), "bad-url", "postback_url"),
        (
            json!({"postback_method": "put"}),
            "bad-method",
            "postback_method",
        ),
        (
            json!({"postback_stages": ["approve", "won"]}),
            "bad-status",
            "postback_stages",
        ),
        (
            json!({"postback_goals": ["Bad Goal!"]}),
            "bad-goal",
            "postback_goals",
        ),
        (
            json!({"postback_share": 1000.5}),
            "bad-param",
            "postback_share",
        ),
        (json!({"postback_share": -1}), "bad-param", "postback_share"),
        (
            json!({"postback_currency": "xyz"}),
            "bad-currency",
            "postback_currency",
        ),
        (
            json!({"postback_words": {"won": "sale"}}),
            "bad-status",
            "postback_words",
        ),
    ];
    for (change, code, field) in cases {
        let mut body = change.clone();
        body["source"] = json!(s);
        let r = api.post("source", &body);
        assert_eq!(
            (&r["status"], &r["error"], &r["field"]),
            (&json!("error"), &json!(code), &json!(field)),
            "{change}: {r}"
        );
    }
    assert_eq!(api.get("sources", "")["sources"][0], before);
    // An empty URL is allowed: the source is told nothing.
    assert_eq!(api.source(json!({"source": s, "postback_url": ""})), s);
    assert_eq!(api.get("sources", "")["sources"][0]["postback"]["url"], "");
}
