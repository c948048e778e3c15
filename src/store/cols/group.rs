//! stats.json's click sums per group from the click columns, for what no
//! rollup holds: subid and utm_campaign/content/term, or any item with a
//! filter the rollups lack (item=os&subid=s42, item=subid&os=1). The
//! click table took 1.1-1.5 s for such a month of 10M clicks (1.5 GB of
//! rows); the columns are ~14 bytes a click.
//!
//! Two halves of the period are read at once, each on its own connection
//! (src/store/scan.rs `in_halves`). A click's price is its chunk's
//! (click_cols_cost), read beside it.
use super::format::Chunk;
use super::read::{At, Hours, Need, Plan, Values, Visit};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::click_id::{key_at, key_bucket};
use crate::store::aggregate::{ClickAgg, Grouping, BUCKET};
use crate::store::scan::{hand_out, in_halves};
use crate::store::sums::{Groups, Sums};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

/// Most values one half sums; past that it gives up and the caller has
/// SQLite group the click rows, whose sorter keeps memory bounded.
const MAX_HELD: usize = 100_000;

/// Click count, unique count and spend per group of `g` (a value, or a
/// 15-minute bucket), handed to `each`; the `top` groups with the most
/// clicks when grouped by value. Ok(false), having handed out nothing,
/// when a filter or the item is on a column the chunks lack (ip, which
/// src/store/ip.rs reads), or the values are too many to hold. A value
/// item with the `hour` filter is grouped by value alone, the chunks
/// keeping the clicks of `hours`.
pub fn clicks(
    conn: &Connection,
    spare: Option<&mut Connection>,
    g: Grouping,
    filters: &Where,
    period: Period,
    hours: Option<&Hours>,
    mut each: impl FnMut(ClickAgg),
) -> rusqlite::Result<bool> {
    let by_value = g.column.is_some();
    let Some(plan) = plan(g, filters, period, hours) else {
        return Ok(false);
    };
    let read = |c: &Connection, from: Option<i64>, to: Option<i64>| {
        let (from, to) = (from.unwrap_or(period.start), to.unwrap_or(period.end));
        share(c, &plan.between(key_at(from), key_at(to)), by_value)
    };
    let halves = (Some(period.start), Some(period.end));
    let (a, b) = in_halves(conn, spare, halves, read)?;
    let (Some(mut a), Some(b)) = (a, b.unwrap_or(Some(Summed::default()))) else {
        return Ok(false);
    };
    a.merge(b);
    match by_value {
        true => hand_out(a.groups, g.top, each),
        false if g.buckets => {
            for (bucket, s) in a.buckets {
                each(ClickAgg::of(Some(bucket * BUCKET), None, s));
            }
        }
        // Grouped by nothing (a cut answer's total): one group, as the
        // other paths give it.
        false => {
            let mut all = Sums::default();
            a.buckets.into_values().for_each(|s| all.merge(s));
            if all.click != 0 {
                each(ClickAgg::of(None, None, all));
            }
        }
    }
    Ok(true)
}

/// Whether the click columns can answer `g` ([`clicks`] may still give
/// up, finding more values than it holds).
pub fn serves(g: Grouping, filters: &Where, period: Period, hours: Option<&Hours>) -> bool {
    plan(g, filters, period, hours).is_some()
}

/// What [`clicks`] reads: None when a filter or the item is on a column
/// the chunks lack, or for a value item grouped by time (one group per
/// value comes only with the `hour` filter's buckets).
fn plan<'a>(
    g: Grouping,
    filters: &'a Where,
    period: Period,
    hours: Option<&'a Hours>,
) -> Option<Plan<'a>> {
    let by_value = g.column.is_some();
    if g.buckets && by_value && hours.is_none() {
        return None;
    }
    Plan::new(filters, period, hours.filter(|_| by_value), g.column)
}

/// A half's sums: per value, or per bucket number.
#[derive(Default)]
struct Summed {
    groups: Groups,
    buckets: foldhash::HashMap<i64, Sums>,
}

impl Summed {
    fn merge(&mut self, o: Summed) {
        self.groups.merge(o.groups);
        for (b, s) in o.buckets {
            self.buckets.entry(b).or_default().merge(s);
        }
    }
}

/// A value of the grouped column.
#[derive(Clone)]
enum Value {
    Int(i64),
    Text(Box<str>),
}

/// Reads a half: each click into its group's slot.
#[derive(Default)]
struct Summer {
    by_value: bool,
    /// Per slot: the value (by value) or bucket, and the sums.
    slots: Vec<(Value, Sums)>,
    /// Slots by value: a text is looked up as it is in the chunk's
    /// dictionary, allocated only when new.
    ints: foldhash::HashMap<i64, usize>,
    texts: foldhash::HashMap<Box<str>, usize>,
    /// This chunk's codes → slots.
    remap: Vec<usize>,
}

impl Summer {
    fn int_slot(&mut self, v: i64) -> usize {
        if let Some(&s) = self.ints.get(&v) {
            return s;
        }
        self.slots.push((Value::Int(v), Sums::default()));
        self.ints.insert(v, self.slots.len() - 1);
        self.slots.len() - 1
    }

    fn text_slot(&mut self, v: &str) -> usize {
        if let Some(&s) = self.texts.get(v) {
            return s;
        }
        self.slots.push((Value::Text(v.into()), Sums::default()));
        self.texts.insert(v.into(), self.slots.len() - 1);
        self.slots.len() - 1
    }
}

impl Visit for Summer {
    fn chunk(&mut self, _chunk: &Chunk, group: Option<Values>) {
        // The last chunk's map, refilled.
        let mut remap = std::mem::take(&mut self.remap);
        remap.clear();
        match group {
            None => {}
            Some(Values::Ints(v)) => remap.extend(v.iter().map(|&i| self.int_slot(i))),
            Some(Values::Texts(v)) => remap.extend(v.iter().map(|&t| self.text_slot(t))),
        }
        self.remap = remap;
    }

    fn click(&mut self, at: &mut At) {
        if self.done() {
            return;
        }
        let slot = match self.by_value {
            // A code past the dictionary, only in a damaged blob: no group.
            true => match self.remap.get(at.code()) {
                Some(&slot) => slot,
                None => return,
            },
            false => self.int_slot(key_bucket(at.id())),
        };
        let Some((_, s)) = self.slots.get_mut(slot) else {
            return;
        };
        s.click += 1;
        s.unique += at.unique();
        s.spend += at.cost();
    }

    fn done(&self) -> bool {
        self.slots.len() > MAX_HELD
    }
}

/// The sums of the clicks `plan` keeps; None when they hold more than
/// [`MAX_HELD`] values.
fn share(conn: &Connection, plan: &Plan, by_value: bool) -> rusqlite::Result<Option<Summed>> {
    let mut s = Summer {
        by_value,
        ..Summer::default()
    };
    let need = Need {
        ids: !by_value,
        uniq: true,
        ip: false,
        cost: true,
    };
    plan.each(conn, need, &mut s)?;
    if s.slots.len() > MAX_HELD {
        return Ok(None);
    }
    let mut out = Summed::default();
    for (v, sums) in s.slots {
        // A value with no click kept in this half is no group.
        if sums.click == 0 {
            continue;
        }
        match (by_value, v) {
            (true, Value::Int(i)) => out.groups.add(ValueRef::Integer(i), sums),
            (true, Value::Text(t)) => out.groups.add(ValueRef::Text(t.as_bytes()), sums),
            (false, Value::Int(b)) => {
                out.buckets.entry(b).or_default().merge(sums);
            }
            (false, Value::Text(_)) => {}
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;
