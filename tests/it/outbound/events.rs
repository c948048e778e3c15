//! Which lead changes send (docs/API.md "Outbound postbacks", "When a send
//! is queued"): only the stages and goals a source selects, once per lead,
//! stage and source, with that key in `Idempotency-Key`; never a flow lead
//! or a source without a URL. The outbox row is written in the lead's own
//! transaction, so postbacks-out.json shows it as soon as postback.json
//! has answered. postback-preview.json renders the same decision.
use super::*;
use crate::common::receiver::{Call, Mode, Receiver};

#[test]
fn only_the_selected_stages_and_goals_send_and_flow_leads_never() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    // Default stages: approve alone.
    let plain = api.source(json!({"name": "Plain", "postback_url": rx.url("/plain?l={lead}")}));
    let goals = api.source(
        json!({"name": "Goals", "postback_url": rx.url("/goals?l={lead}&g={goal}"),
        "postback_stages": ["hold", "approve"], "postback_goals": ["dep", "reg"]}),
    );
    let silent = api.source(json!({"name": "Silent", "postback_stages": ["new", "approve"]}));
    api.flow("plain", plain);
    api.flow("goals", goals);
    api.flow("silent", silent);

    let c = api.click("/plain");
    let lead = api.pb(&format!("click={c}"));
    api.pb(&format!("click={c}&status=pending"));
    api.pb(&format!("click={c}&status=cancel"));
    assert_eq!(
        api.out(""),
        Vec::<Value>::new(),
        "new, hold, cancel send nothing"
    );
    api.pb(&format!("click={c}&status=approve"));
    let rows = api.out("");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (&rows[0]["lead"], &rows[0]["source"], &rows[0]["stage"]),
        (&json!(lead), &json!(plain), &json!("approve"))
    );

    // Goals: the default goal `lead` is not selected; dep and reg are, at
    // hold and approve only.
    let c = api.click("/goals");
    let other = api.pb(&format!("click={c}&status=approve"));
    let dep = api.pb(&format!("click={c}&goal=dep&status=pending&uid=d1"));
    let reg = api.pb(&format!("click={c}&goal=reg&uid=r1"));
    api.pb(&format!("click={c}&uid=r1&status=approve"));
    api.pb(&format!("click={c}&uid=r1&status=trash"));
    let sent = |lead: i64| api.out(&format!("lead={lead}"));
    assert_eq!(sent(other), Vec::<Value>::new());
    let stages =
        |lead: i64| -> Vec<Value> { sent(lead).iter().map(|r| r["stage"].clone()).collect() };
    assert_eq!(stages(dep), vec![json!("hold")]);
    assert_eq!(stages(reg), vec![json!("approve")]);

    // A source without a URL, and a flow lead (no click, no source).
    let c = api.click("/silent");
    api.pb(&format!("click={c}&status=approve"));
    api.pb("flow=plain&subid=f1&status=approve");
    api.pb("flow=goals&subid=f2&goal=dep&status=approve");
    let rows = api.out("");
    assert_eq!(rows.len(), 3, "{rows:#?}");

    // What was queued is what arrives: one call each.
    let calls = rx.wait_calls(3, LONG);
    let mut paths: Vec<&str> = calls.iter().map(|c| c.path()).collect();
    paths.sort();
    assert_eq!(paths, ["/goals", "/goals", "/plain"]);
    api.wait_out("", "every row sent", |r| all_in(r, "sent"));
    assert_eq!(rx.count(), 3);
}

#[test]
fn a_lead_coming_back_to_a_stage_is_sent_once_under_its_idempotency_key() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    let s = api.source(
        json!({"name": "Once", "postback_url": rx.url("/once?stage={stage}"),
        "postback_stages": ["approve", "cancel"]}),
    );
    api.flow("once", s);
    let c = api.click("/once");
    let lead = api.pb(&format!("click={c}&status=approve&price=5"));
    // The first send is done before the lead comes back.
    rx.wait_calls(1, LONG);
    api.pb(&format!("click={c}&status=cancel"));
    api.pb(&format!("click={c}&status=approve"));
    api.pb(&format!("click={c}&status=approve&price=6"));
    let rows = api.out(&format!("lead={lead}"));
    let mut stages: Vec<&str> = rows.iter().map(|r| r["stage"].as_str().unwrap()).collect();
    stages.sort();
    assert_eq!(stages, ["approve", "cancel"], "{rows:#?}");
    let calls = rx.wait_calls(2, LONG);
    api.wait_out(&format!("lead={lead}"), "both sent", |r| all_in(r, "sent"));
    assert_eq!(rx.count(), 2);
    for (stage, call) in [("approve", &calls[0]), ("cancel", &calls[1])] {
        assert_eq!(call.param("stage").as_deref(), Some(stage));
        assert_eq!(call.key(), format!("{lead}-{stage}-{s}"), "{call:#?}");
    }
}

#[test]
fn the_same_postback_arriving_many_times_at_once_queues_one_send() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    let s = api.source(json!({"name": "Dup", "postback_url": rx.url("/dup?l={lead}")}));
    api.flow("dup", s);
    let c = api.click("/dup");
    let query = format!("click={c}&status=approve&uid=o-1&price=9");
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| api.get("postback", &query)))
            .collect();
        calls.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let created = answers.iter().filter(|a| a["create"] == true).count();
    assert_eq!(created, 1, "{answers:#?}");
    let rows = api.wait_out("", "one send, sent", |r| r.len() == 1 && all_in(r, "sent"));
    assert_eq!(rows[0]["stage"], "approve");
    assert_eq!(rx.count(), 1);
}

#[test]
fn every_event_of_busy_users_is_sent_exactly_once() {
    // Sends finish while the sender looks for more that are due: a row
    // just sent must not be handed out again from a look that began
    // before its attempt was recorded. Four users keep 16 sends going.
    const N: usize = 300;
    let app = spawn_app();
    let admin = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    // Set up one after another, then every user's postbacks at once.
    let users: Vec<(Api, String)> = (0..4)
        .map(|n| {
            let u = match n {
                0 => admin.clone(),
                _ => admin.user(&app.add_user(&format!("busy{n}"))),
            };
            let s = u.source(json!({"name": "Busy", "postback_url": rx.url("/k?l={lead}")}));
            u.flow(&format!("busy{n}"), s);
            let c = u.click(&format!("/busy{n}"));
            (u, c)
        })
        .collect();
    let mut leads: Vec<i64> = std::thread::scope(|scope| {
        let queued: Vec<_> = users
            .iter()
            .map(|(u, c)| {
                scope.spawn(move || {
                    (0..N)
                        .map(|i| u.pb(&format!("click={c}&status=approve&uid=u{i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        queued.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    for (u, _) in &users {
        u.wait_out("limit=1000", "every event sent", |r| {
            r.len() == N && all_in(r, "sent")
        });
    }
    let calls = rx.calls();
    let sent = per_lead(&calls, |_| true);
    let twice: Vec<(&i64, &usize)> = sent.iter().filter(|(_, n)| **n > 1).collect();
    let again: Vec<String> = calls
        .iter()
        .filter(|c| {
            twice
                .iter()
                .any(|(l, _)| c.param("l") == Some(l.to_string()))
        })
        .map(Call::describe)
        .collect();
    assert!(twice.is_empty(), "sent more than once: {again:#?}");
    leads.sort();
    assert_eq!(sent.into_keys().collect::<Vec<_>>(), leads);
}

#[test]
fn preview_renders_a_template_for_a_lead_and_says_why_it_would_not_send() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    let s = api.source(json!({"name": "P", "click_param": "cid",
        "postback_url": rx.url("/pb?c={clickid}&p={payout}&s={status}"),
        "postback_words": {"approve": "sale"}}));
    let bare = api.source(json!({"name": "Bare"}));
    api.flow("pv", s);
    api.flow("bare", bare);
    let c = api.click("/pv?cid=X%201");
    let lead = api.pb(&format!("click={c}&status=approve&price=4&goal=dep"));
    let preview = |q: &str| api.get("postback-preview", &format!("lead={lead}&{q}"));
    let r = preview(&format!("source={s}"));
    assert_eq!(
        r,
        json!({"status": "ok", "send": true, "why": "", "method": "get",
               "url": rx.url("/pb?c=X%201&p=4&s=sale"), "body": "", "type": ""}),
        "{r}"
    );
    // Another stage than the lead's, and overrides of the saved template.
    let r = preview(&format!("source={s}&stage=hold"));
    assert_eq!(
        (&r["send"], &r["why"]),
        (&json!(false), &json!("stage")),
        "{r}"
    );
    let r = preview(&format!("source={s}&postback_goals=reg"));
    assert_eq!(
        (&r["send"], &r["why"]),
        (&json!(false), &json!("goal")),
        "{r}"
    );
    let r = preview(&format!(
        "source={s}&postback_method=post&postback_body={}",
        enc(r#"{"u":"{uid}","g":"{goal}"}"#)
    ));
    assert_eq!(
        (&r["send"], &r["method"], &r["body"]),
        (
            &json!(true),
            &json!("post"),
            &json!(r#"{"u":"","g":"dep"}"#)
        ),
        "{r}"
    );
    let r = preview(&format!("source={bare}"));
    assert_eq!(
        (&r["send"], &r["why"]),
        (&json!(false), &json!("no-url")),
        "{r}"
    );
    // A template given in full, no source.
    let r = preview(&format!("postback_url={}", enc("https://x.test/?l={lead}")));
    assert_eq!(r["url"], format!("https://x.test/?l={lead}"), "{r}");
    // Previews queue nothing: the lead's own approve is the one row.
    assert_eq!(api.out("").len(), 1);
    let r = api.get("postback-preview", "lead=999999");
    assert_eq!(
        (&r["error"], &r["field"]),
        (&json!("bad-lead"), &json!("lead")),
        "{r}"
    );
    let r = api.get("postback-preview", &format!("source={s}"));
    assert_eq!(r["error"], "bad-lead", "{r}");
}
