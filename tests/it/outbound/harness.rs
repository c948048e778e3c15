//! The receiver itself (common/receiver.rs), so that a failure of the
//! tests beside it is the app's: it records what it reads and answers by
//! its mode, and a held request blocks no other.
use super::*;
use crate::common::receiver::{Mode, Receiver};

#[test]
fn the_receiver_records_requests_and_answers_by_its_mode() {
    let rx = Receiver::start(Mode::Ok);
    let r = http(rx.port, "GET", "/a?x=1%202&y=%C3%A9", &[("X-T", "v")], b"").unwrap();
    assert_eq!((r.status, r.text()), (200, "received 200".to_string()));
    let form = b"k=a%26b&n=2";
    let r = http(rx.port, "POST", "/f", &[], form).unwrap();
    assert_eq!(r.status, 200);
    rx.set_mode(Mode::Status(503));
    assert_eq!(http(rx.port, "GET", "/s", &[], b"").unwrap().status, 503);
    rx.set_mode(Mode::Close);
    assert!(http(rx.port, "GET", "/c", &[], b"").is_err());
    let calls = rx.wait_calls(4, LONG);
    assert_eq!(calls[0].param("x").as_deref(), Some("1 2"));
    assert_eq!(calls[0].param("y").as_deref(), Some("é"));
    assert_eq!(calls[0].header("x-t"), Some("v"));
    assert_eq!((calls[1].method.as_str(), calls[1].path()), ("POST", "/f"));
    assert_eq!(
        calls[1].form(),
        [("k".into(), "a&b".into()), ("n".into(), "2".into())]
    );
    let answered: Vec<u16> = calls.iter().map(|c| c.answered).collect();
    assert_eq!(answered, [200, 200, 503, 0]);

    // Held requests wait for the mode to change; others are not held up.
    rx.set_mode(Mode::Hang);
    let port = rx.port;
    let held: Vec<_> = (0..3)
        .map(|i| std::thread::spawn(move || http(port, "GET", &format!("/h{i}"), &[], b"")))
        .collect();
    rx.wait_hanging(3, LONG);
    let other = Receiver::start(Mode::Ok);
    assert_eq!(http(other.port, "GET", "/o", &[], b"").unwrap().status, 200);
    assert_eq!(rx.count(), 7);
    rx.set_mode(Mode::Status(202));
    for h in held {
        assert_eq!(h.join().unwrap().unwrap().status, 202);
    }
    assert_eq!(rx.hanging(), 0);
}
