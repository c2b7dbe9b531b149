//! docs/FLOW.md and the code say the same thing.
//!
//! * Every code link `` [`module::path::item`](../src/file.rs) `` in FLOW.md
//!   names a file that exists, the module path of that file, and an item the
//!   file defines (`fn item`, or `struct`/`enum`/`trait`/`type` for a
//!   capitalised segment).
//! * FLOW.md's arrows are exactly `[1]` … `[33]`, in order.
//! * Every file under `src/` opens with the step line
//!   `//! **[STEPS](crate::_documentation::flow) …` and claims only arrows
//!   FLOW.md has.
//! * FLOW.md's headings are the arrows of `remote_mcp::arrow::Arrow`.
//! * Every backticked Rust path (`oauth::token::handle`) in FLOW.md,
//!   ARCHITECTURE.md, README.md and docs/*.md names a module and an item
//!   that exist.
//! * Every "When a client gets it wrong" part of FLOW.md cites a test that
//!   pins what it says, and every test any of those documents cites
//!   (`tests/file.rs::name`) exists.
//!
//! Plain string scanning, no markdown parser: the conventions are simple on
//! purpose, so that a failure message can say exactly what to fix.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use remote_mcp::arrow::Arrow;

const ARROWS: u32 = 33;

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `src/`, as `oauth/token.rs`.
fn source_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).unwrap().to_string_lossy();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    let src = root().join("src");
    walk(&src, &src, &mut out);
    out.sort();
    out
}

/// `oauth/token.rs` → `oauth::token`, `oauth/mod.rs` → `oauth`, `lib.rs` → ``.
fn module_path(file: &str) -> String {
    let file = file.trim_end_matches(".rs");
    let file = file.trim_end_matches("/mod");
    if file == "lib" {
        String::new()
    } else {
        file.replace('/', "::")
    }
}

/// Every `` [`text`](../src/file.rs) `` link in `markdown`: (text, file).
fn code_links(markdown: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("[`") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("`](../src/") else {
            continue;
        };
        let text = &rest[..end];
        let after = &rest[end + "`](../src/".len()..];
        let Some(close) = after.find(')') else {
            continue;
        };
        if !text.contains('`') && !text.contains('\n') {
            links.push((text.to_string(), after[..close].to_string()));
        }
    }
    links
}

/// Whether `source` defines `item`: `fn item` for a lowercase name,
/// `struct|enum|trait|type Item` for a capitalised one.
fn defines(source: &str, item: &str) -> bool {
    let starts_upper = item.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let kinds: &[&str] = if starts_upper {
        &["struct", "enum", "trait", "type"]
    } else {
        &["fn"]
    };
    kinds.iter().any(|kind| {
        source.contains(&format!("{kind} {item}("))
            || source.contains(&format!("{kind} {item} "))
            || source.contains(&format!("{kind} {item}<"))
            || source.contains(&format!("{kind} {item}:"))
            || source.contains(&format!("{kind} {item};"))
    })
}

#[test]
fn every_code_link_in_flow_md_names_a_file_and_an_item_that_exist() {
    let flow = read("docs/FLOW.md");
    let links = code_links(&flow);
    assert!(
        links.len() > 80,
        "the link convention changed? only {} links",
        links.len()
    );
    let mut problems = Vec::new();
    for (text, file) in &links {
        let Ok(source) = fs::read_to_string(root().join("src").join(file)) else {
            problems.push(format!("[`{text}`](../src/{file}): no such file"));
            continue;
        };
        let module = module_path(file);
        let items = if module.is_empty() {
            text.as_str()
        } else if text == &module {
            ""
        } else if let Some(items) = text.strip_prefix(&format!("{module}::")) {
            items
        } else {
            problems.push(format!(
                "[`{text}`](../src/{file}): the text must start with the file's module path `{module}`"
            ));
            continue;
        };
        for item in items.split("::").filter(|i| !i.is_empty()) {
            if !defines(&source, item) {
                problems.push(format!(
                    "[`{text}`](../src/{file}): src/{file} has no `{item}`"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/FLOW.md is out of date:\n{}",
        problems.join("\n")
    );
}

/// The arrow numbers of FLOW.md's headings (`#### `[12]` …`), in order.
fn flow_arrows(flow: &str) -> Vec<u32> {
    flow.lines()
        .filter_map(|l| l.strip_prefix("#### `["))
        .filter_map(|l| l.split(']').next())
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("bad arrow heading: [{n}]"))
        })
        .collect()
}

#[test]
fn flow_md_has_every_arrow_once_in_order() {
    let arrows = flow_arrows(&read("docs/FLOW.md"));
    assert_eq!(arrows, (1..=ARROWS).collect::<Vec<_>>());
}

/// The arrows in code (`remote_mcp::arrow::Arrow`) are FLOW.md's: each
/// variant's number, parties and label are its heading there.
#[test]
fn the_arrow_enum_is_flow_md_s_headings() {
    let flow = read("docs/FLOW.md");
    let headings: Vec<&str> = flow
        .lines()
        .filter_map(|l| l.strip_prefix("#### `["))
        .collect();
    assert_eq!(Arrow::ALL.len(), headings.len());
    for (arrow, heading) in Arrow::ALL.iter().zip(&headings) {
        assert_eq!(
            format!("#### {}", arrow.heading()),
            format!("#### `[{heading}"),
            "Arrow::{arrow:?} and docs/FLOW.md disagree"
        );
    }
}

/// `26–27, 30–31` → {26, 27, 30, 31}; `all` → every arrow; `setup` → none.
fn expand(steps: &str) -> Result<Vec<u32>, String> {
    match steps {
        "all" => return Ok((1..=ARROWS).collect()),
        "setup" => return Ok(Vec::new()),
        _ => {}
    }
    let mut out = Vec::new();
    for part in steps.split(", ") {
        let (from, to) = part.split_once('–').unwrap_or((part, part));
        let from: u32 = from
            .parse()
            .map_err(|_| format!("not a number: {from:?}"))?;
        let to: u32 = to.parse().map_err(|_| format!("not a number: {to:?}"))?;
        if from > to {
            return Err(format!("backwards range {part}"));
        }
        out.extend(from..=to);
    }
    Ok(out)
}

/// The STEPS of a file's first line `//! **[STEPS](crate::_documentation::flow) …`.
fn claimed_steps(source: &str) -> Option<&str> {
    let first = source.lines().next()?;
    let rest = first.strip_prefix("//! **[")?;
    let (steps, after) = rest.split_once(']')?;
    after
        .starts_with("(crate::_documentation::flow) ")
        .then_some(steps)
}

#[test]
fn every_module_claims_arrows_that_flow_md_has() {
    let flow = read("docs/FLOW.md");
    let arrows = flow_arrows(&flow);
    let mut problems = Vec::new();
    for file in source_files() {
        if file == "lib.rs" {
            continue; // the crate root opens with the crate's title
        }
        let source = read(&format!("src/{file}"));
        let Some(steps) = claimed_steps(&source) else {
            problems.push(format!(
                "src/{file}: the first line must be `//! **[STEPS](crate::_documentation::flow) Title…` \
                 (STEPS: e.g. `26–27, 30–31`, `all` or `setup`)"
            ));
            continue;
        };
        match expand(steps) {
            Err(e) => problems.push(format!("src/{file}: [{steps}]: {e}")),
            Ok(numbers) => {
                for n in numbers.iter().filter(|n| !arrows.contains(n)) {
                    problems.push(format!(
                        "src/{file} claims arrow [{n}], which docs/FLOW.md does not have"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_step_convention_reads_what_it_should() {
    assert_eq!(expand("26–27, 30–31"), Ok(vec![26, 27, 30, 31]));
    assert_eq!(expand("12"), Ok(vec![12]));
    assert_eq!(expand("setup"), Ok(vec![]));
    assert!(
        expand("5-7").is_err(),
        "a hyphen is not the en dash of the convention"
    );
    assert_eq!(
        claimed_steps("//! **[3–6](crate::_documentation::flow) Discovery.**"),
        Some("3–6")
    );
    assert_eq!(claimed_steps("//! **Discovery.**"), None);
    assert_eq!(
        code_links("see [`oauth::token::handle`](../src/oauth/token.rs) and [`x`](y)"),
        vec![(
            "oauth::token::handle".to_string(),
            "oauth/token.rs".to_string()
        )]
    );
    assert_eq!(module_path("oauth/mod.rs"), "oauth");
    assert!(defines("pub fn handle(x: u8)", "handle"));
    assert!(!defines("pub fn handler(x: u8)", "handle"));
}

// ── Every backticked path in the docs names something that exists ─────────

/// The documents whose backticked Rust paths must resolve.
fn documents() -> Vec<String> {
    let mut docs = vec![
        "docs/FLOW.md".to_string(),
        "ARCHITECTURE.md".to_string(),
        "README.md".to_string(),
    ];
    let mut more: Vec<String> = fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| format!("docs/{}", p.file_name().unwrap().to_string_lossy()))
        .filter(|d| d != "docs/FLOW.md")
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// `module path` → the source of its file, for every file under `src/`
/// (the crate root as ``).
fn modules() -> BTreeMap<String, String> {
    source_files()
        .into_iter()
        .filter(|f| !f.starts_with("bin/"))
        .map(|f| (module_path(&f), read(&format!("src/{f}"))))
        .collect()
}

/// Whether `source` declares `name`: an item (`fn`, `struct`, `enum`,
/// `trait`, `type`, `const`, `static`, `mod`, `macro_rules!`), a re-export
/// (`pub use …name`), an enum variant or a struct field.
fn declares(source: &str, name: &str) -> bool {
    let word = |text: &str, at: usize| {
        let after = text[at + name.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    };
    let items = [
        "fn ",
        "struct ",
        "enum ",
        "trait ",
        "type ",
        "const ",
        "static ",
        "mod ",
        "macro_rules! ",
    ];
    items.iter().any(|kind| {
        let needle = format!("{kind}{name}");
        source
            .match_indices(&needle)
            .any(|(at, _)| word(source, at + kind.len()))
    }) || source.lines().any(|line| {
        let line = line.trim();
        // a re-export: `pub use x::{a, name};`, or a variant / a field
        (line.starts_with("pub use ") && line.match_indices(name).any(|(at, _)| word(line, at)))
            || [
                format!("{name},"),
                format!("{name}("),
                format!("{name} {{"),
                format!("{name} ="),
                format!("pub {name}:"),
            ]
            .iter()
            .any(|form| line.starts_with(form.as_str()))
    })
}

/// What is wrong with the backticked `path` (`oauth::token::handle`,
/// `remote_mcp::McpServer::tool`), or `None` when it names something that
/// exists; also `None` for a path that is not ours (`std::…`, `serde_json::…`).
fn unresolved(path: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let path = path.trim_end_matches("()");
    let path = path
        .strip_prefix("remote_mcp::")
        .or(path.strip_prefix("crate::"))
        .unwrap_or(path);
    let segments: Vec<&str> = path.split("::").collect();
    let first = segments[0];
    let ours = modules.contains_key(first)
        || (first.starts_with(|c: char| c.is_ascii_uppercase()) && declares(&modules[""], first));
    if !ours {
        return None;
    }
    // the longest prefix that is a module file
    let depth = (0..=segments.len())
        .rev()
        .find(|n| modules.contains_key(&segments[..*n].join("::")))
        .unwrap_or(0);
    let module = segments[..depth].join("::");
    let mut rest = segments[depth..].iter();
    let Some(item) = rest.next() else {
        return None; // a module
    };
    let source = &modules[&module];
    if !declares(source, item) {
        return Some(format!(
            "{} has no `{item}`",
            if module.is_empty() {
                "the crate root".to_string()
            } else {
                format!("module `{module}`")
            }
        ));
    }
    // methods, variants, fields: declared in the module, or wherever the
    // item really lives when the module re-exports it
    for member in rest {
        if !declares(source, member) && !modules.values().any(|s| declares(s, member)) {
            return Some(format!("no `{member}` anywhere in src/"));
        }
    }
    None
}

/// The backticked spans of `markdown` that look like Rust paths
/// (`a::b`, `a::B::c()`), outside fenced code blocks.
fn backticked_paths(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for span in line.split('`').skip(1).step_by(2) {
            let bare = span.trim_end_matches("()");
            let is_path = bare.contains("::")
                && bare
                    .split("::")
                    .all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'));
            if is_path {
                out.push(span.to_string());
            }
        }
    }
    out
}

#[test]
fn every_backticked_path_in_the_docs_resolves() {
    let modules = modules();
    let mut checked = 0;
    let mut problems = Vec::new();
    for doc in documents() {
        for path in backticked_paths(&read(&doc)) {
            checked += 1;
            if let Some(why) = unresolved(&path, &modules) {
                problems.push(format!("{doc}: `{path}`: {why}"));
            }
        }
    }
    assert!(
        checked > 150,
        "only {checked} backticked paths: the scanner broke?"
    );
    eprintln!("{checked} backticked paths checked");
    assert!(
        problems.is_empty(),
        "stale names in the docs:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_path_checker_sees_stale_names() {
    let modules = modules();
    assert_eq!(unresolved("oauth::token::handle", &modules), None);
    assert_eq!(unresolved("remote_mcp::McpServer", &modules), None);
    assert_eq!(unresolved("std::sync::Arc", &modules), None, "not ours");
    assert!(unresolved("oauth::token::no_such_function", &modules).is_some());
    assert!(
        unresolved("oauth::tokens::TokenClaims", &modules).is_some(),
        "a module that moved"
    );
    assert!(unresolved("arrow::Arrow::NoSuchArrow", &modules).is_some());
    assert_eq!(
        backticked_paths("see `a::b` and `x`\n```\n`c::d`\n```\n`e::F::g()`"),
        vec!["a::b", "e::F::g()"]
    );
}

// ── Behaviour claims cite the tests that pin them ──────────────────────────

/// Every `` `tests/file.rs::name` `` or `` `src/file.rs::name` `` in `markdown`.
fn cited_tests(markdown: &str) -> Vec<(String, String)> {
    markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| span.split_once(".rs::"))
        .filter(|(file, name)| {
            (file.starts_with("tests/") || file.starts_with("src/"))
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(file, name)| (format!("{file}.rs"), name.to_string()))
        .collect()
}

/// Every test a document cites exists: `fn name(` in that file.
#[test]
fn every_cited_test_exists() {
    let mut cited = 0;
    let mut problems = Vec::new();
    for doc in documents() {
        for (file, name) in cited_tests(&read(&doc)) {
            cited += 1;
            match fs::read_to_string(root().join(&file)) {
                Err(_) => problems.push(format!("{doc}: {file}: no such file (for {name})")),
                Ok(source) if !source.contains(&format!("fn {name}(")) => {
                    problems.push(format!("{doc}: {file} has no `fn {name}()`"))
                }
                Ok(_) => {}
            }
        }
    }
    assert!(cited >= 20, "the docs cite only {cited} tests");
    assert!(
        problems.is_empty(),
        "the docs cite tests that do not exist:\n{}",
        problems.join("\n")
    );
}

/// docs/FLOW.md's arrow sections, as (heading, the text from its
/// `**When a client gets it wrong:**` to the next heading) for those that
/// have one.
fn what_clients_get_wrong(flow: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut part: Option<String> = None;
    for line in flow.lines() {
        if line.starts_with('#') {
            if let Some(text) = part.take() {
                out.push((heading.clone(), text));
            }
            heading = line.trim_start_matches('#').trim().to_string();
        } else if line.starts_with("**When a client gets it wrong:**") {
            part = Some(String::new());
        }
        if let Some(text) = part.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out.extend(part.map(|text| (heading, text)));
    out
}

/// Every "When a client gets it wrong" part of FLOW.md says what the server
/// does with a wrong request, and cites at least one test that pins it.
#[test]
fn every_behaviour_flow_md_states_cites_its_test() {
    let parts = what_clients_get_wrong(&read("docs/FLOW.md"));
    assert!(parts.len() >= 20, "only {} parts found", parts.len());
    let uncited: Vec<String> = parts
        .iter()
        .filter(|(_, text)| cited_tests(text).is_empty())
        .map(|(heading, _)| format!("#### {heading}"))
        .collect();
    assert!(
        uncited.is_empty(),
        "these arrows of docs/FLOW.md state behaviour without citing the test that pins it \
         (`tests/FILE.rs::test_name`):\n{}",
        uncited.join("\n")
    );
}
