//! **[all](crate::_documentation::flow) Every arrow — what a connection may
//! cost, and who answers.** [`Limits`] bounds threads, bytes and time for
//! every request of every arrow of [docs/FLOW.md](crate::_documentation::flow);
//! [`Handler`] is the function (the router) that answers each request.
//!
//! # Spec
//! * RFC 9112 §2.3 / RFC 9110 §15.5: what the caps answer when exceeded —
//!   `408`, `413`, `414`, `431`, and `503` with `Retry-After` when
//!   `max_connections` are open and none is idle.
//!
//! # Where this sits
//! A leaf: given to [`super::Server::bind`] and [`super::Server::serve`], read
//! by [`super::pool`], [`super::conn`], [`super::parse`] and [`super::body`].

use std::sync::Arc;
use std::time::Duration;

use super::request::Request;
use super::response::Response;

/// The handler the server calls for every request.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// Bounds on what connections may cost: threads, bytes and time.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections at most (each waits in an event loop between
    /// requests; a thread serves it while a request is read and answered).
    pub max_connections: usize,
    /// How long a new connection may wait for room (an open connection
    /// closing) before it gets `503` with `Retry-After`.
    pub pool_wait: Duration,
    /// Bytes of request line plus headers at most (431 above).
    pub max_head_bytes: usize,
    /// Header fields at most (431 above; at most 128 are ever parsed).
    pub max_headers: usize,
    /// Bytes of request target at most (414 above).
    pub max_url_bytes: usize,
    /// Bytes of body at most on the paths in `large_body_paths` (413 above).
    pub max_body_bytes: usize,
    /// Paths whose bodies may reach `max_body_bytes` (default: `/mcp`, where
    /// tool arguments travel). Every other path is capped at
    /// `max_small_body_bytes`: an OAuth form or a registration needs a few
    /// KiB, and each byte of a body is held in memory until it is handled.
    pub large_body_paths: Vec<String>,
    /// Bytes of body at most on any other path (413 above).
    pub max_small_body_bytes: usize,
    /// Time allowed to receive a whole request head, from its first byte (on
    /// a new connection: from when a thread takes the connection).
    pub head_timeout: Duration,
    /// Time allowed to receive a whole body.
    pub body_timeout: Duration,
    /// Time an idle keep-alive connection is kept.
    pub idle_timeout: Duration,
    /// Time allowed for one write to the client.
    pub write_timeout: Duration,
    /// How long [`Server::serve`](super::Server::serve) waits, once shut down, for requests in
    /// flight to finish.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            pool_wait: Duration::from_millis(200),
            max_head_bytes: 16 * 1024,
            max_headers: 64,
            max_url_bytes: 8 * 1024,
            max_body_bytes: 4 * 1024 * 1024,
            large_body_paths: vec!["/mcp".to_string()],
            max_small_body_bytes: 64 * 1024,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            // Cloud Run sends SIGKILL 10 s after SIGTERM.
            shutdown_grace: Duration::from_secs(8),
        }
    }
}

impl Limits {
    /// The body cap for a request to `path`: `max_body_bytes` on the paths
    /// in `large_body_paths`, the smaller `max_small_body_bytes` elsewhere.
    pub fn max_body_bytes_for(&self, path: &str) -> usize {
        if self.large_body_paths.iter().any(|p| p == path) {
            self.max_body_bytes
        } else {
            self.max_small_body_bytes.min(self.max_body_bytes)
        }
    }
}
