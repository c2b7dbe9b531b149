//! Tokens survive: with the same `MCP_SIGNING_KEY`, a restarted server — or a
//! second instance running at the same time — accepts the access tokens,
//! refresh tokens and client registrations issued before. Both servers are
//! real servers on 127.0.0.1:0 with the same public URL (the audience).

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use std::sync::Arc;

use browser::{PASSWORD, Srv, initialize, json};
use remote_mcp::crypto::secret::Secret;
use remote_mcp::oauth::store::{MemoryStore, Store};
use remote_mcp::{App, Config, StaticPasswordProvider};

const KEY: &str = "restart-test-key-0123456789abcdef0123";

fn instance(key: &str) -> App {
    let mut config = Config::local(0);
    config.public_url = "https://mcp.example".into();
    config.signing_key = Some(Secret::new(key));
    App::new(browser::test_mcp("x"))
        .config(config)
        .provider(StaticPasswordProvider::new(PASSWORD))
}

#[test]
fn a_restarted_server_with_the_same_key_accepts_what_the_first_one_issued() {
    let first = Srv::start(instance(KEY));
    let (client, tokens) = first.grant();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    first.running.shutdown().unwrap();

    let second = Srv::start(instance(KEY));
    // The access token.
    assert!(second.accepts(&access));
    // The refresh token.
    let r = second.refresh(&client, &refresh);
    assert_eq!(r.status, 200, "{}", r.text());
    // The client registration: authorize and redeem with the old client_id.
    let code = second.code_for(&client);
    assert_eq!(second.redeem(&client, &code).status, 200);
}

#[test]
fn another_key_accepts_nothing_of_the_old_one() {
    let first = Srv::start(instance(KEY));
    let (client, tokens) = first.grant();
    first.running.shutdown().unwrap();
    let second = Srv::start(instance("a-completely-different-key-0123456789abcdef"));
    assert_eq!(
        second
            .mcp(
                Some(tokens["access_token"].as_str().unwrap()),
                &initialize()
            )
            .status,
        401
    );
    let r = second.refresh(&client, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(
        r.status, 401,
        "the client is unknown: claude.ai registers again"
    );
    assert_eq!(json(&r)["error"], "invalid_client");
}

#[test]
fn two_instances_at_once_accept_each_others_tokens() {
    let a = Srv::start(instance(KEY));
    let b = Srv::start(instance(KEY));
    let (client, tokens) = a.grant();
    assert!(b.accepts(tokens["access_token"].as_str().unwrap()));
    // A code issued by A is redeemed at B (the browser and the client may hit
    // different replicas).
    let code = a.code_for(&client);
    assert_eq!(b.redeem(&client, &code).status, 200);
    // Refresh at B.
    assert_eq!(
        b.refresh(&client, tokens["refresh_token"].as_str().unwrap())
            .status,
        200
    );
}

#[test]
fn with_a_shared_store_a_code_is_single_use_across_instances() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let a = Srv::start(instance(KEY).store(store.clone()));
    let b = Srv::start(instance(KEY).store(store));
    let client = a.register_public("c");
    let code = a.code_for(&client);
    assert_eq!(a.redeem(&client, &code).status, 200);
    let r = b.redeem(&client, &code);
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"], "invalid_grant");
    // A refresh retried at the other instance within the grace window gets
    // the same successor; once that is used, reuse is caught across
    // instances too.
    let (client, tokens) = a.grant();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let rotated = json(&a.refresh(&client, refresh));
    let retried = json(&b.refresh(&client, refresh));
    assert_eq!(retried["refresh_token"], rotated["refresh_token"]);
    let successor = rotated["refresh_token"].as_str().unwrap();
    assert_eq!(b.refresh(&client, successor).status, 200);
    assert_eq!(json(&b.refresh(&client, refresh))["error"], "invalid_grant");
}
