//! Issue 7 / SPEC 3: malformed requests over every endpoint. Every API
//! answer is HTTP 200 JSON with a status; the click path answers a
//! redirect, a page or a 404; the server never panics; and a request
//! answered with an error wrote nothing. CI runs FLOWTRACK_FUZZ_CASES
//! (default 20000) cases; `FLOWTRACK_FUZZ_CASES=100000` for the long run.
use crate::common::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const FUNCTIONS: &[&str] = &[
    "postback",
    "spend",
    "leads",
    "stats",
    "clicks",
    "sites",
    "site",
    "site-delete",
    "flows",
    "flow",
    "flow-delete",
    "goals",
    "goal",
    "blacklist",
    "profile",
    "login",
    "rates",
    "nope",
];
const PARAMS: &[&str] = &[
    "click",
    "flow",
    "uid",
    "status",
    "goal",
    "price",
    "currency",
    "convert",
    "meta[x]",
    "meta",
    "utm_source",
    "subid",
    "cost",
    "cpc",
    "from",
    "to",
    "ufrom",
    "uto",
    "way",
    "geo",
    "valid",
    "unique",
    "item",
    "offset",
    "limit",
    "site",
    "url",
    "name",
    "ways",
    "trafficback",
    "method",
    "add",
    "remove",
    "timezone",
    "format",
    "filter",
    "os",
    "batch",
    "flow[]",
    "geo[]",
    "stn",
    "sta",
    "user",
    "password",
    "rates",
    "weight",
];
const NASTY: &[&str] = &[
    "",
    "%FF",
    "%C3%28",
    "%",
    "%%",
    "%zz",
    "[]",
    "{}",
    "{\"a\":",
    "null",
    "true",
    "-1",
    "0",
    "1e999",
    "-1e999",
    "NaN",
    "99999999999999999999999",
    "1.5",
    "abc",
    "%00",
    "%0D%0AX:%20y",
    "<script>",
    "javascript:alert(1)",
    "http://",
    "https://x.test/{click}",
    "de,fr,",
    ",,,",
    "2024-02-30",
    "2024-13-01",
    "1700000000",
    "approve",
    "eur",
    "xxx",
    "date",
    "geo",
    "10.0.0.0/33",
    "1.2.3.4",
    "Europe/Berlin",
    "Mars/Base",
    "%E2%9C%93",
    "a%5Bb%5D",
    "csv",
];

fn piece(rng: &mut SmallRng) -> String {
    if rng.random_bool(0.8) {
        NASTY[rng.random_range(0..NASTY.len())].to_string()
    } else {
        (0..rng.random_range(0..40))
            .map(|_| rng.random_range(0x20u8..0x7f) as char)
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

/// Keeps the request line valid HTTP (the framework answers 400 to a raw
/// `<` or `{` before any of our code runs) while leaving `%` alone, so bad
/// percent-encodings and bad UTF-8 still reach the parameter parser.
fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~%!$'()*+,;=:@/?[]&".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn query(rng: &mut SmallRng) -> String {
    (0..rng.random_range(0..6))
        .map(|_| {
            format!(
                "{}={}",
                PARAMS[rng.random_range(0..PARAMS.len())],
                escape(&piece(rng))
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn json_value(rng: &mut SmallRng, depth: u32) -> String {
    match rng.random_range(0..if depth > 2 { 4 } else { 7 }) {
        0 => format!("{:?}", piece(rng)),
        1 => [
            "1e400",
            "-0",
            "123456789012345678901234567890",
            "1.5",
            "true",
            "null",
        ][rng.random_range(0..6)]
        .into(),
        2 => rng.random_range(-5i64..100).to_string(),
        3 => "\"\\ud800\"".into(),
        4 => format!(
            "[{}]",
            (0..rng.random_range(0..4))
                .map(|_| json_value(rng, depth + 1))
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => format!(
            "{{{}}}",
            (0..rng.random_range(0..5))
                .map(|_| format!(
                    "{:?}:{}",
                    PARAMS[rng.random_range(0..PARAMS.len())],
                    json_value(rng, depth + 1)
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn body(rng: &mut SmallRng) -> (Option<&'static str>, Vec<u8>) {
    match rng.random_range(0..6) {
        0 => (None, Vec::new()),
        1 => (Some("application/json"), json_value(rng, 0).into_bytes()),
        2 => {
            let mut b = json_value(rng, 0).into_bytes();
            let cut = rng.random_range(0..=b.len());
            b.truncate(cut);
            (Some("application/json"), b)
        }
        3 => (
            Some("application/x-www-form-urlencoded"),
            query(rng).into_bytes(),
        ),
        4 => (Some("text/plain"), vec![0xff, 0xfe, b'{', 0x00, 0xc3]),
        _ => (
            Some("multipart/form-data; boundary=x"),
            b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--".to_vec(),
        ),
    }
}

/// A cheap picture of everything an API call can change (clicks are
/// excluded: the click path adds them on its own schedule).
fn fingerprint(conn: &rusqlite::Connection) -> String {
    conn.query_row(
        "SELECT (SELECT count(*) || ':' || coalesce(sum(length(name) + length(url) + archived), 0) FROM sites) || '|' ||
                (SELECT count(*) || ':' || coalesce(sum(length(name) + length(geo) + archived + uniq_hours), 0) FROM flows) || '|' ||
                (SELECT count(*) || ':' || coalesce(sum(weight + archived + active), 0) FROM ways) || '|' ||
                (SELECT count(*) FROM goals) || '|' || (SELECT count(*) FROM blacklist) || '|' ||
                (SELECT count(*) || ':' || coalesce(sum(stage), 0) FROM leads) || '|' || (SELECT count(*) FROM lead_stages) || '|' ||
                (SELECT coalesce(sum(cost), 0) FROM click_cost) || '|' ||
                (SELECT group_concat(token_hash || timezone || currency || password) FROM users) || '|' ||
                (SELECT count(*) || ':' || sum(rate) FROM rates)",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn malformed_requests_never_break_the_api_or_write_anything() {
    let cases: usize = std::env::var("FLOWTRACK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("FLOWTRACK_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let app = spawn_app();
    app.flow_with_urls("fz", &["https://fz.test/?c={click}&s={utms}"]);
    let conn = app.db();
    let mut rng = SmallRng::seed_from_u64(seed);
    let (mut ok, mut errors, mut clicks) = (0usize, 0usize, 0usize);
    for case in 0..cases {
        if rng.random_bool(0.1) {
            // The click path with hostile query strings and headers.
            let path = format!(
                "/{}?{}",
                ["fz", "nope", "FZ", "a%2Fb"][rng.random_range(0..4)],
                query(&mut rng)
            );
            let ua = piece(&mut rng);
            let r = app.request(
                "GET",
                &path,
                &[("User-Agent", &ua), ("Accept-Language", &piece(&mut rng))],
                b"",
            );
            assert!(
                matches!(r.status, 200 | 302 | 404),
                "case {case} {path}: {}",
                r.status
            );
            if let Some(loc) = r.header("location") {
                assert!(
                    loc.starts_with("https://fz.test/?c="),
                    "case {case}: redirected to {loc}"
                );
            }
            clicks += 1;
            continue;
        }
        let func = FUNCTIONS[rng.random_range(0..FUNCTIONS.len())];
        let token = match rng.random_range(0..10) {
            0 => String::new(),
            1 => "wrong".to_string(),
            _ => app.token.clone(),
        };
        let path = format!("/api/tracker/{func}.json?id={token}&{}", query(&mut rng));
        let (ctype, payload) = body(&mut rng);
        let method = if payload.is_empty() && rng.random_bool(0.5) {
            "GET"
        } else {
            "POST"
        };
        let mut headers = vec![];
        if let Some(c) = ctype {
            headers.push(("Content-Type", c));
        }
        let before = fingerprint(&conn);
        let r = app.request(method, &path, &headers, &payload);
        assert_eq!(r.status, 200, "case {case} {method} {path}");
        let is_csv = r
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/csv"));
        if is_csv {
            ok += 1;
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_else(|e| {
            panic!("case {case} {method} {path}: not JSON ({e}): {}", r.text())
        });
        match v["status"].as_str() {
            Some("ok") => ok += 1,
            Some("error") => {
                errors += 1;
                assert!(v["error"].is_string(), "case {case}: {v}");
                assert_eq!(
                    fingerprint(&conn),
                    before,
                    "case {case} {method} {path} answered {v} but wrote"
                );
            }
            _ => panic!("case {case}: no status in {v}"),
        }
    }
    assert_eq!(app.get("/health").text(), "ok");
    println!("fuzz cases: {cases} (seed {seed}): {ok} ok, {errors} errors, {clicks} clicks");
}
