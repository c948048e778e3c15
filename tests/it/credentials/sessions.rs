//! Dashboard sessions (README "Credentials"): expiry on a manual clock,
//! "last used" without a write per call, listing and revocation, and the
//! password change that needs the current password and ends the others.
use super::*;

#[test]
fn sessions_expire_when_idle_and_at_their_age_limit() {
    let (app, clock) = manual_app();
    let password = admin_password(&app);
    let s = session(&app, "admin", &password);
    // Used every 23 hours, it lives on...
    for _ in 0..3 {
        clock.advance(23 * HOUR);
        assert_eq!(app.api_as(&s, "profile", "")["user"], "admin");
        settle(&app);
    }
    // ...until it rests for a day.
    clock.advance(24 * HOUR + Duration::from_secs(60));
    assert_eq!(app.api_as(&s, "profile", ""), access());

    // However busy, a session ends 30 days after the log-in.
    let s = session(&app, "admin", &password);
    for _ in 0..59 {
        clock.advance(12 * HOUR);
        assert_eq!(app.api_as(&s, "goals", "")["status"], "ok");
        settle(&app);
    }
    clock.advance(12 * HOUR + Duration::from_secs(60));
    assert_eq!(app.api_as(&s, "goals", ""), access());
    // The API token never expires.
    assert_eq!(app.api("goals", "")["status"], "ok");
}

#[test]
fn last_used_moves_without_a_write_on_every_call() {
    let (app, clock) = manual_app();
    let password = admin_password(&app);
    let s = session(&app, "admin", &password);
    let last_used = || -> i64 {
        settle(&app);
        app.db()
            .query_row("SELECT max(last_used) FROM sessions", [], |r| r.get(0))
            .unwrap()
    };
    let first = last_used();
    clock.advance(Duration::from_secs(60));
    assert_eq!(app.api_as(&s, "goals", "")["status"], "ok");
    assert_eq!(last_used(), first, "a minute later nothing is written");
    clock.advance(Duration::from_secs(600));
    assert_eq!(app.api_as(&s, "goals", "")["status"], "ok");
    assert_eq!(last_used(), first + 660);
    let listed = app.api_as(&s, "sessions", "");
    assert_eq!(listed["sessions"][0]["last_used"], first + 660, "{listed}");
}

#[test]
fn sessions_are_listed_and_end_by_delete_and_by_logout() {
    let app = spawn_app();
    let password = admin_password(&app);
    let (a, b) = (
        session(&app, "admin", &password),
        session(&app, "admin", &password),
    );
    let list = app.api_as(&a, "sessions", "");
    let rows = list["sessions"].as_array().expect("sessions").clone();
    assert_eq!(rows.len(), 2, "{list}");
    let current: Vec<&Value> = rows.iter().filter(|r| r["current"] == true).collect();
    assert_eq!(current.len(), 1, "{list}");
    for r in &rows {
        assert_eq!(r["ip"], "127.0.0.1", "{r}");
        assert!(r["ua"].as_str().unwrap().starts_with("Mozilla/5.0"), "{r}");
        assert!(r["created"].as_i64().unwrap() > 0 && r["last_used"].as_i64().is_some());
    }
    let b_id = rows.iter().find(|r| r["current"] == false).unwrap()["id"].clone();
    // The API token sees them too, none current.
    let by_token = app.api("sessions", "");
    assert!(by_token["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["current"] == false));

    let r = app.api_as(&a, "session-delete", &format!("session={b_id}"));
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api_as(&b, "goals", ""), access());
    assert_eq!(
        app.api_as(&a, "sessions", "")["sessions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let r = app.api_as(&a, "logout", "");
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api_as(&a, "goals", ""), access());
    assert_eq!(app.api("sessions", "")["sessions"], json!([]));
    // The API token lives on.
    assert_eq!(app.api("goals", "")["status"], "ok");
}

#[test]
fn another_users_sessions_cannot_be_listed_or_revoked() {
    let app = spawn_app();
    let bob_token = app.add_user("bob");
    let bob_password = cli_last_line(&app.db, &["user", "password", "bob"]);
    let bob = session(&app, "bob", &bob_password);
    let bob_id = app.api_as(&bob_token, "sessions", "")["sessions"][0]["id"].clone();
    assert!(bob_id.is_i64());
    assert_eq!(app.api("sessions", "")["sessions"], json!([]));
    let r = app.api("session-delete", &format!("session={bob_id}"));
    assert_eq!(r, access());
    assert_eq!(app.api_as(&bob, "goals", "")["status"], "ok");
}

#[test]
fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    // Wrong passwords count for the login throttle: the clock moves past
    // any turn they booked before the next check (login_throttle.rs).
    let (app, clock) = manual_app();
    let later = || clock.advance(Duration::from_secs(10));
    let old = admin_password(&app);
    let (a, b) = (session(&app, "admin", &old), session(&app, "admin", &old));
    let bad = json!({"status": "error", "error": "bad-password", "field": "current_password"});
    let body = |current: Option<&str>| match current {
        Some(c) => json!({"password": "new password 1", "current_password": c}),
        None => json!({"password": "new password 1"}),
    };
    for caller in [&a, &app.token] {
        assert_eq!(app.api_json_as(caller, "profile", &body(None)), bad);
        assert_eq!(
            app.api_json_as(caller, "profile", &body(Some("not it!!"))),
            bad
        );
    }
    // Nothing changed: both sessions live and the old password logs in.
    assert_eq!(app.api_as(&b, "goals", "")["status"], "ok");
    let c = session(&app, "admin", &old);

    let r = app.api_json_as(&a, "profile", &body(Some(&old)));
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(
        app.api_as(&a, "goals", "")["status"],
        "ok",
        "the caller stays in"
    );
    assert_eq!(app.api_as(&b, "goals", ""), access());
    assert_eq!(app.api_as(&c, "goals", ""), access());
    assert_eq!(app.api("goals", "")["status"], "ok", "the API token stays");
    assert_eq!(login(&app, "admin", &old), access());
    later();
    let d = session(&app, "admin", "new password 1");
    // Changed with the API token, every session ends.
    later();
    let r = app.api_json(
        "profile",
        &json!({"password": "new password 2", "current_password": "new password 1"}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(app.api_as(&a, "goals", ""), access());
    assert_eq!(app.api_as(&d, "goals", ""), access());
    later();
    session(&app, "admin", "new password 2");
}
