//! One lead as stored (schema.sql `leads`), minus its key, owner and
//! times. The click's dimensions are copied into the row (docs/ARCHITECTURE.md) so
//! stats and leads.json need no join. A postback builds the would-be new
//! row and compares it with the stored one: equal means `no-changes`
//! (docs/API.md), so every column a postback can touch lives in this struct.
use super::stage::Stage;
use crate::codes::FilterCode;
use crate::ids::UserId;
use crate::user_agent::{Browser, Os};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// The lead's extra fields: a JSON object of strings, stored as its text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta(pub Map<String, Value>);

impl ToSql for Meta {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(Value::Object(self.0.clone()).to_string()))
    }
}

impl FromSql for Meta {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        // Only this module writes the column; anything else reads as empty
        // rather than failing a whole leads.json page.
        let map = match serde_json::from_str::<Value>(v.as_str()?) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        Ok(Meta(map))
    }
}

/// Declares the row struct and its column list from one field list, so
/// the SELECT, INSERT and UPDATE statements cannot drift apart.
macro_rules! lead_row {
    ($($field:ident : $ty:ty),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct LeadRow {
            $(pub $field: $ty),*
        }

        impl LeadRow {
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn values(&self) -> Vec<&dyn ToSql> {
                vec![$(&self.$field as &dyn ToSql),*]
            }

            /// Reads the columns of [`Self::COLUMNS`] starting at `at`.
            pub fn read(r: &Row, at: usize) -> rusqlite::Result<LeadRow> {
                let mut i = at;
                Ok(LeadRow {
                    $($field: {
                        i += 1;
                        r.get(i - 1)?
                    }),*
                })
            }
        }
    };
}

lead_row! {
    click: String,
    click_id: Option<i64>,
    uid: String,
    flow: String,
    way: i64,
    site: i64,
    filter: FilterCode,
    stage: Stage,
    custom: String,
    goal: String,
    price: f64,
    currency: String,
    base: f64,
    ip: String,
    geo: String,
    os: Os,
    browser: Browser,
    mobile: i64,
    name: String,
    phone: String,
    email: String,
    comment: String,
    meta: Meta,
    ua: String,
    referer: String,
    domain: String,
    utms: String,
    utmc: String,
    utmn: String,
    utmt: String,
    utmm: String,
    subid: String,
    adid: String,
    data1: String,
    data2: String,
}

impl LeadRow {
    /// The text column a postback parameter overrides (name, tags, ...).
    pub fn text_mut(&mut self, column: &str) -> Option<&mut String> {
        Some(match column {
            "name" => &mut self.name,
            "phone" => &mut self.phone,
            "email" => &mut self.email,
            "comment" => &mut self.comment,
            "referer" => &mut self.referer,
            "utms" => &mut self.utms,
            "utmc" => &mut self.utmc,
            "utmn" => &mut self.utmn,
            "utmt" => &mut self.utmt,
            "utmm" => &mut self.utmm,
            "subid" => &mut self.subid,
            "adid" => &mut self.adid,
            "data1" => &mut self.data1,
            "data2" => &mut self.data2,
            _ => return None,
        })
    }

    /// Loads one of the user's leads (id, row).
    pub fn load(
        conn: &Connection,
        user: UserId,
        clause: &str,
        args: &[&dyn ToSql],
    ) -> rusqlite::Result<Option<(i64, LeadRow)>> {
        let sql = format!(
            "SELECT id, {} FROM leads WHERE user_id = ? AND {clause} ORDER BY id LIMIT 1",
            Self::COLUMNS.join(", ")
        );
        let mut all: Vec<&dyn ToSql> = vec![&user];
        all.extend_from_slice(args);
        conn.prepare_cached(&sql)?
            .query_row(all.as_slice(), |r| Ok((r.get(0)?, LeadRow::read(r, 1)?)))
            .optional()
    }

    /// Inserts a new lead first seen at `now`; returns its id.
    pub fn insert(&self, conn: &Connection, user: UserId, now: i64) -> rusqlite::Result<i64> {
        // Built once: the writer runs this for every new lead (docs/BENCHMARKS.md).
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "INSERT INTO leads (user_id, time, updated, {}) VALUES (?, ?, ?{})",
                LeadRow::COLUMNS.join(", "),
                ", ?".repeat(LeadRow::COLUMNS.len())
            )
        });
        let mut all: Vec<&dyn ToSql> = vec![&user, &now, &now];
        all.extend(self.values());
        conn.prepare_cached(&SQL)?.execute(all.as_slice())?;
        let id = conn.last_insert_rowid();
        crate::store::leads::moved(conn, id, 1)?;
        Ok(id)
    }

    /// Rewrites every column of lead `id`, stamping `updated`.
    pub fn update(&self, conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let sets: Vec<String> = LeadRow::COLUMNS
                .iter()
                .map(|c| format!("{c} = ?"))
                .collect();
            format!(
                "UPDATE leads SET updated = ?, {} WHERE id = ?",
                sets.join(", ")
            )
        });
        let mut all: Vec<&dyn ToSql> = vec![&now];
        all.extend(self.values());
        all.push(&id);
        // The rollups lose the old row and gain the new one (docs/BENCHMARKS.md).
        crate::store::leads::moved(conn, id, -1)?;
        conn.prepare_cached(&SQL)?.execute(all.as_slice())?;
        crate::store::leads::moved(conn, id, 1)
    }
}

/// Appends one entry to a lead's stage history (docs/API.md: every change is
/// kept with its time).
pub fn record_stage(
    conn: &Connection,
    lead: i64,
    now: i64,
    stage: Stage,
    custom: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO lead_stages (lead_id, time, stage, custom) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(rusqlite::params![lead, now, stage, custom])?;
    Ok(())
}
