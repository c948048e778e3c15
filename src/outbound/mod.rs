//! Outbound postbacks (docs/API.md "Outbound postbacks",
//! docs/ARCHITECTURE.md "Outbound postbacks"): a traffic source is told,
//! server to server, when one of its clicks converts. The event is
//! written to the outbox in the lead's own transaction (`outbox`), sent
//! in the background (`sender`, `send`) and logged (`api`).
pub mod api;
pub mod outbox;
pub mod render;
pub mod send;
pub mod sender;
pub mod spec;

pub use sender::Outbox;
