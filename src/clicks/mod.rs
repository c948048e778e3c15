//! The click path (docs/API.md "The click path") and the click log (docs/API.md clicks.json).
pub mod answer;
pub mod filters;
pub mod id;
pub mod list;
pub mod macros;
pub mod route;
pub mod uniqueness;
pub mod user_agent;
pub mod visitor;
