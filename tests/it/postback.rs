//! SPEC 4 postback.json (reference "Postback"): which lead a call changes
//! and retries (sequential and simultaneous) here; every error code and
//! malformed input writing nothing in `errors`; stage mapping and history,
//! money and the lead's fields in `fields`; a postback right after a click
//! and one the database refused in `order`.
use crate::common::*;
use serde_json::{json, Value};

mod errors;
mod fields;
mod order;

/// A flow `f1` whose one way goes to a site; returns the app.
fn app_with_flow() -> TestApp {
    let app = spawn_with(behind_cloudflare);
    let site = app.api_json(
        "site",
        &json!({"name": "Offer", "url": "https://o.test/?c={click}"}),
    );
    let r = app.api_json(
        "flow",
        &json!({"flow": "f1", "ways": [{"site": site["site"]}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    app
}

/// Visits `path` as `token`'s visitor and returns the click's public id.
fn click_as(app: &TestApp, token: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let r = app.click(path, headers);
    assert!(r.status == 302 || r.status == 404, "{}", r.text());
    let log = app.api_as(token, "clicks", "limit=1");
    log["clicks"][0]["click"]
        .as_str()
        .expect("a click")
        .to_string()
}

fn click(app: &TestApp, path: &str) -> String {
    click_as(app, &app.token.clone(), path, &[])
}

fn pb(app: &TestApp, query: &str) -> Value {
    app.api("postback", query)
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn leads(app: &TestApp) -> i64 {
    count(app, "SELECT count(*) FROM leads")
}

/// The single lead of the admin with this id, as leads.json shows it.
fn lead(app: &TestApp, id: &Value) -> Value {
    let r = app.api("leads", "");
    assert_eq!(r["status"], "ok", "{r}");
    r["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == *id)
        .cloned()
        .unwrap_or_else(|| panic!("lead {id} not listed: {r}"))
}

fn ok(id: i64, create: bool, stage: &str) -> Value {
    json!({"status": "ok", "id": id, "create": create, "stage": stage})
}

fn err(code: &str) -> Value {
    json!({"status": "error", "error": code})
}

fn err_field(code: &str, field: &str) -> Value {
    json!({"status": "error", "error": code, "field": field})
}

/// Stage history of a lead, oldest first: (stage, custom).
fn history(app: &TestApp, lead: i64) -> Vec<(i64, String)> {
    let db = app.db();
    let mut st = db
        .prepare("SELECT stage, custom FROM lead_stages WHERE lead_id = ?1 ORDER BY rowid")
        .unwrap();
    st.query_map([lead], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_postback_by_click_creates_a_new_lead_with_the_clicks_data() {
    let app = app_with_flow();
    let c = click_as(
        &app,
        &app.token.clone(),
        "/f1?utm_source=fb&subid=purr&fbclid=ad1&data1=d1",
        &[("CF-Connecting-IP", "10.5.6.7"), ("CF-IPCountry", "DE")],
    );
    let before = jiff::Timestamp::now().as_second();
    assert_eq!(pb(&app, &format!("click={c}")), ok(1, true, "new"));
    let l = lead(&app, &json!(1));
    let time = l["time"].as_i64().unwrap();
    assert!((before..=before + 2).contains(&time), "{time}");
    let pick = |k: &str| l[k].clone();
    assert_eq!(
        [
            "click",
            "flow",
            "way",
            "site",
            "ip",
            "geo",
            "utm_source",
            "subid",
            "adid",
            "data1"
        ]
        .map(pick),
        [
            json!(c),
            json!("f1"),
            json!(1),
            json!(1),
            json!("10.5.6.7"),
            json!("de"),
            json!("fb"),
            json!("purr"),
            json!("ad1"),
            json!("d1")
        ]
    );
    assert_eq!(
        (
            l["goal"].clone(),
            l["custom"].clone(),
            l["currency"].clone()
        ),
        (json!("lead"), json!(false), json!("usd"))
    );
    // The default goal exists now, like any goal a postback names.
    let goals = app.api("goals", "");
    assert_eq!(goals["goals"], json!([{"goal": "lead", "name": "lead"}]));
    assert_eq!(history(&app, 1), vec![(0, String::new())]);
}

#[test]
fn the_same_postback_a_hundred_times_is_one_lead_then_no_changes() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    let q = format!("click={c}&status=approve&price=12.5&uid=X1&goal=Sale&meta[a]=1");
    assert_eq!(pb(&app, &q), ok(1, true, "approve"));
    for _ in 0..99 {
        assert_eq!(pb(&app, &q), err("no-changes"));
    }
    assert_eq!(leads(&app), 1);
    assert_eq!(history(&app, 1), vec![(2, "approve".to_string())]);
}

#[test]
fn twenty_identical_postbacks_at_once_create_exactly_one_lead() {
    let app = app_with_flow();
    let port = app.port;
    // Several rounds, each on a fresh click: one round rarely overlaps the
    // calls' transactions enough to show a race.
    for round in 1..=10 {
        let c = click(&app, "/f1");
        let path = format!(
            "/api/tracker/postback.json?id={}&click={c}&status=hold&price=3",
            app.token
        );
        let gate = std::sync::Barrier::new(20);
        let answers: Vec<Value> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..20)
                .map(|_| {
                    s.spawn(|| {
                        gate.wait();
                        let r = http(port, "GET", &path, &[], b"").unwrap();
                        assert_eq!(r.status, 200);
                        r.json()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let created: Vec<&Value> = answers.iter().filter(|a| a["status"] == "ok").collect();
        assert_eq!(created, vec![&ok(round, true, "hold")], "{answers:?}");
        let unchanged = answers.iter().filter(|a| **a == err("no-changes")).count();
        assert_eq!(unchanged, 19, "{answers:?}");
        assert_eq!(leads(&app), round);
        assert_eq!(history(&app, round), vec![(1, "hold".to_string())]);
    }
}

#[test]
fn a_postback_with_the_same_uid_updates_that_lead_and_keeps_its_goal() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    assert_eq!(
        pb(&app, &format!("click={c}&uid=A7&goal=reg")),
        ok(1, true, "new")
    );
    // A later call by uid alone (another click id even) finds the lead.
    let other = click(&app, "/f1");
    assert_eq!(
        pb(&app, &format!("click={other}&uid=A7&status=approve")),
        ok(1, false, "approve")
    );
    let l = lead(&app, &json!(1));
    assert_eq!(
        (l["goal"].clone(), l["click"].clone(), l["status"].clone()),
        (json!("reg"), json!(c), json!("approve"))
    );
    // Another uid on the same click and goal is another order: a new lead.
    assert_eq!(
        pb(&app, &format!("click={c}&uid=B8&goal=reg")),
        ok(2, true, "new")
    );
    assert_eq!(leads(&app), 2);
}

#[test]
fn a_postback_with_the_same_click_and_goal_updates_that_lead() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    assert_eq!(pb(&app, &format!("click={c}")), ok(1, true, "new"));
    assert_eq!(
        pb(&app, &format!("click={c}&goal=lead&status=hold")),
        ok(1, false, "hold")
    );
    assert_eq!(
        pb(&app, &format!("click={c}&goal=DEP&status=hold")),
        ok(2, true, "hold")
    );
    assert_eq!(
        pb(&app, &format!("click={c}&goal=dep&status=approve")),
        ok(2, false, "approve")
    );
    // A first postback without uid and a later one with it meet on one lead.
    assert_eq!(
        pb(&app, &format!("click={c}&uid=U1&status=approve")),
        ok(1, false, "approve")
    );
    assert_eq!(lead(&app, &json!(1))["uid"], "U1");
    assert_eq!(leads(&app), 2);
}

#[test]
fn a_postback_by_flow_and_subid_takes_the_flows_data() {
    let app = app_with_flow();
    assert_eq!(pb(&app, "flow=f1&subid=s1"), ok(1, true, "new"));
    assert_eq!(
        pb(&app, "flow=f1&subid=s1&status=approve"),
        ok(1, false, "approve")
    );
    assert_eq!(pb(&app, "flow=f1&subid=s2"), ok(2, true, "new"));
    assert_eq!(pb(&app, "flow=f1&subid=s2"), err("no-changes"));
    let l = lead(&app, &json!(1));
    let pick = |k: &str| l[k].clone();
    assert_eq!(
        ["click", "flow", "way", "site", "siteurl", "subid", "ip", "geo", "ua"].map(pick),
        [
            json!(false),
            json!("f1"),
            json!(0),
            json!(0),
            json!(false),
            json!("s1"),
            json!(false),
            json!(false),
            json!(false)
        ]
    );
    // A click lead with the same subid is not a flow lead.
    let c = click(&app, "/f1?subid=s3");
    assert_eq!(pb(&app, &format!("click={c}")), ok(3, true, "new"));
    assert_eq!(pb(&app, "flow=f1&subid=s3"), ok(4, true, "new"));
}
