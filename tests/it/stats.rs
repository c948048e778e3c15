//! stats.json (reference "Click statistics", SPEC 4): a scripted scenario
//! checked item by item against numbers worked out by hand, the local
//! timezone (with DST days), errors, request forms, and user isolation.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::{json, Map, Value};

/// The metric fields of a row: counts `[click, unique, total, cv, cn, ch,
/// ca, cc, ct]` and `[mh, ma, mt, cr, epc, appr, app, spend, profit, roi]`.
fn m(c: [i64; 9], f: [f64; 10]) -> Value {
    let names = [
        "click", "unique", "total", "cv", "cn", "ch", "ca", "cc", "ct",
    ];
    let money = [
        "mh", "ma", "mt", "cr", "epc", "appr", "app", "spend", "profit", "roi",
    ];
    let mut o = Map::new();
    for (k, v) in names.iter().zip(c) {
        o.insert(k.to_string(), v.into());
    }
    for (k, v) in money.iter().zip(f) {
        o.insert(k.to_string(), v.into());
    }
    // No landing page in these tests (tests/it/landing*.rs count them).
    o.insert("lpclick".into(), 0.into());
    o.insert("lpctr".into(), 0.0.into());
    Value::Object(o)
}

/// A goal's fields: `[total, cv, cn, ch, ca, cc, ct]`, `[mh, ma, mt, cr,
/// epc, appr, app]`.
fn g(c: [i64; 7], f: [f64; 7]) -> Value {
    let names = ["total", "cv", "cn", "ch", "ca", "cc", "ct"];
    let money = ["mh", "ma", "mt", "cr", "epc", "appr", "app"];
    let mut o = Map::new();
    for (k, v) in names.iter().zip(c) {
        o.insert(k.to_string(), v.into());
    }
    for (k, v) in money.iter().zip(f) {
        o.insert(k.to_string(), v.into());
    }
    Value::Object(o)
}

/// A row without its `goal` part.
fn plain(row: &Value) -> Value {
    let mut r = row.clone();
    r.as_object_mut().unwrap().remove("goal");
    r
}

/// Asserts the groups of an answer, in order: (key, id, name, metrics).
fn expect_rows(r: &Value, rows: &[(&str, Value, Value, &Value)], what: &str) {
    assert_eq!(r["status"], "ok", "{what}: {r}");
    let stats = r["stats"].as_object().unwrap();
    let keys: Vec<&str> = stats.keys().map(String::as_str).collect();
    let want: Vec<&str> = rows.iter().map(|x| x.0).collect();
    assert_eq!(keys, want, "{what}: group order");
    for (key, id, name, metrics) in rows {
        let mut want = json!({"id": id, "name": name});
        want.as_object_mut()
            .unwrap()
            .extend(metrics.as_object().unwrap().clone());
        assert_eq!(plain(&stats[*key]), want, "{what}: group {key}");
    }
}

mod filters;
mod items;
pub mod scenario;

#[test]
fn stats_requires_from_to_and_a_known_item() {
    let app = spawn_app();
    let err = |code: &str| json!({"status": "error", "error": code});
    let field = |code: &str, f: &str| json!({"status": "error", "error": code, "field": f});
    // An unknown item answers the valid ones.
    let mut unknown = field("no-item", "item");
    unknown["valid"] = json!([
        "date", "hour", "flow", "way", "site", "filter", "geo", "mobile", "os", "browser", "ip",
        "utmd", "subid", "utms", "utmc", "utmn", "utmt", "utmm", "source", "landing", "offer"
    ]);
    for (q, expect) in [
        ("", err("no-from")),
        ("to=2024-05-01&item=date", err("no-from")),
        ("from=2024-05-01&item=date", err("no-to")),
        ("from=2024-05-01&to=2024-05-02", err("no-item")),
        ("from=2024-05-01&to=2024-05-02&item=", err("no-item")),
        ("from=2024-05-01&to=2024-05-02&item=domain", unknown.clone()),
        ("from=2024-05-01&to=2024-05-02&item=DATE", unknown.clone()),
        (
            "from=2024-05-02&to=2024-05-01&item=date",
            field("bad-date", "to"),
        ),
        (
            "from=yesterday&to=2024-05-02&item=date",
            field("bad-date", "from"),
        ),
        (
            "from=2024-05-01&to=2024-02-30&item=date",
            field("bad-date", "to"),
        ),
        (
            "from=2024-05-01&to=2024-05-02&item=date&hour=24",
            field("bad-param", "hour"),
        ),
        (
            "from=2024-05-01&to=2024-05-02&item=date&way=abc",
            field("bad-param", "way"),
        ),
        (
            "from=2024-05-01&to=2024-05-02&item=date&os=9",
            field("bad-param", "os"),
        ),
        (
            "from=2024-05-01&to=2024-05-02&item=date&flow[x]=1",
            field("bad-param", "flow"),
        ),
    ] {
        assert_eq!(app.api("stats", q), expect, "{q}");
    }
    let r = app.get("/api/tracker/stats.json?id=nope&from=2024-05-01&to=2024-05-02&item=date");
    assert_eq!(r.json(), err("access"));
    // A period with nothing in it is not an error.
    assert_eq!(
        app.api("stats", "from=2024-05-01&to=2024-05-02&item=flow"),
        json!({"status": "ok", "stats": {}, "total": m([0; 9], [0.0; 10])
            .as_object().unwrap().clone().into_iter()
            .chain([("goal".to_string(), json!({}))]).collect::<Map<_, _>>()})
    );
}

/// Clicks (no leads) for the request-form, DST and isolation tests.
fn app_with_clicks(tz: &str, clicks: &[Click]) -> (TestApp, Vec<String>) {
    let app = spawn_app();
    assert_eq!(
        app.api("profile", &format!("timezone={tz}"))["status"],
        "ok"
    );
    let db = app.stop();
    let ids = insert_clicks(&db, clicks);
    (restart(db), ids)
}

#[test]
fn stats_answers_the_same_for_get_form_and_json() {
    let t = utc("2024-05-10 12:00");
    let click = |flow, geo| Click {
        t,
        flow,
        geo,
        ..Click::default()
    };
    let (app, _) = app_with_clicks(
        "UTC",
        &[
            click("alpha", "de"),
            click("alpha", "de"),
            click("beta", "us"),
            click("gamma", "fr"),
        ],
    );
    let get = app.api(
        "stats",
        "from=2024-05-10&to=2024-05-10&item=geo&flow[]=alpha&flow[]=beta",
    );
    expect_rows(
        &get,
        &[
            (
                "de",
                json!("de"),
                json!("Germany"),
                &m([2, 2, 0, 0, 0, 0, 0, 0, 0], [0.0; 10]),
            ),
            (
                "us",
                json!("us"),
                json!("United States"),
                &m([1, 1, 0, 0, 0, 0, 0, 0, 0], [0.0; 10]),
            ),
        ],
        "GET",
    );
    let form = app.api_form(
        "stats",
        "from=2024-05-10&to=2024-05-10&item=geo&flow=alpha,beta",
    );
    assert_eq!(form, get);
    let body =
        json!({"from": "2024-05-10", "to": "2024-05-10", "item": "geo", "flow": ["alpha", "beta"]});
    assert_eq!(app.api_json("stats", &body), get);
    // format=csv (SPEC 5.2): the same groups, one line each, then the
    // total; no goal columns without leads (README "API").
    let csv = app.get(&format!(
        "/api/tracker/stats.json?id={}&from=2024-05-10&to=2024-05-10&item=geo&format=csv",
        app.token
    ));
    assert_eq!(
        csv.text().lines().collect::<Vec<_>>(),
        [
            "id,name,click,unique,total,cv,cn,ch,ca,cc,ct,mh,ma,mt,cr,epc,appr,app,spend,profit,roi,lpclick,lpctr",
            "de,Germany,2,2,0,0,0,0,0,0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0.0",
            "fr,France,1,1,0,0,0,0,0,0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0.0",
            "us,United States,1,1,0,0,0,0,0,0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0.0",
            "total,Total,4,4,0,0,0,0,0,0,0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0,0.0",
        ]
    );
    // The body wins over the query (SPEC 3).
    let r = app.request(
        "POST",
        &format!("/api/tracker/stats.json?id={}&item=flow", app.token),
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(r.json(), get);
    // Malformed bodies: the envelope, HTTP 200.
    let path = format!("/api/tracker/stats.json?id={}", app.token);
    for (ctype, body, expect) in [
        (
            "application/json",
            &b"{\"from\": "[..],
            json!({"status": "error", "error": "bad-json"}),
        ),
        (
            "application/json",
            &b"\"stats\""[..],
            json!({"status": "error", "error": "bad-json"}),
        ),
        (
            "application/x-www-form-urlencoded",
            &b"from=2024-05-10&to=2024-05-10&item=%FF"[..],
            json!({"status": "error", "error": "bad-param", "field": "item"}),
        ),
    ] {
        let r = app.request("POST", &path, &[("Content-Type", ctype)], body);
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), expect);
    }
}

#[test]
fn stats_groups_by_local_hour_and_date_across_dst_changes() {
    let c = |s: &str| Click {
        t: utc(s),
        flow: "alpha",
        ..Click::default()
    };
    let (app, _) = app_with_clicks(
        "Europe/Berlin",
        &[
            c("2024-03-30 22:59:59"), // 03-30 23:59:59 CET
            c("2024-03-30 23:30"),    // 03-31 00:30 CET
            c("2024-03-31 00:45"),    // 01:45 CET
            c("2024-03-31 01:00"),    // 03:00 CEST (02:xx does not exist)
            c("2024-03-31 01:10"),    // 03:10 CEST
            c("2024-03-31 21:30"),    // 23:30 CEST
            c("2024-03-31 22:15"),    // 04-01 00:15 CEST
            c("2024-10-26 22:00"),    // 10-27 00:00 CEST
            c("2024-10-27 00:30"),    // 02:30 CEST
            c("2024-10-27 01:30"),    // 02:30 CET (the hour comes twice)
            c("2024-10-27 22:59"),    // 23:59 CET
            c("2024-10-27 23:00"),    // 10-28 00:00 CET
        ],
    );
    let counts = |q: &str| -> Vec<(String, Value, i64)> {
        let r = app.api("stats", q);
        assert_eq!(r["status"], "ok", "{q}: {r}");
        r["stats"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v["name"].clone(), v["click"].as_i64().unwrap()))
            .collect()
    };
    let row = |k: &str, name: &str, n: i64| (k.to_string(), json!(name), n);
    assert_eq!(
        counts("from=2024-03-31&to=2024-03-31&item=hour"),
        [
            row("0", "00:00", 1),
            row("1", "01:00", 1),
            row("3", "03:00", 2),
            row("23", "23:00", 1)
        ]
    );
    assert_eq!(
        counts("from=2024-03-30&to=2024-04-01&item=date"),
        [
            row("20240330", "2024-03-30", 1),
            row("20240331", "2024-03-31", 5),
            row("20240401", "2024-04-01", 1)
        ]
    );
    let r = app.api("stats", "from=2024-03-30&to=2024-04-01&item=date");
    assert_eq!(r["stats"]["20240331"]["id"], 20240331);
    assert_eq!(r["total"]["click"], 7);
    assert_eq!(
        counts("from=2024-10-27&to=2024-10-27&item=hour"),
        [
            row("0", "00:00", 1),
            row("2", "02:00", 2),
            row("23", "23:00", 1)
        ]
    );
    assert_eq!(
        counts("from=2024-10-26&to=2024-10-28&item=date&hour=2"),
        [row("20241027", "2024-10-27", 2)]
    );
    assert_eq!(
        counts("from=2024-10-26&to=2024-10-28&item=flow&hour=0"),
        [row("alpha", "alpha", 2)]
    );
    assert_eq!(
        counts("from=2024-10-27&to=2024-10-27&item=date"),
        [row("20241027", "2024-10-27", 4)]
    );
}

#[test]
fn stats_never_include_another_users_clicks_or_leads() {
    let app = spawn_app();
    let bob = app.add_user("bob");
    let db = app.stop();
    let bob_id = user_id(&db, "bob");
    let t = utc("2024-05-10 12:00");
    let ids = insert_clicks(
        &db,
        &[
            Click {
                t,
                flow: "alpha",
                geo: "de",
                ..Click::default()
            },
            Click {
                t,
                flow: "alpha",
                geo: "de",
                ..Click::default()
            },
            Click {
                t,
                user: bob_id,
                flow: "gamma",
                geo: "us",
                ..Click::default()
            },
        ],
    );
    let app = restart(db);
    let r = app.api(
        "postback",
        &format!("click={}&status=approve&price=10", ids[0]),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api_as(
        &bob,
        "postback",
        &format!("click={}&status=approve&price=7", ids[2]),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let q = format!("from=2024-05-01&to={today}&item=geo");
    let admin = app.api("stats", &q);
    assert_eq!(admin["total"]["click"], 2);
    assert_eq!(admin["total"]["ca"], 1);
    assert_eq!(admin["total"]["ma"], 10.0);
    assert_eq!(
        admin["stats"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["de"]
    );
    let r = app.api_as(&bob, "stats", &q);
    assert_eq!(r["total"]["click"], 1);
    assert_eq!(r["total"]["ma"], 7.0);
    assert_eq!(
        r["stats"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["us"]
    );
    // Naming the admin's flow does not reach the admin's rows.
    let r = app.api_as(&bob, "stats", &format!("{q}&flow=alpha"));
    assert_eq!(r["stats"], json!({}));
    assert_eq!(r["total"]["click"], 0);
    assert_eq!(r["total"]["total"], 0);
}
