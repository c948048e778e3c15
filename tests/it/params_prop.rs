//! Property tests of the parameter parsing (SPEC 3, issue 7): any bytes
//! as query, form or JSON body parse or fail cleanly, never panic; the
//! three array forms and the two meta forms mean the same thing.
use flowtrack::api::error::ErrorCode;
use flowtrack::api::params::Params;
use proptest::prelude::*;

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_query_or_body_parses_or_fails_without_panicking(raw in "\\PC*", bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut p = Params::default();
        let _ = p.add_urlencoded(&raw);
        let _ = p.add_json(&bytes);
        let _ = p.add_json(raw.as_bytes());
        for name in ["a", "flow", "meta", "x"] {
            let _ = p.text(name);
            let _ = p.list(name);
            let _ = p.int(name, 0, 10, ErrorCode::BadParam);
            let _ = p.money(name, 1e9, ErrorCode::BadPrice);
            let _ = p.flag(name);
            let _ = p.object(name);
        }
    }

    #[test]
    fn text_values_survive_form_encoding(key in "[a-z_]{1,12}", value in "\\PC{0,80}") {
        let mut p = Params::default();
        p.add_urlencoded(&format!("{}={}", key, form_encode(&value))).unwrap();
        let trimmed = value.trim();
        prop_assert_eq!(p.text(&key).unwrap(), if trimmed.is_empty() { None } else { Some(trimmed.to_string()) });
    }

    #[test]
    fn the_three_array_forms_are_the_same_list(items in proptest::collection::vec("[a-z0-9-]{1,10}", 1..8)) {
        let mut brackets = Params::default();
        let q: Vec<String> = items.iter().map(|i| format!("flow[]={i}")).collect();
        brackets.add_urlencoded(&q.join("&")).unwrap();
        let mut commas = Params::default();
        commas.add_urlencoded(&format!("flow={}", items.join(","))).unwrap();
        let mut json = Params::default();
        json.add_json(serde_json::json!({ "flow": items }).to_string().as_bytes()).unwrap();
        prop_assert_eq!(brackets.list("flow").unwrap(), items.clone());
        prop_assert_eq!(commas.list("flow").unwrap(), items.clone());
        prop_assert_eq!(json.list("flow").unwrap(), items);
    }

    #[test]
    fn meta_fields_and_a_json_meta_object_are_the_same(pairs in proptest::collection::btree_map("[a-z]{1,8}", "[ -~]{0,20}", 0..6)) {
        let mut form = Params::default();
        let q: Vec<String> = pairs.iter().map(|(k, v)| format!("meta[{k}]={}", form_encode(v))).collect();
        form.add_urlencoded(&q.join("&")).unwrap();
        let mut json = Params::default();
        json.add_json(serde_json::json!({ "meta": pairs }).to_string().as_bytes()).unwrap();
        prop_assert_eq!(form.object("meta").unwrap(), json.object("meta").unwrap());
    }
}
