//! Money (docs/API.md): prices are stored as given and also converted to the
//! user's base currency with a rates table that ships with the binary and
//! can be replaced by the operator (`flowtrack rates FILE`, rates.json).
//! Here what currencies and rates are, as pure functions; the table
//! itself is src/rates.rs.
use serde_json::Value;

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

/// `amount` in a currency of `from` units per 1 USD, in one of `to`.
pub fn convert(amount: f64, from: f64, to: f64) -> f64 {
    amount / from * to
}
