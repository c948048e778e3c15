//! clicks.json (docs/API.md): the click log, newest first, filtered like
//! leads.json plus `unique`, paged with offset/limit.
use super::id;
use crate::api::dates::period;
use crate::api::error::{ApiError, ApiResult};
use crate::api::filters::{fields_row, page, text, Where};
use crate::api::Call;
use crate::stats::cols::read::{At, Need, Plan, Visit};
use crate::stats::scan::keep_smallest;
use rusqlite::types::Value as Sql;
use rusqlite::vtab::array::Array;
use rusqlite::{Connection, ToSql};
use serde_json::json;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;

/// The fields of a clicks.json row, in order (also the CSV header).
pub const FIELDS: [&str; 27] = [
    "click",
    "time",
    "flow",
    "way",
    "site",
    "filter",
    "unique",
    "ip",
    "geo",
    "lang",
    "os",
    "browser",
    "mobile",
    "ua",
    "referer",
    "domain",
    "utm_source",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_medium",
    "subid",
    "uuid",
    "adid",
    "data1",
    "data2",
    "cost",
];

/// Past this many clicks skipped, a page is found by SQLite walking the
/// clicks newest first rather than in the click columns, which would
/// hold every skipped id in memory.
const MAX_OFFSET: i64 = 100_000;

pub fn run(call: &mut Call) -> ApiResult {
    let user = call.user()?;
    let p = &call.params;
    let range = period(p, &user.tz, false)?;
    let mut dims = Where::owner(user.id);
    dims.dimensions(p)?;
    if let Some(u) = p.flag("unique")? {
        dims.list_of("uniq", vec![Sql::Integer(u as i64)]);
    }
    let click = match p.text("click")? {
        Some(c) => Some(id::decode(&c).ok_or_else(|| ApiError::field("bad-click", "click"))?),
        None => None,
    };
    let (offset, limit) = page(p)?;
    // A page's ids from the click columns, when they can tell: a filter
    // on a value no index holds (a subid, a rare flow) walked the click
    // rows newest first until the page was full.
    let plan =
        Plan::new(&dims, range, None, None).filter(|_| click.is_none() && offset <= MAX_OFFSET);
    let (condition, args): (String, Vec<Box<dyn ToSql>>) = match plan {
        Some(plan) => {
            let ids = newest(&call.conn, &plan, offset as usize, limit as usize)?;
            let ids: Array = Rc::new(ids.into_iter().map(Sql::Integer).collect());
            let sql = "c.user_id = ? AND c.id IN (SELECT value FROM rarray(?)) ORDER BY c.id DESC";
            (sql.into(), vec![Box::new(user.id), Box::new(ids)])
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
    // A click's price lives in click_cost (migration step 3); no row is 0.
    let sql = format!(
        "SELECT c.id, secret, flow, way, site, filter, uniq, ip, geo, lang, os, browser, mobile,
                COALESCE(u.value, ''), COALESCE(r.value, ''), domain, utms, utmc, utmn, utmt, utmm,
                subid, uuid, adid, data1, data2, COALESCE(k.cost, 0.0)
         FROM clicks c LEFT JOIN dict u ON u.id = c.ua LEFT JOIN dict r ON r.id = c.referer
              LEFT JOIN click_cost k ON k.id = c.id
         WHERE {condition}"
    );
    let mut st = call.conn.prepare(&sql)?;
    let clicks = st
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            let key: i64 = r.get(0)?;
            let t = |i: usize| r.get::<_, String>(i).map(text);
            Ok(fields_row(
                &FIELDS,
                [
                    json!(id::encode(key, r.get(1)?)),
                    json!(id::key_time(key)),
                    json!(r.get::<_, String>(2)?),
                    json!(r.get::<_, i64>(3)?),
                    json!(r.get::<_, i64>(4)?),
                    json!(r.get::<_, i64>(5)?),
                    json!(r.get::<_, i64>(6)? != 0),
                    t(7)?,
                    t(8)?,
                    t(9)?,
                    json!(r.get::<_, i64>(10)?),
                    json!(r.get::<_, i64>(11)?),
                    json!(r.get::<_, i64>(12)?),
                    t(13)?,
                    t(14)?,
                    t(15)?,
                    t(16)?,
                    t(17)?,
                    t(18)?,
                    t(19)?,
                    t(20)?,
                    t(21)?,
                    t(22)?,
                    t(23)?,
                    t(24)?,
                    t(25)?,
                    json!(r.get::<_, f64>(26)?),
                ],
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "clicks": clicks }))
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
    use crate::clicks::id::key_at;
    use crate::stats::cols::fixture::{filters, fixture, periods, texts};

    /// A chunk whose newest click is older than another's may still hold
    /// newer clicks than that one's page: clicks queued late.
    #[test]
    fn a_page_takes_the_newer_clicks_of_an_overlapping_chunk() {
        use crate::clicks::record::ClickRecord;
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open_and_migrate(&dir.path().join("l.db")).unwrap();
        let at = |s: &[i64]| -> Vec<ClickRecord> {
            let click = |&t: &i64| ClickRecord {
                key: key_at(1_700_000_000 + t),
                user_id: 1,
                ..ClickRecord::default()
            };
            s.iter().map(click).collect()
        };
        let mut dict = crate::db::writer::Dict::default();
        crate::db::writer::write_batch(&mut conn, &mut dict, &at(&[10, 20, 100])).unwrap();
        crate::db::writer::write_batch(&mut conn, &mut dict, &at(&[85, 90])).unwrap();
        let w = Where::owner(1);
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
