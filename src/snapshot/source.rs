//! A flow's traffic source as the click path needs it (docs/API.md
//! sources.json, "The click path" step 2): its click-id parameter, the
//! parameters it maps to tags, and its cost already in the owner's base
//! currency, so a click does no lookup and no conversion of its own.
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::Arc;

/// One query parameter of the source and the tag it fills.
#[derive(Debug)]
pub struct Mapping {
    pub param: Box<str>,
    /// The tag's API name (utm_source, subid, data1, ...).
    pub tag: Box<str>,
}

/// What a click costs (sources.json `cost_model`), in the base currency.
#[derive(Debug, Clone, PartialEq)]
pub enum Cost {
    None,
    /// A fixed price per click.
    Cpc(f64),
    /// The value of this query parameter times the rate of the source's
    /// currency into the base currency.
    Param(Box<str>, f64),
}

#[derive(Debug)]
pub struct Source {
    pub id: i64,
    /// Empty: none (the built-in ad click ids still apply).
    pub click_param: Box<str>,
    pub params: Vec<Mapping>,
    pub cost: Cost,
}

/// The rates table: units per 1 USD by currency (docs/API.md rates.json).
fn rates(conn: &Connection) -> rusqlite::Result<HashMap<String, f64>> {
    let mut st = conn.prepare("SELECT currency, rate FROM rates")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Every source by id (archived ones too: a flow still naming one keeps
/// its source, as a way keeps an archived site), its cost converted into its owner's base
/// currency (`bases`) at the rates of now. A currency the rates table no
/// longer knows prices its clicks at 0 (spend.json can still price them).
pub fn load(
    conn: &Connection,
    bases: &HashMap<i64, String>,
) -> rusqlite::Result<HashMap<i64, Arc<Source>>> {
    let rates = rates(conn)?;
    let mut st = conn.prepare(
        "SELECT id, user_id, click_param, params, cost_model, cpc, cost_param, currency
         FROM sources",
    )?;
    let rows = st.query_map([], |r| {
        let user: i64 = r.get(1)?;
        let currency: String = r.get(7)?;
        let base = bases.get(&user);
        let factor = if base == Some(&currency) {
            1.0
        } else {
            match (rates.get(&currency), base.and_then(|b| rates.get(b))) {
                (Some(from), Some(to)) => to / from,
                _ => 0.0,
            }
        };
        let model: String = r.get(4)?;
        let cost = match model.as_str() {
            "cpc" => Cost::Cpc(r.get::<_, f64>(5)? * factor),
            "param" => Cost::Param(r.get::<_, String>(6)?.into(), factor),
            _ => Cost::None,
        };
        Ok(Source {
            id: r.get(0)?,
            click_param: r.get::<_, String>(2)?.into(),
            params: mappings(&r.get::<_, String>(3)?),
            cost,
        })
    })?;
    let mut out = HashMap::new();
    for s in rows {
        let s = s?;
        out.insert(s.id, Arc::new(s));
    }
    Ok(out)
}

/// The stored `params` (`[{"param","tag","macro"}]`, checked when saved).
pub fn mappings(json: &str) -> Vec<Mapping> {
    let Ok(serde_json::Value::Array(list)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|m| {
            Some(Mapping {
                param: m.get("param")?.as_str()?.into(),
                tag: m.get("tag")?.as_str()?.into(),
            })
        })
        .collect()
}
