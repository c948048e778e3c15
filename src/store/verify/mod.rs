//! `flowtrack store verify` and `flowtrack store rebuild` (README
//! "Checking the click store"): every derived copy of the clicks
//! recomputed from the click rows (with their prices) and the leads, by
//! the code that writes them, then compared or written.
//!
//! The click rows are read back in id order ([`super::page::record`])
//! and fed to the writer's own accumulator ([`Sums`]), flushed every
//! [`BATCH`] clicks, so memory holds one batch whatever the size of the
//! database; the lead rollups are recomputed by [`lead_roll::rebuild`].
//!
//! Verify writes those into TEMP tables of the same names, created from
//! the stored tables' own DDL: SQLite looks an unqualified name up in
//! `temp` first, so the store's statements write there unchanged, and
//! the temporary database lives in a file like SQLite's sorts. It then
//! compares them with the stored ones ([`compare`]) and checks the click
//! columns click by click ([`cols`]). All of it reads one snapshot (one
//! read transaction): every copy is written in the same transactions as
//! the rows, so a running server never shows a difference.
//!
//! On a node that keeps only recent click rows (`--keep-days`,
//! src/store/retention.rs) the copies of the deleted clicks stay: only
//! what no deleted click counted in is compared ([`Horizon`]), and a
//! rebuild, which would lose those copies, is refused.
mod cols;
mod compare;

use super::append::Sums;
use super::lead_roll;
use super::page::{record, RECORD, RECORD_FROM};
use super::registry::{Dim, DIMS};
use super::retention::{horizon, Horizon};
use rusqlite::{Connection, TransactionBehavior};
use std::collections::{BTreeMap, HashSet};

/// Clicks read back between two flushes of the sums: three chunks of
/// click columns, as `flowtrack demo` writes them (src/cli/demo.rs: no
/// remainder of a batch waits to be merged into an overlapping chunk).
const BATCH: u64 = 3 * super::cols::CHUNK as u64;

/// Differences a copy shows; the rest are counted.
const SHOWN: usize = 20;

/// The rollups recomputed from the click rows.
const ROLLUPS: [&str; 4] = ["click_roll", "click_wide", "lp_roll", "lp_wide"];
/// Everything [`Sums`] writes: the rollups and the click columns.
const CLICK_COPIES: [&str; 6] = [
    "click_roll",
    "click_wide",
    "lp_roll",
    "lp_wide",
    "click_cols",
    "click_cols_cost",
];

/// What the check of one copy found.
#[derive(Debug, Default)]
pub struct Copy {
    pub table: &'static str,
    /// What it checks one of: rows, chunks, clicks.
    pub unit: &'static str,
    pub checked: u64,
    pub differences: u64,
    /// The first [`SHOWN`] differences: key, stored and recomputed.
    pub shown: Vec<String>,
}

impl Copy {
    fn new(table: &'static str, unit: &'static str) -> Copy {
        Copy {
            table,
            unit,
            ..Copy::default()
        }
    }

    fn differ(&mut self, line: impl FnOnce() -> String) {
        self.differences += 1;
        if self.shown.len() < SHOWN {
            self.shown.push(line());
        }
    }
}

/// What `flowtrack store verify` found.
#[derive(Debug, Default)]
pub struct Report {
    pub clicks: u64,
    pub leads: u64,
    pub copies: Vec<Copy>,
    /// Users whose rollups' spend was not compared: a change of their
    /// base currency is under way (src/store/rescale.rs converts the
    /// prices first, then the rollups, a slice at a time).
    pub rescaling: Vec<i64>,
    /// How far the click rows were trimmed (`--keep-days`).
    pub trimmed: Option<Horizon>,
}

impl Report {
    pub fn agrees(&self) -> bool {
        self.copies.iter().all(|c| c.differences == 0)
    }
}

impl std::fmt::Display for Report {
    /// One line when every copy agrees; else each copy's differences.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.rescaling.is_empty() {
            writeln!(
                f,
                "note: users {:?} are changing base currency; their rollups' spend is not compared",
                self.rescaling
            )?;
        }
        if let Some(h) = self.trimmed {
            let older = "the rollups and click columns of older clicks are not compared";
            writeln!(f, "note: {h}; {older}")?;
        }
        if self.agrees() {
            let checked: Vec<String> = self
                .copies
                .iter()
                .map(|c| format!("{} {} {}", c.table, c.checked, c.unit))
                .collect();
            return writeln!(
                f,
                "store verify: {} clicks, {} leads; every copy agrees ({})",
                self.clicks,
                self.leads,
                checked.join(", ")
            );
        }
        for c in self.copies.iter().filter(|c| c.differences > 0) {
            let s = if c.differences == 1 { "" } else { "s" };
            writeln!(f, "{}: {} difference{s}", c.table, c.differences)?;
            for line in &c.shown {
                writeln!(f, "  {}: {line}", c.table)?;
            }
            if c.differences > c.shown.len() as u64 {
                writeln!(
                    f,
                    "  {}: ... {} more",
                    c.table,
                    c.differences - c.shown.len() as u64
                )?;
            }
        }
        let bad: Vec<&str> = self
            .copies
            .iter()
            .filter(|c| c.differences > 0)
            .map(|c| c.table)
            .collect();
        writeln!(
            f,
            "store verify: {} clicks, {} leads; {} differ from the click rows and leads",
            self.clicks,
            self.leads,
            bad.join(", ")
        )
    }
}

/// Reads every click row back in id order into `sums`, flushed on `conn`
/// every [`BATCH`] clicks (`after` runs after each flush); notes in `dict`
/// a user agent or referer id the dictionary lacks. Answers each user's
/// click rows from `kept_from` on, and all of them.
fn replay(
    conn: &Connection,
    mut dict: Option<&mut Copy>,
    kept_from: i64,
    mut after: impl FnMut(&mut Sums) -> rusqlite::Result<()>,
) -> rusqlite::Result<(BTreeMap<i64, u64>, u64)> {
    // Each `dict` dimension's id, then whether the dictionary lacks it.
    let dicts: Vec<(usize, &Dim)> = DIMS.iter().enumerate().filter(|(_, d)| d.dict).collect();
    let checks: String = dicts
        .iter()
        .map(|(k, d)| format!(", c.{0}, c.{0} <> 0 AND d{k}.id IS NULL", d.column))
        .collect();
    let sql = format!("{}{checks} {} ORDER BY c.id", *RECORD, *RECORD_FROM);
    let mut st = conn.prepare(&sql)?;
    let ids = st.column_count() - 2 * dicts.len();
    let mut rows = st.query([])?;
    let mut sums = Sums::default();
    let mut users: BTreeMap<i64, u64> = BTreeMap::new();
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        let c = record(r)?;
        if let Some(dict) = dict.as_deref_mut() {
            dict.checked += 1;
            for (j, (_, d)) in dicts.iter().enumerate() {
                let at = ids + 2 * j;
                if r.get::<_, bool>(at + 1)? {
                    let id: i64 = r.get(at)?;
                    let what = d.column;
                    dict.differ(|| format!("click {}: {what} {id} is not in dict", c.key));
                }
            }
        }
        sums.add(&c);
        if c.key >= kept_from {
            *users.entry(c.user_id.0).or_default() += 1;
        }
        n += 1;
        if n.is_multiple_of(BATCH) {
            sums.flush(conn)?;
            after(&mut sums)?;
        }
    }
    sums.flush(conn)?;
    after(&mut sums)?;
    Ok((users, n))
}

/// The users with leads.
fn lead_users(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut st = conn.prepare("SELECT DISTINCT user_id FROM main.leads ORDER BY user_id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    rows.collect()
}

fn leads_count(conn: &Connection) -> rusqlite::Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM main.leads", [], |r| r.get(0))?;
    Ok(n as u64)
}

/// Users with a change of base currency under way.
fn rescaling(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    super::rescale::pending_users(conn)
}

/// A TEMP table of `table`'s name and DDL: the store's statements that
/// name it write there.
fn shadow(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    let ddl: String = conn.query_row(
        "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get(0),
    )?;
    let ddl = ddl
        .strip_prefix("CREATE TABLE")
        .ok_or(rusqlite::Error::InvalidQuery)?;
    conn.execute_batch(&format!("CREATE TEMP TABLE{ddl}"))
}

/// Recomputes every derived copy and compares it with the stored one, in
/// one read transaction on `conn` (safe beside a running server). Only
/// TEMP tables are written: `conn` may be read-only (the CLI's is).
pub fn verify(conn: &mut Connection) -> rusqlite::Result<Report> {
    // The recomputed copies are as big as the stored ones: on disk, with
    // room to upsert into.
    conn.execute_batch("PRAGMA temp_store = FILE; PRAGMA temp.cache_size = -65536;")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let mut report = Report {
        rescaling: rescaling(&tx)?,
        trimmed: horizon(&tx)?,
        ..Report::default()
    };
    let h = report.trimmed;
    for table in CLICK_COPIES.iter().chain(&["lead_roll"]) {
        shadow(&tx, table)?;
    }
    let mut dict = Copy::new("dict", "clicks");
    // The click columns are checked click by click, not as recomputed:
    // each batch's are thrown away, and a new accumulator (which would
    // merge them with the next batch's) takes the next.
    let kept_from = h.map_or(i64::MIN, |h| h.kept_from);
    let (users, clicks) = replay(&tx, Some(&mut dict), kept_from, |sums| {
        *sums = Sums::default();
        tx.execute_batch("DELETE FROM temp.click_cols; DELETE FROM temp.click_cols_cost;")
    })?;
    report.clicks = clicks;
    let loose: HashSet<i64> = report.rescaling.iter().copied().collect();
    for table in ROLLUPS {
        let mut copy = Copy::new(table, "rows");
        let since = h.map(|h| match table.starts_with("lp_") {
            true => h.lp_bucket,
            false => h.bucket,
        });
        compare::tables(&tx, table, &mut copy, &loose, since)?;
        report.copies.push(copy);
    }
    for user in lead_users(&tx)? {
        lead_roll::rebuild(&tx, crate::ids::UserId(user))?;
    }
    report.leads = leads_count(&tx)?;
    let mut leads = Copy::new("lead_roll", "rows");
    compare::tables(&tx, "lead_roll", &mut leads, &HashSet::new(), None)?;
    report.copies.push(leads);
    let (mut chunks, mut prices) = (
        Copy::new("click_cols", "chunks"),
        Copy::new("click_cols_cost", "chunks"),
    );
    cols::check(&tx, &users, kept_from, &mut chunks, &mut prices)?;
    report.copies.extend([chunks, prices, dict]);
    // Nothing of the database was written: the TEMP tables go with it.
    tx.rollback()?;
    Ok(report)
}

/// Why a rebuild did not run.
#[derive(Debug)]
pub enum RebuildError {
    /// A change of base currency is under way for these users: its
    /// resumed slices would convert rebuilt rollups a second time.
    Rescaling(Vec<i64>),
    /// The oldest click rows are gone (`--keep-days`): their rollups and
    /// click columns cannot be recomputed.
    Trimmed(Horizon),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for RebuildError {
    fn from(e: rusqlite::Error) -> Self {
        RebuildError::Db(e)
    }
}

/// What a rebuild wrote: each copy's rows, and the clicks and leads it
/// was recomputed from.
pub struct Rebuilt {
    pub clicks: u64,
    /// Clicks whose user agent or referer id the dictionary lacks (their
    /// texts cannot be rebuilt).
    pub dangling: u64,
    pub leads: u64,
    pub rows: Vec<(&'static str, i64)>,
}

/// Rewrites every derived copy from the click rows and the leads, in one
/// transaction. The server must be stopped (its writer keeps the open
/// click-column chunks in memory): the caller holds the database's lock
/// (src/db/lock.rs). The dictionary is not derived: a click's user agent
/// that is not in it is lost.
pub fn rebuild(conn: &mut Connection) -> Result<Rebuilt, RebuildError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let pending = rescaling(&tx)?;
    if !pending.is_empty() {
        return Err(RebuildError::Rescaling(pending));
    }
    if let Some(h) = horizon(&tx)? {
        return Err(RebuildError::Trimmed(h));
    }
    for table in CLICK_COPIES.iter().chain(&["lead_roll"]) {
        tx.execute(&format!("DELETE FROM main.{table}"), [])?;
    }
    // One accumulator throughout, as the writer's: it knows each user's
    // small chunks of click columns, to merge them.
    let mut dict = Copy::new("dict", "clicks");
    let (_, clicks) = replay(&tx, Some(&mut dict), i64::MIN, |_| Ok(()))?;
    let leads = lead_users(&tx)?;
    for &user in &leads {
        lead_roll::rebuild(&tx, crate::ids::UserId(user))?;
    }
    let mut rows = Vec::new();
    for table in CLICK_COPIES.iter().chain(&["lead_roll"]) {
        let n = tx.query_row(&format!("SELECT count(*) FROM main.{table}"), [], |r| {
            r.get(0)
        })?;
        rows.push((*table, n));
    }
    let leads = leads_count(&tx)?;
    tx.commit()?;
    Ok(Rebuilt {
        clicks,
        dangling: dict.differences,
        leads,
        rows,
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

/// Test support: a chunk `blob` as version 1 of the format wrote it
/// (tests/it/migration_step9.rs builds a database of the previous format).
#[doc(hidden)]
pub fn chunk_as_version_1(blob: &[u8]) -> Option<Vec<u8>> {
    super::cols::format::as_version_1(blob)
}

/// Test support: chunk `id`'s `blob` with text column `column` of its
/// `n`th click set to `value`, and that click's id (tests/it/store_verify.rs
/// tampers with a chunk so that it still decodes).
#[doc(hidden)]
pub fn chunk_with_text(
    id: i64,
    blob: &[u8],
    n: usize,
    column: &str,
    value: &str,
) -> (i64, Vec<u8>) {
    use super::cols::format::{Builder, Chunk};
    let col = super::cols::TEXTS
        .iter()
        .position(|t| *t == column)
        .expect("a text column");
    let chunk = Chunk::parse(id, blob).expect("a chunk");
    let mut rows = chunk.rows(None).expect("its rows");
    rows[n].texts[col] = value;
    let mut b = Builder::default();
    rows.iter().for_each(|r| b.push(r));
    let (_, _, changed) = b.encode(&b.order());
    (rows[n].id, changed)
}
