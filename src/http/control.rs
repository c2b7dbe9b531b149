//! **[all](crate::_documentation::flow) Every arrow — the open connections
//! and the stop flag.** What the accept loop, the event loops and
//! [`super::ShutdownHandle`] share: whether the server is stopping, and every
//! open connection with whether it is waiting for a request or idle between
//! two, so that shutdown can close the waiting ones and a full pool can
//! reclaim the idle ones.
//!
//! # Spec
//! * RFC 9112 §9.6 (tear-down): a server may close an idle persistent
//!   connection at any time; one that stops closes those waiting for a
//!   request.
//!
//! # Where this sits
//! A leaf: created by [`super::server`], registered with by [`super::conn`]
//! for each connection, asked by [`super::pool`] to reclaim idle ones.

use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What the accept loop, the event loops and
/// [`ShutdownHandle`](super::ShutdownHandle) share: the stop flag, and the
/// open connections, so that shutdown can close those that are only waiting
/// for a request.
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

    /// Sets the stop flag and closes every connection that is waiting for a
    /// request ([`Control::close_waiting`]).
    pub(crate) fn begin_shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.close_waiting();
    }

    /// Records an open connection until the returned guard is dropped.
    pub(crate) fn register(self: &Arc<Self>, stream: &TcpStream) -> Registration {
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
            control: self.clone(),
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
pub(crate) struct Registration {
    control: Arc<Control>,
    id: u64,
    waiting: Arc<AtomicBool>,
    idle: Arc<AtomicU64>,
}

impl Registration {
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

impl Drop for Registration {
    fn drop(&mut self) {
        self.control.lock().remove(&self.id);
    }
}
