//! The rates table (docs/API.md rates.json, `flowtrack rates FILE`): the
//! shipped rates installed into a new database, the operator's
//! replacement, and conversions at the stored rates (what a currency and
//! a rate are: src/money).
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::Call;
use crate::money;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

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
    let rates = money::parse_rates(doc).ok_or(RatesError::Invalid)?;
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
        let doc: Value =
            serde_json::from_str(money::DEFAULT_RATES).expect("shipped rates are valid JSON");
        replace_rates(
            conn,
            &money::parse_rates(&doc).expect("shipped rates are valid"),
        )?;
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
    Ok(money::convert(amount, f, t))
}

/// rates.json: shows the table; the operator (the first user, `admin`)
/// may replace it with `rates` (an object of code → units per USD).
pub fn run(call: &mut Call) -> ApiResult {
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
        // Sources' click-time prices are converted at the snapshot's rates.
        call.reload()?;
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
