//! SPEC 5.2 clicks.json: every field by its exact name, the filters of
//! leads.json plus `unique`, newest first, offset/limit, and CSV.
use crate::common::*;
use serde_json::{json, Value};

fn clicks(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app.api("clicks", query);
    assert_eq!(r["status"], "ok", "{query}: {r}");
    r["clicks"].as_array().unwrap().clone()
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| c["click"].as_str().unwrap().to_string())
        .collect()
}

fn proxied(app: &TestApp, path: &str, ip: &str, country: &str, ua: &str) -> Resp {
    let h = [
        ("CF-Connecting-IP", ip),
        ("CF-IPCountry", country),
        ("User-Agent", ua),
    ];
    app.request("GET", path, &h, b"")
}

#[test]
fn click_log_shows_every_field_of_a_click() {
    let app = spawn_with(behind_cloudflare);
    let site = app.api_json(
        "site",
        &json!({"name": "Offer", "url": "https://o.test/?c={click}"}),
    );
    let r = app.api_json(
        "flow",
        &json!({"flow": "full", "ways": [{"site": site["site"]}]}),
    );
    assert_eq!(r["ways"], json!([1]));
    let before = jiff::Timestamp::now().as_second();
    let q = "/full?utm_source=s&utm_campaign=c&utm_content=n&utm_term=t&utm_medium=m\
             &subid=sub&uuid=uu&fbclid=fb&data1=d1&data2=d2";
    let h = [
        ("CF-Connecting-IP", "10.7.7.7"),
        ("CF-IPCountry", "DE"),
        ("User-Agent", IPHONE_UA),
        ("Accept-Language", "de-DE,de;q=0.9"),
        ("Referer", "https://ref.test/x"),
    ];
    let resp = app.request("GET", q, &h, b"");
    assert_eq!(resp.status, 302);
    let after = jiff::Timestamp::now().as_second();
    let mut c = clicks(&app, "")[0].clone();
    let id = c["click"].as_str().unwrap().to_string();
    assert_eq!(
        resp.header("location"),
        Some(format!("https://o.test/?c={id}").as_str())
    );
    assert!(
        id.len() >= 10
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let time = c["time"].as_i64().unwrap();
    assert!((before..=after).contains(&time), "{time}");
    c["click"] = json!("ID");
    c["time"] = json!(0);
    assert_eq!(
        c,
        json!({
            "click": "ID", "time": 0, "flow": "full", "way": 1, "site": 1, "filter": 0,
            "unique": true, "ip": "10.7.7.7", "geo": "de", "lang": "de", "os": 4,
            "browser": 4, "mobile": 1, "ua": IPHONE_UA, "referer": "https://ref.test/x",
            "domain": "127.0.0.1", "utm_source": "s", "utm_campaign": "c",
            "utm_content": "n", "utm_term": "t", "utm_medium": "m", "subid": "sub",
            "uuid": "uu", "adid": "fb", "data1": "d1", "data2": "d2", "source": 0, "landing": 0, "offer": 1,
            "lpclick": 0, "cost": 0.0
        })
    );
    // Empty text comes out as false (SPEC 3).
    app.request("GET", "/full", &[], b"");
    let bare = clicks(&app, "limit=1")[0].clone();
    for k in [
        "ua",
        "referer",
        "lang",
        "geo",
        "utm_source",
        "subid",
        "adid",
        "data2",
    ] {
        assert_eq!(bare[k], false, "{k}");
    }
}

#[test]
fn click_log_filters_like_leads_plus_unique() {
    let app = spawn_with(behind_cloudflare);
    app.flow_with_urls("fa", &["https://t.test/"]);
    app.flow_with_urls("fb", &["https://t.test/"]);
    proxied(
        &app,
        "/fa?utm_source=google&subid=s1",
        "10.0.0.1",
        "DE",
        CHROME_UA,
    );
    proxied(
        &app,
        "/fa?utm_source=google&subid=s2",
        "10.0.0.1",
        "DE",
        CHROME_UA,
    );
    proxied(&app, "/fb?utm_source=fb", "10.0.0.2", "US", CHROME_UA);
    proxied(&app, "/fb", "10.0.0.3", "FR", "curl/8.0");
    let all = clicks(&app, "");
    assert_eq!(all.len(), 4);
    let n = |q: &str| clicks(&app, q).len();
    assert_eq!(n("flow=fa"), 2);
    assert_eq!(n("flow=fa,fb"), 4);
    assert_eq!(n("flow[]=fb"), 2);
    assert_eq!(n("geo=de"), 2);
    assert_eq!(n("geo=US"), 1);
    assert_eq!(n("filter=1"), 1);
    assert_eq!(n("filter=0"), 3);
    assert_eq!(n("unique=1"), 3);
    assert_eq!(n("unique=0"), 1);
    assert_eq!(n("utm_source=google"), 2);
    assert_eq!(n("subid=s2"), 1);
    assert_eq!(n("ip=10.0.0.2"), 1);
    assert_eq!(n("flow=fa&subid=s1&unique=1"), 1);
    assert_eq!(n("flow=nope"), 0);
    let one = &all[2];
    let by_id = clicks(&app, &format!("click={}", one["click"].as_str().unwrap()));
    assert_eq!(by_id, vec![one.clone()]);
    let t = one["time"].as_i64().unwrap();
    let same_second = all.iter().filter(|c| c["time"] == t).count();
    assert_eq!(n(&format!("ufrom={t}&uto={t}")), same_second);
    assert_eq!(n(&format!("ufrom={}", t + 10)), 0);
    assert_eq!(n(&format!("uto={}", t - 10)), 0);
    assert_eq!(n(&format!("ufrom={}&uto={}", t - 10, t + 10)), 4);
}

#[test]
fn click_log_from_to_are_whole_days_in_the_users_timezone() {
    let app = spawn_app();
    app.flow_with_urls("dd", &["https://t.test/"]);
    for _ in 0..3 {
        app.click("/dd", &[]);
    }
    let n = |q: &str| clicks(&app, q).len();
    // Period: today in the user's timezone (UTC) covers them; tomorrow none.
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let tomorrow = today.tomorrow().unwrap();
    assert_eq!(n(&format!("from={today}&to={today}")), 3);
    assert_eq!(n(&format!("from={tomorrow}&to={tomorrow}")), 0);
    assert_eq!(n(&format!("to={}", today.yesterday().unwrap())), 0);
    // Days are the user's: 14 hours ahead of UTC, "today" is another date.
    let r = app.api("profile", "timezone=Pacific/Kiritimati");
    assert_eq!(r["status"], "ok", "{r}");
    let tz = jiff::tz::TimeZone::get("Pacific/Kiritimati").unwrap();
    let local = tz.to_datetime(jiff::Timestamp::now()).date();
    assert_eq!(n(&format!("from={local}&to={local}")), 3);
    assert_eq!(n(&format!("from={}", local.tomorrow().unwrap())), 0);
}

#[test]
fn click_log_is_newest_first_and_paged() {
    let app = spawn_app();
    app.flow_with_urls("pg", &["https://t.test/"]);
    for i in 0..7 {
        app.click(&format!("/pg?subid={i}"), &[]);
    }
    let all = clicks(&app, "");
    let subids: Vec<&str> = all.iter().map(|c| c["subid"].as_str().unwrap()).collect();
    assert_eq!(subids, vec!["6", "5", "4", "3", "2", "1", "0"]);
    let page = |q: &str| ids(&clicks(&app, q));
    let every = ids(&all);
    assert_eq!(page("limit=3"), every[..3].to_vec());
    assert_eq!(page("limit=3&offset=3"), every[3..6].to_vec());
    assert_eq!(page("limit=3&offset=6"), every[6..].to_vec());
    assert_eq!(page("offset=7"), Vec::<String>::new());
}

#[test]
fn click_log_as_csv_has_a_header_row() {
    let app = spawn_app();
    app.flow_with_urls("cv", &["https://t.test/"]);
    app.click("/cv?subid=a,b&utm_source=%3Dcmd", &[]);
    let r = app.get(&format!(
        "/api/tracker/clicks.json?id={}&format=csv",
        app.token
    ));
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let text = r.text();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0],
        "click,time,flow,way,site,filter,unique,ip,geo,lang,os,os_name,browser,browser_name,mobile,\
         ua,referer,domain,utm_source,utm_campaign,utm_content,utm_term,utm_medium,subid,uuid,\
         adid,data1,data2,source,landing,offer,lpclick,cost"
    );
    let c = clicks(&app, "")[0].clone();
    // The time as a spreadsheet reads it, in the user's zone (UTC here).
    let time = jiff::Timestamp::from_second(c["time"].as_i64().unwrap())
        .unwrap()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert!(
        lines[1].starts_with(&format!(
            "{},{time},cv,1,0,0,1,127.0.0.1,",
            c["click"].as_str().unwrap(),
        )),
        "{}",
        lines[1]
    );
    // Commas are quoted; a leading `=` cannot become a formula.
    assert!(lines[1].contains(",'=cmd,"), "{}", lines[1]);
    assert!(lines[1].contains(",\"a,b\","), "{}", lines[1]);
}

#[test]
fn click_log_as_csv_has_a_header_row_even_when_empty() {
    let app = spawn_app();
    let r = app.get(&format!(
        "/api/tracker/clicks.json?id={}&format=csv",
        app.token
    ));
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let text = r.text();
    assert!(
        text.starts_with("click,time,flow,way,site,filter,unique,"),
        "no header row: {text:?}"
    );
}
