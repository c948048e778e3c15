//! A page of the click log (clicks.json), newest first: which clicks, from
//! the click columns when they can tell (a filter on a value no index
//! holds, a subid or a rare flow, would otherwise walk the click rows
//! newest first until the page was full), then the clicks themselves.
use super::cols::read::{At, Need, Plan, Visit};
use super::record::ClickRecord;
use super::registry::{tag_mut, Dim, Get, DIMS};
use super::scan::keep_smallest;
use crate::api::dates::Period;
use crate::api::filters::Where;
use rusqlite::types::{FromSql, FromSqlError, Value as Sql, ValueRef};
use rusqlite::vtab::array::Array;
use rusqlite::{Connection, OptionalExtension, ToSql};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::sync::LazyLock;

/// Past this many clicks skipped, a page is found by SQLite walking the
/// clicks newest first rather than in the click columns, which would
/// hold every skipped id in memory.
const MAX_OFFSET: i64 = 100_000;

/// Which clicks a page shows.
pub struct PageQuery {
    /// The owner and the dimension filters (`uniq` among them).
    pub filters: Where,
    pub period: Period,
    /// Only this click: (key, secret).
    pub click: Option<(i64, i64)>,
    pub offset: i64,
    pub limit: i64,
}

/// The clicks of `q`, newest first, as they were stored: texts from the
/// dictionary, each with its price.
pub fn page(conn: &Connection, q: PageQuery) -> rusqlite::Result<Vec<ClickRecord>> {
    let PageQuery {
        filters: dims,
        period: range,
        click,
        offset,
        limit,
    } = q;
    let user = dims.args[0].clone();
    let plan =
        Plan::new(&dims, range, None, None).filter(|_| click.is_none() && offset <= MAX_OFFSET);
    let (condition, args): (String, Vec<Box<dyn ToSql>>) = match plan {
        Some(plan) => {
            let ids = newest(conn, &plan, offset as usize, limit as usize)?;
            let ids: Array = Rc::new(ids.into_iter().map(Sql::Integer).collect());
            let sql = "c.user_id = ? AND c.id IN (SELECT value FROM rarray(?)) ORDER BY c.id DESC";
            (sql.into(), vec![Box::new(user), Box::new(ids)])
        }
        None => {
            let mut w = dims;
            w.clicks_between("c.id", Some(range.start), Some(range.end));
            if let Some((key, secret)) = click {
                w.push(
                    "c.id = ? AND secret = ?",
                    [Sql::Integer(key), Sql::Integer(secret)],
                );
            }
            let sql = format!(
                "{} ORDER BY c.id DESC LIMIT {limit} OFFSET {offset}",
                w.sql()
            );
            let args = w.args.into_iter().map(|a| Box::new(a) as Box<dyn ToSql>);
            (sql, args.collect())
        }
    };
    let sql = format!("{} {} WHERE {condition}", *RECORD, *RECORD_FROM);
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(rusqlite::params_from_iter(args.iter()), record)?;
    rows.collect()
}

/// A click by its key, whoever's it is (a postback names it).
pub fn click(conn: &Connection, key: i64) -> rusqlite::Result<Option<ClickRecord>> {
    conn.prepare_cached(&format!("{} {} WHERE c.id = ?1", *RECORD, *RECORD_FROM))?
        .query_row([key], record)
        .optional()
}

/// The columns of a click row that [`record`] reads, as stored: its key,
/// secret and owner, every dimension of the registry in its order (`dict`
/// ones as their text), then its price (click_cost, migration step 3; no
/// row is 0). `flowtrack store verify` reads every click back with it.
pub(super) static RECORD: LazyLock<String> = LazyLock::new(|| {
    let (columns, _) = read_sql(&DIMS);
    format!("SELECT c.id, c.secret, c.user_id, {columns}, COALESCE(k.cost, 0.0)")
});

/// Where [`RECORD`] reads from: the clicks as `c`, the `dict` dimension
/// of place `k` in [`DIMS`] joined as `d{k}`, the price as `k`.
pub(super) static RECORD_FROM: LazyLock<String> = LazyLock::new(|| {
    let (_, joins) = read_sql(&DIMS);
    format!("FROM clicks c{joins} LEFT JOIN click_cost k ON k.id = c.id")
});

/// A click read back from a row of [`RECORD`] (by position: looking
/// each column up by name was most of reading every click).
pub(super) fn record(r: &rusqlite::Row) -> rusqlite::Result<ClickRecord> {
    record_of(|i| r.get_ref(i))
}

/// A click from the cells of a row laid out as [`RECORD`]'s: its key,
/// secret and owner, every dimension of the registry in its order
/// (`dict` ones as their text), its price. ClickHouse's rows
/// (src/clickhouse/lists.rs) are read with it too.
pub fn record_of<'a>(
    cell: impl Fn(usize) -> rusqlite::Result<ValueRef<'a>>,
) -> rusqlite::Result<ClickRecord> {
    fn get<T: FromSql>(at: usize, v: ValueRef) -> rusqlite::Result<T> {
        T::column_result(v).map_err(|e| match e {
            FromSqlError::InvalidType => {
                rusqlite::Error::InvalidColumnType(at, String::new(), v.data_type())
            }
            e => rusqlite::Error::FromSqlConversionFailure(at, v.data_type(), Box::new(e)),
        })
    }
    let at = |i: usize| -> rusqlite::Result<ValueRef<'a>> { cell(i) };
    let mut c = ClickRecord {
        key: get(0, at(0)?)?,
        secret: get(1, at(1)?)?,
        user_id: get(2, at(2)?)?,
        cost: get(3 + DIMS.len(), at(3 + DIMS.len())?)?,
        ..ClickRecord::default()
    };
    for (k, d) in DIMS.iter().enumerate() {
        let i = 3 + k;
        let v = at(i)?;
        match d.read {
            Get::Flow => c.flow = get(i, v)?,
            Get::Way => c.way = get(i, v)?,
            Get::Site => c.site = get(i, v)?,
            Get::Filter => c.filter = get(i, v)?,
            Get::Unique => c.unique = get::<i64>(i, v)? != 0,
            Get::Vid => c.vid = get(i, v)?,
            Get::Ip => c.ip = get(i, v)?,
            Get::Geo => c.geo = get(i, v)?,
            Get::Lang => c.lang = get(i, v)?,
            Get::Os => c.os = get(i, v)?,
            Get::Browser => c.browser = get(i, v)?,
            Get::Mobile => c.mobile = get::<i64>(i, v)? != 0,
            Get::Ua => c.ua = get(i, v)?,
            Get::Referer => c.referer = get(i, v)?,
            Get::Domain => c.domain = get(i, v)?,
            Get::Tag(_) => {
                if let Some(tag) = tag_mut(d, &mut c.tags) {
                    *tag = get(i, v)?;
                }
            }
            Get::Source => c.source = get(i, v)?,
            Get::Landing => c.landing = get(i, v)?,
            Get::Offer => c.offer = get(i, v)?,
            Get::Lp => c.lp = get(i, v)?,
        }
    }
    Ok(c)
}

/// The SELECT list and the joins that read `dims` of the click row `c`,
/// each under its column's name (`dict` ones as their text, the one of
/// place `k` joined as `d{k}`).
pub fn read_sql(dims: &[Dim]) -> (String, String) {
    let mut columns = Vec::new();
    let mut joins = String::new();
    for (k, d) in dims.iter().enumerate() {
        match d.dict {
            true => {
                columns.push(format!("COALESCE(d{k}.value, '') AS {}", d.column));
                joins += &format!(" LEFT JOIN dict d{k} ON d{k}.id = c.{}", d.column);
            }
            false => columns.push(format!("c.{}", d.column)),
        }
    }
    (columns.join(", "), joins)
}

/// The ids of the `limit` newest clicks `plan` keeps after the `offset`
/// newest, newest first. Chunks are read by their newest click, newest
/// first, until none can hold a click newer than the page's oldest.
fn newest(
    conn: &Connection,
    plan: &Plan,
    offset: usize,
    limit: usize,
) -> rusqlite::Result<Vec<i64>> {
    let mut chunks = plan.chunks(conn)?;
    chunks.sort_unstable_by_key(|&(_, last)| Reverse(last));
    let mut kept = Newest {
        ids: BinaryHeap::new(),
        want: offset + limit,
    };
    let need = Need {
        ids: true,
        ..Need::default()
    };
    for (id, last) in chunks {
        let full = kept.ids.len() >= kept.want;
        if full
            && kept
                .ids
                .peek()
                .is_some_and(|Reverse(oldest)| last < *oldest)
        {
            break;
        }
        plan.each_in(conn, id, need, &mut kept)?;
    }
    let mut ids: Vec<i64> = kept.ids.into_iter().map(|Reverse(id)| id).collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    Ok(ids.into_iter().skip(offset).collect())
}

/// The newest `want` ids seen (a min-heap: the oldest on top).
struct Newest {
    ids: BinaryHeap<Reverse<i64>>,
    want: usize,
}

impl Visit for Newest {
    fn click(&mut self, at: &mut At) {
        keep_smallest(&mut self.ids, self.want, Reverse(at.id()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::filters::Where;
    use crate::click_id::key_at;
    use crate::store::cols::fixture::{filters, fixture, periods, texts};

    /// A chunk whose newest click is older than another's may still hold
    /// newer clicks than that one's page: clicks queued late.
    #[test]
    fn a_page_takes_the_newer_clicks_of_an_overlapping_chunk() {
        use crate::store::record::ClickRecord;
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::schema::open_and_migrate(&dir.path().join("l.db")).unwrap();
        let at = |s: &[i64]| -> Vec<ClickRecord> {
            let click = |&t: &i64| ClickRecord {
                key: key_at(1_700_000_000 + t),
                user_id: crate::ids::UserId(1),
                ..ClickRecord::default()
            };
            s.iter().map(click).collect()
        };
        crate::store::append::write_batch(&mut conn, &at(&[10, 20, 100])).unwrap();
        crate::store::append::write_batch(&mut conn, &at(&[85, 90])).unwrap();
        let w = Where::owner(crate::ids::UserId(1));
        let plan = Plan::new(&w, crate::api::dates::Period::ALL, None, None).unwrap();
        let got = newest(&conn, &plan, 0, 3).unwrap();
        assert_eq!(
            got,
            at(&[100, 90, 85]).iter().map(|c| c.key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_page_from_the_click_columns_is_the_click_tables_newest_first() {
        // The fixture's chunks overlap where a click was queued late.
        let (_dir, conn, _) = fixture();
        let cases = [
            (vec![], "1"),
            (vec![("flow", texts(&["fb"]))], "flow = 'fb'"),
            (
                vec![("subid", texts(&["s2"])), ("os", vec![Sql::Integer(1)])],
                "subid = 's2' AND os = 1",
            ),
            (vec![("uniq", vec![Sql::Integer(0)])], "uniq = 0"),
            (vec![("geo", texts(&["xx"]))], "geo = 'xx'"),
        ];
        for (lists, cond) in &cases {
            let w = filters(1, lists);
            for p in periods() {
                let plan = Plan::new(&w, p, None, None).unwrap();
                for (offset, limit) in [(0, 1), (0, 50), (7, 100), (0, 100_000), (10_500, 50)] {
                    let sql = format!(
                        "SELECT id FROM clicks WHERE user_id = 1 AND id >= {} AND id < {} AND {cond}
                         ORDER BY id DESC LIMIT {limit} OFFSET {offset}",
                        key_at(p.start),
                        key_at(p.end)
                    );
                    let mut st = conn.prepare(&sql).unwrap();
                    let want: Vec<i64> = st
                        .query_map([], |r| r.get(0))
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    let got = newest(&conn, &plan, offset, limit).unwrap();
                    assert_eq!(got, want, "{cond} {offset} {limit}");
                }
            }
        }
    }
}
