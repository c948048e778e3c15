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
use crate::user_agent::{browser_name, os_name};
use jiff::civil::DateTime;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Date,
    Hour,
    Flow,
    Way,
    Site,
    Filter,
    Geo,
    Mobile,
    Os,
    Browser,
    Ip,
    Domain,
    Subid,
    Utms,
    Utmc,
    Utmn,
    Utmt,
    Utmm,
}

/// Parameter value → item, in the reference document's order.
const ITEMS: [(&str, Item); 18] = [
    ("date", Item::Date),
    ("hour", Item::Hour),
    ("flow", Item::Flow),
    ("way", Item::Way),
    ("site", Item::Site),
    ("filter", Item::Filter),
    ("geo", Item::Geo),
    ("mobile", Item::Mobile),
    ("os", Item::Os),
    ("browser", Item::Browser),
    ("ip", Item::Ip),
    ("utmd", Item::Domain),
    ("subid", Item::Subid),
    ("utms", Item::Utms),
    ("utmc", Item::Utmc),
    ("utmn", Item::Utmn),
    ("utmt", Item::Utmt),
    ("utmm", Item::Utmm),
];

/// The item names, in [`ITEMS`]' order (an unknown item answers them).
pub const ITEM_NAMES: [&str; 18] = {
    let mut names = [""; 18];
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

    /// The column (same name in clicks and leads) the item groups by;
    /// `None` for date and hour, which group by time.
    pub fn column(self) -> Option<&'static str> {
        Some(match self {
            Item::Date | Item::Hour => return None,
            Item::Flow => "flow",
            Item::Way => "way",
            Item::Site => "site",
            Item::Filter => "filter",
            Item::Geo => "geo",
            Item::Mobile => "mobile",
            Item::Os => "os",
            Item::Browser => "browser",
            Item::Ip => "ip",
            Item::Domain => "domain",
            Item::Subid => "subid",
            Item::Utms => "utms",
            Item::Utmc => "utmc",
            Item::Utmn => "utmn",
            Item::Utmt => "utmt",
            Item::Utmm => "utmm",
        })
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
        let sql = match item {
            Item::Flow => "SELECT id, name FROM flows WHERE user_id = ?1",
            Item::Way => {
                "SELECT w.id, COALESCE(s.name, w.url) FROM ways w
                 LEFT JOIN sites s ON s.id = w.site_id WHERE w.user_id = ?1"
            }
            Item::Site => "SELECT id, name FROM sites WHERE user_id = ?1",
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
        match (item, key) {
            (Item::Date, Key::Int(d)) => Value::from(format!(
                "{:04}-{:02}-{:02}",
                d / 10_000,
                d / 100 % 100,
                d % 100
            )),
            (Item::Hour, Key::Int(h)) => Value::from(format!("{h:02}:00")),
            (Item::Way | Item::Site, Key::Int(0)) => Value::from("none"),
            (Item::Flow | Item::Way | Item::Site, k) => match self.known.get(k) {
                Some(n) if !n.is_empty() => Value::from(n.as_str()),
                _ => text(&k.map_key()),
            },
            (Item::Filter, Key::Int(f)) => FilterCode::from_code(*f)
                .map_or_else(|| Value::from(f.to_string()), |c| Value::from(c.name())),
            (Item::Geo, Key::Text(g)) if g.is_empty() => Value::from("Unknown"),
            (Item::Geo, Key::Text(g)) => {
                Value::from(country_name(g).map_or_else(|| g.to_ascii_uppercase(), String::from))
            }
            (Item::Mobile, Key::Int(m)) => Value::from(if *m == 0 { "desktop" } else { "mobile" }),
            (Item::Os, Key::Int(o)) => Value::from(os_name(*o)),
            (Item::Browser, Key::Int(b)) => Value::from(browser_name(*b)),
            (_, k) => text(&k.map_key()),
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
        assert_eq!(n(Item::Date).name(&Key::Int(20230805)), "2023-08-05");
        assert_eq!(n(Item::Hour).name(&Key::Int(7)), "07:00");
        assert_eq!(n(Item::Filter).name(&Key::Int(4)), "language");
        assert_eq!(n(Item::Geo).name(&Key::Text("de".into())), "Germany");
        assert_eq!(n(Item::Geo).name(&Key::Text(String::new())), "Unknown");
        assert_eq!(n(Item::Geo).name(&Key::Text("xk".into())), "XK");
        assert_eq!(n(Item::Mobile).name(&Key::Int(1)), "mobile");
        assert_eq!(n(Item::Subid).name(&Key::Text(String::new())), false);
        assert_eq!(n(Item::Flow).name(&Key::Text("abc".into())), "abc");
    }
}
