//! Bounded memory under hostile input (issue 13): what an unauthenticated
//! client can make the server hold. Each test measures the resident memory of
//! this test process, in which the server runs, around a burst of hostile
//! requests over real sockets, and asserts a bound far below what the attack
//! once cost. The tests in this file run one at a time (they share the
//! process whose memory they measure).
#![allow(clippy::unwrap_used)]

#[path = "support/raw.rs"]
mod raw;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mcp_server::http::Limits;
use raw::{TestServer, echo};

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
    // Every connection thread reads its head and starts on the body.
    std::thread::sleep(Duration::from_secs(2));
    let grown = rss_mib() - before;
    drop(held);
    server.stop();
    assert!(
        grown < 64.0,
        "100 announced 4 MiB bodies grew memory by {grown:.0} MiB"
    );
}
