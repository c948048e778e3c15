use super::*;
use crate::clicks::id::key_at;
use crate::clicks::record::{ClickRecord, Tags};
use crate::db::writer::{write_batch, Dict};
use crate::stats::cols::format::Chunk;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::types::Value as Sql;

const T0: i64 = 1_700_000_000;

/// 12,000 clicks of user 1 (and some of user 2) over three days, written
/// in writer-sized batches so small chunks get merged, some batches
/// holding a click that arrived late (an id below the last batch's);
/// addresses repeat (ties), some are IPv6, text or empty; a price on
/// some clicks.
fn fixture() -> (tempfile::TempDir, Connection, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ip.db");
    let mut conn = crate::db::open_and_migrate(&path).unwrap();
    let second = crate::db::open(&path).unwrap();
    let mut rng = SmallRng::seed_from_u64(7);
    let mut dict = Dict::default();
    let mut t_ms = T0 * 1000;
    let mut batch = Vec::new();
    for i in 0..12_000i64 {
        t_ms += rng.random_range(1..40_000);
        let late = i % 97 == 50;
        let key = if late {
            (t_ms - 90_000) << 16 | 7
        } else {
            t_ms << 16
        };
        let ip = match rng.random_range(0..20) {
            0 => "2001:db8::".to_string() + &rng.random_range(0..30).to_string(),
            1 => String::new(),
            2 => "unknown".into(),
            3..=8 => format!(
                "10.0.{}.{}",
                rng.random_range(0..3),
                rng.random_range(0..20)
            ),
            _ => format!(
                "{}.{}.7.{}",
                rng.random_range(1..256),
                i % 100,
                rng.random_range(0..256)
            ),
        };
        batch.push(ClickRecord {
            key,
            user_id: 1 + (i % 11 == 0) as i64,
            flow: ["fa", "fb", "fc"][rng.random_range(0..3)].into(),
            filter: rng.random_range(0..3),
            unique: rng.random_bool(0.7),
            ip,
            geo: ["de", "br", "", "us"][rng.random_range(0..4)].into(),
            os: rng.random_range(0..4),
            mobile: rng.random_bool(0.5),
            domain: "d.example".into(),
            tags: Tags {
                subid: format!("s{}", i % 5),
                ..Tags::default()
            },
            cost: if rng.random_bool(0.3) { 0.25 } else { 0.0 },
            ..ClickRecord::default()
        });
        if batch.len() >= rng.random_range(1..60) {
            write_batch(&mut conn, &mut dict, &batch).unwrap();
            batch.clear();
        }
    }
    write_batch(&mut conn, &mut dict, &batch).unwrap();
    (dir, conn, second)
}

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

fn filters(user: i64, lists: &[(&str, Vec<Sql>)]) -> Where {
    let mut w = Where::owner(user);
    for (column, values) in lists {
        w.push_in(column, values);
        w.lists.push((column.to_string(), values.clone()));
    }
    w
}

fn texts(v: &[&str]) -> Vec<Sql> {
    v.iter().map(|s| Sql::Text(s.to_string())).collect()
}

/// A user, filters, and the same filters as SQL.
type Case = (i64, Vec<(&'static str, Vec<Sql>)>, &'static str);

#[test]
fn the_top_addresses_are_those_of_the_click_table_with_any_held_filter() {
    let (_dir, conn, mut second) = fixture();
    let whole = Period {
        start: T0,
        end: T0 + 6 * 86_400,
    };
    // Edges inside chunks, on both sides.
    let inside = Period {
        start: T0 + 40_000,
        end: T0 + 150_000,
    };
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
    let first = whole.start.div_euclid(900);
    let keep = (first..whole.end.div_euclid(900) + 1)
        .map(|b| b * 900 / 3600 % 24 == 5)
        .collect();
    let hours = Hours { first, keep };
    let want = expected(&conn, 1, "(id >> 16) / 3600000 % 24 = 5", whole, 40);
    assert!(!want.is_empty());
    let w = Where::owner(1);
    let two = top(&conn, Some(&mut second), &w, whole, Some(&hours), 40);
    assert_eq!(got(two.unwrap().unwrap()), want);
    // subid is not a column of the chunks: the caller reads the clicks.
    let w = filters(1, &[("subid", texts(&["s1"]))]);
    assert!(top(&conn, None, &w, whole, None, 10).unwrap().is_none());
}

#[test]
fn every_click_is_in_exactly_one_chunk_after_merges() {
    let (_dir, conn, _) = fixture();
    let mut st = conn
        .prepare("SELECT id, user_id, n, data FROM click_cols")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    let mut held: Vec<(i64, i64)> = Vec::new();
    let mut chunks = 0;
    while let Some(r) = rows.next().unwrap() {
        let (id, user, n): (i64, i64, i64) =
            (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap());
        let chunk = Chunk::parse(id, r.get_ref(3).unwrap().as_blob().unwrap()).unwrap();
        let ids = chunk.ids().unwrap();
        assert_eq!((ids.len() as i64, ids[0]), (n, id));
        held.extend(ids.into_iter().map(|i| (i, user)));
        chunks += 1;
    }
    held.sort_unstable();
    let mut st = conn
        .prepare("SELECT id, user_id FROM clicks ORDER BY id")
        .unwrap();
    let clicks: Vec<(i64, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(held, clicks);
    // ~500 batches were merged into a few chunks per user.
    assert!(chunks < 2 * 64, "{chunks} chunks");
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
