//! Bounded memory under hostile input (issue 13): what an unauthenticated
//! client can make the server hold. Each test measures the resident memory of
//! this test process, in which the server runs, around a burst of hostile
//! requests over real sockets, and asserts a bound far below what the attack
//! once cost. The tests in this file run one at a time (they share the
//! process whose memory they measure).
#![allow(clippy::unwrap_used)]

#[path = "support/oauth_browser.rs"]
mod browser;
#[path = "support/raw.rs"]
mod raw;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use std::sync::Arc;

use browser::{CHALLENGE, REDIRECT, Srv, hidden_fields, test_mcp};
use raw::{TestServer, echo};
use remote_mcp::crypto::secret::Secret;
use remote_mcp::ext::seal::{SealKey, Sealed};
use remote_mcp::ext::upstream::{Allowlist, UpstreamIdp, UpstreamProvider};
use remote_mcp::http::Limits;
use remote_mcp::oauth::encoding::encode_pairs;
use remote_mcp::oauth::store::{MemoryStore, Store};
use remote_mcp::{App, Config};

/// Serialises the tests of this file.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// This process's resident set size in MiB (Linux `/proc/self/status`).
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

// ---- 2. Sizes only announced -------------------------------------------------

/// A chunk-size line promising 4 MiB (and a `Content-Length` promising as
/// much) once made the server reserve and zero-fill the whole body before a
/// byte of it came: 100 connections × ~90 bytes cost ~400 MiB.
#[test]
fn announced_body_sizes_cost_no_memory_until_the_bytes_come() {
    let _serial = one_at_a_time();
    let limits = Limits {
        body_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let server = TestServer::start(limits, echo);
    let mut warm = server.connect();
    assert_eq!(warm.get("/").status, 200);
    let before = rss_mib();
    let mut held = Vec::new();
    for i in 0..100 {
        let mut conn = server.connect();
        if i % 2 == 0 {
            conn.send(
                "POST /mcp HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3fffff\r\nx",
            );
        } else {
            conn.send("POST /mcp HTTP/1.1\r\nHost: t\r\nContent-Length: 4194304\r\n\r\nx");
        }
        held.push(conn);
    }
    // Every connection's head is read and its body begun (a thread each).
    std::thread::sleep(Duration::from_secs(2));
    let grown = rss_mib() - before;
    drop(held);
    server.stop();
    assert!(
        grown < 64.0,
        "100 announced 4 MiB bodies grew memory by {grown:.0} MiB"
    );
}

// ---- 3. State created by strangers -------------------------------------------

/// A server signing users in at an upstream IdP that is never reached: the
/// consent POST only stores the pending sign-in and redirects.
fn upstream_app() -> App {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let idp = UpstreamIdp {
        name: "idp".into(),
        display_name: "IdP".into(),
        authorize_url: "http://127.0.0.1:9/authorize".into(),
        token_url: "http://127.0.0.1:9/token".into(),
        client_id: "ours".into(),
        client_secret: Secret::new("never-used-upstream-secret"),
        scopes: Vec::new(),
        identify: Box::new(|_| Err("never called".into())),
    };
    let provider = UpstreamProvider::new(
        idp,
        Allowlist::parse("someone"),
        Sealed::new(store.clone(), SealKey::random()),
    );
    App::new(test_mcp("upstream"))
        .config(Config::local(0))
        .store(store)
        .provider(provider)
}

/// Every consent POST stored a ~16 KB sealed record for 10 minutes, with no
/// limit: 3,000 POSTs held 46 MiB. Now each address may start 30 sign-ins
/// per 10 minutes, and the rest are answered `429`.
#[test]
fn consent_posts_from_one_address_cannot_fill_the_store() {
    let _serial = one_at_a_time();
    let srv = Srv::start(upstream_app());
    let client = srv.register_public("c");
    // The longest state the URL cap allows: the record holds it twice.
    let state = "s".repeat(3000);
    let target = format!(
        "/authorize?{}",
        encode_pairs([
            ("response_type", "code"),
            ("client_id", client.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("state", state.as_str()),
        ])
    );
    let consent = || {
        let page = srv.get(&target);
        assert_eq!(page.status, 200, "{}", page.text());
        let cookies: Vec<String> = page
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Set-Cookie"))
            .filter_map(|(_, v)| v.split(';').next().map(str::to_string))
            .collect();
        let mut fields = hidden_fields(&page.text());
        fields.push(("action".into(), "allow".into()));
        let body = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let cookie = cookies.join("; ");
        let headers: Vec<(&str, &str)> = if cookie.is_empty() {
            Vec::new()
        } else {
            vec![("Cookie", cookie.as_str())]
        };
        srv.post_form("/authorize", &body, &headers).status
    };
    assert_eq!(consent(), 302, "a real sign-in goes upstream");
    let before = rss_mib();
    let mut refused = 0;
    for _ in 0..3000 {
        if consent() == 429 {
            refused += 1;
        }
    }
    let grown = rss_mib() - before;
    assert!(
        grown < 8.0,
        "3000 consent POSTs grew memory by {grown:.1} MiB"
    );
    assert!(
        refused >= 2900,
        "only {refused} of 3000 consent POSTs were refused"
    );
}

// ---- 5. What a session keeps -------------------------------------------------

/// A session lives for hours; it once kept the client's `capabilities`
/// whatever their size: a 3 MB `initialize` held ~62 MiB for 8 h, up to
/// 10,000 sessions. Now a session keeps at most 4 KiB of them.
#[test]
fn initialize_with_huge_capabilities_keeps_little() {
    let _serial = one_at_a_time();
    let running = App::new(test_mcp("sessions"))
        .config(Config::local(0))
        .without_auth()
        .start()
        .unwrap();
    let junk = vec!["{}"; 250_000].join(",");
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-11-25","clientInfo":{{"name":"x","version":"1"}},"capabilities":{{"roots":{{}},"x":{{"junk":[{junk}]}}}}}}}}"#
    );
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost:{}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{body}",
        running.addr().port(),
        body.len()
    );
    // One connection, so one server thread (and one allocator arena) does
    // every parse: what stays after each request is what the sessions keep.
    let mut conn = raw::Conn::open(running.addr());
    conn.send(&request);
    assert_eq!(conn.answer().status, 200);
    let before = rss_mib();
    for _ in 0..10 {
        conn.send(&request);
        let answer = conn.answer();
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert!(answer.header("Mcp-Session-Id").is_some());
    }
    let grown = rss_mib() - before;
    drop(conn);
    running.shutdown().unwrap();
    assert!(
        grown < 30.0,
        "10 sessions with 750 KB capabilities grew memory by {grown:.0} MiB"
    );
}
