//! Traffic sources over real HTTP (docs/API.md sources.json, source.json,
//! source-delete.json, flows.json `source` and `link`, "The click path"
//! step 2): every field and template, the mapping, the click-time cost
//! of each model and currency, spend.json over it, archived sources in
//! stats. Bad input and other users: sources/bad.rs.
use crate::common::*;
use serde_json::{json, Value};

mod bad;

const ALL: &str = "from=2000-01-01&to=2100-01-01";

/// Creates a source; answers its id.
pub fn create(app: &TestApp, body: Value) -> i64 {
    let r = app.api_json("source", &body);
    assert_eq!(r["status"], "ok", "{body}: {r}");
    r["source"].as_i64().unwrap()
}

/// The user's source `id` as sources.json lists it.
fn listed(app: &TestApp, id: i64) -> Value {
    let r = app.api("sources", "");
    r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// A flow `flow` with one URL way and source `source`.
pub fn flow_with_source(app: &TestApp, flow: &str, source: i64) {
    let r = app.api_json(
        "flow",
        &json!({"flow": flow, "source": source, "ways": [{"url": "https://offer.test/?c={click}&u={uid}&s={subid}"}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
}

/// The newest click of `flow` as clicks.json shows it.
fn last_click(app: &TestApp, flow: &str) -> Value {
    let r = app.api("clicks", &format!("flow={flow}"));
    r["clicks"][0].clone()
}

#[test]
fn every_template_is_a_documented_network_and_copies_into_a_source() {
    let app = spawn_app();
    let r = app.api("sources", "");
    assert_eq!(r["sources"], json!([]), "{r}");
    let templates = r["templates"].as_array().unwrap().clone();
    let ids: Vec<&str> = templates
        .iter()
        .map(|t| t["template"].as_str().unwrap())
        .collect();
    for want in ["facebook", "google", "tiktok", "microsoft", "propellerads"] {
        assert!(ids.contains(&want), "{ids:?}");
    }
    assert!(ids.contains(&"taboola") || ids.contains(&"mgid"), "{ids:?}");
    let tags = [
        "utm_source",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "utm_medium",
        "subid",
        "uuid",
        "data1",
        "data2",
    ];
    for t in &templates {
        assert!(t.get("id").is_none(), "{t}");
        assert!(t["docs"].as_str().unwrap().starts_with("https://"), "{t}");
        assert!(!t["name"].as_str().unwrap().is_empty(), "{t}");
        assert!(!t["click_param"].as_str().unwrap().is_empty(), "{t}");
        assert_eq!(t["currency"], "usd", "{t}");
        let params = t["params"].as_array().unwrap();
        assert!(!params.is_empty(), "{t}");
        for p in params {
            assert!(tags.contains(&p["tag"].as_str().unwrap()), "{t}");
            assert!(!p["macro"].as_str().unwrap().is_empty(), "{t}");
        }
        let model = t["cost_model"].as_str().unwrap();
        assert!(["none", "param"].contains(&model), "{t}");
        assert_eq!(
            model == "param",
            !t["cost_macro"].as_str().unwrap().is_empty()
        );
        // A source made from it is a copy, with its own id.
        let id = create(&app, json!({"template": t["template"]}));
        let mut want = t.clone();
        want["id"] = json!(id);
        assert_eq!(listed(&app, id), want);
    }
    assert!(app.api("sources", "")["sources"].as_array().unwrap().len() >= 6);
    // The copy is the user's to change, field by field.
    let id = listed(&app, 1)["id"].as_i64().unwrap();
    let all = json!({
        "source": id, "name": "My FB", "click_param": "fbid", "click_macro": "{fbid}",
        "params": [{"param": "z", "tag": "subid", "macro": "{zone}"},
                   {"param": "n", "tag": "data2", "macro": ""}],
        "cost_model": "cpc", "cpc": 0.35, "cost_param": "p", "cost_macro": "{p}", "currency": "eur"
    });
    assert_eq!(app.api_json("source", &all)["source"], id);
    let got = listed(&app, id);
    for (k, v) in all
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "source")
    {
        assert_eq!(&got[k], v, "{k}: {got}");
    }
    assert_eq!(got["template"], "facebook");
    assert_eq!(got["docs"], templates[0]["docs"]);
    // A form works like JSON, and a name alone changes only the name.
    let r = app.api("source", &format!("source={id}&name=Renamed"));
    assert_eq!(r["status"], "ok", "{r}");
    let renamed = listed(&app, id);
    assert_eq!(renamed["name"], "Renamed");
    assert_eq!(renamed["params"], got["params"]);
    // A source without a template.
    let own = create(&app, json!({"name": "Own", "click_param": "cid"}));
    let own = listed(&app, own);
    assert_eq!(
        (
            &own["template"],
            &own["docs"],
            &own["cost_model"],
            &own["params"]
        ),
        (&json!(""), &json!(""), &json!("none"), &json!([]))
    );
}

#[test]
fn the_flow_names_its_source_and_links_with_its_macros() {
    let app = spawn_app();
    let g = create(&app, json!({"template": "propellerads"}));
    flow_with_source(&app, "push", g);
    app.flow_with_urls("plain", &["https://p.test/"]);
    let flow = |id: &str| -> Value {
        let flows = app.api("flows", "")["flows"].clone();
        flows
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["flow"] == id)
            .cloned()
            .unwrap()
    };
    let origin = format!("http://127.0.0.1:{}", app.port);
    assert_eq!(flow("push")["source"], g);
    assert_eq!(
        flow("push")["link"],
        format!("{origin}/push?clickid=${{SUBID}}&zoneid={{zoneid}}&campaignid={{campaignid}}&bannerid={{bannerid}}&cost={{cost}}")
    );
    assert_eq!(flow("plain")["source"], false);
    assert_eq!(flow("plain")["link"], format!("{origin}/plain"));
    // Facebook appends fbclid itself: no pair without a macro.
    let fb = create(&app, json!({"template": "facebook"}));
    assert_eq!(
        app.api("flow", &format!("flow=push&source={fb}"))["status"],
        "ok"
    );
    let link = flow("push")["link"].clone();
    assert!(
        link.as_str()
            .unwrap()
            .starts_with(&format!("{origin}/push?campaign_id={{{{campaign.id}}}}&")),
        "{link}"
    );
    // Empty or 0 clears it; other changes keep it.
    for clear in ["source=", "source=0"] {
        assert_eq!(
            app.api("flow", &format!("flow=push&source={fb}"))["status"],
            "ok"
        );
        assert_eq!(app.api("flow", "flow=push&name=Push")["status"], "ok");
        assert_eq!(flow("push")["source"], fb);
        assert_eq!(
            app.api("flow", &format!("flow=push&{clear}"))["status"],
            "ok"
        );
        let f = flow("push");
        assert_eq!(
            (&f["source"], &f["link"]),
            (&json!(false), &json!(format!("{origin}/push")))
        );
        assert_eq!(app.click("/push?clickid=x&cost=1", &[]).status, 302);
        assert_eq!(last_click(&app, "push")["source"], 0);
    }
}

#[test]
fn a_click_takes_the_click_id_and_the_mapping_of_its_source() {
    let app = spawn_app();
    let s = create(
        &app,
        json!({"name": "Net", "click_param": "msclkid", "params": [
            {"param": "zone", "tag": "subid", "macro": "{zone}"},
            {"param": "cmp", "tag": "utm_campaign", "macro": "{cmp}"},
            {"param": "src", "tag": "utm_source", "macro": ""},
            {"param": "cr", "tag": "utm_content", "macro": ""},
            {"param": "kw", "tag": "utm_term", "macro": ""},
            {"param": "med", "tag": "utm_medium", "macro": ""},
            {"param": "u", "tag": "uuid", "macro": ""},
            {"param": "d1", "tag": "data1", "macro": ""},
            {"param": "d2", "tag": "data2", "macro": ""}]}),
    );
    flow_with_source(&app, "net", s);
    let r = app.click(
        "/net?gclid=G&msclkid=M%201&zone=z9&cmp=c&src=s&cr=n&kw=t&med=m&u=uu&d1=a&d2=b",
        &[],
    );
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location").unwrap(),
        format!(
            "https://offer.test/?c={}&u=M%201&s=z9",
            last_click(&app, "net")["click"].as_str().unwrap()
        )
    );
    let c = last_click(&app, "net");
    let want = json!({"source": s, "adid": "M 1", "subid": "z9", "utm_campaign": "c",
        "utm_source": "s", "utm_content": "n", "utm_term": "t", "utm_medium": "m",
        "uuid": "uu", "data1": "a", "data2": "b", "cost": 0.0});
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&c[k], v, "{k}: {c}");
    }
    // A tag given by its own name wins; without the source's click id the
    // built-in list still gives adid.
    assert_eq!(app.click("/net?subid=own&zone=z9&gclid=G", &[]).status, 302);
    let c = last_click(&app, "net");
    assert_eq!((&c["subid"], &c["adid"]), (&json!("own"), &json!("G")));
    // Stats and leads carry the source.
    let stats = app.api("stats", &format!("{ALL}&item=source"));
    assert_eq!(stats["stats"][s.to_string()]["name"], "Net", "{stats}");
    assert_eq!(stats["stats"][s.to_string()]["click"], 2, "{stats}");
    let click = c["click"].as_str().unwrap();
    let lead = app.api("postback", &format!("click={click}&status=approve&price=5"));
    assert_eq!(lead["status"], "ok", "{lead}");
    assert_eq!(app.api("leads", "")["leads"][0]["source"], s);
}

/// The spend of `flow`'s clicks in stats, and clicks.json's costs.
fn spend(app: &TestApp, flow: &str) -> (f64, Vec<f64>) {
    let r = app.api("stats", &format!("{ALL}&item=flow&flow={flow}"));
    let total = r["total"]["spend"].as_f64().unwrap();
    let costs = app.api("clicks", &format!("flow={flow}"))["clicks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cost"].as_f64().unwrap())
        .collect();
    (total, costs)
}

#[test]
fn a_click_costs_what_its_source_says_in_the_base_currency() {
    let app = spawn_app();
    let rates = app.api("rates", "")["rates"].clone();
    let eur = rates["eur"].as_f64().unwrap();
    let gbp = rates["gbp"].as_f64().unwrap();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    let none = create(&app, json!({"name": "None", "cpc": 5}));
    let cpc = create(
        &app,
        json!({"name": "Cpc", "cost_model": "cpc", "cpc": 0.4}),
    );
    let cpc_eur = create(
        &app,
        json!({"name": "CpcEur", "cost_model": "cpc", "cpc": 0.4, "currency": "eur"}),
    );
    let param = create(&app, json!({"template": "propellerads"}));
    let param_gbp = create(&app, json!({"template": "mgid", "currency": "GBP"}));
    for (flow, s) in [
        ("none", none),
        ("cpc", cpc),
        ("cpc-eur", cpc_eur),
        ("param", param),
        ("param-gbp", param_gbp),
    ] {
        flow_with_source(&app, flow, s);
    }
    let one = |path: &str| assert_eq!(app.click(path, &[]).status, 302, "{path}");
    one("/none?cost=3");
    one("/cpc?cost=3");
    one("/cpc-eur");
    one("/param?cost=0.125");
    one("/param?cost=-1");
    one("/param?cost=abc");
    one("/param");
    one("/param-gbp?cost=2&cost=9");
    assert_eq!(spend(&app, "none"), (0.0, vec![0.0]));
    assert_eq!(spend(&app, "cpc"), (0.4, vec![0.4]));
    let (_, c) = spend(&app, "cpc-eur");
    assert!(close(c[0], 0.4 / eur), "{c:?}");
    let (total, mut c) = spend(&app, "param");
    c.sort_by(f64::total_cmp);
    assert_eq!((total, c), (0.13, vec![0.0, 0.0, 0.0, 0.125]));
    let (_, c) = spend(&app, "param-gbp");
    assert!(close(c[0], 2.0 / gbp), "{c:?}");
    // In a user's other base currency, converted from the source's.
    assert_eq!(app.api("profile", "currency=eur")["status"], "ok");
    one("/cpc");
    one("/cpc-eur");
    let (_, c) = spend(&app, "cpc");
    assert!(close(c[0], 0.4 * eur), "{c:?}");
    let (_, c) = spend(&app, "cpc-eur");
    assert!(close(c[0], 0.4), "{c:?}");
    // spend.json prices the clicks later, over their click-time cost.
    let r = app.api("spend", &format!("flow=param&{ALL}&cpc=1&currency=eur"));
    assert_eq!(r["clicks"], 4, "{r}");
    assert_eq!(spend(&app, "param"), (4.0, vec![1.0; 4]));
    let r = app.api("spend", &format!("flow=cpc&{ALL}&cost=0&currency=eur"));
    assert_eq!(r["clicks"], 2, "{r}");
    assert_eq!(spend(&app, "cpc"), (0.0, vec![0.0; 2]));
}

#[test]
fn an_archived_source_keeps_its_name_in_stats_and_its_flow() {
    let app = spawn_app();
    let s = create(
        &app,
        json!({"name": "Old net", "cost_model": "cpc", "cpc": 1}),
    );
    flow_with_source(&app, "old", s);
    assert_eq!(app.click("/old", &[]).status, 302);
    assert_eq!(
        app.api("source-delete", &format!("source={s}")),
        json!({"status": "ok", "source": s})
    );
    assert_eq!(app.api("sources", "")["sources"], json!([]));
    // Its flow keeps it until changed: clicks still get its source and cost.
    assert_eq!(app.click("/old", &[]).status, 302);
    assert_eq!(spend(&app, "old"), (2.0, vec![1.0, 1.0]));
    assert_eq!(app.api("flows", "")["flows"][0]["source"], s);
    let stats = app.api("stats", &format!("{ALL}&item=source"));
    assert_eq!(stats["stats"][s.to_string()]["name"], "Old net", "{stats}");
    assert_eq!(stats["stats"][s.to_string()]["click"], 2, "{stats}");
    // But it is no longer a choice, nor can it be changed or archived again.
    assert_eq!(
        app.api("flow", &format!("flow=old&source={s}")),
        bad_input_err("bad-source", "source")
    );
    assert_eq!(
        app.api("source", &format!("source={s}&name=x")),
        bad_input_err("bad-source", "source")
    );
    assert_eq!(
        app.api("source-delete", &format!("source={s}")),
        bad_input_err("bad-source", "source")
    );
}

pub fn bad_input_err(code: &str, field: &str) -> Value {
    json!({"status": "error", "error": code, "field": field})
}

/// While a change of base currency is under way (its progress in
/// `rescale_pending`), a click is stored without its source's price: the
/// change counts on clicks stored meanwhile having none (docs/API.md
/// profile.json). Before and after it, the click has its price, and every
/// copy agrees with the rows.
#[test]
fn a_click_made_during_a_currency_change_is_stored_unpriced() {
    let app = spawn_app();
    let s = create(
        &app,
        json!({"name": "Cpc", "cost_model": "cpc", "cpc": 0.5}),
    );
    flow_with_source(&app, "paid", s);
    let click = |app: &TestApp| {
        assert_eq!(app.click("/paid", &[]).status, 302);
        last_click(app, "paid")["cost"].as_f64().unwrap()
    };
    assert_eq!(click(&app), 0.5);
    // As a change's first slice leaves it for the next ones (the writer
    // runs no task for this row: it only stands for one).
    let conn = app.db();
    conn.execute(
        "INSERT INTO rescale_pending (user_id, rate, phase, cursor, horizon) VALUES (1, 1.0, 99, 0, 0)",
        [],
    )
    .unwrap();
    assert_eq!(click(&app), 0.0);
    conn.execute("DELETE FROM rescale_pending", []).unwrap();
    assert_eq!(click(&app), 0.5);
    let (total, _) = spend(&app, "paid");
    assert_eq!(total, 1.0);
    let db = app.stop();
    assert!(cli_last_line(&db, &["store", "verify"]).contains("agree"));
}
