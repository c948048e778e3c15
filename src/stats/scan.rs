//! stats.json grouped by a column straight from the click table, for what
//! no rollup holds: a high-cardinality item (subid, utm_campaign/content/
//! term, ip) filtered by anything but its flow, or any item filtered by a
//! dimension the wide rollup lacks. Issue 6 wants any item with one filter
//! under 1 s on 10M clicks; SQLite's GROUP BY on one connection took 1.5 s
//! for a month of subids in one country.
//!
//! The period is read as two halves at once, each on its own pooled
//! connection (one report used one core of the two), and summed in memory
//! (src/stats/sums.rs). When the values are too many to hold (ip, about
//! one per click, goes there directly) the caller runs SQLite's GROUP BY
//! on one connection: its sorter keeps memory bounded, and two sorts at
//! once through temporary files were slower than one (ip in one country
//! 1.9 -> 2.7 s).
use super::items::Key;
use super::source::{ClickAgg, BUCKET};
use super::sums::{self, Groups, Sums};
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::Connection;

/// Clicks per 15-minute bucket of `[from, to)` (Unix seconds, None:
/// unbounded), every user's (a scan reads them all), in bucket order,
/// from the time-only rollup.
fn buckets(
    conn: &Connection,
    from: Option<i64>,
    to: Option<i64>,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT bucket, SUM(clicks) FROM click_roll
         WHERE kind = 0 AND bucket >= ?1 AND bucket < ?2 GROUP BY bucket ORDER BY bucket",
    )?;
    let first = from.map_or(i64::MIN, |t| t.div_euclid(BUCKET));
    let end = to.map_or(i64::MAX, |t| t.div_euclid(BUCKET) + 1);
    let rows = st.query_map([first, end], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// How many clicks (every user's) `[from, to)` holds, rounded outwards
/// to whole 15-minute buckets: what a scan of it reads.
pub fn clicks_in(conn: &Connection, from: Option<i64>, to: Option<i64>) -> rusqlite::Result<i64> {
    Ok(buckets(conn, from, to)?.iter().map(|b| b.1).sum())
}

/// Where the second connection's share of `[from, to)` starts: the first
/// bucket by which half of its clicks (see [`buckets`]) have come. None
/// when no split falls inside the range.
pub(super) fn halfway(
    conn: &Connection,
    from: Option<i64>,
    to: Option<i64>,
) -> rusqlite::Result<Option<i64>> {
    let buckets = buckets(conn, from, to)?;
    let all: i64 = buckets.iter().map(|b| b.1).sum();
    let mut seen = 0;
    for (bucket, clicks) in buckets {
        seen += clicks;
        if 2 * seen >= all {
            let mid = (bucket + 1) * BUCKET;
            let inside = from.is_none_or(|f| mid > f) && to.is_none_or(|t| mid < t);
            return Ok(inside.then_some(mid));
        }
    }
    Ok(None)
}

/// Whether `filters` may match half of the clicks a scan of `period`
/// reads ([`sums::Reading`]): the wide rollup's count when it has one,
/// else yes. Prices walked for the 14% of a month in one country took
/// 1.25 s against 1.05 s looked up, for every click 1.95 s against 2.7 s.
fn dense(conn: &Connection, filters: &Where, period: Period) -> rusqlite::Result<bool> {
    let Some(most) = super::wide::at_most(conn, filters, period.start, period.end)? else {
        return Ok(true);
    };
    Ok(2 * most >= clicks_in(conn, Some(period.start), Some(period.end))?)
}

/// Runs `read` over the clicks of `[from, to)` (Unix seconds, None:
/// unbounded): over the first half of them on `conn` while `spare`, when
/// there is one, reads the second half on another thread. Answers the
/// earlier part's result and the later part's, if read apart. `spare`
/// must see what `conn` sees: a reader opened while `conn` holds the
/// write lock sees the last commit, which is all `conn` sees too unless
/// its own transaction already changed the rows `read` reads.
pub fn in_halves<T: Send>(
    conn: &Connection,
    spare: Option<&mut Connection>,
    (from, to): (Option<i64>, Option<i64>),
    read: impl Fn(&Connection, Option<i64>, Option<i64>) -> rusqlite::Result<T> + Sync,
) -> rusqlite::Result<(T, Option<T>)> {
    let split = match spare {
        Some(_) => halfway(conn, from, to)?,
        None => None,
    };
    let (Some(second), Some(mid)) = (spare, split) else {
        return Ok((read(conn, from, to)?, None));
    };
    let (early, later) = side_by_side(
        conn,
        second,
        |c| read(c, from, Some(mid)),
        |c| read(c, Some(mid), to),
    )?;
    Ok((early, Some(later)))
}

/// Runs `early` on `conn` while another thread runs `late` on `second`;
/// answers both results (the first error, and a panic goes on).
pub fn side_by_side<T: Send>(
    conn: &Connection,
    second: &mut Connection,
    early: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    late: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send,
) -> rusqlite::Result<(T, T)> {
    std::thread::scope(|s| {
        let later = s.spawn(move || late(second));
        let early = early(conn);
        let later = later
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        Ok((early?, later?))
    })
}

/// The `top` groups with the most clicks, ties by value: the groups
/// stats.json keeps (src/stats/mod.rs, which also puts them in order).
fn top(groups: Groups, top: Option<usize>) -> Vec<(Key, Sums)> {
    let mut all: Vec<(Key, Sums)> = groups.into_groups().collect();
    let order =
        |a: &(Key, Sums), b: &(Key, Sums)| b.1.click.cmp(&a.1.click).then_with(|| a.0.cmp(&b.0));
    if let Some(n) = top.filter(|&n| n > 0 && n < all.len()) {
        all.select_nth_unstable_by(n - 1, order);
        all.truncate(n);
    }
    all
}

/// Click count, unique count and spend per value of `column` over the
/// period, the `top` groups with the most clicks (ties by value), half of
/// the period read on `spare` at the same time when there is one.
/// `scan`: read the period's rows in id order rather than through an
/// index (src/stats/source.rs). Ok(false), having handed out nothing,
/// when the values are too many to hold in memory.
#[allow(clippy::too_many_arguments)]
pub fn clicks(
    conn: &Connection,
    spare: Option<&mut Connection>,
    column: &str,
    filters: &Where,
    period: Period,
    scan: bool,
    top_n: Option<usize>,
    each: impl FnMut(ClickAgg),
) -> rusqlite::Result<bool> {
    if column == "ip" {
        // About one value per click: the attempt would only give up.
        return Ok(false);
    }
    let how = sums::Reading::new(scan, scan && dense(conn, filters, period)?);
    let share = |c: &Connection, from: Option<i64>, to: Option<i64>| {
        let all = (period.start, period.end);
        sums::share(
            c,
            column,
            filters,
            how,
            from.unwrap_or(all.0),
            to.unwrap_or(all.1),
        )
    };
    let period = (Some(period.start), Some(period.end));
    let groups = match in_halves(conn, spare, period, share)? {
        (a, Some(b)) => Groups::both(a, b),
        (a, None) => a,
    };
    let Some(groups) = groups else {
        return Ok(false);
    };
    hand_out(groups, top_n, each);
    Ok(true)
}

/// Hands `each` the `top_n` groups with the most clicks (all without
/// `top_n`), one aggregate per value.
pub fn hand_out(groups: Groups, top_n: Option<usize>, mut each: impl FnMut(ClickAgg)) {
    for (key, s) in top(groups, top_n) {
        each(ClickAgg::of(None, Some(key), s));
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::{self, Grouping};
    use super::*;
    use crate::clicks::id::key_at;

    /// 250,000 clicks of user 1 over two days: ip nearly one per click
    /// (too many to hold: SQLite's GROUP BY sums them) except for a few
    /// busy ones, subid ten values (summed in memory), a price on every
    /// third click, and the time-only rollup that splits the period.
    fn fixture() -> (tempfile::TempDir, Connection, Connection, Period) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.db");
        let conn = crate::db::open_and_migrate(&path).unwrap();
        let second = crate::db::open(&path).unwrap();
        let t0 = 1_700_000_000;
        conn.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250000)
             INSERT INTO clicks (id, secret, user_id, flow, uniq, ip, subid)
             SELECT {k0} + i * 45000 * 65536 / 65, 0, 1, 'f', i % 2,
                    CASE WHEN i % 50 = 0 THEN 'busy' || (i % 7) ELSE 'ip' || i END,
                    's' || (i % 10)
             FROM n;
             INSERT INTO click_cost (id, cost) SELECT id, 0.25 FROM clicks WHERE id % 3 = 0;
             INSERT INTO click_roll (user_id, kind, bucket, flow, value, clicks)
             SELECT 1, 0, (id >> 16) / 900000, flow, '', count(*) FROM clicks GROUP BY 3;",
            k0 = key_at(t0)
        ))
        .unwrap();
        let period = Period {
            start: t0,
            end: t0 + 3 * 86_400,
        };
        (dir, conn, second, period)
    }

    /// What the report must hold, straight from SQL.
    fn expected(conn: &Connection, column: &str, n: usize) -> Vec<(String, i64, i64, f64)> {
        let sql = format!(
            "SELECT {column}, count(*), SUM(uniq), COALESCE(SUM(k.cost), 0.0)
             FROM clicks LEFT JOIN click_cost k USING (id)
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {n}"
        );
        let mut st = conn.prepare(&sql).unwrap();
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)));
        rows.unwrap().map(Result::unwrap).collect()
    }

    type Answer = Vec<(String, i64, i64, f64)>;

    /// The report through scan.rs alone (None: it gave up), or through
    /// source.rs, which then runs SQLite's GROUP BY.
    fn report(
        conn: &Connection,
        second: &mut Connection,
        column: &'static str,
        period: Period,
        n: usize,
        whole: bool,
    ) -> Option<Answer> {
        let mut out = Vec::new();
        let add = |out: &mut Answer, a: ClickAgg| {
            let Some(Key::Text(key)) = a.value else {
                panic!("{:?}", a.value)
            };
            out.push((key, a.click, a.unique, a.spend));
        };
        let owner = Where::owner(1);
        let done = if whole {
            let g = Grouping {
                buckets: false,
                column: Some(column),
                top: Some(n),
            };
            source::clicks(conn, None, g, &owner, period, None, |a| add(&mut out, a)).unwrap();
            true
        } else {
            let each = |a| add(&mut out, a);
            clicks(
                conn,
                Some(second),
                column,
                &owner,
                period,
                true,
                Some(n),
                each,
            )
            .unwrap()
        };
        // stats.json's own order (src/stats/mod.rs).
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        done.then_some(out)
    }

    fn same(a: &[(String, i64, i64, f64)], b: &[(String, i64, i64, f64)]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!((&x.0, x.1, x.2), (&y.0, y.1, y.2));
            assert!((x.3 - y.3).abs() < 1e-6, "{x:?} {y:?}");
        }
    }

    #[test]
    fn both_ways_of_reading_the_click_table_keep_the_same_top_groups() {
        let (_dir, conn, mut second, period) = fixture();
        assert!(halfway(&conn, Some(period.start), Some(period.end))
            .unwrap()
            .is_some());
        // subid: summed in memory over two halves at once.
        for n in [4, 100] {
            let got = report(&conn, &mut second, "subid", period, n, false);
            same(&got.expect("held in memory"), &expected(&conn, "subid", n));
        }
        // Prices walked beside the clicks or looked up: the same sums.
        let owner = Where::owner(1);
        let read = |how| {
            let (from, to) = (period.start, period.end);
            let groups = sums::share(&conn, "subid", &owner, how, from, to).unwrap();
            let mut v: Vec<_> = top(groups.expect("ten values"), None)
                .into_iter()
                .map(|(k, s)| (format!("{k:?}"), s.click, s.unique, (s.spend * 1e6).round()))
                .collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v
        };
        let walked = read(sums::Reading::ScanWalk);
        assert!(walked.iter().all(|g| g.3 > 0.0), "{walked:?}");
        assert_eq!(read(sums::Reading::Scan), walked);
        assert_eq!(read(sums::Reading::Index), walked);
        // ip: too many values, so SQLite's GROUP BY; ties (one click
        // each) are cut by value, as in memory.
        let how = sums::Reading::ScanWalk;
        let share = sums::share(&conn, "ip", &owner, how, period.start, period.end);
        assert!(share.unwrap().is_none());
        assert!(report(&conn, &mut second, "ip", period, 12, false).is_none());
        let got = report(&conn, &mut second, "ip", period, 12, true).unwrap();
        same(&got, &expected(&conn, "ip", 12));
    }
}
