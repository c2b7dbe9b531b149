//! **[all](crate::_documentation::flow) Every arrow — the accept loop and
//! shutdown.** [`Server::serve`] accepts TCP connections and hands each to the
//! bounded pool of connection threads (`pool.rs`); [`ShutdownHandle::shutdown`]
//! stops it the way Cloud Run stops a container (SIGTERM, then 10 s before
//! SIGKILL).
//!
//! ```text
//!   accept ──▶ Pool::submit ──▶ idle thread │ new thread (≤ max_connections)
//!     ▲                                     │ all busy: close the oldest idle
//!     │                                     │   keep-alive connection, queue
//!     │                                     │ queue ≤ pool_wait, then 503
//!     └── an accept error (EMFILE, ECONNABORTED…) is logged, the loop pauses
//!         ACCEPT_PAUSE and goes on: it never ends the server
//! ```
//!
//! # Spec
//! * RFC 9112 §9.6 (tear-down): a server that stops closes idle persistent
//!   connections, and answers a request already being read with
//!   `Connection: close`.
//! * Cloud Run container contract: SIGTERM, then SIGKILL after 10 s. Catching
//!   the signal is the binary's business; it calls
//!   [`ShutdownHandle::shutdown`], and [`Server::serve`] returns within
//!   [`Limits::shutdown_grace`].
//!
//! # Where this sits
//! Started by [`crate::App::start`]; each connection is served by the
//! private `conn` module (one thread per connection, from the `pool`
//! module), which reads with `parse` and `body`.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::conn::Context;
use super::pool::Pool;
use super::{Request, Response};

/// The handler the server calls for every request.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;

/// How long the accept loop pauses after an accept error, so a flood that
/// exhausts file descriptors does not spin a core.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// Bounds on what connections may cost: threads, bytes and time.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connection threads at most: connections served at once.
    pub max_connections: usize,
    /// How long a new connection may wait for a free thread before it gets
    /// `503` with `Retry-After`.
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
    /// How long [`Server::serve`] waits, once shut down, for requests in
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

/// A bound listening socket, ready to serve.
pub struct Server {
    listener: TcpListener,
    limits: Limits,
    control: Arc<Control>,
}

/// Stops a running [`Server`] from another thread (e.g. on SIGTERM).
#[derive(Clone)]
pub struct ShutdownHandle {
    control: Arc<Control>,
    /// Where to connect to wake the accept loop.
    wake: SocketAddr,
}

impl ShutdownHandle {
    /// Stops accepting and closes idle keep-alive connections;
    /// [`Server::serve`] returns once in-flight requests end (or after
    /// [`Limits::shutdown_grace`]).
    pub fn shutdown(&self) {
        self.control.stop.store(true, Ordering::SeqCst);
        self.control.close_waiting();
        // `accept` has no timeout: one connection of our own wakes it.
        let _ = TcpStream::connect_timeout(&self.wake, Duration::from_millis(200));
    }
}

impl Server {
    /// Binds `addr` (e.g. `127.0.0.1:0`).
    pub fn bind(addr: impl ToSocketAddrs, limits: Limits) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            limits,
            control: Arc::new(Control::default()),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops [`Server::serve`].
    pub fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        let mut wake = self.local_addr()?;
        if wake.ip().is_unspecified() {
            // Bound to 0.0.0.0 or [::]: loopback reaches it.
            wake.set_ip(match wake {
                SocketAddr::V4(_) => [127, 0, 0, 1].into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        Ok(ShutdownHandle {
            control: self.control.clone(),
            wake,
        })
    }

    /// Serves until shut down, then waits (at most
    /// [`Limits::shutdown_grace`]) for requests in flight. Returns an error
    /// only if the server cannot start its overflow thread (after the first
    /// connection).
    pub fn serve(self, handler: Handler) -> io::Result<()> {
        let pool = Arc::new(Pool::new(Context {
            handler,
            limits: self.limits.clone(),
            control: self.control.clone(),
            gate: super::gate::Gate::from_env(),
        }));
        // The overflow thread starts after the first `accept`, not before:
        // from `listen` on, a client may already be waiting (cold start,
        // docs/PERFORMANCE.md), and it only matters once every connection
        // thread is busy.
        let mut overflow_started = false;
        loop {
            let accepted = self.listener.accept();
            if self.control.stopping() {
                // Most likely the wake-up connection; a real client that
                // raced it sees its connection closed, as with any server
                // that is going away.
                break;
            }
            match accepted {
                Ok((stream, _)) => pool.submit(stream),
                Err(e) => {
                    crate::log::event("WARNING", &format!("accept failed: {e}"));
                    std::thread::sleep(ACCEPT_PAUSE);
                }
            }
            if !overflow_started {
                pool.start()?;
                overflow_started = true;
            }
        }
        drop(self.listener);
        pool.stop(self.limits.shutdown_grace);
        crate::log::event("INFO", "server stopped");
        Ok(())
    }
}

/// What the accept loop, the connection threads and [`ShutdownHandle`] share:
/// the stop flag, and the open connections, so that shutdown can close those
/// that are only waiting for a request.
#[derive(Default)]
pub(crate) struct Control {
    stop: AtomicBool,
    next_id: AtomicU64,
    /// Orders idle keep-alive connections, oldest first (see
    /// [`Control::reclaim_idle`]).
    idle_clock: AtomicU64,
    open: Mutex<HashMap<u64, OpenConnection>>,
}

struct OpenConnection {
    /// A second handle on the socket, to shut it down from another thread.
    socket: TcpStream,
    /// Whether the connection is waiting for (or reading) a request head,
    /// rather than answering one.
    waiting: Arc<AtomicBool>,
    /// Non-zero while the connection is idle between two requests (kept
    /// alive, nothing of the next request yet): when it became idle, on
    /// [`Control::idle_clock`].
    idle: Arc<AtomicU64>,
}

impl Control {
    /// Whether the server is shutting down.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Records an open connection until the returned guard is dropped.
    pub(crate) fn register(&self, stream: &TcpStream) -> Registration<'_> {
        let waiting = Arc::new(AtomicBool::new(true));
        let idle = Arc::new(AtomicU64::new(0));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(socket) = stream.try_clone() {
            let entry = OpenConnection {
                socket,
                waiting: waiting.clone(),
                idle: idle.clone(),
            };
            self.lock().insert(id, entry);
        }
        Registration {
            control: self,
            id,
            waiting,
            idle,
        }
    }

    /// Closes up to `n` idle keep-alive connections, those idle longest
    /// first, so that their threads serve new connections instead. Returns
    /// how many were closed. An idle connection holds a whole thread until
    /// its idle timeout; when every thread is taken, a client that already
    /// got its answer yields to one that has none (RFC 9112 §9.6 lets a
    /// server close an idle connection at any time; clients retry).
    pub(crate) fn reclaim_idle(&self, n: usize) -> usize {
        let open = self.lock();
        let mut idle: Vec<(u64, &OpenConnection)> = open
            .values()
            .map(|c| (c.idle.load(Ordering::SeqCst), c))
            .filter(|(since, _)| *since != 0)
            .collect();
        idle.sort_unstable_by_key(|(since, _)| *since);
        let mut closed = 0;
        for (since, connection) in idle.into_iter().take(n) {
            // Only if still idle since then: its thread may have just begun
            // reading a request.
            if connection
                .idle
                .compare_exchange(since, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                let _ = connection.socket.shutdown(Shutdown::Both);
                closed += 1;
            }
        }
        closed
    }

    /// Shuts down every connection that is waiting for a request: its thread
    /// sees end of stream at once instead of sitting out the idle timeout.
    pub(crate) fn close_waiting(&self) {
        for open in self.lock().values() {
            if open.waiting.load(Ordering::SeqCst) {
                let _ = open.socket.shutdown(Shutdown::Both);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, OpenConnection>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An open connection, known to [`Control`] while this lives.
pub(crate) struct Registration<'a> {
    control: &'a Control,
    id: u64,
    waiting: Arc<AtomicBool>,
    idle: Arc<AtomicU64>,
}

impl Registration<'_> {
    /// Marks the connection as waiting for a request (`true`) or answering
    /// one (`false`). Returns whether it may go on: once shutdown has begun,
    /// a connection that would wait for a new request closes instead.
    pub(crate) fn set_waiting(&self, waiting: bool) -> bool {
        // Store first, then read the flag; shutdown sets the flag, then reads
        // these stores: one of the two sides always sees the other.
        self.waiting.store(waiting, Ordering::SeqCst);
        !(waiting && self.control.stopping())
    }

    /// Marks the connection idle between requests (`true`), which lets
    /// [`Control::reclaim_idle`] close it, or no longer idle (`false`).
    /// Returns `false` when it was reclaimed meanwhile: then the socket is
    /// shut and the connection ends.
    pub(crate) fn set_idle(&self, idle: bool) -> bool {
        if idle {
            let since = self.control.idle_clock.fetch_add(1, Ordering::SeqCst) + 1;
            self.idle.store(since, Ordering::SeqCst);
            true
        } else {
            self.idle.swap(0, Ordering::SeqCst) != 0
        }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.control.lock().remove(&self.id);
    }
}
