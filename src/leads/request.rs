//! postback.json's parameters parsed into typed values at the boundary
//! (docs/ARCHITECTURE.md). Everything malformed is refused here, before the handler
//! opens its transaction, so a refused call writes nothing but its row of
//! the postback log (docs/API.md, src/leads/inlog.rs).
use super::row::{LeadRow, Meta, COPIED};
use super::stage::{Stage, StatusMap};
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::store::registry::{Lead, Ty};
use crate::text::cut;
use crate::user_agent;
use crate::{money, rates};
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// Largest price accepted (docs/API.md sensible bounds).
const MAX_PRICE: f64 = 1e9;
/// Longest raw status kept as `custom`.
const MAX_STATUS: usize = 64;
/// Meta: at most this many keys on a lead, keys and values cut to these.
const MAX_META_KEYS: usize = 50;
const MAX_META_KEY: usize = 64;
const MAX_META_VALUE: usize = 255;
/// User agents and referers keep the length the click path keeps.
const MAX_LONG: usize = 1024;

/// The goal of a postback that names none (docs/API.md, postback.json).
pub const DEFAULT_GOAL: &str = "lead";

/// (parameter, column, max characters) of the lead's own text fields
/// that a postback sets (reference document).
const OWN_TEXTS: [(&str, &str, usize); 4] = [
    ("name", "name", 255),
    ("phone", "phone", 255),
    ("email", "email", 255),
    ("comment", "comment", 1000),
];

/// The same of every text a postback sets: its own, then those that
/// replace what the click gave (the registry's `Lead::Set`).
fn texts() -> impl Iterator<Item = (&'static str, &'static str, usize)> {
    let set = COPIED.iter().filter(|d| d.lead == Lead::Set);
    OWN_TEXTS.into_iter().chain(set.filter_map(|d| match d.ty {
        Ty::Text { max } => Some((d.api?, d.column, max)),
        Ty::Int { .. } => None,
    }))
}

/// Where the lead comes from (docs/API.md postback.json).
#[derive(Debug, Clone)]
pub enum Source {
    /// The public click id as sent.
    Click(String),
    /// A flow and the subid that makes the call unique.
    Flow { flow: String, subid: String },
}

/// A price as it will be stored: amount, currency, and the amount in the
/// user's base currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    pub price: f64,
    pub currency: String,
    pub base: f64,
}

#[derive(Debug)]
pub struct PostbackRequest {
    pub source: Source,
    pub uid: Option<String>,
    /// Lower-cased, valid goal id; None when the call names no goal.
    pub goal: Option<String>,
    /// Raw status text (kept as `custom`) and the stage it maps to.
    pub status: Option<(String, Option<Stage>)>,
    /// Set when `price` is given.
    pub money: Option<Money>,
    /// Currency of a new lead that gets no price.
    pub currency: String,
    texts: Vec<(&'static str, String)>,
    meta: Map<String, Value>,
    ip: Option<String>,
    geo: Option<String>,
    ua: Option<(String, user_agent::UaInfo)>,
}

/// Rounds a converted amount to 1/10000 so conversions do not leave float
/// noise such as 18.000000000000004 in the stored price.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A currency parameter: a known three-letter code, lower-cased.
fn currency(conn: &Connection, p: &Params, name: &str) -> ApiResult<Option<String>> {
    let Some(c) = p.text(name)? else {
        return Ok(None);
    };
    let c = c.to_ascii_lowercase();
    if !money::valid_code(&c) || rates::rate(conn, &c)?.is_none() {
        return Err(ApiError::field(ErrorCode::BadCurrency, name));
    }
    Ok(Some(c))
}

/// `meta[k]=v` or a JSON `meta` object: keys cut, values as strings (other
/// JSON values as their JSON text), at most [`MAX_META_KEYS`].
fn meta(p: &Params) -> ApiResult<Map<String, Value>> {
    let mut out = Map::new();
    for (k, v) in p.object("meta")? {
        let key = cut(k.trim(), MAX_META_KEY);
        if key.is_empty() {
            continue;
        }
        let text = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        out.insert(key, Value::String(cut(&text, MAX_META_VALUE)));
    }
    if out.len() > MAX_META_KEYS {
        return Err(ApiError::field(ErrorCode::BadParam, "meta"));
    }
    Ok(out)
}

impl PostbackRequest {
    /// Parses and checks every parameter; `base` is the user's currency.
    pub fn parse(conn: &Connection, p: &Params, base: &str) -> ApiResult<PostbackRequest> {
        let source = match (p.text("click")?, p.text("flow")?) {
            (Some(c), _) => Source::Click(c),
            (None, Some(f)) => Source::Flow {
                flow: f.to_ascii_lowercase(),
                subid: p.text_max("subid", 255)?.unwrap_or_default(),
            },
            (None, None) => return Err(ApiError::new(ErrorCode::NoClick)),
        };
        let goal = match p.text("goal")? {
            Some(g) => {
                let g = g.to_ascii_lowercase();
                if !crate::goals::valid_id(&g) {
                    return Err(ApiError::field(ErrorCode::BadGoal, "goal"));
                }
                Some(g)
            }
            None => None,
        };
        let status = match p.text("status")? {
            Some(s) if s.chars().count() > MAX_STATUS || s.chars().any(char::is_control) => {
                return Err(ApiError::field(ErrorCode::BadStatus, "status"))
            }
            Some(s) => {
                let stage = StatusMap::from_params(p)?.stage(&s);
                Some((s, stage))
            }
            None => None,
        };
        let given = currency(conn, p, "currency")?;
        let convert = currency(conn, p, "convert")?;
        let cur = given.unwrap_or_else(|| "usd".to_string());
        let price = p.money("price", MAX_PRICE, ErrorCode::BadPrice)?;
        let stored = convert.unwrap_or_else(|| cur.clone());
        let money = match price {
            Some(amount) => {
                let price = round(rates::convert(conn, amount, &cur, &stored, "convert")?);
                let base = round(rates::convert(conn, price, &stored, base, "currency")?);
                Some(Money {
                    price,
                    currency: stored.clone(),
                    base,
                })
            }
            None => None,
        };
        let ip = match p.text("ip")? {
            Some(s) => {
                let ip: IpAddr = s
                    .parse()
                    .map_err(|_| ApiError::field(ErrorCode::BadIp, "ip"))?;
                // Same form as the click path stores (v4-mapped v6 as v4).
                let ip = match ip {
                    IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
                    v4 => v4,
                };
                Some(ip.to_string())
            }
            None => None,
        };
        let geo = match p.text("geo")? {
            Some(g) if crate::geo::countries::is_country(&g) => Some(g.to_ascii_lowercase()),
            Some(_) => return Err(ApiError::field(ErrorCode::BadGeo, "geo")),
            None => None,
        };
        let ua = p.text_max("ua", MAX_LONG)?.map(|ua| {
            let info = user_agent::classify(&ua);
            (ua, info)
        });
        let mut texts = Vec::new();
        for (param, column, max) in self::texts() {
            if let Some(v) = p.text_max(param, max)? {
                texts.push((column, v));
            }
        }
        Ok(PostbackRequest {
            source,
            uid: p.text_max("uid", 255)?,
            goal,
            status,
            money,
            currency: stored,
            texts,
            meta: meta(p)?,
            ip,
            geo,
            ua,
        })
    }

    /// Applies what this call says to a lead: a new one (`create`, which
    /// starts from the click's or flow's data) or an existing one.
    pub fn apply(&self, row: &mut LeadRow, create: bool) -> ApiResult<()> {
        if let Some(uid) = &self.uid {
            row.uid = uid.clone();
        }
        match (&self.goal, create) {
            (Some(g), _) => row.goal = g.clone(),
            (None, true) => row.goal = DEFAULT_GOAL.to_string(),
            // An update that names no goal keeps the lead's goal.
            (None, false) => {}
        }
        match &self.status {
            Some((raw, stage)) => {
                row.custom = raw.clone();
                if let Some(s) = stage {
                    row.stage = *s;
                } else if create {
                    row.stage = Stage::New;
                }
            }
            None if create => row.stage = Stage::New,
            None => {}
        }
        match &self.money {
            Some(m) => {
                row.price = m.price;
                row.currency = m.currency.clone();
                row.base = m.base;
            }
            None if create => row.currency = self.currency.clone(),
            None => {}
        }
        for (column, value) in &self.texts {
            row.set_text(column, value);
        }
        let dims = &mut row.dims;
        if let Some(ip) = &self.ip {
            dims.set("ip", Sql::Text(ip.clone()));
        }
        if let Some(geo) = &self.geo {
            dims.set("geo", Sql::Text(geo.clone()));
        }
        if let Some((ua, info)) = &self.ua {
            dims.set("ua", Sql::Text(ua.clone()));
            dims.set("os", Sql::Integer(info.os.code() as i64));
            dims.set("browser", Sql::Integer(info.browser.code() as i64));
            dims.set("mobile", Sql::Integer(info.mobile as i64));
        }
        if !self.meta.is_empty() {
            let Meta(current) = &mut row.meta;
            for (k, v) in &self.meta {
                current.insert(k.clone(), v.clone());
            }
            if current.len() > MAX_META_KEYS {
                return Err(ApiError::field(ErrorCode::BadParam, "meta"));
            }
        }
        Ok(())
    }
}
