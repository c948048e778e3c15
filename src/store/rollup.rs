//! Narrow pre-aggregated rollups of clicks (docs/BENCHMARKS.md, docs/ARCHITECTURE.md): per user,
//! 15-minute bucket, flow and ONE dimension, the click, unique and spend
//! sums. A month of a busy flow is a few thousand rows per dimension
//! instead of millions of clicks, so the common reports (date, hour, flow,
//! geo, utm_source, ...) stay fast at any size. Mixed requests go to the
//! wide rollup (src/store/wide.rs); the rest (subid, utm_campaign/
//! content/term, ip, or any item filtered by a dimension the rollups
//! lack) read the click columns (src/store/cols).
//!
//! Kept in the same transaction as the clicks they count (the writer and
//! `flowtrack demo` through [`Acc`]) and as the click prices (spend.json,
//! src/store/reprice/deltas.rs), so they never disagree with the click table.
use super::registry::Val;
use super::wide::COLUMNS;
use crate::api::filters::Where;
use crate::store::record::ClickRecord;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

/// (kind, column) of every rolled-up dimension (the registry's `roll`);
/// kind 0 counts by time and flow alone (items date, hour, flow), its
/// value ''.
pub const KINDS: [(i64, &str); COLUMNS.len()] = {
    let mut out = [(0, "''"); COLUMNS.len()];
    let mut k = 1;
    while k < out.len() {
        out[k] = (k as i64, COLUMNS[k]);
        k += 1;
    }
    out
};

/// The kind that rolls up `column`; `None` for time-only (kind 0 serves it).
pub fn kind(column: Option<&str>) -> Option<i64> {
    match column {
        None | Some("flow") => Some(0),
        Some(c) => KINDS.iter().find(|(_, col)| *col == c).map(|(k, _)| *k),
    }
}

/// Narrow sums: (user, kind, bucket, flow, value) → (clicks, unique, cost),
/// text borrowed from the wide sums they are folded from.
type Narrow<'a> = foldhash::HashMap<(i64, i64, i64, &'a str, Val<'a>), (i64, i64, f64)>;

/// Sums of a batch of clicks, written with one upsert per distinct key.
/// Each click touches only the wide sums; the narrow ones are folded from
/// those at flush time, once per distinct combination instead of eleven
/// map updates per click.
#[derive(Default)]
pub struct Acc {
    wide: super::wide::WideAcc,
    cols: super::cols::store::ColsAcc,
    /// Clicks stored with their landing click already (not the click
    /// path's: `flowtrack demo`, fixtures), counted in lp_roll at flush.
    landed: Vec<i64>,
}

impl Acc {
    /// Counts a click in the rollups and its click columns.
    pub fn add(&mut self, c: &ClickRecord) {
        self.wide.add(c);
        self.cols.add(c);
        if c.lp > 0 {
            self.landed.push(c.key);
        }
    }

    /// Empties the sums, keeping the room the maps have.
    pub fn clear(&mut self) {
        self.wide.clear();
        self.cols.clear();
        self.landed.clear();
    }

    /// The batch that [`Acc::flush`] wrote is committed.
    pub fn committed(&mut self) {
        self.cols.committed();
    }

    /// The narrow sums of the batch, folded from the wide ones.
    fn narrow(&self) -> Narrow<'_> {
        let mut sums = Narrow::default();
        for (row, (clicks, uniq, cost)) in self.wide.entries() {
            // Kind k is column k of the wide key; kind 0's value is ''.
            let flow = row.cols[0].as_text();
            for (kind, value) in row.cols.into_iter().enumerate() {
                let value = if kind == 0 { Val::Text("") } else { value };
                let key = (row.user, kind as i64, row.bucket, flow, value);
                let e = sums.entry(key).or_default();
                e.0 += clicks;
                e.1 += uniq;
                e.2 += cost;
            }
        }
        sums
    }

    /// Adds the sums to the table and empties the accumulator, in
    /// primary-key order: in hash order each upsert of a large batch
    /// (`flowtrack demo` writes 100,000 clicks at a time) lands on another
    /// page of the rollup.
    pub fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let mut st = conn.prepare_cached(
            "INSERT INTO click_roll (user_id, kind, bucket, flow, value, clicks, uniq, cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT DO UPDATE SET clicks = clicks + excluded.clicks, uniq = uniq + excluded.uniq,
               cost = cost + excluded.cost",
        )?;
        let mut narrow: Vec<_> = self.narrow().into_iter().collect();
        narrow.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for ((user, kind, bucket, flow, value), (clicks, uniq, cost)) in narrow {
            st.execute(rusqlite::params![
                user, kind, bucket, flow, value, clicks, uniq, cost
            ])?;
        }
        self.wide.flush(conn)?;
        // Their rows are written before the flush, in its transaction.
        for id in self.landed.drain(..) {
            super::lp_roll::count(conn, id)?;
        }
        self.cols.flush(conn)
    }
}

/// What a rollup query reads: the table, the aggregate columns, the same
/// columns unsummed (one row at a time, see [`Query::summed`]), and an
/// extra grouping column (the goal of lead rollups, which the aggregates
/// then list first).
pub struct Source {
    pub table: &'static str,
    pub aggregates: &'static str,
    pub columns: &'static str,
    pub extra: Option<&'static str>,
}

pub const CLICKS: Source = Source {
    table: "click_roll",
    aggregates: "COALESCE(SUM(clicks), 0), COALESCE(SUM(uniq), 0), COALESCE(SUM(cost), 0.0)",
    columns: "clicks, uniq, cost",
    extra: None,
};

/// A rollup query: its SQL, its arguments, and whether SQLite sums each
/// group (`summed`) or hands out the rollup rows one by one for the
/// caller to sum. Grouped by a value (geo, os, flow...), SQLite's GROUP BY
/// sorts every row of the period, which the key order (bucket, flow,
/// value) does not serve: a month of countries is 60,000 click_roll rows
/// and as many lead_roll rows, and sorting them took 45-60 and 110-130 ms
/// where reading them took 12-18 and 29 ms (10M-click demo, docs/BENCHMARKS.md's
/// 100 ms for item geo). Grouped by time alone, the key order does serve
/// it and SQLite sums as it reads.
pub struct Query {
    pub sql: String,
    pub args: Vec<Sql>,
    pub summed: bool,
}

/// The rollup query for a stats request, when the rollups can answer it:
/// the item is rolled up (or is date, hour or flow), every filter is on
/// the flow or on the item's own column, and the period falls on bucket
/// edges (whole days always do). The columns come out as the table
/// query's: bucket number, group value, then the extra and aggregates.
/// Grouped by time alone (or not at all: a cut answer's total), one
/// rolled-up dimension may be filtered too: its own rows, summed over
/// the values kept, count each click once (a month of geo=de read the
/// wide rollup's 890k rows in 150 ms for item ip's total).
pub fn query(
    src: &Source,
    buckets: bool,
    column: Option<&str>,
    filters: &Where,
    period: crate::api::dates::Period,
) -> Option<Query> {
    if !filters.only_lists() || !on_bucket_edges(period) {
        return None;
    }
    let rolled = column.or_else(|| {
        let mut dims = filters
            .lists
            .iter()
            .map(|l| l.0.as_str())
            .filter(|c| *c != "flow");
        match (dims.next(), dims.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    });
    let kind = kind(rolled)?;
    // The value column of this kind: flow lives in its own column.
    let as_roll = |c: &str| {
        if c == "flow" {
            Some("flow")
        } else if Some(c) == rolled {
            Some("value")
        } else {
            None
        }
    };
    let mut w = Where::default();
    w.push("user_id = ?", [filters.args[0].clone()]);
    w.push("kind = ?", [Sql::Integer(kind)]);
    w.push(
        "bucket >= ? AND bucket < ?",
        [
            Sql::Integer(period.start / 900),
            Sql::Integer(period.end / 900),
        ],
    );
    for (col, values) in &filters.lists {
        w.push_in(as_roll(col)?, values);
    }
    let mut group = Vec::new();
    if buckets {
        group.push("bucket".to_string());
    }
    if let Some(c) = column {
        group.push(as_roll(c)?.to_string());
    }
    Some(Query::new(&group, src, w, column.is_some()))
}

impl Query {
    /// `group`, then `src`'s aggregates per group (its rows one by one
    /// when grouped `by_value`), from the rows of `w`.
    pub fn new(group: &[String], src: &Source, w: Where, by_value: bool) -> Query {
        let sql = match by_value {
            false => super::aggregate::select(
                group,
                src.aggregates,
                src.table,
                &w,
                src.extra.unwrap_or(""),
            ),
            true => format!(
                "SELECT {}, {} FROM {} WHERE {}",
                group.join(", "),
                src.columns,
                src.table,
                w.sql()
            ),
        };
        Query {
            sql,
            args: w.args,
            summed: !by_value,
        }
    }
}

/// Whether a period starts and ends on 15-minute bucket edges (whole days
/// always do; `ufrom`/`uto` may not, and then only the clicks can answer).
pub fn on_bucket_edges(period: crate::api::dates::Period) -> bool {
    period.start % 900 == 0 && period.end % 900 == 0
}
