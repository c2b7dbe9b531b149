//! When the state store is down, every endpoint that needs it answers `503`
//! in its protocol's own form, the ones that do not keep working, and all of
//! it recovers when the store is back. The store here is a [`MemoryStore`]
//! behind a switch that makes every operation fail, as an unreachable Redis
//! does (tests/redis_instances.rs does the same with a real Redis killed
//! mid-run).

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use browser::{PASSWORD, REDIRECT, Srv, consent_cookie, hidden_fields, json, redirect_params};
use remote_mcp::oauth::encoding::encode_pairs;
use remote_mcp::oauth::store::{MemoryStore, Store, StoreError};
use remote_mcp::{App, Config, StaticPasswordProvider};

/// A memory store with an outage switch.
#[derive(Default)]
struct Switchable {
    down: AtomicBool,
    inner: MemoryStore,
}

impl Switchable {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::new("test outage"))
        } else {
            Ok(())
        }
    }
}

impl Store for Switchable {
    fn insert_once(&self, key: &str, expires_at: u64) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.insert_once(key, expires_at)
    }
    fn contains(&self, key: &str) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.contains(key)
    }
    fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        self.check()?;
        self.inner.increment(key, expires_at)
    }
    fn count(&self, key: &str) -> Result<u64, StoreError> {
        self.check()?;
        self.inner.count(key)
    }
    fn put(&self, key: &str, value: &[u8], expires_at: u64) -> Result<(), StoreError> {
        self.check()?;
        self.inner.put(key, value, expires_at)
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.check()?;
        self.inner.get(key)
    }
    fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.check()?;
        self.inner.take(key)
    }
    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        self.inner.remove(key)
    }
}

const UNAVAILABLE: &str = "the server cannot reach its state store; retry in a few seconds";

fn assert_json_503(a: &raw::Answer) {
    assert_eq!(a.status, 503, "{}", a.text());
    assert_eq!(a.header("retry-after"), Some("5"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(
        json(a),
        serde_json::json!({"error": "temporarily_unavailable", "error_description": UNAVAILABLE})
    );
}

#[test]
fn an_outage_gives_503s_in_each_protocols_form_and_service_resumes() {
    let store = Arc::new(Switchable::default());
    let app = App::new(browser::test_mcp("t"))
        .config(Config::local(0))
        .provider(StaticPasswordProvider::new(PASSWORD))
        .store(store.clone());
    let srv = Srv::start(app);
    let (client, tokens) = srv.grant();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let code = srv.code_for(&client);
    let form_page = srv.get(&srv.authorize_target(&client));
    assert_eq!(form_page.status, 200);

    store.down.store(true, Ordering::SeqCst);

    // /mcp: the revocation lookup fails → 503, JSON-RPC error, no challenge.
    let r = srv.whoami(access);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("5"));
    assert!(r.header("www-authenticate").is_none());
    assert_eq!(
        json(&r),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "error": {"code": -32000,
            "message": "The server cannot check access tokens right now (its state store is unreachable); retry in a few seconds."}})
    );
    // /token, both grants; /revoke; /register.
    assert_json_503(&srv.redeem(&client, &code));
    assert_json_503(&srv.refresh(&client, refresh));
    assert_json_503(&srv.post_form(
        "/revoke",
        &encode_pairs([("token", refresh), ("client_id", client.as_str())]),
        &[],
    ));
    assert_json_503(&srv.post_json(
        "/register",
        &serde_json::json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    ));
    // /authorize: the login POST needs the throttle counters → back to the
    // client with error=temporarily_unavailable (RFC 6749 §4.1.2.1).
    let mut fields = hidden_fields(&form_page.text());
    fields.push(("password".into(), PASSWORD.into()));
    fields.push(("action".into(), "allow".into()));
    let consent = consent_cookie(&form_page);
    let r = srv.post_form(
        "/authorize",
        &encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        &[("Cookie", consent.as_str())],
    );
    assert_eq!(r.status, 302, "{}", r.text());
    assert!(r.header("location").unwrap().starts_with(REDIRECT));
    let p = redirect_params(&r);
    assert_eq!(p.get("error"), Some("temporarily_unavailable"));
    assert_eq!(p.get("error_description"), Some(UNAVAILABLE));
    assert_eq!(p.get("state"), Some("xyz"));
    assert_eq!(p.get("iss"), Some(srv.public_url().as_str()));
    assert_eq!(p.get("code"), None);
    // What needs no store keeps working: the form, discovery, probes, 401s.
    assert_eq!(srv.get(&srv.authorize_target(&client)).status, 200);
    assert_eq!(
        srv.get("/.well-known/oauth-authorization-server").status,
        200
    );
    assert_eq!(srv.get("/health").status, 200);
    assert_eq!(srv.mcp(None, &browser::initialize()).status, 401);

    store.down.store(false, Ordering::SeqCst);

    // Nothing was half-done: the code and the refresh token are still unspent.
    assert!(srv.accepts(access));
    assert_eq!(srv.redeem(&client, &code).status, 200);
    assert_eq!(srv.refresh(&client, refresh).status, 200);
    srv.running.shutdown().unwrap();
}

#[cfg(not(feature = "redis"))]
#[test]
fn redis_url_without_the_feature_is_a_clear_startup_error() {
    let mut config = Config::local(0);
    config.redis_url = Some(remote_mcp::crypto::secret::Secret::new(
        "redis://:pw-secret@10.0.0.3:6379",
    ));
    let err = App::new(browser::test_mcp("t"))
        .config(config)
        .start()
        .err()
        .expect("must not start");
    let message = err.to_string();
    assert!(
        message.contains(
            "REDIS_URL is set, but this server was built without the `redis` cargo feature"
        ),
        "{message}"
    );
    assert!(message.contains("--features redis"), "{message}");
    assert!(!message.contains("pw-secret"));
}

#[cfg(feature = "redis")]
#[test]
fn an_unreachable_redis_at_start_is_a_warning_not_a_crash() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = Config::local(0);
    config.redis_url = Some(remote_mcp::crypto::secret::Secret::new(format!(
        "redis://127.0.0.1:{port}"
    )));
    let srv = Srv::start(
        App::new(browser::test_mcp("t"))
            .config(config)
            .provider(StaticPasswordProvider::new(PASSWORD)),
    );
    assert_eq!(srv.get("/health").status, 200);
    assert_json_503(&srv.post_json(
        "/register",
        &serde_json::json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    ));
    srv.running.shutdown().unwrap();
}
