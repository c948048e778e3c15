//! The click dimensions (docs/ARCHITECTURE.md, "How to add a dimension"):
//! one row per column a click is stored with, saying everywhere it goes:
//! its name in the API (filter parameter, clicks.json and CSV field,
//! postback and query parameter), its stats item, the rollups and the
//! click columns that hold it, the lead's copy, its URL macro, and how it
//! is read from a [`ClickRecord`](crate::store::record::ClickRecord).
//! Every list of dimensions the program keeps is derived from [`DIMS`].
//!
//! A row's places (`filter`, `item`, `roll`, `cols`) say where it stands
//! in the lists whose order is stored or answered: the rollup kinds and
//! click_wide's key, the click-column blob (src/store/cols/format.rs),
//! and the order in which filters and items are checked and named by
//! errors. They are part of the stored format: a new dimension takes the
//! next free place of each list, never an existing one.
mod dim;
mod lists;

pub use dim::{Dim, Get, Lead, Naming, Ty, Val};
pub use lists::{columns, count, count_with, is_text, ordered, unrolled, with, Flag, Place};

use crate::codes::FILTER_NAMES;
use crate::user_agent::{BROWSER_NAMES, OS_NAMES};

/// A row's defaults: none of the lists.
const NONE: Dim = Dim {
    column: "",
    api: None,
    ty: TEXT,
    filter: None,
    item: None,
    naming: Naming::Text,
    spend: false,
    roll: None,
    cols: None,
    dict: false,
    lead: Lead::No,
    token: None,
    query: false,
    read: Get::Tag(0),
    tag: None,
};

/// A tag of the query string, cut to 255 characters (docs/API.md).
const TEXT: Ty = Ty::Text { max: 255 };
/// An id of the user's configuration (way, site).
const ID: Ty = Ty::Int {
    min: 0,
    max: i64::MAX,
};
/// A flag.
const BOOL: Ty = Ty::Int { min: 0, max: 1 };

/// Declares [`DIMS`] from the rows of the click's own fields, then those
/// of its tags (texts of the query string), and [`Tags`] from the latter:
/// a tag is its row alone.
macro_rules! registry {
    (fields: [$($field:expr,)*] tags: [$($tag:ident: $row:expr,)*]
     after: [$($late:expr,)*]) => {
        /// The click's tags: texts of its query string (docs/API.md "The
        /// click path" step 2), one per tag row of [`DIMS`].
        #[derive(Debug, Clone, Default)]
        pub struct Tags {
            $(pub $tag: String,)*
        }

        /// The tags' names, in [`DIMS`] order.
        const TAG_NAMES: &[&str] = &[$(stringify!($tag)),*];

        impl Tags {
            /// Every tag, in [`DIMS`] order.
            #[inline(always)]
            pub fn all(&self) -> [&String; TAG_NAMES.len()] {
                [$(&self.$tag),*]
            }
        }

        /// Every click dimension, in the click table's column order
        /// (clicks.json's field order).
        pub const DIMS: [Dim; [$(stringify!($field),)* $(stringify!($tag),)* $(stringify!($late)),*].len()] = [
            $($field,)*
            $(Dim {
                column: stringify!($tag),
                read: Get::Tag(tag_index(stringify!($tag))),
                tag: Some(|t| &mut t.$tag),
                ..$row
            },)*
            $($late,)*
        ];
    };
}

registry! {
    fields: [
        Dim { column: "flow", api: Some("flow"), ty: Ty::Text { max: 32 }, filter: Some(0),
            item: Some(("flow", 0)), naming: Naming::Flow, spend: true, roll: Some(0),
            cols: Some(0), lead: Lead::Show, token: Some("flow"), read: Get::Flow,
            ..NONE },
        Dim { column: "way", api: Some("way"), ty: ID, filter: Some(1), item: Some(("way", 1)),
            naming: Naming::Way, spend: true, roll: Some(1), cols: Some(1), lead: Lead::Show,
            read: Get::Way, ..NONE },
        Dim { column: "site", api: Some("site"), ty: ID, filter: Some(2),
            item: Some(("site", 2)), naming: Naming::Site, roll: Some(2), cols: Some(2),
            lead: Lead::Show, read: Get::Site, ..NONE },
        Dim { column: "filter", api: Some("filter"),
            ty: Ty::Int { min: 0, max: FILTER_NAMES.len() as i64 - 1 },
            filter: Some(3), item: Some(("filter", 3)), naming: Naming::Filter, roll: Some(3),
            cols: Some(3), lead: Lead::Show, read: Get::Filter, ..NONE },
        Dim { column: "uniq", api: Some("unique"), ty: BOOL, cols: Some(0),
            read: Get::Unique, ..NONE },
        Dim { column: "vid", ty: Ty::Int { min: i64::MIN, max: i64::MAX },
            read: Get::Vid, ..NONE },
        Dim { column: "ip", api: Some("ip"), ty: Ty::Text { max: 45 }, filter: Some(9),
            item: Some(("ip", 8)), lead: Lead::Show, token: Some("ip"),
            read: Get::Ip, ..NONE },
        Dim { column: "geo", api: Some("geo"), ty: Ty::Text { max: 2 }, filter: Some(4),
            item: Some(("geo", 4)), naming: Naming::Country, spend: true, roll: Some(4),
            cols: Some(1), lead: Lead::Show, token: Some("geo"), read: Get::Geo,
            ..NONE },
        Dim { column: "lang", api: Some("lang"), ty: Ty::Text { max: 3 },
            read: Get::Lang, ..NONE },
        // Bounded by the code tables, so a code the classifier can give is
        // always a valid filter (browser codes past 11 are flowtrack's own).
        Dim { column: "os", api: Some("os"), ty: Ty::Int { min: 0, max: OS_NAMES.len() as i64 - 1 },
            filter: Some(6), item: Some(("os", 6)), naming: Naming::Os, roll: Some(6),
            cols: Some(5), lead: Lead::Copy, read: Get::Os, ..NONE },
        Dim { column: "browser", api: Some("browser"),
            ty: Ty::Int { min: 0, max: BROWSER_NAMES.len() as i64 - 1 }, filter: Some(7),
            item: Some(("browser", 7)), naming: Naming::Browser, roll: Some(7), cols: Some(6),
            lead: Lead::Copy, read: Get::Browser, ..NONE },
        Dim { column: "mobile", api: Some("mobile"), ty: BOOL, filter: Some(5),
            item: Some(("mobile", 5)), naming: Naming::Mobile, roll: Some(5), cols: Some(4),
            lead: Lead::Copy, read: Get::Mobile, ..NONE },
        Dim { column: "ua", api: Some("ua"), ty: Ty::Text { max: 1024 }, dict: true,
            lead: Lead::Show, read: Get::Ua, ..NONE },
        Dim { column: "referer", api: Some("referer"), ty: Ty::Text { max: 1024 }, dict: true,
            lead: Lead::Set, read: Get::Referer, ..NONE },
        Dim { column: "domain", api: Some("domain"), filter: Some(8), item: Some(("utmd", 9)),
            spend: true, roll: Some(9), cols: Some(3), lead: Lead::Show, token: Some("host"),
            read: Get::Domain, ..NONE },
    ]
    tags: [
        utms: Dim { api: Some("utm_source"), filter: Some(10), item: Some(("utms", 11)),
            spend: true, roll: Some(8), cols: Some(2), lead: Lead::Set, token: Some("utms"),
            query: true, ..NONE },
        utmc: Dim { api: Some("utm_campaign"), filter: Some(11), item: Some(("utmc", 12)),
            spend: true, cols: Some(6), lead: Lead::Set, token: Some("utmc"), query: true,
            ..NONE },
        utmn: Dim { api: Some("utm_content"), filter: Some(12), item: Some(("utmn", 13)),
            spend: true, cols: Some(7), lead: Lead::Set, token: Some("utmn"), query: true,
            ..NONE },
        utmt: Dim { api: Some("utm_term"), filter: Some(13), item: Some(("utmt", 14)),
            spend: true, cols: Some(8), lead: Lead::Set, token: Some("utmt"), query: true,
            ..NONE },
        utmm: Dim { api: Some("utm_medium"), filter: Some(14), item: Some(("utmm", 15)),
            spend: true, roll: Some(10), cols: Some(4), lead: Lead::Set, token: Some("utmm"),
            query: true, ..NONE },
        subid: Dim { api: Some("subid"), filter: Some(15), item: Some(("subid", 10)),
            spend: true, cols: Some(5), lead: Lead::Set, token: Some("subid"), query: true,
            ..NONE },
        uuid: Dim { api: Some("uuid"), token: Some("uuid"), query: true, ..NONE },
        // Set from the first ad click id parameter (src/clicks/visitor.rs).
        adid: Dim { api: Some("adid"), lead: Lead::Set, token: Some("uid"), ..NONE },
        data1: Dim { api: Some("data1"), lead: Lead::Set, token: Some("data1"), query: true,
            ..NONE },
        data2: Dim { api: Some("data2"), lead: Lead::Set, token: Some("data2"), query: true,
            ..NONE },
    ]
    // Columns added after the tags (migration step 9), in the table's order.
    after: [
        // The flow's traffic source when clicked (sources.json).
        Dim { column: "source", api: Some("source"), ty: ID, filter: Some(16),
            item: Some(("source", 16)), naming: Naming::Source, spend: true, roll: Some(11),
            cols: Some(7), lead: Lead::Show, token: Some("source"), read: Get::Source,
            ..NONE },
        // The landing page the way sent the visitor to, and the offer: the
        // way's own site, the one chosen behind the landing page, or the one
        // its landing click asked for (docs/API.md "Landing pages"). The
        // offer can change after the click is stored, so no rollup or click
        // column holds it (docs/ARCHITECTURE.md "The click store").
        Dim { column: "landing", api: Some("landing"), ty: ID, filter: Some(17),
            item: Some(("landing", 17)), naming: Naming::Site, spend: true, roll: Some(12),
            cols: Some(8), lead: Lead::Show, token: Some("landing"), read: Get::Landing,
            ..NONE },
        Dim { column: "offer", api: Some("offer"), ty: ID, filter: Some(18),
            item: Some(("offer", 18)), naming: Naming::Site, lead: Lead::Show,
            token: Some("offer"), read: Get::Offer, ..NONE },
        // When the visitor clicked through the landing page (0: not yet).
        Dim { column: "lp", api: Some("lpclick"), ty: Ty::Int { min: 0, max: i64::MAX },
            read: Get::Lp, ..NONE },
    ]
}

/// The place of tag `name` in [`Tags::all`].
const fn tag_index(name: &str) -> usize {
    let mut i = 0;
    while i < TAG_NAMES.len() {
        if TAG_NAMES[i].len() == name.len() {
            let (a, b) = (TAG_NAMES[i].as_bytes(), name.as_bytes());
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such tag")
}

/// The row of an API name.
pub fn api(name: &str) -> Option<&'static Dim> {
    DIMS.iter().find(|d| d.api == Some(name))
}

/// The text a tag row keeps of a click `tags`; None for other rows.
pub fn tag_mut<'t>(d: &Dim, tags: &'t mut Tags) -> Option<&'t mut String> {
    d.tag.map(|f| f(tags))
}

#[cfg(test)]
mod tests;
