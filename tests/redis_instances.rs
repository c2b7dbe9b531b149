//! Several instances, one Redis, as on Cloud Run: two quickstart processes
//! (built with `--features redis`) share `MCP_SIGNING_KEY` and a redis-server
//! of this test's own. A user authorizes on A, calls tools on B, refreshes on
//! A, retries the refresh on B (same successor); replaying the spent refresh
//! token on B once its successor was used revokes the grant on both; both
//! restart and what they issued still works (and what was revoked stays
//! revoked). Then Redis is killed: clean 503s in each protocol's own form, no
//! crash, no corruption, and service resumes when Redis is back.
//!
//! Runs when `REDIS_TEST_URL` is set (`tests/redis/run.sh`) or in CI; needs
//! `redis-server` on PATH.
#![cfg(feature = "redis")]

#[path = "support/process.rs"]
mod process;
#[path = "support/raw.rs"]
mod raw;
#[path = "support/redis.rs"]
mod redis_support;

use process::{ServerProcess, json_of, log_path};
use raw::Answer;
use redis_support::RedisServer;
use remote_mcp::oauth::encoding::encode_pairs;

const KEY: &str = "shared-signing-key-for-both-instances-0123";
const PUBLIC: &str = "https://mcp.example";
const RESOURCE: &str = "https://mcp.example/mcp";

fn start(name: &str, redis: &RedisServer) -> ServerProcess {
    let url = redis.url();
    let server = ServerProcess::quickstart(
        &[
            ("PUBLIC_URL", PUBLIC),
            ("MCP_ALLOW_ANYONE", "1"),
            ("MCP_SIGNING_KEY", KEY),
            ("REDIS_URL", &url),
        ],
        log_path(name),
    );
    let log = server.log_text();
    assert!(
        log.contains(&format!(
            "OAuth state is kept in Redis at 127.0.0.1:{}",
            redis.port
        )),
        "{log}"
    );
    server
}

fn tokens(answer: Answer) -> (String, String) {
    assert_eq!(answer.status, 200, "{}", answer.text());
    let j = json_of(&answer);
    (
        j["access_token"].as_str().unwrap().to_string(),
        j["refresh_token"].as_str().unwrap().to_string(),
    )
}

fn assert_invalid_grant(answer: &Answer, says: &str) {
    assert_eq!(answer.status, 400, "{}", answer.text());
    let j = json_of(answer);
    assert_eq!(j["error"], "invalid_grant");
    assert!(
        j["error_description"].as_str().unwrap().contains(says),
        "{j}"
    );
}

/// The `/token`, `/register`, `/revoke` answer when the store is down.
fn assert_unavailable_json(answer: &Answer) {
    assert_eq!(answer.status, 503, "{}", answer.text());
    assert_eq!(answer.header("retry-after"), Some("5"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let j = json_of(answer);
    assert_eq!(j["error"], "temporarily_unavailable");
    assert_eq!(
        j["error_description"],
        "the server cannot reach its state store; retry in a few seconds"
    );
}

#[test]
fn two_instances_share_one_redis_through_restarts_and_outages() {
    if redis_support::test_url("two_instances_share_one_redis").is_none() {
        return;
    }
    let mut redis = RedisServer::start();
    let mut a = start("a", &redis);
    let mut b = start("b", &redis);

    // ── authorize on A, call tools on B, refresh on A ──
    let client = a.register();
    let code = a.code(&client, RESOURCE);
    let (access1, refresh1) = tokens(a.redeem(&client, &code));
    assert!(b.accepts(&access1), "B accepts what A issued");
    let (access2, refresh2) = tokens(a.refresh(&client, &refresh1));
    assert!(b.accepts(&access2));

    // ── the response was lost: the client retries on B within the grace
    //    window and gets the same successor, not a revoked grant ──
    let (retried_access, retried_refresh) = tokens(b.refresh(&client, &refresh1));
    assert_eq!(retried_refresh, refresh2);
    assert!(a.accepts(&retried_access));
    let (access2b, refresh2b) = tokens(a.refresh(&client, &refresh2));

    // ── the spent refresh token replayed on B after its successor was used:
    //    the grant dies on both ──
    assert_invalid_grant(&b.refresh(&client, &refresh1), "already been used");
    assert!(!a.accepts(&access2), "revoked on A");
    assert!(!b.accepts(&access2b), "revoked on B");
    assert_invalid_grant(&a.refresh(&client, &refresh2b), "revoked");

    // ── a code redeemed on A is spent on B too, and the replay revokes ──
    let code = b.code(&client, RESOURCE);
    let (access3, _) = tokens(a.redeem(&client, &code));
    assert_invalid_grant(&b.redeem(&client, &code), "already been used");
    assert!(!a.accepts(&access3));

    // ── restart both: tokens still work, revocations still hold ──
    let code = a.code(&client, RESOURCE);
    let (access4, refresh4) = tokens(b.redeem(&client, &code));
    a.stop();
    b.stop();
    let a = start("a2", &redis);
    let b = start("b2", &redis);
    assert!(b.accepts(&access4), "issued before the restart");
    let (access5, refresh5) = tokens(a.refresh(&client, &refresh4));
    assert!(
        !a.accepts(&access2),
        "the revocation outlived both processes"
    );
    assert_invalid_grant(&b.refresh(&client, &refresh2), "revoked");

    // ── Redis dies: 503s in each protocol's form, no crash ──
    let port = redis.port;
    redis.kill();
    let r = a.call_tool(&access5);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("5"));
    let j = json_of(&r);
    assert_eq!(j["jsonrpc"], "2.0");
    assert_eq!(j["id"], 7, "the request's id is echoed");
    assert_eq!(j["error"]["code"], -32000);
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("retry in a few seconds"),
        "{j}"
    );
    assert!(
        r.header("www-authenticate").is_none(),
        "not a challenge: the token may be fine"
    );
    assert_unavailable_json(&b.refresh(&client, &refresh5));
    // The single-user provider needs no store to issue a code; redeeming it does.
    let outage_code = a.code(&client, RESOURCE);
    assert_unavailable_json(&b.redeem(&client, &outage_code));
    assert_unavailable_json(&a.post_form(
        "/revoke",
        &encode_pairs([("token", refresh5.as_str()), ("client_id", client.as_str())]),
    ));
    let r = a.send(
        "POST",
        "/register",
        &[("Content-Type", "application/json")],
        br#"{"redirect_uris":["http://localhost:1/cb"],"token_endpoint_auth_method":"none"}"#,
    );
    assert_unavailable_json(&r);
    // Probes do not touch Redis.
    assert_eq!(a.send("GET", "/health", &[], b"").status, 200);
    assert_eq!(b.send("GET", "/health", &[], b"").status, 200);
    let mut a = a;
    let mut b = b;
    assert!(a.is_running() && b.is_running());
    assert!(
        a.log_text().contains(&format!(
            "the state store is unavailable: redis at 127.0.0.1:{port}"
        )),
        "{}",
        a.log_text()
    );

    // ── Redis is back (empty: no persistence): service resumes, nothing was half-done ──
    let _redis = RedisServer::start_on(port);
    assert!(a.accepts(&access5));
    let (access6, _) = tokens(b.refresh(&client, &refresh5));
    assert!(a.accepts(&access6));
    let (access7, _) = tokens(a.redeem(&client, &outage_code));
    assert!(
        b.accepts(&access7),
        "the code the outage refused was not spent"
    );

    a.stop();
    b.stop();
}
