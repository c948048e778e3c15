//! stats.json item ip from the click columns (src/store/cols). A month of
//! 10M clicks has ~10M addresses; SQLite's GROUP BY over the click table
//! took 6-8 s for it, and summing them in a hash map would take ~200 MB.
//!
//! Two passes over the period's chunks, each share of the period in one
//! snapshot: the first sorts the matching IPv4 addresses as 4-byte keys
//! (4 bytes of memory per click), and the sorted shares give the `n`
//! groups with the most clicks (ties by text, as stats.json orders them);
//! the second sums those groups' clicks, unique clicks and prices. With
//! a second pooled connection the two halves of the period are read at
//! once (src/store/scan.rs).
use super::aggregate::Key;
use super::cols::format::Ip;
use super::cols::read::{At, Hours, Need, Plan, Visit};
use super::scan::{halfway, keep_smallest};
use super::sums::Sums;
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::click_id::key_at;
use rusqlite::Connection;
use std::collections::BinaryHeap;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, LazyLock};

/// The `n` groups of item ip with the most clicks (ties by address
/// text), with their sums; None when a filter is on a column the click
/// columns lack. The later half of the period is read on `spare` when
/// given.
pub fn top(
    conn: &Connection,
    spare: Option<&mut Connection>,
    filters: &Where,
    period: Period,
    hours: Option<&Hours>,
    n: usize,
) -> rusqlite::Result<Option<Vec<(Key, Sums)>>> {
    let Some(plan) = Plan::new(filters, period, hours, None) else {
        return Ok(None);
    };
    let mid = match spare {
        Some(_) => halfway(conn, Some(period.start), Some(period.end))?,
        None => None,
    };
    let (top, sums) = match (spare, mid) {
        (Some(second), Some(mid)) => in_halves(conn, second, &plan, mid, n)?,
        _ => {
            let _snapshot = conn.unchecked_transaction()?;
            let top = Top::of(&[first_pass(conn, &plan)?], n);
            let sums = second_pass(conn, &plan, &top)?;
            (Arc::new(top), sums)
        }
    };
    let groups = top.groups.iter().zip(sums);
    Ok(Some(
        groups
            .map(|((t, _), s)| (Key::Text(t.clone()), s))
            .collect(),
    ))
}

/// Both passes over `[start, mid)` on `conn` while another thread reads
/// `[mid, end)` on `second`, each in its own snapshot; the kept groups
/// come from both halves' keys.
fn in_halves(
    conn: &Connection,
    second: &mut Connection,
    plan: &Plan,
    mid: i64,
    n: usize,
) -> rusqlite::Result<(Arc<Top>, Vec<Sums>)> {
    let (early, late) = (
        plan.between(plan.from, key_at(mid)),
        plan.between(key_at(mid), plan.to),
    );
    let late = &late;
    std::thread::scope(|s| {
        let (keys_tx, keys_rx) = sync_channel::<Keys>(1);
        let (top_tx, top_rx) = sync_channel::<Arc<Top>>(1);
        // The other half works within this one's time budget.
        let deadline = crate::db::budget::deadline();
        let other = s.spawn(move || -> rusqlite::Result<Vec<Sums>> {
            let _budget = crate::db::budget::Entered::new(deadline);
            let _snapshot = second.unchecked_transaction()?;
            // A send fails only when this side already failed.
            let _ = keys_tx.send(first_pass(second, late)?);
            let Ok(top) = top_rx.recv() else {
                return Ok(Vec::new());
            };
            second_pass(second, late, &top)
        });
        let mine = (|| -> rusqlite::Result<(Arc<Top>, Vec<Sums>)> {
            let _snapshot = conn.unchecked_transaction()?;
            let keys = first_pass(conn, &early)?;
            // No keys: the other thread failed, and its error is the one
            // answered below.
            let theirs = keys_rx.recv().map_err(|_| rusqlite::Error::InvalidQuery)?;
            let top = Arc::new(Top::of(&[keys, theirs], n));
            let _ = top_tx.send(top.clone());
            let sums = second_pass(conn, &early, &top)?;
            Ok((top, sums))
        })();
        drop(top_tx);
        let theirs = other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        let (top, mut sums) = mine?;
        for (s, t) in sums.iter_mut().zip(theirs) {
            s.merge(t);
        }
        Ok((top, sums))
    })
}

/// The matching addresses of a share of the period, sorted: IPv4 as
/// [`text_key`]s, the rest as text.
#[derive(Default)]
struct Keys {
    v4: Vec<u32>,
    other: Vec<String>,
}

impl Visit for Keys {
    fn click(&mut self, at: &mut At) {
        match at.ip() {
            Ip::V4(a) => self.v4.push(text_key(a)),
            ip => self.other.push(ip.text().into_owned()),
        }
    }
}

fn first_pass(conn: &Connection, plan: &Plan) -> rusqlite::Result<Keys> {
    let mut keys = Keys::default();
    // Room for every click the plan may hand out, reserved at once: pages
    // never written are never resident, while growing by doubling held
    // the old and the new buffer at once (1.5-3x the keys at the peak).
    // Refused (a small machine's overcommit check), it grows as it goes.
    let _ = keys.v4.try_reserve_exact(plan.room(conn)?);
    let need = Need {
        ip: true,
        ..Need::default()
    };
    plan.each(conn, need, &mut keys)?;
    keys.v4.sort_unstable();
    keys.other.sort_unstable();
    Ok(keys)
}

/// The second pass's sums.
struct Counted<'t> {
    top: &'t Top,
    sums: Vec<Sums>,
}

impl Visit for Counted<'_> {
    fn click(&mut self, at: &mut At) {
        if let Some(g) = self.top.group(at.ip()) {
            let s = &mut self.sums[g];
            s.click += 1;
            s.unique += at.unique();
            s.spend += at.cost();
        }
    }
}

/// Sums of the kept groups over a share of the period.
fn second_pass(conn: &Connection, plan: &Plan, top: &Top) -> rusqlite::Result<Vec<Sums>> {
    let mut counted = Counted {
        top,
        sums: vec![Sums::default(); top.groups.len()],
    };
    let need = Need {
        ids: false,
        uniq: true,
        ip: true,
        cost: true,
    };
    plan.each(conn, need, &mut counted)?;
    Ok(counted.sums)
}

/// Bits of the filter that spares most clicks of the second pass a hash
/// lookup: 2^20 bits, ~1% of them set by 10,000 groups.
const FILTER_BITS: u32 = 20;

/// The kept groups (address text, clicks; most clicks first) and how to
/// find a click's.
struct Top {
    groups: Vec<(String, i64)>,
    v4: foldhash::HashMap<u32, usize>,
    other: foldhash::HashMap<String, usize>,
    filter: Vec<u64>,
}

impl Top {
    /// The `n` best groups of the shares' keys together.
    fn of(shares: &[Keys], n: usize) -> Top {
        let none = Keys::default();
        let (a, b) = (&shares[0], shares.get(1).unwrap_or(&none));
        // The keys below a pivot and those above it on two threads: ten
        // million keys took one 67 ms.
        let pivot = a.v4.get(a.v4.len() / 2).or(b.v4.get(b.v4.len() / 2));
        let below = |v: &[u32]| v.partition_point(|k| Some(k) < pivot);
        let (a_lo, a_hi) = a.v4.split_at(below(&a.v4));
        let (b_lo, b_hi) = b.v4.split_at(below(&b.v4));
        let (lo, hi) = std::thread::scope(|s| {
            let hi = s.spawn(|| best(runs(a_hi, b_hi), n));
            let lo = best(runs(a_lo, b_lo), n);
            (
                lo,
                hi.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        let mut groups: Vec<(String, i64, Option<u32>)> = lo
            .into_iter()
            .chain(hi)
            .map(|(k, c)| (Ip::V4(address(k)).text().into_owned(), c, Some(address(k))))
            .chain(
                best(runs(&a.other, &b.other), n)
                    .into_iter()
                    .map(|(t, c)| (t, c, None)),
            )
            .collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        groups.truncate(n);
        let mut top = Top {
            groups: Vec::with_capacity(groups.len()),
            v4: Default::default(),
            other: Default::default(),
            filter: vec![0; 1 << (FILTER_BITS - 6)],
        };
        for (i, (t, c, a)) in groups.into_iter().enumerate() {
            match a {
                Some(a) => {
                    let h = filter_bit(a);
                    top.filter[h >> 6] |= 1 << (h & 63);
                    top.v4.insert(a, i);
                }
                None => {
                    top.other.insert(t.clone(), i);
                }
            }
            top.groups.push((t, c));
        }
        top
    }

    #[inline]
    fn group(&self, ip: Ip) -> Option<usize> {
        match ip {
            Ip::V4(a) => {
                let h = filter_bit(a);
                if self.filter[h >> 6] & (1 << (h & 63)) == 0 {
                    return None;
                }
                self.v4.get(&a).copied()
            }
            _ => self.other.get(&*ip.text()).copied(),
        }
    }
}

#[inline]
fn filter_bit(a: u32) -> usize {
    (a.wrapping_mul(0x9E37_79B1) >> (32 - FILTER_BITS)) as usize
}

/// Octet → its place among the 256 octets ordered as text ("0" < "1" <
/// "10" < "100" < ... < "99"), and back: a dotted quad's text order is
/// its octets' text order, one after the other.
static TEXT_ORDER: LazyLock<([u8; 256], [u8; 256])> = LazyLock::new(|| {
    let mut octets: Vec<u8> = (0..=255).collect();
    octets.sort_by_key(|o| o.to_string());
    let (mut rank, mut back) = ([0u8; 256], [0u8; 256]);
    for (r, &o) in octets.iter().enumerate() {
        rank[o as usize] = r as u8;
        back[r] = o;
    }
    (rank, back)
});

/// Each octet of `a` through `table`.
#[inline]
fn octets_through(table: &[u8; 256], a: u32) -> u32 {
    let t = |shift: u32| (table[(a >> shift & 0xFF) as usize] as u32) << shift;
    t(24) | t(16) | t(8) | t(0)
}

/// An IPv4 address as a key that sorts as its text does.
fn text_key(a: u32) -> u32 {
    octets_through(&TEXT_ORDER.0, a)
}

fn address(key: u32) -> u32 {
    octets_through(&TEXT_ORDER.1, key)
}

/// Each distinct value of two sorted lists, with how often it occurs in
/// both, in order.
fn runs<'a, T: Ord>(a: &'a [T], b: &'a [T]) -> impl Iterator<Item = (&'a T, i64)> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let v = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(y),
            (x, y) => x.or(y)?,
        };
        let mut count = 0;
        while a.get(i) == Some(v) {
            i += 1;
            count += 1;
        }
        while b.get(j) == Some(v) {
            j += 1;
            count += 1;
        }
        Some((v, count))
    })
}

/// A group in the running for the top: more clicks first, then the
/// smaller value; the heap's top is the worst one kept.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Worst<K>(std::cmp::Reverse<i64>, K);

/// The `n` best (value, clicks) of `runs`.
fn best<'a, K: Ord + Clone + 'a>(
    runs: impl Iterator<Item = (&'a K, i64)>,
    n: usize,
) -> Vec<(K, i64)> {
    let mut heap: BinaryHeap<Worst<&K>> = BinaryHeap::with_capacity(n + 1);
    for (value, clicks) in runs {
        keep_smallest(&mut heap, n, Worst(std::cmp::Reverse(clicks), value));
    }
    heap.into_iter().map(|w| (w.1.clone(), w.0 .0)).collect()
}

#[cfg(test)]
#[path = "ip_tests.rs"]
mod tests;
