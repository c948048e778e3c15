//! The lists derived from the registry are the stored format and the
//! answers' order: these are the orders the database and the API had when
//! the registry replaced the hand-kept lists, spelled out once more.
use super::*;
use crate::store::record::ClickRecord;

fn names<const N: usize>(list: Place) -> Vec<&'static str> {
    ordered::<N>(list).iter().map(|d| d.column).collect()
}

#[test]
fn stored_orders_are_those_of_the_format() {
    // click_roll and lead_roll kinds, and click_wide's key after user and
    // bucket (schema.sql).
    assert_eq!(
        names::<{ count(Place::Roll) }>(Place::Roll),
        [
            "flow", "way", "site", "filter", "geo", "mobile", "os", "browser", "utms", "domain",
            "utmm", "source", "landing"
        ]
    );
    // The click-column blob (migration step 6; source and landing since
    // its version 2, step 9).
    assert_eq!(
        names::<{ count(Place::Int) }>(Place::Int),
        ["uniq", "way", "site", "filter", "mobile", "os", "browser", "source", "landing"]
    );
    assert_eq!(
        names::<{ count(Place::Text) }>(Place::Text),
        ["flow", "geo", "utms", "domain", "utmm", "subid", "utmc", "utmn", "utmt"]
    );
}

#[test]
fn answered_orders_are_those_of_the_api() {
    let api = |list: &[Dim]| -> Vec<&str> { list.iter().map(|d| d.api.unwrap()).collect() };
    assert_eq!(
        api(&ordered::<{ count(Place::Filter) }>(Place::Filter)),
        [
            "flow",
            "way",
            "site",
            "filter",
            "geo",
            "mobile",
            "os",
            "browser",
            "domain",
            "ip",
            "utm_source",
            "utm_campaign",
            "utm_content",
            "utm_term",
            "utm_medium",
            "subid",
            "source",
            "landing",
            "offer"
        ]
    );
    let items: Vec<&str> = ordered::<{ count(Place::Item) }>(Place::Item)
        .iter()
        .map(|d| d.item.unwrap().0)
        .collect();
    assert_eq!(
        items,
        [
            "flow", "way", "site", "filter", "geo", "mobile", "os", "browser", "ip", "utmd",
            "subid", "utms", "utmc", "utmn", "utmt", "utmm", "source", "landing", "offer"
        ]
    );
    let fields: Vec<&str> = DIMS.iter().filter_map(|d| d.api).collect();
    assert_eq!(
        fields,
        [
            "flow",
            "way",
            "site",
            "filter",
            "unique",
            "ip",
            "geo",
            "lang",
            "os",
            "browser",
            "mobile",
            "ua",
            "referer",
            "domain",
            "utm_source",
            "utm_campaign",
            "utm_content",
            "utm_term",
            "utm_medium",
            "subid",
            "uuid",
            "adid",
            "data1",
            "data2",
            "source",
            "landing",
            "offer",
            "lpclick"
        ]
    );
}

#[test]
fn a_tag_row_reads_and_writes_its_own_tag() {
    let mut c = ClickRecord::default();
    for (k, d) in DIMS.iter().filter(|d| d.tag.is_some()).enumerate() {
        *tag_mut(d, &mut c.tags).unwrap() = format!("v{k}");
    }
    for (k, d) in DIMS.iter().filter(|d| d.tag.is_some()).enumerate() {
        assert_eq!(d.get(&c), Val::Text(&format!("v{k}")), "{}", d.column);
        assert_eq!(*c.tags.all()[k], format!("v{k}"));
    }
}

#[test]
fn names_are_unique_and_rolled_columns_are_columns_too() {
    let mut seen = std::collections::HashSet::new();
    for d in &DIMS {
        assert!(seen.insert(d.column), "{}", d.column);
        if let Some(a) = d.api {
            assert!(api(a).is_some_and(|x| x.column == d.column), "{a}");
        }
        assert!(
            d.query <= d.tag.is_some(),
            "{}: a query parameter is a tag",
            d.column
        );
        assert!(d.filter.is_none() || d.api.is_some(), "{}", d.column);
    }
}
