//! The incoming postback log (docs/API.md "postbacks-in.json"): every
//! postback.json call of a known user is logged, ok or refused, with its
//! parameters (the credential masked) and its answer; a call with a bad
//! credential is not. Filters, paging, CSV and isolation in `filters`;
//! the background pruning on a manual clock in `prune`.
use crate::common::*;
use serde_json::{json, Value};

mod filters;
mod prune;

/// An app with a flow `f1` (one way to an offer), behind Cloudflare so a
/// test can name the caller's address.
fn app_with_flow() -> TestApp {
    let app = spawn_with(behind_cloudflare);
    app.flow_with_urls("f1", &["https://o.test/?c={click}"]);
    app
}

/// A click on `/{flow}` as `token`'s visitor: its public id.
fn click_as(app: &TestApp, token: &str, flow: &str) -> String {
    let r = app.click(&format!("/{flow}"), &[]);
    assert_eq!(r.status, 302, "{}", r.text());
    let log = app.api_as(token, "clicks", "limit=1");
    log["clicks"][0]["click"].as_str().expect("a click").into()
}

fn click(app: &TestApp) -> String {
    click_as(app, &app.token.clone(), "f1")
}

/// A second user `bob` with his own flow `bobf`: his token and a click
/// of his.
fn bob_with_click(app: &TestApp) -> (String, String) {
    let bob = app.add_user("bob");
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobf", "ways": [{"url": "https://b.test/"}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let click = click_as(app, &bob, "bobf");
    (bob, click)
}

/// The log rows `token` sees for `query`, newest first.
fn log_as(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.api_as(token, "postbacks-in", query);
    assert_eq!(r["status"], "ok", "{query}: {r}");
    r["postbacks"].as_array().expect("postbacks").clone()
}

fn log(app: &TestApp, query: &str) -> Vec<Value> {
    log_as(app, &app.token.clone(), query)
}

/// The newest row of the admin's log.
fn last(app: &TestApp) -> Value {
    log(app, "limit=1").pop().expect("a logged call")
}

fn rows(app: &TestApp) -> i64 {
    let sql = "SELECT count(*) FROM postbacks_in";
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// What of a row the answer decides: status, error, field, lead, stage,
/// create.
fn outcome(row: &Value) -> Value {
    json!([
        row["status"],
        row["error"],
        row["field"],
        row["lead"],
        row["stage"],
        row["create"]
    ])
}

#[test]
fn ok_calls_are_logged_with_their_lead_stage_and_creation() {
    let app = app_with_flow();
    let c = click(&app);
    let query = format!("click={c}&status=approved&price=12.5&uid=o-1");
    let r = app.request(
        "GET",
        &format!("/api/tracker/postback.json?id={}&{query}", app.token),
        &[("CF-Connecting-IP", "203.0.113.7")],
        b"",
    );
    let first = r.json();
    assert_eq!(first["create"], true, "{first}");
    let row = last(&app);
    assert_eq!(
        outcome(&row),
        json!(["ok", false, false, first["id"], "approve", true])
    );
    assert_eq!(row["ip"], "203.0.113.7");
    assert_eq!(row["click"], c.as_str());
    assert_eq!(row["flow"], false);
    assert_eq!(
        row["params"],
        json!({"id": "***", "click": c, "status": "approved", "price": "12.5", "uid": "o-1"})
    );
    assert!(row["id"].as_i64().unwrap() > 0 && row["time"].as_i64().unwrap() > 0);

    // A change of the same lead: not created.
    let second = app.api("postback", &format!("click={c}&uid=o-1&status=trash"));
    assert_eq!(second["id"], first["id"], "{second}");
    let row = last(&app);
    assert_eq!(
        outcome(&row),
        json!(["ok", false, false, first["id"], "trash", false])
    );
    // A flow lead: the flow named, no click.
    let flow = app.api("postback", "flow=F1&subid=s-9");
    assert_eq!(flow["create"], true, "{flow}");
    let row = last(&app);
    assert_eq!((&row["flow"], &row["click"]), (&json!("f1"), &json!(false)));
    assert_eq!(
        outcome(&row),
        json!(["ok", false, false, flow["id"], "new", true])
    );
    assert_eq!(rows(&app), 3);
}

#[test]
fn refused_calls_are_logged_with_their_error_and_field() {
    let app = app_with_flow();
    let c = click(&app);
    let (bob, bobs_click) = bob_with_click(&app);
    let cases: Vec<(String, Value)> = vec![
        (
            format!("click={c}&price=abc"),
            json!(["error", "bad-price", "price"]),
        ),
        ("click=nope".into(), json!(["error", "bad-click", false])),
        (
            format!("click={bobs_click}"),
            json!(["error", "access", false]),
        ),
        (
            "flow=bobf&subid=1".into(),
            json!(["error", "access", false]),
        ),
        ("flow=nosuch".into(), json!(["error", "bad-flow", false])),
        ("status=approve".into(), json!(["error", "no-click", false])),
        (
            format!("click={c}&goal=NOT%20A%20GOAL"),
            json!(["error", "bad-goal", "goal"]),
        ),
    ];
    for (query, want) in &cases {
        let answer = app.api("postback", query);
        assert_eq!(answer["status"], "error", "{query}: {answer}");
        let row = last(&app);
        assert_eq!(
            outcome(&row).as_array().unwrap()[..3],
            want.as_array().unwrap()[..],
            "{query}: {row}"
        );
        assert_eq!(
            (&row["lead"], &row["stage"], &row["create"]),
            (&json!(0), &json!(false), &json!(false))
        );
        assert_eq!(answer["error"], row["error"], "{query}");
    }
    let row = &log(&app, "error=bad-click")[0];
    assert_eq!(row["click"], "nope");
    // Refused by the write itself (after its checks): no-changes.
    let ok = app.api("postback", &format!("click={c}&status=sale"));
    assert_eq!(ok["create"], true, "{ok}");
    assert_eq!(
        app.api("postback", &format!("click={c}&status=sale"))["error"],
        "no-changes"
    );
    assert_eq!(
        outcome(&last(&app)),
        json!(["error", "no-changes", false, 0, false, false])
    );
    // Nothing refused was written besides its log row.
    let leads: i64 = app
        .db()
        .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(leads, 1);
    assert_eq!(rows(&app), cases.len() as i64 + 2);
    // bob's own log holds nothing of it.
    assert!(log_as(&app, &bob, "").is_empty());
}

#[test]
fn the_credential_is_masked_wherever_it_was_sent() {
    let app = app_with_flow();
    let c = click(&app);
    let pk = app.api("profile", "")["postback_key"]
        .as_str()
        .unwrap()
        .to_string();
    // The API token in the query, the postback key in a form body and in
    // a JSON body.
    assert_eq!(
        app.api("postback", &format!("click={c}&status=hold"))["status"],
        "ok"
    );
    let form = format!("id={pk}&click={c}&status=sale");
    let r = app.request(
        "POST",
        "/api/tracker/postback.json",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(r.json()["status"], "ok", "{}", r.text());
    let body = json!({"id": pk, "click": c, "status": "trash", "meta": {"k": "v"}});
    let r = app.request(
        "POST",
        "/api/tracker/postback.json",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(r.json()["status"], "ok", "{}", r.text());
    let all = log(&app, "");
    assert_eq!(all.len(), 3);
    for row in &all {
        assert_eq!(row["params"]["id"], "***", "{row}");
    }
    assert_eq!(all[0]["params"]["meta"], json!({"k": "v"}));
    // Stored masked: neither secret is anywhere in the table.
    for secret in [&app.token, &pk] {
        let n: i64 = app
            .db()
            .query_row(
                "SELECT count(*) FROM postbacks_in WHERE instr(params, ?1) OR instr(click, ?1)",
                [secret],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
        assert!(!Value::from(all.clone())
            .to_string()
            .contains(secret.as_str()));
    }
}

#[test]
fn bearer_calls_are_logged_and_bad_credentials_are_not() {
    let app = app_with_flow();
    let c = click(&app);
    let r = app.api_json("postback", &json!({"click": c, "status": "approve"}));
    assert_eq!(r["create"], true, "{r}");
    let row = last(&app);
    assert_eq!(row["params"], json!({"click": c, "status": "approve"}));
    assert_eq!(
        outcome(&row),
        json!(["ok", false, false, r["id"], "approve", true])
    );
    assert_eq!(rows(&app), 1);
    // A wrong, missing or other function's credential: `access`, and
    // nobody's row.
    for path in [
        format!("/api/tracker/postback.json?id=wrong&click={c}"),
        format!("/api/tracker/postback.json?click={c}"),
        format!("/api/tracker/postback.json?id=pk_1_1_xyz&click={c}&price=abc"),
    ] {
        let r = app.get(&path).json();
        assert_eq!(r["error"], "access", "{path}: {r}");
    }
    let r = app.api_json_as("wrong", "postback", &json!({"click": c}));
    assert_eq!(r["error"], "access");
    assert_eq!(rows(&app), 1);
}

#[test]
fn a_huge_call_is_logged_cut_to_size() {
    let app = app_with_flow();
    let c = click(&app);
    let long = "x".repeat(3000);
    let form: Vec<String> = (0..40).map(|i| format!("p{i}={long}")).collect();
    let form = format!("click={c}&{}", form.join("&"));
    assert_eq!(app.api_form("postback", &form)["status"], "ok");
    let stored: String = app
        .db()
        .query_row("SELECT params FROM postbacks_in", [], |r| r.get(0))
        .unwrap();
    assert!(stored.len() <= 8 * 1024, "{}", stored.len());
    let row = last(&app);
    assert_eq!(row["params"]["click"], c.as_str());
    assert_eq!(row["params"]["id"], "***");
    assert_eq!(row["params"]["p0"].as_str().unwrap().len(), 1000);
}
