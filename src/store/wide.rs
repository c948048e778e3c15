//! The wide click rollup (docs/BENCHMARKS.md): sums per user, 15-minute bucket and
//! every low-cardinality dimension together. The narrow rollups answer one
//! dimension (plus flow) from a few thousand rows; this one answers any
//! mix of these dimensions — an item with a filter on another — from tens
//! of thousands of rows per day instead of every click. Its columns carry
//! the click table's names, so the request's filters apply unchanged.
//! Kept with the narrow rollups (src/store/rollup.rs).
use super::registry::{self, Dim, Place, Val};
use super::rollup::{Query, Source, CLICKS};
use super::texts::{IdMap, Texts};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::store::record::ClickRecord;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

/// The dimensions after user and bucket, in key order: the rolled-up ones
/// of the registry, by kind.
pub const ROLLED: [Dim; registry::count(Place::Roll)] = registry::ordered(Place::Roll);
/// Their columns.
pub const COLUMNS: [&str; ROLLED.len()] = registry::columns(ROLLED);

/// (user, bucket, [`COLUMNS`]), text as [`Texts`] ids: a click adds to a
/// key that mostly exists already, without copying its texts and hashing
/// them (the writer's per-click cost, docs/BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub user: i64,
    pub bucket: i64,
    pub cols: [i64; ROLLED.len()],
}

/// An integer at a time: derived, the array would hash as one byte slice,
/// which [`IdHasher`](super::texts::IdHasher) takes a byte at a time.
impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_i64(self.user);
        h.write_i64(self.bucket);
        for c in self.cols {
            h.write_i64(c);
        }
    }
}

/// A key with its texts resolved. The derived order is click_wide's
/// primary-key order: the columns in key order, text by bytes in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row<'a> {
    pub user: i64,
    pub bucket: i64,
    pub cols: [Val<'a>; ROLLED.len()],
}

#[derive(Default)]
pub struct WideAcc {
    texts: Texts,
    sums: IdMap<Key, (i64, i64, f64)>,
}

impl WideAcc {
    pub fn add(&mut self, c: &ClickRecord) {
        let mut cols = [0; ROLLED.len()];
        let texts = &mut self.texts;
        registry::unrolled(&ROLLED, |i, d| {
            cols[i] = match d.get(c) {
                Val::Int(v) => v,
                Val::Text(s) => texts.id(s),
            }
        });
        let key = Key {
            user: c.user_id.0,
            bucket: crate::click_id::key_bucket(c.key),
            cols,
        };
        let e = self.sums.entry(key).or_default();
        e.0 += 1;
        e.1 += c.unique as i64;
        e.2 += c.cost;
    }

    pub fn clear(&mut self) {
        self.sums.clear();
        self.texts.clear();
    }

    fn row<'a>(&'a self, k: &Key) -> Row<'a> {
        let mut cols = [Val::Int(0); ROLLED.len()];
        for (i, (v, d)) in cols.iter_mut().zip(&ROLLED).enumerate() {
            *v = match registry::is_text(d) {
                true => Val::Text(self.texts.get(k.cols[i])),
                false => Val::Int(k.cols[i]),
            };
        }
        Row {
            user: k.user,
            bucket: k.bucket,
            cols,
        }
    }

    /// The batch's sums so far: key → (clicks, unique, cost).
    pub fn entries(&self) -> impl Iterator<Item = (Row<'_>, &(i64, i64, f64))> {
        self.sums.iter().map(|(k, v)| (self.row(k), v))
    }

    pub fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let n = 2 + COLUMNS.len() + 3;
            let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
            format!(
                "INSERT INTO click_wide (user_id, bucket, {}, clicks, uniq, cost) VALUES ({})
                 ON CONFLICT DO UPDATE SET clicks = clicks + excluded.clicks,
                   uniq = uniq + excluded.uniq, cost = cost + excluded.cost",
                COLUMNS.join(", "),
                marks.join(", ")
            )
        });
        let mut st = conn.prepare_cached(&SQL)?;
        // In primary-key order (see rollup::Acc::flush).
        let mut rows: Vec<_> = self.entries().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (row, &(clicks, uniq, cost)) in rows {
            st.raw_bind_parameter(1, row.user)?;
            st.raw_bind_parameter(2, row.bucket)?;
            for (i, v) in row.cols.iter().enumerate() {
                st.raw_bind_parameter(3 + i, v)?;
            }
            let at = 3 + COLUMNS.len();
            st.raw_bind_parameter(at, clicks)?;
            st.raw_bind_parameter(at + 1, uniq)?;
            st.raw_bind_parameter(at + 2, cost)?;
            st.raw_execute()?;
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
    query_of(&WIDE, buckets, column, filters, period)
}

/// [`query`] of a table keyed as click_wide (`src`: lp_wide's landing
/// clicks too).
pub fn query_of(
    src: &Source,
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
    Some(Query::new(&group, src, w, column.is_some()))
}

/// The wide rollup as a rollup source: the narrow one's columns.
const WIDE: Source = Source {
    table: "click_wide",
    ..CLICKS
};
