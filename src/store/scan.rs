//! Reading a period of clicks as two halves at once, each on its own
//! pooled connection (one report or spend used one core of the two):
//! the click columns (src/store/cols), the leads of a cut answer
//! (src/store/aggregate.rs) and spend's click ids (src/store/reprice/mod.rs).
//! The halves split the period's clicks in two by the time-only rollup.
//! Also the top groups of an answer cut to the busiest.
use super::aggregate::Key;
use super::aggregate::{ClickAgg, BUCKET};
use super::sums::{Groups, Sums};
use rusqlite::Connection;
use std::collections::BinaryHeap;

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
/// answers both results (the first error, and a panic goes on). The
/// other thread works within this one's time budget (src/db/budget.rs).
pub fn side_by_side<T: Send>(
    conn: &Connection,
    second: &mut Connection,
    early: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    late: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send,
) -> rusqlite::Result<(T, T)> {
    std::thread::scope(|s| {
        let deadline = crate::db::budget::deadline();
        let later = s.spawn(move || crate::db::budget::within(deadline, || late(second)));
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

/// Hands `each` the `top_n` groups with the most clicks (all without
/// `top_n`), one aggregate per value.
pub fn hand_out(groups: Groups, top_n: Option<usize>, mut each: impl FnMut(ClickAgg)) {
    for (key, s) in top(groups, top_n) {
        each(ClickAgg::of(None, Some(key), s));
    }
}

/// Offers `item` to `heap`, which keeps the `cap` smallest items offered:
/// its top, the greatest of them, is the first to go (item ip's busiest
/// groups, src/store/ip.rs; clicks.json's newest ids, src/clicks/list.rs).
pub fn keep_smallest<T: Ord>(heap: &mut BinaryHeap<T>, cap: usize, item: T) {
    if heap.len() < cap {
        heap.push(item);
    } else if let Some(mut top) = heap.peek_mut() {
        if item < *top {
            *top = item;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    fn gone() -> Option<Instant> {
        Some(Instant::now() - Duration::from_millis(1))
    }

    #[test]
    fn the_loops_over_click_chunks_stop_past_the_deadline_on_either_half() {
        use crate::db::budget::{check, is_timeout, within};
        use crate::store::cols::read::{At, Need, Plan, Visit};
        struct Count(usize);
        impl Visit for Count {
            fn click(&mut self, _: &mut At) {
                self.0 += 1;
            }
        }
        let (_dir, conn, mut second) = crate::store::cols::fixture::fixture();
        let w = crate::api::filters::Where::owner(crate::ids::UserId(1));
        let plan = Plan::new(&w, crate::api::dates::Period::ALL, None, None).unwrap();
        let (need, mut n) = (Need::default(), Count(0));
        let e = within(gone(), || plan.each(&conn, need, &mut n)).unwrap_err();
        assert!(is_timeout(&e), "{e}");
        let (chunk, _) = plan.chunks(&conn).unwrap()[0];
        let e = within(gone(), || plan.each_in(&conn, chunk, need, &mut n)).unwrap_err();
        assert!(is_timeout(&e), "{e}");
        assert_eq!(n.0, 0);
        // The thread reading the other half works within the same budget.
        let mut halves = || super::side_by_side(&conn, &mut second, |_| Ok(()), |_| check());
        assert!(is_timeout(&within(gone(), &mut halves).unwrap_err()));
        assert!(halves().is_ok());
        plan.each(&conn, need, &mut n).unwrap();
        assert!(n.0 > 10_000);
    }
}
