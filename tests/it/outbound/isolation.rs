//! Other users (docs/API.md postbacks-out.json, postback-retry.json,
//! postback-preview.json): a user never sees another's outgoing
//! postbacks, and retrying or previewing another's answers `access`.
//! tests/it/isolation_matrix.rs holds these endpoints too.
use super::*;
use crate::common::receiver::{Mode, Receiver};

/// Answered `access`, or ok without a row: what a filter naming another
/// user's object may answer.
fn nothing(r: &Value) -> bool {
    r["error"] == "access" || (r["status"] == "ok" && r["postbacks"] == json!([]))
}

#[test]
fn another_users_outgoing_postbacks_are_never_shown_retried_or_previewed() {
    let app = spawn_app();
    let alice = Api::of(&app);
    let bob = alice.user(&app.add_user("bob"));
    let rx = Receiver::start(Mode::Ok);
    let refused = Receiver::start(Mode::Status(400));
    let a_leads = queue(&alice, &rx, "alice", 3);
    let a_bad =
        alice.source(json!({"name": "Refused", "postback_url": refused.url("/no?l={lead}")}));
    alice.flow("alice-bad", a_bad);
    let c = alice.click("/alice-bad");
    let a_failed_lead = alice.pb(&format!("click={c}&status=approve"));
    let b_leads = queue(&bob, &rx, "bob", 2);
    alice.wait_out("", "alice's sent and failed", |r| {
        r.len() == 4 && r.iter().all(|x| x["state"] != "pending")
    });
    bob.wait_out("", "bob's sent", |r| r.len() == 2 && all_in(r, "sent"));
    let before = alice.out("");
    let a_failed = alice.out("state=failed")[0]["id"].as_i64().unwrap();
    let a_source = before[0]["source"].as_i64().unwrap();
    let a_ids: Vec<i64> = before.iter().map(|r| r["id"].as_i64().unwrap()).collect();

    let mine = bob.out("");
    let mut leads: Vec<i64> = mine.iter().map(|r| r["lead"].as_i64().unwrap()).collect();
    leads.sort();
    assert_eq!(leads, b_leads, "{mine:#?}");
    assert!(mine
        .iter()
        .all(|r| !a_ids.contains(&r["id"].as_i64().unwrap())));
    for q in [
        format!("source={a_source}"),
        format!("source={a_bad}"),
        format!("lead={}", a_leads[0]),
        format!("lead={a_failed_lead}"),
        "state=failed".to_string(),
        "state=sent,pending,failed&limit=1000".to_string(),
    ] {
        let r = bob.get("postbacks-out", &q);
        if q.starts_with("state") {
            assert_eq!(
                r["postbacks"].as_array().map(Vec::len),
                Some(if q == "state=failed" { 0 } else { 2 }),
                "{q}: {r}"
            );
        } else {
            assert!(nothing(&r), "{q}: {r}");
        }
    }

    let access = |r: Value| assert_eq!(r["error"], "access", "{r}");
    access(bob.get("postback-retry", &format!("postback={a_failed}")));
    access(bob.get("postback-retry", &format!("postback={}", a_ids[0])));
    access(bob.get("postback-preview", &format!("lead={}", a_leads[0])));
    access(bob.get(
        "postback-preview",
        &format!("lead={}&source={a_source}", b_leads[0]),
    ));
    // Bob's own retry of his sent one is bad-state, not access.
    let b_sent = mine[0]["id"].as_i64().unwrap();
    assert_eq!(
        bob.get("postback-retry", &format!("postback={b_sent}"))["error"],
        "bad-state"
    );
    assert_eq!(alice.out(""), before, "alice's postbacks changed");
    assert_eq!(refused.count(), 1);
}
