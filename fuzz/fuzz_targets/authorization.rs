//! The `Authorization` header and query of a `/mcp` request, as checked on
//! every tool call (src/oauth/bearer.rs). The first line of the input is the
//! query string, the rest the header value. Must never panic, and never
//! accept: nothing here is signed with the server's key.
#![no_main]
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use remote_mcp::http::Request;
use remote_mcp::crypto::secret::Secret;
use remote_mcp::oauth::store::MemoryStore;
use remote_mcp::crypto::signing::SigningKey;
use remote_mcp::oauth::{OAuth, Settings, bearer};
use remote_mcp::{Config, SingleUserProvider};

fn server() -> &'static (Config, OAuth) {
    static SERVER: OnceLock<(Config, OAuth)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let config = Config::local(8080);
        let oauth = OAuth {
            provider: Box::new(SingleUserProvider::new()),
            key: SigningKey::from_secret(&Secret::new("fuzz-key-0123456789abcdef-0123456789")),
            store: Arc::new(MemoryStore::new()),
            client_documents: None, // the bearer check never looks a client up
            settings: Settings::from_config(&config, "fuzz"),
        };
        (config, oauth)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (query, header) = text.split_once('\n').unwrap_or(("", &text));
    let request = Request::new("POST", &format!("/mcp?{query}"))
        .with_header("Host", "localhost:8080")
        .with_header("Authorization", header);
    let (config, oauth) = server();
    assert!(bearer::check(config, oauth, &request).is_err());
});
