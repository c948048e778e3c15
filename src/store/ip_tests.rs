use super::*;
use crate::click_id::key_at;
use crate::store::cols::fixture::{filters, fixture, periods, texts, utc_hour};
use crate::store::ip_keys::{address, ranges, text_key};
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
                // Keys sorted a range at a time: 3 and 10 ranges or so.
                let most: i64 = conn
                    .query_row("SELECT count(*) FROM clicks", [], |r| r.get(0))
                    .unwrap();
                for budget in [most as usize / 3, most as usize / 10] {
                    let f = (&w, p, None);
                    let one = top_within(&conn, None, f, n, budget).unwrap().unwrap();
                    assert_eq!(got(one), want, "{cond} {n} by ranges of {budget}");
                    let two = top_within(&conn, Some(&mut second), f, n, budget);
                    let two = two.unwrap().unwrap();
                    assert_eq!(
                        got(two),
                        want,
                        "{cond} {n} by ranges of {budget}, in halves"
                    );
                }
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
    let f = (&w, whole, Some(&hours));
    let two = top_within(&conn, Some(&mut second), f, 40, 100);
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
fn ranges_hold_at_most_the_budget_unless_one_prefix_has_more() {
    let mut counts = vec![0u32; 1 << 16];
    counts[3] = 5;
    counts[4] = 5;
    counts[9] = 30;
    counts[70] = 1;
    counts[65_535] = 2;
    let all = (0, 1 << 16);
    assert_eq!(ranges(&counts, 10), vec![(0, 9), (9, 10), (10, 1 << 16)]);
    assert_eq!(ranges(&counts, 1000), vec![all]);
    assert_eq!(ranges(&vec![0; 1 << 16], 1), vec![all]);
}

#[test]
fn keys_past_their_slots_are_counted_all_the_same() {
    use crate::store::ip_keys::{collect, count, Best};
    let (_dir, conn, _) = fixture();
    let w = Where::owner(crate::ids::UserId(1));
    let plan = Plan::new(&w, Period::ALL, None, None).unwrap();
    let right = count(&conn, &plan).unwrap();
    let mut short = right.clone();
    // Half the slots too small, a few with no room at all.
    short.iter_mut().enumerate().for_each(|(i, c)| match i % 3 {
        0 => *c /= 2,
        1 => *c = 0,
        _ => {}
    });
    let best = |counts: &Vec<u32>| {
        let mut b = Best::new(30);
        let all = (0, 1 << 16);
        let keys = collect(&conn, &plan, all, true, counts).unwrap();
        b.add(keys, None);
        let (mut v4, other) = b.take();
        v4.sort();
        (v4, other)
    };
    let want = best(&right);
    assert!(
        want.0.len() == 30 && want.0.iter().any(|g| g.1 > 1),
        "{want:?}"
    );
    assert_eq!(best(&short), want);
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
