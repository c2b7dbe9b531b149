//! The architecture invariants of ARCHITECTURE.md, checked by reading
//! `src/`. Each test is one invariant; each failure says which file broke it
//! and where the rule is written down. Only code outside `#[cfg(test)]`
//! counts: a test may bind a socket or unwrap.

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
/// `src/testing.rs`, the test client, which connects to the loopback server
/// it started and serves nothing.
#[test]
fn only_src_http_touches_sockets() {
    let found = offenders(&["TcpStream", "TcpListener", "UdpSocket"], |f| {
        f.starts_with("src/http/") || f == "src/testing.rs"
    });
    let in_testing: Vec<String> =
        offenders(&["TcpListener", "UdpSocket"], |f| f != "src/testing.rs");
    assert!(
        in_testing.is_empty(),
        "src/testing.rs only connects (TcpStream), it never listens:\n{}",
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
        "src/crypto/secret.rs",       // the type itself
        "src/oauth/authorize.rs", // the code, into the redirect to the client ([15], [24], [25])
        "src/oauth/register.rs",  // a client secret, in the registration answer ([8])
        "src/oauth/token.rs",     // the tokens, in the token answer ([27], [31])
        "src/oauth/client/lookup.rs", // a presented client secret, compared ([26], [32])
        "src/crypto/signing.rs",  // MCP_SIGNING_KEY, into the HMAC key
        "src/oauth/upstream.rs", // our IdP client secret and PKCE verifier, to the IdP ([20]); state into its MAC
        "src/ext/redis/mod.rs",  // REDIS_URL (it may hold the password), to the Redis client
        "src/ext/seal/aead.rs",  // a secret value (pending sign-in, upstream token), into the AEAD
        "src/doctor/probe.rs", // mcp-doctor's password and tokens, to the server under test, and to shorten them in its report
        "src/oauth/oidc/mod.rs", // the caller's upstream token, to the provider's userinfo ([21]); the kept profile, read back
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
/// other `Location` writer, `upstream`, sends the browser to the IdP, `[16]`, and back to
/// `/authorize`, `[22]`).
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
    // error.rs: back to the client; upstream.rs: to the IdP ([16]) and back
    // to /authorize ([22]).
    let found = offenders(&[".with_header(\"Location\""], |f| {
        f == "src/oauth/error.rs" || f == "src/oauth/upstream.rs"
    });
    assert!(
        found.is_empty(),
        "a Location header outside error.rs/upstream.rs:\n{}",
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
