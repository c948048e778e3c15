//! The 18 grouping items of stats.json (reference "Click statistics") and
//! the `id` / `name` each group gets (docs/API.md stats.json).
//!
//! Decisions the SPEC leaves open:
//! - A way is named after its site (the site's name) or, for a way with a
//!   plain URL, that URL. Way 0 and site 0 (blocked clicks that went to the
//!   trafficback, flow leads without a way) are named `none`.
//! - An empty country is id `""`, name `Unknown`; a code the country table
//!   does not know (e.g. `xk`) is named by the code in upper case.
//! - Empty text values (ip, domain, subid, utm tags, flow) are id `""` and,
//!   like every empty text field (docs/API.md), name `false`.
use crate::codes::FilterCode;
use crate::geo::countries::country_name;
pub use crate::store::aggregate::Key;
use crate::store::registry::{self, Dim, Naming, Place};
use crate::user_agent::{browser_name, os_name};
use jiff::civil::DateTime;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashMap;

/// A grouping item: by time, or by a dimension of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Date,
    Hour,
    /// The registry's `item` place of the dimension.
    Dim(usize),
}

/// The dimensions that are items, in their places.
const DIMS: [Dim; registry::count(Place::Item)] = registry::ordered(Place::Item);

/// Parameter value → item, in the reference document's order: date and
/// hour, then the dimensions' items.
const ITEMS: [(&str, Item); 2 + DIMS.len()] = {
    let mut items = [("date", Item::Date); 2 + DIMS.len()];
    items[1] = ("hour", Item::Hour);
    let mut i = 0;
    while i < DIMS.len() {
        if let Some((name, _)) = DIMS[i].item {
            items[2 + i] = (name, Item::Dim(i));
        }
        i += 1;
    }
    items
};

/// The item names, in [`ITEMS`]' order (an unknown item answers them).
pub const ITEM_NAMES: [&str; ITEMS.len()] = {
    let mut names = [""; ITEMS.len()];
    let mut i = 0;
    while i < ITEMS.len() {
        names[i] = ITEMS[i].0;
        i += 1;
    }
    names
};

impl Item {
    pub fn parse(s: &str) -> Option<Item> {
        ITEMS.iter().find(|(n, _)| *n == s).map(|(_, i)| *i)
    }

    /// The dimension the item groups by; `None` for date and hour.
    pub fn dim(self) -> Option<&'static Dim> {
        match self {
            Item::Date | Item::Hour => None,
            Item::Dim(i) => {
                let all: &'static [Dim] = &DIMS;
                all.get(i)
            }
        }
    }

    /// The column (same name in clicks and leads) the item groups by;
    /// `None` for date and hour, which group by time.
    pub fn column(self) -> Option<&'static str> {
        self.dim().map(|d| d.column)
    }

    /// Date and hour groups come in time order; all others by clicks.
    pub fn chronological(self) -> bool {
        matches!(self, Item::Date | Item::Hour)
    }

    /// The group of a local time, for date and hour.
    pub fn time_key(self, local: DateTime) -> Key {
        match self {
            Item::Hour => Key::Int(local.hour() as i64),
            _ => Key::Int(
                local.year() as i64 * 10_000 + local.month() as i64 * 100 + local.day() as i64,
            ),
        }
    }
}

/// Names that live in the user's configuration (flows, ways, sites),
/// loaded once per request for the item at hand.
#[derive(Debug, Default)]
pub struct Names {
    item: Option<Item>,
    known: HashMap<Key, String>,
}

impl Names {
    pub fn load(
        conn: &Connection,
        user: crate::ids::UserId,
        item: Item,
    ) -> rusqlite::Result<Names> {
        // Archived rows are included: their clicks still show (docs/API.md).
        let sql = match item.dim().map(|d| d.naming) {
            Some(Naming::Flow) => "SELECT id, name FROM flows WHERE user_id = ?1",
            Some(Naming::Way) => {
                "SELECT w.id, COALESCE(s.name, w.url) FROM ways w
                 LEFT JOIN sites s ON s.id = w.site_id WHERE w.user_id = ?1"
            }
            Some(Naming::Site) => "SELECT id, name FROM sites WHERE user_id = ?1",
            Some(Naming::Source) => "SELECT id, name FROM sources WHERE user_id = ?1",
            _ => {
                return Ok(Names {
                    item: Some(item),
                    known: HashMap::new(),
                })
            }
        };
        let mut st = conn.prepare(sql)?;
        let known = st
            .query_map([user], |r| {
                Ok((Key::from_sql(r.get::<_, Sql>(0)?), r.get::<_, String>(1)?))
            })?
            .collect::<Result<HashMap<_, _>, _>>()?;
        Ok(Names {
            item: Some(item),
            known,
        })
    }

    /// The `name` of a group (docs/API.md stats.json).
    pub fn name(&self, key: &Key) -> Value {
        let Some(item) = self.item else {
            return Value::Bool(false);
        };
        let text = |s: &str| {
            if s.is_empty() {
                Value::Bool(false)
            } else {
                Value::from(s)
            }
        };
        let naming = item.dim().map(|d| d.naming);
        match (item, naming, key) {
            (Item::Date, _, Key::Int(d)) => Value::from(format!(
                "{:04}-{:02}-{:02}",
                d / 10_000,
                d / 100 % 100,
                d % 100
            )),
            (Item::Hour, _, Key::Int(h)) => Value::from(format!("{h:02}:00")),
            (_, Some(Naming::Way | Naming::Site | Naming::Source), Key::Int(0)) => {
                Value::from("none")
            }
            (_, Some(Naming::Flow | Naming::Way | Naming::Site | Naming::Source), k) => {
                match self.known.get(k) {
                    Some(n) if !n.is_empty() => Value::from(n.as_str()),
                    _ => text(&k.map_key()),
                }
            }
            (_, Some(Naming::Filter), Key::Int(f)) => FilterCode::from_code(*f)
                .map_or_else(|| Value::from(f.to_string()), |c| Value::from(c.name())),
            (_, Some(Naming::Country), Key::Text(g)) if g.is_empty() => Value::from("Unknown"),
            (_, Some(Naming::Country), Key::Text(g)) => {
                Value::from(country_name(g).map_or_else(|| g.to_ascii_uppercase(), String::from))
            }
            (_, Some(Naming::Mobile), Key::Int(m)) => {
                Value::from(if *m == 0 { "desktop" } else { "mobile" })
            }
            (_, Some(Naming::Os), Key::Int(o)) => Value::from(os_name(*o)),
            (_, Some(Naming::Browser), Key::Int(b)) => Value::from(browser_name(*b)),
            (_, _, k) => text(&k.map_key()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_item_parses_and_unknown_ones_do_not() {
        for (name, item) in ITEMS {
            assert_eq!(Item::parse(name), Some(item));
        }
        assert_eq!(Item::parse("domain"), None);
        assert_eq!(Item::parse(""), None);
    }

    #[test]
    fn names_of_codes() {
        let n = |item| Names {
            item: Some(item),
            known: HashMap::new(),
        };
        let item = |name| Item::parse(name).unwrap();
        assert_eq!(n(Item::Date).name(&Key::Int(20230805)), "2023-08-05");
        assert_eq!(n(Item::Hour).name(&Key::Int(7)), "07:00");
        assert_eq!(n(item("filter")).name(&Key::Int(4)), "language");
        assert_eq!(n(item("geo")).name(&Key::Text("de".into())), "Germany");
        assert_eq!(n(item("geo")).name(&Key::Text(String::new())), "Unknown");
        assert_eq!(n(item("geo")).name(&Key::Text("xk".into())), "XK");
        assert_eq!(n(item("mobile")).name(&Key::Int(1)), "mobile");
        assert_eq!(n(item("subid")).name(&Key::Text(String::new())), false);
        assert_eq!(n(item("flow")).name(&Key::Text("abc".into())), "abc");
    }
}
