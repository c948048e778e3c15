//! A source's postback template (docs/API.md "Outbound postbacks"): what
//! flowtrack calls when one of the source's clicks converts, and when.
//! Stored in the source's `pb_*` columns, shown as sources.json's
//! `postback` object, changed by source.json's `postback_*` parameters.
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::leads::stage::Stage;
use rusqlite::Row;
use serde_json::{json, Map, Value};

/// Longest URL and body templates taken.
const MAX_URL: usize = 2000;
const MAX_BODY: usize = 4000;
/// Most goals one template names, and the longest status word.
const MAX_GOALS: usize = 50;
const MAX_WORD: usize = 64;
/// Largest payout share, in percent (a source paid more than the lead
/// is a typo more often than a wish, but 10x leaves room for scaling).
const MAX_SHARE: f64 = 1000.0;

/// The columns [`Postback::read`] reads, in its order.
pub const COLUMNS: &str =
    "pb_url, pb_method, pb_body, pb_type, pb_stages, pb_goals, pb_share, pb_currency, pb_words";

#[derive(Debug, Clone, PartialEq)]
pub struct Postback {
    /// Empty: the source is told nothing.
    pub url: String,
    /// `get` or `post`.
    pub method: String,
    pub body: String,
    /// A POST's content type; '' picks form or JSON by the body's look.
    pub ctype: String,
    /// The stages that send, in stage order.
    pub stages: Vec<Stage>,
    /// The goals that send; empty: every goal.
    pub goals: Vec<String>,
    /// Percent of the lead's payout sent.
    pub share: f64,
    /// The currency of `{payout}`; '' : the source's.
    pub currency: String,
    /// `{status}` at each stage; a stage without one sends its name.
    pub words: [String; 5],
}

impl Default for Postback {
    fn default() -> Postback {
        Postback {
            url: String::new(),
            method: "get".into(),
            body: String::new(),
            ctype: String::new(),
            stages: vec![Stage::Approve],
            goals: Vec::new(),
            share: 100.0,
            currency: String::new(),
            words: Default::default(),
        }
    }
}

/// Stage names of a stored or given list, in stage order; the bad name
/// when one is not a stage.
fn stages<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<Stage>, ()> {
    let mut out = Vec::new();
    for n in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        out.push(stage(n).ok_or(())?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn stage(name: &str) -> Option<Stage> {
    Stage::ALL
        .iter()
        .copied()
        .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
}

/// An absolute http(s) URL template (its macros stand anywhere after the
/// scheme).
fn valid_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && url.len() <= MAX_URL
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Postback {
    /// Reads [`COLUMNS`] starting at `at`. What only this module writes
    /// is read leniently: a value it cannot read falls back to the default.
    pub fn read(r: &Row, at: usize) -> rusqlite::Result<Postback> {
        let words: String = r.get(at + 8)?;
        let words = match serde_json::from_str::<Value>(&words) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let mut out = Postback {
            url: r.get(at)?,
            method: r.get(at + 1)?,
            body: r.get(at + 2)?,
            ctype: r.get(at + 3)?,
            stages: stages(r.get::<_, String>(at + 4)?.split(',')).unwrap_or_default(),
            goals: r
                .get::<_, String>(at + 5)?
                .split(',')
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            share: r.get(at + 6)?,
            currency: r.get(at + 7)?,
            words: Default::default(),
        };
        for (k, v) in words {
            if let (Some(s), Value::String(w)) = (stage(&k), v) {
                out.words[s.code() as usize] = w;
            }
        }
        Ok(out)
    }

    /// The stored values of [`COLUMNS`], in order.
    pub fn columns(&self) -> [rusqlite::types::Value; 9] {
        use rusqlite::types::Value::{Real, Text};
        let stages: Vec<&str> = self.stages.iter().map(|s| s.name()).collect();
        [
            Text(self.url.clone()),
            Text(self.method.clone()),
            Text(self.body.clone()),
            Text(self.ctype.clone()),
            Text(stages.join(",")),
            Text(self.goals.join(",")),
            Real(self.share),
            Text(self.currency.clone()),
            Text(Value::Object(self.words_map()).to_string()),
        ]
    }

    /// The words set, by stage name.
    fn words_map(&self) -> Map<String, Value> {
        Stage::ALL
            .iter()
            .zip(&self.words)
            .filter(|(_, w)| !w.is_empty())
            .map(|(s, w)| (s.name().to_string(), Value::from(w.as_str())))
            .collect()
    }

    /// `{status}` at `stage`.
    pub fn word(&self, stage: Stage) -> &str {
        match &self.words[stage.code() as usize] {
            w if w.is_empty() => stage.name(),
            w => w,
        }
    }

    /// Whether a lead at `stage` with `goal` is sent.
    pub fn sends(&self, stage: Stage, goal: &str) -> Result<(), &'static str> {
        if self.url.is_empty() {
            Err("no-url")
        } else if !self.stages.contains(&stage) {
            Err("stage")
        } else if !self.goals.is_empty() && !self.goals.iter().any(|g| g == goal) {
            Err("goal")
        } else {
            Ok(())
        }
    }

    /// The content type a POST goes with.
    pub fn content_type(&self) -> &str {
        if !self.ctype.is_empty() {
            &self.ctype
        } else if self.body.trim_start().starts_with(['{', '[']) {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        }
    }

    /// sources.json's `postback` object.
    pub fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "method": self.method,
            "body": self.body,
            "type": self.ctype,
            "stages": self.stages.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "goals": self.goals,
            "share": self.share,
            "currency": self.currency,
            "words": self.words_map(),
        })
    }

    /// Takes source.json's `postback_*` parameters; `known` says whether
    /// a currency code is in the rates table.
    pub fn apply(&mut self, p: &Params, known: impl Fn(&str) -> ApiResult<bool>) -> ApiResult<()> {
        if p.has("postback_url") {
            let url = p.text("postback_url")?.unwrap_or_default();
            if !url.is_empty() && !valid_url(&url) {
                return Err(ApiError::field(ErrorCode::BadUrl, "postback_url"));
            }
            self.url = url;
        }
        if let Some(m) = p.text("postback_method")? {
            let m = m.to_ascii_lowercase();
            if m != "get" && m != "post" {
                return Err(ApiError::one_of(
                    ErrorCode::BadMethod,
                    "postback_method",
                    &["get", "post"],
                ));
            }
            self.method = m;
        }
        if p.has("postback_body") {
            self.body = p.text_max("postback_body", MAX_BODY)?.unwrap_or_default();
        }
        if p.has("postback_type") {
            let t = p.text_max("postback_type", 100)?.unwrap_or_default();
            if t.chars().any(|c| c.is_control()) {
                return Err(ApiError::field(ErrorCode::BadParam, "postback_type"));
            }
            self.ctype = t;
        }
        if p.has("postback_stages") {
            let list = p.list("postback_stages")?;
            self.stages = stages(list.iter().map(String::as_str))
                .map_err(|_| ApiError::field(ErrorCode::BadStatus, "postback_stages"))?;
        }
        if p.has("postback_goals") {
            let mut goals = Vec::new();
            for g in p.list("postback_goals")? {
                let g = g.trim().to_ascii_lowercase();
                if !crate::goals::valid_id(&g) {
                    return Err(ApiError::field(ErrorCode::BadGoal, "postback_goals"));
                }
                if !goals.contains(&g) {
                    goals.push(g);
                }
            }
            if goals.len() > MAX_GOALS {
                return Err(ApiError::field(ErrorCode::BadGoal, "postback_goals"));
            }
            self.goals = goals;
        }
        if let Some(share) = p.money("postback_share", MAX_SHARE, ErrorCode::BadParam)? {
            self.share = share;
        }
        if p.has("postback_currency") {
            let c = p
                .text("postback_currency")?
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !c.is_empty() && !known(&c)? {
                return Err(ApiError::field(ErrorCode::BadCurrency, "postback_currency"));
            }
            self.currency = c;
        }
        if p.has("postback_words") {
            let bad = || ApiError::field(ErrorCode::BadStatus, "postback_words");
            let mut words: [String; 5] = Default::default();
            for (k, v) in p.object("postback_words")? {
                let s = stage(&k).ok_or_else(bad)?;
                let w = match v {
                    Value::String(w) => w.trim().to_string(),
                    Value::Null => String::new(),
                    _ => return Err(bad()),
                };
                if w.chars().count() > MAX_WORD || w.chars().any(char::is_control) {
                    return Err(bad());
                }
                words[s.code() as usize] = w;
            }
            self.words = words;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        let mut p = Params::default();
        p.add_urlencoded(q).unwrap();
        p
    }

    fn applied(q: &str) -> ApiResult<Postback> {
        let mut pb = Postback::default();
        pb.apply(&params(q), |c| Ok(c == "eur" || c == "usd"))?;
        Ok(pb)
    }

    #[test]
    fn takes_every_field() {
        let pb = applied(
            "postback_url=https://n.example/pb?c={clickid}&postback_method=POST\
             &postback_body=%7B%22a%22%3A1%7D&postback_stages=approve,new,approve\
             &postback_goals=Sale,dep&postback_share=50.5&postback_currency=EUR\
             &postback_words[approve]=sale&postback_words[new]=lead",
        )
        .unwrap();
        assert_eq!(pb.method, "post");
        assert_eq!(pb.stages, vec![Stage::New, Stage::Approve]);
        assert_eq!(pb.goals, vec!["sale", "dep"]);
        assert_eq!(pb.share, 50.5);
        assert_eq!(pb.currency, "eur");
        assert_eq!(pb.word(Stage::Approve), "sale");
        assert_eq!(pb.word(Stage::Cancel), "cancel");
        assert_eq!(pb.content_type(), "application/json");
        assert_eq!(pb.sends(Stage::Approve, "dep"), Ok(()));
        assert_eq!(pb.sends(Stage::Hold, "dep"), Err("stage"));
        assert_eq!(pb.sends(Stage::Approve, "lead"), Err("goal"));
        assert_eq!(
            Postback::default().sends(Stage::Approve, "x"),
            Err("no-url")
        );
    }

    #[test]
    fn refuses_what_it_cannot_send() {
        let field = |q: &str| applied(q).unwrap_err().field.unwrap();
        assert_eq!(field("postback_url=ftp://x/y"), "postback_url");
        assert_eq!(field("postback_url=https:///nohost"), "postback_url");
        assert_eq!(field("postback_url=https://a b"), "postback_url");
        assert_eq!(field("postback_method=put"), "postback_method");
        assert_eq!(field("postback_stages=approve,paid"), "postback_stages");
        assert_eq!(field("postback_goals=no%20way"), "postback_goals");
        assert_eq!(field("postback_share=1001"), "postback_share");
        assert_eq!(field("postback_share=-1"), "postback_share");
        assert_eq!(field("postback_currency=xxx"), "postback_currency");
        assert_eq!(field("postback_words[paid]=x"), "postback_words");
        // Empty clears.
        let pb = applied("postback_url=&postback_stages=").unwrap();
        assert!(pb.url.is_empty() && pb.stages.is_empty());
    }
}
