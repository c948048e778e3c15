//! The log of incoming postbacks (docs/API.md "postbacks-in.json"): every
//! postback.json call of a known user, its parameters as received (the
//! credential masked) and its answer, so a user can see what an
//! advertiser sent and why a call was refused.
//!
//! The row is written by the follow-up of the call's write job
//! (src/db/writer.rs, `Write::then`): on the writer, after the job's
//! savepoint, in the same batch, and kept when the job failed and rolled
//! back. So a refused call is logged as surely as one that changed a lead,
//! and the caller's answer comes only once its row is committed. A call
//! refused before a user is known (a missing or wrong credential) is not
//! logged: it is nobody's. src/prune.rs deletes rows older than
//! `--postback-log-days`.
use super::stage::{self, Stage};
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::params::Params;
use crate::api::Call;
use crate::db::writer::{ThenFn, Write};
use crate::ids::UserId;
use crate::text::cut;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

/// Most bytes of a call's parameters kept, as JSON text: a parameter that
/// would pass it is left out (a postback is a few hundred bytes; a 4 MiB
/// body is not worth keeping whole).
pub const MAX_PARAMS: usize = 8 * 1024;
/// A parameter's value is cut to this many characters, its name to
/// [`MAX_NAME`].
const MAX_VALUE: usize = 1000;
const MAX_NAME: usize = 64;
/// The click and flow texts (the log's filters) are cut like tags.
const MAX_SOURCE: usize = 255;
/// What the credential (`id`) is logged as.
pub const MASK: &str = "***";

/// One call, as received: what its log row holds besides the answer.
pub struct Entry {
    user: UserId,
    time: i64,
    ip: String,
    click: String,
    flow: String,
    params: String,
}

impl Entry {
    /// The call of `user` as it arrived, at the application's clock.
    pub fn of(call: &Call, user: UserId) -> Entry {
        let p = &call.params;
        let named = |name: &str| match p.text(name) {
            Ok(Some(t)) => cut(&t, MAX_SOURCE),
            _ => String::new(),
        };
        Entry {
            user,
            time: call.state.clock.now_ms().div_euclid(1000),
            ip: call.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            click: named("click"),
            // Flow ids are lower case; postback.json reads them so.
            flow: named("flow").to_ascii_lowercase(),
            params: logged_params(p),
        }
    }

    /// `write` followed by storing this entry with the job's answer
    /// (after what already followed it, if anything did).
    pub fn follow(self, write: Write) -> Write {
        let before = write.then;
        let then: ThenFn = Box::new(move |conn: &Connection, answer: &ApiResult| {
            if let Some(before) = before {
                before(conn, answer)?;
            }
            self.store(conn, answer)
        });
        Write {
            run: write.run,
            then: Some(then),
        }
    }

    fn store(&self, conn: &Connection, answer: &ApiResult) -> rusqlite::Result<()> {
        let (error, field, lead, stage, created) = match answer {
            Ok(v) => {
                let stage = v["stage"]
                    .as_str()
                    .and_then(|n| Stage::ALL.iter().find(|s| s.name() == n))
                    .map_or(-1, |s| i64::from(s.code()));
                let lead = v["id"].as_i64().unwrap_or(0);
                ("", "", lead, stage, v["create"] == true)
            }
            Err(e) => (
                e.code.as_str(),
                e.field.as_deref().unwrap_or(""),
                0,
                -1,
                false,
            ),
        };
        conn.prepare_cached(
            "INSERT INTO postbacks_in
               (user_id, time, ip, click, flow, params, error, field, lead, stage, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            self.user,
            self.time,
            self.ip,
            self.click,
            self.flow,
            self.params,
            error,
            cut(field, MAX_NAME),
            lead,
            stage,
            created,
        ])?;
        Ok(())
    }
}

/// A value as logged: text cut to [`MAX_VALUE`] characters, an array or
/// object whose JSON is longer as that text cut.
fn logged_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(cut(s, MAX_VALUE)),
        Value::Array(_) | Value::Object(_) => {
            let text = v.to_string();
            match text.chars().count() > MAX_VALUE {
                true => Value::String(cut(&text, MAX_VALUE)),
                false => v.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Every parameter as a JSON object, `id` (the credential) masked, within
/// [`MAX_PARAMS`] bytes.
fn logged_params(p: &Params) -> String {
    let mut out = Map::new();
    let mut size = 2;
    for (name, value) in p.iter() {
        let name = cut(name, MAX_NAME);
        let value = match name.as_str() {
            "id" => Value::from(MASK),
            _ => logged_value(value),
        };
        // `"name":value,` as serialized.
        let cost = Value::from(name.as_str()).to_string().len() + value.to_string().len() + 2;
        if size + cost <= MAX_PARAMS {
            size += cost;
            out.insert(name, value);
        }
    }
    Value::Object(out).to_string()
}

/// The fields of a postbacks-in.json row, in order (also the CSV header).
pub const FIELDS: [&str; 12] = [
    "id", "time", "ip", "click", "flow", "params", "status", "error", "field", "lead", "stage",
    "create",
];

/// `error`: codes, `ok` (answered ok) and `any` (every refused call),
/// any of them.
fn errors(w: &mut Where, p: &Params) -> ApiResult<()> {
    let asked = p.list("error")?;
    if asked.is_empty() {
        return Ok(());
    }
    w.take_room("error", asked.len())?;
    let mut alternatives = Vec::new();
    let mut codes = Vec::new();
    for a in asked {
        match a.to_ascii_lowercase().as_str() {
            "ok" => alternatives.push("error = ''".to_string()),
            "any" => alternatives.push("error <> ''".to_string()),
            code => match ErrorCode::parse(code) {
                Some(c) => codes.push(Sql::Text(c.as_str().to_string())),
                None => return Err(ApiError::field(ErrorCode::BadParam, "error")),
            },
        }
    }
    if !codes.is_empty() {
        alternatives.push(format!("error IN ({})", vec!["?"; codes.len()].join(",")));
    }
    w.push(format!("({})", alternatives.join(" OR ")), codes);
    Ok(())
}

/// The WHERE clause of a request: owner, period, click, flow, error.
fn conditions(p: &Params, tz: &jiff::tz::TimeZone, user: UserId) -> ApiResult<Where> {
    let range = period(p, tz, false)?;
    let mut w = Where::owner(user);
    w.push(
        "time >= ? AND time < ?",
        [Sql::Integer(range.start), Sql::Integer(range.end)],
    );
    // The texts as sent: a refused call's click may be no click id at all.
    w.list(p, "click", "click", None)?;
    let flows: Vec<Sql> = p
        .list("flow")?
        .into_iter()
        .map(|f| Sql::Text(f.to_ascii_lowercase()))
        .collect();
    w.take_room("flow", flows.len())?;
    if !flows.is_empty() {
        w.push_in("flow", &flows);
    }
    errors(&mut w, p)?;
    Ok(w)
}

/// postbacks-in.json: the caller's logged postbacks, newest first (in the
/// order they were stored), paged like leads.json.
pub fn list(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let w = conditions(&call.params, &user.tz, user.id)?;
    let (offset, limit) = page(&call.params)?;
    let sql = format!(
        "SELECT id, time, ip, click, flow, params, error, field, lead, stage, created
         FROM postbacks_in WHERE {} ORDER BY id DESC LIMIT {limit} OFFSET {offset}",
        w.sql()
    );
    let mut st = call.conn.prepare(&sql)?;
    let rows = st
        .query_map(rusqlite::params_from_iter(w.args.iter()), |r| {
            let params = match serde_json::from_str(&r.get::<_, String>(5)?) {
                Ok(Value::Object(m)) => Value::Object(m),
                _ => json!({}),
            };
            let error: String = r.get(6)?;
            let stage: i64 = r.get(9)?;
            let values = [
                json!(r.get::<_, i64>(0)?),
                json!(r.get::<_, i64>(1)?),
                text(r.get(2)?),
                text(r.get(3)?),
                text(r.get(4)?),
                params,
                json!(if error.is_empty() { "ok" } else { "error" }),
                text(error),
                text(r.get(7)?),
                json!(r.get::<_, i64>(8)?),
                match stage {
                    s if s >= 0 => json!(stage::name(s)),
                    _ => json!(false),
                },
                json!(r.get::<_, i64>(10)? != 0),
            ];
            Ok(fields_row(&FIELDS, values))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "postbacks": rows }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(query: &str) -> Value {
        let mut p = Params::default();
        p.add_urlencoded(query).unwrap();
        serde_json::from_str(&logged_params(&p)).unwrap()
    }

    #[test]
    fn the_credential_is_masked_and_the_rest_kept_in_order() {
        let v = logged("click=abc&id=secret&status=sale&meta[k]=v&stn[]=a");
        assert_eq!(
            v.to_string(),
            r#"{"click":"abc","id":"***","status":"sale","meta":{"k":"v"},"stn":["a"]}"#
        );
    }

    #[test]
    fn long_values_are_cut_and_the_whole_stays_bounded() {
        let long = "x".repeat(5000);
        let v = logged(&format!("a={long}&b=1"));
        assert_eq!(v["a"].as_str().unwrap().len(), MAX_VALUE);
        assert_eq!(v["b"], "1");
        let many: Vec<String> = (0..100).map(|i| format!("p{i}={long}")).collect();
        let mut p = Params::default();
        p.add_urlencoded(&many.join("&")).unwrap();
        let text = logged_params(&p);
        assert!(text.len() <= MAX_PARAMS, "{}", text.len());
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 8, "{text}");
        // Control characters take 6 bytes of JSON each: still bounded.
        let mut p = Params::default();
        let ctl = "%01".repeat(3000);
        p.add_urlencoded(&format!("a={ctl}&b={ctl}")).unwrap();
        assert!(logged_params(&p).len() <= MAX_PARAMS);
    }
}
