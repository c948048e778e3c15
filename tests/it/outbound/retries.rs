//! Retries (docs/API.md "Outbound postbacks", "Sending"): a connection
//! error, 408, 429 or 5xx is tried again after 1, 2, 4, ... minutes, at
//! most 11 attempts, then `failed`; another 4xx fails at once. The app
//! runs on a manual clock: a retry happens only when the test moves the
//! clock to its time, so nothing depends on how fast the machine is.
//! postback-retry.json sends a failed one again.
use super::*;
use crate::common::receiver::{Mode, Receiver};
use flowtrack::clock::{ClockRef, ManualClock};
use std::sync::Arc;

fn clocked() -> (TestApp, Api, Arc<ManualClock>) {
    // The wall clock's second: the event times the app stamps by either
    // clock are then due at once.
    let clock = ManualClock::new(now_s() * 1000);
    let c = clock.clone();
    let app = spawn_with(move |config| config.clock = ClockRef(c));
    let api = Api::of(&app);
    (app, api, clock)
}

/// A source telling `rx` (path `/{name}`), a flow `name` on it, and a
/// click on the flow; answers the source and the click.
fn sending_to(api: &Api, rx: &Receiver, name: &str) -> (i64, String) {
    let s =
        api.source(json!({"name": name, "postback_url": rx.url(&format!("/{name}?l={{lead}}"))}));
    api.flow(name, s);
    (s, api.click(&format!("/{name}")))
}

fn approve(api: &Api, click: &str, uid: &str) -> i64 {
    api.pb(&format!("click={click}&status=approve&uid={uid}"))
}

/// Another send of the same user, to `probe`, and waits for it: the
/// sender has looked at what is due since the clock last moved, so a
/// retry that is not due yet would have gone out with it.
fn probe(api: &Api, probe: &Receiver, click: &str, n: usize) {
    approve(api, click, &format!("probe-{n}"));
    probe.wait_calls(n, LONG);
}

/// Seconds between a row's last attempt and its next one.
fn wait_of(row: &Value) -> i64 {
    row["next"].as_i64().unwrap() - row["last"].as_i64().unwrap()
}

#[test]
fn a_failed_attempt_is_retried_after_one_then_two_minutes_until_it_is_sent() {
    let (_app, api, clock) = clocked();
    let rx = Receiver::start(Mode::Status(500));
    let ok = Receiver::start(Mode::Ok);
    let (_, c) = sending_to(&api, &rx, "flaky");
    let (_, pc) = sending_to(&api, &ok, "probe");
    let lead = approve(&api, &c, "l1");
    // The first attempt at once, without the clock moving.
    rx.wait_calls(1, LONG);
    let row = api.wait_row(lead, "the first attempt", |r| r["attempts"] == 1);
    assert_eq!(
        (&row["state"], &row["http"]),
        (&json!("pending"), &json!(500)),
        "{row}"
    );
    assert_eq!(wait_of(&row), 60, "{row}");
    assert!(!row["error"].as_str().unwrap().is_empty() || row["http"] == 500);

    clock.advance(Duration::from_secs(59));
    probe(&api, &ok, &pc, 1);
    assert_eq!(rx.count(), 1, "retried before its minute");
    clock.advance(Duration::from_secs(1));
    rx.wait_calls(2, LONG);
    let row = api.wait_row(lead, "the second attempt", |r| r["attempts"] == 2);
    assert_eq!(
        (&row["state"], wait_of(&row)),
        (&json!("pending"), 120),
        "{row}"
    );

    rx.set_mode(Mode::Ok);
    clock.advance(Duration::from_secs(119));
    probe(&api, &ok, &pc, 2);
    assert_eq!(rx.count(), 2, "retried before its two minutes");
    clock.advance(Duration::from_secs(1));
    let calls = rx.wait_calls(3, LONG);
    let row = api.wait_row(lead, "sent", |r| r["state"] == "sent");
    assert_eq!(
        (&row["attempts"], &row["http"]),
        (&json!(3), &json!(200)),
        "{row}"
    );
    assert_eq!(calls[2].answered, 200);
    // Each attempt carried the same event.
    assert!(calls
        .iter()
        .all(|k| k.target == calls[0].target && k.key() == calls[0].key()));
    // Sent is final: no attempt however late.
    clock.advance(Duration::from_secs(86_400));
    probe(&api, &ok, &pc, 3);
    assert_eq!(rx.count(), 3);
}

#[test]
fn eleven_attempts_then_failed_and_retry_sends_it_again() {
    let (_app, api, clock) = clocked();
    let rx = Receiver::start(Mode::Status(503));
    let ok = Receiver::start(Mode::Ok);
    let (_, c) = sending_to(&api, &rx, "down");
    let (_, pc) = sending_to(&api, &ok, "probe");
    let lead = approve(&api, &c, "l1");
    let mut waited = 0;
    for attempt in 1..=11 {
        rx.wait_calls(attempt, LONG);
        let row = api.wait_row(lead, &format!("attempt {attempt}"), |r| {
            r["attempts"] == attempt
        });
        if attempt == 11 {
            assert_eq!(
                (&row["state"], &row["http"]),
                (&json!("failed"), &json!(503)),
                "{row}"
            );
            break;
        }
        assert_eq!(row["state"], "pending", "{row}");
        let wait = 60 << (attempt - 1);
        assert_eq!(wait_of(&row), wait, "after attempt {attempt}: {row}");
        clock.advance(Duration::from_secs(wait as u64));
        waited += wait;
    }
    // The last retry about 17 hours after the first attempt.
    assert_eq!(waited, 1023 * 60);
    clock.advance(Duration::from_secs(7 * 86_400));
    probe(&api, &ok, &pc, 1);
    assert_eq!(rx.count(), 11, "a failed send was tried again");
    let failed = api.out("state=failed");
    assert_eq!(failed.len(), 1, "{failed:#?}");
    let id = failed[0]["id"].as_i64().unwrap();

    // Back to pending, due now, its attempts counted from 0 again.
    rx.set_mode(Mode::Ok);
    let r = api.get("postback-retry", &format!("postback={id}"));
    assert_eq!(
        r,
        json!({"status": "ok", "postback": id, "state": "pending"})
    );
    rx.wait_calls(12, LONG);
    let row = api.wait_row(lead, "sent after the retry", |r| r["state"] == "sent");
    assert_eq!(
        (&row["attempts"], &row["http"]),
        (&json!(1), &json!(200)),
        "{row}"
    );

    // Only a failed one goes back.
    let bad_state = json!({"status": "error", "error": "bad-state", "field": "postback"});
    assert_eq!(
        api.get("postback-retry", &format!("postback={id}")),
        bad_state
    );
    rx.set_mode(Mode::Status(500));
    let waiting = approve(&api, &c, "l2");
    let row = api.wait_row(waiting, "a failed attempt", |r| r["attempts"] == 1);
    assert_eq!(row["state"], "pending");
    let waiting_id = row["id"].as_i64().unwrap();
    assert_eq!(
        api.get("postback-retry", &format!("postback={waiting_id}")),
        bad_state
    );
    assert_eq!(
        api.get("postback-retry", "postback=987654"),
        json!({"status": "error", "error": "bad-postback", "field": "postback"})
    );
    let r = api.get("postback-retry", "postback=x");
    assert_eq!(r["field"], "postback", "{r}");
}

#[test]
fn a_client_error_fails_at_once_and_busy_or_unreachable_receivers_are_retried() {
    let (_app, api, _clock) = clocked();
    // (receiver mode, state after the first attempt, its http)
    let cases = [
        (Mode::Status(400), "failed", 400),
        (Mode::Status(404), "failed", 404),
        (Mode::Status(408), "pending", 408),
        (Mode::Status(429), "pending", 429),
        (Mode::Status(502), "pending", 502),
        (Mode::Close, "pending", 0),
    ];
    let receivers: Vec<Receiver> = cases.iter().map(|(m, _, _)| Receiver::start(*m)).collect();
    let mut leads = Vec::new();
    for (n, rx) in receivers.iter().enumerate() {
        let (_, c) = sending_to(&api, rx, &format!("r{n}"));
        leads.push(approve(&api, &c, &format!("l{n}")));
    }
    for (n, (mode, state, http)) in cases.iter().enumerate() {
        receivers[n].wait_calls(1, LONG);
        let row = api.wait_row(leads[n], "the first attempt", |r| r["attempts"] == 1);
        assert_eq!(
            (&row["state"], &row["http"]),
            (&json!(state), &json!(http)),
            "{mode:?}: {row}"
        );
        if *state == "pending" {
            assert_eq!(wait_of(&row), 60, "{mode:?}: {row}");
        }
        if *mode == Mode::Close {
            assert!(!row["error"].as_str().unwrap().is_empty(), "{row}");
        }
    }
    // The failed ones are listed as failed, the others as pending.
    let failed: Vec<i64> = api
        .out("state=failed")
        .iter()
        .map(|r| r["lead"].as_i64().unwrap())
        .collect();
    let mut want = vec![leads[0], leads[1]];
    want.sort();
    let mut failed = failed;
    failed.sort();
    assert_eq!(failed, want);
    assert_eq!(api.out("state=pending").len(), 4);
    assert_eq!(api.out("state=pending,failed").len(), 6);
    let r = api.get("postbacks-out", "state=lost");
    assert_eq!(
        (&r["error"], &r["field"]),
        (&json!("bad-state"), &json!("state")),
        "{r}"
    );
}
