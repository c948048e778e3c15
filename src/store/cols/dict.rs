//! A column's dictionary while a chunk is built (src/store/cols/format.rs).
use super::decode::Column;
use super::format::put_varint;
use std::borrow::Borrow;
use std::collections::HashMap;

/// A column's values while a chunk is built: its dictionary and each
/// click's code into it.
pub(super) struct Dict<K> {
    values: Vec<K>,
    index: HashMap<K, u32, foldhash::fast::RandomState>,
    codes: Vec<u32>,
    /// The code interned last.
    last: Option<u32>,
    /// The code of the empty value, kept out of `index` (see [`Blank`]).
    blank: Option<u32>,
}

/// Whether a value is the empty text. Two empty texts are never compared
/// with `==`: an empty `&str` points at a dangling address, and `==` on
/// equal lengths calls memcmp even for zero bytes. glibc's AVX-512 memcmp
/// then makes a masked load there, whose suppressed fault costs 40-80 ns
/// (against ~3 ns on a real address, measured on this machine): it was
/// 18% of the writer thread's time under click load (perf, docs/BENCHMARKS.md), as
/// most of a click's tags are empty.
pub(super) trait Blank {
    fn blank(&self) -> bool;
}

impl Blank for str {
    fn blank(&self) -> bool {
        self.is_empty()
    }
}

impl Blank for i64 {
    fn blank(&self) -> bool {
        false
    }
}

impl Blank for u64 {
    fn blank(&self) -> bool {
        false
    }
}

impl<K> Default for Dict<K> {
    fn default() -> Self {
        Dict {
            values: Vec::new(),
            index: HashMap::default(),
            codes: Vec::new(),
            last: None,
            blank: None,
        }
    }
}

impl<K: std::hash::Hash + Eq> Dict<K> {
    /// The code of `v`, added to the dictionary if new.
    pub(super) fn intern<Q>(&mut self, v: &Q, owned: impl Fn(&Q) -> K) -> u32
    where
        K: Borrow<Q>,
        Q: std::hash::Hash + Eq + Blank + ?Sized,
    {
        let blank = v.blank();
        if blank {
            if let Some(c) = self.blank {
                self.last = Some(c);
                return c;
            }
        } else if let Some(c) = self.last {
            // The last click's value again (a batch of one flow, one
            // country): a compare instead of a hash.
            if self.values[c as usize].borrow() == v {
                return c;
            }
        }
        let found = if blank { None } else { self.index.get(v) };
        let c = match found {
            Some(&c) => c,
            None => {
                let c = self.values.len() as u32;
                self.values.push(owned(v));
                if blank {
                    self.blank = Some(c);
                } else {
                    self.index.insert(owned(v), c);
                }
                c
            }
        };
        self.last = Some(c);
        c
    }

    pub(super) fn push<Q>(&mut self, v: &Q, owned: impl Fn(&Q) -> K)
    where
        K: Borrow<Q>,
        Q: std::hash::Hash + Eq + Blank + ?Sized,
    {
        let code = self.intern(v, owned);
        self.codes.push(code);
    }

    /// Appends a chunk's column: its dictionary interned once, then each
    /// click's code translated. None when a code is past the dictionary.
    pub(super) fn absorb<V>(
        &mut self,
        col: &Column<V>,
        n: usize,
        intern: impl Fn(&mut Self, &V) -> u32,
    ) -> Option<()> {
        let remap: Vec<u32> = col.dict.iter().map(|v| intern(self, v)).collect();
        for k in 0..n {
            self.codes.push(*remap.get(col.codes.get(k) as usize)?);
        }
        Some(())
    }

    pub(super) fn clear(&mut self) {
        self.values.clear();
        self.index.clear();
        self.codes.clear();
        self.last = None;
        self.blank = None;
    }

    /// Writes the dictionary of the clicks `order` (only the values they
    /// use, renumbered) with `put`, then their packed codes.
    pub(super) fn encode(&self, order: &[u32], out: &mut Vec<u8>, put: impl Fn(&mut Vec<u8>, &K)) {
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

#[cfg(test)]
mod tests {
    use super::Dict;

    /// The empty text, kept out of the map, still gets one code, shared
    /// by every click that has it, whether or not it came last.
    #[test]
    fn the_empty_text_has_one_code() {
        let mut d: Dict<Box<str>> = Dict::default();
        for v in ["", "a", "", "", "b", "a", ""] {
            d.push(v, |s: &str| Box::from(s));
        }
        assert_eq!(d.codes, [0, 1, 0, 0, 2, 1, 0]);
        assert_eq!(d.values, ["".into(), "a".into(), "b".into()]);
        d.clear();
        for v in ["b", ""] {
            d.push(v, |s: &str| Box::from(s));
        }
        assert_eq!(d.codes, [0, 1]);
    }
}
