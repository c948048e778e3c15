//! Leads: postback.json and leads.json (SPEC 4).
pub mod list;
pub mod postback;
