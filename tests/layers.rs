//! The parts of docs/ARCHITECTURE.md ("Layout") keep to what each may
//! use: read from the source, every file's references to the crate's
//! modules (`crate::`, `super::`, `self::` and a child module's name,
//! comments and strings left out), checked against the rules below. A
//! new reference across a layer fails here naming the file.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path such as `clicks::route` (`""` is the crate root).
type Module = String;

/// Everything about one source file the rules need.
struct File {
    /// Its path under src/, for messages.
    path: String,
    text: String,
    /// The modules it refers to, each resolved to the file module that
    /// holds it (`crate::click_id::key_at` is `click_id`).
    uses: BTreeSet<Module>,
    /// Those outside its tests (`#[cfg(test)]` items and modules).
    built: BTreeSet<Module>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module of a file by its place (`src/a/b.rs`, `src/a/b/mod.rs`).
fn module_of(relative: &str) -> Module {
    let path = relative.trim_end_matches(".rs");
    let path = path.strip_suffix("/mod").unwrap_or(path);
    if path == "lib" || path == "main" {
        return String::new();
    }
    path.replace('/', "::")
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Sep,
    Open,
    Close,
    Comma,
    Other(char),
}

/// The tokens that make paths, without comments, strings and chars.
fn tokens(text: &str) -> Vec<Tok> {
    let s: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i += 1;
            while i < s.len() && s[i] != '"' {
                i += if s[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !ident_before(&s, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while s.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if s.get(j) != Some(&'"') {
                // r#ident
                i = j;
                continue;
            }
            j += 1;
            loop {
                if j >= s.len() {
                    break;
                }
                if s[j] == '"' && (0..hashes).all(|h| s.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{..}'), or a lifetime.
            if next == Some('\\') {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_' || s[i] == '.') {
                i += 1;
            }
        } else if c == ':' && next == Some(':') {
            out.push(Tok::Sep);
            i += 2;
        } else {
            out.push(match c {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                c => Tok::Other(c),
            });
            i += 1;
        }
    }
    out
}

fn ident_before(s: &[char], i: usize) -> bool {
    i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '_')
}

/// Collects the paths of a use tree or an expression path starting at
/// `toks[*i]`, each as its segments after `prefix`.
fn path_tree(toks: &[Tok], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(name)) => {
                path.push(name.clone());
                *i += 1;
                if toks.get(*i) == Some(&Tok::Sep) {
                    *i += 1;
                    continue;
                }
                out.push(path);
                return;
            }
            Some(Tok::Open) => {
                *i += 1;
                while *i < toks.len() && toks[*i] != Tok::Close {
                    if toks[*i] == Tok::Comma {
                        *i += 1;
                        continue;
                    }
                    let before = *i;
                    path_tree(toks, i, path.clone(), out);
                    // `as name`, `*` and anything else up to the next item.
                    while *i < toks.len() && !matches!(toks[*i], Tok::Comma | Tok::Close) {
                        *i += 1;
                    }
                    if *i == before {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            _ => {
                // `*`, or a path that ends in `::<T>`.
                out.push(path);
                return;
            }
        }
    }
}

/// What one file refers to.
#[derive(Default)]
struct Refs {
    /// Every module it names.
    all: BTreeSet<Module>,
    /// Those named outside `#[cfg(test)]` items.
    built: BTreeSet<Module>,
    /// Its child modules declared `#[cfg(test)] mod name;`.
    test_children: BTreeSet<String>,
}

/// Whether `toks[i..]` is `cfg(test)` (the inside of `#[cfg(test)]`).
fn cfg_test(toks: &[Tok], i: usize) -> bool {
    let want = [
        Tok::Ident("cfg".into()),
        Tok::Other('('),
        Tok::Ident("test".into()),
        Tok::Other(')'),
    ];
    i >= 2
        && toks[i - 2..i] == [Tok::Other('#'), Tok::Other('[')]
        && toks.get(i..i + 4).is_some_and(|t| t == want)
}

/// The modules of the crate that `file` (module `me`) refers to.
fn references(me: &str, text: &str, modules: &BTreeSet<Module>) -> Refs {
    let toks = tokens(text);
    let mut refs = Refs::default();
    // Inline modules (`mod tests { .. }`) open at a brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    // A `#[cfg(test)]` item: the depth it sits at, and whether its block
    // is open.
    let mut test_item: Option<(usize, bool)> = None;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Open => {
                depth += 1;
                if let Some((d, open)) = &mut test_item {
                    if *d + 1 == depth {
                        *open = true;
                    }
                }
            }
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                if test_item.is_some_and(|(d, open)| open && d == depth) {
                    test_item = None;
                }
            }
            Tok::Other(';') if test_item.is_some_and(|(d, open)| !open && d == depth) => {
                test_item = None;
            }
            Tok::Ident(c) if c == "cfg" && test_item.is_none() && cfg_test(&toks, i) => {
                test_item = Some((depth, false));
            }
            Tok::Ident(m) if m == "mod" => match (toks.get(i + 1), toks.get(i + 2)) {
                (Some(Tok::Ident(name)), Some(Tok::Open)) => inline.push((name.clone(), depth + 1)),
                (Some(Tok::Ident(name)), Some(Tok::Other(';'))) if test_item.is_some() => {
                    refs.test_children.insert(name.clone());
                }
                _ => {}
            },
            Tok::Ident(_)
                if toks.get(i + 1) == Some(&Tok::Sep) && (i == 0 || toks[i - 1] != Tok::Sep) =>
            {
                let mut paths = Vec::new();
                let mut j = i;
                path_tree(&toks, &mut j, Vec::new(), &mut paths);
                let here: Vec<String> = me
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .chain(inline.iter().map(|(n, _)| n.clone()))
                    .collect();
                for path in paths {
                    if let Some(m) = resolve(&here, &path, modules) {
                        if m != me {
                            if test_item.is_none() {
                                refs.built.insert(m.clone());
                            }
                            refs.all.insert(m);
                        }
                    }
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    refs
}

/// The file module a path names, or None outside the crate.
fn resolve(here: &[String], path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut absolute: Vec<String> = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => here.to_vec(),
        first => {
            let child: Vec<String> = here.iter().chain([&first.to_string()]).cloned().collect();
            if !modules.contains(&child.join("::")) {
                return None;
            }
            here.to_vec()
        }
    };
    let mut rest = path;
    if path[0] == "crate" || path[0] == "self" {
        rest = &path[1..];
    }
    while rest.first().is_some_and(|s| s == "super") {
        absolute.pop();
        rest = &rest[1..];
    }
    absolute.extend(rest.iter().cloned());
    // The longest prefix that is a file module.
    (0..=absolute.len())
        .rev()
        .map(|n| absolute[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// Every file of src/ by module, with what it refers to.
fn crate_files() -> BTreeMap<Module, File> {
    let root = src();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    let mut texts = Vec::new();
    for path in paths {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        texts.push((relative, text));
    }
    // `#[path = "x_tests.rs"] mod tests;` puts a file under its parent.
    let mut placed: BTreeMap<String, Module> = BTreeMap::new();
    for (relative, text) in &texts {
        let dir = relative.rsplit_once('/').map_or("", |(d, _)| d);
        let me = module_of(relative);
        for (at, _) in text.match_indices("#[path = \"") {
            let rest = &text[at + 10..];
            let Some((file, after)) = rest.split_once('"') else {
                continue;
            };
            let name = after
                .split("mod ")
                .nth(1)
                .and_then(|m| m.split(';').next())
                .unwrap_or("")
                .trim();
            let file = if dir.is_empty() {
                file.to_string()
            } else {
                format!("{dir}/{file}")
            };
            let module = if me.is_empty() {
                name.to_string()
            } else {
                format!("{me}::{name}")
            };
            placed.insert(file, module);
        }
    }
    let module = |relative: &str| {
        placed
            .get(relative)
            .cloned()
            .unwrap_or_else(|| module_of(relative))
    };
    let modules: BTreeSet<Module> = texts.iter().map(|(r, _)| module(r)).collect();
    let mut found = BTreeMap::new();
    let mut test_modules = BTreeSet::new();
    for (relative, text) in texts {
        let me = module(&relative);
        // A binary (src/main.rs) names the library by its name.
        let refs = references(&me, &text.replace("flowtrack::", "crate::"), &modules);
        for child in &refs.test_children {
            test_modules.insert(if me.is_empty() {
                child.clone()
            } else {
                format!("{me}::{child}")
            });
        }
        found.insert(me, (relative, text, refs));
    }
    let mut files = BTreeMap::new();
    for (me, (relative, text, refs)) in found {
        // A test module's children are tests too.
        let test = test_modules
            .iter()
            .any(|t| me == *t || me.starts_with(&format!("{t}::")));
        files.insert(
            me,
            File {
                path: format!("src/{relative}"),
                text,
                uses: refs.all,
                built: if test { BTreeSet::new() } else { refs.built },
            },
        );
    }
    files
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

/// The vocabulary below every feature: click ids, user agents, countries,
/// currencies, the in-memory configuration, text and time. It uses
/// nothing above it.
const BASE: &[&str] = &[
    "click_id",
    "clock",
    "geo",
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
    "store::ip",
    "store::leads",
    "store::page",
    "store::record",
    "store::reprice",
    "store::reprice::pieces",
    "store::rescale",
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
