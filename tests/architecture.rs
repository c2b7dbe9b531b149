//! The architecture invariants of ARCHITECTURE.md, checked by reading
//! `src/`. Each test is one invariant; each failure says which file broke it
//! and where the rule is written down. Only code outside `#[cfg(test)]`
//! counts: a test may bind a socket or unwrap.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/` (as `src/oauth/token.rs`) with the code
/// before its first `#[cfg(test)]`, comment lines removed.
fn production_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let code: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, code.join("\n"))
        })
        .collect()
}

/// Files (outside `allowed`) whose production code contains any of `needles`.
fn offenders(needles: &[&str], allowed: impl Fn(&str) -> bool) -> Vec<String> {
    production_sources()
        .into_iter()
        .filter(|(file, _)| !allowed(file))
        .filter_map(|(file, code)| {
            let found: Vec<&str> = needles
                .iter()
                .copied()
                .filter(|n| code.contains(n))
                .collect();
            (!found.is_empty()).then(|| format!("{file}: {}", found.join(", ")))
        })
        .collect()
}

/// ARCHITECTURE.md, invariant 1: only `src/http/` touches sockets — and
/// `src/testing/wire.rs`, the test client's HTTP client, which connects to
/// the loopback server it started and serves nothing.
#[test]
fn only_src_http_touches_sockets() {
    const TEST_CLIENT_WIRE: &str = "src/testing/wire.rs";
    let found = offenders(&["TcpStream", "TcpListener", "UdpSocket"], |f| {
        f.starts_with("src/http/") || f == TEST_CLIENT_WIRE
    });
    let in_testing: Vec<String> =
        offenders(&["TcpListener", "UdpSocket"], |f| f != TEST_CLIENT_WIRE);
    assert!(
        in_testing.is_empty(),
        "{TEST_CLIENT_WIRE} only connects (TcpStream), it never listens:\n{}",
        in_testing.join("\n")
    );
    assert!(
        found.is_empty(),
        "sockets outside src/http/ (ARCHITECTURE.md, invariant 1):\n{}",
        found.join("\n")
    );
}

/// The modules that may make outbound requests, and with what.
/// ARCHITECTURE.md, invariant 2, lists the same.
const OUTBOUND: &[(&str, &str)] = &[
    // Client ID Metadata Documents: a fenced ureq agent (arrows [10]–[11]).
    ("src/ext/cimd/fetch.rs", "ureq"),
    // The helper for tools' upstream calls and the IdP exchange ([20]–[21]).
    ("src/outbound.rs", "ureq"),
    // The shared state store's client (`--features redis`).
    ("src/ext/redis/mod.rs", "redis"),
];

/// ARCHITECTURE.md, invariant 2: only the outbound modules use `ureq` (or
/// another network client).
#[test]
fn only_the_outbound_modules_use_ureq() {
    for client in ["ureq", "redis"] {
        // `redis::Client` is the crate; `ext::redis::RedisStore` is our own
        // module of that name, which the assembly (src/app.rs) may name.
        let found: Vec<String> = production_sources()
            .into_iter()
            .filter(|(file, _)| !OUTBOUND.iter().any(|(f, c)| f == file && *c == client))
            .filter(|(_, code)| {
                let path = format!("{client}::");
                code.contains(&format!("use {client}"))
                    || code
                        .match_indices(&path)
                        .any(|(i, _)| !code[..i].ends_with("::"))
            })
            .map(|(file, _)| format!("{file}: {client}"))
            .collect();
        assert!(
            found.is_empty(),
            "{client} outside the outbound modules (ARCHITECTURE.md, invariant 2):\n{}",
            found.join("\n")
        );
    }
}

/// ARCHITECTURE.md, invariant 3: a `Secret`'s value is read (`expose()`)
/// only where it goes on the wire to its owner, into a MAC, or to a client
/// library, never where it could be logged.
#[test]
fn secrets_are_exposed_only_where_the_architecture_says() {
    const ALLOWED: &[&str] = &[
        "src/crypto/secret.rs",          // the type itself
        "src/oauth/authorize.rs", // the code, into the redirect to the client ([15], [24], [25])
        "src/oauth/register.rs",  // a client secret, in the registration answer ([8])
        "src/oauth/token.rs",     // the tokens, in the token answer ([27], [31])
        "src/oauth/client/lookup.rs", // a presented client secret, compared ([26], [32])
        "src/crypto/signing.rs",  // MCP_SIGNING_KEY, into the HMAC key
        "src/ext/upstream/exchange.rs", // our IdP client secret, PKCE verifier and refresh token, to the IdP ([20])
        "src/ext/upstream/challenge.rs", // the upstream state and PKCE challenge, into the redirect and the sign-in cookie's MAC ([16])
        "src/ext/upstream/records.rs", // a pending sign-in, an upstream token or profile, into the sealed store and back
        "src/ext/redis/mod.rs",        // REDIS_URL (it may hold the password), to the Redis client
        "src/ext/seal/aead.rs", // a secret value (pending sign-in, upstream token), into the AEAD
        "src/doctor/probe.rs", // mcp-doctor's password and tokens, to the server under test, and to shorten them in its report
        "src/ext/upstream/oidc/mod.rs", // the caller's upstream token, to the provider's userinfo
    ];
    let found = offenders(&[".expose()"], |f| ALLOWED.contains(&f));
    assert!(
        found.is_empty(),
        "Secret::expose() outside the places ARCHITECTURE.md (invariant 3) lists:\n{}",
        found.join("\n")
    );
}

/// ARCHITECTURE.md, invariant 4: the endpoint modules do not call each
/// other; the one exception is `token`, which owns client authentication
/// and grant families for `revoke` and `bearer`.
#[test]
fn endpoint_modules_do_not_call_each_other() {
    const ENDPOINTS: &[&str] = &[
        "discovery",
        "register",
        "authorize",
        "token",
        "revoke",
        "bearer",
    ];
    const EXCEPTIONS: &[&str] = &[
        "token::authenticate_client",
        "token::revoke_family",
        "token::is_family_revoked",
        "token::MAX_FORM_BYTES",
    ];
    let mut found = Vec::new();
    for (file, code) in production_sources() {
        let Some(me) = ENDPOINTS
            .iter()
            .find(|e| file == format!("src/oauth/{e}.rs"))
        else {
            continue;
        };
        for other in ENDPOINTS.iter().filter(|o| *o != me) {
            for prefix in [format!("super::{other}::"), format!("oauth::{other}::")] {
                for (at, _) in code.match_indices(&prefix) {
                    let rest = &code[at + prefix.len()..];
                    // `use super::token::{a, b};` or `super::token::name`
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(list) => list
                            .split('}')
                            .next()
                            .unwrap_or("")
                            .split(',')
                            .map(str::trim)
                            .collect(),
                        None => vec![
                            rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                                .next()
                                .unwrap_or(""),
                        ],
                    };
                    for name in names.into_iter().filter(|n| !n.is_empty()) {
                        let used = format!("{other}::{name}");
                        if !EXCEPTIONS.contains(&used.as_str()) {
                            found.push(format!("{file} uses {used}"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "an endpoint module calls another (ARCHITECTURE.md, invariant 4):\n{}",
        found.join("\n")
    );
}

/// ARCHITECTURE.md, invariant 5: each error channel has one writer. A
/// `Bearer` challenge is written only by `bearer::challenge` (and the `Basic`
/// one of a 401 `invalid_client` by `error::TokenError`); a redirect to
/// the client's `redirect_uri` only by `error::redirect_to_client` (the
/// other `Location` writers, in `ext/upstream/`, send the browser to the IdP,
/// `[16]`, and back to `/authorize`, `[22]`).
#[test]
fn each_error_channel_has_one_writer() {
    // bearer.rs: the Bearer challenge; error.rs: `Basic` on a 401 invalid_client (RFC 6749 §5.2).
    let found = offenders(&[".with_header(\"WWW-Authenticate\""], |f| {
        f == "src/oauth/bearer.rs" || f == "src/oauth/error.rs"
    });
    assert!(
        found.is_empty(),
        "a WWW-Authenticate challenge outside bearer.rs/error.rs:\n{}",
        found.join("\n")
    );
    // error.rs: back to the client; the upstream extension: to the IdP
    // ([16], challenge.rs) and back to /authorize ([22], callback.rs).
    let found = offenders(&[".with_header(\"Location\""], |f| {
        f == "src/oauth/error.rs"
            || f == "src/ext/upstream/challenge.rs"
            || f == "src/ext/upstream/callback.rs"
    });
    assert!(
        found.is_empty(),
        "a Location header outside error.rs and ext/upstream/{{challenge,callback}}.rs:\n{}",
        found.join("\n")
    );
}

/// ARCHITECTURE.md, invariant 6: nothing from the network or the
/// environment is `unwrap()`ed: production code has no `unwrap()` or
/// `expect(` at all.
#[test]
fn production_code_never_unwraps() {
    let found = offenders(&[".unwrap()", ".expect("], |_| false);
    assert!(
        found.is_empty(),
        "unwrap()/expect() outside tests (ARCHITECTURE.md, invariant 6):\n{}",
        found.join("\n")
    );
}

/// ARCHITECTURE.md, invariant 7: no unsafe code, and missing docs are errors.
#[test]
fn the_crate_forbids_unsafe_and_requires_docs() {
    let lib = production_sources()
        .into_iter()
        .find(|(f, _)| f == "src/lib.rs")
        .unwrap()
        .1;
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    assert!(lib.contains("#![deny(missing_docs)]"));
}

// ── The layers (ARCHITECTURE.md, invariants 9 and 10) ───────────────────────

/// `src/oauth/token.rs` → `oauth::token`, `src/oauth/mod.rs` → `oauth`,
/// `src/lib.rs` → `` (the crate root).
fn module_of(file: &str) -> String {
    let path = file.trim_start_matches("src/").trim_end_matches(".rs");
    let path = path.strip_suffix("/mod").unwrap_or(path);
    if path == "lib" {
        String::new()
    } else {
        path.replace('/', "::")
    }
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, inner) = (&tree[..open], &tree[open + 1..tree.len() - 1]);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

/// The import graph between the files of `src/` (library only: `src/bin/`
/// is another crate): module → the modules it names. An import is a `use`
/// or a path starting with `crate::`, `super::` or `self::` (and, in a
/// `mod.rs`, with one of its child modules). A `mod.rs`'s `mod x;` and
/// `pub use x::…` only declare and re-export its children: not imports.
fn import_graph(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let files: Vec<&(String, String)> = files
        .iter()
        .filter(|(f, _)| !f.starts_with("src/bin/"))
        .collect();
    let modules: BTreeSet<String> = files.iter().map(|(f, _)| module_of(f)).collect();
    let mut graph = BTreeMap::new();
    for (file, code) in files {
        let me = module_of(file);
        let is_parent = file.ends_with("/mod.rs") || file == "src/lib.rs";
        let mut children = BTreeSet::new();
        let mut paths = Vec::new();
        let mut rest_of_code = String::new();
        let mut statement: Option<String> = None;
        for line in code.lines() {
            let line = line.split(" // ").next().unwrap_or(line);
            let trimmed = line.trim_start();
            let declared = trimmed
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            if is_parent && declared.starts_with("mod ") && declared.ends_with(';') {
                children.insert(declared[4..declared.len() - 1].trim().to_string());
                continue;
            }
            if statement.is_none() && declared.starts_with("use ") {
                statement = Some(String::new());
            }
            match statement.as_mut() {
                Some(s) => {
                    s.push_str(trimmed);
                    if trimmed.ends_with(';') {
                        let s = statement.take().unwrap_or_default();
                        let reexport = trimmed.starts_with("pub") || s.starts_with("pub");
                        let tree = s
                            .trim_start_matches("pub(crate) ")
                            .trim_start_matches("pub ")
                            .trim_start_matches("use ")
                            .trim_end_matches(';')
                            .to_string();
                        for path in expand_use(&tree) {
                            let path = path.split(" as ").next().unwrap_or(&path).to_string();
                            paths.push((path, reexport));
                        }
                    }
                }
                None => {
                    rest_of_code.push_str(line);
                    rest_of_code.push('\n');
                }
            }
        }
        let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
        for token in rest_of_code.split(|c: char| !ident(c)) {
            if token.contains("::") {
                paths.push((token.trim_start_matches(':').to_string(), false));
            }
        }
        let mut targets = BTreeSet::new();
        for (path, reexport) in paths {
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let Some(first) = segments.first() else {
                continue;
            };
            let mut base: Vec<&str> = if me.is_empty() {
                Vec::new()
            } else {
                me.split("::").collect()
            };
            let mut rest = &segments[..];
            match *first {
                "crate" => {
                    base.clear();
                    rest = &segments[1..];
                }
                "self" => rest = &segments[1..],
                "super" => {
                    while rest.first() == Some(&"super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                }
                child if children.contains(child) => {
                    if reexport {
                        continue;
                    }
                }
                _ => continue,
            }
            let full: Vec<&str> = base.iter().chain(rest).copied().collect();
            let target = (1..=full.len())
                .rev()
                .map(|n| full[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(target) = target.filter(|t| *t != me) {
                targets.insert(target);
            }
        }
        graph.insert(me, targets);
    }
    graph
}

/// One import cycle of `graph`, as `a → b → a`, if there is one.
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle.join(" → "));
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The core: every module but the extensions (`ext`), the tools (`doctor`,
/// `testing`), the documentation module, and the assembly that puts core
/// and extensions together (`lib.rs`, `app`, `router`).
fn is_core(module: &str) -> bool {
    let top = module.split("::").next().unwrap_or("");
    !matches!(
        top,
        "" | "ext" | "doctor" | "testing" | "_documentation" | "app" | "router"
    )
}

/// Imports from the core into an extension.
fn upward_imports(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    graph
        .iter()
        .filter(|(from, _)| is_core(from))
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| t.split("::").next() == Some("ext"))
                .map(move |t| format!("{from} → {t}"))
        })
        .collect()
}

/// ARCHITECTURE.md, invariant 9: the files of `src/` import each other
/// without a cycle, so that each can be read knowing only what it imports.
#[test]
fn the_import_graph_has_no_cycle() {
    let graph = import_graph(&production_sources());
    assert!(graph.len() > 40, "the graph reader lost the files");
    if std::env::var("PRINT_GRAPH").is_ok() {
        for (from, to) in &graph {
            println!(
                "{from} -> {}",
                to.iter().cloned().collect::<Vec<_>>().join(" ")
            );
        }
    }
    if let Some(cycle) = a_cycle(&graph) {
        panic!(
            "an import cycle (ARCHITECTURE.md, invariant 9): {cycle}\n\
             move what both sides need into a leaf file"
        );
    }
}

/// ARCHITECTURE.md, invariant 10: the core never imports an extension; only
/// the assembly (`app.rs`, `router.rs`, `lib.rs`) puts them in.
#[test]
fn the_core_never_imports_an_extension() {
    let graph = import_graph(&production_sources());
    let found = upward_imports(&graph);
    assert!(
        found.is_empty(),
        "the core imports an extension (ARCHITECTURE.md, invariant 10):\n{}",
        found.join("\n")
    );
}

/// The two layer checks fail when they should: a cycle and an upward import
/// written in the forms the code uses.
#[test]
fn the_layer_checks_see_cycles_and_upward_imports() {
    let file = |path: &str, code: &str| (path.to_string(), code.to_string());
    let files = vec![
        file("src/lib.rs", "pub mod oauth;\npub mod ext;"),
        file(
            "src/oauth/mod.rs",
            "pub mod token;\npub mod client;\npub use token::handle;",
        ),
        file(
            "src/oauth/token.rs",
            "use super::client::{Client, lookup};\nfn f() { crate::ext::cimd::fetch(); }",
        ),
        file("src/oauth/client.rs", "use crate::oauth::token::Claims;"),
        file("src/ext/mod.rs", "pub mod cimd;"),
        file("src/ext/cimd.rs", "use crate::oauth::client::Client;"),
    ];
    let graph = import_graph(&files);
    assert_eq!(
        graph["oauth::token"],
        BTreeSet::from(["oauth::client".to_string(), "ext::cimd".to_string()])
    );
    assert!(graph["oauth"].is_empty(), "re-exports are not imports");
    let cycle = a_cycle(&graph).unwrap_or_default();
    assert!(
        cycle.contains("oauth::client → oauth::token")
            || cycle.contains("oauth::token → oauth::client"),
        "{cycle}"
    );
    assert_eq!(upward_imports(&graph), vec!["oauth::token → ext::cimd"]);
    let fixed = vec![
        file("src/lib.rs", "pub mod oauth;"),
        file("src/oauth/mod.rs", "pub mod token;\npub mod client;"),
        file("src/oauth/token.rs", "use super::client::Client;"),
        file("src/oauth/client.rs", "pub struct Client;"),
    ];
    assert_eq!(a_cycle(&import_graph(&fixed)), None);
}

// ── The crate tour (src/lib.rs) ────────────────────────────────────────────

/// The lines of a file a reader reads: everything before its tests.
fn reading_lines(file: &str) -> usize {
    let text = fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .count()
}

/// `oauth::bearer` → `src/oauth/bearer.rs` or `src/oauth/bearer/mod.rs`;
/// `None` for a path that is not a module (`arrow::Arrow`).
fn file_of(module: &str) -> Option<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = module.replace("::", "/");
    [format!("src/{path}.rs"), format!("src/{path}/mod.rs")]
        .into_iter()
        .find(|f| root.join(f).exists())
}

/// The crate tour's core reading path: the modules its table links (items
/// such as `arrow::Arrow` are not files and do not count), in order (the rows of the table under "# Reading order" in src/lib.rs).
fn core_reading_path(lib: &str) -> Vec<String> {
    let mut modules = Vec::new();
    let section = lib
        .split("# Reading order")
        .nth(1)
        .and_then(|s| s.split("Below the diagram").next())
        .unwrap_or("");
    for row in section.lines().filter(|l| l.starts_with("//! | `[")) {
        for link in row.split("[`").skip(1) {
            let Some(name) = link.split("`]").next() else {
                continue;
            };
            let module = name.trim_start_matches("crate::").to_string();
            if file_of(&module).is_some() && !modules.contains(&module) {
                modules.push(module);
            }
        }
    }
    modules
}

/// ARCHITECTURE.md, "Reading order": the crate tour in src/lib.rs lists the
/// core's reading path for the diagram, says how many lines it is, and the
/// number is true (within 3 %) and about an evening's reading (≤ 4,200).
#[test]
fn the_tour_says_how_long_the_core_reading_path_is() {
    let lib =
        fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let path = core_reading_path(&lib);
    assert!(path.len() >= 15, "the tour's table lists only {path:?}");
    let mut total = reading_lines("src/lib.rs");
    for module in &path {
        total += file_of(module).map_or(0, |f| reading_lines(&f));
    }
    let stated: usize = lib
        .split("the path below is ")
        .nth(1)
        .and_then(|s| s.split(" lines").next())
        .map(|n| n.replace([',', ' '], ""))
        .and_then(|n| n.parse().ok())
        .expect("src/lib.rs says \"the path below is N lines\"");
    let off = total.abs_diff(stated) as f64 / total as f64;
    assert!(
        off <= 0.03,
        "src/lib.rs says the core reading path is {stated} lines; it is {total} \
         (src/lib.rs and the files of its table, tests excluded): update the tour"
    );
    assert!(
        total <= 4_200,
        "the core reading path is {total} lines: more than an evening (issue 14 says about 4,000)"
    );
}
