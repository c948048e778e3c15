//! spend.json in a model case, as src/spend writes it; beside it, the
//! prices of the clicks SQLite finds in the click rows.
use super::apply::{date, World};
use super::check::Checked;
use super::ops::{alphabet, dim, Spend, CURRENCIES};
use crate::api::params::Params;
use crate::spend::request::{Price, SpendRequest};
use crate::spend::task::{Piece, SpendTask};
use crate::store::reprice::{self, pieces};
use serde_json::{json, Map};

impl World {
    /// spend.json: the request parsed, its clicks found in the click
    /// columns, priced by the writer's task; the model prices the clicks
    /// SQLite finds in the click rows.
    pub(super) fn spend(&mut self, s: &Spend) -> Checked {
        let mut m = Map::new();
        let price = format!("{}.{:02}", s.cents / 100, s.cents % 100);
        m.insert((if s.cost { "cost" } else { "cpc" }).into(), json!(price));
        m.insert("currency".into(), json!(CURRENCIES[s.currency as usize]));
        for &(d, v) in &s.conds {
            let (param, column) = dim(d as usize);
            let values = alphabet(column, s.user).0;
            let list = m.entry(param).or_insert_with(|| json!([]));
            list.as_array_mut()
                .unwrap()
                .push(json!(values[v as usize % values.len()]));
        }
        let moment = |(day, hour): (u8, Option<u8>)| {
            let d = date(day as i64);
            match hour {
                None => d.to_string(),
                Some(h) => format!("{d} {h:02}:00:00"),
            }
        };
        if let Some(f) = s.from {
            m.insert("from".into(), json!(moment(f)));
        }
        if let Some(t) = s.to {
            m.insert("to".into(), json!(moment(t)));
        }
        if s.valid {
            m.insert("valid".into(), json!("1"));
        }
        if s.unique {
            m.insert("unique".into(), json!("1"));
        }
        let user = self.user(s.user);
        let Ok(r) = SpendRequest::parse(&self.conn, &user, &Params::from_map(m)) else {
            return Ok(());
        };
        let w = r.columns_where();
        let shares = reprice::collect(&self.conn, &w, (r.from, r.to), Some(&self.pool)).unwrap();
        let n: usize = shares.iter().map(|c| c.clicks).sum();
        let price = match r.price {
            Price::Cost(total) => total / n.max(1) as f64,
            Price::Cpc(cpc) => cpc,
        };
        // The same clicks from the click rows.
        let decoded = shares
            .iter()
            .flat_map(|c| &c.pieces)
            .map(|p| pieces::decode(p));
        let mut ids: Vec<i64> = decoded.flat_map(Option::unwrap).collect();
        ids.sort_unstable();
        let at = |t: Option<i64>, open: i64| t.map_or(open, |t| t * 1000);
        let sql = format!(
            "SELECT id FROM clicks WHERE {} AND (id >> 16) >= ? AND (id >> 16) < ? ORDER BY id",
            w.sql()
        );
        let mut args = w.args.clone();
        args.push(at(r.from, i64::MIN).into());
        args.push(at(r.to, i64::MAX).into());
        let mut st = self.conn.prepare(&sql).unwrap();
        let want: Vec<i64> = st
            .query_map(rusqlite::params_from_iter(&args), |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        drop(st);
        if ids != want {
            return Err(format!(
                "spend {s:?}: clicks {ids:?}, the click rows say {want:?}"
            ));
        }
        for id in want {
            match price == 0.0 {
                true => self.prices.remove(&id),
                false => self.prices.insert(id, price),
            };
        }
        let all: Vec<Piece> = shares
            .into_iter()
            .flat_map(|c| c.pieces)
            .map(|ids| Piece { price, ids })
            .collect();
        if !all.is_empty() {
            let base = user.currency.clone();
            self.run(Box::new(SpendTask::new(user.id, base, all, json!({}))));
        }
        Ok(())
    }
}
