use super::*;
use crate::store::aggregate::Key;
use crate::store::cols::fixture::{filters, fixture, periods, texts, utc_hour};
use rusqlite::types::Value as Sql;

/// (group, clicks, unique clicks, spend in cents), sorted.
type Answer = Vec<(String, i64, i64, i64)>;

/// What stats.json must hold, from the click table: per `column`, or per
/// 15-minute bucket without one.
fn expected(conn: &Connection, column: Option<&str>, cond: &str, p: Period) -> Answer {
    let group = column.unwrap_or("(clicks.id >> 16) / 900000");
    let sql = format!(
        "SELECT CAST({group} AS TEXT), count(*), SUM(uniq),
                CAST(round(total(k.cost) * 100) AS INTEGER)
         FROM clicks LEFT JOIN click_cost k USING (id)
         WHERE user_id = 1 AND clicks.id >= {} AND clicks.id < {} AND {cond}
         GROUP BY {group} ORDER BY 1",
        key_at(p.start),
        key_at(p.end)
    );
    let mut st = conn.prepare(&sql).unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)));
    rows.unwrap().map(Result::unwrap).collect()
}

fn report(
    conn: &Connection,
    spare: Option<&mut Connection>,
    column: Option<&'static str>,
    w: &Where,
    p: Period,
    hours: Option<&Hours>,
) -> Answer {
    let g = Grouping {
        buckets: column.is_none() || hours.is_some(),
        column,
        top: Some(100_000),
    };
    let mut out: Answer = Vec::new();
    let held = clicks(conn, spare, g, w, p, hours, |a| {
        let key = match (a.bucket, a.value) {
            (Some(b), None) => (b / BUCKET).to_string(),
            (None, Some(Key::Int(i))) => i.to_string(),
            (None, Some(Key::Text(t))) => t,
            other => panic!("{other:?}"),
        };
        out.push((key, a.click, a.unique, (a.spend * 100.0).round() as i64));
    });
    assert!(held.unwrap(), "the columns hold {column:?}");
    out.sort();
    out
}

/// Filters, and the same as SQL.
type Case = (Vec<(&'static str, Vec<Sql>)>, &'static str);

#[test]
fn groups_from_the_columns_are_those_of_the_click_table() {
    let (_dir, conn, mut second) = fixture();
    // The whole period, and edges inside chunks.
    let [whole, inside] = periods();
    let cases: Vec<Case> = vec![
        (vec![], "1"),
        (
            vec![("os", vec![Sql::Integer(1), Sql::Integer(3)])],
            "os IN (1, 3)",
        ),
        (
            vec![("subid", texts(&["s1", "s3"]))],
            "subid IN ('s1', 's3')",
        ),
        (
            vec![("geo", texts(&["de", ""])), ("flow", texts(&["fb"]))],
            "geo IN ('de', '') AND flow = 'fb'",
        ),
        (
            vec![("ip", texts(&["10.0.1.5", "unknown"]))],
            "ip IN ('10.0.1.5', 'unknown')",
        ),
        (vec![("geo", texts(&["xx"]))], "geo = 'xx'"),
    ];
    for (lists, cond) in &cases {
        let w = filters(1, lists);
        for p in [whole, inside] {
            for column in [Some("subid"), Some("os"), Some("geo"), Some("filter"), None] {
                let want = expected(&conn, column, cond, p);
                assert_eq!(
                    report(&conn, None, column, &w, p, None),
                    want,
                    "{column:?} {cond}"
                );
                let two = report(&conn, Some(&mut second), column, &w, p, None);
                assert_eq!(two, want, "{column:?} {cond} in halves");
            }
        }
    }
    // A value item with the `hour` filter (UTC hour 5 here).
    let (hours, at_5) = utc_hour(whole, 5);
    let want = expected(&conn, Some("subid"), &at_5, whole);
    assert!(!want.is_empty());
    let w = Where::owner(crate::ids::UserId(1));
    let got = report(
        &conn,
        Some(&mut second),
        Some("subid"),
        &w,
        whole,
        Some(&hours),
    );
    assert_eq!(got, want);
    // ip has no dictionary: src/store/ip.rs reads it.
    let g = Grouping {
        buckets: false,
        column: Some("ip"),
        top: None,
    };
    assert!(!clicks(&conn, None, g, &w, whole, None, |_| ()).unwrap());
}
