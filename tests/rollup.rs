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
            "/{flow}?utm_source=src{}&utm_medium=m{}&subid=s{}&utm_campaign=c{}&utm_term=t{}",
            i % 4,
            i % 2,
            i % 9,
            i % 5,
            i % 3
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
        "utmd", "utmm", "subid", "utmc", "utmn", "utmt",
    ];
    // Filters on the flow or the item itself use the narrow rollups (the
    // daily one for subid and utm_campaign/content/term), any other mix
    // the wide one; ufrom/uto off the bucket edges read clicks.
    let filters = [
        "",
        "&flow=ra",
        "&flow=rb,ra",
        "&geo=de",
        "&os=4&geo=us,br",
        "&filter=0&utm_medium=m1",
        "&subid=s3,s4",
        "&flow=ra&utm_campaign=c1",
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

/// The daily rollup (subid, utm_campaign/content/term) holds UTC days; a
/// period in another timezone takes its whole UTC days from there and the
/// hours at both ends from the clicks. In Asia/Kolkata (UTC+5:30) one
/// local day never holds a whole UTC day, so single days come from the
/// clicks alone, and two days must add up to exactly their sum, with the
/// clicks of "now" in a whole UTC day for one pair and at an end for the
/// other, whatever the time of day.
#[test]
fn daily_rollup_periods_in_another_timezone_add_up_from_days_and_edges() {
    let app = spawn_app();
    app.flow_with_urls("dk", &["https://a.test/"]);
    app.flow_with_urls("dl", &["https://b.test/"]);
    for i in 0..24 {
        let flow = if i % 4 == 0 { "dl" } else { "dk" };
        let path = format!("/{flow}?subid=z{}&utm_content=n{}", i % 5, i % 2);
        app.click(&path, &[("User-Agent", UAS[i % 2])]);
    }
    assert_eq!(app.api("spend", "flow=dk&cost=9")["status"], "ok");
    assert_eq!(app.api("spend", "subid=z1&cpc=0.25")["status"], "ok");
    assert_eq!(app.api("profile", "timezone=Asia/Kolkata")["status"], "ok");
    let tz = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    let days = [today.yesterday().unwrap(), today, today.tomorrow().unwrap()];
    let stats = |from: jiff::civil::Date, to: jiff::civil::Date, rest: &str| {
        let r = app.api("stats", &format!("from={from}&to={to}{rest}"));
        assert_eq!(r["status"], "ok", "{r}");
        r
    };
    let mut seen = 0;
    for item in ["subid", "utmn"] {
        for rest in ["", "&flow=dk", "&flow=dk,dl&subid=z1,z2"] {
            let rest = format!("&item={item}{rest}");
            for pair in days.windows(2) {
                let both = stats(pair[0], pair[1], &rest);
                let (a, b) = (
                    stats(pair[0], pair[0], &rest),
                    stats(pair[1], pair[1], &rest),
                );
                let keys: std::collections::BTreeSet<&String> = both["stats"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .chain(a["stats"].as_object().unwrap().keys())
                    .chain(b["stats"].as_object().unwrap().keys())
                    .collect();
                for k in keys {
                    for m in ["click", "unique"] {
                        let sum = a["stats"][k][m].as_i64().unwrap_or(0)
                            + b["stats"][k][m].as_i64().unwrap_or(0);
                        assert_eq!(both["stats"][k][m].as_i64(), Some(sum), "{k} {m} {rest}");
                        seen += sum;
                    }
                    let spend = a["stats"][k]["spend"].as_f64().unwrap_or(0.0)
                        + b["stats"][k]["spend"].as_f64().unwrap_or(0.0);
                    let got = both["stats"][k]["spend"].as_f64().unwrap();
                    assert!(
                        (got - spend).abs() < 1e-9,
                        "{k} spend {got} vs {spend} {rest}"
                    );
                }
            }
        }
    }
    assert!(seen > 0);
    // The spend itself: 9 over the 18 dk clicks, then 0.25 for each of
    // z1's 5 (4 of them on dk): 0.5 x 14 + 0.25 x 5.
    let all = stats(days[0], days[2], "&item=subid");
    assert_eq!(all["total"]["click"], 24, "{all}");
    assert_eq!(all["total"]["spend"], 8.25, "{all}");
    assert_eq!(all["stats"]["z1"]["spend"], 1.25, "{all}");
}
