//! SPEC 3/4: every postback error code, with `field` where the input is
//! malformed, and nothing written by a refused call.
use super::*;

/// Headers, body and the expected answer of one malformed request.
type Case<'a> = (&'a [(&'a str, &'a str)], Vec<u8>, Value);

#[test]
fn postback_without_click_or_flow_is_no_click() {
    let app = app_with_flow();
    assert_eq!(pb(&app, "status=approve"), err("no-click"));
    assert_eq!(pb(&app, "click=&flow="), err("no-click"));
    assert_eq!(leads(&app), 0);
}

#[test]
fn postback_with_an_unknown_click_is_bad_click() {
    let app = app_with_flow();
    let real = click(&app, "/f1");
    let (key, secret) = flowtrack::clicks::id::decode(&real).unwrap();
    let wrong_secret = flowtrack::clicks::id::encode(key, secret ^ 1);
    let no_such_key = flowtrack::clicks::id::encode(key + 1, secret);
    for c in [
        "nope",
        "!!!!!!!!!!!!!!!!!!!!!!",
        &wrong_secret,
        &no_such_key,
    ] {
        assert_eq!(pb(&app, &format!("click={c}")), err("bad-click"), "{c}");
    }
    assert_eq!(leads(&app), 0);
}

#[test]
fn postback_with_an_unknown_flow_is_bad_flow() {
    let app = app_with_flow();
    assert_eq!(pb(&app, "flow=nosuch&subid=1"), err("bad-flow"));
    assert_eq!(pb(&app, "flow=NOT%20A%20FLOW"), err("bad-flow"));
    assert_eq!(leads(&app), 0);
}

#[test]
fn postback_to_another_users_click_or_flow_is_access() {
    let app = app_with_flow();
    let bob = app.add_user("bob");
    let r = app.api_json_as(
        &bob,
        "flow",
        &json!({"flow": "bobs", "ways": [{"url": "https://b.test/"}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let bobs_click = click_as(&app, &bob, "/bobs", &[]);
    assert_eq!(pb(&app, &format!("click={bobs_click}")), err("access"));
    assert_eq!(pb(&app, "flow=bobs&subid=x"), err("access"));
    // And the other way round: bob cannot post to the admin's click.
    let mine = click(&app, "/f1");
    assert_eq!(
        app.api_as(&bob, "postback", &format!("click={mine}")),
        err("access")
    );
    assert_eq!(app.api_as(&bob, "postback", "flow=f1"), err("access"));
    assert_eq!(leads(&app), 0);
}

#[test]
fn malformed_values_are_specific_errors_and_write_nothing() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    let long_status = "s".repeat(65);
    let long_goal = "g".repeat(33);
    let cases = [
        ("price=abc", err_field("bad-price", "price")),
        ("price=-1", err_field("bad-price", "price")),
        ("price=1000000001", err_field("bad-price", "price")),
        ("price=1e400", err_field("bad-price", "price")),
        ("price=NaN", err_field("bad-price", "price")),
        (
            "price=1&currency=xyz",
            err_field("bad-currency", "currency"),
        ),
        (
            "price=1&currency=euro",
            err_field("bad-currency", "currency"),
        ),
        ("price=1&convert=zz", err_field("bad-currency", "convert")),
        ("goal=no%20way", err_field("bad-goal", "goal")),
        (&format!("goal={long_goal}"), err_field("bad-goal", "goal")),
        (
            &format!("status={long_status}"),
            err_field("bad-status", "status"),
        ),
        ("status=a%0Ab", err_field("bad-status", "status")),
        ("ip=999.1.1.1", err_field("bad-ip", "ip")),
        ("geo=zz", err_field("bad-geo", "geo")),
        ("meta=notjson", err_field("bad-param", "meta")),
    ];
    for (q, want) in cases {
        assert_eq!(pb(&app, &format!("click={c}&{q}")), want, "{q}");
    }
    let many: String = (0..51).map(|i| format!("&meta[k{i}]=v")).collect();
    assert_eq!(
        pb(&app, &format!("click={c}{many}")),
        err_field("bad-param", "meta")
    );
    assert_eq!(leads(&app), 0);
    assert_eq!(count(&app, "SELECT count(*) FROM lead_stages"), 0);
    assert_eq!(count(&app, "SELECT count(*) FROM goals"), 0);
}

#[test]
fn malformed_bodies_answer_the_envelope_with_200_and_write_nothing() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    let path = format!("/api/tracker/postback.json?id={}", app.token);
    let json_ct = [("Content-Type", "application/json")];
    let form_ct = [("Content-Type", "application/x-www-form-urlencoded")];
    let bodies: Vec<Case> = vec![
        (
            &json_ct,
            format!("{{\"click\": \"{c}\", ").into_bytes(),
            err("bad-json"),
        ),
        (&json_ct, b"[1,2]".to_vec(), err("bad-json")),
        (
            &json_ct,
            format!("{{\"click\": \"{c}\", \"price\": 1e400}}").into_bytes(),
            err("bad-json"),
        ),
        (
            &json_ct,
            format!("{{\"click\": \"{c}\", \"price\": 123456789012345678901234567890}}")
                .into_bytes(),
            err_field("bad-price", "price"),
        ),
        (
            &json_ct,
            format!("{{\"click\": \"{c}\", \"status\": {{\"a\": 1}}}}").into_bytes(),
            err_field("bad-param", "status"),
        ),
        (
            &form_ct,
            format!("click={c}&name=%FF%FE").into_bytes(),
            err_field("bad-param", "name"),
        ),
        (
            &form_ct,
            [format!("click={c}&name=").as_bytes(), b"\xff\xfe"].concat(),
            err_field("bad-param", "body"),
        ),
    ];
    for (headers, body, want) in bodies {
        let r = app.request("POST", &path, headers, &body);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json(), want, "{}", String::from_utf8_lossy(&body));
    }
    assert_eq!(leads(&app), 0);
}
