//! The click store (docs/ARCHITECTURE.md "The click store"): the one
//! module that knows how clicks are kept. A click lives in its row and in
//! derived copies that make reports fast: the dictionary of long texts,
//! its price, the narrow and wide rollups, the lead rollups and the click
//! columns. Every write that touches them goes through this interface,
//! which keeps the copies in step in the same transaction:
//!
//! - [`Appender`]: new clicks (the writer, `flowtrack demo`) and
//!   landing clicks ([`LandingClick`], the writer's [`Write`]);
//! - [`reprice`]: new click prices (spend.json);
//! - [`rescale`]: a change of the base currency (profile.json);
//! - [`leads`]: a lead written or moved (postback.json);
//! - [`remove_user`]: a user's clicks gone (`flowtrack demo` refreshes);
//! - [`ship`]: what each of these logs for ClickHouse, and reading it;
//! - [`retention`]: the oldest click rows gone once ClickHouse has them
//!   (`--keep-days`);
//!
//! and every read of them too: [`aggregate`], [`lp_agg`] and [`ip`] (stats.json),
//! [`page`] (clicks.json), [`click`] (the click a postback names),
//! [`recent`] (the uniqueness memory at start), [`filters`] (the dimension
//! filters of a request). Every list of dimensions comes from
//! [`registry`]. Nothing outside this
//! folder names its tables or its inner modules (tests/it/layers.rs).
//! `flowtrack store verify` recomputes every copy from the click rows and
//! leads ([`verify`]).
pub mod aggregate;
pub mod append;
mod cols;
pub mod filters;
mod grouped;
pub mod ip;
mod ip_keys;
mod landing;
pub mod lead_agg;
mod lead_roll;
pub mod leads;
pub mod lp_agg;
mod lp_roll;
#[cfg(test)]
mod model_tests;
pub mod page;
pub mod record;
pub mod registry;
pub mod reports;
pub mod reprice;
pub mod rescale;
pub mod retention;
mod scan;
pub mod ship;
mod sums;
mod texts;
pub mod upgrade;
mod visitors;

/// Public for tests and `flowtrack store verify` only, which recompute
/// the rollups from the click rows: what they are keyed by. The crate
/// goes through the interface above (tests/it/layers.rs checks).
pub mod rollup;
/// As [`rollup`]: public for tests and verify only.
pub mod wide;

pub mod verify;

pub use append::Appender;
pub use cols::read::Hours;
pub use cols::store::fill_from_clicks;
pub use cols::CHUNK;
pub use landing::{LandingClick, Write};
pub use page::click;
pub use texts::IdMap;
pub use visitors::{recent, ReadBy, Recent};

/// The store's own test data (a database of two users' clicks), for the
/// unit tests of what reads it.
#[cfg(test)]
pub use cols::fixture;

/// Removes every click of `user` and all the store keeps of them, lead
/// rollups included (`flowtrack demo` starts its user over).
pub fn remove_user(conn: &rusqlite::Connection, user: crate::ids::UserId) -> rusqlite::Result<()> {
    let user = user.0;
    conn.execute_batch(&format!(
        "DELETE FROM click_cost WHERE id IN (SELECT id FROM clicks WHERE user_id = {user});
         DELETE FROM clicks WHERE user_id = {user};
         DELETE FROM click_roll WHERE user_id = {user};
         DELETE FROM click_wide WHERE user_id = {user};
         DELETE FROM click_cols_cost WHERE id IN (SELECT id FROM click_cols WHERE user_id = {user});
         DELETE FROM click_cols WHERE user_id = {user};
         DELETE FROM lead_roll WHERE user_id = {user};
         DELETE FROM lp_roll WHERE user_id = {user};
         DELETE FROM lp_wide WHERE user_id = {user};"
    ))?;
    // ClickHouse deletes them too, before anything logged later is sent.
    ship::log(conn, ship::Kind::Removed, user, ship::ALL)
}
