//! stats.json from ClickHouse (`--reports clickhouse`, docs/SCALING.md)
//! answers exactly what the node's own file answers for the same data:
//! the scripted stats scenario and a random history (clicks at random
//! times and dimensions, postbacks through every stage and goal, spends,
//! landing clicks) in a half-hour timezone, every item, random filters,
//! the `hour` filter, CSV. A ClickHouse that cannot be reached answers
//! `db`.
use crate::clickhouse_days::{merged, split_days, stale_copies};
use crate::clickhouse_ship::{caught_up, shipping};
use crate::common::clickhouse::ClickHouse;
use crate::common::fixtures::*;
use crate::common::*;
use flowtrack::stats::items::ITEM_NAMES;
use std::path::PathBuf;
use std::time::Duration;

/// Every answer to `queries` (`endpoint?query`), JSON or CSV text.
fn answers(app: &TestApp, queries: &[String]) -> Vec<String> {
    queries
        .iter()
        .map(|q| {
            let (func, query) = q.split_once('?').unwrap();
            let r = app.get(&format!(
                "/api/tracker/{func}.json?id={}&{query}",
                app.token
            ));
            assert_eq!(r.status, 200, "{q}");
            r.text()
        })
        .collect()
}

/// clicks.json and leads.json pages of `period` with `filter`: whole,
/// paged, as CSV.
fn lists(period: &str, filter: &str) -> Vec<String> {
    let mut out = Vec::new();
    for func in ["clicks", "leads"] {
        out.push(format!("{func}?{period}&{filter}"));
        out.push(format!("{func}?{period}&{filter}&offset=3&limit=5"));
        out.push(format!("{func}?{period}&{filter}&format=csv"));
    }
    out
}

/// Asks `queries` of the node's own file, then ships everything and asks
/// them of ClickHouse through the same node started with
/// `--reports clickhouse`; every answer must be the same text: with the
/// days as shipped (read with `FINAL`), merged into one part each (read
/// without), and with every other day holding stale copies of its rows
/// in a second part (read with `FINAL` beside days read without).
fn same_from_clickhouse(app: TestApp, db_name: &str, queries: &[String]) -> (ClickHouse, PathBuf) {
    let ch = ClickHouse::start();
    let db = app.stop();
    let app = restart_with(db, shipping(&ch, db_name));
    let want = answers(&app, queries);
    caught_up(&ch, db_name, &app.db);
    let mut db = app.stop();
    for phase in ["as shipped", "merged", "stale copies"] {
        if phase == "stale copies" {
            // ClickHouse would merge them away on its own.
            for table in ["clicks_by_day", "leads_by_day"] {
                ch.query(&format!("SYSTEM STOP MERGES {db_name}.{table}"));
            }
            stale_copies(&ch, db_name);
        }
        let ship = shipping(&ch, db_name);
        let app = restart_with(db, move |c| {
            ship(c);
            c.reports_from_clickhouse = true;
            if phase != "as shipped" {
                c.merge_after = Duration::ZERO;
                c.merge_days = phase == "merged";
            }
        });
        if phase == "merged" {
            merged(&ch, db_name);
        }
        let split = || split_days(&ch, db_name, "clicks_by_day");
        if phase == "stale copies" {
            assert!(split() > 0, "no day in two parts");
        }
        let got = answers(&app, queries);
        same(queries, &want, &got, phase);
        if phase == "stale copies" {
            assert!(split() > 0, "the days were merged meanwhile");
        }
        db = app.stop();
    }
    (ch, db)
}

/// Every answer the same text; at least one listed a click.
fn same(queries: &[String], want: &[String], got: &[String], phase: &str) {
    let (mut ok, mut rows) = (0, 0);
    for ((q, w), g) in queries.iter().zip(want).zip(got) {
        assert!(
            w.contains("\"status\":\"ok\"") || q.contains("format=csv"),
            "{q}: {w}"
        );
        assert_eq!(g, w, "{q}: ClickHouse's answer differs ({phase})");
        rows += w.matches("\"click\"").count();
        ok += 1;
    }
    assert_eq!(ok, queries.len());
    assert!(rows > 0, "no answer listed a click");
}

#[test]
fn the_scripted_scenario_answers_the_same_from_clickhouse() {
    let (app, _) = crate::stats::scenario::setup();
    let mut queries = Vec::new();
    for item in ITEM_NAMES {
        for period in [
            "from=2024-05-10&to=2024-05-11",
            "from=2024-05-11&to=2024-05-11",
        ] {
            queries.push(format!("stats?item={item}&{period}"));
        }
        queries.push(format!(
            "stats?item={item}&from=2024-05-10&to=2024-05-11&hour=9"
        ));
        queries.push(format!(
            "stats?item={item}&from=2024-05-01&to=2024-05-31&geo=de,us"
        ));
        queries.push(format!(
            "stats?item={item}&from=2024-05-10&to=2024-05-11&subid=s1&format=csv"
        ));
    }
    queries.extend(lists("from=2024-05-01&to=2024-05-31", "geo=de,us"));
    queries.extend(lists("from=2024-05-10&to=2024-05-11", "status=approve"));
    same_from_clickhouse(app, "scripted", &queries);
}

/// A small random generator (the seed is printed, to replay a failure).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len() as u64) as usize]
    }
}

const GEOS: [&str; 4] = ["de", "us", "in", ""];
const IPS: [&str; 5] = ["1.1.1.1", "1.1.1.2", "2.2.2.2", "10.0.0.9", "::1"];
const SUBIDS: [&str; 5] = ["s1", "s2", "s3", "o'brien", ""];
const UTMS: [&str; 3] = ["fb", "tt", "ggl"];
const CAMPAIGNS: [&str; 4] = ["c1", "c2", "c\\3", ""];
const DOMAINS: [&str; 3] = ["a.example", "b.example", ""];

#[test]
fn a_random_history_answers_the_same_from_clickhouse_for_every_item_and_filter() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("seed {seed}");
    let mut rng = Lcg(seed);
    let app = spawn_app();
    let r = app.api_json(
        "rates",
        &serde_json::json!({"rates": {"usd": 1, "eur": 0.5}}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api("profile", "timezone=Asia/Kolkata");
    assert_eq!(r["status"], "ok", "{r}");
    let ways: Vec<Vec<i64>> = ["f0", "f1"]
        .iter()
        .map(|f| {
            app.flow_with_urls(
                f,
                &["https://o.test/a?c={click}", "https://o.test/b?c={click}"],
            )
        })
        .collect();
    let db = app.stop();
    let user = user_id(&db, "admin");
    let start = utc("2024-05-09 18:00:00");
    let clicks: Vec<Click> = (0..400)
        .map(|_| {
            let f = rng.next(2) as usize;
            let t = start + rng.next(3 * 86_400) as i64;
            Click {
                t,
                user,
                flow: ["f0", "f1"][f],
                way: ways[f][rng.next(2) as usize],
                filter: [0, 0, 0, 1, 3][rng.next(5) as usize],
                uniq: rng.next(3) > 0,
                geo: rng.pick(&GEOS),
                ip: rng.pick(&IPS),
                os: rng.next(6) as i64,
                browser: rng.next(5) as i64,
                mobile: rng.next(2) == 1,
                domain: rng.pick(&DOMAINS),
                utm: [rng.pick(&UTMS), rng.pick(&CAMPAIGNS), "n", "t", "cpc"],
                subid: rng.pick(&SUBIDS),
                offer: rng.next(3) as i64,
                lp: match rng.next(4) {
                    0 => t + rng.next(7200) as i64,
                    _ => 0,
                },
                ..Click::default()
            }
        })
        .collect();
    let ids = insert_clicks(&db, &clicks);
    let app = restart(db);
    for _ in 0..80 {
        let id = &ids[rng.next(ids.len() as u64) as usize];
        let status = rng.pick(&["lead", "hold", "approve", "cancel", "trash"]);
        let goal = rng.pick(&["lead", "dep"]);
        let price = rng.next(50);
        let cur = rng.pick(&["usd", "eur"]);
        let q = format!("click={id}&goal={goal}&status={status}&price={price}&currency={cur}");
        let r = app.api("postback", &q);
        // The same stage twice changes nothing.
        assert!(
            r["status"] == "ok" || r["error"] == "no-changes",
            "{q}: {r}"
        );
    }
    // Prices a binary fraction can hold exactly, so that every sum is
    // exact in any order: sums that land on half a cent may otherwise
    // round apart (docs/SCALING.md "Reports from ClickHouse").
    for q in [
        "cpc=0.375&flow=f0&from=2024-05-10&to=2024-05-10",
        "cpc=0.25&flow=f1&geo=us",
        "cpc=1.125&flow=f0&geo=de&from=2024-05-11&to=2024-05-12",
    ] {
        let r = app.api("spend", q);
        assert_eq!(r["status"], "ok", "{q}: {r}");
    }
    let filters = [
        "geo=de".to_string(),
        "geo=us,in".into(),
        "subid=s1".into(),
        format!("subid={}", enc("o'brien")),
        "utm_source=fb".into(),
        format!("utm_campaign={}", enc("c\\3")),
        "ip=1.1.1.1".into(),
        "os=1,2".into(),
        "mobile=1".into(),
        "filter=0".into(),
        format!("way={}", ways[0][1]),
        "flow=f1".into(),
        "offer=2".into(),
        "domain=a.example".into(),
    ];
    let periods = [
        "from=2024-05-10&to=2024-05-12",
        "from=2024-05-11&to=2024-05-11",
        "from=2024-05-09&to=2024-05-13",
    ];
    let mut queries = Vec::new();
    for item in ITEM_NAMES {
        for period in periods {
            queries.push(format!("stats?item={item}&{period}"));
        }
        for _ in 0..3 {
            let period = rng.pick(&periods);
            let a = &filters[rng.next(filters.len() as u64) as usize];
            let b = &filters[rng.next(filters.len() as u64) as usize];
            queries.push(format!("stats?item={item}&{period}&{a}"));
            queries.push(format!("stats?item={item}&{period}&{a}&{b}"));
        }
        queries.push(format!(
            "stats?item={item}&{}&hour={}",
            periods[0],
            rng.next(24)
        ));
        queries.push(format!("stats?item={item}&{}&format=csv", periods[2]));
    }
    for filter in &filters {
        queries.extend(lists(rng.pick(&periods), filter));
    }
    queries.extend(lists(periods[2], "goal=dep&status=hold,approve"));
    same_from_clickhouse(app, "random", &queries);
}

#[test]
fn a_clickhouse_that_cannot_be_reached_answers_db() {
    let app = spawn_app();
    let db = app.stop();
    let port = crate::common::server::free_port();
    let target =
        flowtrack::clickhouse::Target::parse(&format!("http://u:p@127.0.0.1:{port}/x")).unwrap();
    let app = restart_with(db, move |c| {
        c.clickhouse = Some(target);
        c.reports_from_clickhouse = true;
    });
    let r = app.api("stats", "item=date&from=2024-05-10&to=2024-05-11");
    assert_eq!(r["status"], "error", "{r}");
    assert_eq!(r["error"], "db", "{r}");
    // Clicks go on: the click path never waits on ClickHouse.
    app.flow_with_urls("away", &["https://o.test/?c={click}"]);
    assert_eq!(app.click("/away", &[]).status, 302);
}

#[test]
fn a_third_node_reports_the_sum_of_two_and_each_node_its_own_part() {
    let ch = ClickHouse::start();
    let query = "item=flow&from=2020-01-01&to=2030-12-31";
    let mut nodes = Vec::new();
    for (n, clicks) in [(1u16, 12), (2, 7)] {
        let ship = shipping(&ch, "sum");
        let app = spawn_with(move |c| {
            ship(c);
            c.node = Some(n);
        });
        app.flow_with_urls("ship", &["https://o.test/?c={click}"]);
        for i in 0..clicks {
            let r = app.click(&format!("/ship?subid=n{n}s{i}"), &[]);
            assert_eq!(r.status, 302);
            let id = r
                .header("Location")
                .unwrap()
                .rsplit("c=")
                .next()
                .unwrap()
                .to_string();
            if i % 3 == 0 {
                let r = app.api("postback", &format!("click={id}&status=approve&price=4"));
                assert_eq!(r["status"], "ok", "{r}");
            }
        }
        caught_up(&ch, "sum", &app.db);
        nodes.push(app);
    }
    // Each node's own file shows its part.
    let part = |app: &TestApp| app.api("stats", query)["stats"]["ship"].clone();
    assert_eq!(part(&nodes[0])["click"], 12);
    assert_eq!(part(&nodes[1])["click"], 7);
    // The reporting node: the same user and flow, reports from ClickHouse.
    let ship = shipping(&ch, "sum");
    let third = spawn_with(move |c| {
        ship(c);
        c.node = Some(3);
        c.reports_from_clickhouse = true;
    });
    third.flow_with_urls("ship", &["https://o.test/?c={click}"]);
    let sum = third.api("stats", query)["stats"]["ship"].clone();
    assert_eq!(sum["click"], 19, "{sum}");
    assert_eq!(sum["ca"], 4 + 3, "{sum}");
    assert_eq!(sum["name"], part(&nodes[0])["name"]);
    let clicks = third.api("clicks", "limit=100")["clicks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(clicks, 19);
    let leads = third.api("leads", "")["leads"].as_array().unwrap().len();
    assert_eq!(leads, 7);
}
