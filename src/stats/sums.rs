//! A share of the period summed in this process's memory, the first way
//! src/stats/scan.rs tries. Two SQLite GROUP BYs at once sort their
//! matching clicks through temporary files and got in each other's way
//! (subids of one country: 2.0 s, against 1.5 s for one and 0.9-1.1 s for
//! two of these). When most clicks match, a click's price comes from
//! walking click_cost beside the clicks (both in id order) instead of a
//! b-tree lookup per click (that LEFT JOIN was 1.1 s of 2.1 s for the 4.5M
//! clicks of a flow); when few do, the lookups are cheaper ([`Reading`]).
//! A share holding more than [`MAX_HELD`] values gives up (ip: about one
//! value per click), so memory stays bounded.
use super::items::Key;
use crate::api::filters::Where;
use crate::clicks::id::key_at;
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::vtab::array::Array;
use rusqlite::{Connection, OptionalExtension};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Most values one share sums (~100 bytes each) before giving up.
const MAX_HELD: usize = 100_000;

#[derive(Debug, Default, Clone, Copy)]
pub struct Sums {
    pub click: i64,
    pub unique: i64,
    pub spend: f64,
}

impl Sums {
    /// One click.
    fn one(unique: i64, spend: f64) -> Sums {
        Sums {
            click: 1,
            unique,
            spend,
        }
    }

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
    fn len(&self) -> usize {
        self.ints.len() + self.texts.len()
    }

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

    /// Sums the rows of `sql` (a value, then clicks, unique clicks and
    /// spend, which a value may have on several rows) per value; None when
    /// they hold more than [`MAX_HELD`] values.
    pub fn read(conn: &Connection, sql: &str, args: &[Sql]) -> rusqlite::Result<Option<Groups>> {
        let mut groups = Groups::default();
        let mut st = conn.prepare(sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let s = Sums {
                click: r.get(1)?,
                unique: r.get(2)?,
                spend: r.get(3)?,
            };
            groups.add(r.get_ref(0)?, s);
            if groups.len() > MAX_HELD {
                return Ok(None);
            }
        }
        Ok(Some(groups))
    }

    /// The sums of two shares read apart, None when either gave up.
    pub fn both(a: Option<Groups>, b: Option<Groups>) -> Option<Groups> {
        let (mut a, b) = (a?, b?);
        a.merge(b);
        Some(a)
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

/// Sums the clicks of `filters` from Unix second `from` up to `to` per
/// value of `column`; None when they hold more than [`MAX_HELD`] values.
pub fn share(
    conn: &Connection,
    column: &str,
    filters: &Where,
    how: Reading,
    from: i64,
    to: i64,
) -> rusqlite::Result<Option<Groups>> {
    let mut groups = Groups::default();
    let columns = format!("{column}, uniq");
    let full = each_click(
        conn,
        &columns,
        filters,
        how,
        (Some(from), Some(to)),
        |r, spend| {
            groups.add(r.get_ref(1)?, Sums::one(r.get(2)?, spend));
            Ok(groups.len() <= MAX_HELD)
        },
    )?;
    Ok(full.then_some(groups))
}

/// How [`each_click`] reads the clicks and their prices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    /// Through SQLite's choice of index; each price is a lookup.
    Index,
    /// The period's rows in id order (src/stats/source.rs
    /// `scan_is_cheaper`); each matching click's price is a lookup.
    Scan,
    /// The period's rows in id order, and every price of the period
    /// walked beside them: when most clicks match. A lookup costs about
    /// two walked prices (1.4M lookups 0.3 s, 8.8M prices walked 0.7 s),
    /// so walking every price for the 14% of clicks in one country
    /// doubled what the prices cost.
    ScanWalk,
}

impl Reading {
    /// `scan` as src/stats/source.rs `scan_is_cheaper` decides; `dense`
    /// when at least half of the period's clicks match.
    pub fn new(scan: bool, dense: bool) -> Reading {
        match (scan, dense) {
            (false, _) => Reading::Index,
            (true, false) => Reading::Scan,
            (true, true) => Reading::ScanWalk,
        }
    }
}

/// Hands `each` every click of `filters` from Unix second `from` up to
/// `to` (None: unbounded) with its price: a row of clicks.id then
/// `columns`, read as `how` says. `each` answers whether to go on;
/// Ok(false) when it stopped.
pub fn each_click(
    conn: &Connection,
    columns: &str,
    filters: &Where,
    how: Reading,
    (from, to): (Option<i64>, Option<i64>),
    mut each: impl FnMut(&rusqlite::Row, f64) -> rusqlite::Result<bool>,
) -> rusqlite::Result<bool> {
    let mut w = filters.clone();
    w.clicks_between("clicks.id", from, to);
    let walk = how == Reading::ScanWalk;
    let (table, price) = match walk {
        true => ("clicks NOT INDEXED".to_string(), "0.0"),
        false => (
            super::source::clicks_with_cost(how == Reading::Scan),
            "k.cost",
        ),
    };
    let sql = format!(
        "SELECT clicks.id, {columns}, {price} FROM {table} WHERE {}",
        w.sql()
    );
    let mut st = conn.prepare(&sql)?;
    let last = st.column_count() - 1;
    let mut rows = st.query(rusqlite::params_from_iter(&w.args))?;
    let (lo, hi) = (from.map_or(i64::MIN, key_at), to.map_or(i64::MAX, key_at));
    let mut prices = Prices::walk(conn, lo, if walk { hi } else { lo })?;
    while let Some(r) = rows.next()? {
        let spend = match walk {
            true => prices.of(r.get(0)?)?,
            false => r.get::<_, Option<f64>>(last)?.unwrap_or(0.0),
        };
        if !each(r, spend)? {
            return Ok(false);
        }
    }
    Ok(true)
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
