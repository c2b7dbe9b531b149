//! docs/FLOW.md and the code say the same thing.
//!
//! * Every code link `` [`module::path::item`](../src/file.rs) `` in FLOW.md
//!   names a file that exists, the module path of that file, and an item the
//!   file defines (`fn item`, or `struct`/`enum`/`trait`/`type` for a
//!   capitalised segment).
//! * FLOW.md's arrows are exactly `[1]` … `[33]`, in order.
//! * Every file under `src/` opens with the step line
//!   `//! **[STEPS](crate::_documentation::flow) …`, claims only arrows
//!   FLOW.md has, and claims exactly what FLOW.md's module table says.
//! * The tests that docs/SECURITY.md names exist.
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

/// FLOW.md's module table: file → STEPS.
fn table(flow: &str) -> BTreeMap<String, String> {
    let mut rows = BTreeMap::new();
    for line in flow.lines().filter(|l| l.starts_with("| [`")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let Some((_, file)) = code_links(cells[0]).into_iter().next() else {
            continue;
        };
        rows.insert(file, cells[1].trim().to_string());
    }
    rows
}

#[test]
fn every_module_claims_arrows_that_flow_md_has_and_its_table_agrees() {
    let flow = read("docs/FLOW.md");
    let arrows = flow_arrows(&flow);
    let table = table(&flow);
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
        match table.get(&file) {
            None => problems.push(format!(
                "src/{file} is missing from the module table of docs/FLOW.md (\"The modules, by step\")"
            )),
            Some(row) if row != steps => problems.push(format!(
                "src/{file} claims [{steps}] but docs/FLOW.md's table says {row}"
            )),
            Some(_) => {}
        }
    }
    for file in table.keys() {
        if !root().join("src").join(file).exists() {
            problems.push(format!(
                "docs/FLOW.md's table lists src/{file}, which does not exist"
            ));
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

/// Every test function named in docs/SECURITY.md as `` `tests/file.rs::name` ``
/// or `` `src/file.rs::name` `` exists there.
#[test]
fn the_tests_security_md_names_exist() {
    let security = read("docs/SECURITY.md");
    let mut named = 0;
    let mut problems = Vec::new();
    for span in security.split('`').skip(1).step_by(2) {
        let Some((file, name)) = span.split_once(".rs::") else {
            continue;
        };
        if !(file.starts_with("tests/") || file.starts_with("src/")) {
            continue;
        }
        named += 1;
        let path = format!("{file}.rs");
        match fs::read_to_string(root().join(&path)) {
            Err(_) => problems.push(format!("{path}: no such file (for {name})")),
            Ok(source) => {
                if !source.contains(&format!("fn {name}(")) {
                    problems.push(format!("{path} has no test `fn {name}()`"));
                }
            }
        }
    }
    assert!(named >= 15, "docs/SECURITY.md names only {named} tests");
    assert!(
        problems.is_empty(),
        "docs/SECURITY.md is out of date:\n{}",
        problems.join("\n")
    );
}
