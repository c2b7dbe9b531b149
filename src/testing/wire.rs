//! **[1–33](crate::_documentation::flow) The test client on the wire — a
//! small HTTP/1.1 client, one request per connection, loopback only.** The
//! only file of the test client that touches a socket: it connects
//! (`TcpStream`) to the server the client started, and never listens.
//! [`send`] writes one request and reads the head; the [`Body`] is read by
//! its framing (`Content-Length`, chunked, or to the close), whole or one
//! piece at a time, which is how an SSE stream is followed while it is
//! still open; [`sse_data`] reads one SSE event's JSON.
//!
//! ```text
//!   send(addr, public_url, "POST", "/mcp", headers, body)
//!     → Response { status, headers, body: Body { framing: Chunked | Length | Close } }
//!   body.next_bytes() … until None     body.read_all()     response.finish()
//! ```
//!
//! # Spec
//! * RFC 9112 (HTTP/1.1 message framing: chunked, `Content-Length`, close);
//!   HTML Living Standard *Server-sent events* (`data:` lines).
//!
//! # Where this sits
//! A leaf under [`super::protocol`] (MCP requests) and [`super::signin`]
//! (the OAuth flow).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;

use super::error::TestError;

/// How long one HTTP read may take before the test fails instead of hanging.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A response whose head has been read; its body is read on demand.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Body,
}

impl Response {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// `name=value` of every `Set-Cookie`.
    pub(super) fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .map(|c| c.trim().to_string())
            .collect()
    }

    pub(super) fn finish(mut self) -> Result<Finished, TestError> {
        let body = self.body.read_all()?;
        Ok((self.status, self.headers, body))
    }
}

/// Status, headers and body text of a response read to its end.
pub(super) type Finished = (u16, Vec<(String, String)>, String);

/// How a body's end is known (RFC 9112 §6).
enum Framing {
    Chunked,
    Length(usize),
    Close,
}

/// A response body, read by its framing.
pub(super) struct Body {
    reader: BufReader<TcpStream>,
    framing: Framing,
    done: bool,
}

impl Body {
    /// The next piece of the body, `None` at its end.
    pub(super) fn next_bytes(&mut self) -> Result<Option<Vec<u8>>, TestError> {
        if self.done {
            return Ok(None);
        }
        match self.framing {
            Framing::Chunked => {
                let mut size = String::new();
                self.reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .map_err(|_| TestError::Protocol(format!("bad chunk size {size:?}")))?;
                if size == 0 {
                    self.done = true;
                    return Ok(None);
                }
                let mut chunk = vec![0; size];
                self.reader.read_exact(&mut chunk)?;
                let mut crlf = [0; 2];
                self.reader.read_exact(&mut crlf)?;
                Ok(Some(chunk))
            }
            Framing::Length(n) => {
                let mut all = vec![0; n];
                self.reader.read_exact(&mut all)?;
                self.done = true;
                Ok(Some(all))
            }
            Framing::Close => {
                let mut buf = vec![0; 8192];
                let n = self.reader.read(&mut buf)?;
                if n == 0 {
                    self.done = true;
                    return Ok(None);
                }
                buf.truncate(n);
                Ok(Some(buf))
            }
        }
    }

    pub(super) fn read_all(&mut self) -> Result<String, TestError> {
        let mut all = Vec::new();
        while let Some(bytes) = self.next_bytes()? {
            all.extend_from_slice(&bytes);
        }
        Ok(String::from_utf8_lossy(&all).into_owned())
    }
}

/// Sends one request on a new connection to `addr` (with `Host` from
/// `public_url`, `Connection: close`) and reads the status line and headers;
/// the body is read later, as a whole or piece by piece (an SSE stream).
pub(super) fn send(
    addr: SocketAddr,
    public_url: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, TestError> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let host = public_url
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("localhost");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes)?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TestError::Protocol(format!("not an HTTP status line: {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let framing = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        Framing::Chunked
    } else if let Some(n) = header("content-length").and_then(|v| v.parse().ok()) {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    let done = method == "HEAD" || status == 204 || status == 304;
    Ok(Response {
        status,
        headers,
        body: Body {
            reader,
            framing,
            done,
        },
    })
}

/// The JSON of an SSE event's `data:` lines.
pub(super) fn sse_data(event: &str) -> Option<Value> {
    let data: Vec<&str> = event
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
}

/// The first line of a text (an error page's gist).
pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The value of header `name` in a response's headers.
pub(super) fn find_header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}
