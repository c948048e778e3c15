//! Accounts and the small management functions (SPEC 5, 5.2): login.json
//! (its slow-down: login_throttle.rs; sessions and the other credentials:
//! credentials.rs), profile.json, token.json, goals.json / goal.json,
//! rates.json (accounts/goals_rates.rs), and the CSV reports
//! (accounts/csv.rs, accounts/csv_sheet.rs).
use crate::common;
use crate::common::alone;
use crate::common::*;
mod csv;
mod csv_sheet;
mod goals_rates;
use serde_json::{json, Value};

fn login(app: &TestApp, user: &str, password: &str) -> Value {
    let form = format!(
        "user={}&password={}",
        common::enc(user),
        common::enc(password)
    );
    let r = app.request(
        "POST",
        "/api/tracker/login.json",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(r.status, 200);
    r.json()
}

fn access() -> Value {
    json!({"status": "error", "error": "access"})
}

fn err(code: &str, field: &str) -> Value {
    json!({"status": "error", "error": code, "field": field})
}

#[test]
fn login_with_the_right_password_gives_a_session_of_the_user() {
    let app = spawn_app();
    let password = cli_last_line(&app.db, &["user", "password", "admin"]);
    let r = login(&app, "admin", &password);
    assert_eq!(r["status"], "ok", "{r}");
    // A dashboard session's secret, not the API token (README
    // "Credentials")...
    assert_ne!(r["token"], app.token.as_str());
    // ...and it works.
    let token = r["token"].as_str().unwrap();
    assert_eq!(app.api_as(token, "profile", "")["user"], "admin");
}

#[test]
fn login_with_a_wrong_password_or_an_unknown_user_is_access() {
    let app = spawn_app();
    let password = cli_last_line(&app.db, &["user", "password", "admin"]);
    assert_eq!(login(&app, "admin", "not-the-password"), access());
    assert_eq!(login(&app, "nobody", &password), access());
    // A token is not a password.
    assert_eq!(login(&app, "admin", &app.token), access());
}

#[test]
fn login_without_user_or_password_names_the_missing_field() {
    let app = spawn_app();
    let get = |q: &str| app.get(&format!("/api/tracker/login.json?{q}")).json();
    assert_eq!(get("password=x"), err("no-user", "user"));
    assert_eq!(get("user=admin"), err("no-password", "password"));
    assert_eq!(get("user=&password="), err("no-user", "user"));
    assert_eq!(get(""), err("no-user", "user"));
}

/// Answer times must not tell which user names exist: a login of an
/// unknown user checks the password against a hash (a dummy one) as often
/// as a wrong password of a known user does, and those checks are what a
/// login's time is made of. Counted, not timed; the count is the
/// process's, so the test runs in a process of its own.
#[test]
fn an_unknown_user_costs_as_many_hash_checks_as_a_wrong_password() {
    if !alone::in_own_process() {
        return alone::run(concat!(
            module_path!(),
            "::an_unknown_user_costs_as_many_hash_checks_as_a_wrong_password"
        ));
    }
    let app = spawn_app();
    let checks = flowtrack::accounts::login::hash_checks;
    let start = checks();
    assert_eq!(login(&app, "admin", "wrong-password"), access());
    let known = checks() - start;
    assert_eq!(login(&app, "no-such-user", "wrong-password"), access());
    let unknown = checks() - start - known;
    assert!(known > 0, "a wrong password was not checked");
    assert_eq!(unknown, known, "hash checks: unknown user, wrong password");
}

#[test]
fn profile_shows_user_timezone_currency_token_and_postback_url() {
    let app = spawn_app();
    let r = app.api("profile", "");
    assert_eq!(r["status"], "ok");
    assert_eq!(r["user"], "admin");
    assert_eq!(r["timezone"], "UTC");
    assert_eq!(r["currency"], "usd");
    // Stored only hashed, the API token cannot be shown (README
    // "Credentials"); the postback URL carries the postback key.
    assert_eq!(r["token"], false);
    let key = r["postback_key"].as_str().unwrap();
    let postback = r["postback"].as_str().unwrap();
    assert_eq!(
        postback,
        format!(
            "http://127.0.0.1:{}/api/tracker/postback.json?id={}&click={{click}}",
            app.port, key
        )
    );
}

#[test]
fn profile_changes_timezone_currency_and_password() {
    let app = spawn_app();
    let r = app.api("profile", "timezone=Asia/Kolkata&currency=eur");
    assert_eq!(
        (r["timezone"].clone(), r["currency"].clone()),
        (json!("Asia/Kolkata"), json!("eur")),
        "{r}"
    );
    let r = app.api("profile", "");
    assert_eq!(
        (r["timezone"].clone(), r["currency"].clone()),
        (json!("Asia/Kolkata"), json!("eur"))
    );
    // Names are looked up without regard to case and kept canonical.
    assert_eq!(
        app.api("profile", "timezone=europe/berlin&currency=GBP")["timezone"],
        "Europe/Berlin"
    );
    assert_eq!(app.api("profile", "")["currency"], "gbp");

    let old = cli_last_line(&app.db, &["user", "password", "admin"]);
    let r = app.api_json(
        "profile",
        &json!({"password": "correct horse battery", "current_password": old}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(
        login(&app, "admin", "correct horse battery")["status"],
        "ok"
    );
    assert_eq!(login(&app, "admin", &old), access());
}

#[test]
fn changing_the_base_currency_converts_stored_costs_and_lead_values() {
    let app = spawn_app();
    app.flow_with_urls("cur-flow", &["https://example.com/"]);
    assert_eq!(app.click("/cur-flow", &[]).status, 302);
    let click = app.api("clicks", "")["clicks"][0]["click"].clone();
    let r = app.api("spend", "flow=cur-flow&cpc=1.72");
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api(
        "postback",
        &format!("click={}&status=approve&price=10", click.as_str().unwrap()),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let totals =
        || app.api("stats", &format!("item=flow&from={today}&to={today}"))["total"].clone();
    // Per subid the spend comes from the click columns' prices.
    let by_subid = || {
        let r = app.api("stats", &format!("item=subid&from={today}&to={today}"));
        r["total"]["spend"].as_f64().unwrap()
    };
    let before = totals();
    assert_eq!(
        (before["ma"].as_f64(), before["spend"].as_f64()),
        (Some(10.0), Some(1.72)),
        "{before}"
    );
    assert_eq!(by_subid(), 1.72);
    // Shipped table: 0.86 eur per usd.
    assert_eq!(app.api("profile", "currency=eur")["currency"], "eur");
    let cost = app.api("clicks", "")["clicks"][0]["cost"].as_f64().unwrap();
    assert!((cost - 1.72 * 0.86).abs() < 1e-9, "cost {cost}");
    let after = totals();
    let ma = after["ma"].as_f64().unwrap();
    let spend = after["spend"].as_f64().unwrap();
    assert!(
        (ma - 8.6).abs() < 0.01 && (spend - 1.72 * 0.86).abs() < 0.01,
        "{after}"
    );
    assert!((by_subid() - 1.72 * 0.86).abs() < 0.01, "{}", by_subid());
    // The price is still stored as given.
    assert_eq!(app.api("leads", "")["leads"][0]["price"], 10.0);
}

#[test]
fn bad_profile_changes_are_errors_and_change_nothing() {
    let app = spawn_app();
    let password = cli_last_line(&app.db, &["user", "password", "admin"]);
    let before = app.api("profile", "");
    let cases = [
        ("timezone=Mars/Olympus", err("bad-timezone", "timezone")),
        ("timezone=../../etc/passwd", err("bad-timezone", "timezone")),
        ("currency=xyz", err("bad-currency", "currency")),
        ("currency=euro", err("bad-currency", "currency")),
        ("password=short", err("bad-password", "password")),
        // A good change next to a bad one is not made either.
        (
            "timezone=Asia/Kolkata&currency=xyz",
            err("bad-currency", "currency"),
        ),
        (
            "currency=eur&timezone=Nowhere",
            err("bad-timezone", "timezone"),
        ),
        (
            "timezone=Asia/Kolkata&currency=eur&password=short",
            err("bad-password", "password"),
        ),
    ];
    for (q, want) in cases {
        assert_eq!(app.api("profile", q), want, "{q}");
        assert_eq!(app.api("profile", ""), before, "after {q}");
    }
    assert_eq!(login(&app, "admin", &password)["status"], "ok");
}

#[test]
fn token_rotation_cuts_off_the_old_token_on_every_function() {
    let app = spawn_app();
    let r = app.api("token", "");
    let new = r["token"].as_str().unwrap().to_string();
    assert_ne!(new, app.token);
    assert!(new.len() >= 20);
    assert_eq!(app.api_as(&new, "profile", "")["user"], "admin");
    for ep in flowtrack::routes::ENDPOINTS.iter().filter(|e| !e.open) {
        let r = app.api_as(&app.token, ep.name, "");
        assert_eq!(r, access(), "{} with the old token", ep.name);
    }
    // The new token, as a Bearer header too.
    assert_eq!(app.api_json_as(&new, "goals", &json!({}))["status"], "ok");
}
