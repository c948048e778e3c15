//! One spend.json request (reference "Spend import", docs/API.md): a price
//! (`cost` spread over the matching clicks or `cpc` per click) in a
//! currency, and the conditions that pick the clicks. Parsed and checked
//! completely before anything is written.
use crate::api::dates::parse_moment;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::filters::Where;
use crate::api::params::Params;
use crate::ids::UserId;
use crate::snapshot::User;
use crate::store::filters::{range, DIMENSIONS};
use crate::{money, rates};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};

/// Largest price accepted, in any currency.
const MAX_PRICE: f64 = 1e12;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Price {
    /// Total for all matching clicks, spread evenly.
    Cost(f64),
    /// Price of each matching click.
    Cpc(f64),
}

#[derive(Debug)]
pub struct SpendRequest {
    /// Already in the user's base currency (click prices are, schema step 3).
    pub price: Price,
    /// The owner and the dimension conditions, `column IN (...)` with the
    /// click table's column names (the wide rollup uses the same names).
    pub dims: Where,
    /// `from` and `to` as a half-open range of Unix seconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Target clicks only (filter 0).
    pub valid: bool,
    /// Unique clicks only.
    pub unique: bool,
}

/// Flows and ways named as conditions must be the user's: a typo would
/// otherwise price nothing and answer ok. A flow id is public (it is the
/// link's path), so another user's flow is `access`; way ids are not, so
/// any way that is not the user's is `bad-way`. Archived ones count: their
/// clicks are still in the reports.
fn owned_flows_and_ways(conn: &Connection, user: UserId, p: &Params) -> ApiResult<()> {
    let mut flow_owner = conn.prepare_cached("SELECT user_id FROM flows WHERE id = ?1")?;
    for flow in p.list("flow")? {
        let owner: Option<UserId> = flow_owner.query_row([&flow], |r| r.get(0)).optional()?;
        match owner {
            None => return Err(ApiError::field(ErrorCode::BadFlow, "flow")),
            Some(o) if o != user => return Err(ApiError::access()),
            Some(_) => {}
        }
    }
    let mut way_owner = conn.prepare_cached("SELECT user_id FROM ways WHERE id = ?1")?;
    for way in p.list("way")? {
        let owner: Option<UserId> = match way.parse::<i64>() {
            Ok(id) => way_owner.query_row([id], |r| r.get(0)).optional()?,
            Err(_) => None,
        };
        if owner != Some(user) {
            return Err(ApiError::field(ErrorCode::BadWay, "way"));
        }
    }
    Ok(())
}

impl SpendRequest {
    pub fn parse(conn: &Connection, user: &User, p: &Params) -> ApiResult<SpendRequest> {
        let cost = p.money("cost", MAX_PRICE, ErrorCode::BadPrice)?;
        let cpc = p.money("cpc", MAX_PRICE, ErrorCode::BadPrice)?;
        let price = match (cost, cpc) {
            (Some(c), None) => Price::Cost(c),
            (None, Some(c)) => Price::Cpc(c),
            // Which one was meant is a guess; refuse rather than guess.
            (Some(_), Some(_)) => return Err(ApiError::field(ErrorCode::BadParam, "cpc")),
            (None, None) => return Err(ApiError::new(ErrorCode::Empty)),
        };
        let mut conditions = 0;
        // `to` is inclusive: a date means its whole day, a time its second
        // (parse_moment gives the first second after it).
        let mut moment = |name: &'static str, end: bool| -> ApiResult<Option<i64>> {
            let Some(s) = p.text(name)? else {
                return Ok(None);
            };
            conditions += 1;
            parse_moment(&s, &user.tz, end)
                .map(Some)
                .ok_or_else(|| ApiError::field(ErrorCode::BadDate, name))
        };
        let from = moment("from", false)?;
        let to = moment("to", true)?;
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err(ApiError::field(ErrorCode::BadDate, "to"));
            }
        }
        let mut dims = Where::owner(user.id);
        // The conditions of the reference besides from/to (the registry's
        // `spend`); each one given counts as a condition.
        for d in DIMENSIONS.iter().filter(|d| d.spend) {
            let before = dims.args.len();
            dims.list(p, d.api.unwrap_or(d.column), d.column, range(d))?;
            conditions += (dims.args.len() > before) as usize;
        }
        owned_flows_and_ways(conn, user.id, p)?;
        // valid/unique narrow a condition but are not one: `valid=1` alone
        // would price every click of all time.
        if conditions == 0 {
            return Err(ApiError::new(ErrorCode::Empty));
        }
        let valid = p.flag("valid")? == Some(true);
        let unique = p.flag("unique")? == Some(true);
        let currency = p
            .text("currency")?
            .map_or_else(|| "usd".to_string(), |c| c.to_ascii_lowercase());
        if !money::valid_code(&currency) {
            return Err(ApiError::field(ErrorCode::BadCurrency, "currency"));
        }
        let convert = |a: f64| rates::convert(conn, a, &currency, &user.currency, "currency");
        let price = match price {
            Price::Cost(a) => Price::Cost(convert(a)?),
            Price::Cpc(a) => Price::Cpc(convert(a)?),
        };
        Ok(SpendRequest {
            price,
            dims,
            from,
            to,
            valid,
            unique,
        })
    }

    /// The conditions as lists of column values, as the click columns
    /// test them (src/store/cols): valid and unique are lists too.
    pub fn columns_where(&self) -> Where {
        let mut w = self.dims.clone();
        if self.valid {
            w.list_of("filter", vec![Sql::Integer(0)]);
        }
        if self.unique {
            w.list_of("uniq", vec![Sql::Integer(1)]);
        }
        w
    }
}
