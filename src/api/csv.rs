//! `format=csv` for stats, leads, clicks and the postback log (README
//! "API", CSV): the rows and fields of the JSON answer, a header row
//! first, shaped for a spreadsheet: times as `YYYY-MM-DD HH:MM:SS` in the
//! user's timezone, `os_name` and `browser_name` beside the codes, a stats
//! row's goals as columns `{goal}_{metric}` instead of nested JSON, and a
//! last stats row `total`, a logged postback's parameters as a query
//! string. Other nested values (a lead's meta) are JSON text.
use super::Csv;
use crate::user_agent::{browser_name, os_name};
use actix_web::HttpResponse;
use jiff::tz::TimeZone;
use serde_json::Value;

fn cell(v: &Value, out: &mut String) {
    let text = match v {
        Value::Null | Value::Bool(false) => String::new(),
        Value::Bool(true) => "1".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            // Keep spreadsheet programs from running visitor input as a
            // formula: the OWASP list of leading characters (`-` too: `-1+cmd|...`).
            if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    };
    // `;` too: spreadsheets in much of Europe split CSV on it.
    if text.contains([',', ';', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

/// The fields of an answer without rows, which has no row to take them
/// from (a header row is promised). Stats rows are `id`, `name` and the
/// fields of `total`, which is always there. tests/it/accounts/csv.rs checks
/// that these match the rows of a full answer.
fn empty_fields(answer: &Value, csv: Csv) -> Vec<&str> {
    match answer.get("total") {
        _ if !(csv.fields)().is_empty() => (csv.fields)().to_vec(),
        Some(Value::Object(total)) => ["id", "name"]
            .into_iter()
            .chain(total.keys().map(String::as_str))
            .collect(),
        _ => Vec::new(),
    }
}

/// One column of the CSV and where its cells come from.
enum Column<'a> {
    /// A JSON field as it is.
    Field(&'a str),
    /// Unix seconds written as a local date and time.
    Time(&'a str),
    /// The name of the code in a field (`os`, `browser`).
    Name(&'a str, fn(i64) -> &'static str),
    /// One metric of one goal of a stats row's `goal` object.
    Goal(&'a str, &'a str),
    /// An object written as a query string (a logged postback's
    /// parameters), values that are no text as their JSON.
    Query(&'a str),
}

impl Column<'_> {
    fn title(&self) -> String {
        match self {
            Column::Field(f) | Column::Time(f) | Column::Query(f) => f.to_string(),
            Column::Name(f, _) => format!("{f}_name"),
            Column::Goal(goal, metric) => format!("{goal}_{metric}"),
        }
    }

    fn value(&self, row: &Value, tz: &TimeZone) -> Value {
        match self {
            Column::Field(f) => row.get(*f).cloned().unwrap_or(Value::Null),
            Column::Time(f) => match row.get(*f).and_then(Value::as_i64) {
                Some(t) => super::dates::local(t, tz)
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
                    .into(),
                None => row.get(*f).cloned().unwrap_or(Value::Null),
            },
            Column::Name(f, name) => match row.get(*f).and_then(Value::as_i64) {
                Some(code) => name(code).into(),
                None => Value::Null,
            },
            Column::Query(f) => match row.get(*f) {
                Some(Value::Object(m)) => {
                    let mut q = form_urlencoded::Serializer::new(String::new());
                    for (k, v) in m {
                        match v {
                            Value::String(s) => q.append_pair(k, s),
                            other => q.append_pair(k, &other.to_string()),
                        };
                    }
                    q.finish().into()
                }
                other => other.cloned().unwrap_or(Value::Null),
            },
            // A row without leads of this goal has none: 0, not empty.
            Column::Goal(goal, metric) => row
                .get("goal")
                .and_then(|g| g.get(*goal))
                .and_then(|g| g.get(*metric))
                .cloned()
                .unwrap_or(Value::from(0)),
        }
    }
}

/// The columns for `fields` of rows under `key`; `rows` (the total
/// included) give the goals and their metrics, in the order first seen
/// (goals come sorted by id).
fn columns<'a>(fields: &[&'a str], key: &str, rows: &[&'a Value]) -> Vec<Column<'a>> {
    let mut out = Vec::new();
    for &f in fields {
        match (key, f) {
            ("clicks" | "leads" | "postbacks", "time") => out.push(Column::Time(f)),
            ("postbacks", "params") => out.push(Column::Query(f)),
            (_, "os") => out.extend([Column::Field(f), Column::Name(f, os_name)]),
            (_, "browser") => out.extend([Column::Field(f), Column::Name(f, browser_name)]),
            ("stats", "goal") => {
                let mut goals: Vec<(&str, Vec<&str>)> = Vec::new();
                let objects = rows.iter().filter_map(|r| r.get("goal")?.as_object());
                for (goal, metrics) in objects.flat_map(|o| o.iter()) {
                    let i = match goals.iter().position(|(g, _)| g == goal) {
                        Some(i) => i,
                        None => {
                            goals.push((goal, Vec::new()));
                            goals.len() - 1
                        }
                    };
                    for m in metrics.as_object().into_iter().flat_map(|m| m.keys()) {
                        if !goals[i].1.contains(&m.as_str()) {
                            goals[i].1.push(m);
                        }
                    }
                }
                for (goal, metrics) in goals {
                    out.extend(metrics.into_iter().map(|m| Column::Goal(goal, m)));
                }
            }
            _ => out.push(Column::Field(f)),
        }
    }
    out
}

/// Renders the rows found under `csv.key` (an array or an object of
/// objects), times in `tz`.
pub fn render(answer: &Value, csv: Csv, tz: &TimeZone) -> String {
    let key = csv.key;
    let mut rows: Vec<&Value> = match answer.get(key) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(m)) => m.values().collect(),
        _ => Vec::new(),
    };
    let mut fields: Vec<&str> = Vec::new();
    for row in &rows {
        if let Value::Object(m) = row {
            for k in m.keys() {
                if !fields.contains(&k.as_str()) {
                    fields.push(k);
                }
            }
        }
    }
    if rows.is_empty() {
        fields = empty_fields(answer, csv);
    }
    // The stats total, as a last row named like a group.
    let total = match (key, answer.get("total")) {
        ("stats", Some(Value::Object(t))) => {
            let mut row = serde_json::Map::new();
            row.insert("id".into(), "total".into());
            row.insert("name".into(), "Total".into());
            row.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
            Some(Value::Object(row))
        }
        _ => None,
    };
    rows.extend(total.as_ref());
    let columns = columns(&fields, key, &rows);
    let mut out = String::new();
    let titles: Vec<String> = columns.iter().map(Column::title).collect();
    out.push_str(&titles.join(","));
    out.push_str("\r\n");
    for row in rows {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            cell(&c.value(row, tz), &mut out);
        }
        out.push_str("\r\n");
    }
    out
}

/// The answer for `body`, the [`render`]ed rows under `key`.
pub fn response(key: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{key}.csv\""),
        ))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_codes_and_unknown_codes_are_other() {
        let answer = json!({"clicks": [{"os": 1, "browser": 9999, "time": 0}]});
        let tz = TimeZone::get("Asia/Kathmandu").unwrap();
        let csv = Csv {
            key: "clicks",
            fields: || &[],
        };
        let text = render(&answer, csv, &tz);
        assert_eq!(
            text,
            "os,os_name,browser,browser_name,time\r\n1,Windows,9999,Other,1970-01-01 05:30:00\r\n"
        );
    }
}
