//! stats.json filters over the scripted scenario (table in scenario.rs):
//! each one narrows clicks and leads alike, `hour` by local hour.
use super::scenario::*;
use super::*;

#[test]
fn stats_scenario_filters_narrow_clicks_and_leads_alike() {
    let (app, ids) = setup();
    let q = |f: &str| app.api("stats", &format!("{PERIOD}&{f}"));
    let s = |v: &str| json!(v);
    let n = |v: i64| json!(v);
    expect_rows(
        &q("item=flow&geo=US"),
        &[("beta", s("beta"), s("Beta TT"), &beta())],
        "geo",
    );
    let d10 = m(
        [4, 3, 3, 2, 0, 1, 1, 0, 1],
        [20.0, 5.0, 25.0, 66.67, 1.67, 50.0, 33.33, 9.6, -4.6, -47.92],
    );
    let d11 = m(
        [1, 1, 2, 2, 0, 0, 2, 0, 0],
        [
            0.0, 31.0, 31.0, 200.0, 31.0, 100.0, 100.0, 2.4, 28.6, 1191.67,
        ],
    );
    expect_rows(
        &q("item=date&flow=alpha"),
        &[
            ("20240510", n(20240510), s("2024-05-10"), &d10),
            ("20240511", n(20240511), s("2024-05-11"), &d11),
        ],
        "flow",
    );
    // Local hour 0: k1 (05-10), k5 and k6 (05-11), and lead L4.
    let us0 = m(
        [2, 2, 0, 0, 0, 0, 0, 0, 0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0, -100.0],
    );
    let de0 = m(
        [1, 1, 0, 0, 0, 0, 0, 0, 0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.4, -2.4, -100.0],
    );
    let at0 = m(
        [0, 0, 1, 1, 0, 0, 1, 0, 0],
        [0.0, 30.0, 30.0, 0.0, 0.0, 100.0, 100.0, 0.0, 30.0, 0.0],
    );
    expect_rows(
        &q("item=geo&hour=0"),
        &[
            ("us", s("us"), s("United States"), &us0),
            ("de", s("de"), s("Germany"), &de0),
            ("at", s("at"), s("Austria"), &at0),
        ],
        "hour",
    );
    let h13 = m(
        [2, 2, 0, 0, 0, 0, 0, 0, 0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.4, -2.4, -100.0],
    );
    expect_rows(
        &q("item=hour&hour=13"),
        &[("13", n(13), s("13:00"), &h13)],
        "hour item",
    );
    expect_rows(
        &q("item=os&mobile=1&browser=1"),
        &[("5", n(5), s("Android"), &k5())],
        "mobile+browser",
    );
    expect_rows(
        &q("item=flow&utm_source=fb&utm_medium=cpc"),
        &[("alpha", s("alpha"), s("Alpha FB"), &s1())],
        "utm_source+utm_medium",
    );
    let (a1k, a2k) = (ids.a1.to_string(), ids.a2.to_string());
    expect_rows(
        &q(&format!("item=way&way={},{}", ids.a1, ids.a2)),
        &[
            (&a1k, n(ids.a1), s("Offer One"), &a1()),
            (&a2k, n(ids.a2), s("https://two.example/lp"), &a2()),
        ],
        "way list",
    );
    expect_rows(
        &q("item=geo&filter=3"),
        &[("", s(""), s("Unknown"), &k8())],
        "filter",
    );
    expect_rows(
        &q(&format!(
            "item=subid&utm_campaign=c3&utm_content=n3&utm_term=t3&domain=t2.example&site={}",
            ids.s2
        )),
        &[("s3", s("s3"), s("s3"), &b1())],
        "tags+domain+site",
    );
    expect_rows(
        &q("item=browser&flow=beta&ip=4.4.4.4"),
        &[("9", n(9), s("Tik-Tok"), &k6())],
        "ip",
    );
    expect_rows(
        &q("item=utmm&filter[]=0&filter[]=3&os=1&subid=s1"),
        &[("cpc", s("cpc"), s("cpc"), &a1())],
        "filter list+os+subid",
    );
    // One day only: the period is whole local days (05-11 00:00 +05:30).
    let r = q("item=flow&from=2024-05-11&to=2024-05-11");
    assert_eq!(r["total"]["click"], 4);
    assert_eq!(r["total"]["total"], 5);
    // Nothing matches: empty groups, zero total.
    let r = q("item=flow&geo=fr");
    assert_eq!(
        (r["stats"].clone(), r["total"]["click"].clone()),
        (json!({}), json!(0))
    );
}
