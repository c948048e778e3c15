//! The click store (docs/ARCHITECTURE.md "The click store"): the one
//! module that knows how clicks are kept. A click lives in its row and in
//! derived copies that make reports fast: the dictionary of long texts,
//! its price, the narrow and wide rollups, the lead rollups and the click
//! columns. Every write that touches them goes through this interface,
//! which keeps the copies in step in the same transaction:
//!
//! - [`Appender`]: new clicks (the writer, `flowtrack demo`);
//! - [`reprice`]: new click prices (spend.json);
//! - [`rescale`]: a change of the base currency (profile.json);
//! - [`leads`]: a lead written or moved (postback.json);
//!
//! and every read of them too: [`aggregate`] (stats.json), [`page`]
//! (clicks.json), [`visitors`] (the uniqueness memory at start).
//! `flowtrack store verify` recomputes every copy from the click rows and
//! leads ([`verify`]).
pub mod aggregate;
pub mod append;
pub mod cols;
pub mod ip;
pub mod lead_roll;
pub mod page;
pub mod record;
pub mod registry;
pub mod reprice;
pub mod rescale;
pub mod rollup;
pub mod scan;
pub mod sums;
pub mod texts;
pub mod wide;

pub use append::Appender;
