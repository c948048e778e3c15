//! The plain answers: the clicks (with their click_cost prices) and the
//! leads of a request read one by one with SQLite's plain WHERE, and
//! summed here per 15-minute bucket, per value, or per local date or
//! hour in the user's zone, each click and lead by its own second.
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::stats::items::Item;
use crate::stats::metrics::Row;
use crate::store::aggregate::{Key, Leads};
use jiff::tz::TimeZone;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// A click: Unix millisecond, value of the grouped column, unique, price.
pub struct Click {
    pub ms: i64,
    pub value: Option<Key>,
    pub unique: i64,
    pub cost: f64,
}

/// A lead: Unix second, value of the grouped column, goal, stage, money.
pub struct Lead {
    pub time: i64,
    pub value: Option<Key>,
    pub goal: String,
    pub stage: i64,
    pub base: f64,
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    args: &[Sql],
    f: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Vec<T> {
    let mut st = conn.prepare(sql).unwrap();
    let rows = st
        .query_map(rusqlite::params_from_iter(args), |r| f(r))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn value(r: &rusqlite::Row, column: Option<&str>) -> rusqlite::Result<Option<Key>> {
    Ok(column
        .map(|_| r.get::<_, Sql>(1))
        .transpose()?
        .map(Key::from_sql))
}

/// The clicks of `w` in `period`, with the value of `column`.
pub fn clicks(conn: &Connection, w: &Where, p: Period, column: Option<&str>) -> Vec<Click> {
    let sql = format!(
        "SELECT c.id >> 16, {}, uniq, COALESCE(k.cost, 0.0) FROM clicks c
         LEFT JOIN click_cost k ON k.id = c.id
         WHERE {} AND (c.id >> 16) >= ? AND (c.id >> 16) < ?",
        column.unwrap_or("NULL"),
        w.sql()
    );
    let mut args = w.args.clone();
    args.extend([
        Sql::Integer(p.start.saturating_mul(1000)),
        Sql::Integer(p.end.saturating_mul(1000)),
    ]);
    rows(conn, &sql, &args, |r| {
        Ok(Click {
            ms: r.get(0)?,
            value: value(r, column)?,
            unique: r.get(2)?,
            cost: r.get(3)?,
        })
    })
}

/// The leads of `w` in `period` (by their own time).
pub fn leads(conn: &Connection, w: &Where, p: Period, column: Option<&str>) -> Vec<Lead> {
    let sql = format!(
        "SELECT time, {}, goal, stage, base FROM leads WHERE {} AND time >= ? AND time < ?",
        column.unwrap_or("NULL"),
        w.sql()
    );
    let mut args = w.args.clone();
    args.extend([Sql::Integer(p.start), Sql::Integer(p.end)]);
    rows(conn, &sql, &args, |r| {
        Ok(Lead {
            time: r.get(0)?,
            value: value(r, column)?,
            goal: r.get(2)?,
            stage: r.get(3)?,
            base: r.get(4)?,
        })
    })
}

/// A group of the store's answers: 15-minute bucket (its first second)
/// and value, as grouped.
pub type Group = (Option<i64>, Option<Key>);

/// Click count, unique count and spend.
pub type Sums = (i64, i64, f64);

pub fn click_groups(clicks: &[Click], buckets: bool) -> BTreeMap<Group, Sums> {
    let mut out: BTreeMap<Group, Sums> = BTreeMap::new();
    for c in clicks {
        let bucket = buckets.then(|| c.ms.div_euclid(900_000) * 900);
        let s = out.entry((bucket, c.value.clone())).or_default();
        s.0 += 1;
        s.1 += c.unique;
        s.2 += c.cost;
    }
    out
}

/// One lead as counted: its stage, and its money when on hold or approved.
pub fn one(stage: i64, base: f64) -> Leads {
    let mut l = Leads::default();
    l.stages[stage as usize] += 1;
    match stage {
        1 => l.mh = base,
        2 => l.ma = base,
        _ => {}
    }
    l
}

pub fn lead_groups(leads: &[Lead], buckets: bool) -> BTreeMap<(Group, String), Leads> {
    let mut out: BTreeMap<(Group, String), Leads> = BTreeMap::new();
    for l in leads {
        let bucket = buckets.then(|| l.time.div_euclid(900) * 900);
        let key = ((bucket, l.value.clone()), l.goal.clone());
        out.entry(key).or_default().add(&one(l.stage, l.base));
    }
    out
}

/// The groups of stats.json: a local date or hour, or the value, of each
/// click and lead within the `hour` filter, in `tz`.
pub fn local_groups(
    item: Item,
    hour: Option<i8>,
    tz: &TimeZone,
    clicks: &[Click],
    leads: &[Lead],
) -> BTreeMap<Key, Row> {
    let key = |t: i64, value: &Option<Key>| -> Option<Key> {
        let at = tz.to_datetime(jiff::Timestamp::from_second(t).unwrap());
        if hour.is_some_and(|h| at.hour() != h) {
            return None;
        }
        Some(match (value, item) {
            (Some(v), _) => v.clone(),
            (None, Item::Hour) => Key::Int(at.hour() as i64),
            (None, _) => {
                Key::Int(at.year() as i64 * 10_000 + at.month() as i64 * 100 + at.day() as i64)
            }
        })
    };
    let mut out: BTreeMap<Key, Row> = BTreeMap::new();
    for c in clicks {
        if let Some(k) = key(c.ms.div_euclid(1000), &c.value) {
            out.entry(k).or_default().add_clicks(1, c.unique, c.cost);
        }
    }
    for l in leads {
        if let Some(k) = key(l.time, &l.value) {
            out.entry(k)
                .or_default()
                .add_leads(&l.goal, &one(l.stage, l.base));
        }
    }
    out
}
