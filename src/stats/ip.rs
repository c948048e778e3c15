//! stats.json item ip from the click columns (src/stats/cols), when every
//! filter is on a column they hold (all but subid and utm_campaign/
//! content/term). A month of 10M clicks has ~10M addresses; SQLite's
//! GROUP BY over the click table took 6-8 s for it.
//!
//! Two passes over the period's chunks, in one snapshot: the first sorts
//! the matching IPv4 addresses as 4-byte keys and keeps the `n` groups
//! with the most clicks (ties by text, as stats.json orders them); the
//! second counts those groups' unique clicks and collects their click
//! ids, whose prices come from click_cost. With a second pooled
//! connection each reads half of the addresses (split by a hash), so
//! their groups are disjoint and each sorts half: memory is 4 bytes per
//! matching click, half on each connection.
use super::cols::format::{Chunk, Codes, Ip};
use super::cols::store::damaged;
use super::cols::{INTS, TEXTS};
use super::items::Key;
use super::scan::side_by_side;
use super::sums::{prices_of, Sums};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::clicks::id::key_at;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection};
use std::collections::{BinaryHeap, HashSet};
use std::sync::LazyLock;

/// The 15-minute buckets (Unix seconds / 900) a request keeps, from
/// `first` on: the `hour` filter's local hour in the user's timezone.
pub struct Hours {
    pub first: i64,
    pub keep: Vec<bool>,
}

/// What a click must be to count: the period as click ids, the hours,
/// and the filters as the columns test them.
struct Plan<'a> {
    user: i64,
    from: i64,
    to: i64,
    hours: Option<&'a Hours>,
    ints: Vec<(usize, Vec<i64>)>,
    texts: Vec<(usize, Vec<&'a str>)>,
    /// The `ip` filter: IPv4 addresses and other texts.
    ips: Option<(HashSet<u32>, HashSet<&'a str>)>,
}

impl<'a> Plan<'a> {
    /// None when a filter is on a column the chunks lack.
    fn new(filters: &'a Where, period: Period, hours: Option<&'a Hours>) -> Option<Plan<'a>> {
        let Sql::Integer(user) = filters.args[0] else {
            return None;
        };
        if !filters.only_lists() {
            return None;
        }
        let mut plan = Plan {
            user,
            from: key_at(period.start),
            to: key_at(period.end),
            hours,
            ints: Vec::new(),
            texts: Vec::new(),
            ips: None,
        };
        for (column, values) in &filters.lists {
            let ints = values.iter().map(|v| match v {
                Sql::Integer(i) => Some(*i),
                _ => None,
            });
            let texts = values.iter().map(|v| match v {
                Sql::Text(t) => Some(t.as_str()),
                _ => None,
            });
            if let Some(i) = INTS.iter().position(|c| c == column) {
                plan.ints.push((i, ints.collect::<Option<_>>()?));
            } else if let Some(i) = TEXTS.iter().position(|c| c == column) {
                plan.texts.push((i, texts.collect::<Option<_>>()?));
            } else if column == "ip" {
                let (mut v4, mut other) = (HashSet::new(), HashSet::new());
                for t in texts.collect::<Option<Vec<_>>>()? {
                    match Ip::of_text(t) {
                        Ip::V4(a) => v4.insert(a),
                        _ => other.insert(t),
                    };
                }
                plan.ips = Some((v4, other));
            } else {
                return None;
            }
        }
        Some(plan)
    }

    fn in_window(&self, id: i64) -> bool {
        if id < self.from || id >= self.to {
            return false;
        }
        let Some(h) = self.hours else {
            return true;
        };
        let bucket = (id >> 16).div_euclid(900_000) - h.first;
        usize::try_from(bucket).is_ok_and(|b| h.keep.get(b) == Some(&true))
    }

    /// Hands `f` (id, address, unique flag) of every click that counts;
    /// the id and flag are 0 unless asked for. Answers how many clicks
    /// the chunks read held.
    fn each(
        &self,
        conn: &Connection,
        want_ids: bool,
        want_uniq: bool,
        mut f: impl FnMut(i64, Ip, i64),
    ) -> rusqlite::Result<usize> {
        let mut st = conn.prepare_cached(
            "SELECT id, last, data FROM click_cols WHERE user_id = ?1 AND id < ?3 AND last >= ?2",
        )?;
        let mut rows = st.query(params![self.user, self.from, self.to])?;
        let mut read = 0;
        while let Some(r) = rows.next()? {
            let (id, last): (i64, i64) = (r.get(0)?, r.get(1)?);
            let chunk = Chunk::parse(id, r.get_ref(2)?.as_blob()?).ok_or_else(|| damaged(id))?;
            read += chunk.n;
            let edges = self.hours.is_some() || id < self.from || last >= self.to;
            self.chunk(&chunk, edges, want_ids, want_uniq, &mut f)
                .ok_or_else(|| damaged(id))?;
        }
        Ok(read)
    }

    fn chunk(
        &self,
        c: &Chunk,
        edges: bool,
        want_ids: bool,
        want_uniq: bool,
        f: &mut impl FnMut(i64, Ip, i64),
    ) -> Option<()> {
        // Per filtered column, which of this chunk's values it keeps; a
        // chunk where one keeps none is skipped whole.
        let mut masks: Vec<(Codes, Vec<bool>)> = Vec::new();
        for (i, keep) in &self.ints {
            let col = c.ints(*i)?;
            masks.push((
                col.codes,
                col.dict.iter().map(|v| keep.contains(v)).collect(),
            ));
        }
        for (i, keep) in &self.texts {
            let col = c.texts(*i)?;
            masks.push((
                col.codes,
                col.dict.iter().map(|v| keep.contains(v)).collect(),
            ));
        }
        if masks.iter().any(|(_, m)| !m.contains(&true)) {
            return Some(());
        }
        let ids = match edges || want_ids {
            true => Some(c.ids()?),
            false => None,
        };
        let uniq = match want_uniq {
            true => Some(c.ints(0)?),
            false => None,
        };
        let mut ips = c.ips()?;
        for k in 0..c.n {
            let id = ids.as_ref().map_or(0, |ids| ids[k]);
            if edges && !self.in_window(id) {
                continue;
            }
            let kept =
                |(codes, mask): &(Codes, Vec<bool>)| mask.get(codes.get(k) as usize) == Some(&true);
            if !masks.iter().all(kept) {
                continue;
            }
            let ip = ips.at(k)?;
            if let Some((v4, other)) = &self.ips {
                let keep = match ip {
                    Ip::V4(a) => v4.contains(&a),
                    _ => other.contains(&*ip.text()),
                };
                if !keep {
                    continue;
                }
            }
            let u = match &uniq {
                Some(col) => *col.value(k)?,
                None => 0,
            };
            f(id, ip, u);
        }
        Some(())
    }
}

/// The `n` groups of item ip with the most clicks (ties by address
/// text), with their sums; None when a filter is on a column the click
/// columns lack. Half the addresses are read on `spare` when given.
pub fn top(
    conn: &Connection,
    spare: Option<&mut Connection>,
    filters: &Where,
    period: Period,
    hours: Option<&Hours>,
    n: usize,
) -> rusqlite::Result<Option<Vec<(Key, Sums)>>> {
    let Some(plan) = Plan::new(filters, period, hours) else {
        return Ok(None);
    };
    let plan = &plan;
    let period = (Some(period.start), Some(period.end));
    let mut all = match spare {
        Some(second) => {
            let (a, b) = side_by_side(
                conn,
                second,
                |c| part(c, plan, Some(0), n, period),
                |c| part(c, plan, Some(1), n, period),
            )?;
            a.into_iter().chain(b).collect()
        }
        None => part(conn, plan, None, n, period)?,
    };
    all.sort_by(|a, b| b.1.click.cmp(&a.1.click).then_with(|| a.0.cmp(&b.0)));
    all.truncate(n);
    Ok(Some(all))
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

/// Which of two halves a key falls in.
fn half(h: u64) -> u32 {
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 63) as u32
}

fn text_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// A group in the running for the top: more clicks first, then the
/// smaller key; the heap's top is the worst one kept.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Worst<K>(std::cmp::Reverse<i64>, K);

/// The `n` best (value, clicks) of a sorted list of values.
fn best<K: Ord + Clone>(sorted: &[K], n: usize) -> Vec<(K, i64)> {
    let mut heap: BinaryHeap<Worst<K>> = BinaryHeap::with_capacity(n + 1);
    for run in sorted.chunk_by(|a, b| a == b) {
        let entry = Worst(std::cmp::Reverse(run.len() as i64), run[0].clone());
        if heap.len() < n {
            heap.push(entry);
        } else if heap.peek().is_some_and(|w| entry < *w) {
            heap.pop();
            heap.push(entry);
        }
    }
    heap.into_iter().map(|w| (w.1, w.0 .0)).collect()
}

/// The groups of one half of the addresses (`which`, None: all), read on
/// `conn` in one snapshot: the `n` best by clicks with their sums.
fn part(
    conn: &Connection,
    plan: &Plan,
    which: Option<u32>,
    n: usize,
    period: (Option<i64>, Option<i64>),
) -> rusqlite::Result<Vec<(Key, Sums)>> {
    // Both passes and the prices must read the same clicks.
    let _snapshot = conn.unchecked_transaction()?;
    let (mut v4, mut other) = (Vec::<u32>::new(), Vec::<String>::new());
    plan.each(conn, false, false, |_, ip, _| match ip {
        Ip::V4(a) => {
            let k = text_key(a);
            if which.is_none_or(|w| half(k as u64) == w) {
                v4.push(k);
            }
        }
        _ => {
            let t = ip.text();
            if which.is_none_or(|w| half(text_hash(&t)) == w) {
                other.push(t.into_owned());
            }
        }
    })?;
    v4.sort_unstable();
    other.sort_unstable();
    let mut top: Vec<(String, i64, Option<u32>)> = best(&v4, n)
        .into_iter()
        .map(|(k, c)| (Ip::V4(address(k)).text().into_owned(), c, Some(address(k))))
        .chain(best(&other, n).into_iter().map(|(t, c)| (t, c, None)))
        .collect();
    drop((v4, other));
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(n);
    // Second pass: the kept groups' unique clicks and click ids.
    let mut by_v4: foldhash::HashMap<u32, usize> = Default::default();
    let mut by_text: foldhash::HashMap<&str, usize> = Default::default();
    for (i, (t, _, a)) in top.iter().enumerate() {
        match a {
            Some(a) => by_v4.insert(*a, i),
            None => by_text.insert(t, i),
        };
    }
    let mut sums = vec![Sums::default(); top.len()];
    let mut ids: Vec<(i64, usize)> = Vec::new();
    let read = plan.each(conn, true, true, |id, ip, uniq| {
        let group = match ip {
            Ip::V4(a) => by_v4.get(&a),
            _ => by_text.get(&*ip.text()),
        };
        if let Some(&g) = group {
            sums[g].click += 1;
            sums[g].unique += uniq;
            ids.push((id, g));
        }
    })?;
    ids.sort_unstable();
    let only: Vec<i64> = ids.iter().map(|p| p.0).collect();
    // Walking the period's prices costs about half a lookup per price.
    for (price, (_, g)) in prices_of(conn, &only, period, 2 * only.len() > read)?
        .into_iter()
        .zip(&ids)
    {
        sums[*g].spend += price;
    }
    Ok(top
        .into_iter()
        .zip(sums)
        .map(|((t, _, _), s)| (Key::Text(t), s))
        .collect())
}

#[cfg(test)]
#[path = "ip_tests.rs"]
mod tests;
