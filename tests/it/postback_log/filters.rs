//! postbacks-in.json's filters (click, flow, error, period), paging, CSV,
//! and one user's log never showing another's calls.
use super::*;
use flowtrack::clock::{ClockRef, ManualClock};
use std::sync::Arc;
use std::time::Duration;

/// 2027-01-15 08:00:00 UTC.
const T0: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
/// The columns of the CSV: the fields of a row (docs/API.md).
const FIELDS_CSV: [&str; 12] = [
    "id", "time", "ip", "click", "flow", "params", "status", "error", "field", "lead", "stage",
    "create",
];

/// [`app_with_flow`] on a manual clock at [`T0`], the admin in UTC.
fn manual_app() -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(T0 * 1000);
    let c = clock.clone();
    let app = spawn_with(move |config| {
        behind_cloudflare(config);
        config.clock = ClockRef(c);
    });
    app.flow_with_urls("f1", &["https://o.test/?c={click}"]);
    assert_eq!(app.api("profile", "timezone=UTC")["status"], "ok");
    (app, clock)
}

fn ids(rows: &[Value]) -> Vec<i64> {
    rows.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

fn error(app: &TestApp, query: &str) -> Value {
    let r = app.api("postbacks-in", query);
    json!([r["error"], r["field"]])
}

#[test]
fn click_flow_and_error_filters() {
    let app = app_with_flow();
    let (c1, c2) = (click(&app), click(&app));
    for query in [
        format!("click={c1}&status=sale"),
        format!("click={c1}&price=abc"),
        format!("click={c2}"),
        "click=nope".into(),
        "flow=f1&subid=a".into(),
        "flow=nosuch".into(),
    ] {
        app.api("postback", &query);
    }
    let count = |query: &str| log(&app, query).len();
    let by_c1 = log(&app, &format!("click={c1}"));
    assert_eq!(by_c1.len(), 2);
    assert!(by_c1.iter().all(|r| r["click"] == c1.as_str()));
    assert_eq!(count(&format!("click={c1},{c2}")), 3);
    assert_eq!(count("click=nope"), 1);
    assert_eq!(count("flow=f1"), 1);
    assert_eq!(count("flow=F1"), 1);
    assert_eq!(count("flow[]=f1&flow[]=nosuch"), 2);
    let ok = log(&app, "error=ok");
    assert_eq!(ok.len(), 3);
    assert!(ok
        .iter()
        .all(|r| r["status"] == "ok" && r["error"] == false));
    let refused = log(&app, "error=any");
    assert_eq!(refused.len(), 3);
    assert!(refused.iter().all(|r| r["status"] == "error"));
    assert_eq!(count("error=bad-price,bad-click"), 2);
    assert_eq!(count("error=ok,bad-flow"), 4);
    assert_eq!(count("error=ok,any"), 6);
    assert_eq!(count(&format!("error=bad-price&click={c2}")), 0);
    assert_eq!(count(&format!("error=bad-price&click={c1}")), 1);
    assert_eq!(count("error=access"), 0);
    assert_eq!(count(""), 6);
    for bad in ["error=nonsense", "error=ok,nonsense"] {
        assert_eq!(error(&app, bad), json!(["bad-param", "error"]), "{bad}");
    }
}

#[test]
fn the_period_in_the_users_days_or_timestamps_and_paging() {
    let (app, clock) = manual_app();
    let day = Duration::from_secs(DAY as u64);
    let mut calls = 0;
    for n in [2, 2, 1] {
        for _ in 0..n {
            calls += 1;
            app.api("postback", &format!("flow=nosuch-{calls}"));
        }
        clock.advance(day);
    }
    let all = log(&app, "");
    let times: Vec<i64> = all.iter().map(|r| r["time"].as_i64().unwrap()).collect();
    assert_eq!(times, [T0 + 2 * DAY, T0 + DAY, T0 + DAY, T0, T0]);
    let count = |query: &str| log(&app, query).len();
    assert_eq!(count(&format!("ufrom={}", T0 + DAY)), 3);
    assert_eq!(count(&format!("uto={}", T0 + DAY - 1)), 2);
    assert_eq!(
        count(&format!("ufrom={}&uto={}", T0 + DAY, T0 + 2 * DAY - 1)),
        2
    );
    assert_eq!(count("from=2027-01-15&to=2027-01-15"), 2);
    assert_eq!(count("from=2027-01-16"), 3);
    assert_eq!(count("to=2027-01-16"), 4);
    assert_eq!(
        error(&app, "from=2027-01-16&to=2027-01-15"),
        json!(["bad-date", "to"])
    );
    // Newest first, in pages.
    let all_ids = ids(&all);
    assert!(all_ids.windows(2).all(|w| w[0] > w[1]), "{all_ids:?}");
    assert_eq!(all[0]["flow"], "nosuch-5");
    assert_eq!(ids(&log(&app, "limit=2")), all_ids[..2]);
    assert_eq!(ids(&log(&app, "limit=2&offset=2")), all_ids[2..4]);
    assert_eq!(ids(&log(&app, "limit=2&offset=4")), all_ids[4..]);
    assert!(log(&app, "offset=5").is_empty());
    assert_eq!(error(&app, "limit=0"), json!(["bad-param", "limit"]));
    assert_eq!(error(&app, "limit=10001"), json!(["bad-param", "limit"]));
}

#[test]
fn csv_has_the_fields_and_values_of_the_json_rows() {
    let (app, clock) = manual_app();
    let c = click(&app);
    app.api("postback", &format!("click={c}&status=sale&uid=u-1"));
    clock.advance(Duration::from_secs(61));
    app.api("postback", "click=nope&goal=x");
    let csv = |query: &str| {
        let r = app.get(&format!(
            "/api/tracker/postbacks-in.json?id={}&format=csv&{query}",
            app.token
        ));
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with("text/csv"));
        assert_eq!(
            r.header("content-disposition").unwrap(),
            "attachment; filename=\"postbacks.csv\""
        );
        r.text()
    };
    let header = FIELDS_CSV.join(",");
    let text = csv("");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!((lines[0], lines[3]), (header.as_str(), ""));
    let rows = log(&app, "");
    let cell = |v: &Value| match v {
        Value::Bool(false) => String::new(),
        Value::Bool(true) => "1".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // The JSON row's cells, but `time` local and `params` a query string.
    let want = |row: &Value, time: &str, params: &str| {
        let cells: Vec<String> = FIELDS_CSV
            .iter()
            .map(|f| match *f {
                "time" => time.to_string(),
                "params" => params.to_string(),
                f => cell(&row[f]),
            })
            .collect();
        cells.join(",")
    };
    let token = &app.token;
    assert_eq!(
        lines[1],
        want(&rows[0], "2027-01-15 08:01:01", "id=***&click=nope&goal=x")
    );
    assert_eq!(
        lines[2],
        want(
            &rows[1],
            "2027-01-15 08:00:00",
            &format!("id=***&click={c}&status=sale&uid=u-1")
        )
    );
    assert!(!text.contains(token.as_str()));
    assert_eq!(rows[1]["create"], true);
    assert!(lines[2].ends_with(",ok,,,1,approve,1"), "{}", lines[2]);
    // No rows: the header alone.
    assert_eq!(csv("click=none"), format!("{header}\r\n"));
}

#[test]
fn a_user_never_sees_another_users_calls() {
    let app = app_with_flow();
    let mine = click(&app);
    let (bob, bobs) = bob_with_click(&app);
    assert_eq!(
        app.api("postback", &format!("click={mine}&status=sale"))["create"],
        true
    );
    // bob posts to the admin's click (refused) and to his own.
    let r = app.api_as(&bob, "postback", &format!("click={mine}&status=trash"));
    assert_eq!(r["error"], "access");
    assert_eq!(
        app.api_as(&bob, "postback", &format!("click={bobs}"))["create"],
        true
    );
    // The admin posts to bob's click: refused, logged as the admin's.
    assert_eq!(
        app.api("postback", &format!("click={bobs}"))["error"],
        "access"
    );

    let admins = log(&app, "");
    let bobs_log = log_as(&app, &bob, "");
    assert_eq!(admins.len(), 2);
    assert_eq!(bobs_log.len(), 2);
    let admin_ids = ids(&admins);
    assert!(ids(&bobs_log).iter().all(|id| !admin_ids.contains(id)));
    // Each sees what they sent, under any filter, and nothing else.
    assert_eq!(log(&app, "error=ok")[0]["params"]["status"], "sale");
    assert_eq!(log_as(&app, &bob, "error=ok")[0]["click"], bobs.as_str());
    let by_mine = log_as(&app, &bob, &format!("click={mine}"));
    assert_eq!(by_mine.len(), 1);
    assert_eq!(
        outcome(&by_mine[0]),
        json!(["error", "access", false, 0, false, false])
    );
    assert_eq!(by_mine[0]["params"]["status"], "trash");
    let by_bobs = log(&app, &format!("click={bobs}"));
    assert_eq!(
        outcome(&by_bobs[0]),
        json!(["error", "access", false, 0, false, false])
    );
    assert_eq!(by_bobs.len(), 1);
    assert!(log_as(&app, &bob, "flow=f1").is_empty());
    assert!(log_as(&app, &bob, "error=no-changes").is_empty());
}
