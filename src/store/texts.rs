//! Interned text values for sums keyed by many repeated strings (the
//! rollups' batch sums and spend's deltas): a key is a handful of
//! integers, so looking one up neither hashes long text twice nor
//! allocates.
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// One allocation per distinct text, shared by the lookup map and the
/// id-ordered list.
#[derive(Default)]
pub struct Texts {
    ids: foldhash::HashMap<Arc<str>, i64>,
    texts: Vec<Arc<str>>,
    /// The id of the empty text, kept out of the map: comparing two empty
    /// texts costs ~50 ns (src/store/cols/dict.rs says why), and most of
    /// a click's tags are empty.
    empty: Option<i64>,
}

impl Texts {
    pub fn id(&mut self, s: &str) -> i64 {
        if s.is_empty() {
            if let Some(id) = self.empty {
                return id;
            }
        } else if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.texts.len() as i64;
        let text: Arc<str> = Arc::from(s);
        self.texts.push(text.clone());
        if s.is_empty() {
            self.empty = Some(id);
        } else {
            self.ids.insert(text, id);
        }
        id
    }

    pub fn get(&self, id: i64) -> &str {
        &self.texts[id as usize]
    }

    /// Forgets every text, keeping the room for the next batch.
    pub fn clear(&mut self) {
        self.ids.clear();
        self.texts.clear();
        self.empty = None;
    }
}

/// A hasher for keys made of integers the program assigned (interned
/// text ids, days, kinds, users, seeded visitor keys in
/// src/clicks/uniqueness.rs): one multiply per integer instead of
/// a seeded hash, which only pays off on text a visitor controls (those
/// are interned through [`Texts`], whose map keeps foldhash's seeded one).
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by integers only (see [`IdHasher`]).
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::Texts;

    #[test]
    fn the_empty_text_has_one_id() {
        let mut t = Texts::default();
        let ids: Vec<i64> = ["a", "", "b", "", "a"].map(|s| t.id(s)).into();
        assert_eq!(ids, [0, 1, 2, 1, 0]);
        assert_eq!(t.get(1), "");
        t.clear();
        assert_eq!(t.id(""), 0);
        assert_eq!(t.id("x"), 1);
        assert_eq!(t.id(""), 0);
    }
}
