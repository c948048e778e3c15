//! spend.json (reference "Spend import", SPEC 4): cost spread over the
//! matching clicks or cpc per click, in the user's base currency, limited
//! by conditions, valid and unique; batches; errors that write nothing; and
//! never another user's clicks.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::{json, Value};
use std::path::PathBuf;

const TZ: &str = "Europe/Berlin";

/// The clicks every test starts from (times in Berlin).
fn clicks() -> Vec<Click> {
    let alpha = |t: &str, way: i64| Click {
        t: at(t, TZ),
        flow: "alpha",
        way,
        geo: "de",
        domain: "a.example",
        utm: ["fb", "c1", "n1", "t1", "cpc"],
        subid: "s1",
        ..Click::default()
    };
    let beta = |t: &str| Click {
        t: at(t, TZ),
        flow: "beta",
        way: 21,
        geo: "us",
        domain: "b.example",
        utm: ["tt", "c2", "n2", "t2", "cpm"],
        subid: "s2",
        ..Click::default()
    };
    vec![
        alpha("2024-05-10 00:00:00", 11), // 0
        Click {
            uniq: false,
            ..alpha("2024-05-10 12:00:00", 11) // 1
        },
        Click {
            filter: 1,
            ..alpha("2024-05-10 23:59:59", 12) // 2
        },
        alpha("2024-05-11 00:00:00", 12), // 3
        beta("2024-05-11 10:00:00"),      // 4
        beta("2024-05-09 23:59:59"),      // 5
    ]
}

struct Env {
    app: TestApp,
    ids: Vec<String>,
    db: PathBuf,
}

impl Env {
    fn costs(&self) -> Vec<f64> {
        costs(&self.db, &self.ids)
    }
}

/// The admin in Berlin with base currency eur (1 usd = 0.5 eur), and the
/// clicks of [`clicks`] written into the database.
fn env() -> Env {
    let app = spawn_app();
    let r = app.api_json(
        "rates",
        &json!({"rates": {"usd": 1, "eur": 0.5, "gbp": 0.25}}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api("profile", &format!("timezone={TZ}&currency=eur"));
    assert_eq!(r["currency"], "eur", "{r}");
    let db = app.stop();
    let ids = insert_clicks(&db, &clicks());
    let app = restart(db.clone());
    Env { app, ids, db }
}

fn ok(clicks: i64) -> Value {
    json!({"status": "ok", "ok": 1, "bad": 0, "clicks": clicks})
}

#[test]
fn spend_cost_is_spread_evenly_over_the_matching_clicks() {
    let e = env();
    assert_eq!(e.app.api("spend", "cost=10&currency=eur&flow=alpha"), ok(4));
    assert_eq!(e.costs(), [2.5, 2.5, 2.5, 2.5, 0.0, 0.0]);
    // A new import replaces the price, it does not add to it.
    assert_eq!(e.app.api("spend", "cost=6&currency=eur&flow=alpha"), ok(4));
    assert_eq!(e.costs(), [1.5, 1.5, 1.5, 1.5, 0.0, 0.0]);
    assert_eq!(
        e.app.api("spend", "cost=3&currency=eur&flow=alpha&way=12"),
        ok(2)
    );
    assert_eq!(e.costs(), [1.5, 1.5, 1.5, 1.5, 0.0, 0.0]);
    // No matching click: nothing priced, still a successful request.
    assert_eq!(
        e.app
            .api("spend", "cost=3&currency=eur&flow=alpha&subid=nope"),
        ok(0)
    );
    assert_eq!(e.costs(), [1.5, 1.5, 1.5, 1.5, 0.0, 0.0]);
}

#[test]
fn spend_cpc_sets_the_price_of_each_click() {
    let e = env();
    assert_eq!(e.app.api("spend", "cpc=0.3&currency=eur&flow=beta"), ok(2));
    assert_eq!(e.costs(), [0.0, 0.0, 0.0, 0.0, 0.3, 0.3]);
    // Every other condition of the reference picks clicks too.
    for (q, n, expect) in [
        ("cpc=0.7&geo=DE", 4, [0.7, 0.7, 0.7, 0.7, 0.3, 0.3]),
        (
            "cpc=0.8&domain=b.example",
            2,
            [0.7, 0.7, 0.7, 0.7, 0.8, 0.8],
        ),
        (
            "cpc=0.9&utm_source=fb&utm_medium=cpc",
            4,
            [0.9, 0.9, 0.9, 0.9, 0.8, 0.8],
        ),
        (
            "cpc=1.1&utm_campaign=c2&utm_content=n2&utm_term=t2",
            2,
            [0.9, 0.9, 0.9, 0.9, 1.1, 1.1],
        ),
        (
            "cpc=1.2&subid=s1&way[]=11&way[]=12",
            4,
            [1.2, 1.2, 1.2, 1.2, 1.1, 1.1],
        ),
        ("cpc=1.3&flow[]=alpha&flow[]=beta", 6, [1.3; 6]),
    ] {
        let q = format!("{q}&currency=eur");
        assert_eq!(e.app.api("spend", &q), ok(n), "{q}");
        assert_eq!(e.costs(), expect, "{q}");
    }
}

#[test]
fn spend_valid_and_unique_limit_the_clicks() {
    let e = env();
    // valid: target clicks only (click 2 was blocked as a bot).
    assert_eq!(
        e.app.api("spend", "cpc=1&currency=eur&flow=alpha&valid=1"),
        ok(3)
    );
    assert_eq!(e.costs(), [1.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    // unique: unique clicks only (click 1 was not unique).
    assert_eq!(
        e.app.api("spend", "cpc=2&currency=eur&flow=alpha&unique=1"),
        ok(3)
    );
    assert_eq!(e.costs(), [2.0, 1.0, 2.0, 2.0, 0.0, 0.0]);
    // Both, with the cost spread over what is left: clicks 0 and 3.
    assert_eq!(
        e.app.api(
            "spend",
            "cost=5&currency=eur&flow=alpha&valid=1&unique=true"
        ),
        ok(2)
    );
    assert_eq!(e.costs(), [2.5, 1.0, 2.0, 2.5, 0.0, 0.0]);
    // valid=0 / unique=0 do not limit.
    assert_eq!(
        e.app
            .api("spend", "cpc=3&currency=eur&flow=alpha&valid=0&unique=0"),
        ok(4)
    );
    assert_eq!(e.costs(), [3.0, 3.0, 3.0, 3.0, 0.0, 0.0]);
}

#[test]
fn spend_from_and_to_take_days_times_iso_and_timestamps_with_to_inclusive() {
    let e = env();
    // Whole days in the user's timezone (Berlin), both inclusive.
    assert_eq!(
        e.app
            .api("spend", "cpc=1&currency=eur&from=2024-05-10&to=2024-05-10"),
        ok(3)
    );
    assert_eq!(e.costs(), [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    // Local date-times; `to` includes its own second.
    assert_eq!(
        e.app.api(
            "spend",
            "cpc=2&currency=eur&from=2024-05-10+12:00:00&to=2024-05-10+23:59:59"
        ),
        ok(2)
    );
    assert_eq!(e.costs(), [1.0, 2.0, 2.0, 0.0, 0.0, 0.0]);
    // ISO 8601 with an offset: 22:00Z is midnight in Berlin (CEST).
    assert_eq!(
        e.app.api(
            "spend",
            "cpc=3&currency=eur&from=2024-05-10T22:00:00Z&to=2024-05-11T10:00:00%2B02:00"
        ),
        ok(2)
    );
    assert_eq!(e.costs(), [1.0, 2.0, 2.0, 3.0, 3.0, 0.0]);
    // Unix timestamps.
    let t = at("2024-05-09 23:59:59", TZ);
    assert_eq!(
        e.app
            .api("spend", &format!("cpc=4&currency=eur&from={t}&to={t}")),
        ok(1)
    );
    assert_eq!(e.costs(), [1.0, 2.0, 2.0, 3.0, 3.0, 4.0]);
    // Only one end given: everything from there on.
    assert_eq!(
        e.app.api("spend", "cpc=5&currency=eur&from=2024-05-11"),
        ok(2)
    );
    assert_eq!(e.costs(), [1.0, 2.0, 2.0, 5.0, 5.0, 4.0]);
}

#[test]
fn spend_batch_counts_ok_and_bad_and_applies_the_good_ones() {
    let e = env();
    let batch = json!({"batch": [
        {"flow": "alpha", "cost": 8, "currency": "eur"},
        {"from": "2024-05-11 00:00:00", "to": "2024-05-11 23:59:59", "cpc": 1.5, "currency": "eur"},
        {"flow": "beta", "cost": -1},
        {"cost": 5},
        "not an object",
        {"flow": "beta", "cpc": 1, "currency": "xyz"}
    ]});
    let r = e.app.api_json("spend", &batch);
    assert_eq!(
        r,
        json!({"status": "ok", "ok": 2, "bad": 4, "clicks": 6, "errors": [
            {"index": 2, "error": "bad-price", "field": "cost"},
            {"index": 3, "error": "empty"},
            {"index": 4, "error": "bad-param"},
            {"index": 5, "error": "bad-currency", "field": "currency"}
        ]})
    );
    assert_eq!(e.costs(), [2.0, 2.0, 2.0, 1.5, 1.5, 0.0]);
    // The same batch as a JSON text in a form field.
    let form = format!(
        "batch={}",
        form_urlencoded::byte_serialize(
            json!([{"flow": "beta", "cpc": 0.25, "currency": "eur"}])
                .to_string()
                .as_bytes()
        )
        .collect::<String>()
    );
    let r = e.app.api_form("spend", &form);
    assert_eq!(
        r,
        json!({"status": "ok", "ok": 1, "bad": 0, "clicks": 2, "errors": []})
    );
    assert_eq!(e.costs(), [2.0, 2.0, 2.0, 1.5, 0.25, 0.25]);
}

#[test]
fn spend_converts_the_price_into_the_users_base_currency() {
    let e = env();
    // No currency: usd (reference default); 1 usd = 0.5 eur.
    assert_eq!(e.app.api("spend", "cpc=2&flow=beta"), ok(2));
    assert_eq!(e.costs(), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
    assert_eq!(e.app.api("spend", "cpc=2&currency=EUR&flow=beta"), ok(2));
    assert_eq!(e.costs(), [0.0, 0.0, 0.0, 0.0, 2.0, 2.0]);
    // 1 gbp = 2 eur, then spread over 4 clicks.
    assert_eq!(e.app.api("spend", "cost=4&currency=gbp&flow=alpha"), ok(4));
    assert_eq!(e.costs(), [2.0, 2.0, 2.0, 2.0, 2.0, 2.0]);
}

#[test]
fn spend_errors_name_the_field_and_change_nothing() {
    let e = env();
    let err = |code: &str| json!({"status": "error", "error": code});
    let field = |code: &str, f: &str| json!({"status": "error", "error": code, "field": f});
    for (q, expect) in [
        ("", err("empty")),
        ("cost=5", err("empty")),
        ("cpc=1&valid=1&unique=1", err("empty")),
        ("flow=alpha", err("empty")),
        ("cost=&flow=alpha", err("empty")),
        ("cost=-1&flow=alpha", field("bad-price", "cost")),
        ("cpc=-0.01&flow=alpha", field("bad-price", "cpc")),
        ("cpc=abc&flow=alpha", field("bad-price", "cpc")),
        ("cpc=1e400&flow=alpha", field("bad-price", "cpc")),
        ("cpc=inf&flow=alpha", field("bad-price", "cpc")),
        ("cpc=NaN&flow=alpha", field("bad-price", "cpc")),
        ("cost=1&cpc=1&flow=alpha", field("bad-param", "cpc")),
        ("cpc=1&from=someday", field("bad-date", "from")),
        ("cpc=1&to=2024-13-45", field("bad-date", "to")),
        (
            "cpc=1&flow=alpha&currency=zzz",
            field("bad-currency", "currency"),
        ),
        (
            "cpc=1&flow=alpha&currency=euro",
            field("bad-currency", "currency"),
        ),
        ("cpc=1&way=abc", field("bad-param", "way")),
        ("cpc=1&flow=no-such-flow", field("bad-flow", "flow")),
        ("cpc=1&flow=alpha,nope", field("bad-flow", "flow")),
        ("cpc=1&way=987654", field("bad-way", "way")),
        (
            "cpc=1&flow=alpha&from=2024-05-11&to=2024-05-10",
            field("bad-date", "to"),
        ),
        ("cpc=1&flow=alpha&valid=maybe", field("bad-param", "valid")),
        ("batch=nope", field("bad-param", "batch")),
        ("batch=[]", err("empty")),
    ] {
        assert_eq!(e.app.api("spend", q), expect, "{q}");
    }
    assert_eq!(e.app.api_json("spend", &json!({"batch": []})), err("empty"));
    assert_eq!(
        e.app.api_json("spend", &json!({"batch": {"cpc": 1}})),
        field("bad-param", "batch")
    );
    assert_eq!(
        e.app
            .api_json("spend", &json!({"cpc": [1], "flow": "alpha"})),
        field("bad-param", "cpc")
    );
    let r = e
        .app
        .get("/api/tracker/spend.json?id=wrong&cpc=1&flow=alpha");
    assert_eq!(r.json(), err("access"));
    assert_eq!(e.costs(), [0.0; 6]);
}

#[test]
fn spend_answers_the_same_for_get_form_and_json() {
    let e = env();
    let get = e.app.api(
        "spend",
        "cpc=1&currency=eur&flow[]=alpha&flow[]=beta&valid=1",
    );
    assert_eq!(get, ok(5));
    assert_eq!(e.costs(), [1.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
    let form = e
        .app
        .api_form("spend", "cpc=2&currency=eur&flow=alpha,beta&valid=1");
    assert_eq!(form, get);
    assert_eq!(e.costs(), [2.0, 2.0, 0.0, 2.0, 2.0, 2.0]);
    let body = json!({"cpc": 3, "currency": "eur", "flow": ["alpha", "beta"], "valid": true});
    assert_eq!(e.app.api_json("spend", &body), get);
    assert_eq!(e.costs(), [3.0, 3.0, 0.0, 3.0, 3.0, 3.0]);
    // The same error in every form too.
    let bad = json!({"status": "error", "error": "bad-price", "field": "cost"});
    assert_eq!(e.app.api("spend", "cost=-5&flow=alpha"), bad);
    assert_eq!(e.app.api_form("spend", "cost=-5&flow=alpha"), bad);
    assert_eq!(
        e.app
            .api_json("spend", &json!({"cost": -5, "flow": "alpha"})),
        bad
    );
    assert_eq!(e.costs(), [3.0, 3.0, 0.0, 3.0, 3.0, 3.0]);
}

#[test]
fn spend_malformed_bodies_answer_the_envelope_and_write_nothing() {
    let e = env();
    let path = format!("/api/tracker/spend.json?id={}", e.app.token);
    for (ctype, body, expect) in [
        (
            "application/json",
            &b"{\"cpc\": 1, \"flow\": "[..],
            json!({"status": "error", "error": "bad-json"}),
        ),
        (
            "application/json",
            &b"[{\"cpc\": 1, \"flow\": \"alpha\"}]"[..],
            json!({"status": "error", "error": "bad-json"}),
        ),
        (
            "application/x-www-form-urlencoded",
            &b"cpc=1&flow=%FF"[..],
            json!({"status": "error", "error": "bad-param", "field": "flow"}),
        ),
        (
            "application/json",
            &b"{\"batch\": [{\"cpc\": 1, \"flow\": \"alpha\"}"[..],
            json!({"status": "error", "error": "bad-json"}),
        ),
    ] {
        let r = e
            .app
            .request("POST", &path, &[("Content-Type", ctype)], body);
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), expect, "{}", String::from_utf8_lossy(body));
    }
    assert_eq!(e.costs(), [0.0; 6]);
}

#[test]
fn spend_by_another_user_never_changes_the_first_users_clicks() {
    let app = spawn_app();
    let bob = app.add_user("bob");
    let db = app.stop();
    let bob_id = user_id(&db, "bob");
    let mut all = clicks();
    all.push(Click {
        user: bob_id,
        flow: "gamma",
        t: at("2024-05-10 08:00", TZ),
        ..Click::default()
    });
    let ids = insert_clicks(&db, &all);
    let app = restart(db.clone());
    // Bob names the admin's flows: `access`. His period and tags reach
    // none of the admin's clicks.
    for q in ["cpc=9&flow=alpha", "cost=9&flow[]=alpha&flow[]=beta"] {
        let r = app.api_as(&bob, "spend", q);
        assert_eq!(r, json!({"status": "error", "error": "access"}), "{q}");
    }
    for q in [
        "cpc=9&geo=de&subid=s1",
        "cpc=9&from=2024-05-01&to=2024-05-09",
    ] {
        assert_eq!(app.api_as(&bob, "spend", q), ok(0), "{q}");
    }
    let r = app.api_json_as(
        &bob,
        "spend",
        &json!({"batch": [{"flow": "alpha", "cost": 9}]}),
    );
    assert_eq!(
        r,
        json!({"status": "ok", "ok": 0, "bad": 1, "clicks": 0,
               "errors": [{"index": 0, "error": "access"}]})
    );
    assert_eq!(costs(&db, &ids), [0.0; 7]);
    // Bob's own click in the same period is his to price.
    assert_eq!(
        app.api_as(
            &bob,
            "spend",
            "cpc=9&currency=usd&from=2024-05-01&to=2024-05-31"
        ),
        ok(1)
    );
    assert_eq!(costs(&db, &ids), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 9.0]);
}
