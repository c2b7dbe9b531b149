//! Hostile load, in-process, over real loopback sockets: hundreds of slow
//! clients (heads sent one byte at a time, bodies that stall, connections
//! that send nothing) must not stop normal clients from being served, must
//! not grow threads or memory beyond what `Limits::max_connections` allows,
//! and are each closed at their timeout. Bursts of keep-alive connections on
//! a fresh server are all answered.
//!
//! The probes that broke tiny_http 0.12 (docs: upstreams.md §6) are here too,
//! run against our server: 500 stalled heads; 4 slow bodies announcing 4096
//! bytes and sending 10 while 20 normal requests must be served; fresh bursts
//! of 16 keep-alive connections.
//!
//! Timing is asserted loosely (the CI machine has 2 noisy cores): "served
//! within 2 s", "closed between its timeout and a few seconds after".
//! Threads and memory are read from /proc/self/status: the server runs in
//! this process, and the tests of this file run one at a time so that they
//! do not count each other's threads.

#[path = "support/raw.rs"]
mod raw;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use raw::{Conn, TestServer};
use remote_mcp::http::{Limits, Request, Response};

/// How long a normal client may wait for its answer while the slow ones
/// hold their connections: generous, not a timing assertion.
const PROMPTLY: Duration = Duration::from_secs(2);

/// Memory one connection slot may cost at most in these tests: the 16 KiB
/// head buffer, the touched part of a thread stack, socket bookkeeping, with
/// a wide margin (about 23 KiB was measured). The bound asserted is
/// `max_connections` times this.
const BYTES_PER_CONNECTION: u64 = 64 * 1024;

/// The tests of this file one at a time (they measure the whole process).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A field of /proc/self/status (`Threads`, `VmRSS` in kB).
/// The server's event loops, two per core: each may hold a thread of its own.
fn loops() -> u64 {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The handler: `POST` echoes the body, anything else answers `ok`.
fn handler(request: Request) -> Response {
    if request.method == "POST" {
        Response::bytes(200, "application/octet-stream", request.body)
    } else {
        Response::text(200, "ok")
    }
}

fn limits(max_connections: usize, timeout: Duration) -> Limits {
    Limits {
        max_connections,
        head_timeout: timeout,
        body_timeout: timeout,
        idle_timeout: Duration::from_secs(5),
        write_timeout: Duration::from_secs(5),
        pool_wait: Duration::from_millis(500),
        ..Limits::default()
    }
}

/// One normal request on a new connection; asserts it is answered in full
/// and promptly.
fn normal_request(addr: SocketAddr, n: usize) {
    let started = Instant::now();
    let mut conn = Conn::open(addr);
    let body = format!("normal request {n}");
    conn.send(format!(
        "POST /n HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    let answer = conn.answer();
    assert_eq!(answer.status, 200, "normal request {n}");
    assert_eq!(answer.text(), body);
    let took = started.elapsed();
    assert!(took < PROMPTLY, "normal request {n} took {took:?}");
}

/// What a slow client does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slow {
    /// Sends its head one byte at a time (a slowloris).
    DripHead,
    /// Sends a complete head announcing 4096 bytes of body, then 10 bytes.
    StallBody,
    /// Connects and sends nothing.
    Silent,
}

/// The head a dripping client sends: long enough never to finish in time.
const DRIP_HEAD: &[u8] = b"GET /slow HTTP/1.1\r\nHost: t\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";

struct SlowClient {
    kind: Slow,
    stream: TcpStream,
    /// Bytes of `DRIP_HEAD` sent so far.
    sent: usize,
    opened: Instant,
}

/// Opens the slow clients: `count` of each kind in `kinds`.
fn open_slow(addr: SocketAddr, kinds: &[Slow], count: usize) -> Vec<SlowClient> {
    let mut clients = Vec::new();
    for &kind in kinds {
        for _ in 0..count {
            let mut stream = TcpStream::connect(addr).unwrap();
            if kind == Slow::StallBody {
                stream
                    .write_all(
                        b"POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n0123456789",
                    )
                    .unwrap();
            }
            clients.push(SlowClient {
                kind,
                stream,
                sent: 0,
                opened: Instant::now(),
            });
        }
    }
    clients
}

/// Sends the next byte of every dripping client's head (errors mean the
/// server has closed it: that is expected at its timeout).
fn drip_once(clients: &mut [SlowClient]) {
    for c in clients.iter_mut().filter(|c| c.kind == Slow::DripHead) {
        if c.sent < DRIP_HEAD.len() && c.stream.write_all(&DRIP_HEAD[c.sent..=c.sent]).is_ok() {
            c.sent += 1;
        }
    }
}

/// Waits until the server closes `client`; returns what it answered (the
/// status line, or empty) and when, counted from when the client connected.
fn wait_closed(client: &mut SlowClient, within: Duration) -> (String, Duration) {
    client.stream.set_read_timeout(Some(within)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match client.stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{:?} client not closed: {e}", client.kind),
        }
    }
    let text = String::from_utf8_lossy(&got);
    let status_line = text.lines().next().unwrap_or("").to_string();
    (status_line, client.opened.elapsed())
}

/// Hundreds of slow clients of the three kinds, while normal clients come
/// and go; then every slow one is closed at its timeout.
#[test]
fn three_hundred_slow_clients_do_not_stop_normal_clients() {
    let _serial = serial();
    let max_connections = 400;
    // Long enough that the 20 normal requests below all run while every slow
    // client is still open, even on a loaded 2-core CI machine (at 2 s one
    // loaded run saw the slow clients time out before the loop ended).
    let timeout = Duration::from_secs(5);
    let threads_before = status("Threads");
    let rss_before = status("VmRSS");
    let server = TestServer::start(limits(max_connections, timeout), handler);

    let kinds = [Slow::DripHead, Slow::StallBody, Slow::Silent];
    let mut slow = open_slow(server.addr, &kinds, 100);
    // Normal requests, one every ~60 ms while the slow clients hold on
    // (well inside their 5 s timeout), with the dripping going on.
    let mut peak_threads = 0;
    let mut peak_rss = 0;
    for n in 0..20 {
        drip_once(&mut slow);
        normal_request(server.addr, n);
        peak_threads = peak_threads.max(status("Threads"));
        peak_rss = peak_rss.max(status("VmRSS"));
        std::thread::sleep(Duration::from_millis(40));
    }
    assert!(
        slow[0].opened.elapsed() < timeout,
        "the normal requests must run while the slow clients are open"
    );

    eprintln!(
        "300 slow clients: threads {threads_before} -> {peak_threads}, RSS {rss_before} -> {peak_rss} kB"
    );
    // Bounded by the pool, not by the number of clients: a thread for each
    // connection held up in a slow request (within `max_connections`; the
    // silent ones wait in an event loop without one), one per event loop,
    // the overflow and watch threads, and slack for the test harness.
    let thread_bound = threads_before + max_connections as u64 + loops() + 4;
    assert!(
        peak_threads <= thread_bound,
        "{peak_threads} threads > {thread_bound}"
    );
    let rss_bound_kb = max_connections as u64 * BYTES_PER_CONNECTION / 1024;
    assert!(
        peak_rss.saturating_sub(rss_before) <= rss_bound_kb,
        "RSS grew {} kB > {rss_bound_kb} kB",
        peak_rss - rss_before
    );

    // Every slow client is closed at its timeout: not before it, and not
    // long after (the bound is loose; the server's clock starts when a
    // thread takes the connection, a moment after the client's).
    for client in &mut slow {
        let (said, after) = wait_closed(client, Duration::from_secs(8));
        let expected = match client.kind {
            Slow::DripHead | Slow::StallBody => "HTTP/1.1 408 Request Timeout",
            Slow::Silent => "",
        };
        assert_eq!(said, expected, "{:?}", client.kind);
        assert!(
            after >= timeout - Duration::from_millis(100)
                && after < timeout + Duration::from_secs(4),
            "{:?} closed after {after:?}",
            client.kind
        );
    }
    // And normal service goes on.
    normal_request(server.addr, 100);
    server.stop();
}

/// More slow clients than `max_connections`: the server does not open more;
/// a newcomer gets a prompt `503` with `Retry-After` (never silence) while
/// every connection is held, and is served again once the slow clients
/// reach their timeout. This is the price of a bound on open connections,
/// stated rather than hidden.
#[test]
fn more_slow_clients_than_threads_get_a_prompt_503_and_service_resumes() {
    let _serial = serial();
    let max_connections = 50;
    let timeout = Duration::from_secs(2);
    let threads_before = status("Threads");
    let server = TestServer::start(limits(max_connections, timeout), handler);
    let slow = open_slow(server.addr, &[Slow::Silent], 150);
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut conn = Conn::open(server.addr);
    conn.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    let answer = conn.answer();
    assert!(started.elapsed() < PROMPTLY, "{:?}", started.elapsed());
    assert_eq!(answer.status, 503);
    assert_eq!(answer.header("retry-after"), Some("1"));
    let threads = status("Threads");
    assert!(
        threads <= threads_before + max_connections as u64 + loops() + 4,
        "{threads} threads"
    );
    // The held threads are freed at the head timeout; then service resumes.
    let until = Instant::now() + timeout + Duration::from_secs(5);
    loop {
        let mut conn = Conn::open(server.addr);
        conn.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        if conn.answer().status == 200 {
            break;
        }
        assert!(Instant::now() < until, "service did not resume");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(slow);
    server.stop();
}

/// upstreams.md §6, probe 1: 500 connections that stall in the head (tiny_http:
/// one thread each, 507 threads). Ours: one thread each too, within
/// `max_connections`; other clients are still served.
#[test]
fn tiny_http_probe_500_stalled_heads() {
    let _serial = serial();
    let max_connections = 512;
    let threads_before = status("Threads");
    let server = TestServer::start(limits(max_connections, Duration::from_secs(3)), handler);
    let mut stalled: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    for s in &mut stalled {
        s.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    }
    for n in 0..10 {
        normal_request(server.addr, n);
    }
    let threads = status("Threads");
    assert!(
        threads <= threads_before + max_connections as u64 + loops() + 4,
        "{threads} threads"
    );
    drop(stalled);
    server.stop();
}

/// upstreams.md §6, probe 2: 4 requests announce 4096 bytes of body and send
/// 10 (tiny_http: all four workers stalled, 0 of 20 normal requests served).
/// Ours: all 20 served, promptly.
#[test]
fn tiny_http_probe_4_slow_bodies_and_20_normal_requests() {
    let _serial = serial();
    let server = TestServer::start(limits(64, Duration::from_secs(5)), handler);
    let slow = open_slow(server.addr, &[Slow::StallBody], 4);
    std::thread::sleep(Duration::from_millis(100));
    for n in 0..20 {
        normal_request(server.addr, n);
    }
    assert!(slow[0].opened.elapsed() < Duration::from_secs(5));
    drop(slow);
    server.stop();
}

/// Opens `clients` keep-alive connections to a fresh server, lets them all
/// send at once, three requests each; every answer must come promptly.
fn fresh_burst(clients: usize) {
    let server = TestServer::start(limits(512, Duration::from_secs(5)), handler);
    let ready = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let ready = ready.clone();
            let addr = server.addr;
            std::thread::spawn(move || {
                let mut conn = Conn::open(addr);
                conn.reader
                    .get_ref()
                    .set_read_timeout(Some(PROMPTLY))
                    .unwrap();
                ready.wait();
                for round in 0..3 {
                    let started = Instant::now();
                    let answer = conn.get(&format!("/c{i}/r{round}"));
                    assert_eq!(answer.status, 200);
                    assert!(started.elapsed() < PROMPTLY);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a client of the burst was not served");
    }
    server.stop();
}

/// upstreams.md §6, probe 3: a burst of keep-alive connections on a freshly
/// started server (tiny_http: in 5 of 10 trials of 16, some waited > 10 s).
/// Ours: 10 fresh servers each for bursts of 16 and of 64, every request of
/// every connection answered.
#[test]
fn bursts_of_keep_alive_connections_on_fresh_servers_are_all_answered() {
    let _serial = serial();
    for _trial in 0..10 {
        fresh_burst(16);
        fresh_burst(64);
    }
}
