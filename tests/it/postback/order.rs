//! SPEC 2 and 3 for postbacks written by the one writer thread: a postback
//! sent right after a click finds that click, and a postback the database
//! could not take answers `db` and is never stored afterwards.
use super::*;

/// The public click id of a click answered with a redirect to the flow's
/// site, read from the Location header (no API call in between, so nothing
/// waits for the click to be committed).
fn click_from_location(app: &TestApp, path: &str) -> String {
    let r = app.click(path, &[]);
    assert_eq!(r.status, 302, "{}", r.text());
    let location = r.header("location").expect("a redirect");
    location
        .split_once("c=")
        .map(|(_, c)| c.to_string())
        .unwrap_or_else(|| panic!("no click id in {location}"))
}

#[test]
fn a_postback_sent_right_after_a_click_finds_that_click() {
    let app = app_with_flow();
    // Many rounds, each posting back the very moment the redirect is
    // answered, while the click may still wait in the writer's queue.
    for round in 1..=40 {
        let c = click_from_location(&app, &format!("/f1?subid=r{round}"));
        assert_eq!(
            pb(&app, &format!("click={c}&status=hold")),
            ok(round, true, "hold"),
            "round {round}"
        );
    }
    // Several clicks in a row, then their postbacks, newest first.
    let clicks: Vec<String> = (0..10)
        .map(|i| click_from_location(&app, &format!("/f1?subid=b{i}")))
        .collect();
    for (i, c) in clicks.iter().enumerate().rev() {
        let r = pb(&app, &format!("click={c}"));
        assert_eq!(
            (&r["status"], &r["create"]),
            (&json!("ok"), &json!(true)),
            "{r}"
        );
        let l = lead(&app, &r["id"]);
        assert_eq!(
            (l["click"].clone(), l["subid"].clone()),
            (json!(c), json!(format!("b{i}")))
        );
    }
    assert_eq!(leads(&app), 50);
}

#[test]
fn a_postback_finds_a_click_that_waits_for_a_busy_database() {
    let app = app_with_flow();
    // Another process holds the write lock for a moment: the click is
    // answered but cannot be stored yet when its postback arrives.
    let locker = app.db();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        locker.execute_batch("COMMIT").unwrap();
    });
    let c = click_from_location(&app, "/f1?subid=busy");
    assert_eq!(pb(&app, &format!("click={c}")), ok(1, true, "new"));
    release.join().unwrap();
    assert_eq!(lead(&app, &json!(1))["subid"], "busy");
}

#[test]
fn a_postback_the_locked_database_cannot_take_answers_db_and_is_never_stored() {
    let app = app_with_flow();
    let c = click(&app, "/f1");
    // Another process holds the write lock longer than the busy timeout.
    let locker = app.db();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let q = format!("click={c}&status=approve&price=7");
    assert_eq!(pb(&app, &q), err("db"));
    locker.execute_batch("COMMIT").unwrap();
    drop(locker);
    // A later call goes through the same queue: once it is answered, the
    // refused one can no longer be waiting to run.
    assert_eq!(pb(&app, "flow=f1&subid=after"), ok(1, true, "new"));
    assert_eq!(leads(&app), 1, "the refused postback stored nothing");
    // Sent again, the refused postback is the click's first lead.
    assert_eq!(pb(&app, &q), ok(2, true, "approve"));
    assert_eq!(history(&app, 2), vec![(2, "approve".to_string())]);
}
