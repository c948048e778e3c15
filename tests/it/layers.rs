//! The parts of docs/ARCHITECTURE.md ("Layout") keep to what each may
//! use: read from the source, every file's references to the crate's
//! modules (`crate::`, `super::`, `self::` and a child module's name,
//! comments and strings left out), checked against the rules below. A
//! new reference across a layer fails here naming the file.
mod source;
mod tokens;

use source::{crate_files, references, File, Module};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn the_reader_finds_what_a_file_uses() {
    let modules: BTreeSet<Module> = ["clicks", "clicks::route", "clicks::visitor", "stats"]
        .into_iter()
        .chain(["stats::items", "store", "store::page", "geo", "web"])
        .map(String::from)
        .collect();
    let text = r#"
        //! Routed by crate::web::fallback.
        use super::visitor::Visitor;
        use crate::{stats::items::{self, Key}, store};
        fn f() { let s = "crate::geo"; let c = '"'; store::page::page(); }
        #[cfg(test)]
        mod tests { use crate::geo::countries; }
        #[cfg(test)]
        mod more;
    "#;
    let refs = references("clicks::route", text, &modules);
    let names = |s: &BTreeSet<Module>| s.iter().cloned().collect::<Vec<_>>();
    let built = ["clicks::visitor", "stats::items", "store", "store::page"];
    assert_eq!(names(&refs.built), built);
    let all = [
        "clicks::visitor",
        "geo",
        "stats::items",
        "store",
        "store::page",
    ];
    assert_eq!(names(&refs.all), all);
    assert_eq!(names(&refs.test_children), ["more"]);
    // The whole crate is read.
    let files = crate_files();
    assert!(files.len() > 100, "{}", files.len());
    assert!(files["routes"].built.contains("stats"));
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

/// Each reference of a file of `layer` (tests included) outside `layer`
/// that `allowed` refuses, as messages.
fn breaches(
    files: &BTreeMap<Module, File>,
    layer: &str,
    allowed: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (module, file) in files {
        if top(module) != layer {
            continue;
        }
        for used in &file.uses {
            if top(used) != layer && !allowed(used) {
                out.push(format!("{} uses crate::{used}", file.path));
            }
        }
    }
    out
}

fn assert_none(rule: &str, breaches: Vec<String>) {
    assert!(breaches.is_empty(), "{rule}:\n  {}", breaches.join("\n  "));
}

/// The vocabulary below every feature: click ids, user ids, the coded
/// vocabularies (stages, OS, browser, filter), user agents, countries,
/// currencies, the in-memory configuration, text, time and giving memory
/// back. It uses
/// nothing above it.
const BASE: &[&str] = &[
    "click_id",
    "clock",
    "codes",
    "geo",
    "ids",
    "memory",
    "money",
    "snapshot",
    "text",
    "user_agent",
];

#[test]
fn the_base_uses_nothing_above_it() {
    let files = crate_files();
    for layer in BASE {
        assert_none(
            &format!("src/{layer} uses only the base"),
            breaches(&files, layer, |m| BASE.contains(&top(m))),
        );
    }
}

#[test]
fn the_database_layer_knows_no_feature() {
    // The writer's jobs answer the one error enum (src/api/error.rs).
    let files = crate_files();
    assert_none(
        "src/db uses only itself and the error enum",
        breaches(&files, "db", |m| m == "api::error"),
    );
}

#[test]
fn money_is_pure() {
    let files = crate_files();
    assert_none(
        "src/money uses nothing of the crate",
        breaches(&files, "money", |_| false),
    );
}

#[test]
fn the_api_layer_is_generic() {
    // The application's state is what a Call carries (src/state.rs); the
    // functions and the credential check come from src/routes.rs.
    let files = crate_files();
    assert_none(
        "src/api uses only the database layer, the log, the state and the base",
        breaches(&files, "api", |m| {
            ["db", "logs", "state"].contains(&top(m)) || BASE.contains(&top(m))
        }),
    );
}

#[test]
fn the_click_path_reaches_no_report() {
    // What the built click path (src/clicks/route.rs) uses, and what
    // that uses, file by file.
    let files = crate_files();
    let mut seen: BTreeMap<Module, Module> = BTreeMap::new();
    let mut todo = vec!["clicks::route".to_string()];
    seen.insert("clicks::route".into(), String::new());
    while let Some(m) = todo.pop() {
        for used in files.get(&m).map(|f| f.built.clone()).unwrap_or_default() {
            if !seen.contains_key(&used) {
                seen.insert(used.clone(), m.clone());
                todo.push(used);
            }
        }
    }
    assert!(seen.contains_key("store::record"), "{seen:?}");
    let reports: Vec<String> = seen
        .keys()
        .filter(|m| top(m) == "stats")
        .map(|m| {
            // The chain that reaches it.
            let mut chain = vec![m.clone()];
            while let Some(from) = seen.get(chain.last().unwrap()).filter(|f| !f.is_empty()) {
                chain.push(from.clone());
            }
            chain.reverse();
            chain.join(" -> ")
        })
        .collect();
    assert_none("src/clicks/route.rs reaches no report (src/stats)", reports);
}

/// The tables only the click store names (src/store; the migration steps
/// of src/schema create them).
const STORE_TABLES: &[&str] = &[
    "click_roll",
    "click_wide",
    "click_cols",
    "click_cols_cost",
    "click_cost",
    "lead_roll",
    "dict",
    "ship_log",
    "ship_state",
];

fn names_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(is_word)
            && !text[at + word.len()..].chars().next().is_some_and(is_word)
    })
}

#[test]
fn only_the_store_names_its_tables() {
    let files = crate_files();
    let mut out = Vec::new();
    for file in files.values() {
        if file.path.starts_with("src/store/") || file.path.starts_with("src/schema/") {
            continue;
        }
        for table in STORE_TABLES {
            if names_word(&file.text, table) {
                out.push(format!("{} names {table}", file.path));
            }
        }
    }
    assert_none("only src/store names the store's tables", out);
}

/// The store's interface (src/store/mod.rs): what the rest of the crate
/// may use of it.
const STORE_INTERFACE: &[&str] = &[
    "store",
    "store::aggregate",
    "store::append",
    "store::filters",
    "store::ip",
    "store::leads",
    "store::page",
    "store::record",
    "store::registry",
    "store::reports",
    "store::reprice",
    "store::reprice::pieces",
    "store::rescale",
    "store::retention",
    "store::ship",
    "store::upgrade",
    "store::verify",
];

#[test]
fn the_store_is_used_through_its_interface() {
    let files = crate_files();
    let mut out = Vec::new();
    for (module, file) in &files {
        if top(module) == "store" {
            continue;
        }
        for used in &file.uses {
            if top(used) == "store" && !STORE_INTERFACE.contains(&used.as_str()) {
                out.push(format!("{} uses crate::{used}", file.path));
            }
        }
    }
    assert_none("outside src/store, only the store's interface", out);
}

/// The one edge against the layers: the writer's jobs answer the error
/// enum of src/api/error.rs (the database layer's rule above keeps it to
/// that).
const BACK_EDGES: &[(&str, &str)] = &[("db", "api")];

/// The application's state (src/state.rs), which every call carries and
/// which holds a part of most modules: the root's, outside the order.
const ROOT_STATE: &str = "state";

#[test]
fn the_modules_form_no_cycle() {
    // Top-level modules by what their built code uses.
    let files = crate_files();
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, file) in &files {
        let from = top(module);
        for used in &file.built {
            let to = top(used);
            if from != to
                && !from.is_empty()
                && from != ROOT_STATE
                && to != ROOT_STATE
                && !BACK_EDGES.contains(&(from, to))
            {
                graph.entry(from).or_default().insert(to);
            }
        }
    }
    let mut cycles = Vec::new();
    for start in graph.keys() {
        // A path back to `start`, depth first.
        let mut stack = vec![(*start, vec![*start])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in graph.get(at).into_iter().flatten() {
                if next == start {
                    let mut cycle = path.clone();
                    cycle.push(next);
                    cycles.push(cycle.join(" -> "));
                } else if seen.insert(*next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
    let graph_text: Vec<String> = graph
        .iter()
        .map(|(m, uses)| {
            format!(
                "{m}: {}",
                uses.iter().copied().collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    assert_none(
        &format!("module cycles (the graph:\n  {})", graph_text.join("\n  ")),
        cycles,
    );
}
