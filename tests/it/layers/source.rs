//! The crate's files and the modules each refers to (tests/layers.rs).
use super::tokens::{path_tree, tokens, Tok};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path such as `clicks::route` (`""` is the crate root).
pub type Module = String;

/// Everything about one source file the rules need.
pub struct File {
    /// Its path under src/, for messages.
    pub path: String,
    pub text: String,
    /// The modules it refers to, each resolved to the file module that
    /// holds it (`crate::click_id::key_at` is `click_id`).
    pub uses: BTreeSet<Module>,
    /// Those outside its tests (`#[cfg(test)]` items and modules).
    pub built: BTreeSet<Module>,
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

/// What one file refers to.
#[derive(Default)]
pub struct Refs {
    /// Every module it names.
    pub all: BTreeSet<Module>,
    /// Those named outside `#[cfg(test)]` items.
    pub built: BTreeSet<Module>,
    /// Its child modules declared `#[cfg(test)] mod name;`.
    pub test_children: BTreeSet<String>,
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
pub fn references(me: &str, text: &str, modules: &BTreeSet<Module>) -> Refs {
    let toks = tokens(text);
    // Names a `use` binds to modules first (a `use` may come after the
    // paths that go through it), then every path.
    let (_, aliases) = scan(me, &toks, modules, &Aliases::new());
    scan(me, &toks, modules, &aliases).0
}

/// The modules that names a file's `use` items bind stand for.
type Aliases = BTreeMap<String, Vec<String>>;

fn scan(me: &str, toks: &[Tok], modules: &BTreeSet<Module>, aliases: &Aliases) -> (Refs, Aliases) {
    let mut refs = Refs::default();
    let mut bound = Aliases::new();
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
            Tok::Ident(c) if c == "cfg" && test_item.is_none() && cfg_test(toks, i) => {
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
                let used = i > 0 && toks[i - 1] == Tok::Ident("use".into());
                let mut paths = Vec::new();
                let mut j = i;
                path_tree(toks, &mut j, Vec::new(), &mut paths);
                let here: Vec<String> = me
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .chain(inline.iter().map(|(n, _)| n.clone()))
                    .collect();
                for (path, binding) in paths {
                    let Some(mut absolute) = absolute(&here, &path, modules, aliases) else {
                        continue;
                    };
                    if let Some(m) = file_module(&absolute, modules) {
                        if m != me {
                            if test_item.is_none() {
                                refs.built.insert(m.clone());
                            }
                            refs.all.insert(m);
                        }
                    }
                    if absolute.last().is_some_and(|s| s == "self") {
                        absolute.pop();
                    }
                    if let Some(name) = binding.filter(|_| used) {
                        if modules.contains(&absolute.join("::")) {
                            bound.insert(name, absolute);
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
    (refs, bound)
}

/// The path from the crate root that `path` (written in module `here`)
/// names, or None outside the crate.
fn absolute(
    here: &[String],
    path: &[String],
    modules: &BTreeSet<Module>,
    aliases: &Aliases,
) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    let child: Vec<String> = here.iter().chain([&first.to_string()]).cloned().collect();
    let (mut absolute, mut rest) = match first {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (here.to_vec(), &path[1..]),
        "super" => (here.to_vec(), path),
        _ if modules.contains(&child.join("::")) => (here.to_vec(), path),
        _ => (aliases.get(first)?.clone(), &path[1..]),
    };
    while rest.first().is_some_and(|s| s == "super") {
        absolute.pop();
        rest = &rest[1..];
    }
    absolute.extend(rest.iter().cloned());
    Some(absolute)
}

/// The file module that holds what `absolute` names: its longest prefix
/// that is a module.
fn file_module(absolute: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    (0..=absolute.len())
        .rev()
        .map(|n| absolute[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// Every file of src/ by module, with what it refers to.
pub fn crate_files() -> BTreeMap<Module, File> {
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
