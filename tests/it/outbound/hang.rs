//! A receiver that never answers (docs/API.md "Outbound postbacks",
//! "Sending": at most 4 sends in flight per user): a thousand sends of one
//! user held by it slow down neither another user's sends nor clicks nor
//! postback.json, and a stop does not wait for them: they stay pending
//! for the next start.
use super::*;
use crate::common::receiver::{Mode, Receiver};
use crate::common::server::Server;

/// Sends waiting behind the hanging receiver.
const PENDING: usize = 1000;
/// Requests of each kind in the bursts compared with /health.
const BURST: usize = 300;

fn pending(db: &rusqlite::Connection) -> i64 {
    db.query_row(
        "SELECT count(*) FROM postbacks_out WHERE state = 0",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// Seconds that `n` runs of `f` take, one after another.
fn burst(n: usize, mut f: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    t.elapsed().as_secs_f64()
}

#[test]
fn a_hanging_receiver_holds_up_no_other_user_no_click_and_no_stop() {
    // Sends that hang for an hour: anything waiting on them never ends.
    let app = spawn_with(|c| c.postback_timeout = Duration::from_secs(3600));
    let a = Api::of(&app);
    let rx_a = Receiver::start(Mode::Hang);
    queue(&a, &rx_a, "held", PENDING);
    rx_a.wait_hanging(1, LONG);

    let b = a.user(&app.add_user("bob"));
    let rx_b = Receiver::start(Mode::Ok);
    let leads_b = queue(&b, &rx_b, "kb", 5);
    rx_b.wait_calls(5, LONG);
    b.wait_out("", "bob's sends sent", |r| {
        r.len() == 5 && all_in(r, "sent")
    });
    assert_eq!(
        per_lead(&rx_b.calls(), |c| c.answered == 200)
            .into_keys()
            .collect::<Vec<_>>(),
        leads_b
    );
    // Bob's list holds his own, sent: none of the first user's pending.
    assert!(b.out("").iter().all(|r| r["state"] == "sent"));
    let held = rx_a.count();
    assert!(held <= 4, "{held} sends of one user in flight");
    assert_eq!(pending(&app.db()), PENDING as i64);

    // Clicks and postbacks beside the held sends, against /health.
    let health = burst(BURST, |_| {
        let r = http(app.port, "GET", "/health", &[], b"").unwrap();
        assert_eq!(r.status, 200);
    });
    let clicks = burst(BURST, |_| {
        a.click("/held");
    });
    let c = a.click("/held");
    let postbacks = burst(BURST, |i| {
        a.pb(&format!("click={c}&status=approve&uid=more-{i}"));
    });
    let click_ratio = health / clicks;
    let postback_ratio = health / postbacks;
    eprintln!(
        "{held} sends held, {PENDING} pending: {BURST} clicks {clicks:.3} s, postbacks \
         {postbacks:.3} s, /health {health:.3} s; click/health {click_ratio:.2}, \
         postback/health {postback_ratio:.2}"
    );
    assert!(
        click_ratio > 0.2,
        "click rate / health rate {click_ratio:.2}"
    );
    assert_eq!(rx_a.count(), held, "more sends of the held user started");

    // What SIGTERM does, with the sends still held: it must end.
    let db_path = app.db.clone();
    let (tx, stopped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(app.stop());
    });
    stopped
        .recv_timeout(LONG)
        .expect("the stop waits for the held sends");
    let db = rusqlite::Connection::open(&db_path).unwrap();
    assert_eq!(
        pending(&db),
        (PENDING + BURST) as i64,
        "pending after the stop"
    );
}

#[test]
fn sigterm_with_sends_in_flight_exits_and_they_are_sent_after_the_restart() {
    const N: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("out.db");
    let rx = Receiver::start(Mode::Hang);
    let mut server = Server::start(&db);
    let api = Api::admin_of(&server);
    let leads = queue(&api, &rx, "term", N);
    rx.wait_hanging(4, LONG);
    server.signal("TERM");
    // The bound of tests/it/shutdown.rs, below the sends' 10 s timeout.
    let status = server
        .wait(Duration::from_secs(5))
        .expect("flowtrack did not exit within 5 s of SIGTERM");
    assert!(status.success(), "exit status {status}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(pending(&conn), N as i64, "pending after the stop");
    drop(conn);

    due_now(&db);
    let server = Server::start(&db);
    rx.set_mode(Mode::Ok);
    let api = Api::admin_of(&server);
    api.wait_out("", "every event sent after the restart", |r| {
        r.len() == N && all_in(r, "sent")
    });
    let received = per_lead(&rx.calls(), |_| true);
    assert_eq!(received.keys().copied().collect::<Vec<_>>(), leads);
}

#[test]
fn four_users_with_hanging_receivers_hold_up_no_fifth() {
    // As many users whose receivers hang as it takes to hold 16 sends
    // (4 each): a fifth user's sends still go out, long before the
    // hour-long timeout frees anything.
    let app = spawn_with(|c| c.postback_timeout = Duration::from_secs(3600));
    let admin = Api::of(&app);
    let rx_dead = Receiver::start(Mode::Hang);
    for n in 0..4 {
        let user = if n == 0 {
            admin.clone()
        } else {
            admin.user(&app.add_user(&format!("dead{n}")))
        };
        queue(&user, &rx_dead, &format!("dead{n}"), 8);
    }
    rx_dead.wait_hanging(16, LONG);
    let alive = admin.user(&app.add_user("alive"));
    let rx = Receiver::start(Mode::Ok);
    let leads = queue(&alive, &rx, "alive", 3);
    rx.wait_calls(3, LONG);
    alive.wait_out("", "the fifth user's sends sent", |r| {
        r.len() == 3 && all_in(r, "sent")
    });
    assert_eq!(
        per_lead(&rx.calls(), |c| c.answered == 200)
            .into_keys()
            .collect::<Vec<_>>(),
        leads
    );
    assert_eq!(rx_dead.count(), 16, "more than 4 sends of a user in flight");
}
