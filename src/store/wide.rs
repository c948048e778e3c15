//! The wide click rollup (docs/BENCHMARKS.md): sums per user, 15-minute bucket and
//! every low-cardinality dimension together. The narrow rollups answer one
//! dimension (plus flow) from a few thousand rows; this one answers any
//! mix of these dimensions — an item with a filter on another — from tens
//! of thousands of rows per day instead of every click. Its columns carry
//! the click table's names, so the request's filters apply unchanged.
//! Kept with the narrow rollups (src/stats/rollup.rs).
use super::rollup::{Query, Source, CLICKS};
use super::texts::{IdMap, Texts};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::store::record::ClickRecord;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// The dimensions after user and bucket, in key order.
pub const COLUMNS: [&str; 11] = [
    "flow", "way", "site", "filter", "geo", "mobile", "os", "browser", "utms", "domain", "utmm",
];

/// (user, bucket, flow, (way, site, filter, geo, mobile, os, browser, utms,
/// domain, utmm)), text as [`Texts`] ids: a click adds to a key that mostly
/// exists already, without copying five strings and hashing them (the
/// writer's per-click cost, docs/BENCHMARKS.md).
///
/// A tuple, not an array: an array of integers hashes as one byte slice,
/// which [`IdHasher`](super::texts::IdHasher) takes a byte at a time.
type Key = (
    i64,
    i64,
    i64,
    (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64),
);

/// A key with its texts resolved, in the table's column order.
pub type Row<'a> = (
    i64,
    i64,
    &'a str,
    (
        i64,
        i64,
        i64,
        &'a str,
        i64,
        i64,
        i64,
        &'a str,
        &'a str,
        &'a str,
    ),
);

#[derive(Default)]
pub struct WideAcc {
    texts: Texts,
    sums: IdMap<Key, (i64, i64, f64)>,
}

impl WideAcc {
    pub fn add(&mut self, c: &ClickRecord) {
        let mut text = |s: &str| self.texts.id(s);
        let key = (
            c.user_id.0,
            crate::click_id::key_bucket(c.key),
            text(&c.flow),
            (
                c.way,
                c.site,
                c.filter as i64,
                text(&c.geo),
                c.mobile as i64,
                c.os as i64,
                c.browser as i64,
                text(&c.tags.utms),
                text(&c.domain),
                text(&c.tags.utmm),
            ),
        );
        let e = self.sums.entry(key).or_default();
        e.0 += 1;
        e.1 += c.unique as i64;
        e.2 += c.cost;
    }

    pub fn clear(&mut self) {
        self.sums.clear();
        self.texts.clear();
    }

    fn row<'a>(&'a self, (user, bucket, flow, d): &Key) -> Row<'a> {
        let t = |id: i64| self.texts.get(id);
        (
            *user,
            *bucket,
            t(*flow),
            (d.0, d.1, d.2, t(d.3), d.4, d.5, d.6, t(d.7), t(d.8), t(d.9)),
        )
    }

    /// The batch's sums so far: (user, bucket, flow, dimensions) → (clicks, unique, cost).
    pub fn entries(&self) -> impl Iterator<Item = (Row<'_>, &(i64, i64, f64))> {
        self.sums.iter().map(|(k, v)| (self.row(k), v))
    }

    pub fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let mut st = conn.prepare_cached(
            "INSERT INTO click_wide (user_id, bucket, flow, way, site, filter, geo, mobile, os, browser, utms, domain,
               utmm, clicks, uniq, cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT DO UPDATE SET clicks = clicks + excluded.clicks, uniq = uniq + excluded.uniq,
               cost = cost + excluded.cost",
        )?;
        // In primary-key order (see rollup::Acc::flush): Row's tuple order
        // is the key's column order, and text compares by bytes in both.
        let mut rows: Vec<_> = self.entries().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((user, bucket, flow, d), (clicks, uniq, cost)) in rows {
            st.execute(rusqlite::params![
                user, bucket, flow, d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7, d.8, d.9, clicks, uniq,
                cost
            ])?;
        }
        self.clear();
        Ok(())
    }
}

/// At most how many clicks `filters` (owner first) match from Unix second
/// `from` up to `to`, from the rollup: its filters on wide columns count,
/// others are left out (so it may say more) and the period is widened to
/// whole buckets. None when no filter is on a wide column.
pub fn at_most(
    conn: &Connection,
    filters: &Where,
    from: i64,
    to: i64,
) -> rusqlite::Result<Option<i64>> {
    let mut w = Where::default();
    w.push("user_id = ?", [filters.args[0].clone()]);
    for (column, values) in &filters.lists {
        if COLUMNS.contains(&column.as_str()) {
            w.push_in(column, values);
        }
    }
    if w.args.len() == 1 {
        return Ok(None);
    }
    w.push("bucket >= ?", [Sql::Integer(from.div_euclid(900))]);
    w.push("bucket <= ?", [Sql::Integer(to.div_euclid(900))]);
    let sql = format!(
        "SELECT COALESCE(SUM(clicks), 0) FROM click_wide WHERE {}",
        w.sql()
    );
    conn.query_row(&sql, rusqlite::params_from_iter(&w.args), |r| r.get(0))
        .map(Some)
}

/// The wide-rollup query for a stats request: the item (if any) and every
/// filter are wide columns, and the period falls on bucket edges. Columns
/// as the click-table query's: bucket, group value, count, unique, spend.
pub fn query(
    buckets: bool,
    column: Option<&str>,
    filters: &Where,
    period: Period,
) -> Option<Query> {
    let wide = |c: &str| COLUMNS.contains(&c);
    if !filters.only_lists()
        || !filters.lists.iter().all(|(c, _)| wide(c))
        || !column.is_none_or(wide)
        || !super::rollup::on_bucket_edges(period)
    {
        return None;
    }
    let mut group: Vec<String> = Vec::new();
    if buckets {
        group.push("bucket".into());
    }
    group.extend(column.map(String::from));
    let mut w = filters.clone();
    w.push(
        "bucket >= ? AND bucket < ?",
        [
            Sql::Integer(period.start / 900),
            Sql::Integer(period.end / 900),
        ],
    );
    Some(Query::new(&group, &WIDE, w, column.is_some()))
}

/// The wide rollup as a rollup source: the narrow one's columns.
const WIDE: Source = Source {
    table: "click_wide",
    ..CLICKS
};
