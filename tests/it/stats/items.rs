//! stats.json for every one of the 18 items of the reference over the
//! scripted scenario (table in scenario.rs); the names and the order of
//! the groups (SPEC 4) are part of what is checked.
use super::scenario::*;
use super::*;

#[test]
fn stats_scenario_every_item_matches_hand_counted_groups() {
    let (app, ids) = setup();
    let item = |item: &str| app.api("stats", &format!("{PERIOD}&item={item}"));
    let n = |v: i64| json!(v);
    let s = |v: &str| json!(v);
    let h = |c: [i64; 9], f: [f64; 10]| m(c, f);
    let hour = |k: &'static str, v: Value| {
        (
            k,
            json!(k.parse::<i64>().unwrap()),
            json!(format!("{k:0>2}:00")),
            v,
        )
    };
    let hours = [
        hour(
            "0",
            h(
                [3, 3, 1, 1, 0, 0, 1, 0, 0],
                [
                    0.0, 30.0, 30.0, 33.33, 10.0, 100.0, 100.0, 3.4, 26.6, 782.35,
                ],
            ),
        ),
        hour("1", h([0, 0, 1, 1, 1, 0, 0, 0, 0], [0.0; 10])),
        hour("2", h([0, 0, 1, 1, 0, 0, 0, 1, 0], [0.0; 10])),
        hour(
            "3",
            h(
                [0, 0, 1, 1, 0, 1, 0, 0, 0],
                [3.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
        ),
        hour(
            "9",
            h(
                [2, 1, 1, 0, 0, 0, 0, 0, 1],
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.8, -4.8, -100.0],
            ),
        ),
        hour(
            "10",
            h(
                [0, 0, 2, 2, 0, 1, 1, 0, 0],
                [20.0, 5.0, 25.0, 0.0, 0.0, 50.0, 50.0, 0.0, 5.0, 0.0],
            ),
        ),
        hour(
            "13",
            h(
                [2, 2, 0, 0, 0, 0, 0, 0, 0],
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.4, -2.4, -100.0],
            ),
        ),
        hour(
            "14",
            h(
                [0, 0, 1, 1, 0, 0, 1, 0, 0],
                [0.0, 1.0, 1.0, 0.0, 0.0, 100.0, 100.0, 0.0, 1.0, 0.0],
            ),
        ),
        hour(
            "23",
            h(
                [1, 1, 0, 0, 0, 0, 0, 0, 0],
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.4, -2.4, -100.0],
            ),
        ),
    ];
    let hours: Vec<_> = hours
        .iter()
        .map(|(k, i, nm, v)| (*k, i.clone(), nm.clone(), v))
        .collect();
    expect_rows(&item("hour"), &hours, "hour");

    expect_rows(
        &item("flow"),
        &[
            ("alpha", s("alpha"), s("Alpha FB"), &alpha()),
            ("beta", s("beta"), s("Beta TT"), &beta()),
        ],
        "flow",
    );
    let way0 = m(
        [2, 2, 1, 1, 0, 0, 1, 0, 0],
        [0.0, 1.0, 1.0, 50.0, 0.5, 100.0, 100.0, 2.4, -1.4, -58.33],
    );
    let (a1k, a2k, b1k) = (ids.a1.to_string(), ids.a2.to_string(), ids.b1.to_string());
    expect_rows(
        &item("way"),
        &[
            (&a1k, n(ids.a1), s("Offer One"), &a1()),
            ("0", n(0), s("none"), &way0),
            (&b1k, n(ids.b1), s("Offer Two"), &b1()),
            (&a2k, n(ids.a2), s("https://two.example/lp"), &a2()),
        ],
        "way",
    );
    let site0 = m(
        [3, 3, 2, 2, 0, 0, 2, 0, 0],
        [
            0.0, 31.0, 31.0, 66.67, 10.33, 100.0, 100.0, 4.8, 26.2, 545.83,
        ],
    );
    let (s1k, s2k) = (ids.s1.to_string(), ids.s2.to_string());
    expect_rows(
        &item("site"),
        &[
            ("0", n(0), s("none"), &site0),
            (&s1k, n(ids.s1), s("Offer One"), &a1()),
            (&s2k, n(ids.s2), s("Offer Two"), &b1()),
        ],
        "site",
    );
    let f0 = m(
        [6, 5, 7, 6, 1, 2, 2, 1, 1],
        [
            23.0, 35.0, 58.0, 120.0, 7.0, 33.33, 28.57, 10.6, 24.4, 230.19,
        ],
    );
    expect_rows(
        &item("filter"),
        &[
            ("0", n(0), s("target"), &f0),
            ("1", n(1), s("bot"), &bot()),
            ("3", n(3), s("country"), &k8()),
        ],
        "filter",
    );
    expect_rows(
        &item("geo"),
        &[
            ("de", s("de"), s("Germany"), &a1()),
            ("us", s("us"), s("United States"), &beta()),
            ("", s(""), s("Unknown"), &k8()),
            ("at", s("at"), s("Austria"), &a2()),
        ],
        "geo",
    );
    let desk = m(
        [5, 4, 4, 3, 0, 1, 2, 0, 1],
        [20.0, 6.0, 26.0, 75.0, 1.5, 66.67, 50.0, 9.6, -3.6, -37.5],
    );
    let mob = m(
        [3, 3, 4, 4, 1, 1, 1, 1, 0],
        [3.0, 30.0, 33.0, 133.33, 10.0, 25.0, 25.0, 3.4, 26.6, 782.35],
    );
    expect_rows(
        &item("mobile"),
        &[
            ("0", n(0), s("desktop"), &desk),
            ("1", n(1), s("mobile"), &mob),
        ],
        "mobile",
    );
    expect_rows(
        &item("os"),
        &[
            ("1", n(1), s("Windows"), &a1()),
            ("5", n(5), s("Android"), &b1()),
            ("0", n(0), s("Other"), &bot()),
            ("2", n(2), s("MacOS"), &k8()),
            ("4", n(4), s("iOS"), &a2()),
        ],
        "os",
    );
    let chrome = m(
        [4, 3, 5, 4, 1, 2, 1, 0, 1],
        [23.0, 5.0, 28.0, 133.33, 1.67, 25.0, 20.0, 7.7, -2.7, -35.06],
    );
    let safari = m(
        [2, 2, 2, 2, 0, 0, 2, 0, 0],
        [
            0.0, 31.0, 31.0, 100.0, 15.5, 100.0, 100.0, 4.8, 26.2, 545.83,
        ],
    );
    expect_rows(
        &item("browser"),
        &[
            ("1", n(1), s("Chrome"), &chrome),
            ("4", n(4), s("Safari"), &safari),
            ("9", n(9), s("Tik-Tok"), &k6()),
            ("11", n(11), s("Bot"), &bot()),
        ],
        "browser",
    );
    expect_rows(
        &item("ip"),
        &[
            ("1.1.1.1", s("1.1.1.1"), s("1.1.1.1"), &a1()),
            ("2.2.2.2", s("2.2.2.2"), s("2.2.2.2"), &a2()),
            ("3.3.3.3", s("3.3.3.3"), s("3.3.3.3"), &k5()),
            ("4.4.4.4", s("4.4.4.4"), s("4.4.4.4"), &k6()),
            ("5.5.5.5", s("5.5.5.5"), s("5.5.5.5"), &bot()),
            ("6.6.6.6", s("6.6.6.6"), s("6.6.6.6"), &k8()),
        ],
        "ip",
    );
    expect_rows(
        &item("utmd"),
        &[
            ("t1.example", s("t1.example"), s("t1.example"), &alpha()),
            ("t2.example", s("t2.example"), s("t2.example"), &beta()),
        ],
        "utmd",
    );
    expect_rows(
        &item("utms"),
        &[
            ("fb", s("fb"), s("fb"), &alpha()),
            ("tt", s("tt"), s("tt"), &beta()),
        ],
        "utms",
    );
    // subid and the campaign/content/term tags share one shape: the s1
    // group, the beta way's clicks, the bot click's empty value, k4.
    for (it, v) in [
        ("subid", ["s1", "s3", "s2"]),
        ("utmc", ["c1", "c3", "c2"]),
        ("utmn", ["n1", "n3", "n2"]),
        ("utmt", ["t1", "t3", "t2"]),
    ] {
        expect_rows(
            &item(it),
            &[
                (v[0], s(v[0]), s(v[0]), &s1()),
                (v[1], s(v[1]), s(v[1]), &b1()),
                ("", s(""), json!(false), &bot()),
                (v[2], s(v[2]), s(v[2]), &a2()),
            ],
            it,
        );
    }
    let cpc = m(
        [6, 5, 7, 6, 1, 2, 2, 1, 1],
        [23.0, 6.0, 29.0, 120.0, 1.2, 33.33, 28.57, 10.6, -4.6, -43.4],
    );
    expect_rows(
        &item("utmm"),
        &[
            ("cpc", s("cpc"), s("cpc"), &cpc),
            ("", s(""), json!(false), &bot()),
            ("cpm", s("cpm"), s("cpm"), &a2()),
        ],
        "utmm",
    );
}
