//! The blob of one chunk of click columns (src/stats/cols/mod.rs).
//!
//! ```text
//! version (1) · n (varint) · 14 section lengths (varint) · sections:
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
use super::{Row, INTS, TEXTS};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

const VERSION: u8 = 1;
const SECTIONS: usize = 2 + INTS.len() + TEXTS.len();
const KIND_V6: u8 = 6;
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

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// Click id `id` after `prev` (ids ascending). Ids are `(ms << 16) | low`
/// (src/clicks/id.rs): the milliseconds go as a delta, and the low bits
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

/// A column's values while a chunk is built: its dictionary and each
/// click's code into it.
struct Dict<K> {
    values: Vec<K>,
    index: HashMap<K, u32, foldhash::fast::RandomState>,
    codes: Vec<u32>,
}

impl<K> Default for Dict<K> {
    fn default() -> Self {
        Dict {
            values: Vec::new(),
            index: HashMap::default(),
            codes: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq> Dict<K> {
    fn push<Q>(&mut self, v: &Q, owned: impl Fn(&Q) -> K)
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let code = match self.index.get(v) {
            Some(&c) => c,
            None => {
                let c = self.values.len() as u32;
                self.values.push(owned(v));
                self.index.insert(owned(v), c);
                c
            }
        };
        self.codes.push(code);
    }

    /// Writes the dictionary of the clicks `order` (only the values they
    /// use, renumbered) with `put`, then their packed codes.
    fn encode(&self, order: &[u32], out: &mut Vec<u8>, put: impl Fn(&mut Vec<u8>, &K)) {
        let mut local = vec![u32::MAX; self.values.len()];
        let mut used: Vec<u32> = Vec::new();
        let codes: Vec<u32> = order
            .iter()
            .map(|&i| {
                let c = self.codes[i as usize] as usize;
                if local[c] == u32::MAX {
                    local[c] = used.len() as u32;
                    used.push(c as u32);
                }
                local[c]
            })
            .collect();
        put_varint(out, used.len() as u64);
        for &c in &used {
            put(out, &self.values[c as usize]);
        }
        let width = 32 - (used.len().saturating_sub(1) as u32).leading_zeros();
        out.push(width as u8);
        let (mut acc, mut bits) = (0u64, 0u32);
        for c in codes {
            acc |= (c as u64) << bits;
            bits += width;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        if bits > 0 {
            out.push(acc as u8);
        }
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
        let ip = match r.ip {
            Ip::V4(a) => Ok(a),
            Ip::V6(b) => Err(self.other(Other::V6(b))),
            Ip::Text(s) => Err(self.other(Other::Text(s.into()))),
        };
        self.ips.push(ip);
        for (d, v) in self.ints.iter_mut().zip(r.ints) {
            d.push(&v, |v| *v);
        }
        for (d, v) in self.texts.iter_mut().zip(r.texts) {
            d.push(v, |s: &str| Box::from(s));
        }
    }

    fn other(&mut self, o: Other) -> u32 {
        self.others.push(o);
        self.others.len() as u32 - 1
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

/// Reads a blob, checking every bound: a damaged blob is an error, never
/// a panic.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            if shift > 63 {
                return None;
            }
            v |= ((b & 0x7F) as u64) << shift;
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?).ok()
    }
}

/// One column's codes, `width` bits each.
#[derive(Clone, Copy)]
pub struct Codes<'a> {
    bytes: &'a [u8],
    width: u32,
}

impl Codes<'_> {
    /// The code of click `k` (< the chunk's n).
    #[inline]
    pub fn get(&self, k: usize) -> u32 {
        if self.width == 0 {
            return 0;
        }
        let bit = k * self.width as usize;
        let at = bit >> 3;
        let mut word = [0u8; 8];
        let end = (at + 8).min(self.bytes.len());
        if at < end {
            word[..end - at].copy_from_slice(&self.bytes[at..end]);
        }
        let x = u64::from_le_bytes(word) >> (bit & 7);
        (x & ((1u64 << self.width) - 1)) as u32
    }
}

/// A column as read: its dictionary and codes. A code may point past
/// the dictionary only in a damaged blob: [`Column::value`] checks.
pub struct Column<'a, V> {
    pub dict: Vec<V>,
    pub codes: Codes<'a>,
}

impl<V> Column<'_, V> {
    /// The value of click `k`.
    pub fn value(&self, k: usize) -> Option<&V> {
        self.dict.get(self.codes.get(k) as usize)
    }
}

/// A chunk's addresses: the exceptions (by position) and the IPv4 ones.
pub struct Ips<'a> {
    v4: &'a [u8],
    exc: Vec<(usize, Ip<'a>)>,
    /// Exceptions before the last click asked for.
    passed: usize,
}

impl<'a> Ips<'a> {
    /// The address of click `k`; `k` must not decrease from call to call.
    #[inline]
    pub fn at(&mut self, k: usize) -> Option<Ip<'a>> {
        while self.exc.get(self.passed).is_some_and(|e| e.0 < k) {
            self.passed += 1;
        }
        if let Some(&(at, ip)) = self.exc.get(self.passed) {
            if at == k {
                return Some(ip);
            }
        }
        let i = (k - self.passed) * 4;
        let b = self.v4.get(i..i + 4)?;
        Some(Ip::V4(u32::from_le_bytes(b.try_into().ok()?)))
    }
}

/// One chunk's blob, parsed lazily section by section.
pub struct Chunk<'a> {
    pub first: i64,
    pub n: usize,
    sections: [&'a [u8]; SECTIONS],
}

impl<'a> Chunk<'a> {
    /// None when the blob is damaged or of another version.
    pub fn parse(first: i64, blob: &'a [u8]) -> Option<Chunk<'a>> {
        let mut r = Reader { buf: blob, pos: 0 };
        if r.bytes(1)? != [VERSION] {
            return None;
        }
        let n = r.len()?;
        let mut lens = [0usize; SECTIONS];
        for l in &mut lens {
            *l = r.len()?;
        }
        let mut sections = [&blob[..0]; SECTIONS];
        for (s, l) in sections.iter_mut().zip(lens) {
            *s = r.bytes(l)?;
        }
        // Every click after the first takes at least a byte of ids, which
        // bounds what a damaged count could make us allocate.
        (n > 0 && n - 1 <= lens[0]).then_some(Chunk { first, n, sections })
    }

    /// Every click id, ascending.
    pub fn ids(&self) -> Option<Vec<i64>> {
        let mut r = Reader {
            buf: self.sections[0],
            pos: 0,
        };
        let mut out = Vec::with_capacity(self.n);
        let mut prev = self.first;
        out.push(prev);
        for _ in 1..self.n {
            let v = r.varint()?;
            let ms = (prev >> 16).checked_add(i64::try_from(v >> 2).ok()?)?;
            let low = match v & 3 {
                0 => 0,
                1 => (prev & 0xFFFF) + 1,
                _ => i64::try_from(r.varint()?).ok()?,
            };
            prev = ms.checked_mul(1 << 16)?.checked_add(low)?;
            out.push(prev);
        }
        Some(out)
    }

    /// The addresses, read click by click.
    pub fn ips(&self) -> Option<Ips<'a>> {
        let mut r = Reader {
            buf: self.sections[1],
            pos: 0,
        };
        let count = r.len()?;
        let mut exc = Vec::with_capacity(count.min(self.n));
        let mut at = 0usize;
        for i in 0..count {
            // Positions rise and stay inside the chunk.
            let step = r.len()?;
            at = at.checked_add(step)?;
            if (i > 0 && step == 0) || at >= self.n {
                return None;
            }
            let ip = match r.bytes(1)?[0] {
                KIND_V6 => Ip::V6(r.bytes(16)?.try_into().ok()?),
                _ => {
                    let l = r.len()?;
                    Ip::Text(std::str::from_utf8(r.bytes(l)?).ok()?)
                }
            };
            exc.push((at, ip));
        }
        let v4 = r.bytes(self.n.checked_sub(count)?.checked_mul(4)?)?;
        Some(Ips { v4, exc, passed: 0 })
    }

    fn column<V>(
        &self,
        section: usize,
        value: impl Fn(&mut Reader<'a>) -> Option<V>,
    ) -> Option<Column<'a, V>> {
        let mut r = Reader {
            buf: self.sections[section],
            pos: 0,
        };
        let count = r.len()?;
        let mut dict = Vec::with_capacity(count.min(self.n));
        for _ in 0..count {
            dict.push(value(&mut r)?);
        }
        let width = r.bytes(1)?[0] as u32;
        if width > 32 || (count as u64) > 1u64 << width {
            return None;
        }
        let bytes = r.bytes((self.n * width as usize).div_ceil(8))?;
        Some(Column {
            dict,
            codes: Codes { bytes, width },
        })
    }

    /// Integer column `i` of [`INTS`].
    pub fn ints(&self, i: usize) -> Option<Column<'a, i64>> {
        self.column(2 + i, |r| r.varint().map(unzigzag))
    }

    /// Text column `i` of [`TEXTS`].
    pub fn texts(&self, i: usize) -> Option<Column<'a, &'a str>> {
        self.column(2 + INTS.len() + i, |r| {
            let l = r.len()?;
            std::str::from_utf8(r.bytes(l)?).ok()
        })
    }

    /// Every click whole (compaction, tests).
    pub fn rows(&self) -> Option<Vec<Row<'a>>> {
        let ids = self.ids()?;
        let mut ips = self.ips()?;
        let ints = (0..INTS.len())
            .map(|i| self.ints(i))
            .collect::<Option<Vec<_>>>()?;
        let texts = (0..TEXTS.len())
            .map(|i| self.texts(i))
            .collect::<Option<Vec<_>>>()?;
        (0..self.n)
            .map(|k| {
                let mut row = Row {
                    id: ids[k],
                    ip: ips.at(k)?,
                    ints: [0; INTS.len()],
                    texts: [""; TEXTS.len()],
                };
                for (v, c) in row.ints.iter_mut().zip(&ints) {
                    *v = *c.value(k)?;
                }
                for (v, c) in row.texts.iter_mut().zip(&texts) {
                    *v = c.value(k)?;
                }
                Some(row)
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
