//! The click dimensions (docs/ARCHITECTURE.md, "How to add a dimension"):
//! one row per column a click is stored with, saying everywhere it goes:
//! its name in the API (filter parameter, clicks.json and CSV field,
//! postback and query parameter), its stats item, the rollups and the
//! click columns that hold it, the lead's copy, its URL macro, and how it
//! is read from a [`ClickRecord`]. Every list of dimensions the program
//! keeps is derived from [`DIMS`].
//!
//! A row's places (`filter`, `item`, `roll`, `cols`) say where it stands
//! in the lists whose order is stored or answered: the rollup kinds and
//! click_wide's key, the click-column blob (src/store/cols/format.rs),
//! and the order in which filters and items are checked and named by
//! errors. They are part of the stored format: a new dimension takes the
//! next free place of each list, never an existing one.
use crate::clicks::user_agent::{BROWSER_NAMES, OS_NAMES};
use crate::store::record::ClickRecord;
use rusqlite::types::ToSqlOutput;

/// A dimension's type and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// An integer; a filter value outside `min..=max` is `bad-param`.
    Int { min: i64, max: i64 },
    /// Text of at most `max` characters, as the click path and postbacks
    /// keep it.
    Text { max: usize },
}

/// A dimension's value in one click. The derived order (integers before
/// text, text by bytes) is SQLite's, so sorted keys are the tables' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val<'a> {
    Int(i64),
    Text(&'a str),
}

impl<'a> Val<'a> {
    /// The integer (0 for text).
    #[inline]
    pub fn as_int(self) -> i64 {
        match self {
            Val::Int(i) => i,
            Val::Text(_) => 0,
        }
    }

    /// The text ("" for an integer).
    #[inline]
    pub fn as_text(self) -> &'a str {
        match self {
            Val::Int(_) => "",
            Val::Text(s) => s,
        }
    }
}

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Val::Int(i) => ToSqlOutput::from(i),
            Val::Text(s) => ToSqlOutput::from(s),
        })
    }
}

/// How stats.json names the groups of an item (src/stats/items.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// The value itself (`false` when empty).
    Text,
    /// The user's flows, ways and sites by name.
    Flow,
    Way,
    Site,
    /// The code tables: filter, country, device, OS, browser.
    Filter,
    Country,
    Mobile,
    Os,
    Browser,
}

/// What a lead keeps of its click's dimension (docs/API.md postback.json,
/// leads.json): the leads table has a column of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lead {
    /// Not kept.
    No,
    /// Copied, not shown by leads.json.
    Copy,
    /// Copied and shown by leads.json.
    Show,
    /// Copied, shown, and replaced by a postback parameter of its API
    /// name (cut to its length).
    Set,
}

/// One click dimension.
#[derive(Debug)]
pub struct Dim {
    /// The column in clicks, and in leads, the rollups and the click
    /// columns where it is kept.
    pub column: &'static str,
    /// Its name in the API: filter, clicks.json and CSV field, postback
    /// and query parameter. None: not shown.
    pub api: Option<&'static str>,
    pub ty: Ty,
    /// Its place among the dimension filters (src/api/filters.rs).
    pub filter: Option<usize>,
    /// Its stats item and its place among the items after date and hour.
    pub item: Option<(&'static str, usize)>,
    pub naming: Naming,
    /// Whether spend.json can condition on it.
    pub spend: bool,
    /// Its kind in click_roll and lead_roll, which is its place in
    /// click_wide's key (kind 0 rolls up time and flow alone).
    pub roll: Option<usize>,
    /// Its slot among the click columns of its type, in blob order.
    pub cols: Option<usize>,
    /// Stored as an id into `dict` (long repeated texts).
    pub dict: bool,
    pub lead: Lead,
    /// The `{token}` of site and trafficback URLs (src/clicks/macros.rs).
    pub token: Option<&'static str>,
    /// Read from the click URL's query parameter of its API name.
    pub query: bool,
    /// Its value in a click.
    pub get: fn(&ClickRecord) -> Val<'_>,
    /// Its text in a click's tags, for the tags of [`registry!`]'s second
    /// list.
    pub tag: Option<fn(&mut Tags) -> &mut String>,
}

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
    get: |_| Val::Text(""),
    tag: None,
};

/// A tag of the query string.
const TEXT: Ty = Ty::Text { max: 255 };
const ID: Ty = Ty::Int {
    min: 0,
    max: i64::MAX,
};
const BOOL: Ty = Ty::Int { min: 0, max: 1 };

/// Declares [`DIMS`] from the rows of the click's own fields, then those
/// of its tags (texts of the query string), and [`Tags`] from the latter:
/// a tag is its row alone.
macro_rules! registry {
    (fields: [$($field:expr,)*] tags: [$($tag:ident: $row:expr,)*]) => {
        /// The click's tags: texts of its query string (docs/API.md "The
        /// click path" step 2), one per tag row of [`DIMS`].
        #[derive(Debug, Clone, Default)]
        pub struct Tags {
            $(pub $tag: String,)*
        }

        impl Tags {
            /// Every tag, in [`DIMS`] order.
            pub fn all(&self) -> [&String; [$(stringify!($tag)),*].len()] {
                [$(&self.$tag),*]
            }
        }

        /// Every click dimension, in the click table's column order
        /// (clicks.json's field order).
        pub static DIMS: [Dim; [$(stringify!($field),)* $(stringify!($tag)),*].len()] = [
            $($field,)*
            $(Dim {
                column: stringify!($tag),
                get: |c| Val::Text(&c.tags.$tag),
                tag: Some(|t| &mut t.$tag),
                ..$row
            },)*
        ];
    };
}

registry! {
    fields: [
        Dim { column: "flow", api: Some("flow"), ty: Ty::Text { max: 32 }, filter: Some(0),
            item: Some(("flow", 0)), naming: Naming::Flow, spend: true, roll: Some(0),
            cols: Some(0), lead: Lead::Show, token: Some("flow"), get: |c| Val::Text(&c.flow),
            ..NONE },
        Dim { column: "way", api: Some("way"), ty: ID, filter: Some(1), item: Some(("way", 1)),
            naming: Naming::Way, spend: true, roll: Some(1), cols: Some(1), lead: Lead::Show,
            get: |c| Val::Int(c.way), ..NONE },
        Dim { column: "site", api: Some("site"), ty: ID, filter: Some(2),
            item: Some(("site", 2)), naming: Naming::Site, roll: Some(2), cols: Some(2),
            lead: Lead::Show, get: |c| Val::Int(c.site), ..NONE },
        Dim { column: "filter", api: Some("filter"), ty: Ty::Int { min: 0, max: 5 },
            filter: Some(3), item: Some(("filter", 3)), naming: Naming::Filter, roll: Some(3),
            cols: Some(3), lead: Lead::Show, get: |c| Val::Int(c.filter as i64), ..NONE },
        Dim { column: "uniq", api: Some("unique"), ty: BOOL, cols: Some(0),
            get: |c| Val::Int(c.unique as i64), ..NONE },
        Dim { column: "vid", ty: Ty::Int { min: i64::MIN, max: i64::MAX },
            get: |c| Val::Int(c.vid), ..NONE },
        Dim { column: "ip", api: Some("ip"), ty: Ty::Text { max: 45 }, filter: Some(9),
            item: Some(("ip", 8)), lead: Lead::Show, token: Some("ip"),
            get: |c| Val::Text(&c.ip), ..NONE },
        Dim { column: "geo", api: Some("geo"), ty: Ty::Text { max: 2 }, filter: Some(4),
            item: Some(("geo", 4)), naming: Naming::Country, spend: true, roll: Some(4),
            cols: Some(1), lead: Lead::Show, token: Some("geo"), get: |c| Val::Text(&c.geo),
            ..NONE },
        Dim { column: "lang", api: Some("lang"), ty: Ty::Text { max: 3 },
            get: |c| Val::Text(&c.lang), ..NONE },
        // Bounded by the code tables, so a code the classifier can give is
        // always a valid filter (browser codes past 11 are flowtrack's own).
        Dim { column: "os", api: Some("os"), ty: Ty::Int { min: 0, max: OS_NAMES.len() as i64 - 1 },
            filter: Some(6), item: Some(("os", 6)), naming: Naming::Os, roll: Some(6),
            cols: Some(5), lead: Lead::Copy, get: |c| Val::Int(c.os as i64), ..NONE },
        Dim { column: "browser", api: Some("browser"),
            ty: Ty::Int { min: 0, max: BROWSER_NAMES.len() as i64 - 1 }, filter: Some(7),
            item: Some(("browser", 7)), naming: Naming::Browser, roll: Some(7), cols: Some(6),
            lead: Lead::Copy, get: |c| Val::Int(c.browser as i64), ..NONE },
        Dim { column: "mobile", api: Some("mobile"), ty: BOOL, filter: Some(5),
            item: Some(("mobile", 5)), naming: Naming::Mobile, roll: Some(5), cols: Some(4),
            lead: Lead::Copy, get: |c| Val::Int(c.mobile as i64), ..NONE },
        Dim { column: "ua", api: Some("ua"), ty: Ty::Text { max: 1024 }, dict: true,
            lead: Lead::Show, get: |c| Val::Text(&c.ua), ..NONE },
        Dim { column: "referer", api: Some("referer"), ty: Ty::Text { max: 1024 }, dict: true,
            lead: Lead::Set, get: |c| Val::Text(&c.referer), ..NONE },
        Dim { column: "domain", api: Some("domain"), filter: Some(8), item: Some(("utmd", 9)),
            spend: true, roll: Some(9), cols: Some(3), lead: Lead::Show, token: Some("host"),
            get: |c| Val::Text(&c.domain), ..NONE },
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
}

/// The row of a column.
pub fn column(name: &str) -> Option<&'static Dim> {
    DIMS.iter().find(|d| d.column == name)
}

/// The row of an API name.
pub fn api(name: &str) -> Option<&'static Dim> {
    DIMS.iter().find(|d| d.api == Some(name))
}

/// The ordered lists of dimensions: each row's place in one.
#[derive(Clone, Copy)]
pub enum Place {
    Filter,
    Item,
    Roll,
    /// The integer click columns.
    Int,
    /// The text click columns.
    Text,
}

const fn place(d: &Dim, list: Place) -> Option<usize> {
    match (list, d.ty) {
        (Place::Filter, _) => d.filter,
        (Place::Item, _) => match d.item {
            Some((_, k)) => Some(k),
            None => None,
        },
        (Place::Roll, _) => d.roll,
        (Place::Int, Ty::Int { .. }) | (Place::Text, Ty::Text { .. }) => d.cols,
        (Place::Int | Place::Text, _) => None,
    }
}

/// How many rows have a place in `list`.
pub const fn count(list: Place) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < DIMS.len() {
        n += place(&DIMS[i], list).is_some() as usize;
        i += 1;
    }
    n
}

/// The rows of `list` in their places; a place taken twice or left
/// empty does not compile.
pub const fn ordered<const N: usize>(list: Place) -> [&'static Dim; N] {
    let mut out = [&DIMS[0]; N];
    let mut taken = [false; N];
    let mut i = 0;
    while i < DIMS.len() {
        if let Some(k) = place(&DIMS[i], list) {
            assert!(k < N && !taken[k], "a place is out of range or taken twice");
            taken[k] = true;
            out[k] = &DIMS[i];
        }
        i += 1;
    }
    let mut k = 0;
    while k < N {
        assert!(taken[k], "a place is left empty");
        k += 1;
    }
    out
}

/// The columns of `dims`.
pub const fn columns<const N: usize>(dims: [&Dim; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = dims[i].column;
        i += 1;
    }
    out
}

/// Whether a dimension is text.
pub const fn is_text(d: &Dim) -> bool {
    matches!(d.ty, Ty::Text { .. })
}

/// The unordered lists of dimensions: the rows that have a flag, in
/// [`DIMS`] order.
#[derive(Clone, Copy)]
pub enum Flag {
    /// Shown by clicks.json (an API name).
    Api,
    /// A URL macro.
    Token,
    /// Set from the query string.
    Query,
    /// Kept in `dict`.
    Dict,
    /// Copied by a lead.
    Lead,
}

const fn has(d: &Dim, flag: Flag) -> bool {
    match flag {
        Flag::Api => d.api.is_some(),
        Flag::Token => d.token.is_some(),
        Flag::Query => d.query,
        Flag::Dict => d.dict,
        Flag::Lead => !matches!(d.lead, Lead::No),
    }
}

/// How many rows have `flag`.
pub const fn count_with(flag: Flag) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < DIMS.len() {
        n += has(&DIMS[i], flag) as usize;
        i += 1;
    }
    n
}

/// The rows that have `flag`, in [`DIMS`] order.
pub const fn with<const N: usize>(flag: Flag) -> [&'static Dim; N] {
    let mut out = [&DIMS[0]; N];
    let (mut k, mut i) = (0, 0);
    while i < DIMS.len() {
        if has(&DIMS[i], flag) {
            out[k] = &DIMS[i];
            k += 1;
        }
        i += 1;
    }
    assert!(k == N, "N is not count_with(flag)");
    out
}

/// The text a tag row keeps of a click `tags`; None for other rows.
pub fn tag_mut<'t>(d: &Dim, tags: &'t mut Tags) -> Option<&'t mut String> {
    d.tag.map(|f| f(tags))
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
