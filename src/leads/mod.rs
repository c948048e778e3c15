//! Leads (docs/API.md): postback.json creates and changes them, leads.json
//! lists them, postbacks-in.json lists the calls postback.json got
//! (`inlog`). A lead row carries a copy of its click's dimensions
//! (`row`), its stage (`stage`) and a history of stage changes.
pub mod inlog;
pub mod list;
pub mod outbound;
pub mod postback;
pub mod request;
pub mod row;
pub mod stage;
