//! The visitor memory behind uniqueness (src/clicks/uniqueness.rs) is
//! kept per user: another user's traffic never makes a visitor unique
//! again within its window, at the click path and after a restart's
//! refill; a user's own traffic past its budget does (docs/ARCHITECTURE.md, Uniqueness).
//! Tests shrink the budget (`visitor_shard_cap`) rather than send a
//! million clicks. The last test measures what the memory costs.
use crate::common::*;
use flowtrack::clicks::uniqueness::{cookie_key, Visitors, SHARD_CAP};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Keys per user, shard and generation in these tests: the old shared
/// memory held 16 shards × 2 generations × 4 = 128 keys for everyone.
const CAP: usize = 4;
/// New visitors a flood sends, two keys each: six times that old capacity.
const FLOOD: usize = 400;

fn small() -> TestApp {
    spawn_with(|c| c.visitor_shard_cap = CAP)
}

fn unique_of_last_click(app: &TestApp, token: &str) -> bool {
    let c = app.api_as(token, "clicks", "limit=1")["clicks"][0].clone();
    c["unique"].as_bool().expect("a click")
}

/// The `ftv=...` pair of a first visit's Set-Cookie.
fn first_visit(app: &TestApp, path: &str) -> String {
    let r = app.click(path, &[]);
    assert_eq!(r.status, 302, "{}", r.text());
    let set = r.header("set-cookie").expect("a visitor cookie");
    set.split(';').next().unwrap().to_string()
}

/// `n` new visitors on `path`: no cookie, each its own User-Agent.
fn flood(app: &TestApp, path: &str, tag: &str) {
    for i in 0..FLOOD {
        let ua = format!("{CHROME_UA} {tag}{i}");
        assert_eq!(
            app.request("GET", path, &[("User-Agent", &ua)], b"").status,
            302
        );
    }
}

fn flow_as(app: &TestApp, token: &str, flow: &str) {
    let r = app.api_json_as(
        token,
        "flow",
        &json!({"flow": flow, "ways": [{"url": "https://t.test/"}]}),
    );
    assert_eq!(r["status"], "ok", "{r}");
}

#[test]
fn another_users_flood_does_not_make_a_visitor_unique_again() {
    let app = small();
    let bob = app.add_user("bob");
    flow_as(&app, &app.token, "ta");
    flow_as(&app, &bob, "tb");
    let cookie = first_visit(&app, "/ta");
    assert!(unique_of_last_click(&app, &app.token));
    flood(&app, "/tb", "b");
    app.click("/ta", &[("Cookie", &cookie)]);
    assert!(
        !unique_of_last_click(&app, &app.token),
        "bob's visitors pushed admin's visitor out of the memory"
    );
    // Without the cookie, by IP + User-Agent, too.
    app.click("/ta", &[]);
    assert!(!unique_of_last_click(&app, &app.token));
    // The user's own flood past its budget does forget it: the test's
    // flood is bigger than the memory.
    flood(&app, "/ta", "a");
    app.click("/ta", &[("Cookie", &cookie)]);
    assert!(unique_of_last_click(&app, &app.token));
}

#[test]
fn a_restart_refills_each_user_with_their_own_newest_visitors() {
    let app = small();
    let bob = app.add_user("bob");
    flow_as(&app, &app.token, "ra");
    flow_as(&app, &bob, "rb");
    first_visit(&app, "/ra");
    flood(&app, "/rb", "b");
    let db = app.stop();
    let conn = flowtrack::db::open(&db).unwrap();
    let (admin, vid): (i64, i64) = conn
        .query_row(
            "SELECT user_id, vid FROM clicks WHERE flow = 'ra'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // The refill of `flowtrack serve`, with the same budget, read
    // directly (the server's runs beside its first clicks).
    let visitors = Visitors::with_cap(CAP);
    visitors.refill_from(&conn, 24 * 3600).unwrap();
    let now = jiff::Timestamp::now().as_second();
    let seen = visitors.previous(admin, cookie_key("ra", vid as u64), now, 24 * 3600);
    assert!(!seen.unique, "admin's visitor was not refilled");
}

// Bytes allocated by the current thread, to measure the memory. The
// allocator serves every test of this binary (tests/it/main.rs); the
// count is per thread and each test runs on a thread of its own, so what
// other tests allocate meanwhile does not show in it.
thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

struct Counting;

fn count(delta: isize) {
    let _ = LIVE.try_with(|c| c.set(c.get() + delta));
}

// SAFETY: every call goes to the system allocator unchanged; only a
// thread-local counter is updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize));
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        count(size as isize - l.size() as isize);
        System.realloc(p, l, size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Visitors a day for which docs/ARCHITECTURE.md promises exact uniqueness within a
/// 24-hour window: each brings two keys (cookie, IP + User-Agent), spread
/// over 16 shards of SHARD_CAP keys a generation; 220,000 leave 7
/// standard deviations to the fullest shard.
const EXACT: u64 = 220_000;

#[test]
fn the_memory_of_one_user_at_its_budget_and_what_it_costs() {
    let window = 24 * 3600;
    let before = LIVE.with(Cell::get);
    let v = Visitors::with_cap(SHARD_CAP);
    let keys = |i: u64| {
        [
            cookie_key("mem", i),
            flowtrack::clicks::uniqueness::ip_ua_key("mem", &format!("10.{i}"), CHROME_UA),
        ]
    };
    for i in 0..EXACT {
        v.remember(1, &keys(i), 1_000 + i as i64 / 4, 1, true);
    }
    let exact = LIVE.with(Cell::get) - before;
    let now = 1_000 + EXACT as i64 / 4;
    for i in 0..EXACT {
        for k in keys(i) {
            assert!(
                !v.previous(1, k, now, window).unique,
                "visitor {i} forgotten"
            );
        }
    }
    // Past the budget, the memory stays where it is.
    for i in EXACT..4 * EXACT {
        v.remember(1, &keys(i), now, 1, true);
    }
    let full = LIVE.with(Cell::get) - before;
    // Another user's first visitors cost little.
    v.remember(2, &keys(0), now, 1, true);
    let small = LIVE.with(Cell::get) - before - full;
    let mib = |b: isize| b as f64 / (1 << 20) as f64;
    println!(
        "{EXACT} visitors: {:.1} MiB; a user at its budget: {:.1} MiB; a user's first visitor: {small} bytes",
        mib(exact),
        mib(full)
    );
    assert!(mib(full) < 18.0, "{full} bytes");
    assert!(small < 8 * 1024, "{small} bytes");
}
