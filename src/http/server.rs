//! **[all](crate::_documentation::flow) Every arrow — the accept loop and
//! shutdown.** [`Server::serve`] accepts TCP connections and hands each to the
//! pool's event loops (`pool.rs`); [`ShutdownHandle::shutdown`]
//! stops it the way Cloud Run stops a container (SIGTERM, then 10 s before
//! SIGKILL).
//!
//! ```text
//!   accept ──▶ Pool::submit ──▶ an event loop (≤ max_connections open)
//!     ▲                         │ full: close the oldest idle keep-alive
//!     │                         │   connection, queue
//!     │                         │ queue ≤ pool_wait, then 503
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
//! Started by [`crate::App::start`]; each connection waits in one of the
//! `pool` module's event loops and is served by the private `conn` module,
//! which reads with `input`, `parse` and `body`.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use super::conn::Context;
use super::control::Control;
use super::pool::Pool;
// Also at this path, where they were first defined.
pub use super::limits::{Handler, Limits};

/// How long the accept loop pauses after an accept error, so a flood that
/// exhausts file descriptors does not spin a core.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

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
        self.control.begin_shutdown();
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
    /// only if the server cannot create its event loops (`epoll`), or start
    /// its overflow and watch threads (after the first connection).
    pub fn serve(self, handler: Handler) -> io::Result<()> {
        let pool = Arc::new(Pool::new(Context {
            handler,
            limits: self.limits.clone(),
            control: self.control.clone(),
        })?);
        // The overflow and watch threads start after the first `accept`, not
        // before: from `listen` on, a client may already be waiting (cold
        // start, docs/PERFORMANCE.md), and they only matter under load.
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
