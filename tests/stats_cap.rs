//! stats.json over an item with more values than one answer holds (ip,
//! subid over months): the groups with the most clicks, `truncated`, and a
//! total that still counts every click (src/stats/mod.rs MAX_GROUPS).
mod common;
#[path = "common/fixtures.rs"]
mod fixtures;
use common::*;
use fixtures::{insert_clicks, utc, Click};

#[test]
fn an_item_with_too_many_values_keeps_the_busiest_groups_and_the_whole_total() {
    let app = spawn_app();
    app.flow_with_urls("cap", &["https://cap.test/"]);
    let db = app.stop();
    let subids: Vec<String> = (0..10_050).map(|i| format!("s{i}")).collect();
    let names: Vec<&'static str> = subids
        .iter()
        .map(|s| &*Box::leak(s.clone().into_boxed_str()))
        .collect();
    let mut clicks: Vec<Click> = names
        .iter()
        .map(|s| Click {
            t: utc("2024-05-10 12:00"),
            flow: "cap",
            subid: s,
            ..Click::default()
        })
        .collect();
    for _ in 0..5 {
        clicks.push(Click {
            t: utc("2024-05-10 13:00"),
            flow: "cap",
            subid: "busiest",
            ..Click::default()
        });
    }
    insert_clicks(&db, &clicks);
    let app = restart(db);
    let r = app.api("stats", "from=2024-05-10&to=2024-05-10&item=subid");
    assert_eq!(r["status"], "ok");
    assert_eq!(r["truncated"], true);
    let stats = r["stats"].as_object().unwrap();
    assert_eq!(stats.len(), 10_000);
    assert_eq!(stats.keys().next().unwrap(), "busiest");
    assert_eq!(stats["busiest"]["click"], 5);
    assert_eq!(r["total"]["click"], 10_055);
    // Items within the limit are whole and not marked.
    let r = app.api("stats", "from=2024-05-10&to=2024-05-10&item=flow");
    assert!(r.get("truncated").is_none(), "{r}");
    assert_eq!(r["total"]["click"], 10_055);
}
