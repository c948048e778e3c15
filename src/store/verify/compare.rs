//! Comparing a stored copy (`main.T`) with its recomputation (`temp.T`,
//! the same table's DDL), row by row in primary-key order: both are
//! `WITHOUT ROWID` tables, so each side is one scan and nothing is held
//! but the current row. The columns come from the table itself, so a
//! dimension added to the rollups is compared without a change here.
use super::Copy;
use crate::store::rollup::KINDS;
use rusqlite::types::Value;
use rusqlite::Connection;
use std::cmp::Ordering;
use std::collections::HashSet;

/// Whether two sums of prices agree: summed in another order (the writer
/// adds batch by batch, spend.json moves them by differences, a change of
/// currency multiplies them) they may differ in the last bits.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 + 1e-9 * a.abs().max(b.abs())
}

/// A table's columns: name, whether REAL, and place in the primary key
/// (0: not in it).
struct Columns(Vec<(String, bool, usize)>);

impl Columns {
    fn of(conn: &Connection, table: &str) -> rusqlite::Result<Columns> {
        let mut st = conn.prepare(&format!("PRAGMA main.table_info({table})"))?;
        let rows = st.query_map([], |r| {
            let kind: String = r.get(2)?;
            let pk: i64 = r.get(5)?;
            Ok((r.get(1)?, kind.eq_ignore_ascii_case("REAL"), pk as usize))
        })?;
        Ok(Columns(rows.collect::<rusqlite::Result<_>>()?))
    }

    /// The key's columns, in key order.
    fn key(&self) -> Vec<usize> {
        let mut key: Vec<usize> = (0..self.0.len()).filter(|&i| self.0[i].2 > 0).collect();
        key.sort_by_key(|&i| self.0[i].2);
        key
    }
}

/// SQLite's order of values (NULL, numbers, text by bytes, blobs): the
/// order `ORDER BY` gives a key column of the BINARY collation.
fn sql_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Integer(x), Value::Real(y)) => (*x as f64).total_cmp(y),
        (Value::Real(x), Value::Integer(y)) => x.total_cmp(&(*y as f64)),
        (Value::Real(x), Value::Real(y)) => x.total_cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A value as a difference line shows it.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Text(t) => format!("'{t}'"),
        Value::Blob(b) => format!("a blob of {} bytes", b.len()),
    }
}

/// A key as a difference line shows it: kinds by their column, buckets
/// with their time.
fn show_key(cols: &Columns, key: &[usize], row: &[Value]) -> String {
    let part = |&i: &usize| {
        let name = &cols.0[i].0;
        let v = &row[i];
        let note = match (name.as_str(), v) {
            ("kind", Value::Integer(k)) => {
                KINDS
                    .iter()
                    .find(|(kind, _)| kind == k)
                    .map(|(_, c)| match c.trim_matches('\'') {
                        "" => " (time and flow)".to_string(),
                        c => format!(" ({c})"),
                    })
            }
            ("bucket", Value::Integer(b)) => jiff::Timestamp::from_second(b.saturating_mul(900))
                .ok()
                .map(|t| format!(" ({})", t.strftime("%Y-%m-%d %H:%M UTC"))),
            _ => None,
        };
        format!("{name} {}{}", show(v), note.unwrap_or_default())
    };
    key.iter().map(part).collect::<Vec<_>>().join(", ")
}

/// Whether stored value `a` agrees with recomputed `b` (a missing row's
/// are 0).
fn agree(a: &Value, b: &Value, real: bool) -> bool {
    let f = |v: &Value| match v {
        Value::Integer(n) => Some(*n as f64),
        Value::Real(x) => Some(*x),
        _ => None,
    };
    match (real, f(a), f(b)) {
        (true, Some(x), Some(y)) => close(x, y),
        _ => sql_cmp(a, b) == Ordering::Equal,
    }
}

/// Compares `main.{table}` with `temp.{table}`, into `copy`: only the
/// rows of buckets from `since` on when given (a node that keeps only
/// recent click rows: src/store/retention.rs). The REAL
/// columns of the users in `loose` are not compared (their change of base
/// currency is under way: src/store/rescale.rs). A row on one side only
/// agrees when the other's would be all zeros (a lead moved out of a
/// lead rollup leaves its row at 0).
pub fn tables(
    conn: &Connection,
    table: &str,
    copy: &mut Copy,
    loose: &HashSet<i64>,
    since: Option<i64>,
) -> rusqlite::Result<()> {
    let cols = Columns::of(conn, table)?;
    let key = cols.key();
    let order: Vec<&str> = key.iter().map(|&i| cols.0[i].0.as_str()).collect();
    let user = cols.0.iter().position(|c| c.0 == "user_id");
    let since = since.map_or(String::new(), |b| format!(" WHERE bucket >= {b}"));
    let sql = |schema: &str| {
        format!(
            "SELECT * FROM {schema}.{table}{since} ORDER BY {}",
            order.join(", ")
        )
    };
    let (mut stored_st, mut fresh_st) = (conn.prepare(&sql("main"))?, conn.prepare(&sql("temp"))?);
    let (mut stored, mut fresh) = (stored_st.query([])?, fresh_st.query([])?);
    let width = cols.0.len();
    let read = |r: Option<&rusqlite::Row>| -> rusqlite::Result<Option<Vec<Value>>> {
        r.map(|r| (0..width).map(|i| r.get(i)).collect())
            .transpose()
    };
    let mut a = read(stored.next()?)?;
    let mut b = read(fresh.next()?)?;
    while a.is_some() || b.is_some() {
        let side = match (&a, &b) {
            (Some(x), Some(y)) => key
                .iter()
                .map(|&i| sql_cmp(&x[i], &y[i]))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let zero = |row: &Vec<Value>| -> Vec<Value> {
            (0..width)
                .map(|i| match cols.0[i].2 > 0 {
                    true => row[i].clone(),
                    false => Value::Integer(0),
                })
                .collect()
        };
        let (s, f) = match (side, &a, &b) {
            (Ordering::Equal, Some(x), Some(y)) => (x.clone(), y.clone()),
            (Ordering::Less, Some(x), _) => (x.clone(), zero(x)),
            (_, _, Some(y)) => (zero(y), y.clone()),
            _ => break,
        };
        copy.checked += 1;
        let is_loose =
            user.is_some_and(|u| matches!(s[u], Value::Integer(id) if loose.contains(&id)));
        let differ: Vec<String> = (0..width)
            .filter(|&i| cols.0[i].2 == 0)
            .filter(|&i| !(cols.0[i].1 && is_loose))
            .filter(|&i| !agree(&s[i], &f[i], cols.0[i].1))
            .map(|i| {
                format!(
                    "{} stored {}, recomputed {}",
                    cols.0[i].0,
                    show(&s[i]),
                    show(&f[i])
                )
            })
            .collect();
        if !differ.is_empty() {
            let missing = match side {
                Ordering::Less => " (no such row recomputed)",
                Ordering::Greater => " (no such row stored)",
                Ordering::Equal => "",
            };
            copy.differ(|| {
                format!(
                    "{}{missing}: {}",
                    show_key(&cols, &key, &s),
                    differ.join("; ")
                )
            });
        }
        if side.is_le() {
            a = read(stored.next()?)?;
        }
        if side.is_ge() {
            b = read(fresh.next()?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_order_as_sqlite_orders_them() {
        let sorted = [
            Value::Null,
            Value::Integer(-3),
            Value::Real(-2.5),
            Value::Integer(0),
            Value::Text(String::new()),
            Value::Text("B".into()),
            Value::Text("a".into()),
            Value::Text("ab".into()),
            Value::Blob(vec![0]),
        ];
        for (i, x) in sorted.iter().enumerate() {
            for (j, y) in sorted.iter().enumerate() {
                assert_eq!(sql_cmp(x, y), i.cmp(&j), "{x:?} {y:?}");
            }
        }
    }

    #[test]
    fn sums_agree_within_rounding_only() {
        assert!(close(0.1 + 0.2, 0.3));
        assert!(close(1e12 + 0.5, 1e12 + 0.5000001));
        assert!(!close(10.0, 10.01));
        assert!(!close(0.0, 0.001));
    }
}
