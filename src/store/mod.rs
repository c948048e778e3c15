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
pub mod leads;
pub mod page;
pub mod record;
pub mod reprice;
pub mod rescale;
pub mod rollup;
pub mod scan;
pub mod sums;
pub mod texts;
pub mod visitors;
pub mod wide;

pub use append::Appender;
pub use page::click;

/// Removes every click of `user` and all the store keeps of them, lead
/// rollups included (`flowtrack demo` starts its user over).
pub fn remove_user(conn: &rusqlite::Connection, user: i64) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "DELETE FROM click_cost WHERE id IN (SELECT id FROM clicks WHERE user_id = {user});
         DELETE FROM clicks WHERE user_id = {user};
         DELETE FROM click_roll WHERE user_id = {user};
         DELETE FROM click_wide WHERE user_id = {user};
         DELETE FROM click_cols_cost WHERE id IN (SELECT id FROM click_cols WHERE user_id = {user});
         DELETE FROM click_cols WHERE user_id = {user};
         DELETE FROM lead_roll WHERE user_id = {user};"
    ))
}
