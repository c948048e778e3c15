//! Every macro of a postback template and its encoding (docs/API.md
//! "Outbound postbacks"): percent-encoded in a URL and in a form body,
//! JSON-escaped in a JSON body; `{payout}` with the share and the
//! currency conversion; `{status}` words, `{stage}`, `{goal}`, `{time}`;
//! `{clickid}` from the source's click id parameter.
use super::*;
use crate::common::receiver::{find, Mode, Receiver};

/// A tag that every encoding has to carry: spaces, the separators of a
/// query and a form, JSON's quote and backslash, and non-ASCII text.
const TAG: &str = "a b&c=d+e/?#\"q\"\\ é€✓";

/// Every macro, each in a parameter of its own name.
const ALL: &str = "/all?clickid={clickid}&click={click}&payout={payout}&currency={currency}\
    &status={status}&stage={stage}&goal={goal}&lead={lead}&uid={uid}&subid={subid}\
    &utm_source={utm_source}&utm_campaign={utm_campaign}&utm_content={utm_content}\
    &utm_term={utm_term}&utm_medium={utm_medium}&data1={data1}&data2={data2}&adid={adid}\
    &geo={geo}&ip={ip}&flow={flow}&time={time}&unknown={nope}";

/// True when a raw query value holds only what a query may carry
/// unencoded (no space, `&`, `=`, `#`, quote or non-ASCII byte).
fn encoded(raw: &str) -> bool {
    raw.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%+!*'()".contains(&b))
}

/// The raw (still encoded) value of `name` in a query string.
fn raw_value<'a>(query: &'a str, name: &str) -> &'a str {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {name} in {query}"))
}

#[test]
fn every_macro_in_a_url_is_filled_and_percent_encoded() {
    let app = spawn_with(behind_cloudflare);
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    // Facebook: the click id comes in fbclid (docs/API.md sources.json).
    let s = api.source(json!({"template": "facebook", "postback_url": rx.url(ALL)}));
    api.flow("fb", s);
    let mut listed = api.get("sources", "")["sources"][0]["postback"].clone();
    assert_eq!(listed["share"].as_f64(), Some(100.0), "{listed}");
    listed["share"] = json!(100);
    assert_eq!(
        listed,
        json!({"url": rx.url(ALL), "method": "get", "body": "", "type": "", "stages": ["approve"],
               "goals": [], "share": 100, "currency": "", "words": {}}),
        "sources.json"
    );
    let c = api.click_with(
        &format!(
            "/fb?fbclid=FB.1-x&subid={t}&utm_source=src&utm_campaign=camp&utm_content=cont\
             &utm_term=term&utm_medium=med&data1={t}&data2=d2",
            t = enc(TAG)
        ),
        &[("CF-Connecting-IP", "10.1.2.3"), ("CF-IPCountry", "DE")],
    );
    let before = now_s();
    let lead = api.pb(&format!(
        "click={c}&status=approved&price=12.5&uid={}&goal=dep",
        enc("U 1&=")
    ));
    let after = now_s();
    let calls = rx.wait_calls(1, LONG);
    let call = &calls[0];
    assert_eq!((call.method.as_str(), call.path()), ("GET", "/all"));
    let q = call.query();
    let lead_s = lead.to_string();
    let want = [
        ("clickid", "FB.1-x"),
        ("click", c.as_str()),
        ("payout", "12.5"),
        ("currency", "USD"),
        ("status", "approve"),
        ("stage", "approve"),
        ("goal", "dep"),
        ("lead", lead_s.as_str()),
        ("uid", "U 1&="),
        ("subid", TAG),
        ("utm_source", "src"),
        ("utm_campaign", "camp"),
        ("utm_content", "cont"),
        ("utm_term", "term"),
        ("utm_medium", "med"),
        ("data1", TAG),
        ("data2", "d2"),
        ("adid", "FB.1-x"),
        ("geo", "DE"),
        ("ip", "10.1.2.3"),
        ("flow", "fb"),
        ("unknown", "{nope}"),
    ];
    for (name, value) in want {
        assert_eq!(
            find(&q, name).as_deref(),
            Some(value),
            "{name}: {}",
            call.target
        );
    }
    let time: i64 = find(&q, "time").unwrap().parse().unwrap();
    assert!(
        (before..=after).contains(&time),
        "{time} not in {before}..={after}"
    );
    // No value broke the query apart: the template's 23 pairs arrived.
    assert_eq!(q.len(), 23, "{}", call.target);
    let raw = call.target.split_once('?').unwrap().1;
    for name in ["subid", "data1", "uid"] {
        let v = raw_value(raw, name);
        assert!(encoded(v), "{name} not percent-encoded: {v}");
    }
}

#[test]
fn a_form_body_is_percent_encoded_and_a_json_body_json_escaped() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    let form = "clickid={clickid}&subid={subid}&data1={data1}&payout={payout}&status={status}";
    let f = api.source(
        json!({"name": "Form", "click_param": "cid", "postback_url": rx.url("/form?lead={lead}"),
        "postback_method": "post", "postback_body": form}),
    );
    let body = r#"{"clickid":"{clickid}","subid":"{subid}","payout":{payout},"status":"{status}","list":["{data1}"],"n":"{nope}"}"#;
    let j = api.source(
        json!({"name": "Json", "click_param": "cid", "postback_url": rx.url("/json"),
        "postback_method": "post", "postback_body": body, "postback_words": {"approve": "sale"}}),
    );
    api.flow("form", f);
    api.flow("json", j);
    let query = format!("cid={}&subid={t}&data1={t}", enc("C 1&x"), t = enc(TAG));
    let cf = api.click(&format!("/form?{query}"));
    let cj = api.click(&format!("/json?{query}"));
    let lf = api.pb(&format!("click={cf}&status=approve&price=7.25"));
    api.pb(&format!("click={cj}&status=approve&price=7.25"));
    let calls = rx.wait_calls(2, LONG);
    let form_call = calls.iter().find(|c| c.path() == "/form").expect("form");
    let json_call = calls.iter().find(|c| c.path() == "/json").expect("json");

    assert_eq!(form_call.method, "POST");
    assert_eq!(form_call.param("lead"), Some(lf.to_string()));
    let ct = form_call.header("content-type").unwrap_or("");
    assert!(ct.starts_with("application/x-www-form-urlencoded"), "{ct}");
    let pairs = form_call.form();
    assert_eq!(pairs.len(), 5, "{}", form_call.text());
    for (name, value) in [
        ("clickid", "C 1&x"),
        ("subid", TAG),
        ("data1", TAG),
        ("payout", "7.25"),
        ("status", "approve"),
    ] {
        assert_eq!(
            find(&pairs, name).as_deref(),
            Some(value),
            "{name}: {}",
            form_call.text()
        );
    }
    assert!(
        encoded(raw_value(&form_call.text(), "subid")),
        "{}",
        form_call.text()
    );

    assert_eq!(json_call.method, "POST");
    let ct = json_call.header("content-type").unwrap_or("");
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_eq!(
        json_call.json(),
        json!({"clickid": "C 1&x", "subid": TAG, "payout": 7.25, "status": "sale",
               "list": [TAG], "n": "{nope}"}),
        "{}",
        json_call.text()
    );
}

/// `{payout}` and `{currency}` of a lead of `price` (a postback.json
/// price and currency) through a source with these postback fields.
struct Case {
    price: &'static str,
    share: f64,
    source_currency: &'static str,
    postback_currency: &'static str,
    payout: &'static str,
    currency: &'static str,
}

#[test]
fn payout_is_the_share_of_the_price_converted_with_at_most_four_decimals() {
    let app = spawn_app();
    let api = Api::of(&app);
    // Rates that convert exactly (units per usd): docs/API.md rates.json.
    api.rates(json!({"usd": 1, "eur": 0.5, "gbp": 0.25, "jpy": 150, "chf": 0.123456}));
    let case = |price, share, source_currency, postback_currency, payout, currency| Case {
        price,
        share,
        source_currency,
        postback_currency,
        payout,
        currency,
    };
    let cases = [
        // 10 eur = 20 usd, the source's currency.
        case("price=10&currency=eur", 100.0, "usd", "", "20", "USD"),
        // Half of 20 usd, told in gbp.
        case("price=10&currency=eur", 50.0, "usd", "gbp", "2.5", "GBP"),
        // The source's own currency when the postback names none.
        case("price=3&currency=usd", 100.0, "eur", "", "1.5", "EUR"),
        // 0.33 usd in yen; no trailing zeros.
        case("price=1", 33.0, "usd", "jpy", "49.5", "JPY"),
        // Rounded to 4 decimals.
        case("price=1", 100.0, "usd", "chf", "0.1235", "CHF"),
        case("price=2", 1000.0, "usd", "", "20", "USD"),
        case("price=2", 0.0, "usd", "", "0", "USD"),
        // A lead without a price pays nothing.
        case("", 100.0, "usd", "", "0", "USD"),
    ];
    let rx = Receiver::start(Mode::Ok);
    for (n, c) in cases.iter().enumerate() {
        let s = api.source(
            json!({"name": format!("S{n}"), "currency": c.source_currency,
            "postback_url": rx.url(&format!("/p{n}?payout={{payout}}&currency={{currency}}")),
            "postback_share": c.share, "postback_currency": c.postback_currency}),
        );
        api.flow(&format!("p{n}"), s);
        let click = api.click(&format!("/p{n}"));
        api.pb(&format!("click={click}&status=approve&{}", c.price));
    }
    let calls = rx.wait_calls(cases.len(), LONG);
    for (n, c) in cases.iter().enumerate() {
        let call = calls
            .iter()
            .find(|x| x.path() == format!("/p{n}"))
            .unwrap_or_else(|| panic!("no call of case {n}"));
        assert_eq!(
            (
                call.param("payout").unwrap(),
                call.param("currency").unwrap()
            ),
            (c.payout.to_string(), c.currency.to_string()),
            "case {n}: {} x {}% from {} into {:?}",
            c.price,
            c.share,
            c.source_currency,
            c.postback_currency
        );
    }
}

#[test]
fn status_is_the_stage_word_and_stage_goal_time_are_the_events() {
    let app = spawn_app();
    let api = Api::of(&app);
    let rx = Receiver::start(Mode::Ok);
    let url = rx.url("/st?status={status}&stage={stage}&goal={goal}&time={time}");
    let s = api.source(json!({"name": "Words", "postback_url": url}));
    // The form syntax of the words; stages as a list.
    let r = api.get(
        "source",
        &format!(
            "source={s}&postback_words%5Bapprove%5D=sale&postback_words%5Bcancel%5D=rejected\
             &postback_words%5Btrash%5D=fraud&postback_stages=new,hold,approve,cancel,trash"
        ),
    );
    assert_eq!(r["status"], "ok", "{r}");
    let listed = api.get("sources", "")["sources"][0]["postback"].clone();
    assert_eq!(
        (&listed["words"], &listed["stages"]),
        (
            &json!({"approve": "sale", "cancel": "rejected", "trash": "fraud"}),
            &json!(["new", "hold", "approve", "cancel", "trash"])
        )
    );
    api.flow("st", s);
    let click = api.click("/st");
    let mut times = Vec::new();
    for status in ["", "pending", "approved", "rejected", "fraud"] {
        let before = now_s();
        let q = if status.is_empty() {
            format!("click={click}")
        } else {
            format!("click={click}&status={status}")
        };
        api.pb(&q);
        times.push((before, now_s()));
    }
    let calls = rx.wait_calls(5, LONG);
    let stages = ["new", "hold", "approve", "cancel", "trash"];
    let words = ["new", "hold", "sale", "rejected", "fraud"];
    for (i, stage) in stages.iter().enumerate() {
        let got = with_param(&calls, "stage", stage);
        assert_eq!(got.len(), 1, "{stage}: {calls:#?}");
        assert_eq!(got[0].param("status").as_deref(), Some(words[i]), "{stage}");
        assert_eq!(got[0].param("goal").as_deref(), Some("lead"), "{stage}");
        let t: i64 = got[0].param("time").unwrap().parse().unwrap();
        let (from, to) = times[i];
        assert!(
            (from..=to).contains(&t),
            "{stage}: {t} not in {from}..={to}"
        );
    }
}
