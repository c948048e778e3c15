//! Reading the blobs of src/store/cols/format.rs, every bound checked: a
//! damaged blob is an error, never a panic.
use super::format::{unzigzag, Ip, COSTS_VERSION, KIND_V6, SECTIONS, V1_INTS, VERSION};
use super::{Row, INTS, TEXTS};

/// Reads a blob, checking every bound.
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

/// A dictionary column of `n` clicks: its values (read by `value`), the
/// code width, and the codes.
fn column<'a, V>(
    buf: &'a [u8],
    n: usize,
    value: impl Fn(&mut Reader<'a>) -> Option<V>,
) -> Option<Column<'a, V>> {
    let mut r = Reader { buf, pos: 0 };
    let count = r.len()?;
    let mut dict = Vec::with_capacity(count.min(n));
    for _ in 0..count {
        dict.push(value(&mut r)?);
    }
    let width = r.bytes(1)?[0] as u32;
    if width > 32 || (count as u64) > 1u64 << width {
        return None;
    }
    let bytes = r.bytes((n * width as usize).div_ceil(8))?;
    Some(Column {
        dict,
        codes: Codes { bytes, width },
    })
}

/// A chunk's click prices (table click_cols_cost: spend.json rewrites
/// them without touching the chunk), one dictionary column.
pub struct Costs<'a>(Column<'a, f64>);

impl<'a> Costs<'a> {
    /// The prices of a chunk of `n` clicks; None when damaged.
    pub fn parse(blob: &'a [u8], n: usize) -> Option<Costs<'a>> {
        let (version, rest) = blob.split_first()?;
        if *version != COSTS_VERSION {
            return None;
        }
        let col = column(rest, n, |r| {
            let b = r.bytes(8)?;
            Some(f64::from_le_bytes(b.try_into().ok()?))
        })?;
        Some(Costs(col))
    }

    pub(super) fn column(&self) -> &Column<'a, f64> {
        &self.0
    }

    /// The price of click `k` (0 where damaged).
    #[inline]
    pub fn get(&self, k: usize) -> f64 {
        self.0.value(k).copied().unwrap_or(0.0)
    }
}

/// One chunk's blob, parsed lazily section by section.
pub struct Chunk<'a> {
    pub first: i64,
    pub n: usize,
    sections: [&'a [u8]; SECTIONS],
    /// How many of [`INTS`] the blob holds (the others read as 0).
    ints: usize,
}

impl<'a> Chunk<'a> {
    /// None when the blob is damaged or of another version.
    pub fn parse(first: i64, blob: &'a [u8]) -> Option<Chunk<'a>> {
        let mut r = Reader { buf: blob, pos: 0 };
        let ints = match r.bytes(1)? {
            [VERSION] => INTS.len(),
            [1] => V1_INTS,
            _ => return None,
        };
        let n = r.len()?;
        // The sections the blob holds, in the places of this version's.
        let held = (0..SECTIONS).filter(|&s| s < 2 + ints || s >= 2 + INTS.len());
        let mut lens = [0usize; SECTIONS];
        for s in held.clone() {
            lens[s] = r.len()?;
        }
        let mut sections = [&blob[..0]; SECTIONS];
        for s in held {
            sections[s] = r.bytes(lens[s])?;
        }
        // Every click after the first takes at least a byte of ids, which
        // bounds what a damaged count could make us allocate.
        (n > 0 && n - 1 <= lens[0]).then_some(Chunk {
            first,
            n,
            sections,
            ints,
        })
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
        column(self.sections[section], self.n, value)
    }

    /// Integer column `i` of [`INTS`]: all 0 when the blob's version
    /// does not hold it.
    pub fn ints(&self, i: usize) -> Option<Column<'a, i64>> {
        if i >= self.ints {
            return Some(Column {
                dict: vec![0],
                codes: Codes {
                    bytes: &[],
                    width: 0,
                },
            });
        }
        self.column(2 + i, |r| r.varint().map(unzigzag))
    }

    /// Text column `i` of [`TEXTS`].
    pub fn texts(&self, i: usize) -> Option<Column<'a, &'a str>> {
        self.column(2 + INTS.len() + i, |r| {
            let l = r.len()?;
            std::str::from_utf8(r.bytes(l)?).ok()
        })
    }

    /// Every click whole, with its price from `costs` (tests, and
    /// `flowtrack store verify`, which compares each with its row).
    pub fn rows(&self, costs: Option<&Costs>) -> Option<Vec<Row<'a>>> {
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
                    cost: costs.map_or(0.0, |c| c.get(k)),
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
