//! Money (docs/API.md): prices are stored as given and also converted to the
//! user's base currency with a rates table that ships with the binary and
//! can be replaced by the operator (`flowtrack rates FILE`, rates.json).

use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

pub const DEFAULT_RATES: &str = include_str!("default_rates.json");

/// A three-letter lower-case currency code.
pub fn valid_code(c: &str) -> bool {
    c.len() == 3 && c.bytes().all(|b| b.is_ascii_lowercase())
}

/// Parses a rates document: `{"rates": {"eur": 0.92, ...}}` or a bare map.
/// Rates are units per 1 USD, so `usd` must be there and be 1; a code may
/// appear once (`EUR` and `eur` are the same code).
pub fn parse_rates(doc: &Value) -> Option<Vec<(String, f64)>> {
    let map = doc.get("rates").unwrap_or(doc).as_object()?;
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let code = k.to_ascii_lowercase();
        let rate = v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))?;
        if !valid_code(&code) || !rate.is_finite() || rate <= 0.0 {
            return None;
        }
        if out.iter().any(|(c, _)| *c == code) {
            return None;
        }
        out.push((code, rate));
    }
    out.iter()
        .any(|(c, r)| c == "usd" && *r == 1.0)
        .then_some(out)
}

/// Replaces the whole rates table in one transaction.
pub fn replace_rates(conn: &mut Connection, rates: &[(String, f64)]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    write_rates(&tx, rates)?;
    tx.commit()
}

fn write_rates(tx: &Connection, rates: &[(String, f64)]) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM rates", [])?;
    for (c, r) in rates {
        tx.execute(
            "INSERT INTO rates (currency, rate) VALUES (?1, ?2)",
            params![c, r],
        )?;
    }
    Ok(())
}

#[derive(Debug)]
pub enum RatesError {
    /// Not a rates document (codes, positive rates, usd = 1).
    Invalid,
    /// It leaves out a currency that some user has as their base.
    DropsBase(String),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for RatesError {
    fn from(e: rusqlite::Error) -> Self {
        RatesError::Db(e)
    }
}

/// The operator's replacement of the rates table (rates.json, `flowtrack
/// rates FILE`): checked and written in one transaction, so a user's base
/// currency always stays convertible — otherwise every postback and spend
/// with a price would fail for that user.
pub fn install(conn: &mut Connection, doc: &Value) -> Result<usize, RatesError> {
    let rates = parse_rates(doc).ok_or(RatesError::Invalid)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let bases = tx
        .prepare("SELECT DISTINCT currency FROM users")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(b) = bases
        .into_iter()
        .find(|b| !rates.iter().any(|(c, _)| c == b))
    {
        return Err(RatesError::DropsBase(b));
    }
    write_rates(&tx, &rates)?;
    tx.commit()?;
    Ok(rates.len())
}

/// Fills the table from the shipped rates when it is empty.
pub fn seed(conn: &mut Connection) -> rusqlite::Result<()> {
    let n: i64 = conn.query_row("SELECT count(*) FROM rates", [], |r| r.get(0))?;
    if n == 0 {
        let doc: Value = serde_json::from_str(DEFAULT_RATES).expect("shipped rates are valid JSON");
        replace_rates(conn, &parse_rates(&doc).expect("shipped rates are valid"))?;
    }
    Ok(())
}

/// Units of `currency` per 1 USD.
pub fn rate(conn: &Connection, currency: &str) -> rusqlite::Result<Option<f64>> {
    conn.prepare_cached("SELECT rate FROM rates WHERE currency = ?1")?
        .query_row([currency], |r| r.get(0))
        .optional()
}

/// Converts an amount between currencies; `bad-currency` naming `field`
/// when either is unknown.
pub fn convert(
    conn: &Connection,
    amount: f64,
    from: &str,
    to: &str,
    field: &str,
) -> ApiResult<f64> {
    if from == to {
        return Ok(amount);
    }
    let f = rate(conn, from)?.ok_or_else(|| ApiError::field(ErrorCode::BadCurrency, field))?;
    let t = rate(conn, to)?.ok_or_else(|| ApiError::field(ErrorCode::BadCurrency, field))?;
    Ok(amount / f * t)
}

/// rates.json: shows the table; the operator (the first user, `admin`)
/// may replace it with `rates` (an object of code → units per USD).
pub fn rates_endpoint(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    if let Some(v) = call.params.raw("rates").cloned() {
        let operator: crate::ids::UserId =
            call.conn
                .query_row("SELECT min(id) FROM users", [], |r| r.get(0))?;
        if user.id != operator {
            return Err(ApiError::access());
        }
        let doc = match v {
            Value::String(s) => serde_json::from_str(&s)
                .map_err(|_| ApiError::field(ErrorCode::BadParam, "rates"))?,
            other => other,
        };
        match install(&mut call.conn, &doc) {
            Ok(_) => {}
            Err(RatesError::Db(e)) => return Err(e.into()),
            Err(_) => return Err(ApiError::field(ErrorCode::BadParam, "rates")),
        }
    }
    let mut st = call
        .conn
        .prepare("SELECT currency, rate FROM rates ORDER BY currency")?;
    let mut rates = Map::new();
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))? {
        let (c, r) = row?;
        rates.insert(c, Value::from(r));
    }
    Ok(json!({ "base": "usd", "rates": rates }))
}
