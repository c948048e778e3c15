//! The two-step funnel over real HTTP (docs/API.md "Landing pages"): a
//! click on a way to a landing page, then the landing page's link
//! `/lp/{click}` (or `/lp/{click}/{n}`, or `/lp` with the `ftlp` cookie)
//! recording the landing click on the same click, once, and redirecting
//! to the offer; unknown ids, HEAD, a restart and a full queue.
use crate::common::flood;
use crate::common::*;
use crate::landing::sites;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The admin's landing page (site 1) with offers 2 (weight 1) and 3
/// (weight 0, reached only by its place on the page) on flow `fl`.
pub fn funnel(app: &TestApp) {
    sites(app);
    let r = app.api_json(
        "flow",
        &json!({"flow": "fl", "ways": [{"site": 1, "offers": [{"site": 2}, {"site": 3, "weight": 0}]}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
}

/// Clicks `path`; answers the click's id and the answer.
fn click(app: &TestApp, path: &str) -> (String, Resp) {
    let r = app.click(path, &[]);
    assert_eq!(r.status, 302, "{}", r.text());
    let id = app.api("clicks", "limit=1")["clicks"][0]["click"]
        .as_str()
        .unwrap()
        .to_string();
    (id, r)
}

/// The click `id` as clicks.json shows it.
fn shown(app: &TestApp, id: &str) -> Value {
    let r = app.api("clicks", &format!("click={id}"));
    assert_eq!(r["status"], "ok", "{r}");
    r["clicks"][0].clone()
}

fn location(r: &Resp) -> &str {
    assert_eq!(r.status, 302, "{}", r.text());
    r.header("Location").unwrap()
}

fn cookies(r: &Resp) -> Vec<&str> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn lp_rows(app: &TestApp) -> i64 {
    app.db()
        .query_row("SELECT count(*) FROM clicks WHERE lp > 0", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_visitor_goes_from_the_landing_page_to_the_offer_counted_once() {
    let app = spawn_app();
    funnel(&app);
    let (id, r) = click(&app, "/fl?subid=s1");
    let lpclick = format!("http://127.0.0.1:{}/lp/{id}", app.port);
    assert_eq!(
        location(&r),
        format!(
            "https://lp.test/page?go={}&o=2&l=1",
            enc(&lpclick).replace('+', "%20")
        )
    );
    let c = cookies(&r);
    assert!(c.iter().any(|c| c.starts_with("ftv=")), "{c:?}");
    assert!(
        c.contains(&format!("ftlp={id}; Max-Age=86400; Path=/lp; HttpOnly; SameSite=Lax").as_str()),
        "{c:?}"
    );
    let before = shown(&app, &id);
    assert_eq!(
        (before["site"].clone(), before["landing"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        (before["offer"].clone(), before["lpclick"].clone()),
        (json!(2), json!(0))
    );

    // HEAD is answered but is no landing click.
    let head = app.request("HEAD", &format!("/lp/{id}"), &[], b"");
    assert_eq!(head.status, 302);
    assert_eq!(shown(&app, &id)["lpclick"], 0);

    let r = app.click(&format!("/lp/{id}"), &[]);
    assert_eq!(location(&r), format!("https://o1.test/?c={id}&s=s1&o=2"));
    let after = shown(&app, &id);
    assert!(after["lpclick"].as_i64().unwrap() > 0, "{after}");
    assert_eq!(after["offer"], 2);
    // A repeat (even to the second offer) is answered, counted once.
    let r = app.click(&format!("/lp/{id}/2"), &[]);
    assert_eq!(location(&r), format!("https://o2.test/?c={id}&o=3"));
    assert_eq!(shown(&app, &id), after);
    assert_eq!(lp_rows(&app), 1);
    // The same visitor gets the same offer behind the same way.
    let again = app.click("/fl", &[("Cookie", &c[0][..c[0].find(';').unwrap()])]);
    assert!(location(&again).ends_with("&o=2&l=1"));
    // Counted once in the landing-click rollups too: every copy agrees
    // with the click rows.
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    // By flow from the rollups, by offer from the click rows.
    for item in ["flow", "offer"] {
        let r = app.api("stats", &format!("from={today}&to={today}&item={item}"));
        assert_eq!(r["total"]["lpclick"], 1, "{r}");
    }
    let db = app.stop();
    assert!(cli_last_line(&db, &["store", "verify"]).contains("agree"));
}

#[test]
fn the_second_link_of_a_page_reaches_the_second_offer() {
    let app = spawn_app();
    funnel(&app);
    let (id, _) = click(&app, "/fl");
    // No fourth offer: the plain 404 page (no trafficback), not counted.
    let r = app.click(&format!("/lp/{id}/4"), &[]);
    assert_eq!(r.status, 404);
    assert!(r.text().contains("<h1>Not found</h1>"));
    assert_eq!(shown(&app, &id)["lpclick"], 0);
    let r = app.click(&format!("/lp/{id}/2"), &[]);
    assert_eq!(location(&r), format!("https://o2.test/?c={id}&o=3"));
    let c = shown(&app, &id);
    assert_eq!(c["offer"], 3);
    assert!(c["lpclick"].as_i64().unwrap() > 0);
    // Once more, then stats: one click, one landing click.
    assert_eq!(app.click(&format!("/lp/{id}"), &[]).status, 302);
    let stats = app.api("stats", "from=2000-01-01&to=2100-01-01&item=offer");
    let total = &stats["total"];
    assert_eq!(
        (total["click"].clone(), total["lpclick"].clone()),
        (json!(1), json!(1)),
        "{stats}"
    );
    assert_eq!(total["lpctr"], 100.0, "{stats}");
    assert_eq!(stats["stats"]["3"]["lpclick"], 1, "{stats}");
}

#[test]
fn the_cookie_names_the_click_when_the_link_cannot() {
    let app = spawn_app();
    funnel(&app);
    let (id, _) = click(&app, "/fl");
    let cookie = format!("other=1; ftlp={id}");
    let with = [("Cookie", cookie.as_str())];
    assert_eq!(app.click("/lp", &[]).status, 404);
    assert_eq!(app.click("/lp/2", &[]).status, 404);
    let r = app.click("/lp/2", &with);
    assert_eq!(location(&r), format!("https://o2.test/?c={id}&o=3"));
    let r = app.click("/lp", &with);
    assert_eq!(location(&r), format!("https://o1.test/?c={id}&s=&o=2"));
    assert_eq!(shown(&app, &id)["offer"], 3);
    assert_eq!(lp_rows(&app), 1);
}

#[test]
fn unknown_ids_get_the_404_page_and_known_clicks_the_trafficback() {
    let app = spawn_app();
    funnel(&app);
    let (id, _) = click(&app, "/fl");
    // A plain flow's click is known but has no landing page.
    app.flow_with_urls("plain", &["https://plain.test/"]);
    let (plain, _) = click(&app, "/plain");
    let mut forged = id.clone();
    forged.replace_range(20.., if id.ends_with("AA") { "BA" } else { "AA" });
    for path in [
        "/lp/nope".to_string(),
        "/lp/x/1".into(),
        format!("/lp/{forged}"),
        format!("/lp/{id}/0"),
        format!("/lp/{id}/x"),
        format!("/lp/{id}/1/2"),
        format!("/lp/{plain}"),
    ] {
        let r = app.click(&path, &[]);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert!(r.text().contains("<h1>Not found</h1>"), "{path}");
    }
    assert_eq!(lp_rows(&app), 0);
    // The way is gone (archived): the flow's trafficback, with macros.
    let r = app.api_json(
        "flow",
        &json!({"flow": "fl", "trafficback": "https://tb.test/?c={click}", "ways": [{"site": 2}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let r = app.click(&format!("/lp/{id}"), &[]);
    assert_eq!(location(&r), format!("https://tb.test/?c={id}"));
    assert_eq!(lp_rows(&app), 0);
}

#[test]
fn after_a_restart_the_click_is_read_from_the_database() {
    let app = spawn_app();
    funnel(&app);
    let (id, _) = click(&app, "/fl?subid=s9");
    let (counted, _) = click(&app, "/fl");
    assert_eq!(app.click(&format!("/lp/{counted}"), &[]).status, 302);
    let app = restart(app.stop());
    let r = app.click(&format!("/lp/{id}"), &[]);
    assert_eq!(location(&r), format!("https://o1.test/?c={id}&s=s9&o=2"));
    let first = shown(&app, &id);
    assert!(first["lpclick"].as_i64().unwrap() > 0);
    assert_eq!(app.click(&format!("/lp/{id}/2"), &[]).status, 302);
    assert_eq!(app.click(&format!("/lp/{counted}/2"), &[]).status, 302);
    assert_eq!(shown(&app, &id), first);
    assert_eq!(shown(&app, &counted)["offer"], 2);
    assert_eq!(lp_rows(&app), 2);
}

#[test]
fn a_full_queue_answers_busy_and_the_landing_click_counts_later() {
    let app = spawn_with(|c| c.click_queue_kib = Some(128));
    funnel(&app);
    app.flow_with_urls("filler", &["https://filler.test/"]);
    let (id, _) = click(&app, "/fl");
    // Another connection holds the write lock: the writer stalls and the
    // queue fills with clicks.
    let lock = app.db();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let clicks = flood::Flood::start(app.port, "/filler", 2, 200_000, Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(60);
    while clicks.sent() < 3_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = clicks.stop();
    assert!(t.refused > 0, "the queue is full: {t:?}");
    let r = app.click(&format!("/lp/{id}"), &[]);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("Retry-After"), Some("1"));
    lock.execute_batch("ROLLBACK").unwrap();
    // Once the writer has room, the same link counts.
    let deadline = Instant::now() + Duration::from_secs(60);
    let r = loop {
        let r = app.click(&format!("/lp/{id}"), &[]);
        if r.status != 503 || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(location(&r), format!("https://o1.test/?c={id}&s=&o=2"));
    assert!(shown(&app, &id)["lpclick"].as_i64().unwrap() > 0);
    assert_eq!(lp_rows(&app), 1);
}

/// A flow named `lp`, made before the name was kept for landing clicks,
/// keeps its link `/lp`; `/lp/{click}` links still reach their offers.
#[test]
fn a_flow_named_lp_from_before_keeps_its_link() {
    let app = spawn_app();
    funnel(&app);
    let (id, _) = click(&app, "/fl");
    assert_eq!(
        app.api_json(
            "flow",
            &json!({"flow": "lp", "ways": [{"url": "https://x.test/"}]})
        )["error"],
        "bad-flow"
    );
    let db = app.stop();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "INSERT INTO flows (id, user_id, name, created) VALUES ('lp', 1, 'old', 0);
         INSERT INTO ways (user_id, flow_id, url) VALUES (1, 'lp', 'https://old.test/?c={click}');",
    )
    .unwrap();
    drop(conn);
    let app = restart(db);
    let r = app.click("/lp", &[]);
    assert_eq!(r.status, 302);
    assert!(
        location(&r).starts_with("https://old.test/?c="),
        "{}",
        location(&r)
    );
    let r = app.click(&format!("/lp/{id}"), &[]);
    assert_eq!(location(&r), format!("https://o1.test/?c={id}&s=&o=2"));
}
