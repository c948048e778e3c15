//! `flowtrack demo` (SPEC 5): a fresh file gets a working demo account
//! with about `--days` of clicks, leads in every stage and spend, shown by
//! the reports at once; a second run refreshes it instead of doubling it.
use crate::common::*;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rusqlite::Connection;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const STAGES: [&str; 5] = ["new", "hold", "approve", "cancel", "trash"];

/// Runs `flowtrack --db FILE demo ...`; answers (stdout lines, token).
fn demo(db: &Path, clicks: u32, days: u32) -> (Vec<String>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args([
            "demo",
            "--clicks",
            &clicks.to_string(),
            "--days",
            &days.to_string(),
        ])
        .output()
        .expect("run flowtrack demo");
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let token = lines.last().expect("output").clone();
    assert!(
        token.len() >= 20 && token.chars().all(|c| c.is_ascii_alphanumeric()),
        "token alone on the last line: {lines:?}"
    );
    (lines, token)
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn demo_user(conn: &Connection) -> i64 {
    count(conn, "SELECT id FROM users WHERE name = 'demo'")
}

/// The UTC days from `days - 1` days ago to today that must have clicks.
/// Today counts once a few minutes of it have passed: the demo's clicks
/// end now, spread one every days × 86400 / clicks seconds.
fn expected_days(days: i64) -> Vec<Date> {
    let now = TimeZone::UTC.to_datetime(jiff::Timestamp::now());
    let today = now.date();
    let into_today = now.hour() as i64 * 60 + now.minute() as i64;
    (0..days)
        .rev()
        .map(|back| today.checked_sub(jiff::Span::new().days(back)).unwrap())
        .filter(|d| *d != today || into_today >= 5)
        .collect()
}

/// Clicks per UTC day of the demo user, read from the file.
fn clicks_by_day(conn: &Connection, user: i64) -> Vec<(Date, i64)> {
    let mut st = conn
        .prepare(
            "SELECT (id >> 16) / 86400000 AS day, count(*) FROM clicks
             WHERE user_id = ?1 GROUP BY day ORDER BY day",
        )
        .unwrap();
    st.query_map([user], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
        .map(|row| {
            let (day, n) = row.unwrap();
            let t = jiff::Timestamp::from_second(day * 86_400).unwrap();
            (TimeZone::UTC.to_datetime(t).date(), n)
        })
        .collect()
}

#[test]
fn demo_fills_a_fresh_file_with_a_working_account() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (lines, token) = demo(&db, 30_000, 30);
    let password = lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("the demo password is printed")
        .to_string();

    // The file itself.
    let conn = Connection::open(&db).unwrap();
    let user = demo_user(&conn);
    let q = |sql: &str| count(&conn, &sql.replace("USER", &user.to_string()));
    assert_eq!(
        q("SELECT count(*) FROM clicks WHERE user_id = USER"),
        30_000
    );
    let by_day = clicks_by_day(&conn, user);
    for day in expected_days(30) {
        let n = by_day.iter().find(|(d, _)| *d == day).map_or(0, |x| x.1);
        assert!(n > 0, "no demo clicks on {day}: {by_day:?}");
    }
    for stage in 0..5 {
        let n = q(&format!(
            "SELECT count(*) FROM leads WHERE user_id = USER AND stage = {stage}"
        ));
        assert!(n > 0, "no leads in stage {stage}");
    }
    assert_eq!(q("SELECT count(*) FROM flows WHERE user_id = USER"), 3);
    assert!(
        q("SELECT count(*) FROM clicks JOIN click_cost k USING (id) WHERE user_id = USER AND k.cost > 0")
            > 10_000
    );
    assert!(q("SELECT count(DISTINCT filter) FROM clicks WHERE user_id = USER") >= 3);
    assert!(q("SELECT count(DISTINCT goal) FROM leads WHERE user_id = USER") >= 2);
    drop(conn);

    // The app on that file shows it to the demo user.
    let app = restart(db);
    let profile = app.api_as(&token, "profile", "");
    assert_eq!(
        (profile["user"].as_str(), profile["timezone"].as_str()),
        (Some("demo"), Some("UTC"))
    );
    let flows = app.api_as(&token, "flows", "");
    assert_eq!(flows["flows"].as_array().map(Vec::len), Some(3), "{flows}");
    let login = app
        .get(&format!(
            "/api/tracker/login.json?user=demo&password={password}"
        ))
        .json();
    // A dashboard session of the demo user.
    let session = login["token"].as_str().expect("a session");
    assert_eq!(
        app.api_as(session, "profile", "")["user"],
        "demo",
        "{login}"
    );

    let days = expected_days(30);
    let today = TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
    let from = today.checked_sub(jiff::Span::new().days(29)).unwrap();
    let stats = app.api_as(
        &token,
        "stats",
        &format!("item=date&from={from}&to={today}"),
    );
    assert_eq!(stats["status"], "ok", "{stats}");
    for day in &days {
        let key = day.strftime("%Y%m%d").to_string();
        let clicks = stats["stats"][&key]["click"].as_i64().unwrap_or(0);
        assert!(clicks > 0, "stats.json has no clicks on {day}: {stats}");
    }
    let total = &stats["total"];
    assert!(total["click"].as_i64().unwrap() > 25_000, "{total}");
    assert!(total["total"].as_i64().unwrap() > 0, "{total}");
    assert!(total["spend"].as_f64().unwrap() > 0.0, "{total}");

    for stage in STAGES {
        let leads = app.api_as(&token, "leads", &format!("status={stage}"));
        let list = leads["leads"]
            .as_array()
            .unwrap_or_else(|| panic!("{leads}"));
        assert!(!list.is_empty(), "no {stage} leads");
        assert!(
            list.iter().all(|l| l["status"] == stage),
            "{stage}: {leads}"
        );
    }
    // Nothing of it is admin's.
    let admin = app.api("clicks", "limit=1");
    assert_eq!(admin["clicks"], Value::Array(vec![]), "{admin}");
    // Every derived copy agrees with the click rows and leads.
    let verified = cli_last_line(&app.db, &["store", "verify"]);
    assert!(verified.contains("every copy agrees"), "{verified}");
}

#[test]
fn running_demo_again_refreshes_instead_of_doubling() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db, 5_000, 10);

    // admin has data of his own, which a refresh must leave alone.
    let app = restart(db.clone());
    app.flow_with_urls("admin-flow", &["https://example.com/"]);
    assert_eq!(app.click("/admin-flow", &[]).status, 302);
    assert_eq!(app.api("goal", "goal=sale")["status"], "ok");
    // (stop() answers the harness's own temp path, not a restarted file.)
    app.stop();

    let snapshot = |conn: &Connection| -> Vec<i64> {
        let user = demo_user(conn);
        ["clicks", "flows", "ways", "sites", "goals", "blacklist"]
            .iter()
            .map(|t| {
                count(
                    conn,
                    &format!("SELECT count(*) FROM {t} WHERE user_id = {user}"),
                )
            })
            .collect()
    };
    let conn = Connection::open(&db).unwrap();
    let once = snapshot(&conn);
    let leads_once = count(&conn, "SELECT count(*) FROM leads");
    drop(conn);
    assert_eq!(once[0], 5_000);

    let (_, second) = demo(&db, 5_000, 10);
    let conn = Connection::open(&db).unwrap();
    assert_eq!(snapshot(&conn), once);
    let leads_twice = count(&conn, "SELECT count(*) FROM leads");
    assert!(
        leads_twice < leads_once * 3 / 2,
        "leads {leads_once} then {leads_twice}"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM lead_stages WHERE lead_id NOT IN (SELECT id FROM leads)"
        ),
        0
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM users WHERE name = 'demo'"),
        1
    );
    drop(conn);

    let app = restart(db);
    assert_eq!(app.api_as(&second, "profile", "")["user"], "demo");
    assert_eq!(
        app.api("clicks", "flow=admin-flow")["clicks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(app.api("goals", "")["goals"].as_array().unwrap().len(), 1);
    // The refreshed account still has its leads in every stage.
    for stage in STAGES {
        let leads = app.api_as(&second, "leads", &format!("status={stage}"));
        assert!(
            leads["leads"].as_array().is_some_and(|l| !l.is_empty()),
            "{stage}: {leads}"
        );
    }
    // The refresh replaced the demo user's copies with its clicks'.
    let verified = cli_last_line(&app.db, &["store", "verify"]);
    assert!(verified.contains("every copy agrees"), "{verified}");
}
