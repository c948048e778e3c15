//! One lead as stored (schema.sql `leads`), minus its key, owner and
//! times. The click's dimensions are copied into the row (docs/ARCHITECTURE.md) so
//! stats and leads.json need no join. A postback builds the would-be new
//! row and compares it with the stored one: equal means `no-changes`
//! (docs/API.md), so every column a postback can touch lives in this struct.
use super::stage::Stage;
use crate::ids::UserId;
use crate::store::record::ClickRecord;
use crate::store::registry::{self, Dim, Flag, Ty, Val};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, Value as Sql, ValueRef};
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

/// The click's dimensions a lead copies (the registry's `lead`), in
/// registry order.
pub const COPIED: [Dim; registry::count_with(Flag::Lead)] = registry::with(Flag::Lead);

/// A lead's copy of its click's dimensions, [`COPIED`] in order: integers
/// and texts as the click row holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct Copied(pub [Sql; COPIED.len()]);

impl Default for Copied {
    /// The columns' defaults (schema.sql): 0 and ''.
    fn default() -> Copied {
        Copied(COPIED.map(|d| match d.ty {
            Ty::Int { .. } => Sql::Integer(0),
            Ty::Text { .. } => Sql::Text(String::new()),
        }))
    }
}

impl Copied {
    /// Reads [`COPIED`]'s columns starting at `at`.
    pub fn read(r: &Row, at: usize) -> rusqlite::Result<Copied> {
        let mut out = Copied::default();
        for (i, v) in out.0.iter_mut().enumerate() {
            *v = r.get(at + i)?;
        }
        Ok(out)
    }

    /// The copy of click `c`'s dimensions.
    pub fn of(c: &ClickRecord) -> Copied {
        Copied(COPIED.map(|d| match d.get(c) {
            Val::Int(v) => Sql::Integer(v),
            Val::Text(s) => Sql::Text(s.to_string()),
        }))
    }

    /// The copy of `column`; None for a column not copied.
    pub fn get(&self, column: &str) -> Option<&Sql> {
        COPIED
            .iter()
            .position(|d| d.column == column)
            .map(|i| &self.0[i])
    }

    /// Sets the copy of `column`; other columns are not copied.
    pub fn set(&mut self, column: &str, value: Sql) {
        if let Some(i) = COPIED.iter().position(|d| d.column == column) {
            self.0[i] = value;
        }
    }
}

/// Declares the row struct and its own columns from one field list, and
/// adds the click's dimensions it copies, so the SELECT, INSERT and UPDATE
/// statements cannot drift apart.
macro_rules! lead_row {
    ($($field:ident : $ty:ty),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct LeadRow {
            $(pub $field: $ty,)*
            /// Its click's dimensions.
            pub dims: Copied,
        }

        impl LeadRow {
            /// The lead's own columns, before those of [`COPIED`].
            const OWN: &'static [&'static str] = &[$(stringify!($field)),*];

            fn values(&self) -> Vec<&dyn ToSql> {
                let mut values = vec![$(&self.$field as &dyn ToSql),*];
                values.extend(self.dims.0.iter().map(|v| v as &dyn ToSql));
                values
            }

            /// Reads the columns of [`COLUMNS`] starting at `at`.
            pub fn read(r: &Row, at: usize) -> rusqlite::Result<LeadRow> {
                let mut i = at;
                Ok(LeadRow {
                    $($field: {
                        i += 1;
                        r.get(i - 1)?
                    },)*
                    dims: Copied::read(r, i)?,
                })
            }
        }
    };
}

lead_row! {
    click: String,
    click_id: Option<i64>,
    uid: String,
    stage: Stage,
    custom: String,
    goal: String,
    price: f64,
    currency: String,
    base: f64,
    name: String,
    phone: String,
    email: String,
    comment: String,
    meta: Meta,
}

/// Every column of a [`LeadRow`], in its order.
pub static COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let copied = COPIED.iter().map(|d| d.column);
    LeadRow::OWN.iter().copied().chain(copied).collect()
});

impl LeadRow {
    /// Sets the text column a postback parameter overrides (name, tags,
    /// ...).
    pub fn set_text(&mut self, column: &str, value: &str) {
        let own = match column {
            "name" => &mut self.name,
            "phone" => &mut self.phone,
            "email" => &mut self.email,
            "comment" => &mut self.comment,
            _ => return self.dims.set(column, Sql::Text(value.to_string())),
        };
        *own = value.to_string();
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
            COLUMNS.join(", ")
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
                "INSERT INTO leads (id, user_id, time, updated, {}) VALUES ({}, ?, ?, ?{})",
                COLUMNS.join(", "),
                crate::store::ship::NEW_LEAD_ID,
                ", ?".repeat(COLUMNS.len())
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
            let sets: Vec<String> = COLUMNS.iter().map(|c| format!("{c} = ?")).collect();
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
