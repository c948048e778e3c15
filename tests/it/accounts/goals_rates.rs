//! goals.json / goal.json and rates.json (SPEC 1, 3, 5.2).
use super::*;

#[test]
fn goals_are_created_renamed_and_listed() {
    let app = spawn_app();
    assert_eq!(app.api("goals", ""), json!({"status": "ok", "goals": []}));
    assert_eq!(
        app.api("goal", "goal=reg&name=Registration"),
        json!({"status": "ok", "goal": "reg"})
    );
    assert_eq!(
        app.api("goal", "goal=Dep"),
        json!({"status": "ok", "goal": "dep"})
    );
    assert_eq!(
        app.api("goal", "goal=reg&name=Sign-up"),
        json!({"status": "ok", "goal": "reg"})
    );
    // Saving again without a name keeps the name.
    assert_eq!(app.api("goal", "goal=reg")["status"], "ok");
    assert_eq!(
        app.api("goals", ""),
        json!({"status": "ok", "goals": [
            {"goal": "dep", "name": "dep"},
            {"goal": "reg", "name": "Sign-up"},
        ]})
    );
}

#[test]
fn invalid_goal_ids_are_bad_goal_and_change_nothing() {
    let app = spawn_app();
    let long = "g".repeat(33);
    for q in [
        "goal=a%20b",
        "goal=caf%C3%A9",
        "goal=a.b",
        "goal=a/b",
        "",
        "goal=",
    ] {
        assert_eq!(app.api("goal", q), err("bad-goal", "goal"), "{q}");
    }
    assert_eq!(
        app.api("goal", &format!("goal={long}")),
        err("bad-goal", "goal")
    );
    assert_eq!(
        app.api("goal", &format!("goal={}", &long[..32]))["goal"],
        &long[..32]
    );
    assert_eq!(app.api("goals", "")["goals"].as_array().unwrap().len(), 1);
}

#[test]
fn goals_are_per_user() {
    let app = spawn_app();
    let bob = app.add_user("bob");
    assert_eq!(
        app.api("goal", "goal=lead&name=Admin%20lead")["status"],
        "ok"
    );
    assert_eq!(app.api("goal", "goal=sale")["status"], "ok");
    assert_eq!(
        app.api_as(&bob, "goals", ""),
        json!({"status": "ok", "goals": []})
    );
    // The same id for another user is another goal.
    assert_eq!(
        app.api_as(&bob, "goal", "goal=lead&name=Bob%20lead")["status"],
        "ok"
    );
    assert_eq!(
        app.api_as(&bob, "goals", ""),
        json!({"status": "ok", "goals": [{"goal": "lead", "name": "Bob lead"}]})
    );
    assert_eq!(
        app.api("goals", ""),
        json!({"status": "ok", "goals": [
            {"goal": "lead", "name": "Admin lead"},
            {"goal": "sale", "name": "sale"},
        ]})
    );
}

#[test]
fn rates_show_the_shipped_table_based_on_usd() {
    let app = spawn_app();
    let r = app.api("rates", "");
    assert_eq!(r["status"], "ok");
    assert_eq!(r["base"], "usd");
    assert_eq!(r["rates"]["usd"], 1.0);
    assert_eq!(r["rates"]["eur"], 0.86);
    let shipped: Value = serde_json::from_str(flowtrack::money::DEFAULT_RATES).unwrap();
    assert_eq!(r["rates"], shipped["rates"]);
    // Any user may read them.
    let bob = app.add_user("bob");
    assert_eq!(app.api_as(&bob, "rates", ""), r);
}

#[test]
fn the_operator_replaces_the_rates_and_conversions_use_them() {
    let app = spawn_app();
    let table = json!({"usd": 1, "eur": 0.5, "gbp": 0.25});
    let r = app.api_json("rates", &json!({"rates": table}));
    assert_eq!(
        r,
        json!({"status": "ok", "base": "usd", "rates": {"eur": 0.5, "gbp": 0.25, "usd": 1.0}})
    );
    assert_eq!(app.api("rates", "")["rates"], r["rates"]);
    // Form fields rates[code]=rate are the same.
    let r = app.api_form("rates", "rates[usd]=1&rates[eur]=0.25&rates[gbp]=0.2");
    assert_eq!(
        r["rates"],
        json!({"eur": 0.25, "gbp": 0.2, "usd": 1.0}),
        "{r}"
    );

    app.flow_with_urls("rate-flow", &["https://example.com/"]);
    assert_eq!(app.click("/rate-flow", &[]).status, 302);
    let r = app.api("spend", "flow=rate-flow&cpc=1&currency=eur");
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api("clicks", "")["clicks"][0]["cost"], 4.0);
    // A currency no longer in the table is unknown.
    assert_eq!(
        app.api("spend", "flow=rate-flow&cpc=1&currency=jpy"),
        err("bad-currency", "currency")
    );
    assert_eq!(
        app.api("profile", "currency=jpy"),
        err("bad-currency", "currency")
    );
}

#[test]
fn only_the_operator_replaces_the_rates() {
    let app = spawn_app();
    let bob = app.add_user("bob");
    let before = app.api("rates", "");
    let r = app.api_json_as(&bob, "rates", &json!({"rates": {"usd": 1, "eur": 0.1}}));
    assert_eq!(r, access());
    assert_eq!(app.api("rates", ""), before);
}

#[test]
fn bad_rates_are_bad_param_and_change_nothing() {
    let app = spawn_app();
    let before = app.api("rates", "");
    let bodies = [
        json!({"rates": {"usd": 1, "eur": -0.9}}),
        json!({"rates": {"usd": 1, "eur": 0}}),
        json!({"rates": {"eur": 0.9}}),
        json!({"rates": {"usd": 2, "eur": 0.9}}),
        json!({"rates": {"usd": 1, "euro": 0.9}}),
        json!({"rates": {"usd": 1, "eur": "lots"}}),
        json!({"rates": {"usd": 1, "EUR": 0.9, "eur": 0.8}}),
        json!({"rates": {}}),
        json!({"rates": [1, 2]}),
        json!({"rates": 5}),
        json!({"rates": "not json"}),
        json!({"rates": "[\"usd\"]"}),
    ];
    for body in bodies {
        assert_eq!(
            app.api_json("rates", &body),
            err("bad-param", "rates"),
            "{body}"
        );
        assert_eq!(app.api("rates", ""), before, "after {body}");
    }
}

#[test]
fn rates_that_drop_a_users_base_currency_are_refused() {
    let app = spawn_app();
    let bob = app.add_user("bob");
    assert_eq!(
        app.api_as(&bob, "profile", "currency=gbp")["currency"],
        "gbp"
    );
    let before = app.api("rates", "");
    let r = app.api_json("rates", &json!({"rates": {"usd": 1, "eur": 0.9}}));
    assert_eq!(r, err("bad-param", "rates"));
    assert_eq!(app.api("rates", ""), before);
    let r = app.api_json("rates", &json!({"rates": {"usd": 1, "gbp": 0.7}}));
    assert_eq!(r["rates"], json!({"gbp": 0.7, "usd": 1.0}), "{r}");
}
