//! Landing pages in the management API (docs/API.md "Landing pages"): a
//! site's kind (`offer` or `landing`) and the offers a way to a landing
//! page sends its visitors on to. The click path reads them from the
//! snapshot (src/snapshot/offers.rs).
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::params::Params;
use crate::ids::UserId;
use crate::snapshot::offers;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};

/// Most offers behind one landing page (`/lp/{click}/{n}` counts to 999).
pub const MAX_OFFERS: usize = 100;

/// The `kind` parameter: `offer` or `landing`.
pub fn kind_param(p: &Params) -> ApiResult<Option<&'static str>> {
    match p.text("kind")?.as_deref() {
        None => Ok(None),
        Some("offer") => Ok(Some("offer")),
        Some("landing") => Ok(Some("landing")),
        Some(_) => Err(ApiError::field(ErrorCode::BadKind, "kind")),
    }
}

/// The kind of one of `user`'s live sites (`access` for another's).
pub fn kind_of(conn: &Connection, user: UserId, site: i64) -> ApiResult<String> {
    let row: Option<(UserId, String)> = conn
        .query_row(
            "SELECT user_id, kind FROM sites WHERE id = ?1 AND archived = 0",
            [site],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((u, kind)) if u == user => Ok(kind),
        Some(_) => Err(ApiError::access()),
        None => Err(ApiError::field(ErrorCode::BadSite, "site")),
    }
}

/// A change of `site`'s kind must leave every live way valid: a way
/// straight to it, or an offer list naming it, needs an offer; a way
/// with offers needs a landing page.
pub fn check_kind(conn: &Connection, user: UserId, site: i64, kind: &str) -> ApiResult<()> {
    let mut st = conn.prepare(
        "SELECT site_id, offers FROM ways WHERE user_id = ?1 AND archived = 0
           AND (site_id = ?2 OR offers <> '')",
    )?;
    let rows = st.query_map(rusqlite::params![user, site], |r| {
        Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (way_site, list) = row?;
        let behind = offers::parse(&list).iter().any(|(s, _)| *s == site);
        let broken = match kind {
            "landing" => behind || (way_site == Some(site) && list.is_empty()),
            _ => way_site == Some(site) && !list.is_empty(),
        };
        if broken {
            return Err(ApiError::field(ErrorCode::BadKind, "kind"));
        }
    }
    Ok(())
}

/// `offers` as a JSON array or a JSON string holding one.
fn list(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// The stored offers of way `i` (its object `p`) to `site`: required
/// (at least one) when the site is a landing page, an error on a way to
/// an offer or a URL; each an offer site of `user`'s, weight 0..1000000
/// (default 1), none twice.
pub fn way_offers(
    conn: &Connection,
    user: UserId,
    site: Option<i64>,
    p: &Params,
    i: usize,
) -> ApiResult<String> {
    let field = format!("ways[{i}].offers");
    let landing = match site {
        Some(s) => {
            kind_of(conn, user, s).map_err(|e| ApiError {
                field: Some(format!("ways[{i}].site")),
                ..e
            })? == "landing"
        }
        None => false,
    };
    // Absent, null or empty: no offers (a form may send every way's).
    let given = p.raw("offers").filter(|v| match v {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty() && s.trim() != "[]",
        Value::Array(a) => !a.is_empty(),
        _ => true,
    });
    let Some(given) = given else {
        return match landing {
            true => Err(ApiError::field(ErrorCode::BadOffer, field)),
            false => Ok(String::new()),
        };
    };
    let items = list(given).filter(|a| landing && a.len() <= MAX_OFFERS);
    let items = items.ok_or_else(|| ApiError::field(ErrorCode::BadOffer, &field))?;
    let mut out: Vec<(i64, u32)> = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let at = |name: &str| format!("{field}[{j}].{name}");
        let Value::Object(m) = item else {
            return Err(ApiError::field(
                ErrorCode::BadOffer,
                format!("{field}[{j}]"),
            ));
        };
        let o = Params::from_map(m.clone());
        let offer = o
            .int("site", 1, i64::MAX, ErrorCode::BadOffer)
            .ok()
            .flatten()
            .ok_or_else(|| ApiError::field(ErrorCode::BadOffer, at("site")))?;
        let kind = kind_of(conn, user, offer).map_err(|e| match e.code {
            ErrorCode::Access => e,
            _ => ApiError::field(ErrorCode::BadOffer, at("site")),
        })?;
        if kind != "offer" || out.iter().any(|(s, _)| *s == offer) {
            return Err(ApiError::field(ErrorCode::BadOffer, at("site")));
        }
        let weight = o
            .int("weight", 0, 1_000_000, ErrorCode::BadWeight)
            .map_err(|_| ApiError::field(ErrorCode::BadWeight, at("weight")))?
            .unwrap_or(1);
        out.push((offer, weight as u32));
    }
    Ok(offers::format(&out))
}

/// flows.json's `offers` of a way: `[{"site", "weight"}]` in link order.
pub fn offers_json(stored: &str) -> Value {
    let list: Vec<Value> = offers::parse(stored)
        .into_iter()
        .map(|(site, weight)| json!({"site": site, "weight": weight}))
        .collect();
    Value::from(list)
}
