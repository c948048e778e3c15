//! A source's fields as sources.json shows them and source.json takes
//! them (docs/API.md sources.json): read from a row or a template,
//! changed by the call's parameters, each checked before anything is
//! written.
use super::templates::Template;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::outbound::spec::Postback;
use crate::store::registry::{self, Dim, Flag};
use serde_json::{json, Value};

/// The tags a mapping may fill: those a query parameter sets.
const QUERY: [Dim; registry::count_with(Flag::Query)] = registry::with(Flag::Query);

/// Most parameters one source maps.
const MAX_PARAMS: usize = 50;

/// The cost models (`cost_model`).
pub const COST_MODELS: &[&str] = &["none", "cpc", "param"];

#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub param: String,
    pub tag: String,
    pub r#macro: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub name: String,
    pub template: String,
    pub click_param: String,
    pub click_macro: String,
    pub params: Vec<Mapping>,
    pub cost_model: String,
    pub cpc: f64,
    pub cost_param: String,
    pub cost_macro: String,
    pub currency: String,
    /// What the source is told when its clicks convert.
    pub postback: Postback,
}

/// A query parameter's name: 1 to 64 of letters, digits and `_-.[]`.
pub fn valid_param(p: &str) -> bool {
    (1..=64).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b))
}

/// A network's macro as its tracking link carries it (`{gclid}`,
/// `{{ad.id}}`, `__CID__`, `${SUBID}`): up to 255 characters, none that
/// would end the query pair (`&`, `#`) or be whitespace.
pub fn valid_macro(m: &str) -> bool {
    m.len() <= 255
        && !m
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '&' || c == '#')
}

impl Spec {
    /// A blank source priced in `currency`.
    pub fn blank(currency: &str) -> Spec {
        Spec {
            name: String::new(),
            template: String::new(),
            click_param: String::new(),
            click_macro: String::new(),
            params: Vec::new(),
            cost_model: "none".into(),
            cpc: 0.0,
            cost_param: String::new(),
            cost_macro: String::new(),
            currency: currency.into(),
            postback: Postback::default(),
        }
    }

    /// A copy of template `t`, priced in `currency`.
    pub fn from_template(t: &Template, currency: &str) -> Spec {
        Spec {
            name: t.name.into(),
            template: t.id.into(),
            click_param: t.click_param.into(),
            click_macro: t.click_macro.into(),
            params: t
                .params
                .iter()
                .map(|(p, tag, m)| Mapping {
                    param: (*p).into(),
                    tag: (*tag).into(),
                    r#macro: (*m).into(),
                })
                .collect(),
            cost_model: t.cost_model.into(),
            cost_param: t.cost_param.into(),
            cost_macro: t.cost_macro.into(),
            postback: Postback {
                url: t.postback.into(),
                ..Postback::default()
            },
            ..Spec::blank(currency)
        }
    }

    /// The stored `params` column.
    pub fn params_json(&self) -> String {
        Value::from(self.params.iter().map(mapping_json).collect::<Vec<_>>()).to_string()
    }

    /// Reads the stored `params` column (written by [`Spec::params_json`]).
    pub fn read_params(text: &str) -> Vec<Mapping> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(a)) => a.iter().filter_map(|v| mapping(v).ok()).collect(),
            _ => Vec::new(),
        }
    }

    /// The fields of sources.json (S without its id, or T without its
    /// `template` key's meaning changed).
    pub fn to_json(&self, docs: &str) -> Value {
        json!({
            "name": self.name,
            "template": self.template,
            "click_param": self.click_param,
            "click_macro": self.click_macro,
            "params": self.params.iter().map(mapping_json).collect::<Vec<_>>(),
            "cost_model": self.cost_model,
            "cpc": self.cpc,
            "cost_param": self.cost_param,
            "cost_macro": self.cost_macro,
            "currency": self.currency,
            "postback": self.postback.to_json(),
            "docs": docs,
        })
    }

    /// Takes the parameters the call gives; `known` says whether a
    /// currency code is in the rates table.
    pub fn apply(&mut self, p: &Params, known: impl Fn(&str) -> ApiResult<bool>) -> ApiResult<()> {
        if let Some(name) = p.text_max("name", 255)? {
            self.name = name;
        }
        let bad = |f: &str| ApiError::field(ErrorCode::BadParam, f);
        if p.has("click_param") {
            self.click_param = p.text("click_param")?.unwrap_or_default();
            if !self.click_param.is_empty() && !valid_param(&self.click_param) {
                return Err(bad("click_param"));
            }
        }
        if p.has("click_macro") {
            self.click_macro = p.text("click_macro")?.unwrap_or_default();
            if !valid_macro(&self.click_macro) {
                return Err(bad("click_macro"));
            }
        }
        if let Some(list) = params_param(p)? {
            if list.len() > MAX_PARAMS {
                return Err(bad("params"));
            }
            self.params = list
                .iter()
                .enumerate()
                .map(|(i, v)| mapping(v).map_err(|f| bad(&format!("params[{i}].{f}"))))
                .collect::<ApiResult<_>>()?;
        }
        if let Some(model) = p.text("cost_model")? {
            if !COST_MODELS.contains(&model.as_str()) {
                return Err(ApiError::one_of(
                    ErrorCode::BadParam,
                    "cost_model",
                    COST_MODELS,
                ));
            }
            self.cost_model = model;
        }
        if let Some(cpc) = p.money("cpc", 1e9, ErrorCode::BadPrice)? {
            self.cpc = cpc;
        }
        if p.has("cost_param") {
            self.cost_param = p.text("cost_param")?.unwrap_or_default();
            if !self.cost_param.is_empty() && !valid_param(&self.cost_param) {
                return Err(bad("cost_param"));
            }
        }
        if p.has("cost_macro") {
            self.cost_macro = p.text("cost_macro")?.unwrap_or_default();
            if !valid_macro(&self.cost_macro) {
                return Err(bad("cost_macro"));
            }
        }
        if let Some(c) = p.text("currency")? {
            let c = c.to_ascii_lowercase();
            if !known(&c)? {
                return Err(ApiError::field(ErrorCode::BadCurrency, "currency"));
            }
            self.currency = c;
        }
        self.postback.apply(p, known)?;
        self.check()
    }

    /// What holds between fields, whichever the call changed.
    fn check(&self) -> ApiResult<()> {
        let bad = |f: &str| ApiError::field(ErrorCode::BadParam, f);
        if self.name.is_empty() {
            return Err(bad("name"));
        }
        if self.cost_model == "param" && self.cost_param.is_empty() {
            return Err(bad("cost_param"));
        }
        // A parameter read twice would fill two things from one value
        // by accident: each name once.
        let mut names: Vec<&str> = vec![&self.click_param];
        if self.cost_model == "param" {
            names.push(&self.cost_param);
        }
        for (i, m) in self.params.iter().enumerate() {
            if names.contains(&m.param.as_str()) {
                return Err(bad(&format!("params[{i}].param")));
            }
            names.push(&m.param);
        }
        if !self.click_param.is_empty() && names[1..].contains(&self.click_param.as_str()) {
            return Err(bad("cost_param"));
        }
        Ok(())
    }
}

fn mapping_json(m: &Mapping) -> Value {
    json!({"param": m.param, "tag": m.tag, "macro": m.r#macro})
}

/// One `{"param","tag","macro"}`; the name of its bad field when it is not one.
fn mapping(v: &Value) -> Result<Mapping, &'static str> {
    let text = |k: &'static str| match v.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.trim().to_string()),
        Some(_) => Err(k),
    };
    if !v.is_object() {
        return Err("param");
    }
    let param = text("param")?;
    if !valid_param(&param) {
        return Err("param");
    }
    let tag = text("tag")?;
    if !QUERY.iter().any(|d| d.api == Some(tag.as_str())) {
        return Err("tag");
    }
    let r#macro = text("macro")?;
    if !valid_macro(&r#macro) {
        return Err("macro");
    }
    Ok(Mapping {
        param,
        tag,
        r#macro,
    })
}

/// `params` as a JSON array or a JSON text holding one.
fn params_param(p: &Params) -> ApiResult<Option<Vec<Value>>> {
    let bad = || ApiError::field(ErrorCode::BadParam, "params");
    match p.raw("params") {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(Vec::new())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => Ok(Some(a)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}
