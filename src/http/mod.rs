//! **[all](crate::_documentation::flow) Every arrow — the HTTP/1.1 layer.**
//! Each numbered arrow in [docs/FLOW.md](crate::_documentation::flow) is one HTTP
//! request and one HTTP response; this module is the only code that turns bytes
//! on a socket into a [`Request`] and a [`Response`] back into bytes.
//!
//! ```text
//!   client ──TCP──▶ server::serve (accept loop) ─▶ pool (event loops, epoll)
//!                       │  parse::read_head (httparse, caps, framing rules)
//!                       │  body::read_body  (Content-Length or chunked, capped)
//!                       ▼
//!                   Request ──▶ crate::router::route ──▶ Response
//!                                                          │
//!   client ◀──TCP── Responder (status line, headers, body: bytes or a chunked stream)
//! ```
//!
//! # Spec
//! * RFC 9112 (HTTP/1.1 message syntax): request line, header fields,
//!   `Content-Length` and `Transfer-Encoding: chunked` framing, persistent
//!   connections and pipelining (§9.3).
//! * RFC 9110 (HTTP semantics): status codes, `Expect: 100-continue` (§10.1.1).
//! * WHATWG HTML, *Server-sent events*: the `text/event-stream` bodies that MCP
//!   streams are written as chunks, each flushed as soon as it is written.
//!
//! # Files, in the order a request meets them
//! * `server.rs` — [`Server`], [`ShutdownHandle`]: the accept loop and
//!   shutdown.
//! * `limits.rs` — [`Limits`] (threads, bytes, time) and [`Handler`].
//! * `control.rs` — the stop flag and the open connections (shutdown closes
//!   the waiting ones; a full pool reclaims the idle ones).
//! * `pool.rs` — the open connections (at most `max_connections`, `503`
//!   past that): two event loops per core, where a connection waits in
//!   `epoll` between requests without a thread, and the threads that serve
//!   the ready ones (one more for a loop whose threads are all held up).
//! * `conn.rs` — one connection: the requests that have arrived, panics
//!   caught, error answers, one log line per answer.
//! * `input.rs` — the socket of a connection: the read buffer with its
//!   deadlines, non-blocking between requests, blocking inside one.
//! * `parse.rs` — the request head: `httparse`, caps, framing and `Host`
//!   rules.
//! * `body.rs` — the request body: `Content-Length` or chunked, capped.
//! * `request.rs` — [`Request`] and [`Version`].
//! * `response.rs` — [`Response`], and the writer of answers
//!   ([`Responder`], [`StreamWriter`]).
//! * `date.rs` — the `Date` header.
//! * `fuzz.rs` — the fuzzing entry (built only under `--cfg fuzzing`).
//! * this file — declares the files and re-exports what the crate uses.
//!
//! # Where this sits
//! Below everything: the rest of the crate sees only [`Request`], [`Response`]
//! and, for streamed answers, [`Responder`] and [`StreamWriter`]. Nothing outside
//! `src/http/` touches a socket (an invariant stated in ARCHITECTURE.md).
//!
//! # Not implemented (on purpose)
//! * TLS: Cloud Run (and any reverse proxy) terminates HTTPS in front of us.
//! * HTTP/2: Cloud Run speaks HTTP/1.1 to the container unless told otherwise.

mod body;
mod conn;
mod control;
mod date;
#[cfg(fuzzing)]
mod fuzz;
mod input;
mod limits;
mod parse;
mod pool;
mod request;
mod response;
pub mod server;

#[cfg(fuzzing)]
#[doc(hidden)]
pub use fuzz::fuzz_request_head;
pub use limits::{Handler, Limits};
pub use request::{Request, Version};
pub use response::{Body, Deferred, Responder, Response, StreamWriter, reason};
pub use server::{Server, ShutdownHandle};
