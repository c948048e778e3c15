//! The click columns (docs/BENCHMARKS.md, migration step 6): a narrow copy of what a
//! report filters and groups clicks by, packed column by column into
//! chunks of up to [`CHUNK`] clicks of one user (table `click_cols`).
//!
//! Why: what no rollup holds (item ip, about one value per click; subid
//! and utm_campaign/content/term; any item filtered by a dimension the
//! rollups lack) read a month of 10M clicks from the click table (158
//! bytes a row) in 1.1-1.5 s before any grouping. Here a click costs
//! about 13 bytes: its id as a delta, its IPv4 address in 4 bytes, and
//! every other dimension as a few bits into the chunk's own dictionary of
//! that column; its price is one more such column in a table of its own
//! (click_cols_cost), which spend.json rewrites without the chunk.
//!
//! Kept in the same transaction as the clicks (rollup::Acc, by the writer,
//! `flowtrack demo` and the test fixtures) and as their prices
//! (click_cost: spend.json, a change of base currency), so it never
//! disagrees with them.
mod decode;
mod dict;
#[cfg(test)]
pub mod fixture;
pub mod format;
pub mod group;
pub mod read;
pub mod store;

use crate::store::record::ClickRecord;
use crate::store::registry::{self, Dim, Place};
pub use format::Ip;

/// Most clicks in one chunk: big enough that the dictionaries cost little
/// per click, small enough that compaction rewrites little at a time. The
/// partial index `click_cols_open` (step 6) spells the same number.
pub const CHUNK: usize = 16_384;

/// The integer columns, in blob order (the registry's `cols` slots).
pub const INT_DIMS: [Dim; registry::count(Place::Int)] = registry::ordered(Place::Int);
/// The text columns, in blob order.
pub const TEXT_DIMS: [Dim; registry::count(Place::Text)] = registry::ordered(Place::Text);
pub const INTS: [&str; INT_DIMS.len()] = registry::columns(INT_DIMS);
pub const TEXTS: [&str; TEXT_DIMS.len()] = registry::columns(TEXT_DIMS);

/// One click as the columns hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub id: i64,
    pub ip: Ip<'a>,
    /// The values of [`INTS`].
    pub ints: [i64; INTS.len()],
    /// The values of [`TEXTS`].
    pub texts: [&'a str; TEXTS.len()],
    /// Its price (click_cost), in the user's base currency.
    pub cost: f64,
}

impl<'a> Row<'a> {
    pub fn of(c: &'a ClickRecord) -> Row<'a> {
        let mut ints = [0; INTS.len()];
        registry::unrolled(&INT_DIMS, |i, d| ints[i] = d.get(c).as_int());
        let mut texts = [""; TEXTS.len()];
        registry::unrolled(&TEXT_DIMS, |i, d| texts[i] = d.get(c).as_text());
        Row {
            id: c.key,
            ip: Ip::of_text(&c.ip),
            ints,
            texts,
            cost: c.cost,
        }
    }
}
