//! Grouping rows in memory when no rollup serves a request (an item or
//! filter the rollups lack: subid, utm campaign, content and term, ip,
//! ...): the leads of the period by the `leads_user_time` index, and the
//! landing clicks of the period by the partial index `clicks_lp`, row by
//! row, the two halves of the period at once on two pooled connections,
//! summed per bucket, value and goal. SQLite's own GROUP BY sorted every
//! row of the period by its texts first, which on a big month was most
//! of a subid report (docs/BENCHMARKS.md, the 100M-click row).
use super::aggregate::{Key, Request, BUCKET};
use super::lead_agg::{LeadAgg, Leads};
use super::lp_agg::LpAgg;
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, Row};
use std::collections::{HashMap, HashSet};

/// Sums per group, keyed by the group's bytes ([`encode`]): a row of a
/// group already seen allocates nothing.
type Sums<T> = HashMap<Box<[u8]>, T, foldhash::fast::RandomState>;

/// What a row adds to its group.
trait Tally: Default + Send {
    /// The row's share; its first columns are the bucket, value and goal.
    fn of(row: &Row) -> rusqlite::Result<Self>;
    fn add(&mut self, o: &Self);
}

impl Tally for Leads {
    fn of(row: &Row) -> rusqlite::Result<Leads> {
        Ok(lead(row.get(3)?, row.get(4)?))
    }
    fn add(&mut self, o: &Leads) {
        Leads::add(self, o)
    }
}

/// Landing clicks.
#[derive(Default)]
struct Count(i64);

impl Tally for Count {
    fn of(_: &Row) -> rusqlite::Result<Count> {
        Ok(Count(1))
    }
    fn add(&mut self, o: &Count) {
        self.0 += o.0
    }
}

/// Where [`summed`] reads its rows: the table, its time column (Unix
/// seconds), a condition the index needs, and what follows the bucket
/// and the value in the SELECT (the goal, then what [`Tally::of`] reads).
struct Rows {
    table: &'static str,
    time: &'static str,
    need: &'static str,
    tail: &'static str,
}

/// The leads of `r` summed per (bucket, value, goal) and handed to `each`,
/// one aggregate per group. With `keep`, text values outside it are
/// skipped (an answer cut to its busiest groups). `spare`, when given,
/// reads the later half of the period.
pub(super) fn leads(
    conn: &Connection,
    spare: Option<&mut Connection>,
    r: &Request,
    keep: Option<&HashSet<&str>>,
    mut each: impl FnMut(LeadAgg),
) -> rusqlite::Result<()> {
    // By the `leads_user_time` index.
    let rows = Rows {
        table: "leads",
        time: "time",
        need: "",
        tail: "goal, stage, base",
    };
    summed(conn, spare, r, keep, rows, |bucket, value, goal, leads| {
        each(LeadAgg {
            bucket,
            value,
            goal,
            leads,
        })
    })
}

/// The landing clicks of `r` (by their own time) summed per (bucket,
/// value) and handed to `each`; with `keep`, as [`leads`].
pub(super) fn lpclicks(
    conn: &Connection,
    spare: Option<&mut Connection>,
    r: &Request,
    keep: Option<&HashSet<&str>>,
    mut each: impl FnMut(LpAgg),
) -> rusqlite::Result<()> {
    // `lp > 0` as a literal: SQLite uses a partial index only for a
    // condition it can see implies the index's own. Named, so that no
    // filter's index (a flow's clicks of all time) is ever taken instead
    // of the landing clicks of the period.
    let rows = Rows {
        table: "clicks INDEXED BY clicks_lp",
        time: "lp",
        need: "lp > 0 AND ",
        tail: "''",
    };
    summed(conn, spare, r, keep, rows, |bucket, value, _, n: Count| {
        each(LpAgg {
            bucket,
            value,
            lpclick: n.0,
        })
    })
}

/// `rows` of `r`'s period, summed per group, each group handed to
/// `each` with its bucket (grouped by time) and value (grouped by one).
fn summed<T: Tally>(
    conn: &Connection,
    spare: Option<&mut Connection>,
    r: &Request,
    keep: Option<&HashSet<&str>>,
    rows: Rows,
    mut each: impl FnMut(Option<i64>, Option<Key>, String, T),
) -> rusqlite::Result<()> {
    let g = r.g;
    let read = |c: &Connection, from: Option<i64>, to: Option<i64>| {
        let Rows {
            table,
            time,
            need,
            tail,
        } = rows;
        let mut w = r.filters.clone();
        w.push(
            format!("{need}{time} >= ? AND {time} < ?"),
            [
                Sql::Integer(from.unwrap_or_default()),
                Sql::Integer(to.unwrap_or_default()),
            ],
        );
        let value = g.column.unwrap_or("NULL");
        let sql = format!(
            "SELECT {time} / 900, {value}, {tail} FROM {table} WHERE {}",
            w.sql()
        );
        let mut st = c.prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(&w.args))?;
        let (mut sums, mut key) = (Sums::<T>::default(), Vec::new());
        while let Some(row) = rows.next()? {
            let value = row.get_ref(1)?;
            if let (Some(keep), ValueRef::Text(t)) = (keep, value) {
                if !keep.contains(&*String::from_utf8_lossy(t)) {
                    continue;
                }
            }
            let bucket = g.buckets.then(|| row.get::<_, i64>(0)).transpose()?;
            encode(&mut key, bucket, value, row.get_ref(2)?.as_bytes()?);
            let one = T::of(row)?;
            match sums.get_mut(key.as_slice()) {
                Some(s) => s.add(&one),
                None => {
                    sums.insert(key.as_slice().into(), one);
                }
            }
        }
        Ok(sums)
    };
    let span = (Some(r.period.start), Some(r.period.end));
    let (mut a, b) = super::scan::in_halves(conn, spare, span, read)?;
    for (k, s) in b.into_iter().flatten() {
        a.entry(k).or_default().add(&s);
    }
    for (k, t) in a {
        let (bucket, value, goal) = decode(&k);
        let bucket = bucket.filter(|_| g.buckets).map(|b| b * BUCKET);
        each(bucket, g.column.map(|_| value), goal, t);
    }
    Ok(())
}

/// One lead's contribution.
fn lead(stage: i64, base: f64) -> Leads {
    let mut l = Leads {
        stages: [0; 5],
        mh: if stage == 1 { base } else { 0.0 },
        ma: if stage == 2 { base } else { 0.0 },
    };
    if let Some(s) = usize::try_from(stage)
        .ok()
        .and_then(|s| l.stages.get_mut(s))
    {
        *s = 1;
    }
    l
}

/// A group's bytes: the bucket (8), the goal's length (4) and bytes, then
/// the value's type (0 none, 1 integer, 2 text) and bytes.
fn encode(key: &mut Vec<u8>, bucket: Option<i64>, value: ValueRef, goal: &[u8]) {
    key.clear();
    key.extend_from_slice(&bucket.unwrap_or(0).to_le_bytes());
    key.extend_from_slice(&(goal.len() as u32).to_le_bytes());
    key.extend_from_slice(goal);
    match value {
        ValueRef::Integer(n) => {
            key.push(1);
            key.extend_from_slice(&n.to_le_bytes());
        }
        ValueRef::Real(f) => {
            key.push(1);
            key.extend_from_slice(&(f as i64).to_le_bytes());
        }
        ValueRef::Text(t) => {
            key.push(2);
            key.extend_from_slice(t);
        }
        // Never stored for a grouped column: counted like an empty text,
        // as the click side counts it (sums.rs).
        ValueRef::Blob(_) => key.push(2),
        ValueRef::Null => key.push(0),
    }
}

/// The bucket, value and goal [`encode`] wrote.
fn decode(key: &[u8]) -> (Option<i64>, Key, String) {
    let int = |b: &[u8]| i64::from_le_bytes(b[..8].try_into().unwrap_or_default());
    let len = u32::from_le_bytes(key[8..12].try_into().unwrap_or_default()) as usize;
    let goal = String::from_utf8_lossy(&key[12..12 + len]).into_owned();
    let rest = &key[12 + len..];
    let value = match rest[0] {
        1 => Key::Int(int(&rest[1..])),
        2 => Key::Text(String::from_utf8_lossy(&rest[1..]).into_owned()),
        _ => Key::Text(String::new()),
    };
    (Some(int(key)), value, goal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_comes_back_as_it_went_in() {
        let mut k = Vec::new();
        let cases: [(Option<i64>, ValueRef, &str, Key); 4] = [
            (
                Some(-3),
                ValueRef::Text(b"s1\0x"),
                "reg",
                Key::Text("s1\0x".into()),
            ),
            (Some(7), ValueRef::Integer(-9), "", Key::Int(-9)),
            (None, ValueRef::Text(b""), "dep", Key::Text(String::new())),
            (Some(1), ValueRef::Null, "g\u{e9}", Key::Text(String::new())),
        ];
        for (bucket, value, goal, want) in cases {
            encode(&mut k, bucket, value, goal.as_bytes());
            assert_eq!(
                decode(&k),
                (Some(bucket.unwrap_or(0)), want, goal.to_string())
            );
        }
    }
}
