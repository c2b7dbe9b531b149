//! The `Cookie` header as the upstream sign-in reads it (src/ext/upstream/mod.rs:
//! `cookie`, then the signed-value check of the session and sign-in cookies).
//! The first line of the input is the cookie name looked up, the rest one or
//! more `Cookie` header values (one per line). Must never panic, and a value
//! found must never verify: nothing here is signed with the server's key.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use remote_mcp::http::Request;
use remote_mcp::crypto::secret::Secret;
use remote_mcp::crypto::signing::SigningKey;
use remote_mcp::ext::upstream::cookie;

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_secret(&Secret::new("fuzz-key-0123456789abcdef-0123456789"))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (name, headers) = text.split_once('\n').unwrap_or(("mcp_session", &text));
    let mut request = Request::new("GET", "/authorize").with_header("Host", "localhost:8080");
    for line in headers.lines() {
        request = request.with_header("Cookie", line);
    }
    if let Some(value) = cookie(&request, name) {
        assert!(!value.is_empty());
        assert!(key().verify("session", value).is_err());
        assert!(key().verify("signin", value).is_err());
    }
});
