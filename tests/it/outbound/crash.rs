//! Outbound postbacks across kill -9 of the real binary (docs/API.md
//! "Outbound postbacks"): the outbox is written with the lead, so an
//! event waiting for its retry is delivered exactly once after a restart;
//! an event in flight at the kill is sent again (at least once: its
//! receiver may have it already, the documented window, which the
//! Idempotency-Key lets it drop).
use super::*;
use crate::common::receiver::{Call, Mode, Receiver};
use crate::common::server::Server;
use std::collections::BTreeMap;

fn kill(server: &mut Server) {
    server.signal("KILL");
    assert!(
        server.wait(Duration::from_secs(10)).is_some(),
        "killed process still running"
    );
}

#[test]
fn events_waiting_for_a_retry_at_kill_9_are_delivered_exactly_once() {
    const N: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("out.db");
    let rx = Receiver::start(Mode::Status(500));
    let mut server = Server::start(&db);
    let api = Api::admin_of(&server);
    let leads = queue(&api, &rx, "kill", N);
    rx.wait_until(LONG, "an attempt of every event", |c| {
        per_lead(c, |_| true).len() == N
    });
    api.wait_out("", "every event waiting for its retry", |r| {
        r.len() == N
            && r.iter()
                .all(|x| x["attempts"] == 1 && x["state"] == "pending")
    });
    let failed_attempts = rx.count();
    kill(&mut server);
    due_now(&db);
    rx.set_mode(Mode::Ok);
    let server = Server::start(&db);
    let api = Api::admin_of(&server);
    api.wait_out("", "every event sent after the restart", |r| {
        r.len() == N && all_in(r, "sent")
    });
    let calls = rx.calls();
    let delivered = per_lead(&calls, |c| c.answered == 200);
    let want: BTreeMap<i64, usize> = leads.iter().map(|l| (*l, 1)).collect();
    let all: Vec<String> = calls.iter().map(Call::describe).collect();
    assert_eq!(delivered, want, "deliveries per lead; calls: {all:#?}");
    assert_eq!(
        calls.len(),
        failed_attempts + N,
        "attempts after the restart"
    );
    let rows = api.out("");
    assert!(
        rows.iter().all(|r| r["attempts"] == 2 && r["http"] == 200),
        "{rows:#?}"
    );
}

#[test]
fn events_in_flight_at_kill_9_are_delivered_at_least_once() {
    const N: usize = 12;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("out.db");
    let rx = Receiver::start(Mode::Hang);
    let mut server = Server::start(&db);
    let api = Api::admin_of(&server);
    let leads = queue(&api, &rx, "kill", N);
    // The user's sends in flight (at most 4), held by the receiver.
    rx.wait_hanging(4, LONG);
    let in_flight = rx.count();
    assert!(in_flight <= 4, "{in_flight} sends of one user in flight");
    kill(&mut server);
    due_now(&db);
    let server = Server::start(&db);
    rx.set_mode(Mode::Ok);
    let api = Api::admin_of(&server);
    api.wait_out("", "every event sent after the restart", |r| {
        r.len() == N && all_in(r, "sent")
    });
    let received = per_lead(&rx.calls(), |_| true);
    let missing: Vec<&i64> = leads.iter().filter(|l| !received.contains_key(l)).collect();
    assert!(missing.is_empty(), "never received: {missing:?}");
    assert_eq!(received.len(), N, "{received:?}");
    let twice: usize = received.values().map(|n| n - 1).sum();
    eprintln!(
        "kill -9 with {in_flight} sends in flight: {N} events, {twice} received twice \
         (the at-least-once window)"
    );
    assert!(
        twice <= in_flight,
        "{twice} duplicates for {in_flight} in flight: {received:?}"
    );
}
