//! A tiny raw HTTP/1.1 client for the MCP integration tests: it writes the
//! request exactly as given and hands back status, headers and body as they
//! came over the socket, so that the tests read like the protocol exchange.
//! Streamed (chunked SSE) answers can be read event by event with [`Stream`].
#![allow(dead_code)] // each test file uses a different part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use remote_mcp::{App, Config, McpServer, RunningServer};
use serde_json::Value;

/// The `Accept` header every SDK client sends.
pub const ACCEPT_BOTH: (&str, &str) = ("Accept", "application/json, text/event-stream");

/// A server on 127.0.0.1 and a free port, without authorization.
pub fn start(mcp: McpServer) -> RunningServer {
    App::new(mcp)
        .config(Config::local(0))
        .without_auth()
        .start()
        .unwrap()
}

/// One complete HTTP response.
#[derive(Debug)]
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Http {
    /// The header's value (name compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    /// The JSON messages in the `data:` lines of an SSE body.
    pub fn events(&self) -> Vec<Value> {
        parse_events(&self.text())
    }
}

/// The JSON of every `data:` line, in order.
pub fn parse_events(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            (!data.is_empty()).then(|| serde_json::from_str(&data.join("\n")).unwrap())
        })
        .collect()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Writes `head` (request line and headers, without the blank line) and `body`,
/// with `Content-Length` and `Connection: close` added.
fn send(stream: &mut TcpStream, head: &str, body: &[u8]) {
    let mut bytes = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).unwrap();
}

fn head(method: &str, addr: SocketAddr, headers: &[(&str, &str)]) -> String {
    let mut h = format!("{method} /mcp HTTP/1.1\r\nHost: {addr}");
    for (n, v) in headers {
        h.push_str(&format!("\r\n{n}: {v}"));
    }
    h
}

/// `method /mcp` with `Host: 127.0.0.1:port`, these headers and this body.
pub fn request(
    server: &RunningServer,
    method: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Http {
    request_with_host(
        server.addr(),
        method,
        &head(method, server.addr(), headers),
        body,
    )
}

/// Like [`request`] but with the request head written out in full (for `Host` tests).
pub fn request_with_host(addr: SocketAddr, _method: &str, head: &str, body: &[u8]) -> Http {
    let mut stream = connect(addr);
    send(&mut stream, head, body);
    let mut reader = BufReader::new(stream);
    let (status, headers) = read_head(&mut reader);
    let mut body = Vec::new();
    if is_chunked(&headers) {
        while let Some(chunk) = read_chunk(&mut reader) {
            body.extend_from_slice(&chunk);
        }
    } else if let Some(len) = content_length(&headers) {
        body.resize(len, 0);
        reader.read_exact(&mut body).unwrap();
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    Http {
        status,
        headers,
        body,
    }
}

/// `POST /mcp` with a JSON body and `Content-Type: application/json`.
pub fn post(server: &RunningServer, headers: &[(&str, &str)], body: &str) -> Http {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    request(server, "POST", &all, body.as_bytes())
}

/// `POST /mcp` with the SDK clients' `Accept` plus these headers, and a JSON body.
pub fn rpc(server: &RunningServer, headers: &[(&str, &str)], body: &Value) -> Http {
    let mut all = vec![ACCEPT_BOTH];
    all.extend_from_slice(headers);
    post(server, &all, &body.to_string())
}

/// Initializes and returns the session id the server issued.
pub fn initialize(server: &RunningServer, capabilities: Value) -> String {
    let r = rpc(
        server,
        &[],
        &serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": capabilities,
            "clientInfo": {"name": "test", "version": "1"}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.header("Mcp-Session-Id").unwrap().to_string()
}

fn read_head(reader: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (n, v) = line.split_once(':').unwrap();
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    (status, headers)
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    })
}

fn content_length(headers: &[(String, String)]) -> Option<usize> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
}

/// One chunk, or `None` at the last (empty) chunk.
fn read_chunk(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut size = String::new();
    reader.read_line(&mut size).unwrap();
    let size = usize::from_str_radix(size.trim(), 16).unwrap();
    let mut chunk = vec![0; size];
    reader.read_exact(&mut chunk).unwrap();
    let mut crlf = [0; 2];
    reader.read_exact(&mut crlf).unwrap();
    (size > 0).then_some(chunk)
}

/// A POST whose answer is read incrementally: status and headers first, then
/// one SSE event at a time while the server is still working.
pub struct Stream {
    reader: BufReader<TcpStream>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pending: String,
    ended: bool,
}

impl Stream {
    /// Sends a JSON-RPC request with [`ACCEPT_BOTH`] and these headers, then reads the head.
    pub fn open(server: &RunningServer, headers: &[(&str, &str)], body: &Value) -> Stream {
        let mut all = vec![("Content-Type", "application/json"), ACCEPT_BOTH];
        all.extend_from_slice(headers);
        let mut stream = connect(server.addr());
        send(
            &mut stream,
            &head("POST", server.addr(), &all),
            body.to_string().as_bytes(),
        );
        let mut reader = BufReader::new(stream);
        let (status, headers) = read_head(&mut reader);
        Stream {
            reader,
            status,
            headers,
            pending: String::new(),
            ended: false,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The next SSE event's JSON, or `None` once the stream has ended.
    pub fn next_event(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.pending.find("\n\n") {
                let event: String = self.pending.drain(..end + 2).collect();
                if let Some(v) = parse_events(&event).into_iter().next() {
                    return Some(v);
                }
                continue;
            }
            if self.ended {
                return None;
            }
            match read_chunk(&mut self.reader) {
                Some(chunk) => self.pending.push_str(&String::from_utf8(chunk).unwrap()),
                None => self.ended = true,
            }
        }
    }
}
