//! Reading the click columns of a period with a request's filters: each
//! chunk's dictionaries turn a filter into a mask over its codes, so a
//! click is tested with a few bit lookups, and a chunk none of whose
//! values a filter keeps is skipped whole.
use super::format::{Chunk, Codes, Column, Costs, Ip, Ips};
use super::store::damaged;
use super::{INTS, TEXTS};
use crate::api::dates::Period;
use crate::api::filters::Where;
use crate::click_id::key_at;
use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection};

/// A chunk with its prices, as [`Plan`] reads it.
const ROW: &str = "SELECT c.id, c.last, c.data, k.data FROM click_cols c
                   LEFT JOIN click_cols_cost k USING (id)";

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
    /// The `ip` filter: IPv4 addresses and other texts, sorted: a binary
    /// search over the few a filter names is several times cheaper per
    /// click than hashing the address.
    ips: Option<(Vec<u32>, Vec<&'a str>)>,
    group: Option<Group>,
}

/// What a reader of [`Plan::each`] needs of each click besides its
/// place: only those columns are decoded.
#[derive(Clone, Copy, Default)]
pub struct Need {
    pub ids: bool,
    pub uniq: bool,
    pub ip: bool,
    pub cost: bool,
}

/// The dictionary of the column a plan groups by, in one chunk.
pub enum Values<'c> {
    Ints(&'c [i64]),
    Texts(&'c [&'c str]),
}

/// A reader of the clicks a plan keeps.
pub trait Visit {
    /// A chunk begins (a reader may decode more of its columns): the
    /// dictionary of the grouped column in it.
    fn chunk(&mut self, _chunk: &Chunk, _group: Option<Values>) {}
    fn click(&mut self, at: &mut At);
    /// Whether the reader wants no more clicks (the rest is skipped).
    fn done(&self) -> bool {
        false
    }
}

/// A click handed out by [`Plan::each`]: what [`Need`] asked for.
pub struct At<'c, 'a> {
    k: usize,
    ids: Option<&'c [i64]>,
    uniq: Option<&'c Column<'a, i64>>,
    ips: Option<&'c mut Ips<'a>>,
    group: Option<Codes<'a>>,
    costs: Option<&'c Costs<'a>>,
}

impl<'a> At<'_, 'a> {
    /// The click id (0 unless asked for).
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

    /// The address (empty unless asked for; `Chunk::ips` checked that
    /// every click has one).
    pub fn ip(&mut self) -> Ip<'a> {
        let k = self.k;
        self.ips
            .as_mut()
            .and_then(|i| i.at(k))
            .unwrap_or(Ip::Text(""))
    }

    /// The price (0 unless asked for).
    pub fn cost(&self) -> f64 {
        self.costs.map_or(0.0, |c| c.get(self.k))
    }

    /// The grouped column's code, into the dictionary of [`Visit::chunk`].
    pub fn code(&self) -> usize {
        self.group.map_or(0, |g| g.get(self.k) as usize)
    }
}

/// Where a plan finds the column it groups by.
#[derive(Clone, Copy)]
enum Group {
    Int(usize),
    Text(usize),
}

impl<'a> Plan<'a> {
    /// None when a filter, or `group` (the column the reader groups by,
    /// if any), is on a column the chunks lack.
    pub fn new(
        filters: &'a Where,
        period: Period,
        hours: Option<&'a Hours>,
        group: Option<&str>,
    ) -> Option<Plan<'a>> {
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
            group: match group {
                None => None,
                Some(c) => Some(match INTS.iter().position(|i| *i == c) {
                    Some(i) => Group::Int(i),
                    None => Group::Text(TEXTS.iter().position(|t| *t == c)?),
                }),
            },
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
                let (mut v4, mut other) = (Vec::new(), Vec::new());
                for t in texts.collect::<Option<Vec<_>>>()? {
                    match Ip::of_text(t) {
                        Ip::V4(a) => v4.push(a),
                        _ => other.push(t),
                    };
                }
                v4.sort_unstable();
                other.sort_unstable();
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
        let bucket = crate::click_id::key_bucket(id) - h.first;
        usize::try_from(bucket).is_ok_and(|b| h.keep.get(b) == Some(&true))
    }

    /// Hands `v` every click that counts, in chunk order (ascending ids
    /// within a chunk), with what `need` asks for.
    pub fn each(&self, conn: &Connection, need: Need, v: &mut impl Visit) -> rusqlite::Result<()> {
        let mut st = conn.prepare_cached(&format!(
            "{ROW} WHERE c.user_id = ?1 AND c.id < ?3 AND c.last >= ?2 ORDER BY c.id"
        ))?;
        let mut rows = st.query(params![self.user, self.from, self.to])?;
        while let Some(r) = rows.next()? {
            if v.done() {
                break;
            }
            // A chunk is mostly Rust's work, which SQLite's progress
            // handler does not see: the report's deadline is asked here.
            crate::db::budget::check()?;
            self.one(r, need, v)?;
        }
        Ok(())
    }

    /// The chunks that may hold the plan's clicks: (id, last click id).
    pub fn chunks(&self, conn: &Connection) -> rusqlite::Result<Vec<(i64, i64)>> {
        let mut st = conn.prepare_cached(
            "SELECT id, last FROM click_cols WHERE user_id = ?1 AND id < ?3 AND last >= ?2",
        )?;
        let rows = st.query_map(params![self.user, self.from, self.to], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect()
    }

    /// [`Plan::each`] over chunk `id` alone (one of [`Plan::chunks`]).
    pub fn each_in(
        &self,
        conn: &Connection,
        id: i64,
        need: Need,
        v: &mut impl Visit,
    ) -> rusqlite::Result<()> {
        crate::db::budget::check()?;
        let mut st = conn.prepare_cached(&format!("{ROW} WHERE c.id = ?1 AND c.user_id = ?2"))?;
        let mut rows = st.query(params![id, self.user])?;
        match rows.next()? {
            Some(r) => self.one(r, need, v),
            None => Ok(()),
        }
    }

    /// One row of [`ROW`]: its clicks to `v`.
    fn one(&self, r: &rusqlite::Row, need: Need, v: &mut impl Visit) -> rusqlite::Result<()> {
        let (id, last): (i64, i64) = (r.get(0)?, r.get(1)?);
        let chunk = Chunk::parse(id, r.get_ref(2)?.as_blob()?).ok_or_else(|| damaged(id))?;
        // The prices' blob is read only when asked for.
        let costs = match need.cost {
            true => {
                let blob = r.get_ref(3)?.as_blob()?;
                Some(Costs::parse(blob, chunk.n).ok_or_else(|| damaged(id))?)
            }
            false => None,
        };
        let edges = self.hours.is_some() || id < self.from || last >= self.to;
        self.chunk(&chunk, costs.as_ref(), edges, need, v)
            .ok_or_else(|| damaged(id))
    }

    fn chunk(
        &self,
        c: &Chunk,
        costs: Option<&Costs>,
        edges: bool,
        need: Need,
        v: &mut impl Visit,
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
        let ids = match edges || need.ids {
            true => Some(c.ids()?),
            false => None,
        };
        let uniq = match need.uniq {
            true => Some(c.ints(0)?),
            false => None,
        };
        let mut ips = match need.ip || self.ips.is_some() {
            true => Some(c.ips()?),
            false => None,
        };
        let group = match self.group {
            None => {
                v.chunk(c, None);
                None
            }
            Some(Group::Int(i)) => {
                let col = c.ints(i)?;
                v.chunk(c, Some(Values::Ints(&col.dict)));
                Some(col.codes)
            }
            Some(Group::Text(i)) => {
                let col = c.texts(i)?;
                v.chunk(c, Some(Values::Texts(&col.dict)));
                Some(col.codes)
            }
        };
        for k in 0..c.n {
            if edges && !self.in_window(ids.as_ref().map_or(0, |ids| ids[k])) {
                continue;
            }
            let kept =
                |(codes, mask): &(Codes, Vec<bool>)| mask.get(codes.get(k) as usize) == Some(&true);
            if !masks.iter().all(kept) {
                continue;
            }
            let mut at = At {
                k,
                ids: ids.as_deref(),
                uniq: uniq.as_ref(),
                ips: ips.as_mut(),
                group,
                costs,
            };
            if let Some((v4, other)) = &self.ips {
                let ip = at.ip();
                let keep = match ip {
                    Ip::V4(a) => v4.binary_search(&a).is_ok(),
                    _ => other.binary_search(&&*ip.text()).is_ok(),
                };
                if !keep {
                    continue;
                }
            }
            v.click(&mut at);
        }
        Some(())
    }
}
