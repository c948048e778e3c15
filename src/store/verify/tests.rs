use super::*;
use crate::store::append::write_batch;
use crate::store::cols::fixture::{assert_columns_hold_the_clicks, fixture};
use crate::store::record::{ClickRecord, Tags};

/// Verifies the fixture's database on a read-only connection: verify
/// writes nothing of it.
fn check(dir: &tempfile::TempDir) -> Report {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let mut conn = Connection::open_with_flags(dir.path().join("ip.db"), flags).unwrap();
    verify(&mut conn).unwrap()
}

fn differing(report: &Report) -> Vec<&'static str> {
    let bad = report.copies.iter().filter(|c| c.differences > 0);
    bad.map(|c| c.table).collect()
}

/// A click reads back as it was written: every field, texts from the
/// dictionary, its price. (A field the row gains must be read back too,
/// or the copies would be recomputed without it.)
#[test]
fn a_click_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::schema::open_and_migrate(&dir.path().join("r.db")).unwrap();
    let mut click = ClickRecord {
        key: 1_700_000_000_000 << 16 | 3,
        secret: 42,
        user_id: crate::ids::UserId(1),
        flow: "f".into(),
        way: 2,
        site: 3,
        filter: crate::codes::FilterCode::Bot,
        unique: true,
        vid: -9,
        ip: "2001:db8::1".into(),
        geo: "de".into(),
        lang: "en".into(),
        os: crate::user_agent::Os::from_code(4).unwrap(),
        browser: crate::user_agent::Browser::from_code(5).unwrap(),
        mobile: true,
        ua: "Mozilla/5.0".into(),
        referer: "https://r.example/".into(),
        domain: "d.example".into(),
        tags: Tags::default(),
        source: 4,
        landing: 5,
        offer: 6,
        lp: 1_700_000_100,
        cost: 0.25,
    };
    // Every tag a text of its own, through the registry.
    for (i, d) in crate::store::registry::DIMS.iter().enumerate() {
        if let Some(tag) = crate::store::registry::tag_mut(d, &mut click.tags) {
            *tag = format!("t{i}");
        }
    }
    write_batch(&mut conn, std::slice::from_ref(&click)).unwrap();
    let sql = format!("{} {}", *RECORD, *RECORD_FROM);
    let back = conn.query_row(&sql, [], record).unwrap();
    assert_eq!(format!("{back:?}"), format!("{click:?}"));
}

/// Chunks that overlap (clicks queued late), two users, prices: all
/// agree; a click whose copies were written twice is named in each.
#[test]
fn copies_written_twice_are_found_and_rebuilt() {
    let (dir, mut conn, _) = fixture();
    let report = check(&dir);
    assert!(report.agrees(), "{report}");
    assert_eq!(report.clicks, 12_000);
    let chunks = &report
        .copies
        .iter()
        .find(|c| c.table == "click_cols")
        .unwrap();
    assert!(chunks.checked > 2, "{report}");

    // One click's copies again, as a batch written twice would leave them.
    let sql = format!(
        "{} {} WHERE c.user_id = 1 ORDER BY c.id LIMIT 1 OFFSET 500",
        *RECORD, *RECORD_FROM
    );
    let click = conn.query_row(&sql, [], record).unwrap();
    let tx = conn.transaction().unwrap();
    let mut sums = Sums::default();
    sums.add(&click);
    sums.flush(&tx).unwrap();
    tx.commit().unwrap();
    let report = check(&dir);
    assert_eq!(
        differing(&report),
        ["click_roll", "click_wide", "click_cols"],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains(&format!("click {} is in an earlier chunk too", click.key)),
        "{text}"
    );
    // One row of each kind: time and flow, and the 12 rolled dimensions.
    assert!(text.contains("click_roll: 13 differences"), "{text}");

    rebuild(&mut conn).unwrap();
    let report = check(&dir);
    assert!(report.agrees(), "{report}");
    assert_columns_hold_the_clicks(&conn);
}

/// A click row without its copies (written around the store) is missing
/// from each, and from its user's chunks.
#[test]
fn a_click_row_without_copies_is_missing_from_each() {
    let (dir, conn, _) = fixture();
    let sql =
        "INSERT INTO clicks (id, secret, user_id, flow, geo) VALUES (1 << 60, 1, 2, 'fa', 'de')";
    conn.execute(sql, []).unwrap();
    let report = check(&dir);
    assert_eq!(
        differing(&report),
        ["click_roll", "click_wide", "click_cols"],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains(&format!(
            "user 2: click {} is in none of its chunks",
            1i64 << 60
        )),
        "{text}"
    );
    assert!(text.contains("(no such row stored)"), "{text}");
}

/// A change of base currency under way has converted prices before the
/// rollups' spend: not a difference, but said.
#[test]
fn a_change_of_currency_under_way_is_not_a_difference() {
    let (dir, mut conn, _) = fixture();
    conn.execute_batch(
        "UPDATE click_cost SET cost = cost * 2 WHERE id IN (SELECT id FROM clicks WHERE user_id = 2);
         INSERT INTO rescale_pending (user_id, rate, phase, cursor, horizon) VALUES (2, 2.0, 1, 0, 0);",
    )
    .unwrap();
    let report = check(&dir);
    // The click columns' prices are converted with click_cost: there
    // they differ.
    assert_eq!(differing(&report), ["click_cols_cost"], "{report}");
    assert_eq!(report.rescaling, [2]);
    assert!(matches!(rebuild(&mut conn), Err(RebuildError::Rescaling(u)) if u == [2]));
}

/// A user agent id the dictionary lacks is named; a rebuild cannot
/// restore its text, and says so.
#[test]
fn a_dangling_dictionary_id_is_named() {
    let (dir, mut conn, _) = fixture();
    let sql = "UPDATE clicks SET referer = 99999 WHERE id = (SELECT min(id) FROM clicks)";
    conn.execute(sql, []).unwrap();
    let report = check(&dir);
    assert_eq!(differing(&report), ["dict"], "{report}");
    assert!(
        report
            .to_string()
            .contains(": referer 99999 is not in dict"),
        "{report}"
    );
    assert_eq!(rebuild(&mut conn).unwrap().dangling, 1);
}
