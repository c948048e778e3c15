//! `format=csv` for stats, leads and clicks (SPEC 5.2): the same rows and
//! fields as the JSON answer, a header row first. Nested values (meta,
//! goal) are written as JSON text.
use actix_web::HttpResponse;
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

/// The header of an answer without rows, which has no row to take it from
/// (SPEC 5.2 promises a header row). Stats rows are `id`, `name` and the
/// fields of `total`, which is always there. tests/accounts/csv.rs checks
/// that these match the rows of a full answer.
fn empty_columns<'a>(answer: &'a Value, key: &str) -> Vec<&'a str> {
    match (key, answer.get("total")) {
        ("clicks", _) => crate::clicks::list::FIELDS.to_vec(),
        ("leads", _) => crate::leads::list::FIELDS.to_vec(),
        (_, Some(Value::Object(total))) => ["id", "name"]
            .into_iter()
            .chain(total.keys().map(String::as_str))
            .collect(),
        _ => Vec::new(),
    }
}

/// Renders the rows found under `key` (an array or an object of objects).
pub fn render(answer: &Value, key: &str) -> String {
    let rows: Vec<&Value> = match answer.get(key) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(m)) => m.values().collect(),
        _ => Vec::new(),
    };
    let mut columns: Vec<&str> = Vec::new();
    for row in &rows {
        if let Value::Object(m) = row {
            for k in m.keys() {
                if !columns.contains(&k.as_str()) {
                    columns.push(k);
                }
            }
        }
    }
    if rows.is_empty() {
        columns = empty_columns(answer, key);
    }
    let mut out = String::new();
    out.push_str(&columns.join(","));
    out.push_str("\r\n");
    for row in rows {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            cell(row.get(*c).unwrap_or(&Value::Null), &mut out);
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
