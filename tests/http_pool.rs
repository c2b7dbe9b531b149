//! The server under load and trouble, over real sockets: a burst of
//! keep-alive connections on a fresh server, a full pool (503), panicking
//! handlers (500), and graceful shutdown.

#[path = "support/raw.rs"]
mod raw;

use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use raw::{TestServer, echo, quick_limits};
use remote_mcp::http::{Limits, Request, Response};

#[test]
fn a_burst_of_64_keep_alive_connections_on_a_fresh_server_is_all_answered() {
    let server = TestServer::start(quick_limits(), echo);
    let clients = 64;
    // Every client connects first; then all send at once.
    let ready = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let ready = ready.clone();
            let addr = server.addr;
            std::thread::spawn(move || {
                let mut conn = raw::Conn::open(addr);
                ready.wait();
                for round in 0..3 {
                    let answer = conn.get(&format!("/c{i}/r{round}"));
                    assert_eq!(answer.status, 200);
                    assert_eq!(answer.text(), format!("GET /c{i}/r{round}? body="));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    server.stop();
}

#[test]
fn idle_keep_alive_connections_yield_their_threads_to_new_ones() {
    // Generous waits: on a loaded machine the reclaimed thread still takes
    // the new connection long before the pool wait runs out.
    let limits = Limits {
        max_connections: 4,
        pool_wait: Duration::from_secs(3),
        idle_timeout: Duration::from_secs(60),
        ..quick_limits()
    };
    let server = TestServer::start(limits, echo);
    // Four clients got their answer and keep their connection open: every
    // thread is taken by a socket with nothing to say (once 512 of them
    // turned everyone else away with 503 for 60 s).
    let mut idle: Vec<_> = (0..4).map(|_| server.connect()).collect();
    for conn in &mut idle {
        assert_eq!(conn.get("/first").status, 200);
        // The server marks a connection idle just after writing its answer:
        // a pause lets it do so before the next one, so that the idle order
        // is the order of the requests even on a loaded machine.
        std::thread::sleep(Duration::from_millis(100));
    }
    for round in 0..3 {
        let answer = server.connect().get(&format!("/new{round}"));
        assert_eq!(answer.status, 200, "round {round}");
    }
    // The longest-idle connections were the ones closed.
    assert!(idle[0].is_closed());
    server.stop();
}

#[test]
fn a_full_pool_answers_503_quickly_and_recovers() {
    let limits = Limits {
        max_connections: 2,
        pool_wait: Duration::from_millis(100),
        head_timeout: Duration::from_secs(10),
        ..quick_limits()
    };
    let server = TestServer::start(limits, echo);
    // Two connections in the middle of a request hold both threads (idle
    // keep-alive ones would be reclaimed: see the next test).
    let mut held: Vec<_> = (0..2).map(|_| server.connect()).collect();
    for conn in &mut held {
        conn.send("GET /held HTTP/1.1\r\n");
    }
    std::thread::sleep(Duration::from_millis(200));
    let mut third = server.connect();
    let answer = third.get("/third");
    assert_eq!(answer.status, 503);
    assert_eq!(answer.header("connection"), Some("close"));
    assert_eq!(answer.header("retry-after"), Some("1"));
    assert!(third.is_closed());
    // The held connections still work.
    for conn in &mut held {
        conn.send("Host: t\r\n\r\n");
        assert_eq!(conn.answer().status, 200);
        assert_eq!(conn.get("/still").status, 200);
    }
    // One closes: its thread takes the next connection (usually at once; a
    // retry covers a thread slow to notice the close on a busy machine).
    drop(held.pop());
    let mut answer = server.connect().get("/fourth");
    for _ in 0..20 {
        if answer.status != 503 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        answer = server.connect().get("/fourth");
    }
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "GET /fourth? body=");
    server.stop();
}

/// Handlers that block (a store, an upstream API, a long stream) hold up
/// their thread, never their event loop: while four handlers sleep for two
/// seconds, twenty other requests are answered promptly, whichever loop
/// their connections joined.
#[test]
fn handlers_that_block_do_not_hold_up_other_connections() {
    let server = TestServer::start(Limits::default(), |request: Request| {
        if request.path == "/sleep" {
            std::thread::sleep(Duration::from_secs(2));
        }
        echo(request)
    });
    let sleepers: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = server.connect();
            conn.send("GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n");
            conn
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    for n in 0..20 {
        let started = Instant::now();
        let answer = server.connect().get(&format!("/fast{n}"));
        assert_eq!(answer.status, 200);
        // Generous for a loaded machine; a stalled loop would take 2 s.
        assert!(
            started.elapsed() < Duration::from_millis(1000),
            "request {n} waited {:?}",
            started.elapsed()
        );
    }
    for mut conn in sleepers {
        assert_eq!(conn.answer().text(), "GET /sleep? body=");
    }
    server.stop();
}

fn panicky(request: Request) -> Response {
    match request.path.as_str() {
        "/panic" => panic!("handler bug (expected by this test)"),
        "/panic-midstream" => Response::deferred(|responder| {
            let mut stream = responder.stream(200, &[])?;
            stream.write(b"partial")?;
            panic!("stream bug (expected by this test)");
        }),
        "/panic-deferred" => Response::deferred(|_| panic!("deferred bug (expected by this test)")),
        _ => echo(request),
    }
}

#[test]
fn a_panicking_handler_gets_500_and_the_server_keeps_serving() {
    let limits = Limits {
        max_connections: 2,
        ..quick_limits()
    };
    let server = TestServer::start(limits, panicky);
    let mut conn = server.connect();
    for _ in 0..3 {
        let answer = conn.get("/panic");
        assert_eq!(answer.status, 500);
        assert_eq!(answer.header("connection"), None);
        // The same connection goes on.
        assert_eq!(conn.get("/ok").status, 200);
    }
    // A deferred body that panics before sending anything: 500 too.
    let answer = conn.get("/panic-deferred");
    assert_eq!(answer.status, 500);
    // With two threads in all, other connections are served: no thread died.
    for _ in 0..4 {
        let mut other = server.connect();
        assert_eq!(other.get("/panic").status, 500);
        assert_eq!(other.get("/ok").status, 200);
    }
    server.stop();
}

#[test]
fn a_panic_after_streaming_began_closes_the_connection() {
    let server = TestServer::start(quick_limits(), panicky);
    let mut conn = server.connect();
    conn.send("GET /panic-midstream HTTP/1.1\r\nHost: t\r\n\r\n");
    let head = conn.read_answer(true);
    assert_eq!(head.status, 200);
    assert_eq!(conn.chunk().unwrap(), b"partial");
    // No last chunk: the body ends with the connection, visibly cut short.
    assert_eq!(conn.chunk(), None);
    assert_eq!(server.connect().get("/ok").status, 200);
    server.stop();
}

#[test]
fn shutdown_waits_for_the_request_in_flight_and_closes_idle_connections() {
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    let release_rx = Mutex::new(release_rx);
    let limits = Limits {
        idle_timeout: Duration::from_secs(60),
        shutdown_grace: Duration::from_secs(20),
        ..quick_limits()
    };
    let server = TestServer::start(limits, move |request| {
        if request.path == "/slow" {
            entered_tx.lock().unwrap().send(()).unwrap();
            release_rx.lock().unwrap().recv().unwrap();
        }
        echo(request)
    });
    // An idle keep-alive connection: shutdown must not wait 60 s for it.
    let mut idle = server.connect();
    assert_eq!(idle.get("/").status, 200);

    let mut busy = server.connect();
    busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    entered_rx.recv().unwrap();
    server.shutdown.shutdown();
    // The idle connection is closed at once (its read would otherwise time
    // out after 10 s and fail `is_closed`).
    assert!(idle.is_closed());
    // The handler is still running, so serve has not returned.
    assert!(!server.thread.is_finished());
    release_tx.send(()).unwrap();
    let answer = busy.answer();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "GET /slow? body=");
    // The last answer of a stopping server closes its connection.
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(busy.is_closed());
    server.thread.join().unwrap().unwrap();
    // Nobody listens any more.
    assert!(std::net::TcpStream::connect(server.addr).is_err());
}
