//! SIGTERM, as Cloud Run sends it before stopping an instance (SIGKILL 10 s
//! later): the quickstart example, a real process, finishes the request in
//! flight, refuses new connections, and exits 0 well within the 10 s.
//!
//! The request in flight is a `tools/call` whose body is still arriving when
//! the signal comes: the server has read its head (it said `100 Continue`),
//! so it is being answered, and the test decides when it ends.

#[path = "support/process.rs"]
mod process;
#[path = "support/raw.rs"]
mod raw;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use process::{ServerProcess, json_of, log_path, tool_call};
use raw::Conn;

#[test]
fn sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0() {
    let mut server = ServerProcess::quickstart(&[], log_path("sigterm"));
    let resource = format!("http://localhost:{}/mcp", server.addr.port());
    let client = server.register();
    let code = server.code(&client, &resource);
    let tokens = json_of(&server.redeem(&client, &code));
    let access = tokens["access_token"].as_str().unwrap();

    // A tools/call whose head is sent and whose body is held back.
    let body = tool_call().to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut in_flight = Conn::open(server.addr);
    in_flight.send(format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nAuthorization: Bearer {access}\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    assert_eq!(in_flight.answer().status, 100, "the head was read");
    in_flight.send(first);

    let signalled = Instant::now();
    server.sigterm();

    // New connections are refused once the listener is closed.
    let refused_by = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect_timeout(&server.addr, Duration::from_millis(200)) {
            Err(_) => break,
            Ok(_) => {
                assert!(
                    Instant::now() < refused_by,
                    "still accepting connections 5 s after SIGTERM"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    assert!(server.is_running(), "it waits for the request in flight");

    // The rest of the body: the request completes normally.
    in_flight.send(rest);
    let answer = in_flight.answer();
    assert_eq!(answer.status, 200, "{}", answer.text());
    let reply = json_of(&answer);
    assert_eq!(reply["id"], 7);
    assert_eq!(reply["result"]["content"][0]["text"], "Result for: ping");

    let status = server.wait_exit(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit status {status:?}:\n{}",
        server.log_text()
    );
    assert!(signalled.elapsed() < Duration::from_secs(10));
    let log = server.log_text();
    assert!(log.contains("SIGTERM: shutting down"), "{log}");
    assert!(log.contains("shut down cleanly"), "{log}");
}

#[test]
fn sigterm_with_nothing_in_flight_exits_at_once() {
    let mut server = ServerProcess::quickstart(&[], log_path("sigterm-idle"));
    // An idle keep-alive connection does not hold the shutdown up.
    let mut idle = Conn::open(server.addr);
    assert_eq!(idle.get("/health").status, 200);
    server.sigterm();
    let status = server.wait_exit(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "exit status {status:?}:\n{}",
        server.log_text()
    );
    assert!(idle.is_closed());
}
