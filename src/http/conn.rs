//! **[all](crate::_documentation::flow) Every arrow — one connection, request
//! after request.** A [`Conn`] is one TCP connection and what is known about
//! it between two requests. Its event loop ([`super::pool`]) calls
//! [`serve_ready`] when the socket becomes readable: read the request's head
//! and body within the limits, call the handler, write the answer, and again
//! while more requests are already there (keep-alive, pipelining); then the
//! connection goes back to its loop, holding no thread until the next bytes.
//!
//! ```text
//!   readable ─▶ head (head_timeout, caps) ─▶ [100 Continue]
//!     ▲            │ 400/408/414/417/431/505: answer, close
//!     │            ▼
//!     │          body (body_timeout, cap) ── 408/413: answer, close
//!     │            ▼
//!     │          handler ─▶ Responder (panic → 500, or close if the head was
//!     │            │                   already sent)
//!     └─ Park ◀────┘ nothing more to read yet (idle_timeout; reclaimable)
//! ```
//!
//! # Spec
//! * RFC 9112 §9.3: persistent connections; pipelined requests are answered
//!   in order, because one thread reads a request, answers it, and only then
//!   reads the next (bytes read ahead stay in the [`Input`] buffer).
//! * RFC 9112 §9.6: an answer with `Connection: close` is the last one; after
//!   an error answer the connection is closed "lingering" (our side shut,
//!   the client's remaining bytes read for a moment) so the client gets the
//!   answer rather than a reset.
//! * RFC 9110 §9.3.2: `HEAD` gets the head of the `GET` answer, without body.
//! * RFC 9110 §10.1.1: `100 Continue` before reading a body the client holds
//!   back; not sent when the head is refused (413, 417).
//!
//! # Where this sits
//! Called by [`super::pool`]'s event loops; reads with [`super::parse`] and
//! [`super::body`]; answers through [`super::Responder`]; logs one line per
//! answered request through [`crate::log::request`].

use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::body::read_body;
use super::control::{Control, Registration};
use super::input::{Filled, Input, left};
use super::limits::{Handler, Limits};
use super::parse::{Framing, Head, ReadError, read_head};
use super::request::Version;
use super::response::{Body, Responder, Response, reason};

/// What every event loop needs.
pub(crate) struct Context {
    /// The request handler (the router).
    pub(crate) handler: Handler,
    /// The limits.
    pub(crate) limits: Limits,
    /// Stop flag and open connections.
    pub(crate) control: Arc<Control>,
}

/// How long, after an error answer, the client's remaining bytes are read
/// before the socket closes.
const LINGER: Duration = Duration::from_millis(500);

/// One open connection, between two of its requests.
pub(crate) struct Conn {
    input: Input,
    registration: Registration,
    remote_addr: SocketAddr,
    /// Whether no request has been read yet.
    first: bool,
    /// Whether the connection is idle between two requests (kept alive).
    idle: bool,
    /// When the connection is closed if nothing more comes: the head timeout
    /// for a new connection, the idle timeout for a kept-alive one.
    deadline: Instant,
}

/// What a connection does after [`serve_ready`].
pub(crate) enum Next {
    /// Wait in the event loop until the socket is readable again.
    Park,
    /// Close it.
    Close,
}

impl Conn {
    /// Prepares an accepted connection; `None` if it is already gone.
    pub(crate) fn open(stream: TcpStream, cx: &Context) -> Option<Conn> {
        // Small answers leave at once instead of waiting for an ACK (Nagle).
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(cx.limits.write_timeout));
        let remote_addr = stream.peer_addr().ok()?;
        let registration = cx.control.register(&stream);
        let input = Input::new(stream, cx.limits.max_head_bytes.max(8 * 1024));
        // Non-blocking from the start: the event loop asks, it never waits.
        input.unblock().ok()?;
        Some(Conn {
            input,
            registration,
            remote_addr,
            first: true,
            idle: false,
            deadline: Instant::now() + cx.limits.head_timeout,
        })
    }

    /// The socket, for the event loop to watch.
    pub(crate) fn socket(&self) -> &TcpStream {
        self.input.socket()
    }

    /// When the event loop closes this connection if it is still parked.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }
}

/// Serves the requests that have arrived on `conn`, whose socket was
/// reported readable.
pub(crate) fn serve_ready(conn: &mut Conn, cx: &Context) -> Next {
    let limits = &cx.limits;
    let mut look = true;
    loop {
        if !conn.registration.set_waiting(true) {
            return Next::Close;
        }
        if conn.input.buffered().is_empty() {
            // The last read emptied the kernel's buffer: whatever comes next
            // wakes the loop again, no need to ask.
            if !look && conn.input.drained() {
                return park(conn, limits);
            }
            match conn.input.try_fill() {
                Filled::Bytes => {}
                Filled::Pending => return park(conn, limits),
                // Nothing of a request came: close without a word.
                Filled::Closed | Filled::TimedOut => return Next::Close,
            }
            if conn.idle {
                conn.idle = false;
                if !conn.registration.set_idle(false) {
                    // Reclaimed for a new connection while idle.
                    return Next::Close;
                }
            }
        }
        look = false;
        let started = Instant::now();
        let head_deadline = if conn.first {
            conn.deadline
        } else {
            started + limits.head_timeout
        };
        let head = match read_head(&mut conn.input, limits, head_deadline, conn.remote_addr) {
            Ok(head) => head,
            Err(ReadError::Closed) => return Next::Close,
            Err(ReadError::Reject(status)) => {
                refuse(
                    &mut conn.input,
                    status,
                    Version::Http11,
                    ("-", "-"),
                    started,
                );
                return Next::Close;
            }
        };
        conn.registration.set_waiting(false);
        if !answer(&mut conn.input, head, cx, started) {
            return Next::Close;
        }
        conn.first = false;
    }
}

/// Back to the event loop until the next bytes (or the deadline).
fn park(conn: &mut Conn, limits: &Limits) -> Next {
    if !conn.first && !conn.idle {
        // Idle between requests: a full server may reclaim it.
        conn.idle = true;
        conn.registration.set_idle(true);
        conn.deadline = Instant::now() + limits.idle_timeout;
    }
    Next::Park
}

/// Reads the body, calls the handler and writes the answer. Returns whether
/// the connection stays open for another request.
fn answer(input: &mut Input, head: Head, cx: &Context, started: Instant) -> bool {
    let Head {
        mut request,
        framing,
        expect_continue,
        keep_alive,
    } = head;
    let version = request.version;
    if expect_continue && framing != Framing::None {
        let _ = input.writer().write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body_deadline = Instant::now() + cx.limits.body_timeout;
    let cap = cx.limits.max_body_bytes_for(&request.path);
    match read_body(input, framing, cap, &cx.limits, body_deadline) {
        Ok(body) => request.body = body,
        Err(ReadError::Closed) => return false,
        Err(ReadError::Reject(status)) => {
            let said = (request.method.as_str(), request.path.as_str());
            refuse(input, status, version, said, started);
            return false;
        }
    }

    // Kept for the log line; the request itself goes to the handler.
    let method = request.method.clone();
    let path = request.path.clone();
    let head_only = method == "HEAD";
    let handled = catch_unwind(AssertUnwindSafe(|| (cx.handler)(request)));
    let response = match handled {
        Ok(response) => response,
        Err(_) => {
            crate::log::event("ERROR", &format!("handler panicked: {method} {path}"));
            Response::text(500, "internal server error\n")
        }
    };
    let deferred = matches!(response.body, Body::Deferred(_));
    // Shutting down: this is the last answer. HTTP/1.0 has no chunked
    // encoding, so a deferred answer (possibly a stream) is the last one too.
    let keep_alive =
        keep_alive && !cx.control.stopping() && !(deferred && version == Version::Http10);

    let mut status = 0;
    let mut out = input.writer();
    let written = catch_unwind(AssertUnwindSafe(|| {
        let responder = Responder::new(&mut out, version, keep_alive, &mut status).with_date();
        let responder = if head_only {
            responder.head_only()
        } else {
            responder
        };
        responder.send(response)
    }));
    match written {
        Ok(Ok(())) if status != 0 => {
            crate::log::request(&method, &path, status, started.elapsed());
            keep_alive
        }
        outcome => {
            // A deferred body that failed, panicked, or returned without
            // answering. Before the head went out we can still say 500;
            // after it, only closing tells the client the body is cut short.
            if outcome.is_err() {
                crate::log::event("ERROR", &format!("response panicked: {method} {path}"));
            }
            if status == 0 {
                let _ = Responder::new(&mut out, version, false, &mut status)
                    .with_date()
                    .send(Response::text(500, "internal server error\n"));
            }
            crate::log::request(&method, &path, status, started.elapsed());
            false
        }
    }
}

/// Answers `status` to a request that cannot be read, then closes.
fn refuse(
    input: &mut Input,
    status: u16,
    version: Version,
    (method, path): (&str, &str),
    started: Instant,
) {
    let mut sent = 0;
    let mut out = input.writer();
    let text = format!("{}\n", reason(status));
    let _ = Responder::new(&mut out, version, false, &mut sent)
        .with_date()
        .send(Response::text(status, &text));
    crate::log::request(method, path, status, started.elapsed());
    linger(input);
}

/// Shuts our side, then reads (and drops) what the client still sends for a
/// moment, so the kernel closes with FIN and the client can read our answer.
fn linger(input: &mut Input) {
    let _ = input.socket().shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER;
    for _ in 0..64 {
        let n = input.buffered().len();
        input.consume(n);
        match input.fill(left(until)) {
            Filled::Bytes => {}
            Filled::Closed | Filled::TimedOut | Filled::Pending => return,
        }
    }
}
