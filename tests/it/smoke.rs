use crate::common::*;
use serde_json::json;

#[test]
fn a_click_lands_on_the_site_with_macros_and_shows_in_the_click_log() {
    let app = spawn_app();
    let site = app.api_json(
        "site",
        &json!({"name": "Offer", "url": "https://offer.test/?c={click}&s={utms}"}),
    );
    assert_eq!(site, json!({"status": "ok", "site": 1}));
    let flow = app.api_json("flow", &json!({"flow": "fb-1", "ways": [{"site": 1}]}));
    assert_eq!(flow, json!({"status": "ok", "flow": "fb-1", "ways": [1]}));
    let r = app.click("/fb-1?utm_source=f%20b&fbclid=x", &[]);
    assert_eq!(r.status, 302);
    let clicks = app.api("clicks", "");
    let c = &clicks["clicks"][0];
    let location = r.header("location").unwrap();
    assert_eq!(
        location,
        format!(
            "https://offer.test/?c={}&s=f%20b",
            c["click"].as_str().unwrap()
        )
    );
    assert_eq!(c["utm_source"], "f b");
    assert_eq!(c["adid"], "x");
    assert_eq!(c["filter"], 0);
    assert_eq!(c["unique"], true);
    assert_eq!(
        (c["os"].clone(), c["browser"].clone(), c["mobile"].clone()),
        (json!(1), json!(1), json!(0))
    );
}

#[test]
fn head_answers_like_get_on_health_and_the_dashboard() {
    let app = spawn_app();
    assert_eq!(app.request("HEAD", "/health", &[], b"").status, 200);
    assert_eq!(app.request("HEAD", "/app/", &[], b"").status, 200);
}

#[test]
fn a_site_url_beyond_ascii_is_percent_encoded_in_the_location_header() {
    let app = spawn_app();
    app.flow_with_urls("umlaut", &["https://shop.test/grüße?q={utms}"]);
    let r = app.click("/umlaut?utm_source=%C3%B6", &[]);
    assert_eq!(
        r.header("location"),
        Some("https://shop.test/gr%C3%BC%C3%9Fe?q=%C3%B6")
    );
}

#[test]
fn a_returning_visitor_leaves_a_way_whose_weight_became_zero() {
    let app = spawn_app();
    let urls = ["https://a.test/", "https://b.test/"];
    let ways = app.flow_with_urls("zero", &urls);
    let first = app.click("/zero", &[]);
    let cookie = first
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let got = urls
        .iter()
        .position(|u| Some(*u) == first.header("location"))
        .unwrap();
    // The way this visitor got now has weight 0: they must get the other.
    let spec: Vec<_> = (0..2)
        .map(|i| json!({"way": ways[i], "url": urls[i], "weight": if i == got { 0 } else { 1 }}))
        .collect();
    assert_eq!(
        app.api_json("flow", &json!({"flow": "zero", "ways": spec}))["status"],
        "ok"
    );
    let again = app.click("/zero", &[("Cookie", &cookie)]);
    assert_eq!(again.header("location"), Some(urls[1 - got]));
}
