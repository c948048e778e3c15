//! The rollups' side of a spend import: the clicks of one
//! piece (src/store/reprice/pieces.rs) summed per wide-rollup key (how many, what
//! they cost so far), then each key's change of spend at the new price
//! written to click_wide and folded into every narrow kind of
//! click_roll. The old prices are read in the slice that writes the new
//! ones, so the rollups move by exactly what the prices do.
//!
//! A month of one busy flow is hundreds of thousands of keys, so text
//! values are interned (a key is a handful of integers, no allocation per
//! click or per key) and rows are updated in primary-key order (in hash
//! order every update would land on another page of tables far larger
//! than the page cache).
use crate::click_id::key_bucket;
use crate::store::cols::format::{Chunk, Costs};
use crate::store::cols::store::{damaged, Matched};
use crate::store::registry::{self, Ty};
use crate::store::rollup::KINDS;
use crate::store::texts::{IdMap, Texts};
use crate::store::wide::{COLUMNS, ROLLED};
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use std::cmp::Ordering;
use std::sync::LazyLock;

/// A wide key: user, bucket, then COLUMNS in order, text as [`Texts`]
/// ids. Hashed as the tuple it is (the array as one byte slice): its
/// hash order is the order the spend changes are summed in, so another
/// hash would move the rollups' sums in their last bits.
type WideKey = (i64, i64, [i64; COLUMNS.len()]);

/// A narrow key: user, kind, bucket, flow (text id), value (text id or
/// integer, by kind).
type NarrowKey = (i64, i64, i64, i64, i64);

/// The matching clicks per wide key: (how many, spend so far).
pub struct Deltas {
    texts: Texts,
    groups: IdMap<WideKey, (i64, f64)>,
}

/// Whether each of COLUMNS is text (the others are integers).
const TEXT: [bool; COLUMNS.len()] = {
    let mut out = [false; COLUMNS.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = registry::is_text(&ROLLED[i]);
        i += 1;
    }
    out
};

impl Deltas {
    fn new() -> Deltas {
        Deltas {
            texts: Texts::default(),
            groups: IdMap::default(),
        }
    }

    /// Sums the clicks `only` (sorted ids) of `user`, read from their
    /// chunks of the click columns with their prices; answers where they
    /// are too. Only their keys are decoded: a piece may need a quarter
    /// of a chunk, or a few of its clicks.
    pub fn of_chunks(
        conn: &Connection,
        user: i64,
        only: &[i64],
    ) -> rusqlite::Result<(Deltas, Matched)> {
        let mut d = Deltas::new();
        let mut matched = Matched::default();
        let (Some(&lo), Some(&hi)) = (only.first(), only.last()) else {
            return Ok((d, matched));
        };
        let mut st = conn.prepare_cached(
            "SELECT c.id, c.data, k.data FROM click_cols c LEFT JOIN click_cols_cost k USING (id)
             WHERE c.user_id = ?1 AND c.id <= ?3 AND c.last >= ?2 ORDER BY c.id",
        )?;
        let mut rows = st.query(rusqlite::params![user, lo, hi])?;
        let mut keys = Vec::new();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let chunk = Chunk::parse(id, r.get_ref(1)?.as_blob()?).ok_or_else(|| damaged(id))?;
            let costs =
                Costs::parse(r.get_ref(2)?.as_blob()?, chunk.n).ok_or_else(|| damaged(id))?;
            let ids = d
                .keys_of(&chunk, only, &mut keys)
                .ok_or_else(|| damaged(id))?;
            matched.begin(&chunk);
            for &(k, cols) in &keys {
                let e = d
                    .groups
                    .entry((user, key_bucket(ids[k]), cols))
                    .or_default();
                e.0 += 1;
                e.1 += costs.get(k);
                matched.keep_at(ids[k], k);
            }
        }
        Ok((d, matched))
    }

    /// The clicks of `only` in chunk `c` into `keys`: their places and
    /// COLUMNS, text as [`Texts`] ids; answers the chunk's ids.
    fn keys_of(
        &mut self,
        c: &Chunk,
        only: &[i64],
        keys: &mut Vec<(usize, [i64; COLUMNS.len()])>,
    ) -> Option<Vec<i64>> {
        keys.clear();
        // Both in id order: one walk.
        let ids = c.ids()?;
        let mut j = only.partition_point(|id| id < ids.first().unwrap_or(&0));
        for (k, id) in ids.iter().enumerate() {
            while only.get(j).is_some_and(|o| o < id) {
                j += 1;
            }
            if only.get(j) == Some(id) {
                keys.push((k, [0; COLUMNS.len()]));
            }
        }
        if keys.is_empty() {
            return Some(ids);
        }
        for (j, d) in ROLLED.iter().enumerate() {
            // Every rolled-up dimension is a click column (registry).
            let slot = d.cols?;
            match d.ty {
                Ty::Int { .. } => {
                    let col = c.ints(slot)?;
                    for (k, key) in keys.iter_mut() {
                        key[j] = *col.value(*k)?;
                    }
                }
                Ty::Text { .. } => {
                    let col = c.texts(slot)?;
                    let texts: Vec<i64> = col.dict.iter().map(|t| self.texts.id(t)).collect();
                    for (k, key) in keys.iter_mut() {
                        key[j] = *texts.get(col.codes.get(*k) as usize)?;
                    }
                }
            }
        }
        Some(ids)
    }

    /// How many clicks matched.
    pub fn clicks(&self) -> i64 {
        self.groups.values().map(|g| g.0).sum()
    }

    /// Moves the rollups' spend so that every matching click costs
    /// `price`: click_roll always, click_wide when `wide` (the caller may
    /// set whole click_wide rows itself, faster).
    pub fn write(mut self, conn: &Connection, price: f64, wide: bool) -> rusqlite::Result<()> {
        let mut changes: Vec<(WideKey, f64)> = self
            .groups
            .drain()
            .map(|(k, (clicks, old))| (k, clicks as f64 * price - old))
            .filter(|(_, delta)| *delta != 0.0)
            .collect();
        self.write_narrow(conn, &changes)?;
        if wide {
            changes.sort_unstable_by(|a, b| self.cmp_wide(&a.0, &b.0));
            let mut update = conn.prepare_cached(&UPDATE_WIDE)?;
            for (key, delta) in &changes {
                let mut row = vec![Sql::Integer(key.0), Sql::Integer(key.1)];
                row.extend((0..COLUMNS.len()).map(|i| self.value(i, key.2[i])));
                row.push(Sql::Real(*delta));
                if update.execute(rusqlite::params_from_iter(&row))? == 0 {
                    // Only a rollup out of step with the clicks lacks the
                    // row; the spend is still recorded.
                    conn.prepare_cached(&INSERT_WIDE)?
                        .execute(rusqlite::params_from_iter(&row))?;
                }
            }
        }
        Ok(())
    }

    /// Folds the wide changes into each narrow kind and writes them.
    fn write_narrow(
        &mut self,
        conn: &Connection,
        changes: &[(WideKey, f64)],
    ) -> rusqlite::Result<()> {
        // The column of each kind in COLUMNS; kind 0 has the value ''.
        let slots = KINDS.map(|(_, c)| COLUMNS.iter().position(|x| *x == c));
        let empty = self.texts.id("");
        let mut narrow: IdMap<NarrowKey, f64> = IdMap::default();
        for ((user, bucket, cols), delta) in changes {
            for ((kind, _), slot) in KINDS.iter().zip(slots) {
                let value = slot.map_or(empty, |i| cols[i]);
                *narrow
                    .entry((*user, *kind, *bucket, cols[0], value))
                    .or_default() += delta;
            }
        }
        let text_kind = |kind: i64| slots[kind as usize].is_none_or(|i| TEXT[i]);
        let mut rows: Vec<(NarrowKey, f64)> = narrow.into_iter().collect();
        rows.sort_unstable_by(|(a, _), (b, _)| {
            (a.0, a.1, a.2)
                .cmp(&(b.0, b.1, b.2))
                .then_with(|| self.texts.get(a.3).cmp(self.texts.get(b.3)))
                .then_with(|| match text_kind(a.1) {
                    true => self.texts.get(a.4).cmp(self.texts.get(b.4)),
                    false => a.4.cmp(&b.4),
                })
        });
        let mut update = conn.prepare_cached(
            "UPDATE click_roll SET cost = cost + ?6
             WHERE user_id = ?1 AND kind = ?2 AND bucket = ?3 AND flow = ?4 AND value = ?5",
        )?;
        for ((user, kind, bucket, flow, value), delta) in rows {
            let value = match text_kind(kind) {
                true => Sql::Text(self.texts.get(value).to_string()),
                false => Sql::Integer(value),
            };
            let flow = self.texts.get(flow);
            let row = rusqlite::params![user, kind, bucket, flow, value, delta];
            if update.execute(row)? == 0 {
                conn.prepare_cached(
                    "INSERT INTO click_roll (user_id, kind, bucket, flow, value, cost)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(row)?;
            }
        }
        Ok(())
    }

    /// Column `i` of a key as SQL.
    fn value(&self, i: usize, v: i64) -> Sql {
        match TEXT[i] {
            true => Sql::Text(self.texts.get(v).to_string()),
            false => Sql::Integer(v),
        }
    }

    /// click_wide's primary-key order: text by bytes, as SQLite compares.
    fn cmp_wide(&self, a: &WideKey, b: &WideKey) -> Ordering {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            (0..COLUMNS.len())
                .map(|i| match TEXT[i] {
                    true => self.texts.get(a.2[i]).cmp(self.texts.get(b.2[i])),
                    false => a.2[i].cmp(&b.2[i]),
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    }
}

/// A key's change of spend, `?1`.. the key (user, bucket, COLUMNS), then
/// the change.
static UPDATE_WIDE: LazyLock<String> = LazyLock::new(|| {
    let key: Vec<String> = ["user_id", "bucket"]
        .iter()
        .chain(&COLUMNS)
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    format!(
        "UPDATE click_wide SET cost = cost + ?{} WHERE {}",
        key.len() + 1,
        key.join(" AND ")
    )
});

/// The row of a key missing from click_wide, with its change as its spend.
static INSERT_WIDE: LazyLock<String> = LazyLock::new(|| {
    let marks: Vec<String> = (1..=COLUMNS.len() + 3).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO click_wide (user_id, bucket, {}, cost) VALUES ({})",
        COLUMNS.join(", "),
        marks.join(", ")
    )
});
