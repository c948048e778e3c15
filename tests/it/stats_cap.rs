//! stats.json over an item with more values than one answer holds (ip,
//! subid over months): the groups with the most clicks, `truncated`, and a
//! total that still counts every click (src/stats/mod.rs MAX_GROUPS).
use crate::common::fixtures;
use crate::common::*;
use fixtures::{insert_clicks, utc, Click};

#[test]
fn an_item_with_too_many_values_keeps_the_busiest_groups_and_the_whole_total() {
    let app = spawn_app();
    app.flow_with_urls("cap", &["https://cap.test/"]);
    let db = app.stop();
    let leak = |s: String| &*Box::leak(s.into_boxed_str());
    let mut clicks: Vec<Click> = (0..10_050)
        .map(|i| Click {
            t: utc("2024-05-10 12:00"),
            flow: "cap",
            subid: leak(format!("s{i}")),
            ip: leak(format!("10.{}.{}.1", i / 256, i % 256)),
            ..Click::default()
        })
        .collect();
    for i in 0..5 {
        clicks.push(Click {
            t: utc("2024-05-10 13:00"),
            flow: "cap",
            subid: "busiest",
            ip: "9.9.9.9",
            // Three of them went on from a landing page.
            landing: 5,
            lp: if i < 3 { utc("2024-05-10 13:05") } else { 0 },
            ..Click::default()
        });
    }
    // A lead of a kept group and one of a group the answer leaves out
    // (one click, the greatest value: ties go by value); the groups left
    // out have a landing click too.
    let last = |f: fn(&Click) -> &str| (0..10_050).max_by_key(|&i| f(&clicks[i])).unwrap();
    let cut = [last(|c| c.subid), last(|c| c.ip)];
    for i in cut {
        clicks[i].landing = 5;
        clicks[i].lp = utc("2024-05-10 12:30");
    }
    let landing_clicks = 3 + if cut[0] == cut[1] { 1 } else { 2 };
    let ids = insert_clicks(&db, &clicks);
    let app = restart(db);
    // Leads count at their own time: now.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let period = format!(
        "ufrom={}&uto={}",
        utc("2024-05-10 00:00"),
        now.unwrap().as_secs() + 60
    );
    for i in [10_050, cut[0], cut[1]] {
        let r = app.api(
            "postback",
            &format!("click={}&status=approve&price=7", ids[i]),
        );
        assert_eq!(r["status"], "ok", "{r}");
    }
    for (item, busiest, cut) in [
        ("subid", "busiest", clicks[cut[0]].subid),
        ("ip", "9.9.9.9", clicks[cut[1]].ip),
    ] {
        let r = app.api("stats", &format!("{period}&item={item}"));
        assert_eq!(r["status"], "ok");
        assert_eq!(r["truncated"], true);
        let stats = r["stats"].as_object().unwrap();
        assert_eq!(stats.len(), 10_000);
        assert_eq!(stats.keys().next().unwrap(), busiest);
        assert_eq!(stats[busiest]["click"], 5);
        assert_eq!(
            (&stats[busiest]["total"], &stats[busiest]["ma"]),
            (&1.into(), &7.0.into())
        );
        // Landing clicks are counted for the kept groups and the total
        // alike (the rows read for a cut answer skip the other groups).
        assert_eq!(stats[busiest]["lpclick"], 3, "{item}");
        assert!(!stats.contains_key(cut), "{item} {cut}");
        assert_eq!(r["total"]["click"], 10_055);
        assert_eq!(r["total"]["lpclick"], landing_clicks, "{item}");
        assert_eq!(
            (&r["total"]["total"], &r["total"]["ma"]),
            (&3.into(), &21.0.into())
        );
    }
    // Items within the limit are whole and not marked.
    let r = app.api("stats", "from=2024-05-10&to=2024-05-10&item=flow");
    assert!(r.get("truncated").is_none(), "{r}");
    assert_eq!(r["total"]["click"], 10_055);
}
