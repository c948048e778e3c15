//! A dimension's row and what it holds (src/store/registry.rs).
use super::Tags;
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
    #[inline(always)]
    pub fn as_int(self) -> i64 {
        match self {
            Val::Int(i) => i,
            Val::Text(_) => 0,
        }
    }

    /// The text ("" for an integer).
    #[inline(always)]
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
    /// The user's traffic sources by name.
    Source,
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

/// Where a click holds a dimension: one of its fields, or its tag of that
/// place in [`Tags::all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Get {
    Flow,
    Way,
    Site,
    Filter,
    Unique,
    Vid,
    Ip,
    Geo,
    Lang,
    Os,
    Browser,
    Mobile,
    Ua,
    Referer,
    Domain,
    Tag(usize),
    Source,
    Landing,
    Offer,
    Lp,
}

/// One click dimension.
#[derive(Debug, Clone, Copy)]
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
    /// Where a click holds it ([`Dim::get`]).
    pub read: Get,
    /// Its text in a click's tags, for a tag row.
    pub tag: Option<fn(&mut Tags) -> &mut String>,
}

impl Dim {
    /// Its value in a click. Inlined: the writer reads every click's
    /// dimensions, from lists known when compiling, and a call each would
    /// be a good part of its per-click cost (docs/BENCHMARKS.md), also in
    /// the unoptimized builds the tests run.
    #[inline(always)]
    pub fn get<'a>(&self, c: &'a ClickRecord) -> Val<'a> {
        match self.read {
            Get::Flow => Val::Text(&c.flow),
            Get::Way => Val::Int(c.way),
            Get::Site => Val::Int(c.site),
            Get::Filter => Val::Int(c.filter as i64),
            Get::Unique => Val::Int(c.unique as i64),
            Get::Vid => Val::Int(c.vid),
            Get::Ip => Val::Text(&c.ip),
            Get::Geo => Val::Text(&c.geo),
            Get::Lang => Val::Text(&c.lang),
            Get::Os => Val::Int(c.os as i64),
            Get::Browser => Val::Int(c.browser as i64),
            Get::Mobile => Val::Int(c.mobile as i64),
            Get::Ua => Val::Text(&c.ua),
            Get::Referer => Val::Text(&c.referer),
            Get::Domain => Val::Text(&c.domain),
            Get::Tag(i) => Val::Text(c.tags.all()[i]),
            Get::Source => Val::Int(c.source),
            Get::Landing => Val::Int(c.landing),
            Get::Offer => Val::Int(c.offer),
            Get::Lp => Val::Int(c.lp),
        }
    }
}
