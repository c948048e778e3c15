//! A click as the request thread hands it to the writer: owned, no database.
//! Its columns, and the order the click table lists them in, come from the
//! dimension registry (src/store/registry.rs).
pub use super::registry::Tags;
use super::registry::{self, Val, DIMS};
use crate::codes::FilterCode;
use crate::ids::{FlowId, UserId};
use crate::user_agent::{Browser, Os};
use std::sync::LazyLock;

#[derive(Debug, Clone, Default)]
pub struct ClickRecord {
    pub key: i64,
    pub secret: i64,
    pub user_id: UserId,
    pub flow: FlowId,
    pub way: i64,
    pub site: i64,
    pub filter: FilterCode,
    pub unique: bool,
    pub vid: i64,
    pub ip: String,
    pub geo: String,
    pub lang: String,
    pub os: Os,
    pub browser: Browser,
    pub mobile: bool,
    pub ua: String,
    pub referer: String,
    pub domain: String,
    pub tags: Tags,
    /// The flow's traffic source (0: none).
    pub source: i64,
    /// The landing page and the offer (site ids, 0: none).
    pub landing: i64,
    pub offer: i64,
    /// The time of its landing click (Unix seconds, 0: none): 0 from the
    /// click path, set by the landing click (docs/API.md "Landing pages").
    pub lp: i64,
    /// Spend of this click in the user's base currency: the flow's
    /// source's price from the click path (sources.json), 0 without one;
    /// spend.json prices clicks later, and `flowtrack demo` sets it.
    /// Stored in click_cost, not in the click row (migration step 3).
    pub cost: f64,
}

/// The click row's insert: its key, secret and owner, then every
/// dimension of the registry (`dict` ones as ids).
pub static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    let columns: Vec<&str> = DIMS.iter().map(|d| d.column).collect();
    let marks: Vec<String> = (1..=3 + DIMS.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO clicks (id, secret, user_id, {}) VALUES ({})",
        columns.join(", "),
        marks.join(", ")
    )
});

const COST_SQL: &str = "INSERT INTO click_cost (id, cost) VALUES (?1, ?2)";

impl ClickRecord {
    /// Every text of the click (the writer's queue counts the memory
    /// they hold).
    pub fn texts(&self) -> impl Iterator<Item = &String> {
        [
            &self.flow.0,
            &self.ip,
            &self.geo,
            &self.lang,
            &self.ua,
            &self.referer,
            &self.domain,
        ]
        .into_iter()
        .chain(self.tags.all())
    }

    /// Inserts this click, and its price when it has one, on `conn` (the
    /// transaction `st` belongs to); `dict` holds the dictionary ids of
    /// its `dict` dimensions, in registry order.
    pub fn insert(
        &self,
        conn: &rusqlite::Connection,
        st: &mut rusqlite::CachedStatement<'_>,
        dict: &[i64],
    ) -> rusqlite::Result<()> {
        st.raw_bind_parameter(1, self.key)?;
        st.raw_bind_parameter(2, self.secret)?;
        st.raw_bind_parameter(3, self.user_id)?;
        let mut ids = dict.iter();
        let mut bound = Ok(());
        registry::unrolled(&DIMS, |i, d| {
            let value = match d.dict {
                true => Val::Int(ids.next().copied().unwrap_or(0)),
                false => d.get(self),
            };
            if bound.is_ok() {
                bound = st.raw_bind_parameter(4 + i, value);
            }
        });
        bound?;
        st.raw_execute()?;
        // No row is a price of 0 (click_cost never holds zeros).
        if self.cost != 0.0 {
            conn.prepare_cached(COST_SQL)?
                .execute(rusqlite::params![self.key, self.cost])?;
        }
        Ok(())
    }
}
