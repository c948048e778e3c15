use super::*;
use crate::click_id::key_at;
use crate::store::cols::fixture::{filters, fixture, periods, texts, utc_hour};
use rusqlite::types::Value as Sql;

type Answer = Vec<(String, i64, i64, i64)>;

/// What stats.json must hold, from the click table.
fn expected(conn: &Connection, user: i64, cond: &str, p: Period, n: usize) -> Answer {
    let sql = format!(
        "SELECT ip, count(*), SUM(uniq), CAST(round(total(k.cost) * 100) AS INTEGER)
         FROM clicks LEFT JOIN click_cost k USING (id)
         WHERE user_id = {user} AND id >= {} AND id < {} AND {cond}
         GROUP BY ip ORDER BY 2 DESC, 1 LIMIT {n}",
        key_at(p.start),
        key_at(p.end)
    );
    let mut st = conn.prepare(&sql).unwrap();
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)));
    rows.unwrap().map(Result::unwrap).collect()
}

fn got(list: Vec<(Key, Sums)>) -> Answer {
    list.into_iter()
        .map(|(k, s)| {
            let Key::Text(t) = k else { panic!("{k:?}") };
            (t, s.click, s.unique, (s.spend * 100.0).round() as i64)
        })
        .collect()
}

/// A user, filters, and the same filters as SQL.
type Case = (i64, Vec<(&'static str, Vec<Sql>)>, &'static str);

#[test]
fn the_top_addresses_are_those_of_the_click_table_with_any_filter() {
    let (_dir, conn, mut second) = fixture();
    // The whole period, and edges inside chunks.
    let [whole, inside] = periods();
    let cases: Vec<Case> = vec![
        (1, vec![], "1"),
        (2, vec![], "1"),
        (1, vec![("flow", texts(&["fb"]))], "flow = 'fb'"),
        (1, vec![("geo", texts(&["de", ""]))], "geo IN ('de', '')"),
        (
            1,
            vec![
                ("os", vec![Sql::Integer(1), Sql::Integer(3)]),
                ("flow", texts(&["fa", "fc"])),
            ],
            "os IN (1, 3) AND flow IN ('fa', 'fc')",
        ),
        (1, vec![("filter", vec![Sql::Integer(0)])], "filter = 0"),
        (
            1,
            vec![("subid", texts(&["s1", "s3"]))],
            "subid IN ('s1', 's3')",
        ),
        (1, vec![("geo", texts(&["xx"]))], "geo = 'xx'"),
        (
            1,
            vec![("ip", texts(&["10.0.1.5", "unknown", "", "2001:db8::3"]))],
            "ip IN ('10.0.1.5', 'unknown', '', '2001:db8::3')",
        ),
    ];
    for (user, lists, cond) in &cases {
        let w = filters(*user, lists);
        for p in [whole, inside] {
            for n in [1, 7, 50, 100_000] {
                let want = expected(&conn, *user, cond, p, n);
                let one = top(&conn, None, &w, p, None, n).unwrap().unwrap();
                assert_eq!(got(one), want, "{cond} {n}");
                let two = top(&conn, Some(&mut second), &w, p, None, n)
                    .unwrap()
                    .unwrap();
                assert_eq!(got(two), want, "{cond} {n} in halves");
            }
        }
    }
    // The `hour` filter: UTC hour 5 here.
    let (hours, at_5) = utc_hour(whole, 5);
    let want = expected(&conn, 1, &at_5, whole, 40);
    assert!(!want.is_empty());
    let w = Where::owner(crate::ids::UserId(1));
    let two = top(&conn, Some(&mut second), &w, whole, Some(&hours), 40);
    assert_eq!(got(two.unwrap().unwrap()), want);
}

#[test]
fn every_click_is_in_exactly_one_chunk_after_merges() {
    let (_dir, conn, _) = fixture();
    crate::store::cols::fixture::assert_columns_hold_the_clicks(&conn);
    // ~400 batches of 1-60 clicks: some were merged, and no user has
    // more small chunks than a merge leaves.
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert!(count("SELECT max(n) FROM click_cols") > 60);
    let most = "SELECT max(c) FROM (SELECT count(*) AS c FROM click_cols WHERE n < 16384 GROUP BY user_id)";
    assert!(count(most) < crate::store::cols::store::MAX_OPEN);
}

#[test]
fn a_dotted_quad_key_sorts_as_its_text() {
    let mut addrs: Vec<u32> = (0..5000u32)
        .map(|i| i.wrapping_mul(2_654_435_761))
        .collect();
    addrs.push(0);
    addrs.push(u32::MAX);
    let mut by_key = addrs.clone();
    by_key.sort_by_key(|&a| text_key(a));
    let mut by_text = addrs.clone();
    by_text.sort_by_key(|&a| std::net::Ipv4Addr::from(a).to_string());
    assert_eq!(by_key, by_text);
    assert!(addrs.iter().all(|&a| address(text_key(a)) == a));
}
