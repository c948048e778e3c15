//! Item ip's first passes (ip.rs): the matching addresses of a share of
//! the period, counted per 16-bit prefix of their keys, then held a range
//! of prefixes at a time as the low 16 bits of each key in its prefix's
//! slot (2 bytes per click), each prefix's keys sorted, and every range's
//! busiest groups kept as they go. A period whose keys fit in
//! [`RANGE_KEYS`] is one range; a month of 100M clicks is a few, so its
//! memory stays bounded (docs/ARCHITECTURE.md "Memory").
use super::cols::format::Ip;
use super::cols::read::{At, Need, Plan, Visit};
use super::scan::keep_smallest;
use rusqlite::Connection;
use std::collections::BinaryHeap;
use std::sync::LazyLock;

/// Most keys one range holds, both halves of the period together (80
/// MiB); a period with more is read a range of keys at a time.
pub const RANGE_KEYS: usize = 40 << 20;

/// Keys per 16-bit prefix.
pub type Counts = Vec<u32>;

/// A range of prefixes, `[start, end)`.
pub type Range = (usize, usize);

/// Bits of a key's prefix: [`count`] keeps 2^16 counts (256 KiB).
const PREFIX: u32 = 16;

impl Visit for Counts {
    fn click(&mut self, at: &mut At) {
        if let Ip::V4(a) = at.ip() {
            let c = &mut self[(text_key(a) >> PREFIX) as usize];
            *c = c.saturating_add(1);
        }
    }
}

fn need() -> Need {
    Need {
        ip: true,
        ..Need::default()
    }
}

/// The matching IPv4 keys of a share of the period, per prefix.
pub fn count(conn: &Connection, plan: &Plan) -> rusqlite::Result<Counts> {
    let mut counts = vec![0; 1 << (32 - PREFIX)];
    plan.each(conn, need(), &mut counts)?;
    Ok(counts)
}

/// Both halves' counts together.
pub fn sum(a: &Counts, b: &Counts) -> Counts {
    a.iter().zip(b).map(|(x, y)| x.saturating_add(*y)).collect()
}

/// Consecutive prefixes in ranges of at most `budget` keys each (a
/// single prefix with more is a range of its own).
pub fn ranges(counts: &[u32], budget: usize) -> Vec<Range> {
    let mut out = Vec::new();
    let (mut start, mut held) = (0, 0u64);
    for (p, &c) in counts.iter().enumerate() {
        if held > 0 && held + c as u64 > budget as u64 {
            out.push((start, p));
            (start, held) = (p, 0);
        }
        held += c as u64;
    }
    out.push((start, counts.len()));
    out
}

/// The matching addresses of a share of the period in one range: IPv4
/// keys by prefix (their low 16 bits, each prefix's slot sorted), and
/// with the first range the other addresses as text, sorted.
#[derive(Default)]
pub struct Keys {
    range: Range,
    /// Where each prefix's slot starts in `low`, and one past the last.
    starts: Vec<usize>,
    /// Where each prefix's next key goes.
    next: Vec<usize>,
    low: Vec<u16>,
    /// Keys past their slot: none while the snapshot the counts were
    /// taken in holds, kept rather than lost should one come.
    spill: Vec<u32>,
    other: Vec<String>,
    others: bool,
}

impl Visit for Keys {
    fn click(&mut self, at: &mut At) {
        match at.ip() {
            Ip::V4(a) => {
                let k = text_key(a);
                let p = (k >> PREFIX) as usize;
                if p < self.range.0 || p >= self.range.1 {
                    return;
                }
                let i = p - self.range.0;
                let at = self.next[i];
                if at < self.starts[i + 1] {
                    self.low[at] = k as u16;
                    self.next[i] = at + 1;
                } else {
                    self.spill.push(k);
                }
            }
            ip if self.others => self.other.push(ip.text().into_owned()),
            _ => {}
        }
    }
}

/// The keys of `range` over a share of the period, whose keys per prefix
/// are `counts`; with the other addresses when `others`.
pub fn collect(
    conn: &Connection,
    plan: &Plan,
    range: Range,
    others: bool,
    counts: &Counts,
) -> rusqlite::Result<Keys> {
    let mut starts = Vec::with_capacity(range.1 - range.0 + 1);
    let mut held = 0;
    for &c in &counts[range.0..range.1] {
        starts.push(held);
        held += c as usize;
    }
    starts.push(held);
    let mut keys = Keys {
        range,
        next: starts[..starts.len() - 1].to_vec(),
        starts,
        low: Vec::new(),
        others,
        ..Keys::default()
    };
    // Every slot reserved at once: pages never written are never
    // resident. Refused (a small machine's overcommit check), every slot
    // is empty and each key goes to the spill, which grows as it goes.
    match keys.low.try_reserve_exact(held) {
        Ok(()) => keys.low.resize(held, 0),
        Err(_) => {
            keys.starts.iter_mut().for_each(|s| *s = 0);
            keys.next.iter_mut().for_each(|n| *n = 0);
        }
    }
    plan.each(conn, need(), &mut keys)?;
    for (i, &end) in keys.next.iter().enumerate() {
        keys.low[keys.starts[i]..end].sort_unstable();
    }
    keys.spill.sort_unstable();
    keys.other.sort_unstable();
    Ok(keys)
}

impl Keys {
    /// The sorted low bits of the keys of the range's `i`th prefix.
    fn slot(&self, i: usize) -> &[u16] {
        match (self.starts.get(i), self.next.get(i)) {
            (Some(&s), Some(&e)) => &self.low[s..e],
            _ => &[],
        }
    }

    /// The sorted keys of the range's `i`th prefix.
    fn of(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        let p = ((self.range.0 + i) as u32) << PREFIX;
        self.slot(i).iter().map(move |&l| p | l as u32)
    }
}

/// Groups with their clicks.
pub type Groups<K> = Vec<(K, i64)>;

/// The best groups of the ranges seen so far.
pub struct Best {
    n: usize,
    v4: BinaryHeap<Worst<u32>>,
    other: Vec<(String, i64)>,
}

impl Best {
    pub fn new(n: usize) -> Best {
        Best {
            n,
            v4: BinaryHeap::with_capacity(n + 1),
            other: Vec::new(),
        }
    }

    /// Both halves' keys of one range (`b` empty when read as one).
    pub fn add(&mut self, a: Keys, b: Option<Keys>) {
        let b = b.unwrap_or_default();
        let (heap, n) = (&mut self.v4, self.n);
        let mut offer = |k: u32, clicks: i64| {
            keep_smallest(heap, n, Worst(std::cmp::Reverse(clicks), k));
        };
        if a.spill.is_empty() && b.spill.is_empty() {
            for i in 0..a.next.len() {
                let p = ((a.range.0 + i) as u32) << PREFIX;
                for (&low, clicks) in runs(a.slot(i), b.slot(i)) {
                    offer(p | low as u32, clicks);
                }
            }
        } else {
            // Keys past their slots: every key of the range, sorted
            // together, so that each is offered once with all its clicks.
            let mut all: Vec<u32> = a.spill.iter().chain(&b.spill).copied().collect();
            for i in 0..a.next.len() {
                all.extend(a.of(i).chain(b.of(i)));
            }
            all.sort_unstable();
            for (&k, clicks) in runs(&all, &[]) {
                offer(k, clicks);
            }
        }
        if a.others || b.others {
            self.other = best(runs(&a.other, &b.other), self.n);
        }
    }

    /// The kept IPv4 keys and other addresses, with their clicks.
    pub fn take(self) -> (Groups<u32>, Groups<String>) {
        let v4 = self.v4.into_iter().map(|w| (w.1, w.0 .0)).collect();
        (v4, self.other)
    }
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
pub fn text_key(a: u32) -> u32 {
    octets_through(&TEXT_ORDER.0, a)
}

pub fn address(key: u32) -> u32 {
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
