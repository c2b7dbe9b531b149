//! **[all](crate::_documentation::flow) Every arrow — the request.** What
//! [`super::parse`] and [`super::body`] make of the bytes a client sent: a
//! [`Request`] with its whole body, handed by [`super::conn`] to the handler
//! (the router) for every numbered arrow of
//! [docs/FLOW.md](crate::_documentation::flow).
//!
//! # Spec
//! * RFC 9112 §3: the request line (method, target, version).
//! * RFC 9110 §5.1: field names are case-insensitive ([`Request::header`]);
//!   §5.3: a field may be sent more than once ([`Request::header_all`]).
//!
//! # Where this sits
//! A leaf: built by [`super::parse`], read by every handler.

use std::fmt;
use std::net::SocketAddr;

/// The HTTP version of a request line. We answer in the same version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`: no chunked encoding, connection closes unless `keep-alive`.
    Http10,
    /// `HTTP/1.1`: persistent by default (RFC 9112 §9.3).
    Http11,
}

/// One parsed HTTP request, with its whole body already read (within the limits).
///
/// Header names keep the case the client sent; look them up with
/// [`Request::header`], which ignores case as RFC 9110 §5.1 requires.
#[derive(Clone)]
pub struct Request {
    /// `GET`, `POST`, … exactly as sent (methods are case-sensitive).
    pub method: String,
    /// The path part of the request target, without the query, not decoded.
    pub path: String,
    /// The query string after `?`, not decoded (empty when absent).
    pub query: String,
    /// The version of the request line.
    pub version: Version,
    /// Every header field, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (decoded from chunked framing if it was chunked).
    pub body: Vec<u8>,
    /// The peer's address (on Cloud Run: the front end's).
    pub remote_addr: SocketAddr,
}

impl Request {
    /// A request with no headers and no body: for tests and examples.
    pub fn new(method: &str, target: &str) -> Request {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.to_string(), String::new()),
        };
        Request {
            method: method.to_string(),
            path,
            query,
            version: Version::Http11,
            headers: Vec::new(),
            body: Vec::new(),
            remote_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }

    /// Adds a header (builder style, for tests and examples).
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body (builder style, for tests and examples).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`, in order: to detect duplicated or
    /// conflicting headers (RFC 9110 §5.3).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for Request {
    /// Never prints header values: `Authorization` and `Cookie` carry secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}
