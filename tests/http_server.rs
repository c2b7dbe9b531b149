//! The HTTP/1.1 server over real sockets: keep-alive, pipelining, closing,
//! HEAD, chunked request bodies, `Expect: 100-continue` and streamed answers.

#[path = "support/raw.rs"]
mod raw;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use raw::{TestServer, echo};
use remote_mcp::http::{Limits, Response};

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    for i in 0..3 {
        let answer = conn.get(&format!("/n{i}?q={i}"));
        assert_eq!(answer.status, 200);
        assert_eq!(answer.version, "HTTP/1.1");
        assert_eq!(answer.text(), format!("GET /n{i}?q={i} body="));
        assert_eq!(answer.header("connection"), None);
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert!(answer.header("date").is_some_and(|d| d.ends_with(" GMT")));
    }
    server.stop();
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send(
        "GET /first HTTP/1.1\r\nHost: t\r\n\r\n\
         POST /second HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello\
         POST /third HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
         GET /fourth HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    assert_eq!(conn.answer().text(), "GET /first? body=");
    assert_eq!(conn.answer().text(), "POST /second? body=hello");
    assert_eq!(conn.answer().text(), "POST /third? body=abc");
    assert_eq!(conn.answer().text(), "GET /fourth? body=");
    server.stop();
}

/// A body larger than the read buffer is read straight from the socket; a
/// request pipelined behind it, whose bytes came while the connection was
/// being served (so the edge-triggered `epoll` reported them then), must
/// still be answered once the connection is back in its event loop.
#[test]
fn a_request_pipelined_behind_a_large_body_is_answered() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    let body = "a".repeat(50_000);
    // The head and a little of the body first (the server reads all there
    // is), then the rest with the next request right behind it.
    conn.send(format!(
        "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..100]
    ));
    std::thread::sleep(std::time::Duration::from_millis(100));
    conn.send(format!(
        "{}GET /after HTTP/1.1\r\nHost: t\r\n\r\n",
        &body[100..]
    ));
    assert_eq!(conn.answer().text(), format!("POST /big? body={body}"));
    assert_eq!(conn.answer().text(), "GET /after? body=");
    server.stop();
}

#[test]
fn connection_close_is_honoured() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send("GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let answer = conn.answer();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(conn.is_closed());
    server.stop();
}

#[test]
fn http10_closes_unless_keep_alive() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send("GET /old HTTP/1.0\r\n\r\n");
    let answer = conn.answer();
    assert_eq!(answer.version, "HTTP/1.0");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("connection"), Some("close"));
    assert_eq!(answer.text(), "GET /old? body=");
    assert!(conn.is_closed());

    let mut conn = server.connect();
    for _ in 0..2 {
        conn.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let answer = conn.answer();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("connection"), Some("keep-alive"));
    }
    server.stop();
}

#[test]
fn head_gets_the_head_without_the_body() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n");
    let answer = conn.read_answer(true);
    assert_eq!(answer.status, 200);
    // The length of the body a GET would get ("HEAD /h? body=").
    assert_eq!(answer.header("content-length"), Some("14"));
    // No body bytes followed: the next answer starts right away.
    assert_eq!(conn.get("/after").text(), "GET /after? body=");
    server.stop();
}

#[test]
fn a_chunked_body_is_decoded_with_extensions_and_trailers() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send(
        "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
         5;note=x\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n",
    );
    let answer = conn.answer();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "POST /c? body=hello 0123456789");
    assert_eq!(conn.get("/next").status, 200);
    server.stop();
}

#[test]
fn expect_100_continue_gets_100_then_the_answer() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    let interim = conn.answer();
    assert_eq!(interim.status, 100);
    assert_eq!(interim.version, "HTTP/1.1");
    assert!(interim.headers.is_empty());
    conn.send("data");
    let answer = conn.answer();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "POST /e? body=data");
    server.stop();
}

#[test]
fn expect_100_continue_with_a_body_too_large_gets_413_without_100() {
    let server = TestServer::start(Limits::default(), echo);
    let mut conn = server.connect();
    conn.send(
        "POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\nExpect: 100-continue\r\n\r\n",
    );
    let answer = conn.answer();
    assert_eq!(answer.status, 413);
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(conn.is_closed());

    let mut conn = server.connect();
    conn.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: teapot\r\n\r\n");
    assert_eq!(conn.answer().status, 417);
    server.stop();
}

#[test]
fn non_utf8_header_values_do_not_break_anything() {
    let server = TestServer::start(Limits::default(), |request: remote_mcp::http::Request| {
        Response::text(200, request.header("x-odd").unwrap_or("none"))
    });
    let mut conn = server.connect();
    let mut bytes = b"GET / HTTP/1.1\r\nHost: t\r\nX-Odd: a".to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFE]);
    bytes.extend_from_slice(b"b\r\n\r\n");
    conn.send(bytes);
    let answer = conn.answer();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "a\u{FFFD}\u{FFFD}b");
    assert_eq!(conn.get("/").status, 200);
    server.stop();
}

/// The handler streams what the test sends on a channel; the test reads
/// each event off the socket before it sends the next, so every event must
/// have reached the client while the handler was still running.
#[test]
fn a_streamed_answer_delivers_each_event_before_the_next_is_written() {
    let (events_tx, events_rx) = mpsc::channel::<String>();
    let events_rx = Arc::new(Mutex::new(Some(events_rx)));
    let server = TestServer::start(Limits::default(), move |request| {
        if request.path != "/stream" {
            return echo(request);
        }
        let events = events_rx.lock().unwrap().take().unwrap();
        Response::deferred(move |responder| {
            let headers = [("Content-Type".to_string(), "text/event-stream".to_string())];
            let mut stream = responder.stream(200, &headers)?;
            for event in events {
                stream.write(format!("data: {event}\n\n").as_bytes())?;
            }
            stream.finish()
        })
    });
    let mut conn = server.connect();
    conn.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    // The head comes before any event exists.
    let head = conn.read_answer(true);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/event-stream"));
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    for i in 0..3 {
        events_tx.send(format!("event {i}")).unwrap();
        assert_eq!(
            conn.chunk().unwrap(),
            format!("data: event {i}\n\n").as_bytes()
        );
    }
    drop(events_tx);
    assert_eq!(conn.chunk().unwrap(), b"");
    // The connection is still good for the next request.
    assert_eq!(conn.get("/after").text(), "GET /after? body=");
    server.stop();
}
