//! Soak: mixed traffic against one server for a bounded time (20 s, or
//! `SOAK_SECS`), four clients at once. Valid flows (tool calls on keep-alive
//! connections, refresh grants, now and then a whole new grant through
//! `/register`, `/authorize` and `/token`) mixed with bad tokens, tampered
//! tokens, malformed bodies, bad JSON-RPC, bad grants, unknown paths and
//! bytes that are not HTTP.
//!
//! Asserted: every valid request succeeds and every bad one gets its exact
//! refusal (never a 5xx); no panic anywhere in the process (a panic hook
//! counts them); memory is flat — the RSS at the end is within a generous
//! margin of the RSS at one third of the run (a leak of even 1 KiB per
//! request would pass it many times over).

#[path = "support/raw.rs"]
mod raw;

#[path = "support/oauth_browser.rs"]
mod browser;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use browser::{Srv, initialize, json, password_app};
use raw::Conn;
use remote_mcp::oauth::encoding::encode_pairs;
use serde_json::json;

/// Growth allowed between one third of the run and its end.
const RSS_MARGIN_KB: u64 = 16 * 1024;

fn rss_kb() -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = text.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// One client's grant: its id and its current tokens.
struct Grant {
    client_id: String,
    access: String,
    refresh: String,
}

fn new_grant(srv: &Srv) -> Grant {
    let (client_id, tokens) = srv.grant();
    Grant {
        client_id,
        access: tokens["access_token"].as_str().unwrap().to_string(),
        refresh: tokens["refresh_token"].as_str().unwrap().to_string(),
    }
}

/// `tools/call whoami` on a keep-alive connection; asserts the tool ran and
/// saw the caller.
fn call_tool(srv: &Srv, conn: &mut Option<Conn>, token: &str, id: u64) {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}})
    .to_string();
    let c = conn.get_or_insert_with(|| Conn::open(srv.addr));
    c.send(format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost:{}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         Content-Length: {}\r\n\r\n{body}",
        srv.addr.port(),
        body.len()
    ));
    let answer = c.answer();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let reply = json(&answer);
    assert_eq!(reply["id"], id);
    let text = reply["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains(" via "), "{text}");
}

/// One round of the mix. Returns how many requests it made.
fn round(srv: &Srv, grant: &mut Grant, conn: &mut Option<Conn>, n: u64) -> u64 {
    let mut made = 0;
    let mut count = |k: u64| made += k;

    // Valid: tool calls with the current token.
    for i in 0..5 {
        call_tool(srv, conn, &grant.access, n * 10 + i);
    }
    count(5);

    // Valid: a refresh grant every round; the rotated pair replaces the old.
    let r = srv.refresh(&grant.client_id, &grant.refresh);
    assert_eq!(r.status, 200, "{}", r.text());
    let tokens = json(&r);
    grant.access = tokens["access_token"].as_str().unwrap().to_string();
    grant.refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    count(1);

    // Valid: initialize with the token.
    let r = srv.mcp(Some(&grant.access), &initialize());
    assert_eq!(r.status, 200, "{}", r.text());
    count(1);

    // Bad tokens: garbage, and the valid one with one character changed.
    let r = srv.mcp(Some("garbage"), &initialize());
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some());
    let mut tampered = grant.access.clone().into_bytes();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let r = srv.mcp(Some(std::str::from_utf8(&tampered).unwrap()), &initialize());
    assert_eq!(r.status, 401);
    let r = srv.mcp(None, &initialize());
    assert_eq!(r.status, 401);
    count(3);

    // Malformed bodies with a valid token: not JSON, then not JSON-RPC.
    let auth = format!("Bearer {}", grant.access);
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("Authorization", auth.as_str()),
    ];
    let r = srv.send(
        "POST",
        "/mcp",
        &headers,
        b"{\"jsonrpc\": \"2.0\", \"id\": 1,",
    );
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"]["code"], -32700);
    let r = srv.send(
        "POST",
        "/mcp",
        &headers,
        b"{\"jsonrpc\": \"2.0\", \"id\": 1}",
    );
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"]["code"], -32600);
    count(2);

    // Bad grants: an unknown grant type, and a spent refresh token is
    // tested separately (it would revoke this client's grant).
    let r = srv.post_form(
        "/token",
        &encode_pairs([
            ("grant_type", "password"),
            ("username", "x"),
            ("client_id", grant.client_id.as_str()),
        ]),
        &[],
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "unsupported_grant_type");
    let r = srv.post_form("/token", "%%%&&&==", &[]);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "invalid_request");
    count(2);

    // Unknown path; bytes that are not HTTP.
    assert_eq!(srv.get("/nowhere").status, 404);
    let mut garbage = Conn::open(srv.addr);
    garbage.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n");
    assert_eq!(garbage.answer().status, 400);
    count(2);

    made
}

#[test]
fn mixed_traffic_for_a_bounded_time_is_served_with_flat_memory() {
    let panics = Arc::new(AtomicU64::new(0));
    let seen = panics.clone();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    let seconds: u64 = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let duration = Duration::from_secs(seconds);
    let srv = Arc::new(Srv::start(password_app()));
    let started = Instant::now();
    let requests = Arc::new(AtomicU64::new(0));

    let clients: Vec<_> = (0..4)
        .map(|_| {
            let srv = srv.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                let mut grant = new_grant(&srv);
                let mut granted = Instant::now();
                let mut conn = None;
                let mut n = 0;
                while started.elapsed() < duration {
                    // Now and then a whole new grant (DCR, authorize, token),
                    // as a client connecting afresh does: 8 per client at
                    // most, under /register's limit of 60 per address.
                    if granted.elapsed() > duration / 8 {
                        grant = new_grant(&srv);
                        granted = Instant::now();
                        requests.fetch_add(3, Ordering::Relaxed);
                    }
                    let made = round(&srv, &mut grant, &mut conn, n);
                    requests.fetch_add(made, Ordering::Relaxed);
                    n += 1;
                }
            })
        })
        .collect();

    // Memory at one third of the run, and at its end (before the clients stop).
    std::thread::sleep(duration / 3);
    let rss_third = rss_kb();
    let requests_third = requests.load(Ordering::Relaxed);
    while started.elapsed() + Duration::from_millis(300) < duration {
        std::thread::sleep(Duration::from_millis(100));
    }
    let rss_end = rss_kb();
    for client in clients {
        client
            .join()
            .expect("a soak client failed (see its assertion above)");
    }
    let total = requests.load(Ordering::Relaxed);
    eprintln!(
        "soak: {total} requests in {seconds} s; RSS {rss_third} kB at 1/3 ({requests_third} requests), {rss_end} kB at the end"
    );
    assert_eq!(panics.load(Ordering::SeqCst), 0, "something panicked");
    assert!(total > requests_third, "the clients made progress");
    assert!(
        rss_end <= rss_third + RSS_MARGIN_KB,
        "memory grew from {rss_third} kB to {rss_end} kB"
    );
    // A spent refresh token whose successor was used is refused, and the
    // server still serves.
    let grant = new_grant(&srv);
    let rotated = srv.refresh(&grant.client_id, &grant.refresh);
    assert_eq!(rotated.status, 200);
    let successor = json(&rotated)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(srv.refresh(&grant.client_id, &successor).status, 200);
    let r = srv.refresh(&grant.client_id, &grant.refresh);
    assert_eq!(r.status, 400);
    assert_eq!(json(&r)["error"], "invalid_grant");
}
