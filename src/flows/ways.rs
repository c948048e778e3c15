//! The ways of a flow.json request (docs/API.md flow.json `ways`): each
//! way object parsed and checked, through the same rules as top-level
//! parameters, before anything is written.
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::geo::countries::is_country;
use crate::ids::UserId;
use crate::snapshot::Device;
use rusqlite::Connection;
use serde_json::Value;

pub(super) fn countries(list: Vec<String>, field: &str) -> ApiResult<String> {
    let list: Vec<String> = list.into_iter().map(|c| c.to_ascii_lowercase()).collect();
    if list.iter().any(|c| !is_country(c)) {
        return Err(ApiError::field(ErrorCode::BadGeo, field));
    }
    Ok(list.join(","))
}

pub(super) struct WaySpec {
    pub(super) way: Option<i64>,
    pub(super) site: Option<i64>,
    pub(super) url: String,
    pub(super) weight: i64,
    pub(super) geo: String,
    pub(super) geox: String,
    pub(super) device: &'static str,
    pub(super) bots: bool,
    pub(super) active: bool,
    /// The offers behind a landing page (src/landings.rs).
    pub(super) offers: String,
}

/// Parses one way object through the same rules as top-level parameters.
pub(super) fn way_spec(conn: &Connection, user: UserId, v: &Value, i: usize) -> ApiResult<WaySpec> {
    let Value::Object(m) = v else {
        return Err(ApiError::field(ErrorCode::BadWay, format!("ways[{i}]")));
    };
    let p = Params::from_map(m.clone());
    let f = |name: &str| format!("ways[{i}].{name}");
    // A value of the wrong type names the way's field (`ways[0].url`), not
    // a top-level parameter of the same name (docs/API.md `field`).
    let within = |e: ApiError| ApiError {
        field: e.field.map(|name| f(&name)),
        ..e
    };
    let site = p
        .int("site", 1, i64::MAX, ErrorCode::BadSite)
        .map_err(|_| ApiError::field(ErrorCode::BadSite, f("site")))?;
    let url = p.text("url").map_err(within)?.unwrap_or_default();
    match site {
        Some(s) => crate::sites::owned(conn, user, s).map_err(|e| ApiError {
            field: Some(f("site")),
            ..e
        })?,
        None if crate::sites::valid_url(&url) => {}
        None => return Err(ApiError::field(ErrorCode::BadUrl, f("url"))),
    }
    let device = p
        .text("device")
        .map_err(within)?
        .unwrap_or_else(|| "any".into());
    let device = match Device::parse(&device) {
        Some(Device::Any) => "any",
        Some(Device::Desktop) => "desktop",
        Some(Device::Mobile) => "mobile",
        Some(Device::Ios) => "ios",
        Some(Device::Android) => "android",
        None => return Err(ApiError::field(ErrorCode::BadDevice, f("device"))),
    };
    let flag = |name: &str, default: bool| -> ApiResult<bool> {
        Ok(p.flag(name)
            .map_err(|_| ApiError::field(ErrorCode::BadParam, f(name)))?
            .unwrap_or(default))
    };
    Ok(WaySpec {
        way: p
            .int("way", 1, i64::MAX, ErrorCode::BadWay)
            .map_err(|_| ApiError::field(ErrorCode::BadWay, f("way")))?,
        site,
        url: if site.is_some() { String::new() } else { url },
        weight: p
            .int("weight", 0, 1_000_000, ErrorCode::BadWeight)
            .map_err(|_| ApiError::field(ErrorCode::BadWeight, f("weight")))?
            .unwrap_or(1),
        geo: countries(p.list("geo").map_err(within)?, &f("geo"))?,
        geox: countries(p.list("geox").map_err(within)?, &f("geox"))?,
        device,
        bots: flag("bots", false)?,
        active: flag("active", true)?,
        offers: crate::landings::way_offers(conn, user, site, &p, i)?,
    })
}

/// `ways` as a JSON array or a JSON string holding one.
pub(super) fn ways_param(p: &Params) -> ApiResult<Option<Vec<Value>>> {
    match p.raw("ways") {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(Vec::new())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => Ok(Some(a)),
            _ => Err(ApiError::field(ErrorCode::BadWay, "ways")),
        },
        Some(_) => Err(ApiError::field(ErrorCode::BadWay, "ways")),
    }
}
