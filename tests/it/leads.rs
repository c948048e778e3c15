//! SPEC 4 leads.json (reference "Leads list"): every output field by its
//! exact name and type, every filter and status group, periods in the
//! user's timezone, newest first with offset/limit, owner isolation, and
//! GET / form / JSON / CSV giving the same answer.
use crate::common;
use crate::common::*;
use serde_json::{json, Value};

fn proxy_app() -> TestApp {
    spawn_with(behind_cloudflare)
}

/// A click through the trusted proxy from `ip` in `country`; returns its id.
fn visit(app: &TestApp, path: &str, ip: &str, country: &str, ua: &str) -> String {
    let h = [
        ("CF-Connecting-IP", ip),
        ("CF-IPCountry", country),
        ("User-Agent", ua),
    ];
    let r = app.request("GET", path, &h, b"");
    assert!(r.status == 302 || r.status == 404, "{}", r.text());
    let log = app.api("clicks", "limit=1");
    log["clicks"][0]["click"]
        .as_str()
        .expect("a click")
        .to_string()
}

fn postback(app: &TestApp, query: &str) -> i64 {
    let r = app.api("postback", query);
    assert_eq!(r["status"], "ok", "{query}: {r}");
    r["id"].as_i64().unwrap()
}

fn list_as(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.api_as(token, "leads", query);
    assert_eq!(r["status"], "ok", "{query}: {r}");
    r["leads"].as_array().unwrap().clone()
}

fn list(app: &TestApp, query: &str) -> Vec<Value> {
    list_as(app, &app.token.clone(), query)
}

fn ids(app: &TestApp, query: &str) -> Vec<i64> {
    list(app, query)
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

/// Five leads across two flows, four countries, tags, stages and goals:
/// 1 fa/de/google new · 2 fa/at/google reg hold · 3 fb/us/fb approve ·
/// 4 fb bot/fr cancel · 5 flow lead fb+s9 trash. Returns the click ids.
fn five_leads(app: &TestApp) -> Vec<String> {
    let site = app.api_json(
        "site",
        &json!({"name": "Offer", "url": "https://o.test/?c={click}"}),
    );
    let r = app.api_json(
        "flow",
        &json!({"flow": "fa", "ways": [{"site": site["site"]}]}),
    );
    assert_eq!(r["ways"], json!([1]), "{r}");
    assert_eq!(app.flow_with_urls("fb", &["https://t.test/"]), vec![2]);
    let clicks = vec![
        visit(
            app,
            "/fa?utm_source=google&utm_campaign=c1&utm_content=n1&utm_term=t1&utm_medium=m1&subid=s1",
            "10.0.0.1",
            "DE",
            CHROME_UA,
        ),
        visit(app, "/fa?utm_source=google&subid=s2", "10.0.0.2", "AT", CHROME_UA),
        visit(app, "/fb?utm_source=fb", "10.0.0.3", "US", IPHONE_UA),
        visit(app, "/fb", "10.0.0.4", "FR", "curl/8.0"),
    ];
    assert_eq!(postback(app, &format!("click={}", clicks[0])), 1);
    assert_eq!(
        postback(app, &format!("click={}&goal=reg&status=hold", clicks[1])),
        2
    );
    assert_eq!(
        postback(app, &format!("click={}&status=approve", clicks[2])),
        3
    );
    assert_eq!(
        postback(app, &format!("click={}&status=cancel", clicks[3])),
        4
    );
    assert_eq!(postback(app, "flow=fb&subid=s9&status=trash"), 5);
    clicks
}

#[test]
fn a_lead_shows_every_reference_field_by_name_and_type() {
    let app = proxy_app();
    let site = app.api_json(
        "site",
        &json!({"name": "Offer", "url": "https://meow.test/c8/?c={click}"}),
    );
    app.api_json(
        "flow",
        &json!({"flow": "ecb4", "ways": [{"site": site["site"]}]}),
    );
    let h = [
        ("CF-Connecting-IP", "10.12.34.56"),
        ("CF-IPCountry", "DE"),
        ("User-Agent", IPHONE_UA),
        ("Referer", "https://meow.test/c8/?subid=purr"),
    ];
    let r = app.request(
        "GET",
        "/ecb4?utm_source=fb&utm_campaign=1013&utm_content=4322&subid=purr&gclid=bf9d&data1=wj80",
        &h,
        b"",
    );
    assert_eq!(r.status, 302);
    let click = app.api("clicks", "limit=1")["clicks"][0]["click"].clone();
    let c = click.as_str().unwrap();
    let before = jiff::Timestamp::now().as_second();
    let id = postback(
        &app,
        &format!(
            "click={c}&uid=c1vvkg272m16&status=Confirmed&sta=confirmed&goal=paid&price=18\
             &name=Hans&phone=%2B49%20(30)%20226&email=h%40meow.test&comment=Confirmed%20on%20sunday\
             &meta[foo]=bar&meta[bar]=foo"
        ),
    );
    let mut l = list(&app, "")[0].clone();
    let time = l["time"].as_i64().unwrap();
    assert!((before..=before + 2).contains(&time), "{time}");
    l["time"] = json!(0);
    let expected = json!({
        "id": id,
        "time": 0,
        "click": click,
        "uid": "c1vvkg272m16",
        "flow": "ecb4",
        "way": 1,
        "site": 1,
        "siteurl": "https://meow.test/c8/?c={click}",
        "filter": 0,
        "status": "approve",
        "custom": "Confirmed",
        "goal": "paid",
        "price": 18.0,
        "currency": "usd",
        "ip": "10.12.34.56",
        "geo": "de",
        "name": "Hans",
        "phone": "+49 (30) 226",
        "email": "h@meow.test",
        "comment": "Confirmed on sunday",
        "meta": {"foo": "bar", "bar": "foo"},
        "ua": IPHONE_UA,
        "referer": "https://meow.test/c8/?subid=purr",
        "adid": "bf9d",
        "data1": "wj80",
        "data2": false,
        "utm_source": "fb",
        "utm_campaign": "1013",
        "utm_content": "4322",
        "utm_term": false,
        "utm_medium": false,
        "domain": "127.0.0.1",
        "subid": "purr",
        "source": 0,
        "landing": 0,
        "offer": 1
    });
    assert_eq!(l, expected);
    // Field order of the reference example.
    let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
    let want: Vec<&str> = expected
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, want);
    // A flow lead: no click, no site, empty meta still an object.
    postback(&app, "flow=ecb4&subid=x");
    let f = list(&app, "")[0].clone();
    assert_eq!(
        (
            f["click"].clone(),
            f["siteurl"].clone(),
            f["meta"].clone(),
            f["custom"].clone()
        ),
        (json!(false), json!(false), json!({}), json!(false))
    );
}

#[test]
fn every_filter_narrows_the_list() {
    let app = proxy_app();
    let clicks = five_leads(&app);
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("".into(), vec![5, 4, 3, 2, 1]),
        ("flow=fa".into(), vec![2, 1]),
        ("flow=fa,fb".into(), vec![5, 4, 3, 2, 1]),
        ("flow[]=fb".into(), vec![5, 4, 3]),
        ("flow=nope".into(), vec![]),
        ("way=1".into(), vec![2, 1]),
        // A blocked visit (lead 4, a bot) gets no way; a flow lead neither.
        ("way=2".into(), vec![3]),
        ("way=0".into(), vec![5, 4]),
        ("site=1".into(), vec![2, 1]),
        ("site=0".into(), vec![5, 4, 3]),
        (format!("click={}", clicks[2]), vec![3]),
        (format!("click={},{}", clicks[0], clicks[3]), vec![4, 1]),
        ("goal=reg".into(), vec![2]),
        ("goal=LEAD".into(), vec![5, 4, 3, 1]),
        ("filter=1".into(), vec![4]),
        ("filter=0".into(), vec![5, 3, 2, 1]),
        ("domain=127.0.0.1".into(), vec![4, 3, 2, 1]),
        ("domain=other.test".into(), vec![]),
        ("ip=10.0.0.1".into(), vec![1]),
        ("ip=10.0.0.3,10.0.0.4".into(), vec![4, 3]),
        ("geo=de".into(), vec![1]),
        ("geo=AT,us".into(), vec![3, 2]),
        ("utm_source=google".into(), vec![2, 1]),
        ("utm_campaign=c1".into(), vec![1]),
        ("utm_content=n1".into(), vec![1]),
        ("utm_term=t1".into(), vec![1]),
        ("utm_medium=m1".into(), vec![1]),
        ("subid=s2".into(), vec![2]),
        ("subid=s9".into(), vec![5]),
        ("flow=fa&geo=at".into(), vec![2]),
        ("flow=fb&utm_source=google".into(), vec![]),
    ];
    for (q, want) in cases {
        assert_eq!(ids(&app, &q), want, "{q}");
    }
    // A click id that cannot be one is an error naming the field.
    let r = app.api("leads", "click=nope");
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-click", "field": "click"})
    );
    let r = app.api("leads", "way=abc");
    assert_eq!(
        r,
        json!({"status": "error", "error": "bad-param", "field": "way"})
    );
}

#[test]
fn status_filters_take_stages_and_the_reference_groups() {
    let app = proxy_app();
    five_leads(&app);
    let cases = [
        ("status=new", vec![1]),
        ("status=hold", vec![2]),
        ("status=approve", vec![3]),
        ("status=cancel", vec![4]),
        ("status=trash", vec![5]),
        ("status=valid", vec![4, 3, 2, 1]),
        ("status=wait", vec![2, 1]),
        ("status=good", vec![3, 2]),
        ("status=bad", vec![5, 4]),
        ("status=New,TRASH", vec![5, 1]),
        ("status[]=hold&status[]=approve", vec![3, 2]),
        ("status=wait,good", vec![3, 2, 1]),
    ];
    for (q, want) in cases {
        assert_eq!(ids(&app, q), want, "{q}");
    }
    for q in ["status=paid", "status=new,nope"] {
        assert_eq!(
            app.api("leads", q),
            json!({"status": "error", "error": "bad-status", "field": "status"}),
            "{q}"
        );
    }
    let r = app.api_json("leads", &json!({"status": ["bad", "new"]}));
    assert_eq!(r["leads"].as_array().unwrap().len(), 3, "{r}");
}

#[test]
fn from_and_to_are_whole_days_in_the_users_timezone() {
    let app = proxy_app();
    five_leads(&app);
    let now = jiff::Timestamp::now();
    let utc_today = jiff::tz::TimeZone::UTC.to_datetime(now).date();
    let n = |q: &str| ids(&app, q).len();
    assert_eq!(n(&format!("from={utc_today}&to={utc_today}")), 5);
    assert_eq!(n(&format!("from={}", utc_today.tomorrow().unwrap())), 0);
    assert_eq!(n(&format!("to={}", utc_today.yesterday().unwrap())), 0);
    // One of UTC+14 and UTC-12 is on another date than UTC right now.
    let zone = ["Pacific/Kiritimati", "Etc/GMT+12"]
        .into_iter()
        .find(|z| {
            let tz = jiff::tz::TimeZone::get(z).unwrap();
            tz.to_datetime(now).date() != utc_today
        })
        .unwrap();
    let r = app.api("profile", &format!("timezone={}", common::enc(zone)));
    assert_eq!(r["timezone"], zone, "{r}");
    let local = jiff::tz::TimeZone::get(zone)
        .unwrap()
        .to_datetime(now)
        .date();
    assert_eq!(n(&format!("from={local}&to={local}")), 5);
    assert_eq!(n(&format!("from={utc_today}&to={utc_today}")), 0);
    // ufrom/uto are Unix seconds, both inclusive.
    let t = list(&app, "")[0]["time"].as_i64().unwrap();
    assert_eq!(n(&format!("ufrom={}&uto={}", t - 10, t + 10)), 5);
    assert_eq!(n(&format!("ufrom={}", t + 10)), 0);
    assert_eq!(n(&format!("uto={}", t - 10)), 0);
    assert_eq!(
        app.api("leads", "from=yesterday"),
        json!({"status": "error", "error": "bad-date", "field": "from"})
    );
}

#[test]
fn leads_are_newest_first_and_paged_by_offset_and_limit() {
    let app = spawn_app();
    app.flow_with_urls("pg", &["https://t.test/"]);
    for i in 0..1005 {
        postback(&app, &format!("flow=pg&subid={i}"));
    }
    let subids = |q: &str| -> Vec<String> {
        list(&app, q)
            .iter()
            .map(|l| l["subid"].as_str().unwrap().to_string())
            .collect()
    };
    let all = subids("");
    assert_eq!(all.len(), 1000, "default limit");
    assert_eq!((all[0].as_str(), all[999].as_str()), ("1004", "5"));
    assert_eq!(subids("offset=1000"), vec!["4", "3", "2", "1", "0"]);
    assert_eq!(subids("limit=3&offset=2"), vec!["1002", "1001", "1000"]);
    assert_eq!(list(&app, "limit=10000").len(), 1005);
    for q in ["limit=10001", "limit=0", "offset=-1", "limit=x"] {
        let field = q.split('=').next().unwrap();
        assert_eq!(
            app.api("leads", q),
            json!({"status": "error", "error": "bad-param", "field": field}),
            "{q}"
        );
    }
}

#[test]
fn another_user_sees_none_of_the_leads() {
    let app = proxy_app();
    let clicks = five_leads(&app);
    let bob = app.add_user("bob");
    assert_eq!(list_as(&app, &bob, ""), Vec::<Value>::new());
    assert_eq!(list_as(&app, &bob, "flow=fa"), Vec::<Value>::new());
    assert_eq!(
        list_as(&app, &bob, &format!("click={}", clicks[0])),
        Vec::<Value>::new()
    );
    assert_eq!(list_as(&app, &bob, "status=valid"), Vec::<Value>::new());
    assert_eq!(ids(&app, ""), vec![5, 4, 3, 2, 1]);
}

#[test]
fn get_form_json_and_csv_give_the_same_leads() {
    let app = proxy_app();
    five_leads(&app);
    let get = app.api("leads", "flow=fa,fb&status=valid&geo[]=de&geo[]=us&limit=5");
    assert_eq!(get["leads"].as_array().unwrap().len(), 2, "{get}");
    let form = app.api_form(
        "leads",
        "flow[]=fa&flow[]=fb&status=valid&geo=de,us&limit=5",
    );
    let body = json!({"flow": ["fa", "fb"], "status": "valid", "geo": ["de", "us"], "limit": 5});
    let json_body = app.api_json("leads", &body);
    assert_eq!(get, form);
    assert_eq!(get, json_body);
    let r = app.get(&format!(
        "/api/tracker/leads.json?id={}&format=csv&flow=fa",
        app.token
    ));
    assert_eq!(r.status, 200);
    let text = r.text();
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "id,time,click,uid,flow,way,site,siteurl,filter,status,custom,goal,price,currency,ip,geo,\
         name,phone,email,comment,meta,ua,referer,adid,data1,data2,utm_source,utm_campaign,\
         utm_content,utm_term,utm_medium,domain,subid,source,landing,offer"
    );
    assert_eq!(lines.filter(|l| !l.is_empty()).count(), 2);
}

/// A period that ends before it starts is a mistake, not "no traffic":
/// `bad-date` naming the end, for leads.json and clicks.json alike.
#[test]
fn a_period_that_ends_before_it_starts_is_bad_date() {
    let app = spawn_app();
    for func in ["leads", "clicks"] {
        let r = app.api(func, "from=2024-05-02&to=2024-05-01");
        assert_eq!(
            r,
            json!({"status": "error", "error": "bad-date", "field": "to"}),
            "{func}"
        );
        let r = app.api(func, "ufrom=1714600000&uto=1714500000");
        assert_eq!(r["field"], "uto", "{func}: {r}");
        assert_eq!(
            app.api(func, "from=2024-05-02&to=2024-05-02")["status"],
            "ok"
        );
    }
}
