//! Spends during a click flood (README "Storage"): spend.json writes on
//! the one writer thread, a slice at a time between batches of clicks,
//! so parallel spends over many clicks never stall the click path or
//! `/health`, nor postbacks, none of them fails because clicks are
//! flowing, and the prices and rollups add up afterwards.
use crate::common::fixtures;
use crate::common::flood;
use crate::common::*;
use fixtures::*;
use serde_json::Value;
use std::time::Duration;

/// Clicks of each of the four spent flows.
const PER_FLOW: usize = 250_000;

/// `PER_FLOW` clicks of flow `f{k}` on 2024-05-1{k}, a few a second,
/// subid `s{k}`, half of them in country `de`.
fn flow_clicks(k: usize) -> Vec<Click> {
    let flows = ["f0", "f1", "f2", "f3"];
    let subids = ["s0", "s1", "s2", "s3"];
    let start = utc(&format!("2024-05-1{k} 00:00"));
    (0..PER_FLOW)
        .map(|i| Click {
            t: start + (i as i64) * 86_000 / PER_FLOW as i64,
            flow: flows[k],
            way: 1 + (i % 3) as i64,
            geo: if i % 2 == 0 { "de" } else { "us" },
            subid: subids[k],
            utm: ["fb", "c", "n", "t", "cpc"],
            ..Click::default()
        })
        .collect()
}

/// The spend of each flow and the total, from the rollups (item flow)
/// and from the click columns (item subid), which must agree.
fn spend(app: &TestApp) -> (Vec<f64>, f64) {
    let q = "from=2024-05-01&to=2024-05-31";
    let by_flow = app.api("stats", &format!("{q}&item=flow"));
    let by_subid = app.api("stats", &format!("{q}&item=subid"));
    let flows = (0..4)
        .map(|k| {
            by_flow["stats"][format!("f{k}")]["spend"]
                .as_f64()
                .unwrap_or(0.0)
        })
        .collect();
    let total = by_flow["total"]["spend"].as_f64().unwrap();
    let columns = by_subid["total"]["spend"].as_f64().unwrap();
    assert!(
        (total - columns).abs() < 1e-6 * total.abs().max(1.0),
        "{by_flow} {by_subid}"
    );
    (flows, total)
}

#[test]
fn parallel_spends_during_a_click_flood_all_answer_and_add_up() {
    let app = spawn_app();
    app.flow_with_urls("live", &["https://offer.test/?c={click}"]);
    let db = app.stop();
    for k in 0..4 {
        insert_clicks(&db, &flow_clicks(k));
    }
    let app = restart(db.clone());

    let health = flood::Prober::start(app.port, Duration::from_secs(1));
    let clicks = flood::Flood::start(app.port, "/live", 3, u64::MAX, Duration::from_secs(2));
    // Let the flood reach its pace before the spends start.
    while clicks.sent() < 2_000 {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Each over every click, as a spread `cost` or a `cpc`, on
    // conditions the wide rollup holds and one it lacks (subid): all set
    // the same price, so the outcome does not depend on their order.
    let queries = [
        "from=2024-05-01&to=2024-05-31&cpc=0.01",
        "flow=f0,f1,f2,f3&cost=10000",
        "subid=s0,s1,s2,s3&cpc=0.01",
        "geo=de,us&from=2024-05-01&to=2024-05-31&cost=10000",
    ];
    let spends: Vec<_> = queries
        .iter()
        .map(|q| {
            let (port, token, q) = (app.port, app.token.clone(), q.to_string());
            std::thread::spawn(move || {
                let path = format!("/api/tracker/spend.json?id={token}&{q}");
                let started = std::time::Instant::now();
                let r = flood::get_json(port, &path, Duration::from_secs(300));
                eprintln!("{q}: {:?}", started.elapsed());
                (q, r.expect("spend answered"))
            })
        })
        .collect();
    // Postbacks one after another while the spends run: each answers
    // (the writer takes it within its 5 s) and is stored.
    let (port, token) = (app.port, app.token.clone());
    let postbacks = std::thread::spawn(move || {
        (0..40)
            .map(|i| {
                std::thread::sleep(Duration::from_millis(100));
                let path = format!(
                    "/api/tracker/postback.json?id={token}&flow=live&subid=p{i}&status=approve&price=1"
                );
                flood::get_json(port, &path, Duration::from_secs(30)).map_err(|e| e.to_string())
            })
            .collect::<Vec<_>>()
    });
    let answers: Vec<(String, Value)> = spends.into_iter().map(|s| s.join().unwrap()).collect();
    let postbacks = postbacks.join().unwrap();
    // A little more flood after the last spend answered.
    let more = clicks.sent() + 2_000;
    while clicks.sent() < more {
        std::thread::sleep(Duration::from_millis(10));
    }
    let tally = clicks.stop();
    let (failures, probes) = health.stop();

    for (q, a) in &answers {
        assert_eq!(a["status"], "ok", "{q}: {a}");
        assert_eq!(a["clicks"], 4 * PER_FLOW as i64, "{q}: {a}");
    }
    for p in &postbacks {
        assert!(
            p.as_ref().is_ok_and(|v| v["status"] == "ok"),
            "every postback answers ok: {p:?}"
        );
    }
    assert!(
        tally.other.is_empty() && tally.refused == 0,
        "every click answers 302: {} redirects, {} refused, other {:?}",
        tally.redirects,
        tally.refused,
        &tally.other[..tally.other.len().min(5)]
    );
    assert!(
        failures.is_empty(),
        "/health answers throughout: {} of {probes} probes failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );

    let near = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
    let (flows, total) = spend(&app);
    for (k, got) in flows.iter().enumerate() {
        assert!(near(*got, 0.01 * PER_FLOW as f64), "flow f{k}: spend {got}");
    }
    assert!(near(total, 10_000.0), "total {total}");
    let (priced, sum): (i64, f64) = app
        .db()
        .query_row("SELECT count(*), SUM(cost) FROM click_cost", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(priced, 4 * PER_FLOW as i64);
    assert!(near(sum, 10_000.0), "click_cost {sum}");
    // Every redirected click is stored, besides the spent ones.
    let stored: i64 = app
        .db()
        .query_row("SELECT count(*) FROM clicks WHERE flow = 'live'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored as u64, tally.redirects);
    let leads: i64 = app
        .db()
        .query_row("SELECT count(*) FROM leads WHERE flow = 'live'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(leads, 40);
    // The database outlived the first app (`stop`): a few hundred MB.
    drop(app);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
