//! Raw-socket helpers for the HTTP server tests: start a [`Server`] on
//! `127.0.0.1:0` with a handler, speak HTTP/1.1 over a plain `TcpStream`, and
//! read answers byte-exactly (no HTTP client library between the test and
//! the wire).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use remote_mcp::http::{Limits, Request, Response, Server, ShutdownHandle};

/// A server running on a background thread.
pub struct TestServer {
    pub addr: SocketAddr,
    pub shutdown: ShutdownHandle,
    pub thread: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    /// Starts a server with these limits and this handler.
    pub fn start(
        limits: Limits,
        handler: impl Fn(Request) -> Response + Send + Sync + 'static,
    ) -> TestServer {
        let server = Server::bind("127.0.0.1:0", limits).unwrap();
        let addr = server.local_addr().unwrap();
        let shutdown = server.shutdown_handle().unwrap();
        let thread = std::thread::spawn(move || server.serve(Arc::new(handler)));
        TestServer {
            addr,
            shutdown,
            thread,
        }
    }

    /// Opens a connection (reads time out after 10 s, so a broken server
    /// fails a test instead of hanging it).
    pub fn connect(&self) -> Conn {
        Conn::open(self.addr)
    }

    /// Shuts the server down and waits for `serve` to return.
    pub fn stop(self) {
        self.shutdown.shutdown();
        self.thread.join().unwrap().unwrap();
    }
}

/// Short timeouts so tests that wait for them run fast.
pub fn quick_limits() -> Limits {
    Limits {
        head_timeout: Duration::from_millis(600),
        body_timeout: Duration::from_millis(600),
        idle_timeout: Duration::from_secs(5),
        write_timeout: Duration::from_secs(5),
        pool_wait: Duration::from_millis(100),
        ..Limits::default()
    }
}

/// The test handler: answers `METHOD PATH?QUERY body=BODY` as text.
pub fn echo(request: Request) -> Response {
    let text = format!(
        "{} {}?{} body={}",
        request.method,
        request.path,
        request.query,
        String::from_utf8_lossy(&request.body)
    );
    Response::text(200, &text)
}

/// One answer as read off the wire.
#[derive(Debug)]
pub struct Answer {
    pub version: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// A raw client connection.
pub struct Conn {
    pub reader: BufReader<TcpStream>,
}

impl Conn {
    /// Connects to `addr`.
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    /// Writes these bytes as they are, in one write.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.reader.get_mut().write_all(bytes.as_ref()).unwrap();
    }

    /// Sends `GET path` with a Host header.
    pub fn get(&mut self, path: &str) -> Answer {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"));
        self.answer()
    }

    /// Reads one answer (to a request that was not `HEAD`).
    pub fn answer(&mut self) -> Answer {
        self.read_answer(false)
    }

    /// Reads one answer; `head` when it answers a `HEAD` request (no body).
    pub fn read_answer(&mut self, head: bool) -> Answer {
        let status_line = self.line();
        assert!(
            !status_line.is_empty(),
            "connection closed before an answer"
        );
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap().to_string();
        let status = parts.next().unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let line = self.line();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut answer = Answer {
            version,
            status,
            headers,
            body: Vec::new(),
        };
        if head || status == 100 || status == 204 || status == 304 {
            return answer;
        }
        if answer.header("transfer-encoding") == Some("chunked") {
            loop {
                let chunk = self.chunk().expect("stream ended before the last chunk");
                if chunk.is_empty() {
                    break;
                }
                answer.body.extend_from_slice(&chunk);
            }
        } else if let Some(len) = answer.header("content-length") {
            let mut body = vec![0; len.parse().unwrap()];
            self.reader.read_exact(&mut body).unwrap();
            answer.body = body;
        } else {
            self.reader.read_to_end(&mut answer.body).unwrap();
        }
        answer
    }

    /// Reads one chunk of a chunked body: `Some(empty)` for the last chunk
    /// (its trailer is read too), `None` if the connection ended first.
    pub fn chunk(&mut self) -> Option<Vec<u8>> {
        let size_line = self.line_or_eof()?;
        let size = usize::from_str_radix(size_line.split(';').next().unwrap(), 16).unwrap();
        if size == 0 {
            assert_eq!(self.line(), "", "no trailers expected");
            return Some(Vec::new());
        }
        let mut data = vec![0; size + 2];
        self.reader.read_exact(&mut data).ok()?;
        assert!(data.ends_with(b"\r\n"));
        data.truncate(size);
        Some(data)
    }

    /// Whether the server has closed the connection (reads end of stream
    /// with no further bytes).
    pub fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => rest.is_empty(),
            // A reset also means closed.
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }

    fn line(&mut self) -> String {
        self.line_or_eof().unwrap_or_default()
    }

    fn line_or_eof(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
        }
    }
}
