//! spend.json's side of the daily rollup (click_day, src/stats/day.rs):
//! each (day, flow, country, value) row moves by what its matching clicks
//! cost before and after. When only flows, countries and the period
//! select the clicks, a row of a UTC day inside the period matches whole,
//! so its spend is simply clicks × price; only the hours before the first
//! whole day and after the last are read from the clicks (for a UTC user
//! asking for whole days, none). Other requests sum their matching clicks
//! as they collect them (src/spend/apply.rs).
use super::request::SpendRequest;
use crate::stats::day::{add_clicks_of, push_days, split, DayAcc};
use crate::stats::sums::Reading;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// For a request on flows, countries and the period only
/// ([`SpendRequest::whole_days`]): sets the whole-day rows to clicks ×
/// `price` and answers the sums of the clicks in the partial days at the
/// ends.
pub fn whole_days(conn: &Connection, req: &SpendRequest, price: f64) -> rusqlite::Result<DayAcc> {
    let cut = split(req.from, req.to);
    if let Some(whole) = cut.days {
        let mut days = req.dims.clone();
        push_days(&mut days, whole);
        let sql = format!(
            "UPDATE click_day SET cost = clicks * ? WHERE {}",
            days.sql()
        );
        let args = std::iter::once(Sql::Real(price)).chain(days.args.iter().cloned());
        conn.execute(&sql, rusqlite::params_from_iter(args))?;
    }
    let mut acc = DayAcc::default();
    for end in cut.ends {
        // A rowid range of at most a day: read in id order.
        add_clicks_of(
            conn,
            &req.dims,
            Reading::Scan,
            end,
            false,
            &mut acc,
            |_, _| Ok(()),
        )?;
    }
    Ok(acc)
}
