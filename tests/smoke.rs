mod common;
use common::*;
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
