//! The rollups (issue 6) must give exactly the numbers the click table
//! gives. A period on whole days is answered from the rollups; the same
//! clicks asked for with `ufrom`/`uto` off the 15-minute edges are read
//! from the click table; both answers must be equal, also after spend
//! imports and a change of the base currency.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::json;

const UAS: [&str; 3] = [CHROME_UA, IPHONE_UA, "curl/8.0"];

#[test]
fn rollups_answer_exactly_what_the_click_table_answers() {
    let app = spawn_with(behind_cloudflare);
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
                ("CF-Connecting-IP", &ip),
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
        "utmd", "utmm", "subid", "utmc", "utmn", "utmt", "ip",
    ];
    // Filters on the flow or the item itself use the narrow rollups, any
    // other mix of low-cardinality ones the wide one; subid and
    // utm_campaign/content/term, their filters, and ufrom/uto off the
    // bucket edges read the click columns.
    let filters = [
        "",
        "&flow=ra",
        "&flow=rb,ra",
        "&geo=de",
        "&flow=ra&geo=de,br&subid=s1,s4,s5",
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

/// subid and utm_campaign/content/term (the click columns) in a timezone
/// whose days are no UTC days: in Asia/Kolkata (UTC+5:30) a local day
/// holds parts of two UTC days. Longer periods must add up to exactly the
/// sum of their days, before and after spend.json on flows, whose prices
/// are written per click.
#[test]
fn subid_periods_in_another_timezone_add_up_from_their_days() {
    let app = spawn_app();
    app.flow_with_urls("dk", &["https://a.test/"]);
    app.flow_with_urls("dl", &["https://b.test/"]);
    let db = app.stop();
    let user = user_id(&db, "admin");
    // Clicks every 2h10m from 2024-05-09 00:00 to 2024-05-13 (UTC): every
    // local day of Kolkata holds some in both of its UTC days.
    let subids = ["z0", "z1", "z2", "z3", "z4"];
    let clicks: Vec<Click> = (0..48)
        .map(|i| Click {
            t: utc("2024-05-09 00:00") + i * 7800,
            user,
            flow: ["dk", "dk", "dk", "dl"][i as usize % 4],
            uniq: i % 3 != 0,
            utm: ["", "", ["n0", "n1"][i as usize % 2], "", ""],
            subid: subids[i as usize % 5],
            geo: ["de", "us", "fr"][i as usize % 3],
            ..Click::default()
        })
        .collect();
    insert_clicks(&db, &clicks);
    let app = restart(db);
    assert_eq!(app.api("profile", "timezone=Asia/Kolkata")["status"], "ok");
    let spend = |q: &str| assert_eq!(app.api("spend", q)["status"], "ok", "{q}");
    // Whole UTC days with ends, then ends only (one local day), last so
    // that nothing overwrites what the ends wrote.
    spend("flow=dk,dl&cpc=0.5&from=2024-05-09&to=2024-05-12");
    spend("flow=dl&cost=3&from=2024-05-10&to=2024-05-11");
    spend("geo=fr&cost=2&from=2024-05-11&to=2024-05-12");
    spend("flow=dk&cpc=0.75&from=2024-05-11&to=2024-05-11");
    spend("subid=z1&cpc=0.25&from=2024-05-10&to=2024-05-10");
    let stats = |from: &str, to: &str, rest: &str| {
        let r = app.api("stats", &format!("from={from}&to={to}{rest}"));
        assert_eq!(r["status"], "ok", "{r}");
        r
    };
    let days = ["2024-05-09", "2024-05-10", "2024-05-11", "2024-05-12"];
    let mut seen = 0;
    for item in ["subid", "utmn"] {
        for rest in [
            "",
            "&flow=dk",
            "&flow=dk,dl&subid=z1,z2",
            "&geo=de,fr",
            "&flow=dl&geo=us",
        ] {
            let rest = format!("&item={item}{rest}");
            for (i, j) in [(0, 1), (1, 2), (0, 3), (1, 3)] {
                let whole = stats(days[i], days[j], &rest);
                let parts: Vec<_> = (i..=j).map(|d| stats(days[d], days[d], &rest)).collect();
                let keys: std::collections::BTreeSet<String> = std::iter::once(&whole)
                    .chain(&parts)
                    .flat_map(|r| r["stats"].as_object().unwrap().keys().cloned())
                    .collect();
                for k in &keys {
                    let sum = |m: &str| {
                        parts
                            .iter()
                            .map(|p| p["stats"][k][m].as_f64().unwrap_or(0.0))
                            .sum::<f64>()
                    };
                    for m in ["click", "unique", "spend"] {
                        let got = whole["stats"][k][m].as_f64().unwrap();
                        assert!(
                            (got - sum(m)).abs() < 1e-9,
                            "{k} {m}: {got} vs {} {rest} {i}-{j}",
                            sum(m)
                        );
                    }
                    seen += whole["stats"][k]["click"].as_i64().unwrap();
                }
            }
        }
    }
    assert!(seen > 0);
    // Against the prices of the clicks themselves.
    let all = stats(days[0], days[3], "&item=subid");
    let list = app.api("clicks", "from=2024-05-09&to=2024-05-12&limit=100");
    let rows = list["clicks"].as_array().unwrap();
    assert_eq!(
        all["total"]["click"].as_i64(),
        Some(rows.len() as i64),
        "{all}"
    );
    for z in subids {
        let cost: f64 = rows
            .iter()
            .filter(|c| c["subid"] == z)
            .map(|c| c["cost"].as_f64().unwrap())
            .sum();
        let got = all["stats"][z]["spend"].as_f64().unwrap();
        assert!((got - cost).abs() < 1e-9, "{z}: {got} vs {cost}");
    }
}

/// Grouped by a value, the rollup rows are summed per group in Rust
/// (src/stats/rollup.rs `Query`), not by SQL's GROUP BY; the answer must
/// be the one GROUP BY gave: a row with a price but no clicks (spend's
/// fallback insert) adds its price to a group that has clicks, and makes
/// no group of its own.
#[test]
fn rollup_rows_without_clicks_make_no_group_but_keep_their_price() {
    let app = spawn_with(behind_cloudflare);
    app.flow_with_urls("ra", &["https://a.test/"]);
    for geo in ["de", "de", "us"] {
        app.request(
            "GET",
            "/ra",
            &[("User-Agent", CHROME_UA), ("CF-IPCountry", geo)],
            b"",
        );
    }
    let c = app.api("clicks", "limit=1");
    let bucket = c["clicks"][0]["time"].as_i64().unwrap() / 900;
    let day = jiff::Timestamp::from_second(bucket * 900)
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let db = app.db();
    let user: i64 = db
        .query_row("SELECT user_id FROM clicks LIMIT 1", [], |r| r.get(0))
        .unwrap();
    // Another bucket of the same day, so each row is one of its own.
    let other = if bucket % 96 == 0 {
        bucket + 1
    } else {
        bucket - 1
    };
    for (b, geo) in [(other, "de"), (other, "zz"), (bucket, "zz")] {
        db.execute(
            "INSERT INTO click_roll (user_id, kind, bucket, flow, value, cost)
             VALUES (?1, 4, ?2, 'ra', ?3, 2.5)",
            rusqlite::params![user, b, geo],
        )
        .unwrap();
    }
    let a = app.api("stats", &format!("from={day}&to={day}&item=geo"));
    assert_eq!(a["status"], "ok", "{a}");
    let stats = a["stats"].as_object().unwrap();
    let mut keys: Vec<&str> = stats.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["de", "us"], "{a}");
    assert_eq!(a["stats"]["de"]["click"], 2);
    assert_eq!(a["stats"]["de"]["spend"], 2.5);
    assert_eq!(a["stats"]["us"]["spend"], 0.0);
}
