//! Landing clicks in stats.json (docs/API.md "Landing pages"): `lpclick`
//! counts them by their own time, like leads, and `lpctr` is lpclick /
//! click x 100 on every row and the total; items `landing`, `offer` and
//! `source` and their filters group clicks, landing clicks and leads.
use crate::common::fixtures;
use crate::common::*;
use fixtures::*;
use serde_json::Value;

/// `[click, lpclick, lpctr]` of a stats row.
fn lp(row: &Value) -> (i64, i64, f64) {
    (
        row["click"].as_i64().unwrap_or(-1),
        row["lpclick"].as_i64().unwrap_or(-1),
        row["lpctr"].as_f64().unwrap_or(-1.0),
    )
}

#[test]
fn landing_clicks_count_by_their_own_time_on_every_row_and_the_total() {
    let app = spawn_app();
    let db = app.stop();
    let day1 = utc("2024-05-10 10:00");
    let day2 = utc("2024-05-11 10:00");
    let click = |t: i64, landing: i64, offer: i64, lp: i64| Click {
        t,
        flow: "f",
        way: 1,
        site: landing.max(offer),
        source: 7,
        landing,
        offer,
        lp,
        ..Click::default()
    };
    insert_clicks(
        &db,
        &[
            // Landing page 5 with offers 3 and 4: two of three go on,
            // one the next day.
            click(day1, 5, 3, day1 + 60),
            click(day1 + 1, 5, 4, day2 + 60),
            click(day1 + 2, 5, 3, 0),
            // Straight to offer 3: never a landing click.
            click(day1 + 3, 0, 3, 0),
            // Another user's landing click.
            Click {
                user: 2,
                ..click(day1, 5, 3, day1 + 5)
            },
        ],
    );
    let app = restart(db);
    let two_days = "from=2024-05-10&to=2024-05-11";
    let by_date = app.api("stats", &format!("{two_days}&item=date"));
    assert_eq!(lp(&by_date["stats"]["20240510"]), (4, 1, 25.0), "{by_date}");
    assert_eq!(lp(&by_date["stats"]["20240511"]), (0, 1, 0.0), "{by_date}");
    assert_eq!(lp(&by_date["total"]), (4, 2, 50.0), "{by_date}");
    // One day: the landing click of the next day is not in it.
    let one = app.api("stats", "from=2024-05-10&to=2024-05-10&item=landing");
    assert_eq!(lp(&one["stats"]["5"]), (3, 1, 33.33), "{one}");
    assert_eq!(lp(&one["stats"]["0"]), (1, 0, 0.0), "{one}");
    assert_eq!(lp(&one["total"]), (4, 1, 25.0), "{one}");
    let by_offer = app.api("stats", &format!("{two_days}&item=offer"));
    assert_eq!(lp(&by_offer["stats"]["3"]), (3, 1, 33.33), "{by_offer}");
    assert_eq!(lp(&by_offer["stats"]["4"]), (1, 1, 100.0), "{by_offer}");
    let by_source = app.api("stats", &format!("{two_days}&item=source"));
    assert_eq!(lp(&by_source["stats"]["7"]), (4, 2, 50.0), "{by_source}");
    // Filters apply to landing clicks as to clicks.
    let offer4 = app.api("stats", &format!("{two_days}&item=flow&offer=4"));
    assert_eq!(lp(&offer4["total"]), (1, 1, 100.0), "{offer4}");
    let hour = app.api("stats", &format!("{two_days}&item=date&hour=10"));
    assert_eq!(lp(&hour["total"]), (4, 2, 50.0), "{hour}");
    let hour = app.api("stats", &format!("{two_days}&item=date&hour=11"));
    assert_eq!(lp(&hour["total"]), (0, 0, 0.0), "{hour}");
    // A period off the 15-minute edges is counted from the click rows,
    // whole days from the rollups: the same landing clicks.
    let start = utc("2024-05-10 00:00");
    let rows = app.api(
        "stats",
        &format!(
            "ufrom={}&uto={}&item=landing",
            start + 1,
            start + 2 * 86_400 - 1
        ),
    );
    let rolled = app.api("stats", &format!("{two_days}&item=landing"));
    assert_eq!(rows["stats"], rolled["stats"]);
    assert_eq!(lp(&rows["total"]), (4, 2, 50.0), "{rows}");
    // An item filtered by another dimension: the wide rollups.
    let q = "item=landing&source=7&way=1";
    let rows = app.api(
        "stats",
        &format!("ufrom={}&uto={}&{q}", start + 1, start + 2 * 86_400 - 1),
    );
    let wide = app.api("stats", &format!("{two_days}&{q}"));
    assert_eq!(rows["stats"], wide["stats"]);
    assert_eq!(lp(&wide["stats"]["5"]), (3, 2, 66.67), "{wide}");
    // The other user sees only their own.
    let other = app.add_user("other");
    let r = app.api_as(&other, "stats", &format!("{two_days}&item=landing"));
    assert_eq!(lp(&r["total"]), (1, 1, 100.0), "{r}");
}
