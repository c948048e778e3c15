//! Click sums per group (value) held in memory, and click prices read
//! beside the clicks (src/stats/cols, src/stats/ip.rs): looked up for a
//! list of clicks, or walked in id order when many of a period's clicks
//! need theirs.
use super::items::Key;
use crate::clicks::id::key_at;
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::vtab::array::Array;
use rusqlite::{Connection, OptionalExtension};
use std::cmp::Ordering;
use std::collections::HashMap;

#[derive(Debug, Default, Clone, Copy)]
pub struct Sums {
    pub click: i64,
    pub unique: i64,
    pub spend: f64,
}

impl Sums {
    pub(super) fn merge(&mut self, o: Sums) {
        self.click += o.click;
        self.unique += o.unique;
        self.spend += o.spend;
    }
}

/// Sums per value of the grouped column (integer or text: a STRICT
/// column holds one type).
#[derive(Default)]
pub struct Groups {
    ints: HashMap<i64, Sums>,
    texts: HashMap<Box<str>, Sums>,
}

impl Groups {
    /// Adds the sums `s` to the group of `value`.
    pub(super) fn add(&mut self, value: ValueRef, s: Sums) {
        match value {
            ValueRef::Integer(n) => self.ints.entry(n).or_default().merge(s),
            ValueRef::Text(t) => {
                // Only a new value allocates its key.
                let t = String::from_utf8_lossy(t);
                match self.texts.get_mut(&*t) {
                    Some(sums) => sums.merge(s),
                    None => {
                        self.texts.insert(t.into(), s);
                    }
                }
            }
            // Never stored by the click path; counted like an empty text.
            _ => self.add(ValueRef::Text(b""), s),
        }
    }

    pub fn merge(&mut self, o: Groups) {
        for (k, s) in o.ints {
            self.ints.entry(k).or_default().merge(s);
        }
        for (k, s) in o.texts {
            self.texts.entry(k).or_default().merge(s);
        }
    }

    pub fn into_groups(self) -> impl Iterator<Item = (Key, Sums)> {
        let ints = self.ints.into_iter().map(|(k, s)| (Key::Int(k), s));
        ints.chain(
            self.texts
                .into_iter()
                .map(|(k, s)| (Key::Text(k.into()), s)),
        )
    }
}

/// The prices of clicks `ids` (ascending) of `[from, to)` (Unix seconds):
/// walked beside them when `walk` (they are a good part of the period's
/// clicks), else looked up.
pub fn prices_of(
    conn: &Connection,
    ids: &[i64],
    (from, to): (Option<i64>, Option<i64>),
    walk: bool,
) -> rusqlite::Result<Vec<f64>> {
    if walk {
        let (from, to) = (from.map_or(i64::MIN, key_at), to.map_or(i64::MAX, key_at));
        let mut prices = Prices::walk(conn, from, to)?;
        return ids.iter().map(|&id| prices.of(id)).collect();
    }
    // One statement for every id: its cursor moves on from the last id
    // found instead of descending from the root for each (59k prices of
    // item ip's top groups: 72 ms as one lookup each).
    let mut st = conn.prepare_cached(
        "SELECT k.id, k.cost FROM rarray(?1) r JOIN click_cost k ON k.id = r.value",
    )?;
    let list: Array = std::rc::Rc::new(ids.iter().map(|&id| Sql::Integer(id)).collect());
    let mut found = st.query_map([list], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
    let mut next = found.next().transpose()?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        match next {
            Some((at, cost)) if at == id => {
                out.push(cost);
                next = found.next().transpose()?;
            }
            _ => out.push(0.0),
        }
    }
    Ok(out)
}

/// click_cost rows of a range of click ids in id order, paged (no
/// statement stays open for a month of rows), read alongside clicks in id
/// order. A walked price costs about half a looked-up one (1.4M lookups
/// 0.3 s, 8.8M prices walked 0.7 s, on 2026-12-01).
pub struct Prices<'c> {
    conn: &'c Connection,
    /// The page statement and the next id to read from and the end.
    rows: Option<(rusqlite::Statement<'c>, i64, i64)>,
    page: std::vec::IntoIter<(i64, f64)>,
    /// The first row not yet passed.
    next: Option<(i64, f64)>,
    /// The last click asked for.
    last: i64,
}

const PRICE_PAGE: i64 = 65_536;

impl<'c> Prices<'c> {
    /// The prices of click ids `[from, to)`.
    pub fn walk(conn: &'c Connection, from: i64, to: i64) -> rusqlite::Result<Prices<'c>> {
        let sql = "SELECT id, cost FROM click_cost WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT ?3";
        Ok(Prices {
            conn,
            rows: Some((conn.prepare(sql)?, from, to)),
            page: Vec::new().into_iter(),
            next: None,
            // A click before `from` is looked up.
            last: from,
        })
    }

    /// The next click_cost row, None after the last.
    fn advance(&mut self) -> rusqlite::Result<Option<(i64, f64)>> {
        if let Some(p) = self.page.next() {
            return Ok(Some(p));
        }
        let Some((st, from, to)) = self.rows.as_mut() else {
            return Ok(None);
        };
        let page = st
            .query_map([*from, *to, PRICE_PAGE], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<(i64, f64)>>>()?;
        match page.last() {
            Some(&(id, _)) => *from = id + 1,
            None => self.rows = None,
        }
        self.page = page.into_iter();
        Ok(self.page.next())
    }

    /// The price of click `id` (0 without a row). Ids should not
    /// decrease from call to call: one that does (a click queued late,
    /// stored in a later chunk) is looked up.
    pub fn of(&mut self, id: i64) -> rusqlite::Result<f64> {
        if id < self.last {
            let mut st = self
                .conn
                .prepare_cached("SELECT cost FROM click_cost WHERE id = ?1")?;
            return Ok(st.query_row([id], |r| r.get(0)).optional()?.unwrap_or(0.0));
        }
        self.last = id;
        loop {
            if self.next.is_none() {
                self.next = self.advance()?;
            }
            let Some((cid, cost)) = self.next else {
                return Ok(0.0);
            };
            match cid.cmp(&id) {
                Ordering::Less => self.next = None,
                Ordering::Equal => return Ok(cost),
                Ordering::Greater => return Ok(0.0),
            }
        }
    }
}
