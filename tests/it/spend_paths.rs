//! spend.json's two ways of writing prices (issue 6, src/spend/apply.rs):
//! conditions on rollup columns with whole 15-minute buckets take the
//! rollups' fast path, the rest (subid, unique, times inside a bucket)
//! read the clicks. Whatever the path and the order of imports, each
//! click costs what the last import that matched it said, the rollups'
//! spend equals the sum of those prices row by row, stats.json gives the
//! same answer from the rollups and from the click columns, and another
//! user's clicks are never touched.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Nepal is UTC+05:45: its midnights are on 15-minute edges but on no
/// UTC hour, so a bucket computed in UTC hours would show at once.
const TZ: &str = "Asia/Kathmandu";

/// 60 clicks of the admin over 2024-05-10..12 (local), every 71 minutes
/// from 00:20, so none sits on a day's first or last seconds.
fn admin_clicks() -> Vec<Click> {
    let start = at("2024-05-10 00:20", TZ);
    (0..60)
        .map(|i| Click {
            t: start + i * 71 * 60,
            flow: ["fa", "fa", "fb"][i as usize % 3],
            way: [1, 2, 3, 4][i as usize % 4],
            filter: [0, 0, 0, 1][(i as usize / 2) % 4],
            uniq: i % 5 != 0,
            geo: ["de", "us", "fr", "de", "us"][i as usize % 5],
            domain: ["a.example", "b.example"][i as usize % 2],
            utm: [["s1", "s2"][i as usize % 2], "c", "n", "t", "m"],
            subid: ["s3", "s4", "s5"][i as usize % 3],
            ..Click::default()
        })
        .collect()
}

/// Bob's clicks: the admin's geo, tags and times, in his own flow.
fn bob_clicks(bob: i64) -> Vec<Click> {
    admin_clicks()
        .into_iter()
        .take(12)
        .map(|c| Click {
            user: bob,
            flow: "bflow",
            ..c
        })
        .collect()
}

struct Env {
    app: TestApp,
    bob: String,
    db: PathBuf,
    admin: Vec<String>,
    bobs: Vec<String>,
}

fn env() -> Env {
    let app = spawn_app();
    assert_eq!(
        app.api("profile", &format!("timezone={TZ}"))["status"],
        "ok"
    );
    let bob = app.add_user("bob");
    let db = app.stop();
    let bob_id = user_id(&db, "bob");
    let admin = insert_clicks(&db, &admin_clicks());
    // insert_clicks numbers keys from 0 on each call; Bob's clicks come
    // a second later than the admin's so that no key repeats.
    let mut shifted = bob_clicks(bob_id);
    for c in &mut shifted {
        c.t += 1;
    }
    let bobs = insert_clicks(&db, &shifted);
    let app = restart(db.clone());
    Env {
        app,
        bob,
        db,
        admin,
        bobs,
    }
}

/// Every click_wide and click_roll row's spend equals the sum of the
/// prices of its clicks, and click_cost holds no zero and no orphan.
fn assert_rollups_match_prices(db: &Path, step: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let priced = "SELECT c.*, (c.id >> 16) / 900000 AS bucket, COALESCE(k.cost, 0.0) AS price
                  FROM clicks c LEFT JOIN click_cost k ON k.id = c.id";
    let cols = flowtrack::store::wide::COLUMNS.join(", ");
    let wide = format!(
        "WITH c AS (SELECT user_id, bucket, {cols}, SUM(price) AS cost FROM ({priced})
                    GROUP BY user_id, bucket, {cols})
         SELECT count(*) FROM click_wide w FULL JOIN c USING (user_id, bucket, {cols})
         WHERE w.user_id IS NULL OR c.user_id IS NULL OR abs(w.cost - c.cost) > 1e-9"
    );
    assert_eq!(count(&wide), 0, "click_wide after {step}");
    for (kind, column) in flowtrack::store::rollup::KINDS {
        let narrow = format!(
            "WITH c AS (SELECT user_id, bucket, flow, {column} AS value, SUM(price) AS cost
                        FROM ({priced}) GROUP BY 1, 2, 3, 4)
             SELECT count(*) FROM (SELECT * FROM click_roll WHERE kind = {kind}) r
             FULL JOIN c ON c.user_id = r.user_id AND c.bucket = r.bucket AND c.flow = r.flow
                        AND c.value = r.value
             WHERE r.user_id IS NULL OR c.user_id IS NULL OR abs(r.cost - c.cost) > 1e-9"
        );
        assert_eq!(count(&narrow), 0, "click_roll kind {kind} after {step}");
    }
    assert_eq!(
        count(
            "SELECT count(*) FROM click_cost WHERE cost = 0 OR id NOT IN (SELECT id FROM clicks)"
        ),
        0,
        "click_cost after {step}"
    );
}

/// stats.json over the three days from the rollups (whole local days)
/// and from the click table (one second less at each end) agree.
fn assert_stats_agree(app: &TestApp, step: &str) {
    let start = at("2024-05-10 00:00", TZ);
    let end = at("2024-05-13 00:00", TZ);
    for item in [
        "date", "flow", "geo", "way", "utms", "filter", "hour", "subid",
    ] {
        for f in [
            "",
            "&flow=fa",
            "&geo=de",
            "&filter=0&utm_source=s2",
            "&subid=s4",
        ] {
            let a = app.api(
                "stats",
                &format!("from=2024-05-10&to=2024-05-12&item={item}{f}"),
            );
            let b = app.api(
                "stats",
                &format!("ufrom={}&uto={}&item={item}{f}", start + 1, end - 2),
            );
            assert_eq!(a["status"], "ok", "{a}");
            assert_eq!(a["stats"], b["stats"], "{step}: item {item}{f}");
            assert_eq!(a["total"], b["total"], "{step}: item {item}{f}");
        }
    }
}

fn ok(clicks: usize) -> Value {
    json!({"status": "ok", "ok": 1, "bad": 0, "clicks": clicks})
}

fn assert_prices(e: &Env, expect: &[f64], step: &str) {
    let got = costs(&e.db, &e.admin);
    for (i, (g, x)) in got.iter().zip(expect).enumerate() {
        assert!(
            (g - x).abs() < 1e-9,
            "{step}: click {i} costs {g}, expected {x}"
        );
    }
}

/// The price of a step: `cpc`, or `cost` = (matching clicks × this), so
/// that the test knows each click's share.
#[derive(Clone, Copy)]
enum Price {
    Cpc(f64),
    Each(f64),
}

type Hit = Box<dyn Fn(usize, &Click) -> bool>;

/// Sends `cond` with the price, checks the answer and every click's
/// price, the rollups against the prices, and (`exact`) stats.json from
/// the rollups against stats.json from the click table. Prices are
/// multiples of 1/16 where `exact`: sums of them are exact in binary, so
/// the two stats answers are equal to the last bit and no sum can round
/// to the other side of a cent.
fn step(e: &Env, prices: &mut [f64], cond: &str, hit: &Hit, price: Price, exact: bool) {
    let clicks = admin_clicks();
    let n = clicks
        .iter()
        .enumerate()
        .filter(|(i, c)| hit(*i, c))
        .count();
    assert!(n > 0, "{cond} matches no click");
    let (q, each) = match price {
        Price::Cpc(p) => (format!("cpc={p}&{cond}"), p),
        Price::Each(p) => (format!("cost={}&{cond}", p * n as f64), p),
    };
    assert_eq!(e.app.api("spend", &q), ok(n), "{q}");
    for (i, c) in clicks.iter().enumerate() {
        if hit(i, c) {
            prices[i] = each;
        }
    }
    assert_prices(e, prices, &q);
    assert_rollups_match_prices(&e.db, &q);
    if exact {
        assert_stats_agree(&e.app, &q);
    }
}

#[test]
fn spend_fast_and_slow_paths_keep_prices_rollups_and_stats_equal() {
    let e = env();
    let app = &e.app;
    // Bob prices his own flow first; nothing below may change it.
    assert_eq!(app.api_as(&e.bob, "spend", "cpc=1&flow=bflow"), ok(12));
    let mut prices = [0.0; 60];
    // Local day (0 = 2024-05-10) and minute of the day of click i.
    let day = |i: usize| (20 + i * 71) / (24 * 60);
    let minute = |i: usize| (20 + i * 71) % (24 * 60);
    use Price::{Cpc, Each};
    let steps: Vec<(&str, Hit, Price)> = vec![
        // The same clicks: cost, then cpc, then cost again.
        ("flow=fa", Box::new(|_, c| c.flow == "fa"), Each(0.25)),
        ("flow=fa", Box::new(|_, c| c.flow == "fa"), Cpc(0.375)),
        ("flow=fa", Box::new(|_, c| c.flow == "fa"), Each(0.3125)),
        // Overlapping conditions on other rollup columns.
        ("geo=DE", Box::new(|_, c| c.geo == "de"), Cpc(0.125)),
        (
            "flow=fa&utm_source=s1&domain=a.example",
            Box::new(|_, c| c.flow == "fa" && c.utm[0] == "s1"),
            Each(0.5625),
        ),
        (
            "flow=fb&valid=1&way=1,3",
            Box::new(|_, c| c.flow == "fb" && c.filter == 0 && [1, 3].contains(&c.way)),
            Cpc(0.1875),
        ),
        // Whole local days: 2024-05-11 in Nepal.
        (
            "flow=fa&from=2024-05-11&to=2024-05-11",
            Box::new(move |i, c| c.flow == "fa" && day(i) == 1),
            Each(0.75),
        ),
        (
            "flow=fa&from=2024-05-12",
            Box::new(move |i, c| c.flow == "fa" && day(i) >= 2),
            Cpc(0.875),
        ),
        // Flows and countries: the ids from the click columns.
        (
            "flow=fa,fb&geo=de,fr&from=2024-05-10&to=2024-05-11",
            Box::new(move |i, c| day(i) <= 1 && ["de", "fr"].contains(&c.geo)),
            Each(0.6875),
        ),
        // Times inside a bucket: the clicks are read. Click 10 (12:10)
        // shares a bucket with `from` but is before it; click 23 (03:33)
        // is `to` itself, included.
        (
            "from=2024-05-10+12:11:00&to=2024-05-11+03:33:00",
            Box::new(move |i, _| {
                (day(i) == 0 && minute(i) >= 12 * 60 + 11)
                    || (day(i) == 1 && minute(i) <= 3 * 60 + 33)
            }),
            Cpc(0.0625),
        ),
        // A zero price removes the prices, on both paths.
        ("geo=us", Box::new(|_, c| c.geo == "us"), Cpc(0.0)),
        ("flow=fb", Box::new(|_, c| c.flow == "fb"), Each(0.0)),
        ("subid=s3", Box::new(|_, c| c.subid == "s3"), Cpc(0.4375)),
        (
            "flow=fa&unique=1",
            Box::new(|_, c| c.flow == "fa" && c.uniq),
            Each(0.125),
        ),
        (
            "flow=fa&unique=1&geo=fr",
            Box::new(|_, c| c.flow == "fa" && c.uniq && c.geo == "fr"),
            Cpc(0.0),
        ),
    ];
    for (cond, hit, price) in &steps {
        step(&e, &mut prices, cond, hit, *price, true);
    }
    // Shares that are not exact in binary keep the rollups right too.
    let fa: Hit = Box::new(|_, c| c.flow == "fa");
    step(&e, &mut prices, "flow=fa", &fa, Each(0.1), false);
    let s4: Hit = Box::new(|_, c| c.subid == "s4");
    step(&e, &mut prices, "subid=s4", &s4, Cpc(0.37), false);
    // A batch mixes both paths in one transaction.
    let r = app.api_json(
        "spend",
        &json!({"batch": [
            {"flow": "fa", "cpc": 0.5},
            {"subid": "s4", "cpc": 0.25},
            {"geo": "fr", "valid": 1, "cpc": 0.125}
        ]}),
    );
    assert_eq!(r["ok"], 3, "{r}");
    for (i, c) in admin_clicks().iter().enumerate() {
        for (hit, price) in [
            (c.flow == "fa", 0.5),
            (c.subid == "s4", 0.25),
            (c.geo == "fr" && c.filter == 0, 0.125),
        ] {
            if hit {
                prices[i] = price;
            }
        }
    }
    assert_prices(&e, &prices, "batch");
    assert_rollups_match_prices(&e.db, "batch");
    assert_stats_agree(app, "batch");
    // Bob's clicks still cost what he set, in his reports too.
    assert_eq!(costs(&e.db, &e.bobs), [1.0; 12]);
    // (Bob's days are UTC: his clicks start on 2024-05-09 there.)
    let b = app.api_as(&e.bob, "stats", "from=2024-05-09&to=2024-05-12&item=flow");
    assert_eq!(b["total"]["click"], 12, "{b}");
    assert_eq!(b["total"]["spend"], 12.0, "{b}");
}

#[test]
fn spend_fast_path_answers_what_clicks_json_shows() {
    let e = env();
    let app = &e.app;
    assert_eq!(app.api("spend", "cost=6&flow=fb"), ok(20));
    let list = app.api("clicks", "flow=fb&limit=100");
    let rows = list["clicks"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r["cost"] == 0.3), "{list}");
    let other = app.api("clicks", "flow=fa&limit=1");
    assert_eq!(other["clicks"][0]["cost"], 0.0);
    // The same through the click table's stats and the rollups'.
    let a = app.api("stats", "from=2024-05-10&to=2024-05-12&item=flow");
    assert_eq!(a["stats"]["fb"]["spend"], 6.0, "{a}");
    assert_eq!(a["stats"]["fa"]["spend"], 0.0, "{a}");
    let b = app.api("stats", "from=2024-05-10&to=2024-05-12&item=subid");
    assert_eq!(b["total"]["spend"], 6.0, "{b}");
}
