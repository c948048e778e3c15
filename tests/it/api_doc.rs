//! docs/API.md stays true to the code: it documents exactly the router's
//! functions (`flowtrack::routes::ENDPOINTS`), each with a curl example, and
//! exactly the error codes the code can answer, which are the codes of
//! `flowtrack::api::error::ERROR_CODES` and those the source passes to
//! `ApiError` and to the `Params` checks that make one.
use flowtrack::api::error::ERROR_CODES;
use flowtrack::routes::ENDPOINTS;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn api_md() -> String {
    std::fs::read_to_string(root().join("docs/API.md")).expect("docs/API.md")
}

/// Fails naming what one side has and the other lacks.
fn same(what: &str, code: &BTreeSet<String>, doc: &BTreeSet<String>, doc_name: &str) {
    let undocumented: Vec<_> = code.difference(doc).collect();
    let stale: Vec<_> = doc.difference(code).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "{what}: missing from {doc_name}: {undocumented:?}; in {doc_name} but not in the code: {stale:?}"
    );
}

/// The functions documented: headings `### name.json`, with the text of
/// each section.
fn documented_functions(doc: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in doc.lines() {
        if line.starts_with("#") {
            let name = line
                .strip_prefix("### ")
                .and_then(|h| h.trim().strip_suffix(".json"))
                .filter(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            match name {
                Some(n) => out.push((n.to_string(), String::new())),
                // Another heading ends the section before it.
                None => out.push((String::new(), String::new())),
            }
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out.retain(|(n, _)| !n.is_empty());
    out
}

#[test]
fn every_function_of_the_router_is_documented_with_an_example() {
    let doc = api_md();
    let sections = documented_functions(&doc);
    let code: BTreeSet<String> = ENDPOINTS.iter().map(|e| e.name.to_string()).collect();
    let documented: BTreeSet<String> = sections.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        sections.len(),
        documented.len(),
        "a function documented twice"
    );
    same("functions", &code, &documented, "docs/API.md");
    for (name, text) in &sections {
        assert!(
            text.contains("```sh")
                && text.contains("curl")
                && text.contains(&format!("{name}.json")),
            "### {name}.json has no curl example calling {name}.json"
        );
    }
}

/// The codes of docs/API.md's "Error codes" table (first column).
fn documented_codes(doc: &str) -> Vec<String> {
    let table = doc
        .split("\n## ")
        .find(|s| s.starts_with("Error codes\n"))
        .expect("docs/API.md has a section \"## Error codes\"");
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(code, _)| code.to_string()))
        .collect()
}

#[test]
fn every_error_code_is_in_the_error_table_of_the_doc() {
    let codes = documented_codes(&api_md());
    let documented: BTreeSet<String> = codes.iter().cloned().collect();
    assert_eq!(codes.len(), documented.len(), "a code documented twice");
    let listed: BTreeSet<String> = ERROR_CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        listed.len(),
        ERROR_CODES.len(),
        "ERROR_CODES names a code twice"
    );
    same("error codes", &listed, &documented, "docs/API.md");
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

/// The string literals among the arguments of the call whose `(` is at
/// the start of `rest`, and whether its last argument is one.
fn call_literals(rest: &str) -> (Vec<String>, bool) {
    let mut depth = 0;
    let mut literals = Vec::new();
    let mut last_is_literal = false;
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            '"' => {
                let literal: String = chars.by_ref().take_while(|c| *c != '"').collect();
                literals.push(literal);
                last_is_literal = true;
                continue;
            }
            ',' if depth == 1 => last_is_literal = false,
            c if c.is_whitespace() => continue,
            _ => last_is_literal = false,
        }
    }
    (literals, last_is_literal)
}

/// The codes the source can answer: the first argument of `ApiError`'s
/// constructors when it is a literal (`Self::` ones in src/api/error.rs),
/// `slow-down` of `ApiError::slow_down`, and the code, the last argument,
/// of `Params::int` and `Params::money`, which must be a literal.
fn codes_in_source() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let own = file.ends_with("src/api/error.rs");
        let mut offset = 0;
        for (n, line) in text.lines().enumerate() {
            // The text from this line on: a call may span lines.
            let from = &text[offset..];
            offset += line.len() + 1;
            if line.trim_start().starts_with("//") {
                continue;
            }
            let first = |prefix: &str, codes: &mut BTreeSet<String>| {
                for (at, _) in line.match_indices(prefix) {
                    let rest = from[at + prefix.len()..].trim_start();
                    if let Some(code) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                        codes.insert(code.to_string());
                    }
                }
            };
            for prefix in ["ApiError::new(", "ApiError::field(", "ApiError::one_of("] {
                first(prefix, &mut codes);
            }
            if own {
                for prefix in ["Self::new(", "Self::field(", "Self::one_of("] {
                    first(prefix, &mut codes);
                }
            }
            if line.contains("ApiError::slow_down(") {
                codes.insert("slow-down".into());
            }
            for method in [".int(", ".money("] {
                for (at, _) in line.match_indices(method) {
                    let (literals, last) = call_literals(&from[at + method.len() - 1..]);
                    assert!(
                        last,
                        "{}:{}: the error code of {method}...) is not a literal, so this test cannot see it",
                        file.display(),
                        n + 1
                    );
                    codes.insert(literals.last().unwrap().clone());
                }
            }
        }
    }
    codes
}

#[test]
fn the_code_answers_exactly_the_listed_error_codes() {
    let source = codes_in_source();
    // The scan must see the codes of every kind of call, or it proves
    // nothing: a constructor, one_of, slow_down and Params::int.
    for code in ["access", "no-item", "slow-down", "bad-unique", "bad-price"] {
        assert!(source.contains(code), "the source scan missed {code}");
    }
    let listed: BTreeSet<String> = ERROR_CODES.iter().map(|c| c.to_string()).collect();
    same(
        "error codes",
        &source,
        &listed,
        "flowtrack::api::error::ERROR_CODES",
    );
}
