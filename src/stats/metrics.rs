//! The metrics of a stats.json row and of its total (docs/API.md stats.json):
//! counts and money are summed exactly, ratios are derived at the end from
//! the sums (never averaged over rows), rounded to 2 decimals, and 0 where
//! the divisor is 0. Money is in the user's base currency.
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub use crate::store::aggregate::Leads;

/// Everything one group (or the total) adds up to.
#[derive(Debug, Default, Clone)]
pub struct Row {
    pub click: i64,
    pub unique: i64,
    /// Sum of click costs (spend.json), base currency.
    pub spend: f64,
    /// Landing clicks (by their own time).
    pub lpclick: i64,
    pub leads: Leads,
    /// Per goal id, in id order.
    pub goals: BTreeMap<String, Leads>,
}

impl Row {
    pub fn add_clicks(&mut self, click: i64, unique: i64, spend: f64) {
        self.click += click;
        self.unique += unique;
        self.spend += spend;
    }

    pub fn add_leads(&mut self, goal: &str, leads: &Leads) {
        self.leads.add(leads);
        match self.goals.get_mut(goal) {
            Some(g) => g.add(leads),
            None => {
                self.goals.insert(goal.to_string(), *leads);
            }
        }
    }

    pub fn merge(&mut self, o: &Row) {
        self.add_clicks(o.click, o.unique, o.spend);
        self.lpclick += o.lpclick;
        for (goal, leads) in &o.goals {
            self.add_leads(goal, leads);
        }
    }

    /// The row's fields; `head` holds `id`/`name` for a group (none for
    /// the total), written first as in the reference example.
    pub fn to_json(&self, head: Map<String, Value>) -> Value {
        let mut out = head;
        out.insert("click".into(), self.click.into());
        out.insert("unique".into(), self.unique.into());
        write_leads(&self.leads, self.unique, &mut out);
        // Approved money only, like `epc`: hold money may still be
        // cancelled, so it is shown as `mh` but not counted as earned.
        let profit = self.leads.ma - self.spend;
        out.insert("spend".into(), round2(self.spend).into());
        out.insert("profit".into(), round2(profit).into());
        out.insert("roi".into(), ratio_f(profit * 100.0, self.spend).into());
        // After the reference's metrics, so that CSV columns keep their
        // places. LP CTR: the share of clicks that went on from a landing
        // page.
        out.insert("lpclick".into(), self.lpclick.into());
        out.insert(
            "lpctr".into(),
            ratio(self.lpclick as f64 * 100.0, self.click).into(),
        );
        let goals: Map<String, Value> = self
            .goals
            .iter()
            .map(|(id, leads)| {
                let mut g = Map::new();
                write_leads(leads, self.unique, &mut g);
                (id.clone(), Value::Object(g))
            })
            .collect();
        out.insert("goal".into(), Value::Object(goals));
        Value::Object(out)
    }
}

/// Rounds to 2 decimals; never answers `-0`.
pub fn round2(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    (x * 100.0).round() / 100.0 + 0.0
}

fn ratio(num: f64, den: i64) -> f64 {
    ratio_f(num, den as f64)
}

fn ratio_f(num: f64, den: f64) -> f64 {
    // Costs are never negative (spend.json), so "no spend" is den <= 0.
    if den <= 0.0 {
        0.0
    } else {
        round2(num / den)
    }
}

/// The lead fields, with `cr` and `epc` against `unique` clicks (the
/// row's, also for a goal: the reference gives goals every field but
/// the click counts).
fn write_leads(l: &Leads, unique: i64, out: &mut Map<String, Value>) {
    let total = l.total();
    let [cn, ch, ca, cc, ct] = l.stages;
    let cv = total - ct;
    let mt = l.mh + l.ma;
    out.insert("total".into(), total.into());
    out.insert("cv".into(), cv.into());
    out.insert("cn".into(), cn.into());
    out.insert("ch".into(), ch.into());
    out.insert("ca".into(), ca.into());
    out.insert("cc".into(), cc.into());
    out.insert("ct".into(), ct.into());
    out.insert("mh".into(), round2(l.mh).into());
    out.insert("ma".into(), round2(l.ma).into());
    out.insert("mt".into(), round2(mt).into());
    out.insert("cr".into(), ratio(cv as f64 * 100.0, unique).into());
    out.insert("epc".into(), ratio(l.ma, unique).into());
    out.insert("appr".into(), ratio(ca as f64 * 100.0, cv).into());
    out.insert("app".into(), ratio(ca as f64 * 100.0, total).into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ratios_come_from_sums_and_divisors_of_zero_give_zero() {
        let mut r = Row::default();
        r.add_clicks(44, 22, 10.0);
        let l = Leads {
            stages: [1, 1, 2, 0, 2],
            mh: 20.0,
            ma: 135.0,
        };
        r.add_leads("lead", &l);
        r.lpclick = 15;
        let v = r.to_json(Map::new());
        assert_eq!(v["lpclick"], 15);
        assert_eq!(v["lpctr"], 34.09);
        assert_eq!(v["total"], 6);
        assert_eq!(v["cv"], 4);
        assert_eq!(v["mt"], 155.0);
        assert_eq!(v["cr"], 18.18);
        assert_eq!(v["epc"], 6.14);
        assert_eq!(v["appr"], 50.0);
        assert_eq!(v["app"], 33.33);
        // ma − spend: the 20 on hold is not earned yet.
        assert_eq!(v["profit"], 125.0);
        assert_eq!(v["roi"], 1250.0);
        assert_eq!(v["goal"]["lead"]["cr"], 18.18);
        assert!(v["goal"]["lead"].get("click").is_none());
        let empty = Row::default().to_json(Map::new());
        assert_eq!(empty["cr"], 0.0);
        assert_eq!(empty["roi"], 0.0);
        assert_eq!(empty["lpctr"], 0.0);
        assert_eq!(empty["goal"], json!({}));
        assert_eq!(round2(-0.001).to_string(), "0");
    }
}
