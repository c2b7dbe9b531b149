//! **[all](crate::_documentation::flow) Every arrow — the response.** What a
//! handler answers to every numbered arrow of
//! [docs/FLOW.md](crate::_documentation::flow): a [`Response`] (status,
//! headers, a body of bytes or a [`Body::Deferred`] writer), and the
//! [`Responder`] that turns it into bytes on the connection, complete or as a
//! chunked stream ([`StreamWriter`]).
//!
//! ```text
//!   handler ──▶ Response ──▶ Responder::send ──▶ one write: head + body
//!                  │ Body::Deferred
//!                  └────────▶ Responder::stream ──▶ StreamWriter::write (a flushed chunk each)
//! ```
//!
//! # Spec
//! * RFC 9112 §4 (status line), §6 (message body length: `Content-Length` or
//!   `Transfer-Encoding: chunked`), §7.1 (chunked coding), §9.6
//!   (`Connection: close`).
//! * RFC 9110 §15 (status codes, [`reason`]), §6.6.1 (`Date`), §9.3.2
//!   (`HEAD`: the head without the body).
//!
//! # Where this sits
//! Written by [`super::conn`] (and by [`super::pool`] for its `503`); the
//! `Date` value comes from [`super::date`].

use std::fmt;
use std::io::{self, Write};

use super::date;
use super::request::Version;

/// A function that writes the response itself, once the connection is ready:
/// see [`Body::Deferred`].
pub type Deferred = Box<dyn FnOnce(Responder<'_>) -> io::Result<()> + Send>;

/// What follows the head of a [`Response`].
pub enum Body {
    /// A complete body, sent with `Content-Length`.
    Bytes(Vec<u8>),
    /// The handler decides later, while the connection waits: it may send one
    /// complete response ([`Responder::send`]) or start a chunked stream whose
    /// every chunk is flushed at once ([`Responder::stream`]). The MCP transport
    /// uses this to answer `application/json` when a tool emits nothing, and
    /// `text/event-stream` as soon as it emits a notification. The status and
    /// headers of the [`Response`] that carries a deferred body are not used.
    Deferred(Deferred),
}

/// One HTTP response: status, headers and body.
///
/// `Content-Length`, `Transfer-Encoding`, `Connection` and `Date` are written by
/// the HTTP layer; handlers never set them.
pub struct Response {
    /// The status code, e.g. `200`.
    pub status: u16,
    /// Header fields in the order they will be written.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Response {
    /// An empty response with this status.
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// A response with a body and its `Content-Type`.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response::empty(status)
            .with_header("Content-Type", content_type)
            .with_body(body)
    }

    /// `application/json` from a JSON value, never sniffed as another type
    /// (`X-Content-Type-Options: nosniff`) and, should a browser open it,
    /// allowed to load nothing and to be framed by no one.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::bytes(status, "application/json", value.to_string())
            .with_header("X-Content-Type-Options", "nosniff")
            .with_header(
                "Content-Security-Policy",
                "default-src 'none'; frame-ancestors 'none'",
            )
    }

    /// `text/plain; charset=utf-8`.
    pub fn text(status: u16, text: &str) -> Response {
        Response::bytes(status, "text/plain; charset=utf-8", text)
    }

    /// `text/html; charset=utf-8`, never framed by another site
    /// (`X-Frame-Options: DENY`) nor sniffed as another type. The page's
    /// `Content-Security-Policy` is the writer's to add: it depends on what the
    /// page holds (see `oauth::page`, which writes every page of ours).
    pub fn html(status: u16, html: impl Into<Vec<u8>>) -> Response {
        Response::bytes(status, "text/html; charset=utf-8", html)
            .with_header("X-Frame-Options", "DENY")
            .with_header("X-Content-Type-Options", "nosniff")
    }

    /// A response written later by `f`: see [`Body::Deferred`].
    pub fn deferred(f: impl FnOnce(Responder<'_>) -> io::Result<()> + Send + 'static) -> Response {
        Response {
            status: 200,
            headers: Vec::new(),
            body: Body::Deferred(Box::new(f)),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Replaces the body with these bytes.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = Body::Bytes(body.into());
        self
    }

    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body bytes, or an empty slice for a deferred body.
    pub fn body_bytes(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(b) => b,
            Body::Deferred(_) => &[],
        }
    }
}

impl fmt::Debug for Response {
    /// Never prints header values, as for [`Request`](super::Request): `Location` carries
    /// authorization codes and `Set-Cookie` signed sessions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::Bytes(b) => format!("{} bytes", b.len()),
            Body::Deferred(_) => "deferred".to_string(),
        };
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body", &body)
            .finish()
    }
}

/// The standard reason phrase for a status code (RFC 9110 §15).
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Writes one response on a connection that is ready for it.
///
/// The HTTP layer creates a `Responder` for every request. Handlers meet it only
/// through [`Body::Deferred`]; the in-memory constructor [`Responder::new`]
/// lets tests capture what would go over the wire.
///
/// # One write per response
/// A complete response (head and body) goes out in a single `write` when the
/// body is small, so with `TCP_NODELAY` it leaves in one segment and the
/// client never waits for a delayed ACK between head and body.
pub struct Responder<'a> {
    out: &'a mut dyn Write,
    version: Version,
    keep_alive: bool,
    head_only: bool,
    /// Whether to write a `Date` header (the server does; in-memory tests
    /// leave it out so their expected bytes stay fixed).
    date: bool,
    /// The status sent, once sent: read back by the HTTP layer for its log line.
    sent_status: &'a mut u16,
}

/// Bodies up to this size are copied behind the head and sent in one write;
/// larger ones are written after the head rather than copied.
const ONE_WRITE_MAX: usize = 64 * 1024;

impl<'a> Responder<'a> {
    /// A responder that writes to `out`. `keep_alive` says whether the
    /// connection stays open after this response (it decides the
    /// `Connection` header); `sent_status` receives the status written.
    pub fn new(
        out: &'a mut dyn Write,
        version: Version,
        keep_alive: bool,
        sent_status: &'a mut u16,
    ) -> Responder<'a> {
        Responder {
            out,
            version,
            keep_alive,
            head_only: false,
            date: false,
            sent_status,
        }
    }

    /// Answer a `HEAD` request: the head is written, the body is not.
    pub fn head_only(mut self) -> Responder<'a> {
        self.head_only = true;
        self
    }

    /// Adds a `Date` header to what is written (RFC 9110 §6.6.1: an origin
    /// server with a clock sends one). The server turns this on.
    pub fn with_date(mut self) -> Responder<'a> {
        self.date = true;
        self
    }

    /// Writes `response` completely. A deferred body is run with a fresh responder.
    pub fn send(self, response: Response) -> io::Result<()> {
        match response.body {
            Body::Deferred(f) => f(self),
            Body::Bytes(body) => {
                let status = response.status;
                let mut bytes = Vec::with_capacity(256 + body.len().min(ONE_WRITE_MAX));
                self.head(&mut bytes, status, &response.headers);
                // 1xx, 204 and 304 have no body, and 1xx and 204 no length
                // either (RFC 9110 §8.6; a 304's length would be the 200's).
                let bodiless = status < 200 || status == 204 || status == 304;
                if !bodiless {
                    // Writing into a Vec cannot fail (and does not allocate a String).
                    let _ = write!(bytes, "Content-Length: {}\r\n", body.len());
                }
                bytes.extend_from_slice(b"\r\n");
                *self.sent_status = status;
                if self.head_only || bodiless {
                    self.out.write_all(&bytes)?;
                } else if body.len() <= ONE_WRITE_MAX {
                    bytes.extend_from_slice(&body);
                    self.out.write_all(&bytes)?;
                } else {
                    self.out.write_all(&bytes)?;
                    self.out.write_all(&body)?;
                }
                self.out.flush()
            }
        }
    }

    /// Starts a streamed body: writes the head with `Transfer-Encoding: chunked`
    /// (HTTP/1.1) and returns the writer for the chunks. On HTTP/1.0 the body is
    /// written raw and the connection closes at the end (there is no other way
    /// to mark its end), so the head says `Connection: close`. For a `HEAD`
    /// request only the head is written and the chunks are discarded.
    pub fn stream(
        mut self,
        status: u16,
        headers: &[(String, String)],
    ) -> io::Result<StreamWriter<'a>> {
        let chunked = self.version == Version::Http11;
        if !chunked {
            self.keep_alive = false;
        }
        let mut head = Vec::with_capacity(256);
        self.head(&mut head, status, headers);
        if chunked {
            head.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
        }
        head.extend_from_slice(b"\r\n");
        *self.sent_status = status;
        self.out.write_all(&head)?;
        self.out.flush()?;
        Ok(StreamWriter {
            out: self.out,
            chunked,
            discard: self.head_only,
            finished: false,
        })
    }

    /// Whether the connection stays open after this response.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    fn head(&self, out: &mut Vec<u8>, status: u16, headers: &[(String, String)]) {
        out.extend_from_slice(match self.version {
            Version::Http10 => b"HTTP/1.0 ",
            Version::Http11 => b"HTTP/1.1 ",
        });
        let _ = write!(out, "{status} {}\r\n", reason(status));
        for (name, value) in headers {
            // A value with CR or LF would split the header (response splitting):
            // such a header is dropped rather than written.
            if value.contains(['\r', '\n']) || name.contains(['\r', '\n', ':']) {
                continue;
            }
            // The framing is ours alone: a second `Content-Length` or a
            // `Transfer-Encoding` from a handler would let one response be
            // read as two by a proxy (response splitting).
            let ours = ["content-length", "transfer-encoding", "connection"];
            if ours.iter().any(|n| name.eq_ignore_ascii_case(n))
                || (self.date && name.eq_ignore_ascii_case("date"))
            {
                continue;
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if self.date {
            out.extend_from_slice(b"Date: ");
            out.extend_from_slice(&date::now());
            out.extend_from_slice(b"\r\n");
        }
        if self.keep_alive {
            if self.version == Version::Http10 {
                out.extend_from_slice(b"Connection: keep-alive\r\n");
            }
        } else {
            out.extend_from_slice(b"Connection: close\r\n");
        }
    }
}

/// The body of a streamed response: every [`StreamWriter::write`] becomes one
/// chunk on the wire and is flushed before it returns, so a server-sent event
/// reaches the client while the handler is still working.
pub struct StreamWriter<'a> {
    out: &'a mut dyn Write,
    chunked: bool,
    /// A `HEAD` request: nothing after the head is written.
    discard: bool,
    finished: bool,
}

impl StreamWriter<'_> {
    /// Writes and flushes one chunk. Empty writes are skipped (an empty chunk
    /// would end the body).
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() || self.discard {
            return Ok(());
        }
        if self.chunked {
            let mut chunk = Vec::with_capacity(bytes.len() + 12);
            let _ = write!(chunk, "{:X}\r\n", bytes.len());
            chunk.extend_from_slice(bytes);
            chunk.extend_from_slice(b"\r\n");
            self.out.write_all(&chunk)?;
        } else {
            self.out.write_all(bytes)?;
        }
        self.out.flush()
    }

    /// Ends the body (the last, empty chunk).
    pub fn finish(mut self) -> io::Result<()> {
        self.end()
    }

    fn end(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        if self.chunked && !self.discard {
            self.out.write_all(b"0\r\n\r\n")?;
        }
        self.out.flush()
    }
}

impl Drop for StreamWriter<'_> {
    /// A writer dropped without [`StreamWriter::finish`] still ends the body,
    /// so the connection stays in a well-framed state — unless the handler is
    /// panicking: then the body is left unfinished, the server closes the
    /// connection, and the client sees a truncated stream instead of a
    /// complete-looking one.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = self.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(f: impl FnOnce(Responder<'_>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        let mut status = 0;
        f(Responder::new(&mut out, Version::Http11, true, &mut status)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_full_response_has_its_length() {
        let wire = capture(|r| r.send(Response::text(200, "hi")));
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi"
        );
    }

    #[test]
    fn a_stream_is_chunked_and_ends_with_the_empty_chunk() {
        let wire = capture(|r| {
            let mut s = r.stream(200, &[("Content-Type".into(), "text/event-stream".into())])?;
            s.write(b"data: 1\n\n")?;
            s.finish()
        });
        assert_eq!(
            wire,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: 1\n\n\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn a_head_request_gets_the_head_only() {
        let mut out = Vec::new();
        let mut status = 0;
        let r = Responder::new(&mut out, Version::Http11, true, &mut status).head_only();
        r.send(Response::text(200, "hi")).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\n"
        );
        assert_eq!(status, 200);
    }

    #[test]
    fn an_http10_stream_is_raw_and_closes() {
        let mut out = Vec::new();
        let mut status = 0;
        let r = Responder::new(&mut out, Version::Http10, true, &mut status);
        let mut s = r.stream(200, &[]).unwrap();
        s.write(b"abc").unwrap();
        s.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nabc"
        );
    }

    #[test]
    fn framing_headers_from_handlers_are_dropped_and_204_has_no_length() {
        let wire = capture(|r| {
            r.send(
                Response::empty(204)
                    .with_header("Content-Length", "5")
                    .with_header("transfer-encoding", "chunked")
                    .with_header("X-Kept", "yes"),
            )
        });
        assert_eq!(wire, "HTTP/1.1 204 No Content\r\nX-Kept: yes\r\n\r\n");
    }

    #[test]
    fn header_values_with_newlines_are_dropped() {
        let wire =
            capture(|r| r.send(Response::empty(204).with_header("X-Evil", "a\r\nSet-Cookie: x")));
        assert!(!wire.contains("Set-Cookie"));
    }
}
