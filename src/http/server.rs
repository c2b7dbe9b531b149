//! **Every arrow — the accept loop and the connection threads.** The socket
//! side of the HTTP layer: accept, read a request head and body within limits,
//! hand the [`Request`] to the handler, write the [`Response`], and keep the
//! connection open for the next request.
//!
//! PROVISIONAL: a minimal implementation so the rest of the crate can run; it is
//! replaced by the hardened server (bounded pool, timeouts, caps, chunked bodies,
//! 100-continue, pipelining, 503 when full).

use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Request, Responder, Response, Version};

/// The handler the server calls for every request.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// Bounds on what one connection may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connection threads at most.
    pub max_connections: usize,
    /// Bytes of request line plus headers at most (431 above).
    pub max_head_bytes: usize,
    /// Header fields at most (431 above).
    pub max_headers: usize,
    /// Bytes of request target at most (414 above).
    pub max_url_bytes: usize,
    /// Bytes of body at most (413 above).
    pub max_body_bytes: usize,
    /// Time allowed to receive a whole request head.
    pub head_timeout: Duration,
    /// Time allowed to receive a whole body.
    pub body_timeout: Duration,
    /// Time an idle keep-alive connection is kept.
    pub idle_timeout: Duration,
    /// Time allowed for one write to the client.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            max_head_bytes: 16 * 1024,
            max_headers: 64,
            max_url_bytes: 8 * 1024,
            max_body_bytes: 4 * 1024 * 1024,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// A bound listening socket, ready to serve.
pub struct Server {
    listener: TcpListener,
    limits: Limits,
    stop: Arc<AtomicBool>,
}

/// Stops a running [`Server`] from another thread (e.g. on SIGTERM).
#[derive(Clone)]
pub struct ShutdownHandle {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl ShutdownHandle {
    /// Stops accepting; [`Server::serve`] returns once in-flight requests end.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

impl Server {
    /// Binds `addr` (e.g. `127.0.0.1:0`).
    pub fn bind(addr: impl ToSocketAddrs, limits: Limits) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            limits,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops [`Server::serve`].
    pub fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        Ok(ShutdownHandle {
            stop: self.stop.clone(),
            addr: self.local_addr()?,
        })
    }

    /// Serves until shut down.
    pub fn serve(self, handler: Handler) -> io::Result<()> {
        for stream in self.listener.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            let handler = handler.clone();
            let limits = self.limits.clone();
            std::thread::spawn(move || {
                let _ = connection(stream, &handler, &limits);
            });
        }
        Ok(())
    }
}

fn connection(stream: TcpStream, handler: &Handler, limits: &Limits) -> io::Result<()> {
    stream.set_read_timeout(Some(limits.idle_timeout))?;
    stream.set_write_timeout(Some(limits.write_timeout))?;
    let remote_addr = stream.peer_addr()?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut head = Vec::new();
        loop {
            let n = reader.read_until(b'\n', &mut head)?;
            if n == 0 {
                return Ok(());
            }
            if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
                break;
            }
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        let Ok(httparse::Status::Complete(_)) = parsed.parse(&head) else {
            return Ok(());
        };
        let target = parsed.path.unwrap_or("/");
        let mut request = Request::new(parsed.method.unwrap_or("GET"), target);
        request.remote_addr = remote_addr;
        request.version = if parsed.version == Some(0) {
            Version::Http10
        } else {
            Version::Http11
        };
        for h in parsed.headers.iter() {
            request.headers.push((
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            ));
        }
        let len: usize = request
            .header("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len.min(limits.max_body_bytes)];
        reader.read_exact(&mut body)?;
        request.body = body;
        let keep_alive = !request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let started = Instant::now();
        let method = request.method.clone();
        let path = request.path.clone();
        let version = request.version;
        let response = handler(request);
        let mut status = 0;
        Responder::new(&mut out, version, keep_alive, &mut status).send(response)?;
        crate::log::request(&method, &path, status, started.elapsed());
        if !keep_alive {
            return Ok(());
        }
    }
}
