//! Click sums per group (value) held in memory.
use super::aggregate::Key;
use rusqlite::types::ValueRef;
use std::collections::HashMap;

#[derive(Debug, Default, Clone, Copy)]
pub struct Sums {
    pub click: i64,
    pub unique: i64,
    pub spend: f64,
}

impl Sums {
    pub(super) fn merge(&mut self, o: Sums) {
        self.click += o.click;
        self.unique += o.unique;
        self.spend += o.spend;
    }
}

/// Sums per value of the grouped column (integer or text: a STRICT
/// column holds one type).
#[derive(Default)]
pub struct Groups {
    ints: HashMap<i64, Sums>,
    texts: HashMap<Box<str>, Sums>,
}

impl Groups {
    /// Adds the sums `s` to the group of `value`.
    pub(super) fn add(&mut self, value: ValueRef, s: Sums) {
        match value {
            ValueRef::Integer(n) => self.ints.entry(n).or_default().merge(s),
            ValueRef::Text(t) => {
                // Only a new value allocates its key.
                let t = String::from_utf8_lossy(t);
                match self.texts.get_mut(&*t) {
                    Some(sums) => sums.merge(s),
                    None => {
                        self.texts.insert(t.into(), s);
                    }
                }
            }
            // Never stored by the click path; counted like an empty text.
            _ => self.add(ValueRef::Text(b""), s),
        }
    }

    pub fn merge(&mut self, o: Groups) {
        for (k, s) in o.ints {
            self.ints.entry(k).or_default().merge(s);
        }
        for (k, s) in o.texts {
            self.texts.entry(k).or_default().merge(s);
        }
    }

    pub fn into_groups(self) -> impl Iterator<Item = (Key, Sums)> {
        let ints = self.ints.into_iter().map(|(k, s)| (Key::Int(k), s));
        ints.chain(
            self.texts
                .into_iter()
                .map(|(k, s)| (Key::Text(k.into()), s)),
        )
    }
}
