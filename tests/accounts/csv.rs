//! `format=csv` for clicks.json, leads.json and stats.json (SPEC 5.2).
use super::*;

/// A small RFC 4180 reader: rows of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        row.is_empty() && field.is_empty(),
        "CSV must end with a line break"
    );
    rows
}

/// How a JSON value is written in CSV: empty text (`false`) is empty,
/// `true` is 1, text that a spreadsheet would run as a formula gets a `'`.
fn csv_cell(v: &Value) -> String {
    match v {
        Value::Bool(false) | Value::Null => String::new(),
        Value::Bool(true) => "1".into(),
        Value::String(s) if s.starts_with(['=', '+', '-', '@']) => format!("'{s}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn the_click_log_as_csv_has_the_json_fields_and_values() {
    let app = spawn_app();
    app.flow_with_urls("csv-flow", &["https://example.com/"]);
    let tags = [
        "utm_source=fb&utm_campaign=spring&subid=s1",
        "utm_source=a%2Cb&utm_campaign=say%20%22hi%22&data1=line%0Abreak",
        "utm_source=%3DHYPERLINK(%22http%3A%2F%2Fx%22)&utm_term=%2Bcmd&data2=-2%2B3&subid=%40SUM(1)",
    ];
    for q in tags {
        assert_eq!(app.click(&format!("/csv-flow?{q}"), &[]).status, 302);
    }
    let json = app.api("clicks", "");
    let clicks = json["clicks"].as_array().unwrap();
    assert_eq!(clicks.len(), 3);

    let r = app.get(&format!(
        "/api/tracker/clicks.json?id={}&format=csv",
        app.token
    ));
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type").unwrap().starts_with("text/csv"),
        "{:?}",
        r.headers
    );
    let text = r.text();
    let rows = parse_csv(&text);
    let names: Vec<String> = clicks[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(rows[0], names);
    assert_eq!(rows.len(), 1 + clicks.len());
    for (row, click) in rows[1..].iter().zip(clicks) {
        let want: Vec<String> = names.iter().map(|n| csv_cell(&click[n])).collect();
        assert_eq!(row, &want);
    }
    // The raw text: commas and quotes quoted, formulas defused.
    assert!(text.contains(r#","a,b","#), "{text}");
    assert!(text.contains(r#","say ""hi""","#), "{text}");
    assert!(text.contains(r#","'=HYPERLINK(""http://x"")","#), "{text}");
    assert!(
        text.contains(",'+cmd,") && text.contains(",'-2+3,") && text.contains(",'@SUM(1),"),
        "{text}"
    );
    // Filters apply as in JSON; errors stay JSON.
    let r = app.get(&format!(
        "/api/tracker/clicks.json?id={}&format=csv&utm_source=fb",
        app.token
    ));
    assert_eq!(parse_csv(&r.text()).len(), 2);
    let r = app.get("/api/tracker/clicks.json?id=wrong&format=csv");
    assert_eq!(r.json(), access());
}

/// Checks a CSV answer against the JSON rows of the same call.
fn assert_csv_matches(app: &TestApp, func: &str, query: &str, key: &str) -> String {
    let json = app.api(func, query);
    assert_eq!(json["status"], "ok", "{json}");
    let rows_json: Vec<&Value> = match &json[key] {
        Value::Array(a) => a.iter().collect(),
        Value::Object(m) => m.values().collect(),
        other => panic!("{func}: {other}"),
    };
    assert!(!rows_json.is_empty(), "{json}");
    let r = app.get(&format!(
        "/api/tracker/{func}.json?id={}&{query}&format=csv",
        app.token
    ));
    assert!(
        r.header("content-type").unwrap().starts_with("text/csv"),
        "{:?}",
        r.headers
    );
    let text = r.text();
    let rows = parse_csv(&text);
    let names: Vec<String> = rows_json[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(rows[0], names, "{func} header");
    assert_eq!(rows.len(), 1 + rows_json.len(), "{text}");
    for (row, obj) in rows[1..].iter().zip(&rows_json) {
        let want: Vec<String> = names.iter().map(|n| csv_cell(&obj[n])).collect();
        assert_eq!(row, &want, "{func}");
    }
    text
}

#[test]
fn leads_and_stats_as_csv_have_the_json_fields_and_values() {
    let app = spawn_app();
    app.flow_with_urls("csv-leads", &["https://example.com/"]);
    for sub in ["a", "b"] {
        assert_eq!(
            app.click(&format!("/csv-leads?subid={sub}"), &[]).status,
            302
        );
    }
    let clicks = app.api("clicks", "")["clicks"].clone();
    let first = clicks[0]["click"].as_str().unwrap();
    let second = clicks[1]["click"].as_str().unwrap();
    let r = app.api(
        "postback",
        &format!("click={first}&status=approve&price=12.5&name=Hans,%20Jr.&comment=%3D1%2B1&meta[note]=x%22y"),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api(
        "postback",
        &format!("click={second}&status=hold&goal=reg&price=3"),
    );
    assert_eq!(r["status"], "ok", "{r}");

    let text = assert_csv_matches(&app, "leads", "", "leads");
    assert!(
        text.contains(r#","Hans, Jr.","#) && text.contains(",'=1+1,"),
        "{text}"
    );
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let text = assert_csv_matches(
        &app,
        "stats",
        &format!("item=date&from={today}&to={today}"),
        "stats",
    );
    assert!(text.lines().count() == 2, "{text}");
    assert_csv_matches(
        &app,
        "stats",
        &format!("item=flow&from={today}&to={today}"),
        "stats",
    );
}

#[test]
fn an_empty_csv_report_has_the_same_header_row_as_a_full_one() {
    let app = spawn_app();
    let bob = app.add_user("bob");
    app.flow_with_urls("csv-empty", &["https://example.com/"]);
    assert_eq!(app.click("/csv-empty", &[]).status, 302);
    let click = app.api("clicks", "")["clicks"][0]["click"].clone();
    let r = app.api(
        "postback",
        &format!("click={}&status=new", click.as_str().unwrap()),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    for (func, query) in [
        ("clicks", String::new()),
        ("leads", String::new()),
        ("stats", format!("item=date&from={today}&to={today}")),
        ("stats", format!("item=geo&from={today}&to={today}")),
    ] {
        let csv = |token: &str| {
            let path = format!("/api/tracker/{func}.json?id={token}&{query}&format=csv");
            parse_csv(&app.get(&path).text())
        };
        let (full, empty) = (csv(&app.token), csv(&bob));
        assert_eq!(full.len(), 2, "{func}: {full:?}");
        assert_eq!(empty.len(), 1, "{func}: {empty:?}");
        assert_eq!(empty[0], full[0], "{func} header");
    }
}

#[test]
fn format_csv_is_case_insensitive() {
    let app = spawn_app();
    let r = app.get(&format!(
        "/api/tracker/clicks.json?id={}&format=CSV",
        app.token
    ));
    assert!(
        r.header("content-type").unwrap().starts_with("text/csv"),
        "{r:?}"
    );
    assert!(r.text().starts_with("click,time,"), "{}", r.text());
}
