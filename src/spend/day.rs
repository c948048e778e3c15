//! spend.json's side of the daily rollup (click_day, src/stats/day.rs):
//! each (day, flow, value) row moves by what its matching clicks cost
//! before and after. When only flows and the period select the clicks,
//! a row of a UTC day inside the period matches whole, so its spend is
//! simply clicks × price; only the hours before the first whole day and
//! after the last are read from the clicks (for a UTC user asking for
//! whole days, none). Other requests sum their matching clicks as they
//! collect them (src/spend/apply.rs).
use super::request::SpendRequest;
use crate::api::filters::Where;
use crate::clicks::id;
use crate::stats::day::{add_clicks_of, first_whole_day, DayAcc, DAY};
use crate::stats::source::clicks_with_cost;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// For a request on flows and the period only ([`SpendRequest::flows_only`]):
/// sets the whole-day rows to clicks × `price` and answers the sums of the
/// clicks in the partial days at the ends.
pub fn flows_only(conn: &Connection, req: &SpendRequest, price: f64) -> rusqlite::Result<DayAcc> {
    // Whole UTC days [first, end) inside the period; None is unbounded.
    let first = req.from.map(first_whole_day);
    let end = req.to.map(|t| t.div_euclid(DAY));
    let mut edges: Vec<(Option<i64>, Option<i64>)> = Vec::new();
    match (first, end) {
        (Some(f), Some(e)) if f >= e => edges.push((req.from, req.to)),
        _ => {
            let mut days = req.dims.clone();
            if let Some(f) = first {
                days.push("day >= ?", [Sql::Integer(f)]);
                edges.push((req.from, Some(f * DAY)));
            }
            if let Some(e) = end {
                days.push("day < ?", [Sql::Integer(e)]);
                edges.push((Some(e * DAY), req.to));
            }
            let sql = format!(
                "UPDATE click_day SET cost = clicks * ? WHERE {}",
                days.sql()
            );
            let args = std::iter::once(Sql::Real(price)).chain(days.args.iter().cloned());
            conn.execute(&sql, rusqlite::params_from_iter(args))?;
        }
    }
    let mut acc = DayAcc::default();
    for (lo, hi) in edges {
        if lo.zip(hi).is_some_and(|(l, h)| l >= h) {
            continue;
        }
        let mut w: Where = req.dims.clone();
        if let Some(t) = lo {
            w.push("clicks.id >= ?", [Sql::Integer(id::key_at(t))]);
        }
        if let Some(t) = hi {
            w.push("clicks.id < ?", [Sql::Integer(id::key_at(t))]);
        }
        // A rowid range of at most a day: read in id order.
        let from = format!("{} WHERE {}", clicks_with_cost(true), w.sql());
        add_clicks_of(conn, &from, &w.args, false, &mut acc, |_, _| Ok(()))?;
    }
    Ok(acc)
}
