//! SPEC 4: status to stage mapping and the stage history, meta merging,
//! tag and visitor overrides, money conversion, and GET / form / JSON
//! sending the same call.
use super::*;

#[test]
fn status_maps_through_the_lists_then_the_stage_names_case_insensitively() {
    let app = app_with_flow();
    let cases = [
        (
            "status=Confirmed&sta=confirmed,paid",
            "approve",
            "Confirmed",
        ),
        ("status=PAID&sta=Confirmed,paid", "approve", "PAID"),
        ("status=dup&stt[]=Dup&stt[]=fraud", "trash", "dup"),
        ("status=waiting&sth=Waiting&stn=new", "hold", "waiting"),
        ("status=Cancel", "cancel", "Cancel"),
        ("status=HOLD", "hold", "HOLD"),
        ("status=approve&stc=approve", "cancel", "approve"),
        ("status=Something%20else", "new", "Something else"),
    ];
    for (i, (q, stage, custom)) in cases.iter().enumerate() {
        let c = click(&app, "/f1");
        let id = i as i64 + 1;
        assert_eq!(
            pb(&app, &format!("click={c}&{q}")),
            ok(id, true, stage),
            "{q}"
        );
        let l = lead(&app, &json!(id));
        assert_eq!(
            (l["status"].clone(), l["custom"].clone()),
            (json!(stage), json!(custom))
        );
    }
}

#[test]
fn networks_common_status_words_map_to_stages_without_lists() {
    let app = app_with_flow();
    let cases = [
        ("approved", "approve"),
        ("Confirmed", "approve"),
        ("SALE", "approve"),
        ("pending", "hold"),
        ("rejected", "cancel"),
        ("chargeback", "cancel"),
        ("fraud", "trash"),
        ("lead", "new"),
        // A call's own list still wins.
        ("sale&stc=sale", "cancel"),
    ];
    for (i, (status, stage)) in cases.iter().enumerate() {
        let c = click(&app, "/f1");
        let r = pb(&app, &format!("click={c}&status={status}"));
        assert_eq!(r, ok(i as i64 + 1, true, stage), "{status}");
    }
    // An existing lead moves by them too.
    let c = click(&app, "/f1");
    let id = cases.len() as i64 + 1;
    assert_eq!(pb(&app, &format!("click={c}")), ok(id, true, "new"));
    let r = pb(&app, &format!("click={c}&status=approved"));
    assert_eq!(r, ok(id, false, "approve"));
}

#[test]
fn an_unrecognised_status_keeps_the_stage_of_an_existing_lead() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    let q = |rest: &str| pb(&app, &format!("click={c}&{rest}"));
    assert_eq!(q("status=approve"), ok(1, true, "approve"));
    // `Processing` would be hold by the networks' common words.
    assert_eq!(q("status=Reviewing"), ok(1, false, "approve"));
    let l = lead(&app, &json!(1));
    assert_eq!(
        (l["status"].clone(), l["custom"].clone()),
        (json!("approve"), json!("Reviewing"))
    );
    assert_eq!(q("status=Reviewing"), err("no-changes"));
    assert_eq!(q("status=cancel"), ok(1, false, "cancel"));
    assert_eq!(q("name=Hans"), ok(1, false, "cancel"));
    assert_eq!(
        history(&app, 1),
        vec![
            (2, "approve".to_string()),
            (2, "Reviewing".to_string()),
            (3, "cancel".to_string())
        ]
    );
}

#[test]
fn stage_history_keeps_every_change_in_order_with_its_time() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    let before = jiff::Timestamp::now().as_second();
    for (status, stage) in [("new", "new"), ("hold", "hold"), ("approve", "approve")] {
        let r = pb(&app, &format!("click={c}&status={status}"));
        assert_eq!(r["stage"], stage, "{r}");
    }
    assert_eq!(
        pb(&app, &format!("click={c}&status=approve")),
        err("no-changes")
    );
    assert_eq!(
        pb(&app, &format!("click={c}&status=trash")),
        ok(1, false, "trash")
    );
    let after = jiff::Timestamp::now().as_second();
    assert_eq!(
        history(&app, 1),
        vec![
            (0, "new".to_string()),
            (1, "hold".to_string()),
            (2, "approve".to_string()),
            (4, "trash".to_string())
        ]
    );
    let db = app.db();
    let (min, max): (i64, i64) = db
        .query_row("SELECT min(time), max(time) FROM lead_stages", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(before <= min && max <= after, "{min} {max}");
    // The lead keeps the time of its first postback; `updated` moves on.
    let (time, updated): (i64, i64) = db
        .query_row("SELECT time, updated FROM leads", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(lead(&app, &json!(1))["time"], time);
    assert!(time <= updated && updated <= after);
}

#[test]
fn meta_from_form_fields_and_json_merges_into_the_leads_meta() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    assert_eq!(
        app.api_form("postback", &format!("click={c}&meta[a]=1&meta[b]=two")),
        ok(1, true, "new")
    );
    let r = app.api_json(
        "postback",
        &json!({"click": c, "meta": {"b": "zwei", "c": 3, "d": {"x": true}}}),
    );
    assert_eq!(r, ok(1, false, "new"));
    assert_eq!(
        lead(&app, &json!(1))["meta"],
        json!({"a": "1", "b": "zwei", "c": "3", "d": "{\"x\":true}"})
    );
    // The same values again change nothing.
    assert_eq!(
        app.api_form("postback", &format!("click={c}&meta[b]=zwei")),
        err("no-changes")
    );
}

#[test]
fn tag_and_visitor_fields_replace_what_the_click_gave() {
    let app = app_with_flow();
    let c = click_as(
        &app,
        &app.token.clone(),
        "/f1?utm_source=fb&utm_campaign=c1&subid=s1&data2=x",
        &[("CF-Connecting-IP", "10.5.6.7"), ("CF-IPCountry", "DE")],
    );
    let q = format!(
        "click={c}&utm_source=tt&utm_campaign=c2&utm_content=n2&utm_term=t2&utm_medium=m2\
         &subid=s2&adid=a2&data1=d1&data2=d2&ip=::ffff:9.9.9.9&geo=FR&referer=https://r.test/\
         &ua={}&name=Hans&phone=%2B49&email=h@x.test&comment=hi",
        IPHONE_UA.replace(' ', "%20").replace(';', "%3B")
    );
    assert_eq!(pb(&app, &q), ok(1, true, "new"));
    let l = lead(&app, &json!(1));
    let pick = |k: &str| l[k].clone();
    assert_eq!(
        [
            "utm_source",
            "utm_campaign",
            "utm_content",
            "utm_term",
            "utm_medium",
            "subid",
            "adid",
            "data1",
            "data2",
            "ip",
            "geo",
            "referer",
            "ua",
            "name",
            "phone",
            "email",
            "comment"
        ]
        .map(pick),
        [
            "tt",
            "c2",
            "n2",
            "t2",
            "m2",
            "s2",
            "a2",
            "d1",
            "d2",
            "9.9.9.9",
            "fr",
            "https://r.test/",
            IPHONE_UA,
            "Hans",
            "+49",
            "h@x.test",
            "hi"
        ]
        .map(|s| json!(s))
    );
    // The user agent is classified again: iOS, Safari, mobile.
    let device: (i64, i64, i64) = app
        .db()
        .query_row("SELECT os, browser, mobile FROM leads", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(device, (4, 4, 1));
    // Long text is cut: names at 255 characters, comments at 1000.
    let long = "x".repeat(1200);
    assert_eq!(
        pb(&app, &format!("click={c}&name={long}&comment={long}")),
        ok(1, false, "new")
    );
    let l = lead(&app, &json!(1));
    assert_eq!(l["name"].as_str().unwrap().len(), 255);
    assert_eq!(l["comment"].as_str().unwrap().len(), 1000);
}

#[test]
fn prices_are_converted_and_stored_in_the_users_base_currency() {
    let app = app_with_flow();
    let rates = app.api("rates", "")["rates"].clone();
    let eur = rates["eur"].as_f64().unwrap();
    let gbp = rates["gbp"].as_f64().unwrap();
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let stored = |id: i64| -> (f64, String, f64) {
        app.db()
            .query_row(
                "SELECT price, currency, base FROM leads WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    let c1 = click(&app, "/f1");
    assert_eq!(
        pb(&app, &format!("click={c1}&price=18")),
        ok(1, true, "new")
    );
    assert_eq!(stored(1), (18.0, "usd".into(), 18.0));
    let c2 = click(&app, "/f1");
    assert_eq!(
        pb(&app, &format!("click={c2}&price=10&currency=EUR")),
        ok(2, true, "new")
    );
    assert_eq!(stored(2), (10.0, "eur".into(), round(10.0 / eur)));
    let l = lead(&app, &json!(2));
    assert_eq!(
        (l["price"].clone(), l["currency"].clone()),
        (json!(10.0), json!("eur"))
    );
    // convert: the price is stored in that currency.
    let c3 = click(&app, "/f1");
    assert_eq!(
        pb(
            &app,
            &format!("click={c3}&price=10&currency=eur&convert=gbp")
        ),
        ok(3, true, "new")
    );
    let gbp_price = round(10.0 / eur * gbp);
    assert_eq!(stored(3), (gbp_price, "gbp".into(), round(gbp_price / gbp)));
    // A decimal comma is read as a point.
    let c4 = click(&app, "/f1");
    assert_eq!(
        pb(&app, &format!("click={c4}&price=1,5")),
        ok(4, true, "new")
    );
    assert_eq!(stored(4).0, 1.5);
    // With euro as the user's base currency, base is in euro.
    let r = app.api("profile", "currency=eur");
    assert_eq!(r["currency"], "eur", "{r}");
    let c5 = click(&app, "/f1");
    assert_eq!(pb(&app, &format!("click={c5}&price=5")), ok(5, true, "new"));
    assert_eq!(stored(5), (5.0, "usd".into(), round(5.0 * eur)));
    // A new price on an existing lead is a change; the same is not.
    assert_eq!(pb(&app, &format!("click={c5}&price=5")), err("no-changes"));
    assert_eq!(
        pb(&app, &format!("click={c5}&price=5&currency=eur")),
        ok(5, false, "new")
    );
    assert_eq!(stored(5), (5.0, "eur".into(), 5.0));
}

#[test]
fn get_form_and_json_postbacks_are_the_same_call() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    let fields = [
        ("click", c.as_str()),
        ("status", "Paid"),
        ("sta", "paid"),
        ("price", "7.5"),
        ("currency", "eur"),
        ("goal", "sale"),
        ("name", "Ann Lee"),
    ];
    let query: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&");
    let body: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    assert_eq!(pb(&app, &query), ok(1, true, "approve"));
    assert_eq!(app.api_form("postback", &query), err("no-changes"));
    assert_eq!(
        app.api_json("postback", &Value::Object(body.clone())),
        err("no-changes")
    );
    assert_eq!(leads(&app), 1);
    // And each way of sending creates the same lead on its own.
    let mut seen = Vec::new();
    for send in 0..3 {
        let c = click(&app, "/f1");
        let q = query.replacen(&format!("click={}", fields[0].1), &format!("click={c}"), 1);
        let mut b = body.clone();
        b.insert("click".into(), json!(c));
        let r = match send {
            0 => pb(&app, &q),
            1 => app.api_form("postback", &q),
            _ => app.api_json("postback", &Value::Object(b)),
        };
        assert_eq!(r["create"], true, "{r}");
        let mut l = lead(&app, &r["id"]);
        for k in ["id", "time", "click"] {
            l[k] = json!(null);
        }
        seen.push(l);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
}
