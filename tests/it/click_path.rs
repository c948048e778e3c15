//! SPEC 2 steps 1-5: what a visit tells the tracker (IP, headers, tags,
//! country) and the flow's filters, each checked through the click log.
use crate::common::*;
use serde_json::{json, Value};

const CURL_UA: &str = "curl/8.4.0";
const GOOGLEBOT_UA: &str =
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

type Headers<'a> = [(&'a str, &'a str)];

/// Behind Cloudflare, whose country header is believed.
fn proxy_app() -> TestApp {
    spawn_with(behind_cloudflare)
}

/// The newest click of the admin's log.
fn last_click(app: &TestApp) -> Value {
    let r = app.api("clicks", "limit=1");
    assert_eq!(r["status"], "ok", "{r}");
    r["clicks"][0].clone()
}

/// A click through a trusted proxy from `ip`, with extra headers.
fn visit(app: &TestApp, path: &str, ip: &str, extra: &[(&str, &str)]) -> Value {
    let mut h = vec![("CF-Connecting-IP", ip)];
    if !extra.iter().any(|(k, _)| *k == "User-Agent") {
        h.push(("User-Agent", CHROME_UA));
    }
    h.extend_from_slice(extra);
    let r = app.request("GET", path, &h, b"");
    assert!(
        r.status == 302 || r.status == 404,
        "{}: {}",
        r.status,
        r.text()
    );
    last_click(app)
}

fn flow(app: &TestApp, body: Value) {
    let r = app.api_json("flow", &body);
    assert_eq!(r["status"], "ok", "{r}");
}

#[test]
fn step1_untrusted_proxy_headers_are_ignored() {
    let app = spawn_app();
    app.flow_with_urls("p1", &["https://t.test/"]);
    let r = app.click(
        "/p1",
        &[
            ("X-Forwarded-For", "1.2.3.4"),
            ("X-Real-IP", "5.6.7.8"),
            ("CF-Connecting-IP", "9.9.9.9"),
            ("CF-IPCountry", "DE"),
        ],
    );
    assert_eq!(r.status, 302);
    let c = last_click(&app);
    assert_eq!(
        (c["ip"].clone(), c["geo"].clone()),
        (json!("127.0.0.1"), json!(false))
    );
}

#[test]
fn step1_trusted_proxy_gives_the_address_it_saw() {
    // Every proxy setup and spoofing attempt: tests/it/proxy.rs.
    let app = spawn_with(|c| c.trust_proxy = true);
    app.flow_with_urls("p1", &["https://t.test/"]);
    let only = |app: &TestApp, h: &'static str, v: &'static str| {
        app.click("/p1", &[(h, v)]);
        last_click(app)["ip"].clone()
    };
    // The right-most X-Forwarded-For address: a client writes to its left.
    assert_eq!(
        only(&app, "X-Forwarded-For", "10.1.2.3, 10.9.9.9"),
        "10.9.9.9"
    );
    assert_eq!(only(&app, "X-Forwarded-For", "2001:db8::1"), "2001:db8::1");
    // Headers other than --ip-header are not read.
    assert_eq!(only(&app, "X-Real-IP", "10.4.4.4"), "127.0.0.1");
    // An address that does not parse falls back to the socket peer.
    assert_eq!(only(&app, "X-Forwarded-For", "unknown"), "127.0.0.1");
    let cf = proxy_app();
    cf.flow_with_urls("p1", &["https://t.test/"]);
    assert_eq!(only(&cf, "CF-Connecting-IP", "10.5.5.5"), "10.5.5.5");
    assert_eq!(only(&cf, "X-Forwarded-For", "10.6.6.6"), "127.0.0.1");
}

#[test]
fn step1_user_agent_language_referer_and_host_are_recorded() {
    let app = proxy_app();
    app.flow_with_urls("p1", &["https://t.test/"]);
    let c = visit(
        &app,
        "/p1",
        "10.0.0.1",
        &[
            ("Accept-Language", "de-CH,de;q=0.9,en;q=0.5"),
            ("Referer", "https://news.test/a?b=c"),
            ("CF-IPCountry", "CH"),
        ],
    );
    assert_eq!(c["ua"], CHROME_UA);
    assert_eq!(c["lang"], "de");
    assert_eq!(c["referer"], "https://news.test/a?b=c");
    assert_eq!(c["domain"], "127.0.0.1");
    // A private address is not in the database: the proxy's country counts.
    assert_eq!(c["geo"], "ch");
}

#[test]
fn step2_tags_are_read_from_the_query_and_cut_to_255_characters() {
    let app = spawn_app();
    app.flow_with_urls("p1", &["https://t.test/"]);
    let long = "é".repeat(300);
    let q = format!(
        "/p1?utm_source=fb&utm_campaign=c%201&utm_content=ct&utm_term=tm&utm_medium=md\
         &subid={}&uuid=u-1&data1=d1&data2=d2&other=x",
        long.replace('é', "%C3%A9")
    );
    app.click(&q, &[]);
    let c = last_click(&app);
    let tags: Vec<Value> = [
        "utm_source",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "utm_medium",
        "uuid",
        "data1",
        "data2",
        "adid",
    ]
    .iter()
    .map(|k| c[*k].clone())
    .collect();
    assert_eq!(
        tags,
        vec![
            json!("fb"),
            json!("c 1"),
            json!("ct"),
            json!("tm"),
            json!("md"),
            json!("u-1"),
            json!("d1"),
            json!("d2"),
            json!(false)
        ]
    );
    assert_eq!(c["subid"].as_str().unwrap(), "é".repeat(255));
}

#[test]
fn step2_ad_click_id_is_the_first_present_in_spec_order() {
    let app = spawn_app();
    app.flow_with_urls("p1", &["https://t.test/"]);
    let order = [
        "fbclid",
        "gclid",
        "ttclid",
        "yclid",
        "adclid",
        "clid",
        "adid",
        "uid",
        "unique_id",
    ];
    for i in 0..order.len() {
        // Later names come first in the query: the SPEC order wins.
        let q: Vec<String> = order[i..]
            .iter()
            .rev()
            .map(|n| format!("{n}=v-{n}"))
            .collect();
        app.click(&format!("/p1?{}", q.join("&")), &[]);
        assert_eq!(last_click(&app)["adid"], format!("v-{}", order[i]), "{q:?}");
    }
    let long = "a".repeat(400);
    app.click(&format!("/p1?gclid={long}"), &[]);
    assert_eq!(last_click(&app)["adid"].as_str().unwrap().len(), 255);
}

#[test]
fn step4_country_comes_from_the_bundled_database_before_the_proxy_header() {
    let app = proxy_app();
    app.flow_with_urls("p1", &["https://t.test/"]);
    let geo = |ip: &str| visit(&app, "/p1", ip, &[("CF-IPCountry", "FR")])["geo"].clone();
    assert_eq!(geo("193.99.144.80"), "de");
    assert_eq!(geo("8.8.8.8"), "us");
    assert_eq!(geo("2001:4860:4860::8888"), "us");
    // An IPv4-mapped IPv6 address is the IPv4 address.
    let c = visit(&app, "/p1", "::ffff:193.99.144.80", &[]);
    assert_eq!(
        (c["ip"].clone(), c["geo"].clone()),
        (json!("193.99.144.80"), json!("de"))
    );
    // Unknown to the database (private range): the trusted header decides.
    assert_eq!(geo("192.168.1.1"), "fr");
    app.click(
        "/p1",
        &[("CF-Connecting-IP", "192.168.1.1"), ("CF-IPCountry", "XX")],
    );
    assert_eq!(last_click(&app)["geo"], false);
}

#[test]
fn filter1_bots_are_blocked_when_the_flow_blocks_bots() {
    let app = spawn_app();
    flow(
        &app,
        json!({"flow": "b1", "bots": 1, "ways": [{"url": "https://t.test/"}]}),
    );
    for ua in [CURL_UA, GOOGLEBOT_UA] {
        let r = app.request("GET", "/b1", &[("User-Agent", ua)], b"");
        assert_eq!(r.status, 404, "{ua}");
        let c = last_click(&app);
        assert_eq!(
            (c["filter"].clone(), c["ua"].clone()),
            (json!(1), json!(ua))
        );
        assert_eq!(
            (c["way"].clone(), c["browser"].clone()),
            (json!(0), json!(11))
        );
    }
    app.click("/b1", &[]);
    assert_eq!(last_click(&app)["filter"], 0);
}

#[test]
fn filter1_bots_pass_when_the_flow_lets_them_through() {
    let app = spawn_app();
    flow(
        &app,
        json!({"flow": "b0", "bots": 0, "ways": [{"url": "https://t.test/"}]}),
    );
    let r = app.request("GET", "/b0", &[("User-Agent", CURL_UA)], b"");
    assert_eq!(r.status, 302);
    assert_eq!(last_click(&app)["filter"], 0);
}

#[test]
fn filter2_blacklisted_ips_and_cidrs_are_blocked() {
    let app = proxy_app();
    app.flow_with_urls("k1", &["https://t.test/"]);
    let r = app.api("blacklist", "add=10.1.1.1,10.2.0.0/16");
    assert_eq!(
        r,
        json!({"status": "ok", "blacklist": ["10.1.1.1", "10.2.0.0/16"]})
    );
    assert_eq!(visit(&app, "/k1", "10.1.1.1", &[])["filter"], 2);
    assert_eq!(visit(&app, "/k1", "10.2.200.3", &[])["filter"], 2);
    assert_eq!(visit(&app, "/k1", "10.3.0.1", &[])["filter"], 0);
    // Bot comes first.
    let c = visit(&app, "/k1", "10.1.1.1", &[("User-Agent", CURL_UA)]);
    assert_eq!(c["filter"], 1);
    // Removing an entry takes effect at once.
    app.api("blacklist", "remove=10.1.1.1");
    assert_eq!(visit(&app, "/k1", "10.1.1.1", &[])["filter"], 0);
}

#[test]
fn filter3_a_country_outside_the_flow_geo_is_blocked() {
    let app = proxy_app();
    flow(
        &app,
        json!({"flow": "g1", "geo": ["de", "at"], "ways": [{"url": "https://t.test/"}]}),
    );
    let f = |country: &str| {
        visit(&app, "/g1", "10.0.0.1", &[("CF-IPCountry", country)])["filter"].clone()
    };
    assert_eq!(f("FR"), 3);
    assert_eq!(f("DE"), 0);
    assert_eq!(f("at"), 0);
    // An unknown country is not in the list either.
    assert_eq!(f("XX"), 3);
    // Blacklist comes before country.
    app.api("blacklist", "add=10.0.0.9");
    assert_eq!(
        visit(&app, "/g1", "10.0.0.9", &[("CF-IPCountry", "FR")])["filter"],
        2
    );
}

#[test]
fn filter4_language_must_be_spoken_in_an_allowed_country() {
    let app = proxy_app();
    flow(
        &app,
        json!({"flow": "l1", "geo": ["de"], "lang": 1, "ways": [{"url": "https://t.test/"}]}),
    );
    flow(
        &app,
        json!({"flow": "l0", "geo": ["de"], "lang": 0, "ways": [{"url": "https://t.test/"}]}),
    );
    let f = |flow: &str, lang: &str| {
        let h = [("CF-IPCountry", "DE"), ("Accept-Language", lang)];
        visit(&app, flow, "10.0.0.1", &h)["filter"].clone()
    };
    assert_eq!(f("/l1", "fr"), 4);
    assert_eq!(f("/l1", "fr-FR,en;q=0.8"), 4);
    assert_eq!(f("/l1", "de-CH"), 0);
    assert_eq!(f("/l1", "fr;q=1, de;q=0.5"), 0);
    assert_eq!(f("/l1", "de;q=0, fr"), 4);
    assert_eq!(f("/l0", "fr"), 0);
    // Country comes before language.
    let h = [("CF-IPCountry", "FR"), ("Accept-Language", "fr")];
    assert_eq!(visit(&app, "/l1", "10.0.0.1", &h)["filter"], 3);
}

#[test]
fn filter5_a_visitor_no_active_way_accepts_is_blocked_by_rules() {
    let app = proxy_app();
    let u = "https://t.test/";
    flow(
        &app,
        json!({"flow": "r-geo", "ways": [{"url": u, "geo": ["us"]}]}),
    );
    flow(
        &app,
        json!({"flow": "r-geox", "ways": [{"url": u, "geox": ["de"]}]}),
    );
    flow(
        &app,
        json!({"flow": "r-mob", "ways": [{"url": u, "device": "mobile"}]}),
    );
    flow(
        &app,
        json!({"flow": "r-ios", "ways": [{"url": u, "device": "ios"}]}),
    );
    flow(
        &app,
        json!({"flow": "r-and", "ways": [{"url": u, "device": "android"}]}),
    );
    flow(
        &app,
        json!({"flow": "r-desk", "ways": [{"url": u, "device": "desktop"}]}),
    );
    flow(
        &app,
        json!({"flow": "r-bots", "bots": 0, "ways": [{"url": u, "bots": 1}]}),
    );
    flow(
        &app,
        json!({"flow": "r-off", "ways": [{"url": u, "active": 0}]}),
    );
    flow(
        &app,
        json!({"flow": "r-zero", "ways": [{"url": u, "weight": 0}]}),
    );
    let de = [("CF-IPCountry", "DE")];
    let us = [("CF-IPCountry", "US")];
    let iphone = [("CF-IPCountry", "DE"), ("User-Agent", IPHONE_UA)];
    let bot = [("CF-IPCountry", "DE"), ("User-Agent", CURL_UA)];
    let cases: Vec<(&str, &Headers, i64)> = vec![
        ("/r-geo", &de, 5),
        ("/r-geo", &us, 0),
        ("/r-geox", &de, 5),
        ("/r-geox", &us, 0),
        ("/r-mob", &de, 5),
        ("/r-mob", &iphone, 0),
        ("/r-ios", &de, 5),
        ("/r-ios", &iphone, 0),
        ("/r-and", &iphone, 5),
        ("/r-desk", &iphone, 5),
        ("/r-desk", &de, 0),
        ("/r-bots", &bot, 5),
        ("/r-bots", &de, 0),
        ("/r-off", &de, 5),
        ("/r-zero", &de, 5),
    ];
    for (path, headers, want) in cases {
        let c = visit(&app, path, "10.0.0.1", headers);
        assert_eq!(c["filter"], want, "{path} {headers:?}");
        assert_eq!(c["way"] != 0, want == 0, "{path}: way only for targets");
    }
}

#[test]
fn filter5_a_paused_way_leaves_the_traffic_to_the_others() {
    let app = spawn_app();
    let r = app.api_json(
        "flow",
        &json!({"flow": "pz", "ways": [{"url": "https://a.test/", "active": 0}, {"url": "https://b.test/"}]}),
    );
    let b = r["ways"][1].clone();
    for i in 0..10 {
        let ua = format!("{CHROME_UA} v{i}");
        let resp = app.request("GET", "/pz", &[("User-Agent", &ua)], b"");
        assert_eq!(resp.header("location"), Some("https://b.test/"));
        assert_eq!(last_click(&app)["way"], b);
    }
}

#[test]
fn step2_badly_encoded_tags_never_refuse_a_visitor() {
    let app = spawn_app();
    app.flow_with_urls("p1", &["https://t.test/"]);
    let r = app.click(
        "/p1?subid=%FF&utm_source=%&data1=%zz&data2=a+b&uuid=%E2%9C",
        &[],
    );
    assert_eq!(r.status, 302);
    let c = last_click(&app);
    assert_eq!(c["subid"], "\u{FFFD}");
    assert_eq!(c["utm_source"], "%");
    assert_eq!(c["data1"], "%zz");
    assert_eq!(c["data2"], "a b");
    assert_eq!(c["uuid"], "\u{FFFD}");
}
