//! Reading the click columns of a period with a request's filters: each
//! chunk's dictionaries turn a filter into a mask over its codes, so a
//! click is tested with a few bit lookups, and a chunk none of whose
//! values a filter keeps is skipped whole.
use super::format::{Chunk, Codes, Column, Ip};
use super::store::damaged;
use super::{INTS, TEXTS};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::clicks::id::key_at;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection};
use std::collections::HashSet;

/// The 15-minute buckets (Unix seconds / 900) a request keeps, from
/// `first` on: the `hour` filter's local hour in the user's timezone.
pub struct Hours {
    pub first: i64,
    pub keep: Vec<bool>,
}

/// What a click must be to count: the period as click ids `[from, to)`,
/// the hours, and the filters as the columns test them.
#[derive(Clone)]
pub struct Plan<'a> {
    user: i64,
    pub from: i64,
    pub to: i64,
    hours: Option<&'a Hours>,
    ints: Vec<(usize, Vec<i64>)>,
    texts: Vec<(usize, Vec<&'a str>)>,
    /// The `ip` filter: IPv4 addresses and other texts.
    ips: Option<(HashSet<u32>, HashSet<&'a str>)>,
}

/// A click handed out by [`Plan::each`]: its id and unique flag are
/// read only when asked for.
pub struct At<'c> {
    k: usize,
    ids: Option<&'c [i64]>,
    uniq: Option<&'c Column<'c, i64>>,
}

impl At<'_> {
    /// The click id (0 unless [`Plan::each`] was asked for ids).
    pub fn id(&self) -> i64 {
        self.ids.map_or(0, |ids| ids[self.k])
    }

    /// The unique flag (0 unless asked for; a code past the dictionary,
    /// only in a damaged blob, counts as not unique).
    pub fn unique(&self) -> i64 {
        self.uniq
            .and_then(|c| c.value(self.k).copied())
            .unwrap_or(0)
    }
}

impl<'a> Plan<'a> {
    /// None when a filter is on a column the chunks lack.
    pub fn new(filters: &'a Where, period: Period, hours: Option<&'a Hours>) -> Option<Plan<'a>> {
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

    /// The same plan over click ids `[from, to)` only.
    pub fn between(&self, from: i64, to: i64) -> Plan<'a> {
        Plan {
            from,
            to,
            ..self.clone()
        }
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

    /// Hands `f` the address of every click that counts, with its id
    /// and unique flag when `ids` / `uniq` ask for them. Answers how many
    /// clicks the chunks read held.
    pub fn each(
        &self,
        conn: &Connection,
        ids: bool,
        uniq: bool,
        mut f: impl FnMut(Ip, &At),
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
            self.chunk(&chunk, edges, (ids, uniq), &mut f)
                .ok_or_else(|| damaged(id))?;
        }
        Ok(read)
    }

    fn chunk(
        &self,
        c: &Chunk,
        edges: bool,
        (want_ids, want_uniq): (bool, bool),
        f: &mut impl FnMut(Ip, &At),
    ) -> Option<()> {
        // Per filtered column, which of this chunk's values it keeps.
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
            let at = At {
                k,
                ids: ids.as_deref(),
                uniq: uniq.as_ref(),
            };
            if edges && !self.in_window(at.id()) {
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
            f(ip, &at);
        }
        Some(())
    }
}
