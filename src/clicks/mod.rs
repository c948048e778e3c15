//! The click path (docs/API.md "The click path") and the click log (docs/API.md clicks.json).
pub mod answer;
pub mod filters;
pub mod landing;
pub mod list;
pub mod lp;
pub mod macros;
pub mod route;
pub mod source;
pub mod uniqueness;
pub mod visitor;

// Click ids and the User-Agent vocabulary sit below every feature
// (src/click_id.rs, src/user_agent.rs); their old paths stay.
pub use crate::click_id as id;
pub use crate::user_agent;
