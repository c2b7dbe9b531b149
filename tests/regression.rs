//! Regression tests from fuzzing (fuzz/, `bash fuzz/run.sh`).
//!
//! 1. Every input of the committed fuzz corpora (fuzz/corpus/TARGET/) is
//!    replayed here through the same public entry points the fuzz targets
//!    use, on every `cargo test`, with the same checks: the JSON-RPC parser,
//!    form decoding (with its round trip), the `Authorization` check and the
//!    decoding of tokens, codes and client ids; HTTP heads go to a real
//!    server over a socket, which must answer with HTTP or close, and keep
//!    serving. (The fuzz builds reach the head parser directly, through a
//!    `cfg(fuzzing)` hook that normal builds do not have.)
//! 2. Each crash a fuzzer finds becomes a test below, headed with what it
//!    was. None so far: every target ran without a crash (see
//!    docs/PERFORMANCE.md, "Fuzzing").

#[path = "support/raw.rs"]
mod raw;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use raw::{TestServer, echo, quick_limits};
use remote_mcp::crypto::secret::Secret;
use remote_mcp::crypto::signing::SigningKey;
use remote_mcp::http::Request;
use remote_mcp::mcp::jsonrpc;
use remote_mcp::oauth::claims::{CodeClaims, RegistrationClaims, TokenClaims, TokenKind};
use remote_mcp::oauth::encoding::{Params, encode_pairs};
use remote_mcp::oauth::store::MemoryStore;
use remote_mcp::oauth::{OAuth, Settings, bearer};
use remote_mcp::{Config, SingleUserProvider};

/// The files of fuzz/corpus/TARGET (at least one: the corpus is committed).
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus {}", dir.display());
    files
}

fn key() -> SigningKey {
    SigningKey::from_secret(&Secret::new("fuzz-key-0123456789abcdef-0123456789"))
}

#[test]
fn the_jsonrpc_corpus_parses_or_is_refused_with_a_jsonrpc_code() {
    for (path, bytes) in corpus("jsonrpc") {
        if let Err(rejected) = jsonrpc::parse(&bytes) {
            let code = rejected.error.code;
            assert!(
                code == -32700 || code == -32600,
                "{}: {code}",
                path.display()
            );
        }
    }
}

#[test]
fn the_form_corpus_decodes_and_round_trips() {
    for (path, bytes) in corpus("form") {
        let _ = Params::parse_body(&bytes);
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(params) = Params::parse(text) {
            let pairs: Vec<(&str, &str)> = params.iter().collect();
            let again = Params::parse(&encode_pairs(pairs.iter().copied())).unwrap();
            let pairs_again: Vec<(&str, &str)> = again.iter().collect();
            assert_eq!(pairs, pairs_again, "{}", path.display());
        }
    }
}

#[test]
fn the_authorization_corpus_is_never_accepted() {
    let config = Config::local(8080);
    let oauth = OAuth {
        provider: Box::new(SingleUserProvider::new()),
        key: key(),
        store: Arc::new(MemoryStore::new()),
        client_documents: None, // the bearer check never looks a client up
        settings: Settings::from_config(&config, "fuzz"),
    };
    for (path, bytes) in corpus("authorization") {
        let text = String::from_utf8_lossy(&bytes);
        let (query, header) = text.split_once('\n').unwrap_or(("", &text));
        let request = Request::new("POST", &format!("/mcp?{query}"))
            .with_header("Host", "localhost:8080")
            .with_header("Authorization", header);
        assert!(
            bearer::check(&config, &oauth, &request).is_err(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_tokens_corpus_is_never_accepted_unsigned_and_decodes_signed() {
    let key = key();
    let now = 1_700_000_000;
    for (path, bytes) in corpus("tokens") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(TokenClaims::verify(&key, TokenKind::Access, &text, now).is_err());
        assert!(TokenClaims::verify(&key, TokenKind::Refresh, &text, now).is_err());
        assert!(CodeClaims::verify(&key, &text, now).is_err());
        assert!(
            RegistrationClaims::verify(&key, &text).is_err(),
            "{}",
            path.display()
        );
        // Signed around the input: reaches the claim parsing; must not panic.
        for kind in ["mcp_at", "mcp_rt", "mcp_code", "mcp_client"] {
            let signed = format!("{kind}.{text}");
            let token = format!("{signed}.{}", key.mac_b64("token", signed.as_bytes()));
            let _ = TokenClaims::verify(&key, TokenKind::Access, &token, now);
            let _ = TokenClaims::verify(&key, TokenKind::Refresh, &token, now);
            let _ = CodeClaims::verify(&key, &token, now);
            let _ = RegistrationClaims::verify(&key, &token);
        }
    }
}

#[test]
fn the_http_head_corpus_gets_http_answers_or_a_close_and_the_server_keeps_serving() {
    let server = TestServer::start(quick_limits(), echo);
    for (path, bytes) in corpus("http_head") {
        let mut conn = raw::Conn::open(server.addr);
        let stream = conn.reader.get_mut();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        // The server may close before taking every byte: that is an answer too.
        let _ = stream.write_all(&bytes);
        let _ = stream.shutdown(Shutdown::Write);
        let mut answer = Vec::new();
        let _ = conn.reader.read_to_end(&mut answer);
        assert!(
            answer.is_empty() || answer.starts_with(b"HTTP/1."),
            "{}: {:?}",
            path.display(),
            String::from_utf8_lossy(&answer[..answer.len().min(80)])
        );
    }
    let mut conn = server.connect();
    assert_eq!(conn.get("/after").status, 200);
    server.stop();
}

#[test]
fn the_cookie_corpus_finds_values_that_never_verify() {
    let key = key();
    for (path, bytes) in corpus("cookie") {
        let text = String::from_utf8_lossy(&bytes);
        let (name, headers) = text.split_once('\n').unwrap_or(("mcp_session", &text));
        let mut request = Request::new("GET", "/authorize").with_header("Host", "localhost:8080");
        for line in headers.lines() {
            request = request.with_header("Cookie", line);
        }
        if let Some(value) = remote_mcp::ext::upstream::cookie(&request, name) {
            assert!(!value.is_empty(), "{}", path.display());
            assert!(key.verify("session", value).is_err(), "{}", path.display());
            assert!(key.verify("signin", value).is_err(), "{}", path.display());
        }
    }
}
