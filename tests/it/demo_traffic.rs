//! `flowtrack demo` looks like real traffic (README, `flowtrack demo`):
//! fewer clicks at night and at weekends, growth over the
//! period, and a flow that spends more than it earns, so that the
//! dashboard's chart and its red figures have something to show.
use crate::common::*;
use jiff::tz::TimeZone;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Runs `flowtrack --db FILE demo ...`; answers the demo token.
fn demo(db: &Path, clicks: u32, days: u32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(["demo", "--clicks", &clicks.to_string()])
        .args(["--days", &days.to_string()])
        .output()
        .expect("run flowtrack demo");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .last()
        .expect("token line")
        .trim()
        .to_string()
}

/// Clicks of the demo user per UTC hour (hours since the epoch).
fn clicks_by_hour(conn: &Connection) -> BTreeMap<i64, f64> {
    let mut st = conn
        .prepare(
            "SELECT (id >> 16) / 3600000 AS h, count(*) FROM clicks
             WHERE user_id = (SELECT id FROM users WHERE name = 'demo') GROUP BY h",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as f64))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

#[test]
fn demo_clicks_have_a_daily_and_weekly_rhythm_and_a_trend() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db, 120_000, 42);
    let conn = Connection::open(&db).unwrap();
    let hours = clicks_by_hour(&conn);
    // Whole UTC days only: the first and the last are partial.
    let mut days: BTreeMap<i64, f64> = BTreeMap::new();
    for (h, n) in &hours {
        *days.entry(h.div_euclid(24)).or_default() += n;
    }
    let first = *days.keys().next().unwrap() + 1;
    let last = *days.keys().last().unwrap() - 1;
    let full: Vec<(i64, f64)> = (first..=last)
        .map(|d| (d, days.get(&d).copied().unwrap_or(0.0)))
        .collect();
    assert!(full.len() >= 38, "{} whole days", full.len());

    // Hour of the day, summed over the whole days: evenings busier than nights.
    let mut by_hour = [0.0f64; 24];
    for (h, n) in &hours {
        if (first..=last).contains(&h.div_euclid(24)) {
            by_hour[h.rem_euclid(24) as usize] += n;
        }
    }
    let (lo, hi) = by_hour
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &n| (lo.min(n), hi.max(n)));
    assert!(
        hi > 2.0 * lo,
        "clicks per hour of day are flat: {by_hour:?}"
    );

    // Day of the week, each day against the 7 days around it (so that the
    // trend does not count): weekends below working days.
    let weekday = |day: i64| {
        let t = jiff::Timestamp::from_second(day * 86_400).unwrap();
        TimeZone::UTC
            .to_datetime(t)
            .weekday()
            .to_monday_one_offset()
    };
    let (mut weekend, mut midweek) = (Vec::new(), Vec::new());
    for w in full.windows(7) {
        let (day, n) = w[3];
        let ratio = n / mean(&w.iter().map(|x| x.1).collect::<Vec<_>>());
        match weekday(day) {
            6 | 7 => weekend.push(ratio),
            2..=4 => midweek.push(ratio),
            _ => {}
        }
    }
    let (we, mid) = (mean(&weekend), mean(&midweek));
    assert!(
        we < 0.93 * mid,
        "weekend days {we:.3} of their week, midweek days {mid:.3}: no weekly rhythm"
    );

    // Growth: the last whole week has more clicks than the first.
    let week = |range: &[(i64, f64)]| range.iter().map(|x| x.1).sum::<f64>();
    let (a, b) = (week(&full[..7]), week(&full[full.len() - 7..]));
    assert!(b > 1.15 * a, "first week {a}, last week {b}: no trend");

    // Noise: the same weekday differs from week to week (against its own
    // week) by more than counting alone would explain (1 / sqrt(clicks)).
    let mut spread = Vec::new();
    for wd in 1..=7 {
        let r: Vec<f64> = full
            .windows(7)
            .filter(|w| weekday(w[3].0) == wd)
            .map(|w| w[3].1 / mean(&w.iter().map(|x| x.1).collect::<Vec<_>>()))
            .collect();
        let m = mean(&r);
        spread.extend(r.iter().map(|x| (x - m).powi(2)));
    }
    let sd = mean(&spread).sqrt();
    let counting = 1.0 / mean(&full.iter().map(|x| x.1).collect::<Vec<_>>()).sqrt();
    assert!(
        sd > 2.5 * counting,
        "days vary by {sd:.3} around their weekday, counting alone {counting:.3}: no noise"
    );
}

#[test]
fn a_demo_flow_loses_money_and_another_earns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let token = demo(&db, 30_000, 30);
    let app = restart(db);
    let today = TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
    let from = today.checked_sub(jiff::Span::new().days(30)).unwrap();
    let stats = app.api_as(
        &token,
        "stats",
        &format!("item=flow&from={from}&to={today}"),
    );
    let flows = stats["stats"].as_object().expect("stats by flow");
    let money = |f: &serde_json::Value, k: &str| f[k].as_f64().unwrap_or(0.0);
    let losing: Vec<&String> = flows
        .iter()
        // Clearly, not by the luck of a few deposits.
        .filter(|(_, f)| money(f, "spend") > 1.2 * money(f, "ma"))
        .map(|(k, _)| k)
        .collect();
    assert!(
        !losing.is_empty(),
        "no demo flow spends a fifth more than its approved money: {stats}"
    );
    assert!(
        flows
            .values()
            .any(|f| money(f, "ma") > 1.5 * money(f, "spend")),
        "no demo flow earns well: {stats}"
    );
    assert!(
        losing.iter().all(|k| money(&flows[*k], "profit") < 0.0),
        "{stats}"
    );
}
