//! docs/API.md stays true to the code: it documents exactly the router's
//! functions (`flowtrack::routes::ENDPOINTS`), each with a curl example, and
//! exactly the error codes the code can answer: the variants of
//! `flowtrack::api::error::ErrorCode` (the source cannot answer another),
//! each of which the source uses. README.md points to that table.
use flowtrack::api::error::ErrorCode;
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

/// The texts of `ErrorCode::ALL`, checked to be distinct.
fn listed_codes() -> BTreeSet<String> {
    let listed: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        listed.len(),
        ErrorCode::ALL.len(),
        "ErrorCode::ALL names a code twice"
    );
    listed
}

#[test]
fn every_error_code_is_in_the_error_table_of_the_doc() {
    let codes = documented_codes(&api_md());
    let documented: BTreeSet<String> = codes.iter().cloned().collect();
    assert_eq!(codes.len(), documented.len(), "a code documented twice");
    same("error codes", &listed_codes(), &documented, "docs/API.md");
}

#[test]
fn the_readme_points_to_the_error_table() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme.contains("(docs/API.md#error-codes)"),
        "README.md does not link to docs/API.md#error-codes"
    );
    // The anchor is the heading's.
    assert!(api_md().contains("\n## Error codes\n"));
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

/// The names the source writes as `ErrorCode::Name` outside comments
/// (the enum's own list in src/api/error.rs names its variants bare;
/// rusqlite's `ErrorCode` adds names that are none).
fn variants_in_source() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut names = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("ErrorCode::") {
                let rest = &line[at + "ErrorCode::".len()..];
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn the_code_answers_every_listed_error_code() {
    // A code the source never answers would be documented for nothing.
    let used = variants_in_source();
    let unused: Vec<_> = ErrorCode::ALL
        .iter()
        .filter(|c| !used.contains(&format!("{c:?}")))
        .map(|c| c.as_str())
        .collect();
    assert!(
        unused.is_empty(),
        "error codes no source answers: {unused:?}"
    );
}
