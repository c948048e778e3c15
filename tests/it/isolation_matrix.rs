//! Issue 7 / SPEC 1, the isolation matrix: for every endpoint and every
//! object kind (site, landing page, flow, way, traffic source, click,
//! lead, goal, blacklist entry, rates, token, outgoing postback), a second user's token on the first user's ids gives `access`
//! or an answer without the first user's data — never their data, never a
//! change. The first user's whole state is compared before and after.
use crate::common::receiver::{Mode, Receiver};
use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Everything the first user can see of their account, over the API.
fn state(app: &TestApp) -> Vec<Value> {
    let mut all: Vec<Value> = [
        "sites",
        "sources",
        "flows",
        "goals",
        "blacklist",
        "clicks",
        "leads",
        "profile",
        "rates",
        "postbacks-in",
        "postbacks-out",
    ]
    .iter()
    .map(|f| app.api(f, ""))
    .collect();
    all.push(app.api("stats", "from=2000-01-01&to=2100-01-01&item=flow"));
    all
}

/// Percent-encodes what a request line cannot carry raw (JSON values).
fn enc(query: &str) -> String {
    query
        .chars()
        .map(|c| match c {
            '"' | '{' | '}' | '[' | ']' | ' ' | ':' | ',' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// True when `needle` appears anywhere in the answer's text.
fn mentions(v: &Value, needle: &str) -> bool {
    v.to_string().contains(needle)
}

#[test]
fn a_second_user_gets_access_or_nothing_on_every_endpoint_and_object() {
    let app = spawn_app();
    assert_eq!(
        app.api_json(
            "site",
            &json!({"name": "A site", "url": "https://a-site.test/"})
        )["site"],
        1
    );
    let f = app.api_json(
        "flow",
        &json!({"flow": "a-flow", "trafficback": 1, "ways": [{"site": 1}, {"url": "https://a-way.test/"}]}),
    );
    assert_eq!(f["ways"], json!([1, 2]));
    // A traffic source on the flow, told of approved leads by a receiver
    // that refuses them (the send fails at once and stays failed), and a
    // landing page in front of site 1.
    let refuses = Receiver::start(Mode::Status(400));
    let s = app.api(
        "source",
        &format!(
            "template=google&name=A%20source&postback_url={}",
            enc(&refuses.url("/a-postback?l={lead}"))
        ),
    );
    assert_eq!(s["source"], 1, "{s}");
    assert_eq!(app.api("flow", "flow=a-flow&source=1")["status"], "ok");
    let lp = app.api_json(
        "site",
        &json!({"name": "A landing", "url": "https://a-landing.test/?go={lpclick}", "kind": "landing"}),
    );
    assert_eq!(lp["site"], 2, "{lp}");
    let f = app.api_json(
        "flow",
        &json!({"flow": "a-lp", "ways": [{"site": 2, "offers": [{"site": 1}]}]}),
    );
    assert_eq!(f["status"], "ok", "{f}");
    assert_eq!(app.api("goal", "goal=a-goal&name=A%20goal")["status"], "ok");
    assert_eq!(app.api("blacklist", "add=10.7.7.7")["status"], "ok");
    assert_eq!(app.click("/a-flow?subid=a-subid", &[]).status, 302);
    let click = app.api("clicks", "")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    let lead = app.api(
        "postback",
        &format!("click={click}&goal=a-goal&uid=a-uid&status=approve&price=7"),
    );
    assert_eq!(lead["create"], true, "{lead}");
    let lead_id = lead["id"].clone();
    assert_eq!(app.api("spend", "flow=a-flow&cost=3")["ok"], 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.api("postbacks-out", "state=failed")["postbacks"] == json!([]) {
        assert!(
            Instant::now() < deadline,
            "the outgoing postback did not fail"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = app.api("postbacks-out", "")["postbacks"][0]["id"].clone();
    let before = state(&app);
    let bob = app.add_user("bob");

    // (endpoint, query with the first user's ids, what bob must get):
    // Some(code) for an error, None for an answer that holds none of it.
    let calls: Vec<(&str, String, Option<&str>)> = vec![
        // Before bob posts anything (his own refused calls below are his
        // log's, as he sent them).
        ("postbacks-in", String::new(), None),
        ("postbacks-in", format!("click={click}"), None),
        ("postbacks-in", "flow=a-flow&error=ok".into(), None),
        ("site", "site=1&name=taken".into(), Some("access")),
        (
            "site",
            "site=1&url=https://evil.test/".into(),
            Some("access"),
        ),
        ("site-delete", "site=1".into(), Some("access")),
        ("flow", "flow=a-flow&name=taken".into(), Some("access")),
        (
            "flow",
            r#"flow=b-1&ways=[{"way":1,"url":"https://evil.test/"}]"#.into(),
            Some("bad-way"),
        ),
        (
            "flow",
            r#"flow=b-2&ways=[{"site":1}]"#.into(),
            Some("access"),
        ),
        ("flow", "flow=b-3&trafficback=1".into(), Some("access")),
        ("flow-delete", "flow=a-flow".into(), Some("access")),
        (
            "postback",
            format!("click={click}&status=trash"),
            Some("access"),
        ),
        (
            "postback",
            "flow=a-flow&subid=a-subid&status=trash".into(),
            Some("access"),
        ),
        ("rates", r#"rates={"usd":1,"eur":5}"#.into(), Some("access")),
        ("source", "source=1&name=taken".into(), Some("access")),
        ("source", "source=1&cpc=9".into(), Some("access")),
        ("source-delete", "source=1".into(), Some("access")),
        ("flow", "flow=b-4&source=1".into(), Some("access")),
        ("site", "site=2&kind=offer".into(), Some("access")),
        (
            "flow",
            r#"flow=b-5&ways=[{"site":2,"offers":[{"site":1}]}]"#.into(),
            Some("access"),
        ),
        ("sources", String::new(), None),
        (
            "stats",
            "from=2000-01-01&to=2100-01-01&item=source&source=1".into(),
            None,
        ),
        (
            "stats",
            "from=2000-01-01&to=2100-01-01&item=landing&landing=2".into(),
            None,
        ),
        ("spend", "source=1&cost=1000".into(), None),
        ("sites", String::new(), None),
        ("flows", String::new(), None),
        ("goals", String::new(), None),
        ("goal", "goal=a-goal&name=hijacked".into(), None),
        ("blacklist", "remove=10.7.7.7".into(), None),
        ("clicks", format!("click={click}"), None),
        ("clicks", "flow=a-flow".into(), None),
        ("leads", format!("click={click}"), None),
        ("leads", "flow=a-flow&goal=a-goal".into(), None),
        (
            "stats",
            "from=2000-01-01&to=2100-01-01&item=flow&flow=a-flow".into(),
            None,
        ),
        ("spend", "flow=a-flow&cost=1000".into(), Some("access")),
        // Way ids are not public: another user's way is no way of yours.
        ("spend", "way=1&cpc=9".into(), Some("bad-way")),
        ("profile", String::new(), None),
        ("postbacks-out", String::new(), None),
        ("postbacks-out", "source=1".into(), None),
        ("postbacks-out", format!("lead={lead_id}"), None),
        ("postbacks-out", "state=failed".into(), None),
        ("postback-retry", format!("postback={out}"), Some("access")),
        (
            "postback-preview",
            format!("lead={lead_id}"),
            Some("access"),
        ),
        (
            "postback-preview",
            format!("lead={lead_id}&source=1"),
            Some("access"),
        ),
        (
            "source",
            "source=1&postback_url=https://evil.test/".into(),
            Some("access"),
        ),
        ("token", String::new(), None),
    ];
    let first_users = [
        "a-postback",
        "a-site.test",
        "a-way.test",
        "a-landing.test",
        "A source",
        "a-flow",
        "a-uid",
        "10.7.7.7",
        "A goal",
        &app.token,
        &click,
    ];
    let mut bob = bob;
    for (func, query, expect) in &calls {
        let r = app.api_as(&bob, func, &enc(query));
        match expect {
            Some(code) => assert_eq!(r["error"], *code, "{func}?{query}: {r}"),
            None => {
                assert_eq!(r["status"], "ok", "{func}?{query}: {r}");
                for needle in first_users {
                    assert!(!mentions(&r, needle), "{func}?{query} shows {needle}: {r}");
                }
                if *func == "stats" {
                    assert_eq!(r["total"]["click"], 0, "{r}");
                }
                if *func == "spend" {
                    assert_eq!(r["clicks"], 0, "{r}");
                }
                if *func == "token" {
                    bob = r["token"].as_str().unwrap().to_string();
                }
            }
        }
    }
    // Bob's log holds his own calls alone: the refused postbacks.
    let logged = app.api_as(&bob, "postbacks-in", "")["postbacks"].clone();
    assert_eq!(logged.as_array().map(Vec::len), Some(2), "{logged}");
    for row in logged.as_array().unwrap() {
        assert_eq!((&row["error"], &row["lead"]), (&json!("access"), &json!(0)));
    }
    // Bob's own objects with the first user's names live beside theirs.
    assert_eq!(
        app.api_as(&bob, "goals", "")["goals"],
        json!([{"goal": "a-goal", "name": "hijacked"}])
    );
    assert_eq!(state(&app), before, "the first user's data changed");
    println!(
        "isolation matrix: {} calls over 24 endpoints and 12 object kinds",
        calls.len()
    );
}
