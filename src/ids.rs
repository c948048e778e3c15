//! The ids that travel between modules (the caller, a flow's owner, a
//! click's owner and flow, the owner every query starts from), typed so
//! that one cannot be passed for another. They bind to SQL as the plain
//! integer or text the tables hold (schema.sql); modules unwrap them
//! (`.0`) only inside, where a column or a map key is all they are.
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use std::fmt;

/// A user's id: `users.id`, the `user_id` of every owned row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A flow's id: the text of its click path (`/{flow}`), `flows.id` and
/// the `flow` of clicks and leads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct FlowId(pub String);

impl FlowId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A flow id reads as its text wherever text is wanted.
impl std::ops::Deref for FlowId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by flow id are looked up by the click path's `&str`.
impl std::borrow::Borrow<str> for FlowId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for FlowId {
    fn from(s: String) -> FlowId {
        FlowId(s)
    }
}

impl From<&str> for FlowId {
    fn from(s: &str) -> FlowId {
        FlowId(s.to_string())
    }
}

impl PartialEq<str> for FlowId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for FlowId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl ToSql for UserId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for UserId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(UserId)
    }
}

impl ToSql for FlowId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for FlowId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        String::column_result(value).map(FlowId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_bind_as_their_column_values() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let (u, f, raw): (UserId, FlowId, (i64, String)) = conn
            .query_row(
                "SELECT ?1, ?2, typeof(?1) || typeof(?2)",
                rusqlite::params![UserId(7), FlowId::from("fb")],
                |r| Ok((r.get(0)?, r.get(1)?, (r.get(0)?, r.get(2)?))),
            )
            .unwrap();
        assert_eq!((u, f.as_str()), (UserId(7), "fb"));
        assert_eq!(raw, (7, "integertext".to_string()));
        assert_eq!(serde_json::json!([u, f]), serde_json::json!([7, "fb"]));
    }
}
