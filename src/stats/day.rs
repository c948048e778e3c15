//! The daily rollup of the high-cardinality text dimensions (issue 6,
//! migration steps 4 and 5): clicks, unique clicks and spend per user, UTC
//! day, flow, country and one of subid, utm_campaign, utm_content,
//! utm_term. Too many values for 15-minute buckets (that would be as big
//! as the clicks), few enough per day: a month of subid reports reads a
//! few thousand rows per flow, country and day instead of every click.
//!
//! Days are UTC, so a period in the user's timezone (SPEC 4) is answered
//! as its whole UTC days from here plus the hours before the first and
//! after the last of them from the click table, summed per value in one
//! query. Kept by the writer with the other rollups ([`DayAcc`] inside
//! rollup::Acc) and by spend.json (src/spend/apply.rs).
use super::scan::side_by_side;
use super::sums::{each_click, Groups, Reading};
use super::texts::{IdMap, Texts};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::clicks::record::ClickRecord;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// (kind, click column) of every daily-rolled dimension.
pub const KINDS: [(i64, &str); 4] = [(11, "subid"), (12, "utmc"), (13, "utmn"), (14, "utmt")];

/// The click columns of [`KINDS`], in order, as a query lists them.
pub const COLUMNS: &str = "clicks.subid, clicks.utmc, clicks.utmn, clicks.utmt";

/// Where a query row holds a click's user, id, flow, country, first of
/// [`COLUMNS`] and (when counted) unique flag.
pub struct RowAt {
    pub user: usize,
    pub id: usize,
    pub flow: usize,
    pub geo: usize,
    pub values: usize,
    pub uniq: Option<usize>,
}

/// Seconds in a (UTC) day of the rollup.
const DAY: i64 = 86_400;

/// A period `[from, to)` of Unix seconds (None: unbounded) cut at UTC
/// midnights: the whole days inside it, and the parts before and after
/// them (empty parts left out).
pub struct DaySplit {
    /// Day numbers `[first, end)`, None where the period is unbounded;
    /// None altogether when no whole day fits.
    pub days: Option<(Option<i64>, Option<i64>)>,
    /// The rest, as `[from, to)` seconds.
    pub ends: Vec<(Option<i64>, Option<i64>)>,
}

/// Limits click_day rows to the whole days of a [`DaySplit`].
pub fn push_days(w: &mut Where, (first, end): (Option<i64>, Option<i64>)) {
    if let Some(f) = first {
        w.push("day >= ?", [Sql::Integer(f)]);
    }
    if let Some(e) = end {
        w.push("day < ?", [Sql::Integer(e)]);
    }
}

pub fn split(from: Option<i64>, to: Option<i64>) -> DaySplit {
    let first = from.map(|t| t.div_euclid(DAY) + (t.rem_euclid(DAY) != 0) as i64);
    let end = to.map(|t| t.div_euclid(DAY));
    // An unbounded side has no part beyond its whole days.
    let (days, ends) = match (first, end) {
        (Some(f), Some(e)) if f >= e => (None, vec![(from, to)]),
        _ => (
            Some((first, end)),
            [
                first.map(|f| (from, Some(f * DAY))),
                end.map(|e| (Some(e * DAY), to)),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ),
    };
    let ends = ends
        .into_iter()
        .filter(|(lo, hi)| lo.zip(*hi).is_none_or(|(l, h)| l < h))
        .collect();
    DaySplit { days, ends }
}

/// (user, kind, day, flow, geo, value), text as [`Texts`] ids: a click
/// adds to four keys that mostly exist already, without allocating.
type Key = (i64, i64, i64, i64, i64, i64);

/// Sums per [`Key`]: (clicks, unique clicks, spend), written with one
/// upsert per key that adds them to the row.
#[derive(Default)]
pub struct DayAcc {
    texts: Texts,
    sums: IdMap<Key, (i64, i64, f64)>,
}

impl DayAcc {
    /// Counts one click (`unique`, its `cost`) under each daily kind.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        user: i64,
        click_id: i64,
        flow: &str,
        geo: &str,
        values: [&str; 4],
        unique: bool,
        cost: f64,
    ) {
        // click_id >> 16 is the click's Unix millisecond (src/clicks/id.rs).
        let day = (click_id >> 16).div_euclid(DAY * 1000);
        let flow = self.texts.id(flow);
        let geo = self.texts.id(geo);
        for ((kind, _), value) in KINDS.iter().zip(values) {
            let value = self.texts.id(value);
            let e = self
                .sums
                .entry((user, *kind, day, flow, geo, value))
                .or_default();
            e.0 += 1;
            e.1 += unique as i64;
            e.2 += cost;
        }
    }

    /// Counts one click read from a query row (see [`RowAt`]) that costs
    /// `cost`.
    pub fn add_row(&mut self, r: &rusqlite::Row, at: &RowAt, cost: f64) -> rusqlite::Result<()> {
        let text = |i: usize| -> rusqlite::Result<&str> {
            r.get_ref(i)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            })
        };
        let v = at.values;
        let values = [text(v)?, text(v + 1)?, text(v + 2)?, text(v + 3)?];
        let unique = match at.uniq {
            Some(i) => r.get::<_, i64>(i)? != 0,
            None => false,
        };
        self.add(
            r.get(at.user)?,
            r.get(at.id)?,
            text(at.flow)?,
            text(at.geo)?,
            values,
            unique,
            cost,
        );
        Ok(())
    }

    pub fn add_click(&mut self, c: &ClickRecord) {
        let t = &c.tags;
        let values = [t.subid.as_str(), &t.utmc, &t.utmn, &t.utmt];
        self.add(c.user_id, c.key, &c.flow, &c.geo, values, c.unique, c.cost);
    }

    /// Adds the sums of another accumulator (its text ids are its own).
    pub fn merge(&mut self, o: DayAcc) {
        for ((user, kind, day, flow, geo, value), s) in o.sums {
            let flow = self.texts.id(o.texts.get(flow));
            let geo = self.texts.id(o.texts.get(geo));
            let value = self.texts.id(o.texts.get(value));
            let key = (user, kind, day, flow, geo, value);
            let e = self.sums.entry(key).or_default();
            e.0 += s.0;
            e.1 += s.1;
            e.2 += s.2;
        }
    }

    pub fn clear(&mut self) {
        self.sums.clear();
        self.texts.clear();
    }

    /// Turns sums of matching clicks (count, -, spend so far) into the
    /// change that gives each of them the spend `price` (spend.json).
    pub fn into_spend_change(mut self, price: f64) -> DayAcc {
        for v in self.sums.values_mut() {
            *v = (0, 0, v.0 as f64 * price - v.2);
        }
        self.sums.retain(|_, v| v.2 != 0.0);
        self
    }

    /// Adds the sums to click_day and empties the accumulator, in
    /// primary-key order (see rollup::Acc::flush).
    pub fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if self.sums.is_empty() {
            return Ok(());
        }
        let mut st = conn.prepare_cached(
            "INSERT INTO click_day (user_id, kind, day, flow, geo, value, clicks, uniq, cost)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT DO UPDATE SET clicks = clicks + excluded.clicks,
               uniq = uniq + excluded.uniq, cost = cost + excluded.cost",
        )?;
        let texts = &self.texts;
        let text = |id: i64| texts.get(id);
        // The texts resolved once per row, not twice per comparison.
        let mut rows: Vec<_> = self
            .sums
            .drain()
            .map(|(k, s)| ((k.0, k.1, k.2, text(k.3), text(k.4), text(k.5)), s))
            .collect();
        rows.sort_unstable_by_key(|(k, _)| *k);
        for ((user, kind, day, flow, geo, value), (clicks, uniq, cost)) in rows {
            st.execute(rusqlite::params![
                user, kind, day, flow, geo, value, clicks, uniq, cost
            ])?;
        }
        self.texts.clear();
        Ok(())
    }
}

/// Adds every click of `filters` in `period` (Unix seconds, None:
/// unbounded) to `acc` with its price, and its unique flag when `uniq`;
/// then hands `each` the accumulator and the click id, read as `how`
/// says.
pub fn add_clicks_of(
    conn: &Connection,
    filters: &Where,
    how: Reading,
    period: (Option<i64>, Option<i64>),
    uniq: bool,
    acc: &mut DayAcc,
    mut each: impl FnMut(&mut DayAcc, i64) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let columns = format!(
        "clicks.user_id, clicks.flow, clicks.geo, {COLUMNS}, {}",
        if uniq { "clicks.uniq" } else { "0" }
    );
    let at = RowAt {
        user: 1,
        id: 0,
        flow: 2,
        geo: 3,
        values: 4,
        uniq: uniq.then_some(8),
    };
    each_click(conn, &columns, filters, how, period, |r, cost| {
        acc.add_row(r, &at, cost)?;
        each(acc, r.get(0)?)?;
        Ok(true)
    })
    .map(drop)
}

/// Fills click_day from every click and its price (migration step 5), in
/// click order, writing the sums every `FILL_KEYS` keys: upserts add, so
/// partial sums add up to the whole, and memory stays bounded.
pub fn fill_from_clicks(conn: &Connection) -> rusqlite::Result<()> {
    const FILL_KEYS: usize = 200_000;
    let mut acc = DayAcc::default();
    let all = Where::default();
    add_clicks_of(
        conn,
        &all,
        Reading::ScanWalk,
        (None, None),
        true,
        &mut acc,
        |acc, _| match acc.sums.len() >= FILL_KEYS {
            true => acc.flush(conn),
            false => Ok(()),
        },
    )?;
    acc.flush(conn)
}

/// The query for a stats request the daily rollup can answer: the item is
/// one of its columns, not grouped by time, every filter is on the flow,
/// the country or the item's own column, and the period holds at least
/// one whole UTC day. Rows of value, count, unique, spend, a value on
/// several of them (summed by [`super::sums::Groups::read`]).
pub fn query(
    buckets: bool,
    column: Option<&str>,
    filters: &Where,
    period: Period,
) -> Option<Query> {
    let column = column?;
    let kind = KINDS.iter().find(|(_, c)| *c == column)?.0;
    if buckets
        || !filters.only_lists()
        || !filters
            .lists
            .iter()
            .all(|(c, _)| c == "flow" || c == "geo" || c == column)
    {
        return None;
    }
    let cut = split(Some(period.start), Some(period.end));
    let whole = cut.days?;
    let mut w = Where::default();
    w.push("user_id = ?", [filters.args[0].clone()]);
    w.push("kind = ?", [Sql::Integer(kind)]);
    push_days(&mut w, whole);
    for (col, values) in &filters.lists {
        w.push_in(if col == column { "value" } else { col.as_str() }, values);
    }
    let days = format!(
        "SELECT value, clicks, uniq, cost FROM click_day WHERE {}",
        w.sql()
    );
    let mut parts = vec![days];
    let mut args = w.args;
    // The hours before the first whole day and after the last, from the
    // clicks: a rowid range each (clicks are clustered by time).
    for (from, to) in cut.ends {
        let mut e = filters.clone();
        e.clicks_between("clicks.id", from, to);
        parts.push(super::source::select(
            &[column.to_string()],
            super::source::CLICK_AGGREGATES,
            &super::source::clicks_with_cost(true),
            &e,
            "",
        ));
        args.extend(e.args);
    }
    Some((parts.join(" UNION ALL "), args))
}

/// A query and its parameters.
type Query = (String, Vec<Sql>);

/// How [`sums`] answers.
pub enum DayAnswer {
    /// The sums per value, added up in memory.
    Summed(Groups),
    /// Too many values to hold (a subid per click, say): this query sums
    /// them in SQLite, whose sorter keeps memory bounded; the busiest
    /// `top` values when given. Columns as the click-table query's.
    Grouped(String, Vec<Sql>),
}

/// The sums per value of a request the daily rollup answers ([`query`]),
/// None when it cannot. A period of two whole UTC days or more is read as
/// two halves at once, split at a midnight, the later one on a second
/// pooled reader when one is free: a month of 2,000 subids in 19 flows
/// and countries is a million daily rows.
pub fn sums(
    conn: &Connection,
    pool: Option<&crate::db::Pool>,
    (buckets, column): (bool, Option<&str>),
    filters: &Where,
    period: Period,
    top: Option<usize>,
) -> rusqlite::Result<Option<DayAnswer>> {
    let Some((sql, args)) = query(buckets, column, filters, period) else {
        return Ok(None);
    };
    let read = |c: &Connection, q: &Query| Groups::read(c, &q.0, &q.1);
    let halves = halves((buckets, column), filters, period);
    let mut spare = halves.as_ref().and(pool).and_then(|p| p.try_get());
    let summed = match (halves, spare.as_deref_mut()) {
        (Some((early, late)), Some(second)) => {
            let (a, b) = side_by_side(conn, second, |c| read(c, &early), |c| read(c, &late))?;
            Groups::both(a, b)
        }
        _ => Groups::read(conn, &sql, &args)?,
    };
    if let Some(groups) = summed {
        return Ok(Some(DayAnswer::Summed(groups)));
    }
    let limit = top.map_or(String::new(), |n| {
        format!(" ORDER BY SUM(c) DESC LIMIT {n}")
    });
    let sql = format!(
        "SELECT v, SUM(c), SUM(u), SUM(s) FROM (SELECT NULL AS v, 0 AS c, 0 AS u, 0.0 AS s WHERE 0 UNION ALL {sql}) GROUP BY v{limit}"
    );
    Ok(Some(DayAnswer::Grouped(sql, args)))
}

/// The [`query`] of each half of `period`, split at the midnight in the
/// middle of its whole UTC days, when it has two or more.
fn halves(
    (buckets, column): (bool, Option<&str>),
    filters: &Where,
    period: Period,
) -> Option<(Query, Query)> {
    let Some((Some(first), Some(end))) = split(Some(period.start), Some(period.end)).days else {
        return None;
    };
    if end - first < 2 {
        return None;
    }
    let mid = (first + end) / 2 * DAY;
    let early = query(buckets, column, filters, Period { end: mid, ..period })?;
    let late = query(
        buckets,
        column,
        filters,
        Period {
            start: mid,
            ..period
        },
    )?;
    Some((early, late))
}

#[cfg(test)]
#[path = "day_tests.rs"]
mod tests;
