//! Checks `clicks::user_agent::classify` against a table of real User-Agent
//! strings (tests/data/user_agents.tsv: `os<TAB>browser<TAB>mobile<TAB>ua`).

use flowtrack::clicks::user_agent::{classify, Browser, Os, UaInfo, BROWSER_NAMES, OS_NAMES};

struct Row {
    line: usize,
    os: u8,
    browser: u8,
    mobile: bool,
    ua: String,
}

fn table() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/user_agents.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("header line");
    assert_eq!(header, "os\tbrowser\tmobile\tua", "unexpected header");
    lines
        .map(|(i, line)| {
            let line = line.trim_end_matches('\r');
            let mut f = line.splitn(4, '\t');
            let mut num = |what: &str| -> u8 {
                let v = f
                    .next()
                    .unwrap_or_else(|| panic!("line {}: no {what}", i + 1));
                v.parse()
                    .unwrap_or_else(|e| panic!("line {}: bad {what} {v:?}: {e}", i + 1))
            };
            let (os, browser, mobile) = (num("os"), num("browser"), num("mobile"));
            assert!(mobile <= 1, "line {}: mobile must be 0 or 1", i + 1);
            let ua = f
                .next()
                .unwrap_or_else(|| panic!("line {}: no ua column", i + 1));
            Row {
                line: i + 1,
                os,
                browser,
                mobile: mobile == 1,
                ua: ua.to_string(),
            }
        })
        .collect()
}

#[test]
fn every_user_agent_in_the_table_gets_its_os_browser_and_mobile_codes() {
    let rows = table();
    assert!(rows.len() >= 70, "only {} rows", rows.len());
    let mut mismatches = Vec::new();
    for r in &rows {
        let got = classify(&r.ua);
        let want = UaInfo {
            os: Os::from_code(r.os.into()).expect("an OS code"),
            browser: Browser::from_code(r.browser.into()).expect("a browser code"),
            mobile: r.mobile,
            bot: r.browser == 11,
        };
        if got != want {
            mismatches.push(format!(
                "line {}: {:?}\n    expected os={} browser={} mobile={} bot={}\n    got      os={} browser={} mobile={} bot={}",
                r.line, r.ua, want.os, want.browser, want.mobile, want.bot,
                got.os, got.browser, got.mobile, got.bot
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} user agents misclassified:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}

#[test]
fn the_table_covers_every_os_browser_and_mobile_code() {
    let rows = table();
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    for os in 0..OS_NAMES.len() as u8 {
        let n = count(&|r| r.os == os);
        let min = if os >= 7 { 3 } else { 1 };
        assert!(n >= min, "os {os}: {n} rows, want at least {min}");
    }
    // Every browser code, flowtrack's own after Bot (11) included (README,
    // "Decisions where the reference is silent").
    for browser in 0..BROWSER_NAMES.len() as u8 {
        let n = count(&|r| r.browser == browser);
        let min = if browser >= 7 { 3 } else { 1 };
        assert!(n >= min, "browser {browser}: {n} rows, want at least {min}");
    }
    assert!(count(&|r| r.mobile) > 0, "no mobile row");
    assert!(count(&|r| !r.mobile) > 0, "no desktop row");
}

#[test]
fn classify_never_panics_on_odd_input() {
    let huge = "Mozilla/5.0 (iPhone; ".repeat(5_000); // ~100 KB
    let multibyte = "é€😀".repeat(30_000); // char boundaries off the byte limit
    let lossy = String::from_utf8_lossy(&[0xff, 0xfe, b'M', 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82]);
    let nul = "Mozilla/5.0\0(Windows NT 10.0)\0";
    let inputs: [&str; 8] = [
        "",
        "   ",
        "\t\r\n",
        &huge,
        &multibyte,
        &lossy,
        nul,
        "()[];/ ;wv) Mobile/ AppleWebKit iPhone",
    ];
    for ua in inputs {
        let info = classify(ua);
        assert!(
            usize::from(info.os.code()) < OS_NAMES.len()
                && usize::from(info.browser.code()) < BROWSER_NAMES.len(),
            "{info:?}"
        );
        assert_eq!(info.bot, info.browser == Browser::Bot, "{info:?}");
    }
    assert!(classify("").bot);
    assert!(classify("     ").bot);
}
