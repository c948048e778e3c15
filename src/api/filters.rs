//! The conditions shared by leads.json, clicks.json and stats.json
//! (reference document): each filter parameter maps to a column of the
//! same name in the clicks and leads tables, so one builder serves all
//! three (which parameters there are is the dimension registry's,
//! src/store/filters.rs). Every value
//! may be a list (docs/API.md arrays), matched with IN.
use super::error::{ApiError, ApiResult, ErrorCode};
use super::params::Params;
use crate::ids::UserId;
use rusqlite::types::Value as Sql;

/// Most values a request's list filters bind together: SQLite binds at
/// most 32,766 parameters a statement, and the statements built from a
/// [`Where`] add a few of their own (the owner, the period, a rollup's
/// kind). A request past it answers `bad-param` naming the list that
/// passed it (docs/API.md, "Error codes") instead of failing in SQLite.
pub const MAX_VALUES: usize = 32_000;

#[derive(Debug, Default, Clone)]
pub struct Where {
    clauses: Vec<String>,
    pub args: Vec<Sql>,
    /// The `column IN (...)` filters added by [`Where::list`], so that a
    /// rollup can tell whether it serves them (src/store/rollup.rs).
    pub lists: Vec<(String, Vec<Sql>)>,
    /// List values bound so far, against [`MAX_VALUES`].
    listed: usize,
}

impl Where {
    /// Every query starts from the owner: no statement reaches another
    /// user's rows (docs/API.md).
    pub fn owner(user: UserId) -> Where {
        Where {
            clauses: vec!["user_id = ?".into()],
            args: vec![Sql::Integer(user.0)],
            lists: Vec::new(),
            listed: 0,
        }
    }

    /// True when every condition beyond the owner is a `list` filter.
    pub fn only_lists(&self) -> bool {
        self.clauses.len() == 1 + self.lists.len()
    }

    /// Counts `n` more list values of `param`: `bad-param` naming it when
    /// they pass [`MAX_VALUES`].
    pub fn take_room(&mut self, param: &str, n: usize) -> ApiResult<()> {
        self.listed = self.listed.saturating_add(n);
        match self.listed > MAX_VALUES {
            true => Err(ApiError::field(ErrorCode::BadParam, param)),
            false => Ok(()),
        }
    }

    pub fn push(&mut self, clause: impl Into<String>, args: impl IntoIterator<Item = Sql>) {
        self.clauses.push(clause.into());
        self.args.extend(args);
    }

    /// Clicks from Unix second `from` up to, not including, `to` (None:
    /// unbounded), as a range of `id_column`: click ids are time-ordered
    /// (src/click_id.rs), so the period is a rowid range.
    pub fn clicks_between(&mut self, id_column: &str, from: Option<i64>, to: Option<i64>) {
        if let Some(t) = from {
            self.push(
                format!("{id_column} >= ?"),
                [Sql::Integer(crate::click_id::key_at(t))],
            );
        }
        if let Some(t) = to {
            self.push(
                format!("{id_column} < ?"),
                [Sql::Integer(crate::click_id::key_at(t))],
            );
        }
    }

    /// `column IN (...)` for the values of one parameter.
    pub fn list(
        &mut self,
        p: &Params,
        param: &str,
        column: &str,
        range: Option<(i64, i64)>,
    ) -> ApiResult<()> {
        let values = p.list(param)?;
        if values.is_empty() {
            return Ok(());
        }
        self.take_room(param, values.len())?;
        let args = values
            .iter()
            .map(|v| match range {
                Some((lo, hi)) => match v.parse::<i64>() {
                    Ok(n) if (lo..=hi).contains(&n) => Ok(Sql::Integer(n)),
                    _ => Err(ApiError::field(ErrorCode::BadParam, param)),
                },
                None if param == "geo" => Ok(Sql::Text(v.to_ascii_lowercase())),
                None => Ok(Sql::Text(v.clone())),
            })
            .collect::<ApiResult<Vec<_>>>()?;
        self.list_of(column, args);
        Ok(())
    }

    /// `column IN (...)` for `values`, recorded in `lists` as a
    /// parameter's would be.
    pub fn list_of(&mut self, column: &str, values: Vec<Sql>) {
        self.push_in(column, &values);
        self.lists.push((column.to_string(), values));
    }

    /// `column IN (...)` for `values` (not recorded in `lists`: rollup
    /// queries rebuild their conditions from a request's lists with it).
    pub fn push_in(&mut self, column: &str, values: &[Sql]) {
        let marks = vec!["?"; values.len()].join(",");
        self.push(format!("{column} IN ({marks})"), values.iter().cloned());
    }

    /// The conditions for a WHERE clause (`1` when there are none).
    pub fn sql(&self) -> String {
        match self.clauses.is_empty() {
            true => "1".into(),
            false => self.clauses.join(" AND "),
        }
    }
}

/// Page bounds (docs/API.md leads.json): limit default 1000, at most 10000.
pub fn page(p: &Params) -> ApiResult<(i64, i64)> {
    let offset = p
        .int("offset", 0, i64::MAX / 2, ErrorCode::BadParam)?
        .unwrap_or(0);
    let limit = p
        .int("limit", 1, 10_000, ErrorCode::BadParam)?
        .unwrap_or(1000);
    Ok((offset, limit))
}

/// Empty text comes out as `false`, as in the reference examples.
pub fn text(s: String) -> serde_json::Value {
    if s.is_empty() {
        serde_json::Value::Bool(false)
    } else {
        serde_json::Value::String(s)
    }
}

/// One answer row: the names and the values side by side, so a list's
/// JSON rows and its CSV header come from one list of fields.
pub fn fields_row(
    names: &[&str],
    values: impl IntoIterator<Item = serde_json::Value>,
) -> serde_json::Value {
    serde_json::Value::Object(names.iter().map(|n| n.to_string()).zip(values).collect())
}
