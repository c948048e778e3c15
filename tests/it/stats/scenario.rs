//! The scripted stats.json scenario (SPEC 4). A user in Asia/Kolkata
//! (+05:30, so 15-minute buckets matter) with base currency eur (1 usd =
//! 0.5 eur); 8 clicks in the period 2024-05-10..11 and 2 just outside it;
//! leads through every stage with prices in usd and eur; a spend import.
//! Every expected number below was counted by hand from this table:
//!
//! | click | local time  | flow  | way | site | filter | uniq | geo | os/browser/mobile | ip      | domain | utm (s/c/n/t/m)   | subid | cost |
//! |-------|-------------|-------|-----|------|--------|------|-----|-------------------|---------|--------|-------------------|-------|------|
//! | k1    | 05-10 00:00 | alpha | A1  | S1   | 0      | 1    | de  | 1 / 1 / 0         | 1.1.1.1 | t1     | fb c1 n1 t1 cpc   | s1    | 2.4  |
//! | k2    | 05-10 09:10 | alpha | A1  | S1   | 0      | 1    | de  | 1 / 1 / 0         | 1.1.1.1 | t1     | fb c1 n1 t1 cpc   | s1    | 2.4  |
//! | k3    | 05-10 09:40 | alpha | A1  | S1   | 0      | 0    | de  | 1 / 1 / 0         | 1.1.1.1 | t1     | fb c1 n1 t1 cpc   | s1    | 2.4  |
//! | k4    | 05-10 23:50 | alpha | A2  | 0    | 0      | 1    | at  | 4 / 4 / 1         | 2.2.2.2 | t1     | fb c2 n2 t2 cpm   | s2    | 2.4  |
//! | k5    | 05-11 00:10 | beta  | B1  | S2   | 0      | 1    | us  | 5 / 1 / 1         | 3.3.3.3 | t2     | tt c3 n3 t3 cpc   | s3    | 0.5  |
//! | k6    | 05-11 00:20 | beta  | B1  | S2   | 0      | 1    | us  | 5 / 9 / 1         | 4.4.4.4 | t2     | tt c3 n3 t3 cpc   | s3    | 0.5  |
//! | k7    | 05-11 13:05 | beta  | 0   | 0    | 1      | 1    | us  | 0 / 11 / 0        | 5.5.5.5 | t2     | tt                |       | 0    |
//! | k8    | 05-11 13:30 | alpha | 0   | 0    | 3      | 1    |     | 2 / 4 / 0         | 6.6.6.6 | t1     | fb c1 n1 t1 cpc   | s1    | 2.4  |
//! | x1    | 05-09 23:59:59 (outside)  like k1                                                                                     | 0    |
//! | x2    | 05-12 00:00 (outside)     like k5                                                                                     | 0.5  |
//!
//! | lead | click | goal | stage   | price  | base (eur) | local time  |
//! |------|-------|------|---------|--------|------------|-------------|
//! | L1   | k2    | lead | approve (after hold) | 10 usd | 5 | 05-10 10:10 |
//! | L2   | k2    | dep  | hold    | 20 eur | 20         | 05-10 10:20 |
//! | L3   | k3    | lead | trash   | -      | 0          | 05-10 09:45 |
//! | L4   | k4    | lead | approve | 30 eur | 30         | 05-11 00:30 (next day: leads count at their own time) |
//! | L5   | k5    | lead | new     | 4 usd  | 2          | 05-11 01:00 |
//! | L6   | k6    | lead | cancel  | 8 usd  | 4          | 05-11 02:00 |
//! | L7   | k5    | dep  | hold    | 6 usd  | 3          | 05-11 03:00 |
//! | L8   | k8    | lead | approve | 2 usd  | 1          | 05-11 14:00 |
//! | L9   | x1    | lead | approve | 100 eur| 100        | 05-12 00:00 (outside) |
//!
//! Spend: 24 usd (= 12 eur) over alpha's 5 clicks in the period (2.4
//! each); 0.5 eur per valid beta click (k5, k6, x2).
//!
//! The leads are created by postback.json; their times are then moved to
//! the table's times with the app stopped (the postback stamps "now").
use super::*;

const TZ: &str = "Asia/Kolkata";

pub struct Ids {
    pub s1: i64,
    pub s2: i64,
    pub a1: i64,
    pub a2: i64,
    pub b1: i64,
}

pub fn setup() -> (TestApp, Ids) {
    let app = spawn_app();
    let r = app.api_json("rates", &json!({"rates": {"usd": 1, "eur": 0.5}}));
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api("profile", &format!("timezone={TZ}&currency=eur"));
    assert_eq!(
        (r["timezone"].as_str(), r["currency"].as_str()),
        (Some(TZ), Some("eur"))
    );
    let site = |name: &str, url: &str| {
        let r = app.api_json("site", &json!({"name": name, "url": url}));
        r["site"].as_i64().unwrap_or_else(|| panic!("{r}"))
    };
    let (s1, s2) = (
        site("Offer One", "https://one.example/"),
        site("Offer Two", "https://two.example/"),
    );
    let alpha = app.api_json(
        "flow",
        &json!({"flow": "alpha", "name": "Alpha FB", "ways": [{"site": s1}, {"url": "https://two.example/lp"}]}),
    );
    let beta = app.api_json(
        "flow",
        &json!({"flow": "beta", "name": "Beta TT", "ways": [{"site": s2}]}),
    );
    let way = |r: &Value, i: usize| r["ways"][i].as_i64().unwrap_or_else(|| panic!("{r}"));
    let ids = Ids {
        s1,
        s2,
        a1: way(&alpha, 0),
        a2: way(&alpha, 1),
        b1: way(&beta, 0),
    };
    let db = app.stop();

    let t = |s: &str| at(s, TZ);
    let alpha = Click {
        flow: "alpha",
        way: ids.a1,
        site: s1,
        geo: "de",
        ip: "1.1.1.1",
        os: 1,
        browser: 1,
        domain: "t1.example",
        utm: ["fb", "c1", "n1", "t1", "cpc"],
        subid: "s1",
        ..Click::default()
    };
    let k5 = Click {
        t: t("2024-05-11 00:10"),
        flow: "beta",
        way: ids.b1,
        site: s2,
        geo: "us",
        ip: "3.3.3.3",
        os: 5,
        browser: 1,
        mobile: true,
        domain: "t2.example",
        utm: ["tt", "c3", "n3", "t3", "cpc"],
        subid: "s3",
        ..Click::default()
    };
    let clicks = [
        Click {
            t: t("2024-05-10 00:00"),
            ..alpha.clone()
        },
        Click {
            t: t("2024-05-10 09:10"),
            ..alpha.clone()
        },
        Click {
            t: t("2024-05-10 09:40"),
            uniq: false,
            ..alpha.clone()
        },
        Click {
            t: t("2024-05-10 23:50"),
            flow: "alpha",
            way: ids.a2,
            geo: "at",
            ip: "2.2.2.2",
            os: 4,
            browser: 4,
            mobile: true,
            domain: "t1.example",
            utm: ["fb", "c2", "n2", "t2", "cpm"],
            subid: "s2",
            ..Click::default()
        },
        k5.clone(),
        Click {
            t: t("2024-05-11 00:20"),
            ip: "4.4.4.4",
            browser: 9,
            ..k5.clone()
        },
        Click {
            t: t("2024-05-11 13:05"),
            flow: "beta",
            filter: 1,
            geo: "us",
            ip: "5.5.5.5",
            browser: 11,
            domain: "t2.example",
            utm: ["tt", "", "", "", ""],
            ..Click::default()
        },
        Click {
            t: t("2024-05-11 13:30"),
            way: 0,
            site: 0,
            filter: 3,
            geo: "",
            ip: "6.6.6.6",
            os: 2,
            browser: 4,
            ..alpha.clone()
        },
        Click {
            t: t("2024-05-09 23:59:59"),
            ..alpha.clone()
        },
        Click {
            t: t("2024-05-12 00:00"),
            ..k5
        },
    ];
    let clicks = insert_clicks(&db, &clicks);
    // Keep the path: a restarted app's stop() answers its own temp dir.
    let app = restart(db.clone());

    // (click, goal, status, price, currency, local time)
    let leads = [
        (1, "lead", "hold", "10", "usd", "2024-05-10 10:10"),
        (1, "lead", "approve", "10", "usd", "2024-05-10 10:10"),
        (1, "dep", "hold", "20", "eur", "2024-05-10 10:20"),
        (2, "lead", "trash", "", "usd", "2024-05-10 09:45"),
        (3, "lead", "approve", "30", "eur", "2024-05-11 00:30"),
        (4, "lead", "new", "4", "usd", "2024-05-11 01:00"),
        (5, "lead", "cancel", "8", "usd", "2024-05-11 02:00"),
        (4, "dep", "hold", "6", "usd", "2024-05-11 03:00"),
        (7, "lead", "approve", "2", "usd", "2024-05-11 14:00"),
        (8, "lead", "approve", "100", "eur", "2024-05-12 00:00"),
    ];
    for (i, (c, goal, status, price, cur, _)) in leads.iter().enumerate() {
        let q = format!(
            "click={}&goal={goal}&status={status}&price={price}&currency={cur}",
            clicks[*c]
        );
        let r = app.api("postback", &q);
        assert_eq!(r["status"], "ok", "lead {i}: {r}");
        assert_eq!(r["stage"], *status, "lead {i}: {r}");
    }
    let r = app.api_json(
        "spend",
        &json!({"batch": [
            {"cost": 24, "currency": "usd", "flow": "alpha", "from": "2024-05-10", "to": "2024-05-11"},
            {"cpc": 0.5, "currency": "eur", "flow": "beta", "valid": 1}
        ]}),
    );
    assert_eq!(
        r,
        json!({"status": "ok", "ok": 2, "bad": 0, "clicks": 8, "errors": []})
    );

    app.stop();
    let conn = rusqlite::Connection::open(&db).unwrap();
    for (c, goal, _, _, _, time) in leads {
        let (key, _) = flowtrack::clicks::id::decode(&clicks[c]).unwrap();
        let n = conn
            .execute(
                "UPDATE leads SET time = ?1 WHERE click_id = ?2 AND goal = ?3",
                rusqlite::params![at(time, TZ), key, goal],
            )
            .unwrap();
        assert_eq!(n, 1, "one lead per click and goal");
    }
    // The rollups follow the moved times, as after any repair.
    let users: Vec<flowtrack::ids::UserId> = conn
        .prepare("SELECT id FROM users")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for u in users {
        flowtrack::store::leads::recount(&conn, u).unwrap();
    }
    drop(conn);
    (restart(db), ids)
}

// Groups that several items share (see the table above).
pub fn a1() -> Value {
    m(
        [3, 2, 3, 2, 0, 1, 1, 0, 1],
        [20.0, 5.0, 25.0, 100.0, 2.5, 50.0, 33.33, 7.2, -2.2, -30.56],
    )
}
pub fn a2() -> Value {
    m(
        [1, 1, 1, 1, 0, 0, 1, 0, 0],
        [
            0.0, 30.0, 30.0, 100.0, 30.0, 100.0, 100.0, 2.4, 27.6, 1150.0,
        ],
    )
}
pub fn b1() -> Value {
    m(
        [2, 2, 3, 3, 1, 1, 0, 1, 0],
        [3.0, 0.0, 3.0, 150.0, 0.0, 0.0, 0.0, 1.0, -1.0, -100.0],
    )
}
pub fn alpha() -> Value {
    m(
        [5, 4, 5, 4, 0, 1, 3, 0, 1],
        [20.0, 36.0, 56.0, 100.0, 9.0, 75.0, 60.0, 12.0, 24.0, 200.0],
    )
}
pub fn beta() -> Value {
    m(
        [3, 3, 3, 3, 1, 1, 0, 1, 0],
        [3.0, 0.0, 3.0, 100.0, 0.0, 0.0, 0.0, 1.0, -1.0, -100.0],
    )
}
/// k7 alone: one click, nothing else.
pub fn bot() -> Value {
    m([1, 1, 0, 0, 0, 0, 0, 0, 0], [0.0; 10])
}
/// k8 + L8.
pub fn k8() -> Value {
    m(
        [1, 1, 1, 1, 0, 0, 1, 0, 0],
        [0.0, 1.0, 1.0, 100.0, 1.0, 100.0, 100.0, 2.4, -1.4, -58.33],
    )
}
/// k6 + L6.
pub fn k6() -> Value {
    m(
        [1, 1, 1, 1, 0, 0, 0, 1, 0],
        [0.0, 0.0, 0.0, 100.0, 0.0, 0.0, 0.0, 0.5, -0.5, -100.0],
    )
}
/// k5 + L5, L7.
pub fn k5() -> Value {
    m(
        [1, 1, 2, 2, 1, 1, 0, 0, 0],
        [3.0, 0.0, 3.0, 200.0, 0.0, 0.0, 0.0, 0.5, -0.5, -100.0],
    )
}
/// k1, k2, k3, k8 + L1, L2, L3, L8 (subid s1, utm c1/n1/t1).
pub fn s1() -> Value {
    m(
        [4, 3, 4, 3, 0, 1, 2, 0, 1],
        [20.0, 6.0, 26.0, 100.0, 2.0, 66.67, 50.0, 9.6, -3.6, -37.5],
    )
}

pub const PERIOD: &str = "from=2024-05-10&to=2024-05-11";

#[test]
fn stats_scenario_total_dates_and_goals() {
    let (app, _) = setup();
    let started = std::time::Instant::now();
    let r = app.api("stats", &format!("{PERIOD}&item=date"));
    eprintln!(
        "stats.json item=date over 10 clicks and 9 leads: {:?}",
        started.elapsed()
    );
    let total = m(
        [8, 7, 8, 7, 1, 2, 3, 1, 1],
        [
            23.0, 36.0, 59.0, 100.0, 5.14, 42.86, 37.5, 13.0, 23.0, 176.92,
        ],
    );
    assert_eq!(plain(&r["total"]), total);
    assert_eq!(
        r["total"]["goal"],
        json!({
            "dep": g([2, 2, 0, 2, 0, 0, 0], [23.0, 0.0, 23.0, 28.57, 0.0, 0.0, 0.0]),
            "lead": g([6, 5, 1, 0, 3, 1, 1], [0.0, 36.0, 36.0, 71.43, 5.14, 60.0, 50.0]),
        })
    );
    let d10 = m(
        [4, 3, 3, 2, 0, 1, 1, 0, 1],
        [20.0, 5.0, 25.0, 66.67, 1.67, 50.0, 33.33, 9.6, -4.6, -47.92],
    );
    let d11 = m(
        [4, 4, 5, 5, 1, 1, 2, 1, 0],
        [3.0, 31.0, 34.0, 125.0, 7.75, 40.0, 40.0, 3.4, 27.6, 811.76],
    );
    expect_rows(
        &r,
        &[
            ("20240510", json!(20240510), json!("2024-05-10"), &d10),
            ("20240511", json!(20240511), json!("2024-05-11"), &d11),
        ],
        "date",
    );
    assert_eq!(
        r["stats"]["20240510"]["goal"],
        json!({
            "dep": g([1, 1, 0, 1, 0, 0, 0], [20.0, 0.0, 20.0, 33.33, 0.0, 0.0, 0.0]),
            "lead": g([2, 1, 0, 0, 1, 0, 1], [0.0, 5.0, 5.0, 33.33, 1.67, 100.0, 50.0]),
        })
    );
    assert_eq!(
        r["stats"]["20240511"]["goal"],
        json!({
            "dep": g([1, 1, 0, 1, 0, 0, 0], [3.0, 0.0, 3.0, 25.0, 0.0, 0.0, 0.0]),
            "lead": g([4, 4, 1, 0, 2, 1, 0], [0.0, 31.0, 31.0, 100.0, 7.75, 50.0, 50.0]),
        })
    );
    // A group with clicks but no leads has an empty goal object.
    let r = app.api("stats", &format!("{PERIOD}&item=filter&filter=1"));
    assert_eq!(r["stats"]["1"]["goal"], json!({}));
}
