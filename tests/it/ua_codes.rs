//! The browser codes flowtrack adds after the reference's Bot (11): a click
//! gets them, the `browser` filter takes them, the stats item `browser`
//! (JSON and CSV) names them, and the dashboard's own code tables match the
//! server's (README, "Decisions where the reference is silent").
use crate::common::*;
use flowtrack::clicks::user_agent::{BROWSER_NAMES, OS_NAMES};
use serde_json::{json, Value};

const PERIOD: &str = "from=2000-01-01&to=2100-01-01";

/// (User-Agent, os, browser, mobile) of one click each.
const VISITORS: [(&str, i64, i64, i64); 5] = [
    ("UCWEB/2.0 (MIDP-2.0; U; Adr 4.0.4; en-US; ZTE_U795) U2/1.0.0 UCBrowser/10.7.6.805 U2/1.0.0 Mobile", 5, 12, 1),
    ("Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", 5, 13, 1),
    ("Mozilla/5.0 (Linux; U; en-us; KFAPWI Build/JDQ39) AppleWebKit/535.19 (KHTML, like Gecko) Silk/3.13 Safari/535.19 Silk-Accelerated=true", 5, 14, 1),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.5993.771 YaBrowser/23.11.2.771 Yowser/2.5 Safari/537.36", 1, 15, 0),
    ("Rested/2009 CFNetwork/1128.0.1 Darwin/19.6.0 (x86_64)", 2, 0, 0),
];

fn clicked_app() -> TestApp {
    let app = spawn_app();
    app.flow_with_urls("ua", &["https://offer.test/"]);
    for (ua, ..) in VISITORS {
        let r = app.request("GET", "/ua", &[("User-Agent", ua)], b"");
        assert_eq!(r.status, 302, "{ua}");
    }
    app
}

#[test]
fn each_click_records_the_os_browser_and_device_of_its_user_agent() {
    let app = clicked_app();
    let clicks = app.api("clicks", "");
    assert_eq!(clicks["status"], "ok", "{clicks}");
    let mut got: Vec<(String, Value, Value, Value)> = clicks["clicks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let ua = c["ua"].as_str().unwrap().to_string();
            (
                ua,
                c["os"].clone(),
                c["browser"].clone(),
                c["mobile"].clone(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want: Vec<_> = VISITORS
        .iter()
        .map(|(ua, os, br, m)| (ua.to_string(), json!(os), json!(br), json!(m)))
        .collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want);
}

#[test]
fn the_stats_item_browser_names_the_new_codes_in_json_and_csv() {
    let app = clicked_app();
    let stats = app.api("stats", &format!("{PERIOD}&item=browser"));
    assert_eq!(stats["status"], "ok", "{stats}");
    let mut rows: Vec<(Value, Value, Value)> = stats["stats"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| (r["id"].clone(), r["name"].clone(), r["click"].clone()))
        .collect();
    rows.sort_by_key(|r| r.0.as_i64());
    assert_eq!(
        rows,
        [
            (json!(0), json!("Other"), json!(1)),
            (json!(12), json!("UC Browser"), json!(1)),
            (json!(13), json!("Samsung Internet"), json!(1)),
            (json!(14), json!("Silk"), json!(1)),
            (json!(15), json!("Yandex"), json!(1)),
        ]
    );
    let csv = app
        .get(&format!(
            "/api/tracker/stats.json?id={}&{PERIOD}&item=browser&format=csv",
            app.token
        ))
        .text();
    for name in ["UC Browser", "Samsung Internet", "Silk", "Yandex"] {
        assert!(csv.contains(name), "{name} missing from:\n{csv}");
    }
}

#[test]
fn every_browser_code_is_a_valid_filter_and_selects_its_clicks() {
    let app = clicked_app();
    for (_, os, browser, _) in VISITORS {
        let q = format!("{PERIOD}&item=os&browser={browser}");
        let stats = app.api("stats", &q);
        assert_eq!(stats["status"], "ok", "browser={browser}: {stats}");
        let ids: Vec<&Value> = stats["stats"]
            .as_object()
            .unwrap()
            .values()
            .map(|r| &r["id"])
            .collect();
        assert_eq!(ids, [&json!(os)], "browser={browser}: {stats}");
        assert_eq!(
            stats["total"]["click"],
            json!(1),
            "browser={browser}: {stats}"
        );
    }
    let all = (0..BROWSER_NAMES.len())
        .map(|b| b.to_string())
        .collect::<Vec<_>>();
    let stats = app.api(
        "stats",
        &format!("{PERIOD}&item=flow&browser={}", all.join(",")),
    );
    assert_eq!(stats["total"]["click"], json!(VISITORS.len()), "{stats}");
    // One past the table is still refused, naming the parameter.
    let past = app.api(
        "stats",
        &format!("{PERIOD}&item=flow&browser={}", BROWSER_NAMES.len()),
    );
    assert_eq!(past["error"], "bad-param", "{past}");
    assert_eq!(past["field"], "browser", "{past}");
    let past = app.api("clicks", &format!("os={}", OS_NAMES.len()));
    assert_eq!(past["field"], "os", "{past}");
}

/// The dashboard names codes from its own lists (filter dropdowns, the
/// click and lead logs): they must be the server's, in the same order.
#[test]
fn the_dashboard_code_tables_are_the_servers() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/static/js/util.js");
    let js = std::fs::read_to_string(path).unwrap();
    assert_eq!(js_list(&js, "BROWSERS"), BROWSER_NAMES);
    assert_eq!(js_list(&js, "OSES"), OS_NAMES);
}

/// The strings of `export const NAME = [...]` in util.js.
fn js_list(js: &str, name: &str) -> Vec<String> {
    let start = js
        .find(&format!("export const {name} = ["))
        .unwrap_or_else(|| panic!("no {name} in util.js"));
    let body = &js[start..];
    let body = &body[body.find('[').unwrap() + 1..body.find(']').unwrap()];
    body.split(',')
        .map(|s| s.trim().trim_matches('\'').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
