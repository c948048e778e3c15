//! A click on a flow with a traffic source (docs/API.md "The click path"
//! step 2, sources.json): the source's click id becomes the ad click id,
//! its parameters fill the tags the query left empty, and the click gets
//! its cost. Only a flow with a source pays for this second read of the
//! query string.
use super::visitor::each_pair;
use crate::snapshot::source::{Cost, Source};
use crate::store::record::Tags;
use crate::store::registry::{self, tag_mut, Dim, Flag};
use crate::text::cut_str;

/// The tags a mapping may fill: those a query parameter sets.
const QUERY: [Dim; registry::count_with(Flag::Query)] = registry::with(Flag::Query);

/// Longest tag value kept (docs/API.md "The click path").
const MAX: usize = 255;

/// A price a source put in its cost parameter: a non-negative finite
/// number (a decimal comma is read as a point), else 0.
fn price(v: &str) -> f64 {
    let n = match v.contains(',') {
        true => v.replace(',', ".").parse::<f64>(),
        false => v.parse::<f64>(),
    };
    n.ok().filter(|n| n.is_finite() && *n >= 0.0).unwrap_or(0.0)
}

/// Applies `source` to `tags` (read from `query` by `tags_from_query`)
/// and answers the click's cost in the base currency. The first
/// non-empty value of a parameter counts, as for the tags themselves.
pub fn apply(source: &Source, query: &str, tags: &mut Tags) -> f64 {
    let mut click_id = false;
    let mut param_cost: Option<f64> = None;
    each_pair(query, |k, v| {
        let v = cut_str(v.trim(), MAX);
        if v.is_empty() {
            return;
        }
        if !click_id && k == &*source.click_param {
            // The source's own click id goes before the built-in list.
            tags.adid.clear();
            tags.adid.push_str(v);
            click_id = true;
        }
        if let Cost::Param(name, factor) = &source.cost {
            if param_cost.is_none() && k == &**name {
                param_cost = Some(price(v) * factor);
            }
        }
        for m in source.params.iter().filter(|m| k == &*m.param) {
            let slot = QUERY
                .iter()
                .find(|d| d.api == Some(&*m.tag))
                .and_then(|d| tag_mut(d, tags))
                .filter(|s| s.is_empty());
            if let Some(slot) = slot {
                slot.push_str(v);
            }
        }
    });
    let cost = match &source.cost {
        Cost::None => 0.0,
        Cost::Cpc(c) => *c,
        Cost::Param(..) => param_cost.unwrap_or(0.0),
    };
    if cost.is_finite() {
        cost
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clicks::visitor::tags_from_query;
    use crate::snapshot::source::Mapping;

    fn source(cost: Cost) -> Source {
        let m = |p: &str, t: &str| Mapping {
            param: p.into(),
            tag: t.into(),
        };
        Source {
            id: 7,
            click_param: "msclkid".into(),
            params: vec![
                m("zone", "subid"),
                m("cmp", "utm_campaign"),
                m("x", "data2"),
            ],
            cost,
        }
    }

    fn run(s: &Source, q: &str) -> (Tags, f64) {
        let mut t = tags_from_query(q);
        let cost = apply(s, q, &mut t);
        (t, cost)
    }

    #[test]
    fn the_click_id_goes_before_the_built_in_list() {
        let s = source(Cost::None);
        let (t, cost) = run(&s, "gclid=g&msclkid=m1&msclkid=m2");
        assert_eq!((t.adid.as_str(), cost), ("m1", 0.0));
        assert_eq!(run(&s, "gclid=g&msclkid=").0.adid, "g");
    }

    #[test]
    fn mappings_fill_only_empty_tags() {
        let s = source(Cost::None);
        let (t, _) = run(&s, "zone=z%201&cmp=c&subid=given&x=+&x=two");
        assert_eq!(t.subid, "given");
        assert_eq!(t.utmc, "c");
        assert_eq!(t.data2, "two");
        let (t, _) = run(&s, "zone=z%201");
        assert_eq!(t.subid, "z 1");
    }

    #[test]
    fn costs_by_model() {
        assert_eq!(run(&source(Cost::Cpc(0.25)), "").1, 0.25);
        let p = source(Cost::Param("cost".into(), 2.0));
        assert_eq!(run(&p, "cost=0.5&cost=9").1, 1.0);
        assert_eq!(run(&p, "cost=0,5").1, 1.0);
        for bad in [
            "cost=-1",
            "cost=abc",
            "cost=1e400",
            "cost=NaN",
            "cost=inf",
            "",
        ] {
            assert_eq!(run(&p, bad).1, 0.0, "{bad}");
        }
        assert_eq!(run(&source(Cost::Param("c".into(), 2.0)), "c=1e308").1, 0.0);
    }
}
