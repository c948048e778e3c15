//! The rollups (issue 6) must give exactly the numbers the click table
//! gives. A period on whole days is answered from the rollups; the same
//! clicks asked for with `ufrom`/`uto` off the 15-minute edges are read
//! from the click table; both answers must be equal, also after spend
//! imports and a change of the base currency.
mod common;
use common::*;
use serde_json::json;

const UAS: [&str; 3] = [CHROME_UA, IPHONE_UA, "curl/8.0"];

#[test]
fn rollups_answer_exactly_what_the_click_table_answers() {
    let app = spawn_with(|c| c.trust_proxy = true);
    app.flow_with_urls("ra", &["https://a.test/", "https://b.test/"]);
    let r = app.api_json(
        "flow",
        &json!({"flow": "rb", "bots": 0, "ways": [{"url": "https://c.test/"}]}),
    );
    assert_eq!(r["status"], "ok");
    let geos = ["de", "us", "fr", "br"];
    for i in 0..60 {
        let flow = if i % 3 == 0 { "rb" } else { "ra" };
        let path = format!(
            "/{flow}?utm_source=src{}&utm_medium=m{}&subid=s{i}",
            i % 4,
            i % 2
        );
        let ip = format!("10.0.{}.{}", i % 7, i % 5);
        app.request(
            "GET",
            &path,
            &[
                ("User-Agent", UAS[i % 3]),
                ("X-Forwarded-For", &ip),
                ("CF-IPCountry", geos[i % 4]),
            ],
            b"",
        );
    }
    // Leads in every stage and two goals, then updates that move them
    // between stages and countries (the rollups lose the old row).
    let clicks = app.api("clicks", "limit=40");
    let stages = ["new", "hold", "approve", "cancel", "trash"];
    for (i, c) in clicks["clicks"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .take(30)
    {
        let id = c["click"].as_str().unwrap();
        let goal = if i % 2 == 0 { "lead" } else { "dep" };
        let q = format!(
            "click={id}&goal={goal}&status={}&price={}&currency=usd",
            stages[i % 5],
            5 + i
        );
        assert_eq!(app.api("postback", &q)["status"], "ok");
        if i % 3 == 0 {
            let q = format!("click={id}&goal={goal}&status=approve&geo=it&price=40&currency=eur");
            assert_eq!(app.api("postback", &q)["status"], "ok");
        }
    }
    assert_eq!(app.api("spend", "flow=ra&cost=12")["status"], "ok");
    assert_eq!(
        app.api("spend", "utm_source=src1&cpc=0.3&currency=eur")["status"],
        "ok"
    );
    assert_eq!(app.api("profile", "currency=eur")["status"], "ok");
    let c = app.api("clicks", "limit=1");
    let now = c["clicks"][0]["time"].as_i64().unwrap();
    let day = jiff::Timestamp::from_second(now)
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let start = jiff::civil::DateTime::from(day)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second();
    let rolled = [
        "date", "hour", "flow", "way", "site", "filter", "geo", "mobile", "os", "browser", "utms",
        "utmd", "utmm",
    ];
    // Filters on the flow or the item itself use the narrow rollups, any
    // other mix the wide one; ufrom/uto off the bucket edges read clicks.
    let filters = [
        "",
        "&flow=ra",
        "&flow=rb,ra",
        "&geo=de",
        "&os=4&geo=us,br",
        "&filter=0&utm_medium=m1",
    ];
    for item in rolled {
        for f in filters {
            let a = app.api("stats", &format!("from={day}&to={day}&item={item}{f}"));
            let b = app.api(
                "stats",
                &format!("ufrom={}&uto={}&item={item}{f}", start + 1, start + 86_398),
            );
            assert_eq!(a["status"], "ok", "{a}");
            if f.is_empty() {
                assert_eq!(a["total"]["total"], 30, "{item}: {a}");
            } else {
                assert!(a["total"]["click"].as_i64().unwrap() > 0, "{item}{f}: {a}");
            }
            assert_eq!(a["stats"], b["stats"], "item {item}{f}");
            assert_eq!(a["total"], b["total"], "item {item}{f}");
        }
    }
}
