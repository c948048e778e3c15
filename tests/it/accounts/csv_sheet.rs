//! `format=csv` shaped for spreadsheets (README "API"): local times,
//! OS and browser names, goal columns and a total row in stats.
use super::csv::{csv_cell, local_time, parse_csv};
use super::*;

/// The header and the rows of a CSV answer.
fn csv_rows(app: &TestApp, func: &str, query: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = format!(
        "/api/tracker/{func}.json?id={}&{query}&format=csv",
        app.token
    );
    let mut rows = parse_csv(&app.get(&path).text());
    let header = rows.remove(0);
    (header, rows)
}

fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header.iter().position(|h| h == name);
    &row[i.unwrap_or_else(|| panic!("no column {name} in {header:?}"))]
}

#[test]
fn csv_times_are_date_and_time_in_the_users_timezone() {
    let app = spawn_app();
    let r = app.api("profile", "timezone=Asia/Kathmandu");
    assert_eq!(r["status"], "ok", "{r}");
    app.flow_with_urls("csv-time", &["https://example.com/"]);
    assert_eq!(app.click("/csv-time", &[]).status, 302);
    let click = app.api("clicks", "")["clicks"][0].clone();
    let r = app.api(
        "postback",
        &format!("click={}&status=new", click["click"].as_str().unwrap()),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let lead = app.api("leads", "")["leads"][0].clone();
    let tz = jiff::tz::TimeZone::get("Asia/Kathmandu").unwrap();
    for (func, json) in [("clicks", &click), ("leads", &lead)] {
        let (header, rows) = csv_rows(&app, func, "");
        let time = cell(&header, &rows[0], "time");
        // +05:45: never the UTC time, nor the Unix seconds of the JSON.
        assert_eq!(time, local_time(&json["time"], &tz), "{func}");
        assert_ne!(time, local_time(&json["time"], &jiff::tz::TimeZone::UTC));
        let shape = time
            .bytes()
            .map(|b| if b.is_ascii_digit() { b'9' } else { b });
        assert_eq!(shape.collect::<Vec<u8>>(), b"9999-99-99 99:99:99", "{time}");
    }
}

#[test]
fn csv_clicks_name_the_os_and_browser_beside_their_codes() {
    let app = spawn_app();
    app.flow_with_urls("csv-ua", &["https://example.com/"]);
    assert_eq!(app.click("/csv-ua", &[]).status, 302);
    let iphone = app.request("GET", "/csv-ua", &[("User-Agent", IPHONE_UA)], b"");
    assert_eq!(iphone.status, 302);
    let (header, rows) = csv_rows(&app, "clicks", "");
    let at = |c: &str| header.iter().position(|h| h == c).unwrap();
    assert_eq!(at("os_name"), at("os") + 1, "{header:?}");
    assert_eq!(at("browser_name"), at("browser") + 1, "{header:?}");
    let named: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                cell(&header, r, "os_name"),
                cell(&header, r, "browser_name"),
            )
        })
        .collect();
    assert_eq!(
        named,
        [("iOS", "Safari"), ("Windows", "Chrome")],
        "{rows:?}"
    );
    assert_eq!(cell(&header, &rows[1], "os"), "1");
}

#[test]
fn stats_csv_has_goal_columns_and_ends_with_a_total_row() {
    let app = spawn_app();
    for flow in ["csv-a", "csv-b"] {
        app.flow_with_urls(flow, &["https://example.com/"]);
        assert_eq!(app.click(&format!("/{flow}"), &[]).status, 302);
    }
    assert_eq!(app.click("/csv-a", &[]).status, 302);
    let clicks = app.api("clicks", "flow=csv-a")["clicks"].clone();
    let b = app.api("clicks", "flow=csv-b")["clicks"][0]["click"].clone();
    for (click, goal, status) in [
        (&clicks[0]["click"], "lead", "approve"),
        (&clicks[1]["click"], "reg", "hold"),
        (&b, "lead", "new"),
    ] {
        let q = format!(
            "click={}&goal={goal}&status={status}&price=4",
            click.as_str().unwrap()
        );
        assert_eq!(app.api("postback", &q)["status"], "ok");
    }
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let query = format!("item=flow&from={today}&to={today}");
    let json = app.api("stats", &query);
    let (header, rows) = csv_rows(&app, "stats", &query);
    assert!(!header.contains(&"goal".to_string()), "{header:?}");
    let metrics = [
        "total", "cv", "cn", "ch", "ca", "cc", "ct", "mh", "ma", "mt", "cr", "epc",
    ];
    for g in ["lead", "reg"] {
        for m in metrics {
            assert!(header.contains(&format!("{g}_{m}")), "{g}_{m}: {header:?}");
        }
    }
    // Goals in id order, each goal's metrics together.
    let lead = header.iter().position(|h| h == "lead_total").unwrap();
    assert!(header.iter().position(|h| h == "reg_total").unwrap() > lead + 10);
    let row = |id: &str| rows.iter().find(|r| cell(&header, r, "id") == id).unwrap();
    let a = json["stats"]["csv-a"].clone();
    assert_eq!(cell(&header, row("csv-a"), "lead_ca"), "1");
    assert_eq!(cell(&header, row("csv-a"), "reg_ch"), "1");
    assert_eq!(
        cell(&header, row("csv-a"), "reg_mh"),
        csv_cell(&a["goal"]["reg"]["mh"])
    );
    assert_eq!(cell(&header, row("csv-b"), "lead_cn"), "1");
    assert_eq!(cell(&header, row("csv-b"), "reg_total"), "0");
    let last = rows.last().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (cell(&header, last, "id"), cell(&header, last, "name")),
        ("total", "Total")
    );
    assert_eq!(cell(&header, last, "click"), "3");
    assert_eq!(cell(&header, last, "lead_total"), "2");
    assert_eq!(cell(&header, last, "reg_total"), "1");
    assert_eq!(cell(&header, last, "ma"), csv_cell(&json["total"]["ma"]));
    // The JSON answer keeps its nested goals and has no total row.
    assert!(json["stats"]["csv-a"]["goal"]["reg"].is_object(), "{json}");
    assert!(json["stats"].get("total").is_none(), "{json}");
}
