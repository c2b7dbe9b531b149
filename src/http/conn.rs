//! **[all](crate::_documentation::flow) Every arrow — one connection, request
//! after request.** A connection thread from the [`pool`](super::pool) runs
//! [`serve`] for one TCP connection: wait for a request, read its head and body
//! within the limits, call the handler, write the answer, and again while the
//! connection stays open (keep-alive, pipelining).
//!
//! ```text
//!   wait (idle_timeout; reclaimable) ─▶ head (head_timeout, caps) ─▶ [100 Continue]
//!     ▲                      │ 400/408/414/417/431/505: answer, close
//!     │                      ▼
//!     │                    body (body_timeout, cap) ── 408/413: answer, close
//!     │                      ▼
//!     └─ keep-alive ◀── handler ─▶ Responder (panic → 500, or close if the
//!                                  head was already sent)
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
//! Called by [`super::pool`]; reads with [`super::parse`] and
//! [`super::body`]; answers through [`super::Responder`]; logs one line per
//! answered request through [`crate::log::request`].

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use super::body::read_body;
use super::control::Control;
use super::gate::Gate;
use super::limits::{Handler, Limits};
use super::parse::{Filled, Framing, Head, Input, ReadError, left, read_head};
use super::request::Version;
use super::response::{Body, Responder, Response, reason};
use std::sync::Arc;

/// What every connection thread needs.
pub(crate) struct Context {
    /// The request handler (the router).
    pub(crate) handler: Handler,
    /// The limits.
    pub(crate) limits: Limits,
    /// Stop flag and open connections.
    pub(crate) control: Arc<Control>,
    /// The run slots: held around the handler call only.
    pub(crate) gate: Gate,
}

/// How long, after an error answer, the client's remaining bytes are read
/// before the socket closes.
const LINGER: Duration = Duration::from_millis(500);

/// Serves every request of one connection, then closes it.
pub(crate) fn serve(stream: TcpStream, cx: &Context) {
    let taken = Instant::now();
    let limits = &cx.limits;
    // Small answers leave at once instead of waiting for an ACK (Nagle).
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(limits.write_timeout));
    let Ok(remote_addr) = stream.peer_addr() else {
        return;
    };
    let registration = cx.control.register(&stream);
    let mut input = Input::new(stream, limits.max_head_bytes.max(8 * 1024));
    let mut first = true;
    loop {
        if !registration.set_waiting(true) {
            return;
        }
        // The first byte: a new connection gets the head timeout counted from
        // when its thread took it; an open one waits up to the idle timeout.
        let head_deadline = if input.buffered().is_empty() {
            let wait = if first {
                left(taken + limits.head_timeout)
            } else {
                // Idle between requests: the pool may reclaim this thread.
                registration.set_idle(true);
                limits.idle_timeout
            };
            let filled = input.fill(wait);
            if !first && !registration.set_idle(false) {
                // Reclaimed for a new connection while idle.
                return;
            }
            match filled {
                Filled::Bytes => {}
                // Nothing of a request came: close without a word.
                Filled::Closed | Filled::TimedOut => return,
            }
            if first {
                taken + limits.head_timeout
            } else {
                Instant::now() + limits.head_timeout
            }
        } else {
            Instant::now() + limits.head_timeout
        };
        let started = Instant::now();
        let head = match read_head(&mut input, limits, head_deadline, remote_addr) {
            Ok(head) => head,
            Err(ReadError::Closed) => return,
            Err(ReadError::Reject(status)) => {
                refuse(&mut input, status, Version::Http11, ("-", "-"), started);
                return;
            }
        };
        registration.set_waiting(false);
        if !answer(&mut input, head, cx, started) {
            return;
        }
        first = false;
    }
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
        let _ = input.socket().write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
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
    // A run slot (when MCP_RUN_SLOTS turns the gate on) for the handler's
    // work only: reading came before, writing comes after, so a slow client
    // never holds one (gate.rs).
    let permit = cx.gate.enter();
    let handled = catch_unwind(AssertUnwindSafe(|| (cx.handler)(request)));
    drop(permit);
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
    let mut out = input.socket();
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
    let mut out = input.socket();
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
            Filled::Closed | Filled::TimedOut => return,
        }
    }
}
