//! The click path (SPEC 2) and the click log (SPEC 5.2 clicks.json).
pub mod answer;
pub mod filters;
pub mod id;
pub mod list;
pub mod macros;
pub mod record;
pub mod route;
pub mod uniqueness;
pub mod user_agent;
pub mod visitor;
