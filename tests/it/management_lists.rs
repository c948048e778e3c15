//! SPEC 5.2 answers of the management API: every field by its exact
//! name, ways replaced as sent, generated flow ids, blacklist entries.
use crate::bad_input;
use crate::common;
use bad_input::setup;
use serde_json::json;

#[test]
fn sites_and_flows_list_every_field_by_its_spec_name() {
    let app = setup();
    assert_eq!(
        app.api("sites", ""),
        json!({"status": "ok", "sites": [{"id": 1, "name": "S", "url": "https://s.test/?c={click}", "kind": "offer"}]})
    );
    assert_eq!(
        app.api("flows", ""),
        json!({"status": "ok", "flows": [{
            "flow": "main", "name": "Main", "method": "redirect", "geo": ["de"], "lang": 0,
            "bots": 1, "unique": 24, "trafficback": "https://tb.test/",
            "ways": [
                {"way": 1, "site": 1, "url": "https://s.test/?c={click}", "weight": 2, "geo": [],
                 "geox": [], "device": "any", "bots": 0, "active": 1, "offers": []},
                {"way": 2, "site": false, "url": "https://u.test/", "weight": 1, "geo": [],
                 "geox": ["fr"], "device": "any", "bots": 0, "active": 1, "offers": []}
            ],
            // No traffic source: the link is the flow's path alone (sources.rs).
            "source": false, "link": format!("http://127.0.0.1:{}/main", app.port)
        }]})
    );
    // A site's name defaults to its URL; an update keeps what is not sent.
    let r = app.api("site", "url=https://n.test/");
    assert_eq!(r, json!({"status": "ok", "site": 2}));
    let r = app.api("site", "site=2&name=New");
    assert_eq!(r, json!({"status": "ok", "site": 2}));
    assert_eq!(
        app.api("sites", "")["sites"][1],
        json!({"id": 2, "name": "New", "url": "https://n.test/", "kind": "offer"})
    );
    assert_eq!(
        app.api("site-delete", "site=2"),
        json!({"status": "ok", "site": 2})
    );
    assert_eq!(app.api("sites", "")["sites"].as_array().unwrap().len(), 1);
}

#[test]
fn ways_sent_replace_the_flows_ways() {
    let app = setup();
    // Way 2 kept (with new rules), way 1 left out (archived), one new way.
    let r = app.api_json(
        "flow",
        &json!({"flow": "main", "ways": [
            {"way": 2, "url": "https://u2.test/", "device": "ios", "bots": 1, "active": 0},
            {"url": "https://new.test/", "weight": 5}
        ]}),
    );
    assert_eq!(r, json!({"status": "ok", "flow": "main", "ways": [2, 3]}));
    let ways = app.api("flows", "")["flows"][0]["ways"].clone();
    assert_eq!(
        ways,
        json!([
            {"way": 2, "site": false, "url": "https://u2.test/", "weight": 1, "geo": [],
             "geox": [], "device": "ios", "bots": 1, "active": 0, "offers": []},
            {"way": 3, "site": false, "url": "https://new.test/", "weight": 5, "geo": [],
             "geox": [], "device": "any", "bots": 0, "active": 1, "offers": []}
        ])
    );
    // The same ways as a JSON string in a form body.
    let ways = r#"[{"way":3,"url":"https://new.test/"}]"#;
    let r = app.api_form("flow", &format!("flow=main&ways={}", common::enc(ways)));
    assert_eq!(r, json!({"status": "ok", "flow": "main", "ways": [3]}));
}

#[test]
fn a_flow_without_an_id_gets_a_generated_one() {
    let app = setup();
    let r = app.api_json(
        "flow",
        &json!({"name": "Gen", "ways": [{"url": "https://g.test/"}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let id = r["flow"].as_str().unwrap();
    assert_eq!(id.len(), 6, "{id}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(
        app.click(&format!("/{id}"), &[]).header("location"),
        Some("https://g.test/")
    );
}

#[test]
fn blacklist_entries_are_normalised_and_removed() {
    let app = setup();
    let r = app.api_json(
        "blacklist",
        &json!({"add": ["10.1.2.3/8", "1.2.3.4/32", " 2001:db8::1 ", "2001:db8:1::5/48"]}),
    );
    assert_eq!(
        r,
        json!({"status": "ok", "blacklist": ["1.2.3.4", "10.0.0.0/8", "2001:db8:1::/48", "2001:db8::1"]})
    );
    let r = app.api(
        "blacklist",
        "remove[]=1.2.3.4&remove[]=2001:db8:1::/48&add[]=5.5.5.5",
    );
    assert_eq!(
        r,
        json!({"status": "ok", "blacklist": ["10.0.0.0/8", "2001:db8::1", "5.5.5.5"]})
    );
}
