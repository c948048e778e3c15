//! The login throttle (docs/API.md, login.json: `slow-down`): failures are
//! counted per user name and per address, attempts of one key take turns
//! on a schedule, an attempt whose turn is too far ahead is refused with
//! `slow-down` and `retry_after`, never `access`, and a right password
//! whose turn comes is accepted whoever else is failing.
//!
//! The app runs on a manual clock: a waiting attempt is answered only when
//! the test moves the clock past its turn, so nothing here depends on how
//! fast the machine is. The proxy header gives each attempt its address.
//! The schedule (src/accounts/throttle.rs): after three failures of a key
//! its attempts are spaced 0.25 s, then twice that after each further
//! failure, up to 8 s; at most 10 s ahead.
use crate::common::*;
use flowtrack::clock::{ClockRef, ManualClock};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::Duration;

/// Long enough for any answer that is not waiting on the clock; only
/// reached when something is broken (the test then fails, it never hangs).
const GUARD: Duration = Duration::from_secs(60);

fn throttled_app() -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(1_800_000_000_000);
    let c = clock.clone();
    let app = spawn_with(move |config| {
        config.trust_proxy = true;
        config.clock = ClockRef(c);
    });
    (app, clock)
}

fn new_password(db: &Path, user: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowtrack"))
        .arg("--db")
        .arg(db)
        .args(["user", "password", user])
        .output()
        .expect("run flowtrack");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_string()
}

fn login_from(port: u16, user: &str, password: &str, ip: &str) -> Value {
    let form = format!("user={}&password={}", enc(user), enc(password));
    let r = http(
        port,
        "POST",
        "/api/tracker/login.json",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Forwarded-For", ip),
        ],
        form.as_bytes(),
    )
    .expect("login request");
    assert_eq!(r.status, 200);
    r.json()
}

/// Sends a login on its own thread; its answer arrives on the receiver.
fn attempt(app: &TestApp, user: &str, password: &str, ip: &str) -> Receiver<Value> {
    let (tx, rx) = channel();
    let (port, user, password, ip) = (
        app.port,
        user.to_string(),
        password.to_string(),
        ip.to_string(),
    );
    std::thread::spawn(move || {
        let _ = tx.send(login_from(port, &user, &password, &ip));
    });
    rx
}

/// One failing attempt of a sequence, answered once the clock has moved
/// by `wait_ms` (its turn: the spacing its key has reached).
fn fail_in_turn(app: &TestApp, clock: &ManualClock, user: &str, ip: &str, wait_ms: u64) {
    let rx = attempt(app, user, "wrong-password", ip);
    clock.advance(Duration::from_millis(wait_ms));
    assert_eq!(rx.recv_timeout(GUARD).unwrap(), access());
}

/// The waits of a key's first failures in a row.
const TURNS: [u64; 7] = [0, 0, 0, 250, 500, 1000, 2000];

fn access() -> Value {
    json!({"status": "error", "error": "access"})
}

fn is_slow_down(r: &Value) -> bool {
    r["status"] == "error"
        && r["error"] == "slow-down"
        && r["retry_after"].as_u64().is_some_and(|s| s >= 1)
        && r.get("field").is_none()
}

/// Waits for `n` answers (each from its own receiver) that come without
/// the clock moving; answers them in the order they came.
fn answers_now(pending: &mut Vec<Receiver<Value>>, n: usize) -> Vec<Value> {
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + GUARD;
    while got.len() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} answers came without the clock moving: {got:?}",
            got.len()
        );
        let mut i = 0;
        while i < pending.len() {
            match pending[i].try_recv() {
                Ok(v) => {
                    got.push(v);
                    pending.remove(i);
                }
                Err(_) => i += 1,
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    got
}

fn wait_all(pending: Vec<Receiver<Value>>) -> Vec<Value> {
    pending
        .into_iter()
        .map(|rx| {
            rx.recv_timeout(GUARD)
                .expect("an answer after the clock moved")
        })
        .collect()
}

/// Three free failures, then parallel wrong guesses: their turns are
/// 0.25, 0.75, 1.75, 3.75 and 7.75 s ahead (each failure doubles the
/// spacing); a sixth would be 15.75 s ahead, past the 10 s bound, so the
/// other seven are refused at once with `slow-down`, never `access`.
fn parallel_guesses_take_turns(ip_of: impl Fn(usize) -> String) {
    let (app, clock) = throttled_app();
    for i in 0..3 {
        assert_eq!(
            login_from(app.port, "admin", "wrong-password", &ip_of(i)),
            access()
        );
    }
    let mut pending: Vec<_> = (3..15)
        .map(|i| attempt(&app, "admin", "wrong-password", &ip_of(i)))
        .collect();
    let refused = answers_now(&mut pending, 7);
    assert!(refused.iter().all(is_slow_down), "{refused:?}");
    assert!(
        refused.iter().all(|r| r["retry_after"].as_u64() > Some(10)),
        "{refused:?}"
    );
    // Nobody else answers until the clock moves: the five admitted wait.
    assert_eq!(pending.len(), 5);
    clock.advance(Duration::from_secs(10));
    let waited = wait_all(pending);
    assert_eq!(waited, vec![access(); 5]);
}

#[test]
fn parallel_wrong_guesses_from_one_address_take_turns_and_the_rest_hear_slow_down() {
    parallel_guesses_take_turns(|_| "10.1.1.1".to_string());
}

#[test]
fn guesses_at_one_user_name_are_throttled_across_rotating_addresses() {
    parallel_guesses_take_turns(|i| format!("10.2.0.{}", i + 1));
}

#[test]
fn guesses_from_one_address_are_throttled_across_user_names() {
    let (app, clock) = throttled_app();
    for i in 0..3 {
        let r = login_from(app.port, &format!("name{i}"), "pw-guess", "10.3.3.3");
        assert_eq!(r, access());
    }
    let mut pending: Vec<_> = (3..15)
        .map(|i| attempt(&app, &format!("name{i}"), "pw-guess", "10.3.3.3"))
        .collect();
    let refused = answers_now(&mut pending, 7);
    assert!(refused.iter().all(is_slow_down), "{refused:?}");
    clock.advance(Duration::from_secs(10));
    assert_eq!(wait_all(pending), vec![access(); 5]);
}

#[test]
fn the_victims_right_password_from_the_attackers_address_gets_in() {
    let (app, clock) = throttled_app();
    let password = new_password(&app.db, "admin");
    let ip = "10.4.4.4";
    // The attacker fails six times, each in its turn, then keeps one more
    // guess waiting (2 s ahead).
    for wait in &TURNS[..6] {
        fail_in_turn(&app, &clock, "admin", ip, *wait);
    }
    let attacker = attempt(&app, "admin", "wrong-password", ip);
    // Give it time to arrive (the answer does not depend on it: the two
    // fit within the bound in either order).
    std::thread::sleep(Duration::from_millis(300));
    let victim = attempt(&app, "admin", &password, ip);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        victim.try_recv().is_err(),
        "the victim is answered before its turn"
    );
    clock.advance(Duration::from_secs(10));
    let r = victim.recv_timeout(GUARD).unwrap();
    assert_eq!(r["status"], "ok", "the victim was refused: {r}");
    let session = r["token"].as_str().expect("a session token");
    assert_eq!(app.api_as(session, "profile", "")["user"], "admin");
    assert_eq!(attacker.recv_timeout(GUARD).unwrap(), access());
    // The attacker goes on failing; that is all they get.
    let rx = attempt(&app, "admin", "wrong-password", ip);
    clock.advance(Duration::from_secs(10));
    let r = rx.recv_timeout(GUARD).unwrap();
    assert!(r == access() || is_slow_down(&r), "{r}");
}

#[test]
fn a_success_forgets_the_user_names_failures_but_not_the_addresss() {
    let (app, clock) = throttled_app();
    let password = new_password(&app.db, "admin");
    for wait in &TURNS[..5] {
        fail_in_turn(&app, &clock, "admin", "10.5.5.5", *wait);
    }
    // From that address even the right password waits its turn (1 s).
    let rx = attempt(&app, "admin", &password, "10.5.5.5");
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "answered before its turn");
    clock.advance(Duration::from_millis(TURNS[5]));
    assert_eq!(rx.recv_timeout(GUARD).unwrap()["status"], "ok");
    // The name is forgiven: from other addresses three failures are
    // answered at once again (the clock stays put).
    for i in 0..3 {
        let r = login_from(app.port, "admin", "wrong-password", &format!("10.6.0.{i}"));
        assert_eq!(r, access());
    }
    // The address is not: its next attempt waits for its turn.
    let rx = attempt(&app, "other", "wrong-password", "10.5.5.5");
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "the address was forgiven too");
    clock.advance(Duration::from_secs(10));
    assert_eq!(rx.recv_timeout(GUARD).unwrap(), access());
}

#[test]
fn waiting_logins_hold_no_database_connection() {
    let (app, clock) = throttled_app();
    // Twelve keys (a name and an address each) with three failures, then
    // one waiting attempt each: more waiters than pooled connections.
    let key = |i: usize| (format!("user{i}"), format!("10.7.0.{i}"));
    for i in 0..12 {
        let (user, ip) = key(i);
        for _ in 0..3 {
            assert_eq!(login_from(app.port, &user, "x-guess", &ip), access());
        }
    }
    let pending: Vec<_> = (0..12)
        .map(|i| {
            let (user, ip) = key(i);
            attempt(&app, &user, "x-guess", &ip)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..10 {
        assert_eq!(app.api("goals", "")["status"], "ok");
    }
    clock.advance(Duration::from_secs(10));
    assert_eq!(wait_all(pending), vec![access(); 12]);
}
