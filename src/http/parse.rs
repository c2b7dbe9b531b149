//! **[all](crate::_documentation::flow) Every arrow — reading a request head.**
//! The bytes a client sends up to the blank line become a [`Request`] (without
//! its body yet) and a [`Head`] that says how the body is framed and whether
//! the connection stays open.
//!
//! # Spec
//! * RFC 9112 §2–§5: request line and header fields (parsed by `httparse`).
//! * RFC 9112 §6: message body length. Exactly one framing is accepted:
//!   `Content-Length` (repeated only with the same value) or
//!   `Transfer-Encoding: chunked` alone. Both together, differing lengths, an
//!   invalid length or any other transfer coding are the shapes of request
//!   smuggling (§6.3, §11.2) and get `400` and a closed connection.
//! * RFC 9112 §3.2: exactly one `Host` in HTTP/1.1 (none or several → `400`),
//!   of the syntax `uri-host [":" port]` (RFC 3986 §3.2.2; else `400`).
//! * RFC 9112 §9.3: persistence (`Connection: close`, HTTP/1.0 `keep-alive`).
//! * RFC 9110 §10.1.1: `Expect: 100-continue` (anything else → `417`).
//! * RFC 9110 §15.5.15, RFC 6585 §5: `414` for a long target, `431` for a
//!   head that is too large or has too many fields; `505` for versions other
//!   than 1.0 and 1.1.
//!
//! # Header values that are not UTF-8
//! Header values may carry any byte from 0x80 up (`obs-text`). Our
//! [`Request`] keeps values as `String`, so such bytes are decoded lossily
//! (each invalid sequence becomes U+FFFD). Nothing we read (`Host`,
//! `Authorization`, `Content-Type`, …) is valid with such bytes anyway, so a
//! lossy value simply fails the check that reads it.
//!
//! # Where this sits
//! Called by [`super::conn`] for every request on a connection; the
//! [`Input`] it reads from is also what [`super::body`] reads the body from.

use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::time::Instant;

use super::input::{Filled, Input, left};
use super::limits::Limits;
use super::request::{Request, Version};

/// Why a request could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The client closed the connection, the socket failed, or a connection
    /// sat idle past its timeout before sending a byte: nothing to answer.
    Closed,
    /// Answer with this status (and `Connection: close`), then close.
    Reject(u16),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Closed => write!(f, "connection closed"),
            ReadError::Reject(status) => write!(f, "rejected with {status}"),
        }
    }
}

/// How the body of a request is framed (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    None,
    /// `Content-Length: n`, already checked against the body cap.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// What the head says about the rest of the exchange.
pub(crate) struct Head {
    /// The request, with an empty body.
    pub(crate) request: Request,
    /// How the body is framed.
    pub(crate) framing: Framing,
    /// The client waits for `100 Continue` before it sends the body.
    pub(crate) expect_continue: bool,
    /// The client lets the connection stay open after the answer.
    pub(crate) keep_alive: bool,
}

/// Header slots on the stack for `httparse`; `Limits::max_headers` above this
/// is treated as this.
const HEADER_SLOTS: usize = 128;

/// Reads one request head that has started arriving (the buffer is not empty)
/// and must be complete by `deadline`.
pub(crate) fn read_head(
    input: &mut Input,
    limits: &Limits,
    deadline: Instant,
    remote_addr: SocketAddr,
) -> Result<Head, ReadError> {
    // Only bytes after `scanned` can complete the blank line that ends the
    // head, so a client sending one byte at a time costs a short scan per
    // byte, not a full parse.
    let mut scanned = 0;
    loop {
        let bytes = input.buffered();
        if ends_head(bytes, scanned)
            && let Some(head) = parse(bytes, limits, remote_addr)?
        {
            input.consume(head.1);
            return Ok(head.0);
        }
        scanned = bytes.len();
        let first_line_done = bytes.contains(&b'\n');
        if !first_line_done && bytes.len() > limits.max_url_bytes + 32 {
            // Method, target and version: the target alone is past its cap.
            return Err(ReadError::Reject(414));
        }
        if bytes.len() >= limits.max_head_bytes || input.is_full() {
            return Err(ReadError::Reject(if first_line_done { 431 } else { 414 }));
        }
        match input.fill(left(deadline)) {
            Filled::Bytes => {}
            Filled::Closed => return Err(ReadError::Closed),
            // Part of a head came, the rest did not: RFC 9110 §15.5.9.
            Filled::TimedOut | Filled::Pending => return Err(ReadError::Reject(408)),
        }
    }
}

/// Whether `bytes` hold the blank line that ends a head, looking at the part
/// from `from` on (plus the two bytes before it, where a line end may start).
fn ends_head(bytes: &[u8], from: usize) -> bool {
    // One pass from line feed to line feed (two passes of `windows` were a
    // visible share of a small request's CPU): is one followed by an empty
    // line, `\n` or `\r\n`?
    let mut rest = &bytes[from.saturating_sub(2)..];
    while let Some(at) = rest.iter().position(|&b| b == b'\n') {
        rest = &rest[at + 1..];
        if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
            return true;
        }
    }
    false
}

/// Parses a head that is known to be complete; returns it and its length.
/// `Ok(None)` when `httparse` still wants more (a stray blank line it skips).
fn parse(
    bytes: &[u8],
    limits: &Limits,
    remote_addr: SocketAddr,
) -> Result<Option<(Head, usize)>, ReadError> {
    // Uninitialized slots: httparse fills only those it uses, instead of us
    // zeroing all 128 (4 KiB) for every request.
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; HEADER_SLOTS];
    let mut parsed = httparse::Request::new(&mut []);
    let used = &mut slots[..limits.max_headers.min(HEADER_SLOTS)];
    let len = match parsed.parse_with_uninit_headers(bytes, used) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(ReadError::Reject(431)),
        Err(httparse::Error::Version) => return Err(ReadError::Reject(version_error(bytes))),
        Err(_) => return Err(ReadError::Reject(400)),
    };
    if len > limits.max_head_bytes {
        return Err(ReadError::Reject(431));
    }
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(ReadError::Reject(400));
    };
    if target.len() > limits.max_url_bytes {
        return Err(ReadError::Reject(414));
    }
    let version = if version == 0 {
        Version::Http10
    } else {
        Version::Http11
    };

    let mut request = Request::new(method, target);
    request.version = version;
    request.remote_addr = remote_addr;
    request.headers.reserve_exact(parsed.headers.len());
    for header in parsed.headers.iter() {
        // The common case (valid UTF-8) through `from_utf8`, whose ASCII fast
        // path is several times quicker than the lossy decoder's byte walk.
        let value = match std::str::from_utf8(header.value) {
            Ok(value) => value.to_owned(),
            Err(_) => String::from_utf8_lossy(header.value).into_owned(),
        };
        request.headers.push((header.name.to_string(), value));
    }
    let head = check(request, limits)?;
    Ok(Some((head, len)))
}

/// The fuzzing entry (see `super::fuzz_request_head`): parses `bytes` as a
/// complete head would be parsed, and checks what must hold of any answer.
#[cfg(fuzzing)]
pub(crate) fn fuzz_head(bytes: &[u8]) -> Option<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], 1));
    let limits = Limits::default();
    let _ = ends_head(bytes, bytes.len() / 2);
    match parse(bytes, &limits, addr) {
        Ok(Some((head, len))) => {
            assert!(len <= bytes.len() && len <= limits.max_head_bytes);
            assert!(head.request.path.len() <= limits.max_url_bytes + 1);
            if let Framing::Length(n) = head.framing {
                assert!(n <= limits.max_body_bytes);
            }
            None
        }
        Ok(None) => None,
        Err(ReadError::Reject(status)) => Some(status),
        Err(ReadError::Closed) => unreachable!("parsing alone never closes"),
    }
}

/// Whether `value` is a `Host` field value (RFC 9112 §3.2, RFC 3986
/// §3.2.2–§3.2.3): empty, or `uri-host [ ":" port ]` where `uri-host` is an
/// `[IP-literal]` or a reg-name/IPv4 of unreserved, percent-encoded and
/// sub-delim characters. Anything else (spaces, `/`, `@`, control bytes) is
/// no host and gets `400`, before any code compares it with allowed hosts.
pub(crate) fn is_host(value: &str) -> bool {
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return false;
        };
        let literal_ok = !literal.is_empty()
            && literal
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'));
        if !literal_ok {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", port),
                None => return false,
            },
        }
    } else {
        match value.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (value, ""),
        }
    };
    let reg_name_ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+;=".contains(&b));
    reg_name_ok && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// `httparse` says "bad version" both for `HTTP/2.0` (a version we do not
/// speak: 505) and for a request line that is not HTTP at all (400).
fn version_error(bytes: &[u8]) -> u16 {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let last = line
        .trim_ascii()
        .rsplit(|&b| b == b' ')
        .next()
        .unwrap_or_default();
    let is_http_version = last.len() == 8
        && last.starts_with(b"HTTP/")
        && last[5].is_ascii_digit()
        && last[6] == b'.'
        && last[7].is_ascii_digit();
    if is_http_version { 505 } else { 400 }
}

/// The framing, persistence and expectation rules over the parsed fields.
fn check(request: Request, limits: &Limits) -> Result<Head, ReadError> {
    let bad = Err(ReadError::Reject(400));

    // Host: exactly one in HTTP/1.1, never several (RFC 9112 §3.2), and of
    // the syntax `uri-host [ ":" port ]`.
    let hosts = request.header_all("host").count();
    let listed = request.header("host").is_some_and(|h| h.contains(','));
    if hosts > 1 || listed || (hosts == 0 && request.version == Version::Http11) {
        return bad;
    }
    if request.header("host").is_some_and(|h| !is_host(h)) {
        return bad;
    }

    // Content-Length: digits only; repeated (as fields or a list) only with
    // the same value (RFC 9112 §6.3 item 5).
    let mut length: Option<u64> = None;
    for value in request.header_all("content-length") {
        for item in value.split(',') {
            let item = item.trim();
            if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                return bad;
            }
            let Ok(n) = item.parse::<u64>() else {
                return bad;
            };
            if length.is_some_and(|l| l != n) {
                return bad;
            }
            length = Some(n);
        }
    }

    // Transfer-Encoding: only `chunked`, alone, never with Content-Length,
    // never in HTTP/1.0 (RFC 9112 §6.1, §6.3 item 3).
    let mut codings = 0;
    let mut only_chunked = true;
    for coding in request
        .header_all("transfer-encoding")
        .flat_map(|v| v.split(','))
    {
        codings += 1;
        only_chunked &= coding.trim().eq_ignore_ascii_case("chunked");
    }
    let chunked = codings > 0;
    if chunked && (codings > 1 || !only_chunked || length.is_some()) {
        return bad;
    }
    if chunked && request.version == Version::Http10 {
        return bad;
    }

    // Connection: `close` ends it; HTTP/1.0 stays open only on `keep-alive`.
    let mut close = false;
    let mut keep = false;
    for option in request.header_all("connection").flat_map(|v| v.split(',')) {
        let option = option.trim();
        close |= option.eq_ignore_ascii_case("close");
        keep |= option.eq_ignore_ascii_case("keep-alive");
    }
    let keep_alive = !close && (request.version == Version::Http11 || keep);

    // Expect: only 100-continue, and HTTP/1.0 clients' expectations are
    // ignored (RFC 9110 §10.1.1).
    let mut expect_continue = false;
    if let Some(expect) = request.header("expect")
        && request.version == Version::Http11
    {
        if !expect.trim().eq_ignore_ascii_case("100-continue") {
            return Err(ReadError::Reject(417));
        }
        expect_continue = true;
    }

    let framing = match (chunked, length) {
        (true, _) => Framing::Chunked,
        (false, None | Some(0)) => Framing::None,
        (false, Some(n)) => {
            // Refused before a byte of it is read (and before 100 Continue).
            if n > limits.max_body_bytes_for(&request.path) as u64 {
                return Err(ReadError::Reject(413));
            }
            Framing::Length(n as usize)
        }
    };
    Ok(Head {
        request,
        framing,
        expect_continue,
        keep_alive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Head, ReadError> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 1));
        match parse(text.as_bytes(), &Limits::default(), addr)? {
            Some((head, len)) => {
                assert_eq!(len, text.len());
                Ok(head)
            }
            None => panic!("incomplete"),
        }
    }

    fn status(text: &str) -> u16 {
        match head(text) {
            Ok(_) => 200,
            Err(ReadError::Reject(s)) => s,
            Err(ReadError::Closed) => 0,
        }
    }

    #[test]
    fn a_simple_get() {
        let h = head("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        assert_eq!(h.request.method, "GET");
        assert_eq!(h.request.path, "/a/b");
        assert_eq!(h.request.query, "x=1");
        assert_eq!(h.framing, Framing::None);
        assert!(h.keep_alive);
        assert!(!h.expect_continue);
    }

    #[test]
    fn framing_rules() {
        let h = "POST / HTTP/1.1\r\nHost: h\r\n";
        assert_eq!(status(&format!("{h}Content-Length: 5\r\n\r\n")), 200);
        assert_eq!(
            status(&format!(
                "{h}Content-Length: 5\r\nContent-Length: 5\r\n\r\n"
            )),
            200
        );
        assert_eq!(status(&format!("{h}Content-Length: 5, 5\r\n\r\n")), 200);
        assert_eq!(
            status(&format!(
                "{h}Content-Length: 5\r\nContent-Length: 6\r\n\r\n"
            )),
            400
        );
        assert_eq!(status(&format!("{h}Content-Length: +5\r\n\r\n")), 400);
        assert_eq!(status(&format!("{h}Content-Length: \r\n\r\n")), 400);
        assert_eq!(
            status(&format!(
                "{h}Content-Length: 99999999999999999999999\r\n\r\n"
            )),
            400
        );
        assert_eq!(
            status(&format!("{h}Transfer-Encoding: chunked\r\n\r\n")),
            200
        );
        assert_eq!(
            status(&format!("{h}Transfer-Encoding: Chunked\r\n\r\n")),
            200
        );
        assert_eq!(
            status(&format!(
                "{h}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
            )),
            400
        );
        assert_eq!(
            status(&format!("{h}Transfer-Encoding: gzip, chunked\r\n\r\n")),
            400
        );
        assert_eq!(
            status(&format!("{h}Transfer-Encoding: chunked, chunked\r\n\r\n")),
            400
        );
        assert_eq!(
            status(&format!("{h}Transfer-Encoding: identity\r\n\r\n")),
            400
        );
        assert_eq!(
            status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
        assert_eq!(status(&format!("{h}Content-Length: 65537\r\n\r\n")), 413);
        let mcp = "POST /mcp HTTP/1.1\r\nHost: h\r\n";
        assert_eq!(
            status(&format!("{mcp}Content-Length: 4194304\r\n\r\n")),
            200
        );
        assert_eq!(
            status(&format!("{mcp}Content-Length: 4194305\r\n\r\n")),
            413
        );
    }

    #[test]
    fn host_syntax() {
        for good in [
            "example.com",
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]",
            "[::1]:8080",
            "[2001:db8::1]:443",
            "my-service-xyz.a.run.app",
            "",
        ] {
            assert!(is_host(good), "{good:?}");
        }
        for bad in [
            "a b",
            "evil.example/x",
            "user@host",
            "host:port",
            "host:123456",
            "[::1",
            "[::1]x",
            "[]",
            "host\t",
            "ho\u{1}st",
            "h:1:2",
        ] {
            assert!(!is_host(bad), "{bad:?}");
        }
        assert_eq!(status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
    }

    #[test]
    fn host_rules() {
        assert_eq!(status("GET / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.0\r\n\r\n"), 200);
    }

    #[test]
    fn versions() {
        assert_eq!(status("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
        assert_eq!(status("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 505);
        assert_eq!(status("GET / FTP\r\nHost: h\r\n\r\n"), 400);
    }

    #[test]
    fn persistence_and_expectations() {
        assert!(
            !head("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(!head("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        let h = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n";
        assert!(
            head(&format!("{h}Expect: 100-continue\r\n\r\n"))
                .unwrap()
                .expect_continue
        );
        assert_eq!(status(&format!("{h}Expect: something\r\n\r\n")), 417);
    }

    #[test]
    fn non_utf8_values_are_decoded_lossily() {
        let mut bytes = b"GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf".to_vec();
        bytes.extend_from_slice(&[0xE9, 0xFF]);
        bytes.extend_from_slice(b"\r\n\r\n");
        let addr = SocketAddr::from(([127, 0, 0, 1], 1));
        let (head, _) = parse(&bytes, &Limits::default(), addr).unwrap().unwrap();
        assert_eq!(head.request.header("x-name"), Some("caf\u{FFFD}\u{FFFD}"));
    }

    #[test]
    fn the_end_of_a_head_is_found_across_reads() {
        assert!(ends_head(b"GET / HTTP/1.1\r\n\r\n", 17));
        assert!(ends_head(b"GET / HTTP/1.1\n\n", 15));
        assert!(!ends_head(b"GET / HTTP/1.1\r\nHost: x\r\n", 0));
    }
}
