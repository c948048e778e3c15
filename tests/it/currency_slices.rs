//! A change of base currency over many priced clicks (README "Storage"):
//! the writer converts the prices a slice at a time, and once the call
//! has answered every price, rollup and lead value was converted exactly
//! once, whichever slice did it, while clicks kept coming.
use crate::common::fixtures;
use crate::common::flood;
use crate::common::*;
use fixtures::*;
use serde_json::json;
use std::time::Duration;

const CLICKS: usize = 120_000;

#[test]
fn a_currency_change_over_many_slices_converts_every_price_once() {
    let app = spawn_app();
    app.flow_with_urls("live", &["https://offer.test/?c={click}"]);
    let db = app.stop();
    let start = utc("2024-05-01 00:00");
    let clicks: Vec<Click> = (0..CLICKS)
        .map(|i| Click {
            t: start + (i as i64) * 20,
            flow: ["fa", "fb"][i % 2],
            geo: ["de", "fr", "us"][i % 3],
            subid: ["s1", "s2"][i % 2],
            ..Click::default()
        })
        .collect();
    let ids = insert_clicks(&db, &clicks);
    let app = restart(db.clone());
    let r = app.api_json("rates", &json!({"rates": {"usd": 1, "eur": 0.5}}));
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.api("spend", "flow=fa,fb&cpc=0.03");
    assert_eq!(r["clicks"], CLICKS as i64, "{r}");
    let r = app.api(
        "postback",
        &format!("click={}&status=approve&price=10", ids[7]),
    );
    assert_eq!(r["status"], "ok", "{r}");

    // Clicks keep coming while the prices are converted.
    let flood = flood::Flood::start(app.port, "/live", 2, u64::MAX, Duration::from_secs(5));
    let r = app.api("profile", "currency=eur");
    assert_eq!(r["currency"], "eur", "{r}");
    let tally = flood.stop();
    assert!(
        tally.other.is_empty(),
        "{:?}",
        &tally.other[..tally.other.len().min(5)]
    );

    let want = 0.03 * 0.5 * CLICKS as f64;
    let near = |a: f64| (a - want).abs() < 1e-9 * want;
    let q = "from=2024-05-01&to=2024-05-31";
    for item in ["flow", "geo", "subid"] {
        let r = app.api("stats", &format!("{q}&item={item}"));
        let spend = r["total"]["spend"].as_f64().unwrap();
        assert!(near(spend), "item {item}: spend {spend}, want {want}");
    }
    let conn = app.db();
    let (priced, sum): (i64, f64) = conn
        .query_row("SELECT count(*), SUM(cost) FROM click_cost", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(priced, CLICKS as i64);
    assert!(near(sum), "click_cost {sum}");
    // The lead's value is in eur too.
    let base: f64 = conn
        .query_row("SELECT base FROM leads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(base, 5.0);
    let left: i64 = conn
        .query_row("SELECT count(*) FROM rescale_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    drop((app, conn));
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
