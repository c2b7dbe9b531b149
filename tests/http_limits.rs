//! The server's defences over real sockets: caps (431, 414, 413), request
//! smuggling shapes and bad `Host` (400), versions (505), and the head, body
//! and idle deadlines — while other clients keep being served.

#[path = "support/raw.rs"]
mod raw;

use std::io::Write;
use std::time::{Duration, Instant};

use raw::{Conn, TestServer, echo, quick_limits};
use remote_mcp::http::Limits;

fn small_limits() -> Limits {
    Limits {
        max_head_bytes: 2048,
        max_headers: 16,
        max_url_bytes: 512,
        max_body_bytes: 1000,
        ..quick_limits()
    }
}

/// Sends `bytes` on a new connection and returns the status of the answer,
/// checking the answer closes the connection.
fn refused(server: &TestServer, bytes: &[u8]) -> u16 {
    let mut conn = server.connect();
    conn.send(bytes);
    let answer = conn.answer();
    assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
    assert!(conn.is_closed());
    answer.status
}

#[test]
fn an_oversized_head_gets_431() {
    let server = TestServer::start(small_limits(), echo);
    let big = "x".repeat(3000);
    let request = format!("GET / HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n");
    assert_eq!(refused(&server, request.as_bytes()), 431);
    // Sent without its end: the cap applies before the head is complete.
    let request = format!("GET / HTTP/1.1\r\nHost: t\r\nX-Big: {big}");
    assert_eq!(refused(&server, request.as_bytes()), 431);
    server.stop();
}

#[test]
fn too_many_headers_get_431() {
    let server = TestServer::start(small_limits(), echo);
    let mut request = "GET / HTTP/1.1\r\nHost: t\r\n".to_string();
    for i in 0..20 {
        request.push_str(&format!("X-H{i}: v\r\n"));
    }
    request.push_str("\r\n");
    assert_eq!(refused(&server, request.as_bytes()), 431);
    server.stop();
}

#[test]
fn a_long_url_gets_414() {
    let server = TestServer::start(small_limits(), echo);
    let path = format!("/{}", "a".repeat(600));
    let request = format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(refused(&server, request.as_bytes()), 414);
    // Longer than the whole head cap, and still arriving.
    let path = format!("/{}", "a".repeat(5000));
    assert_eq!(refused(&server, format!("GET {path}").as_bytes()), 414);
    server.stop();
}

#[test]
fn a_big_body_gets_413_before_it_is_read() {
    let server = TestServer::start(small_limits(), echo);
    // Only the head is sent: the answer cannot depend on reading the body.
    let request = "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n";
    assert_eq!(refused(&server, request.as_bytes()), 413);
    // At the cap it is fine.
    let mut conn = server.connect();
    let body = "b".repeat(1000);
    conn.send(format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{body}"
    ));
    assert_eq!(conn.answer().text(), format!("POST /? body={body}"));
    server.stop();
}

#[test]
fn a_big_chunked_body_gets_413() {
    let server = TestServer::start(small_limits(), echo);
    let chunk = "c".repeat(600);
    // Two chunks of 600 pass the cap of 1000; the end is never sent.
    let request = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n"
    );
    assert_eq!(refused(&server, request.as_bytes()), 413);
    server.stop();
}

#[test]
fn only_the_mcp_endpoint_takes_big_bodies() {
    let server = TestServer::start(quick_limits(), echo);
    // An OAuth form needs a few KiB: past 64 KiB it is refused unread.
    let form = "POST /token HTTP/1.1\r\nHost: t\r\nContent-Length: 65537\r\n\r\n";
    assert_eq!(refused(&server, form.as_bytes()), 413);
    let chunked =
        "POST /register HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n";
    assert_eq!(refused(&server, chunked.as_bytes()), 413);
    // Tool arguments travel to /mcp, which keeps the 4 MiB cap.
    let body = "m".repeat(100 * 1024);
    let mut conn = server.connect();
    conn.send(format!(
        "POST /mcp HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert_eq!(conn.answer().status, 200);
    server.stop();
}

/// RFC 9112 §7.1 framing exactly: CRLF after every chunk line, no
/// whitespace around a size; and a `Host` that is a host (§3.2). A parser
/// more lenient than a proxy in front of it reads other requests than the
/// proxy did.
#[test]
fn lenient_chunk_framing_and_malformed_hosts_get_400() {
    let server = TestServer::start(quick_limits(), echo);
    let chunked = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for body in [
        "3\nabc\r\n0\r\n\r\n",    // bare LF after the size
        "3\r\nabc\n0\r\n\r\n",    // bare LF after the data
        " 3\r\nabc\r\n0\r\n\r\n", // whitespace before the size
        "3 \r\nabc\r\n0\r\n\r\n", // whitespace after it, no extension
        "3\r\nabc\r\n0\r\n\n",    // bare LF ending the trailers
    ] {
        let request = format!("{chunked}{body}");
        assert_eq!(refused(&server, request.as_bytes()), 400, "{body:?}");
    }
    for host in ["a b", "evil.example/x", "user@h", "h:port"] {
        let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(refused(&server, request.as_bytes()), 400, "{host:?}");
    }
    // The strict forms are served.
    let mut conn = server.connect();
    conn.send(format!("{chunked}3 ;ext=1\r\nabc\r\n0\r\n\r\n"));
    assert_eq!(conn.answer().text(), "POST /? body=abc");
    conn.send("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
    assert_eq!(conn.answer().status, 200);
    server.stop();
}

#[test]
fn request_smuggling_shapes_get_400() {
    let server = TestServer::start(small_limits(), echo);
    let shapes = [
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0x3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3 3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        // A bad chunk size.
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    ];
    for shape in shapes {
        assert_eq!(refused(&server, shape.as_bytes()), 400, "{shape:?}");
    }
    server.stop();
}

#[test]
fn duplicate_or_missing_host_gets_400() {
    let server = TestServer::start(small_limits(), echo);
    let shapes = [
        "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
    ];
    for shape in shapes {
        assert_eq!(refused(&server, shape.as_bytes()), 400, "{shape:?}");
    }
    server.stop();
}

#[test]
fn other_http_versions_get_505_and_garbage_400() {
    let server = TestServer::start(small_limits(), echo);
    assert_eq!(refused(&server, b"GET / HTTP/2.0\r\nHost: t\r\n\r\n"), 505);
    assert_eq!(refused(&server, b"GET / HTTP/0.9\r\nHost: t\r\n\r\n"), 505);
    assert_eq!(refused(&server, b"\x16\x03\x01 hello\r\n\r\n"), 400);
    server.stop();
}

/// Sends `prefix` at once, then `drip` one byte at a time, 50 ms apart, until
/// the server closes. Returns what the server answered.
fn drip(server: &TestServer, prefix: &[u8], drip: &[u8]) -> raw::Answer {
    let mut conn = server.connect();
    conn.send(prefix);
    let mut stream = conn.reader.get_ref().try_clone().unwrap();
    let bytes = drip.to_vec();
    let dripper = std::thread::spawn(move || {
        for byte in bytes {
            if stream.write_all(&[byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let answer = conn.answer();
    assert!(conn.is_closed());
    dripper.join().unwrap();
    answer
}

/// Runs `slow` on a thread while another client makes requests; returns the
/// slow client's answer.
fn while_others_are_served(
    server: &TestServer,
    slow: impl FnOnce() -> raw::Answer + Send,
) -> raw::Answer {
    std::thread::scope(|scope| {
        let slow = scope.spawn(slow);
        let mut other = server.connect();
        for _ in 0..5 {
            assert_eq!(other.get("/fast").status, 200);
            std::thread::sleep(Duration::from_millis(20));
        }
        slow.join().unwrap()
    })
}

#[test]
fn a_slow_head_is_closed_at_its_deadline_while_others_are_served() {
    let server = TestServer::start(small_limits(), echo);
    let started = Instant::now();
    // Each byte comes well within any per-read timeout; the head as a whole
    // (about 4 s at this pace) cannot beat the 600 ms deadline.
    let head =
        b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let answer = while_others_are_served(&server, || drip(&server, b"", head));
    assert_eq!(answer.status, 408);
    assert_eq!(answer.header("connection"), Some("close"));
    // Loose bound: closed well before the whole head could have come.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    server.stop();
}

#[test]
fn a_slow_body_is_closed_at_its_deadline_while_others_are_served() {
    let server = TestServer::start(small_limits(), echo);
    let started = Instant::now();
    let head = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 80\r\n\r\n";
    let answer = while_others_are_served(&server, || drip(&server, head, &[b'z'; 80]));
    assert_eq!(answer.status, 408);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A chunked body that stalls midway, too.
    let head = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
    let answer = while_others_are_served(&server, || drip(&server, head, &[b'z'; 80]));
    assert_eq!(answer.status, 408);
    server.stop();
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(300),
        ..small_limits()
    };
    let server = TestServer::start(limits, echo);
    let mut conn = server.connect();
    assert_eq!(conn.get("/").status, 200);
    // No 408 for a connection that merely sat idle: it is just closed.
    assert!(conn.is_closed());
    // A connection that never sends a byte is closed at the head deadline.
    let mut silent = Conn::open(server.addr);
    assert!(silent.is_closed());
    server.stop();
}
