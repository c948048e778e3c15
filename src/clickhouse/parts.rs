//! Reading shipped rows each once, without `FINAL` where that is exact
//! (docs/SCALING.md "Reports").
//!
//! A row sent twice, or changed after it was sent, is in ClickHouse
//! twice until a merge keeps its newest version; `FINAL` does that merge
//! while reading, and on ClickHouse 18.16 it does it on one thread: most
//! of a report's time. But a part never holds a key twice (a batch sends
//! each row once, src/store/ship/batch.rs; a merge keeps one), so a
//! partition (a UTC day, src/clickhouse/schema.rs) that is one part is
//! read exactly without `FINAL`. Days merge into one part once quiet
//! (src/clickhouse/settle.rs), so a report reads most of its days plainly
//! and the busy ones with `FINAL`.
//!
//! Which days are one part is read before the query and checked again
//! after it: a day read plainly whose parts changed meanwhile may have
//! had two at the query's start, and the query is run again. A day
//! ClickHouse lists no part of is read with `FINAL` (on a cluster, the
//! `Distributed` tables list none: every day is).
use super::reports::Reports;
use super::{Client, Failed};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// A day whose newest part is younger than this (or than
/// `--merge-after-secs`, when shorter) is read with `FINAL` even when it
/// is one part: more rows are likely to reach it during the query, which
/// would make the check below run the query again.
pub const BUSY: Duration = Duration::from_secs(60);
/// Queries run against a snapshot of the parts before every day is
/// read with `FINAL` (days kept changing during each of them).
const TRIES: usize = 2;

/// A table split into days, and the column its days are of.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub day: i64,
}

pub const CLICKS: Table = Table {
    name: super::schema::CLICKS,
    key: "id",
    day: super::schema::CLICK_DAY,
};

pub const LEADS: Table = Table {
    name: super::schema::LEADS,
    key: "time",
    day: super::schema::LEAD_DAY,
};

/// Rows of a table whose key is in `lo..hi`.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub lo: i64,
    pub hi: i64,
}

impl Span {
    /// Every row.
    pub const ALL: Span = Span {
        lo: i64::MIN,
        hi: i64::MAX,
    };
}

/// One day's active parts.
#[derive(Debug, Clone, PartialEq, Default)]
struct Day {
    parts: Vec<String>,
    busy: bool,
}

/// A table's active parts by day, as ClickHouse listed them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parts(BTreeMap<i64, Day>);

impl Parts {
    pub fn read(client: &Client, t: &Table, busy: Duration) -> Result<Parts, Failed> {
        let sql = format!(
            "SELECT partition, name, toUInt8(modification_time > now() - {}) \
             FROM system.parts WHERE database = currentDatabase() AND table = '{}' \
             AND active FORMAT TabSeparated",
            busy.as_secs(),
            t.name
        );
        Ok(Parts::parse(&client.run(&sql, b"", true)?))
    }

    /// `partition \t name \t busy` lines.
    pub fn parse(text: &str) -> Parts {
        let mut days: BTreeMap<i64, Day> = BTreeMap::new();
        for line in text.lines() {
            let mut f = line.split('\t');
            let (Some(Ok(day)), Some(name), busy) =
                (f.next().map(str::parse), f.next(), f.next() == Some("1"))
            else {
                continue;
            };
            let d = days.entry(day).or_default();
            d.parts.push(name.to_string());
            d.busy |= busy;
        }
        for d in days.values_mut() {
            d.parts.sort_unstable();
        }
        Parts(days)
    }

    /// The days of `s` that have rows.
    fn days<'a>(&'a self, t: &Table, s: Span) -> impl Iterator<Item = (&'a i64, &'a Day)> {
        let (first, end) = match s.lo < s.hi {
            true => (s.lo.div_euclid(t.day), (s.hi - 1).div_euclid(t.day) + 1),
            false => (0, 0),
        };
        self.0.range(first..end)
    }

    /// The key ranges within `s` to read plainly: days of one part that
    /// is not busy, adjacent ones joined. Every other day, one that
    /// ClickHouse lists no part of included (a `Distributed` table lists
    /// none), is read with `FINAL`.
    pub fn plain(&self, t: &Table, s: Span) -> Vec<Span> {
        let mut out: Vec<Span> = Vec::new();
        for (&day, d) in self.days(t, s) {
            if !d.plain() {
                continue;
            }
            let lo = day.saturating_mul(t.day).max(s.lo);
            let hi = day.saturating_mul(t.day).saturating_add(t.day).min(s.hi);
            match out.last_mut() {
                Some(last) if last.hi == lo => last.hi = hi,
                _ => out.push(Span { lo, hi }),
            }
        }
        out
    }

    /// Whether every day of `s` read plainly with `self` has the same
    /// parts in `after`.
    pub fn held(&self, after: &Parts, t: &Table, s: Span) -> bool {
        let plain = |p: &Parts| -> Vec<(i64, Vec<String>)> {
            p.days(t, s)
                .filter(|(day, _)| self.0.get(day).is_some_and(Day::plain))
                .map(|(day, d)| (*day, d.parts.clone()))
                .collect()
        };
        plain(self) == plain(after)
    }
}

impl Day {
    fn plain(&self) -> bool {
        self.parts.len() == 1 && !self.busy
    }
}

/// `names` once each, in order, for a subquery's SELECT list.
pub fn columns<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out.join(", ")
}

/// `s` less the `plain` ranges (sorted, within `s`).
fn rest(s: Span, plain: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut from = s.lo;
    for m in plain {
        if m.lo > from {
            out.push(Span { lo: from, hi: m.lo });
        }
        from = m.hi;
    }
    if from < s.hi {
        out.push(Span { lo: from, hi: s.hi });
    }
    out
}

/// `key` within any of `spans` (an open end is written as none).
fn within(key: &str, spans: &[Span]) -> String {
    let one = |s: &Span| {
        let mut c = Vec::new();
        if s.lo != i64::MIN {
            c.push(format!("{key} >= {}", s.lo));
        }
        if s.hi != i64::MAX {
            c.push(format!("{key} < {}", s.hi));
        }
        match c.is_empty() {
            true => "1".to_string(),
            false => c.join(" AND "),
        }
    };
    let all: Vec<String> = spans.iter().map(|s| format!("({})", one(s))).collect();
    all.join(" OR ")
}

/// A subquery of `columns` of the rows of `t` in `s` that meet `cond`,
/// each once: plainly from the `plain` ranges, with `FINAL` from the rest.
pub fn source(t: &Table, columns: &str, cond: &str, s: Span, plain: &[Span]) -> String {
    let merging = rest(s, plain);
    let mut out = String::from("(");
    for (spans, fin) in [(plain, ""), (&merging[..], " FINAL")] {
        if spans.is_empty() {
            continue;
        }
        if out.len() > 1 {
            out.push_str(" UNION ALL ");
        }
        let _ = write!(
            out,
            "SELECT {columns} FROM {}{fin} WHERE {cond} AND ({})",
            t.name,
            within(t.key, spans)
        );
    }
    if out.len() == 1 {
        // An empty span: no rows.
        let _ = write!(out, "SELECT {columns} FROM {} WHERE 0", t.name);
    }
    out.push(')');
    out
}

/// Runs `sql(source)` over the rows of `t` in `s` meeting `cond`, each
/// once (see the top of this file); answers its text.
pub fn select(
    reports: &Reports,
    t: &Table,
    columns: &str,
    cond: &str,
    s: Span,
    sql: impl Fn(&str) -> String,
) -> Result<String, Failed> {
    let (client, busy) = (reports.client(), reports.busy());
    let mut before = Parts::read(client, t, busy)?;
    for _ in 0..TRIES {
        let plain = before.plain(t, s);
        let text = client.run(&sql(&source(t, columns, cond, s, &plain)), b"", true)?;
        let after = Parts::read(client, t, busy)?;
        if before.held(&after, t, s) {
            return Ok(text);
        }
        before = after;
    }
    client.run(&sql(&source(t, columns, cond, s, &[])), b"", true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table {
        name: "t",
        key: "k",
        day: 10,
    };

    fn parts(lines: &[&str]) -> Parts {
        Parts::parse(&lines.join("\n"))
    }

    #[test]
    fn days_of_one_quiet_part_are_read_plainly_the_rest_with_final() {
        let p = parts(&[
            "1\ta\t0", "2\tb\t0", "2\tc\t0", "3\td\t1", "4\th\t0", "5\te\t0", "5\tf\t0", "7\tg\t0",
        ]);
        let s = Span { lo: 15, hi: 58 };
        let plain = p.plain(&T, s);
        let got: Vec<(i64, i64)> = plain.iter().map(|s| (s.lo, s.hi)).collect();
        assert_eq!(got, [(15, 20), (40, 50)]);
        let r: Vec<(i64, i64)> = rest(s, &plain).iter().map(|s| (s.lo, s.hi)).collect();
        assert_eq!(r, [(20, 40), (50, 58)]);
        assert_eq!(
            source(&T, "k", "u = 1", s, &plain),
            "(SELECT k FROM t WHERE u = 1 AND ((k >= 15 AND k < 20) OR (k >= 40 AND k < 50)) \
             UNION ALL SELECT k FROM t FINAL WHERE u = 1 AND ((k >= 20 AND k < 40) OR (k >= 50 AND k < 58)))"
        );
    }

    #[test]
    fn a_table_without_parts_listed_is_read_with_final_open_ends_without_overflow() {
        // A Distributed table lists no parts.
        let none = parts(&[]);
        assert!(none.plain(&T, Span::ALL).is_empty());
        assert_eq!(
            source(&T, "k", "1", Span::ALL, &[]),
            "(SELECT k FROM t FINAL WHERE 1 AND ((1)))"
        );
        let p = parts(&["-1\ta\t0"]);
        let plain = p.plain(&T, Span::ALL);
        assert_eq!(
            source(&T, "k", "1", Span::ALL, &plain),
            "(SELECT k FROM t WHERE 1 AND ((k >= -10 AND k < 0)) \
             UNION ALL SELECT k FROM t FINAL WHERE 1 AND ((k < -10) OR (k >= 0)))"
        );
        let empty = Span { lo: 5, hi: 5 };
        assert_eq!(
            source(&T, "k", "1", empty, &p.plain(&T, empty)),
            "(SELECT k FROM t WHERE 0)"
        );
    }

    #[test]
    fn a_plain_day_whose_parts_changed_fails_the_check_a_final_one_does_not() {
        let before = parts(&["1\ta\t0", "2\tb\t0", "2\tc\t0"]);
        let s = Span { lo: 0, hi: 30 };
        // Day 2 was read with FINAL: its parts may change; so may a day
        // that had none.
        let after = parts(&["0\tz\t0", "1\ta\t0", "2\td\t0"]);
        assert!(before.held(&after, &T, s));
        // Day 1 was read plainly: a part came and was merged in.
        let after = parts(&["1\te\t0", "2\tb\t0", "2\tc\t0"]);
        assert!(!before.held(&after, &T, s));
        // ... or came and is still there.
        let after = parts(&["1\ta\t0", "1\tf\t0", "2\tb\t0", "2\tc\t0"]);
        assert!(!before.held(&after, &T, s));
    }
}
