//! One spend.json request (reference "Spend import", SPEC 4): a price
//! (`cost` spread over the matching clicks or `cpc` per click) in a
//! currency, and the conditions that pick the clicks. Parsed and checked
//! completely before anything is written.
use crate::api::dates::parse_moment;
use crate::api::error::{ApiError, ApiResult};
use crate::api::filters::{Where, DIMENSIONS};
use crate::api::params::Params;
use crate::clicks::id;
use crate::money;
use crate::snapshot::User;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// Largest price accepted, in any currency.
const MAX_PRICE: f64 = 1e12;

/// The conditions of the reference besides from/to; each one given
/// counts as a condition. Columns and ranges come from the shared filter
/// table (src/api/filters.rs).
const CONDITIONS: [&str; 10] = [
    "flow",
    "way",
    "geo",
    "domain",
    "utm_source",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_medium",
    "subid",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Price {
    /// Total for all matching clicks, spread evenly.
    Cost(f64),
    /// Price of each matching click.
    Cpc(f64),
}

#[derive(Debug)]
pub struct SpendRequest {
    /// Already in the user's base currency (clicks.cost is, schema.sql).
    pub price: Price,
    /// Owner, conditions, and the valid/unique limits.
    pub clicks: Where,
}

impl SpendRequest {
    pub fn parse(conn: &Connection, user: &User, p: &Params) -> ApiResult<SpendRequest> {
        let cost = p.money("cost", MAX_PRICE, "bad-price")?;
        let cpc = p.money("cpc", MAX_PRICE, "bad-price")?;
        let price = match (cost, cpc) {
            (Some(c), None) => Price::Cost(c),
            (None, Some(c)) => Price::Cpc(c),
            // Which one was meant is a guess; refuse rather than guess.
            (Some(_), Some(_)) => return Err(ApiError::field("bad-param", "cpc")),
            (None, None) => return Err(ApiError::new("empty")),
        };
        let mut w = Where::owner(user.id);
        let mut conditions = 0;
        // `to` is inclusive: a date means its whole day, a time its second.
        for (name, end, op) in [("from", false, ">="), ("to", true, "<")] {
            if let Some(s) = p.text(name)? {
                let t = parse_moment(&s, &user.tz, end)
                    .ok_or_else(|| ApiError::field("bad-date", name))?;
                w.push(format!("id {op} ?"), [Sql::Integer(id::key_at(t))]);
                conditions += 1;
            }
        }
        let dimensions = DIMENSIONS
            .iter()
            .filter(|(param, _, _)| CONDITIONS.contains(param));
        for (param, column, range) in dimensions {
            let before = w.args.len();
            w.list(p, param, column, *range)?;
            conditions += (w.args.len() > before) as usize;
        }
        // valid/unique narrow a condition but are not one: `valid=1` alone
        // would price every click of all time.
        if conditions == 0 {
            return Err(ApiError::new("empty"));
        }
        if p.flag("valid")? == Some(true) {
            w.push("filter = 0", []);
        }
        if p.flag("unique")? == Some(true) {
            w.push("uniq = 1", []);
        }
        let currency = p
            .text("currency")?
            .map_or_else(|| "usd".to_string(), |c| c.to_ascii_lowercase());
        if !money::valid_code(&currency) {
            return Err(ApiError::field("bad-currency", "currency"));
        }
        let convert = |a: f64| money::convert(conn, a, &currency, &user.currency, "currency");
        let price = match price {
            Price::Cost(a) => Price::Cost(convert(a)?),
            Price::Cpc(a) => Price::Cpc(convert(a)?),
        };
        Ok(SpendRequest { price, clicks: w })
    }

    /// Prices the matching clicks with one UPDATE; answers how many. The
    /// rollups' spend moves by the same amounts first (src/stats/rollup.rs).
    pub fn apply(&self, conn: &Connection) -> rusqlite::Result<usize> {
        let w = &self.clicks;
        let (new_cost, mut args) = match self.price {
            // The count runs once (it does not depend on the outer row), so
            // every matching click gets total / count.
            Price::Cost(total) => (
                format!("? / (SELECT count(*) FROM clicks WHERE {})", w.sql()),
                [vec![Sql::Real(total)], w.args.clone()].concat(),
            ),
            Price::Cpc(cpc) => ("?".to_string(), vec![Sql::Real(cpc)]),
        };
        args.extend(w.args.iter().cloned());
        crate::stats::rollup::add_cost_delta(conn, &new_cost, &w.sql(), &args)?;
        let sql = format!("UPDATE clicks SET cost = {new_cost} WHERE {}", w.sql());
        conn.execute(&sql, rusqlite::params_from_iter(args))
    }
}
