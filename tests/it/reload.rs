//! The in-memory configuration the click path reads is rebuilt after
//! every management change. Two users' changes committed at the same
//! moment must both be in it: a flow just created answers its clicks at
//! once, whoever else saved something meanwhile.
use crate::common::*;
use serde_json::json;

#[test]
fn flows_saved_at_the_same_moment_by_several_users_all_answer_at_once() {
    let app = spawn_app();
    let mut tokens = vec![app.token.clone()];
    for name in ["bob", "carol", "dave", "erin", "frank"] {
        tokens.push(app.add_user(name));
    }
    for round in 0..40 {
        let gate = std::sync::Barrier::new(tokens.len());
        std::thread::scope(|s| {
            for (who, token) in tokens.iter().enumerate() {
                let (app, gate) = (&app, &gate);
                s.spawn(move || {
                    let flow = format!("r{round}u{who}");
                    let body = json!({"flow": flow, "ways": [{"url": "https://o.test/"}]});
                    gate.wait();
                    let r = app.api_json_as(token, "flow", &body);
                    assert_eq!(r["status"], "ok", "{r}");
                });
            }
        });
        for who in 0..tokens.len() {
            let r = app.click(&format!("/r{round}u{who}"), &[]);
            assert_eq!(
                r.status, 302,
                "round {round}: flow of user {who} answered {}",
                r.status
            );
        }
    }
}
