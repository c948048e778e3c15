//! The blob of one chunk of click columns (src/store/cols/mod.rs).
//!
//! ```text
//! version (2) · n (varint) · section lengths (varint), one per section ·
//! sections:
//!   ids     n-1 deltas from the row's first id (see `put_delta`)
//!   ip      exceptions: count, then (position delta, kind, value) each;
//!           then every other click's IPv4 address, 4 bytes LE
//!   INTS, TEXTS, one section each: dictionary (count, values: zigzag
//!           varints or length-prefixed UTF-8), code width in bits, then
//!           n codes packed LSB first
//! ```
//! An exception is an address whose text is not the canonical IPv4 form
//! (IPv6 as 16 bytes when its canonical text round-trips, else the text
//! itself), so decoding gives back exactly the text the click row holds.
pub use super::decode::{Chunk, Codes, Column, Costs, Ips};
use super::dict::Dict;
use super::{Row, INTS, TEXTS};
use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Version 2 added the integer columns source and landing (migration
/// step 9); a version-1 chunk reads them as 0, which every click stored
/// before them is.
pub(super) const VERSION: u8 = 2;
/// The integer columns a version-1 chunk holds: the first of [`INTS`].
pub(super) const V1_INTS: usize = 7;
/// The price blob's own version: unchanged since version 1.
pub(super) const COSTS_VERSION: u8 = 1;
pub(super) const SECTIONS: usize = 2 + INTS.len() + TEXTS.len();
pub(super) const KIND_V6: u8 = 6;
const KIND_TEXT: u8 = 0;

/// A click's address as the columns hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ip<'a> {
    V4(u32),
    V6([u8; 16]),
    Text(&'a str),
}

impl<'a> Ip<'a> {
    /// The address of a stored text: its canonical IPv4 or IPv6 form
    /// round-trips, anything else is kept as text.
    pub fn of_text(s: &'a str) -> Ip<'a> {
        if let Some(v4) = parse_v4(s) {
            return Ip::V4(v4);
        }
        if s.contains(':') {
            if let Ok(v6) = s.parse::<Ipv6Addr>() {
                if v6.to_string() == s {
                    return Ip::V6(v6.octets());
                }
            }
        }
        Ip::Text(s)
    }

    /// The text the click row holds.
    pub fn text(&self) -> Cow<'a, str> {
        match *self {
            Ip::V4(a) => Cow::Owned(Ipv4Addr::from(a).to_string()),
            Ip::V6(b) => Cow::Owned(Ipv6Addr::from(b).to_string()),
            Ip::Text(s) => Cow::Borrowed(s),
        }
    }
}

/// A dotted quad exactly as `Ipv4Addr`'s Display writes it (no leading
/// zeros, each part at most 255).
fn parse_v4(s: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut parts = 0;
    for part in s.split('.') {
        let b = part.as_bytes();
        if b.is_empty() || b.len() > 3 || (b.len() > 1 && b[0] == b'0') {
            return None;
        }
        let mut v = 0u32;
        for &d in b {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (d - b'0') as u32;
        }
        if v > 255 {
            return None;
        }
        out = out << 8 | v;
        parts += 1;
    }
    (parts == 4).then_some(out)
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// Click id `id` after `prev` (ids ascending). Ids are `(ms << 16) | low`
/// (src/click_id.rs): the milliseconds go as a delta, and the low bits
/// are usually 0 (a new millisecond) or one more than before (the same
/// one, or `flowtrack demo`'s counter), so most ids take 1-2 bytes.
fn put_delta(out: &mut Vec<u8>, prev: i64, id: i64) {
    let h = ((id >> 16) - (prev >> 16)) as u64;
    let (low, prev_low) = (id & 0xFFFF, prev & 0xFFFF);
    let mode = if low == 0 {
        0
    } else if low == prev_low + 1 {
        1
    } else {
        2
    };
    put_varint(out, h << 2 | mode);
    if mode == 2 {
        put_varint(out, low as u64);
    }
}

/// An address that is not plain IPv4, owned by a [`Builder`].
#[derive(Debug, Clone)]
enum Other {
    V6([u8; 16]),
    Text(Box<str>),
}

/// Clicks gathered for chunks, in any order; [`Builder::order`] sorts them.
#[derive(Default)]
pub struct Builder {
    ids: Vec<i64>,
    /// Per click: Ok(IPv4) or Err(index into `others`).
    ips: Vec<Result<u32, u32>>,
    others: Vec<Other>,
    ints: [Dict<i64>; INTS.len()],
    texts: [Dict<Box<str>>; TEXTS.len()],
    /// Prices, by their bits.
    costs: Dict<u64>,
}

impl Builder {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn push(&mut self, r: &Row) {
        self.ids.push(r.id);
        self.push_ip(r.ip);
        for (d, v) in self.ints.iter_mut().zip(r.ints) {
            d.push(&v, |v| *v);
        }
        for (d, v) in self.texts.iter_mut().zip(r.texts) {
            d.push(v, |s: &str| Box::from(s));
        }
        self.costs.push(&r.cost.to_bits(), |v| *v);
    }

    /// Appends every click of a chunk with its prices, its dictionaries
    /// translated once instead of each click's values looked up (merging
    /// small chunks, src/store/cols/store.rs). None when damaged.
    pub fn absorb(&mut self, c: &Chunk, costs: &Costs) -> Option<()> {
        let ids = c.ids()?;
        let mut ips = c.ips()?;
        for k in 0..c.n {
            self.push_ip(ips.at(k)?);
        }
        for (i, d) in self.ints.iter_mut().enumerate() {
            d.absorb(&c.ints(i)?, c.n, |d, v| d.intern(v, |v| *v))?;
        }
        for (i, d) in self.texts.iter_mut().enumerate() {
            d.absorb(&c.texts(i)?, c.n, |d, v| {
                d.intern(*v, |s: &str| Box::from(s))
            })?;
        }
        self.costs
            .absorb(costs.column(), c.n, |d, v| d.intern(&v.to_bits(), |v| *v))?;
        self.ids.extend(ids);
        Some(())
    }

    /// Empties the builder, keeping the room its lists have.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.ips.clear();
        self.others.clear();
        self.ints.iter_mut().for_each(Dict::clear);
        self.texts.iter_mut().for_each(Dict::clear);
        self.costs.clear();
    }

    /// A click's address: IPv4 in place, any other among `others`.
    fn push_ip(&mut self, ip: Ip) {
        let other = match ip {
            Ip::V4(a) => {
                self.ips.push(Ok(a));
                return;
            }
            Ip::V6(b) => Other::V6(b),
            Ip::Text(s) => Other::Text(s.into()),
        };
        self.ips.push(Err(self.others.len() as u32));
        self.others.push(other);
    }

    /// The clicks' positions in id order.
    pub fn order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.ids.len() as u32).collect();
        if !self.ids.is_sorted() {
            order.sort_unstable_by_key(|&i| self.ids[i as usize]);
        }
        order
    }

    /// The first and last id and the blob of the clicks `order` (ascending
    /// ids, not empty).
    pub fn encode(&self, order: &[u32]) -> (i64, i64, Vec<u8>) {
        let id = |k: usize| self.ids[order[k] as usize];
        let mut sections: Vec<Vec<u8>> = Vec::with_capacity(SECTIONS);
        let mut s = Vec::with_capacity(order.len() * 2);
        for k in 1..order.len() {
            put_delta(&mut s, id(k - 1), id(k));
        }
        sections.push(s);
        sections.push(self.encode_ips(order));
        for d in &self.ints {
            let mut s = Vec::new();
            d.encode(order, &mut s, |o, v| put_varint(o, zigzag(*v)));
            sections.push(s);
        }
        for d in &self.texts {
            let mut s = Vec::new();
            d.encode(order, &mut s, |o, v| {
                put_varint(o, v.len() as u64);
                o.extend_from_slice(v.as_bytes());
            });
            sections.push(s);
        }
        let mut out = vec![VERSION];
        put_varint(&mut out, order.len() as u64);
        for s in &sections {
            put_varint(&mut out, s.len() as u64);
        }
        for s in sections {
            out.extend_from_slice(&s);
        }
        (id(0), id(order.len() - 1), out)
    }

    /// The price blob (table click_cols_cost) of the clicks `order`.
    pub fn encode_costs(&self, order: &[u32]) -> Vec<u8> {
        price_blob(&self.costs, order)
    }

    fn encode_ips(&self, order: &[u32]) -> Vec<u8> {
        let mut exc = Vec::new();
        let mut v4 = Vec::with_capacity(order.len() * 4);
        let (mut count, mut last) = (0u64, 0usize);
        for (k, &i) in order.iter().enumerate() {
            match self.ips[i as usize] {
                Ok(a) => v4.extend_from_slice(&a.to_le_bytes()),
                Err(o) => {
                    put_varint(&mut exc, (k - last) as u64);
                    last = k;
                    count += 1;
                    match &self.others[o as usize] {
                        Other::V6(b) => {
                            exc.push(KIND_V6);
                            exc.extend_from_slice(b);
                        }
                        Other::Text(t) => {
                            exc.push(KIND_TEXT);
                            put_varint(&mut exc, t.len() as u64);
                            exc.extend_from_slice(t.as_bytes());
                        }
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(exc.len() + v4.len() + 4);
        put_varint(&mut out, count);
        out.extend_from_slice(&exc);
        out.extend_from_slice(&v4);
        out
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;

/// A chunk as version 1 wrote it (before source and landing): `blob`
/// (this version's) with their sections left out. Test support: the
/// upgrade tests build version-1 databases with it. None when `blob` is
/// not of this version.
pub fn as_version_1(blob: &[u8]) -> Option<Vec<u8>> {
    fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let x = *b.get(*pos)?;
            *pos += 1;
            v |= ((x & 0x7F) as u64) << shift;
            if x < 0x80 || shift > 56 {
                return (x < 0x80).then_some(v);
            }
            shift += 7;
        }
    }
    if blob.first() != Some(&VERSION) {
        return None;
    }
    let mut pos = 1;
    let n = varint(blob, &mut pos)?;
    let lens = (0..SECTIONS)
        .map(|_| Some(varint(blob, &mut pos)? as usize))
        .collect::<Option<Vec<usize>>>()?;
    let kept = |s: usize| !(2 + V1_INTS..2 + INTS.len()).contains(&s);
    let mut out = vec![1u8];
    put_varint(&mut out, n);
    for (_, l) in lens.iter().enumerate().filter(|(s, _)| kept(*s)) {
        put_varint(&mut out, *l as u64);
    }
    for (s, l) in lens.iter().enumerate() {
        let section = blob.get(pos..pos.checked_add(*l)?)?;
        if kept(s) {
            out.extend_from_slice(section);
        }
        pos += l;
    }
    Some(out)
}

/// The price blob of a chunk whose clicks cost `prices`, in order.
pub fn encode_prices(prices: &[f64]) -> Vec<u8> {
    let mut d = Dict::<u64>::default();
    for p in prices {
        d.push(&p.to_bits(), |v| *v);
    }
    let order: Vec<u32> = (0..prices.len() as u32).collect();
    price_blob(&d, &order)
}

/// The price blob of the clicks `order` of a price dictionary (by bits).
fn price_blob(prices: &Dict<u64>, order: &[u32]) -> Vec<u8> {
    let mut out = vec![COSTS_VERSION];
    prices.encode(order, &mut out, |o, v| {
        o.extend_from_slice(&v.to_le_bytes())
    });
    out
}
