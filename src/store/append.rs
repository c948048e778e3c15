//! Storing new clicks: the click rows, their long texts interned in
//! `dict`, their prices, and every derived copy (the rollups and the click
//! columns, gathered in [`Sums`]) in the same transaction. The writer
//! thread stores through [`Appender`] (its [`Sink`]); `flowtrack demo`
//! gathers the sums on its generating thread and stores the rows here.
use super::landing::Write;
use super::record::{ClickRecord, INSERT_SQL};
use super::registry::{self, Dim, Flag};

/// The dimensions kept as `dict` ids (user agents, referers).
const DICT: [Dim; registry::count_with(Flag::Dict)] = registry::with(Flag::Dict);
pub use super::rollup::Acc as Sums;
use crate::db::writer::{Record, Sink};
use rusqlite::Connection;

/// Most texts the dictionary cache keeps before it starts over.
const DICT_CACHE: usize = 100_000;

/// Interns long repeated strings (user agents, referers).
#[derive(Default)]
pub struct Dict {
    cache: foldhash::HashMap<String, i64>,
}

impl Dict {
    fn id(&mut self, conn: &Connection, value: &str) -> rusqlite::Result<i64> {
        if value.is_empty() {
            return Ok(0);
        }
        if let Some(&id) = self.cache.get(value) {
            return Ok(id);
        }
        conn.prepare_cached("INSERT OR IGNORE INTO dict (value) VALUES (?1)")?
            .execute([value])?;
        let id: i64 = conn
            .prepare_cached("SELECT id FROM dict WHERE value = ?1")?
            .query_row([value], |r| r.get(0))?;
        if self.cache.len() >= DICT_CACHE {
            self.cache.clear();
        }
        self.cache.insert(value.to_string(), id);
        Ok(id)
    }
}

/// The writer's way into the store: each click's row now, its share of
/// the derived copies at the batch's flush. Kept from batch to batch for
/// the room its maps have grown and the texts its dictionary knows.
#[derive(Default)]
pub struct Appender {
    dict: Dict,
    sums: Sums,
}

impl Appender {
    /// Inserts the click rows (and prices) of `clicks`, without their
    /// derived copies: the caller gathered those in its own [`Sums`].
    pub fn rows<'c>(
        &mut self,
        tx: &Connection,
        clicks: impl IntoIterator<Item = &'c ClickRecord>,
    ) -> rusqlite::Result<()> {
        let mut st = tx.prepare_cached(&INSERT_SQL)?;
        let mut ids = [0; DICT.len()];
        let mut range: Option<(i64, i64)> = None;
        for c in clicks {
            for (id, d) in ids.iter_mut().zip(&DICT) {
                *id = self.dict.id(tx, d.get(c).as_text())?;
            }
            c.insert(tx, &mut st, &ids)?;
            range = Some(range.map_or((c.key, c.key), |(lo, hi)| (lo.min(c.key), hi.max(c.key))));
        }
        // To ClickHouse, when shipping is on: the range may take in a
        // click of another batch, which is then sent once more.
        match range {
            Some(range) => super::ship::log(tx, super::ship::Kind::Clicks, 0, range),
            None => Ok(()),
        }
    }

    /// Stores `clicks` with their share of the derived copies (written at
    /// [`Sink::flush`]).
    pub fn clicks(&mut self, tx: &Connection, clicks: &[&ClickRecord]) -> rusqlite::Result<()> {
        // A click priced when it was made (its traffic source's cost), of
        // a user whose base currency is being changed, is stored without
        // its price: the change converts the prices and rollups it found
        // and counts on the clicks stored meanwhile having none
        // (rescale.rs), and the click's price is in the currency of
        // before (docs/API.md profile.json). Looked up only for a batch
        // with a priced click.
        let changing = match clicks.iter().any(|c| c.cost != 0.0) {
            true => super::rescale::pending_users(tx)?,
            false => Vec::new(),
        };
        let unpriced = |c: &ClickRecord| c.cost != 0.0 && changing.contains(&c.user_id.0);
        if !clicks.iter().any(|c| unpriced(c)) {
            self.rows(tx, clicks.iter().copied())?;
            clicks.iter().for_each(|c| self.sums.add(c));
            return Ok(());
        }
        let copies: Vec<ClickRecord> = clicks
            .iter()
            .map(|c| match unpriced(c) {
                true => ClickRecord {
                    cost: 0.0,
                    ..(*c).clone()
                },
                false => (*c).clone(),
            })
            .collect();
        self.rows(tx, &copies)?;
        copies.iter().for_each(|c| self.sums.add(c));
        Ok(())
    }
}

impl Record for Write {
    /// The record and its texts.
    fn bytes(&self) -> usize {
        std::mem::size_of::<Write>()
            + match self {
                Write::Click(c) => c.texts().map(String::capacity).sum::<usize>(),
                Write::Landing(_) => 0,
            }
    }
}

impl Sink for Appender {
    type Record = Write;

    /// New clicks and landing clicks in the order they came: a landing
    /// click may name a click of the same run.
    fn append(&mut self, tx: &Connection, run: &[&Write]) -> rusqlite::Result<()> {
        let mut clicks: Vec<&ClickRecord> = Vec::with_capacity(run.len());
        for w in run {
            match w {
                Write::Click(c) => clicks.push(c),
                Write::Landing(l) => {
                    self.clicks(tx, &clicks)?;
                    clicks.clear();
                    l.store(tx)?;
                }
            }
        }
        self.clicks(tx, &clicks)
    }

    fn flush(&mut self, tx: &Connection) -> rusqlite::Result<()> {
        self.sums.flush(tx)
    }

    fn failed(&mut self) {
        self.sums.clear();
        // The texts it interned were rolled back with the batch.
        self.dict.cache.clear();
    }

    fn committed(&mut self) {
        self.sums.committed();
    }
}

/// Stores clicks and every copy of them in one transaction (test
/// fixtures that need clicks at chosen times).
pub fn write_batch<C: std::borrow::Borrow<ClickRecord>>(
    conn: &mut Connection,
    clicks: &[C],
) -> rusqlite::Result<()> {
    let mut a = Appender::default();
    let tx = conn.transaction()?;
    let run: Vec<&ClickRecord> = clicks.iter().map(|c| c.borrow()).collect();
    a.clicks(&tx, &run)?;
    a.flush(&tx)?;
    tx.commit()?;
    a.committed();
    Ok(())
}
