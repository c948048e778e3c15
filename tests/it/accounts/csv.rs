//! `format=csv` for clicks.json, leads.json and stats.json (SPEC 5.2).
use super::*;

/// A small RFC 4180 reader: rows of fields.
pub(super) fn parse_csv(text: &str) -> Vec<Vec<String>> {
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
pub(super) fn csv_cell(v: &Value) -> String {
    match v {
        Value::Bool(false) | Value::Null => String::new(),
        Value::Bool(true) => "1".into(),
        Value::String(s) if s.starts_with(['=', '+', '-', '@']) => format!("'{s}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The user's timezone, from profile.json.
fn user_tz(app: &TestApp) -> jiff::tz::TimeZone {
    let name = app.api("profile", "")["timezone"].clone();
    jiff::tz::TimeZone::get(name.as_str().unwrap()).unwrap()
}

/// `YYYY-MM-DD HH:MM:SS` of Unix seconds in `tz`.
pub(super) fn local_time(t: &Value, tz: &jiff::tz::TimeZone) -> String {
    let t = jiff::Timestamp::from_second(t.as_i64().unwrap()).unwrap();
    tz.to_datetime(t).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// The goals of a stats answer and their metrics, as its `total` has them.
fn goals_of(total: &Value) -> Vec<(String, Vec<String>)> {
    let Some(goals) = total["goal"].as_object() else {
        return Vec::new();
    };
    goals
        .iter()
        .map(|(g, m)| (g.clone(), m.as_object().unwrap().keys().cloned().collect()))
        .collect()
}

/// The CSV header and cells of a JSON row: `time` as a local date and
/// time, `os_name`/`browser_name` after the codes, a stats row's `goal`
/// object as `{goal}_{metric}` columns (0 where the row has no such goal).
fn sheet_row(
    obj: &Value,
    names: &[String],
    tz: &jiff::tz::TimeZone,
    goals: &[(String, Vec<String>)],
) -> (Vec<String>, Vec<String>) {
    use flowtrack::clicks::user_agent::{browser_name, os_name};
    let (mut head, mut cells) = (Vec::new(), Vec::new());
    for n in names {
        let v = &obj[n.as_str()];
        match n.as_str() {
            "time" => {
                head.push(n.clone());
                cells.push(local_time(v, tz));
            }
            "os" | "browser" => {
                let name = if n == "os" { os_name } else { browser_name };
                head.extend([n.clone(), format!("{n}_name")]);
                cells.extend([csv_cell(v), name(v.as_i64().unwrap()).to_string()]);
            }
            "goal" if v.is_object() => {
                for (g, metrics) in goals {
                    for m in metrics {
                        head.push(format!("{g}_{m}"));
                        let cell = &v[g.as_str()][m.as_str()];
                        cells.push(if cell.is_null() {
                            "0".into()
                        } else {
                            csv_cell(cell)
                        });
                    }
                }
            }
            _ => {
                head.push(n.clone());
                cells.push(csv_cell(v));
            }
        }
    }
    (head, cells)
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
    let tz = user_tz(&app);
    assert_eq!(rows[0], sheet_row(&clicks[0], &names, &tz, &[]).0);
    assert_eq!(rows.len(), 1 + clicks.len());
    for (row, click) in rows[1..].iter().zip(clicks) {
        assert_eq!(row, &sheet_row(click, &names, &tz, &[]).1);
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
    let (tz, goals) = (user_tz(app), goals_of(&json["total"]));
    let sheet = |obj: &Value| sheet_row(obj, &names, &tz, &goals);
    assert_eq!(rows[0], sheet(rows_json[0]).0, "{func} header");
    // Stats end with their total, as a row `total`.
    let mut total = json["total"].clone();
    if let Some(t) = total.as_object_mut() {
        t.insert("id".into(), "total".into());
        t.insert("name".into(), "Total".into());
    }
    let rows_json: Vec<&Value> = match key {
        "stats" => rows_json.into_iter().chain([&total]).collect(),
        _ => rows_json,
    };
    assert_eq!(rows.len(), 1 + rows_json.len(), "{text}");
    for (row, obj) in rows[1..].iter().zip(&rows_json) {
        assert_eq!(row, &sheet(obj).1, "{func}");
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
    // The day's row and the total.
    assert!(text.lines().count() == 3, "{text}");
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
        // Stats end with a total row, also when empty.
        let total = usize::from(func == "stats");
        assert_eq!(full.len(), 2 + total, "{func}: {full:?}");
        assert_eq!(empty.len(), 1 + total, "{func}: {empty:?}");
        // Goal columns are those of the goals in the answer: bob has none.
        let no_goals: Vec<&String> = full[0].iter().filter(|c| !c.starts_with("lead_")).collect();
        assert!(
            no_goals.len() < full[0].len() || func != "stats",
            "{full:?}"
        );
        assert_eq!(
            empty[0].iter().collect::<Vec<_>>(),
            no_goals,
            "{func} header"
        );
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
