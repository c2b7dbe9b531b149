//! **[all](crate::_documentation::flow) Every arrow — open connections and
//! the threads that serve them.** The accept loop hands each new connection
//! to [`Pool::submit`]; it joins one of a few *event loops* (two per core),
//! where it waits in `epoll` (through `mio`) holding no thread until its
//! socket is readable. Then a thread of that loop serves what has arrived
//! ([`super::conn::serve_ready`]: plain blocking code, the handler included)
//! and gives the connection back to the loop.
//!
//! ```text
//!   accept ─▶ Pool::submit ─▶ open < max_connections? ─▶ a loop (round robin)
//!                 │ no: close the longest-idle connection, queue;       │
//!                 │     still queued after pool_wait ─▶ 503             ▼
//!                 │                     poll (epoll) ─▶ ready ─▶ serve_ready ─▶ park
//!                 │                          ▲                         │
//!                 │                          └─────────────────────────┘
//!   watch thread: a loop whose every thread has been on one connection for
//!                 STUCK (a slow client, a handler waiting on I/O) gets one
//!                 more thread; a thread with nothing to do leaves
//! ```
//!
//! # Why event loops, and why handlers still block
//! A thread per connection was the first design here: one sleep and one
//! wake-up per request, and with 64 busy connections, 64 runnable threads on
//! 2 cores served in the scheduler's order, which set the p99
//! (docs/PERFORMANCE.md, "Where the tail came from"). Here a busy loop thread
//! takes the next ready connection without sleeping, in the order the kernel
//! reported them, and each connection stays registered with its loop for its
//! whole life (edge-triggered: no `epoll_ctl` per request). The code that
//! serves a request is unchanged and synchronous: it may block on a slow
//! client (the socket is switched to blocking, with its timeouts), on a
//! Redis store or an upstream API. When it does for longer than [`STUCK`],
//! the watch thread gives that loop another thread, so the loop's other
//! connections are served meanwhile; the extra thread leaves again once it
//! finds another thread already polling. So a slow client costs a thread
//! only while it is slow, never the loop.
//!
//! # Bounds
//! * At most [`Limits::max_connections`](super::Limits::max_connections)
//!   connections are open. When that many are, the connection idle longest
//!   between two requests is closed for each newcomer (RFC 9112 §9.6 lets a
//!   server close an idle connection; clients retry on a new one), and the
//!   newcomer waits in the queue for at most
//!   [`Limits::pool_wait`](super::Limits::pool_wait). Past that, the
//!   *overflow* thread answers it `503 Service Unavailable` with
//!   `Retry-After` and `Connection: close`: a client always gets an answer,
//!   never silence, and the accept loop never waits for anyone.
//! * Threads: one per loop that has had a connection, plus one per
//!   connection in a slow request, plus the overflow and watch threads: never
//!   more than the open connections, the loops and two.
//! * A parked connection is closed, without a word, at its deadline: the
//!   head timeout for a new one that never sent a byte, the idle timeout
//!   between requests (checked every [`SWEEP`]).
//!
//! # Where this sits
//! Between [`super::server`] (the accept loop, which calls [`Pool::submit`]
//! and, at shutdown, [`Pool::stop`]) and [`super::conn`] (one connection).

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use super::conn::{self, Conn, Context, Next};
use super::request::Version;
use super::response::{Responder, Response};

/// Event loops per core. Two, not one: a loop thread that another process
/// preempts (the load generator in the benchmark, a sidecar in production)
/// holds up every connection of its loop until it runs again; with two per
/// core the other loop of that core runs meanwhile. Measured in
/// docs/PERFORMANCE.md: +12–14% requests per second at 16 and 64
/// connections, involuntary switches per request from 0.3–0.4 to ~0.
const LOOPS_PER_CORE: usize = 2;

/// How long every thread of a loop may stay on one connection before the
/// loop gets another thread.
const STUCK: Duration = Duration::from_millis(2);

/// How often the watch thread looks while no loop is serving anything.
const WATCH_IDLE: Duration = Duration::from_millis(50);

/// How often parked connections are checked against their deadline.
const SWEEP: Duration = Duration::from_millis(100);

/// The token of each loop's waker (connections use slot numbers).
const WAKE: Token = Token(usize::MAX);

/// The event loops, the connections waiting for room, and the overflow and
/// watch threads.
pub(crate) struct Pool {
    context: Context,
    loops: Vec<Loop>,
    /// Which loop the next connection joins.
    next_loop: AtomicUsize,
    state: Mutex<State>,
    /// The overflow thread and [`Pool::stop`] wait here for changes.
    changed: Condvar,
}

struct State {
    /// Accepted connections with no room yet, with when they came.
    queue: VecDeque<(TcpStream, Instant)>,
    /// Connections admitted to a loop and not yet closed.
    open: usize,
    /// Threads serving the loops.
    threads: usize,
    /// Whether the overflow and watch threads run.
    helpers: usize,
    /// Set by [`Pool::stop`].
    stopping: bool,
}

/// One event loop: an `epoll` instance and the connections registered with it.
struct Loop {
    /// Taken by the one thread that waits in `epoll_wait`.
    poller: Mutex<Poller>,
    registry: Registry,
    /// Wakes the poller (a new connection while it sleeps with no deadline,
    /// or shutdown).
    waker: Waker,
    shared: Mutex<Shared>,
}

struct Poller {
    poll: Poll,
    events: Events,
}

/// A loop's connections and threads, behind its lock.
struct Shared {
    /// Connections by token (the index).
    slots: Vec<Slot>,
    /// Free indexes in `slots`.
    free: Vec<usize>,
    /// Connections reported readable, in the order the kernel reported them.
    ready: VecDeque<usize>,
    /// Threads of this loop, and how many are serving a connection.
    threads: usize,
    serving: usize,
    /// Counts served connections and polls: the watch thread compares it
    /// from one look to the next.
    progress: u64,
    /// When parked connections are next checked against their deadline.
    sweep_at: Instant,
    /// Whether the poller waits without a deadline (nothing open).
    sleeping: bool,
}

enum Slot {
    Free,
    /// Waiting for its socket to become readable.
    Parked(Conn),
    /// Being served by a thread; `missed` if it was reported readable
    /// meanwhile (edge-triggered: that report will not come again).
    Out {
        missed: bool,
    },
}

impl Pool {
    /// [`LOOPS_PER_CORE`] event loops per core; no thread yet.
    pub(crate) fn new(context: Context) -> io::Result<Pool> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let loops = (0..cores * LOOPS_PER_CORE)
            .map(|_| Loop::new())
            .collect::<io::Result<_>>()?;
        Ok(Pool {
            context,
            loops,
            next_loop: AtomicUsize::new(0),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                open: 0,
                threads: 0,
                helpers: 0,
                stopping: false,
            }),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding this lock; if some did, the counts
        // are still the best information there is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the overflow and watch threads.
    pub(crate) fn start(self: &Arc<Pool>) -> io::Result<()> {
        let pool = self.clone();
        std::thread::Builder::new()
            .name("http-overflow".into())
            .spawn(move || pool.overflow())?;
        self.lock().helpers += 1;
        let pool = self.clone();
        std::thread::Builder::new()
            .name("http-watch".into())
            .spawn(move || pool.watch())?;
        self.lock().helpers += 1;
        Ok(())
    }

    /// Admits a new connection to a loop if there is room, else queues it
    /// (and closes an idle connection to make room).
    pub(crate) fn submit(self: &Arc<Pool>, stream: TcpStream) {
        let mut state = self.lock();
        if state.open < self.context.limits.max_connections.max(1) && state.queue.is_empty() {
            state.open += 1;
            drop(state);
            self.admit(stream);
            return;
        }
        state.queue.push_back((stream, Instant::now()));
        drop(state);
        // A connection that already got its answer yields to one that has none.
        self.context.control.reclaim_idle(1);
        // The overflow thread times what is still queued.
        self.changed.notify_all();
    }

    /// Registers a connection (already counted in `open`) with the next loop.
    fn admit(self: &Arc<Pool>, stream: TcpStream) {
        let Some(conn) = Conn::open(stream, &self.context) else {
            self.closed();
            return;
        };
        let k = self.next_loop.fetch_add(1, Ordering::Relaxed) % self.loops.len();
        let lp = &self.loops[k];
        let fd = conn.socket().as_raw_fd();
        let mut shared = lp.lock();
        // In its slot before it is registered: its first event may come at once.
        let token = shared.insert(conn);
        let registered = lp
            .registry
            .register(&mut SourceFd(&fd), Token(token), Interest::READABLE);
        if let Err(e) = registered {
            crate::log::event("ERROR", &format!("cannot watch a connection: {e}"));
            let conn = shared.remove(token);
            drop(shared);
            drop(conn);
            self.closed();
            return;
        }
        if shared.sleeping {
            let _ = lp.waker.wake();
        }
        if shared.threads == 0 {
            self.spawn(k, &mut shared);
        }
    }

    /// Starts a thread for loop `k` (whose lock the caller holds).
    fn spawn(self: &Arc<Pool>, k: usize, shared: &mut Shared) {
        let pool = self.clone();
        let spawned = std::thread::Builder::new()
            .name("http-loop".into())
            .spawn(move || pool.run(k));
        match spawned {
            Ok(_) => {
                shared.threads += 1;
                self.lock().threads += 1;
            }
            Err(e) => crate::log::event("ERROR", &format!("cannot start a thread: {e}")),
        }
    }

    /// A thread of loop `k`: serve ready connections; with none, wait in
    /// `epoll` for more, unless another thread of the loop already does.
    fn run(self: Arc<Pool>, k: usize) {
        let lp = &self.loops[k];
        loop {
            let mut shared = lp.lock();
            if let Some((token, mut conn)) = shared.take_ready() {
                shared.serving += 1;
                drop(shared);
                // `serve_ready` catches handler panics itself; this catches a
                // bug in the HTTP layer, so that it costs one connection.
                let next = catch_unwind(AssertUnwindSafe(|| {
                    conn::serve_ready(&mut conn, &self.context)
                }))
                .unwrap_or_else(|_| {
                    crate::log::event("ERROR", "a connection ended in a panic");
                    Next::Close
                });
                let mut shared = lp.lock();
                shared.serving -= 1;
                shared.progress += 1;
                match next {
                    Next::Park if !self.context.control.stopping() => shared.park(token, conn),
                    _ => {
                        let _ = shared.remove(token);
                        drop(shared);
                        self.close(lp, conn);
                    }
                }
                continue;
            }
            if self.context.control.stopping() {
                // Shutdown: what waits for a request is closed (RFC 9112
                // §9.6); requests in flight finish on their threads.
                let parked = shared.take_parked(|_| true);
                shared.threads -= 1;
                drop(shared);
                for conn in parked {
                    self.close(lp, conn);
                }
                self.exited();
                return;
            }
            let mut poller = match lp.poller.try_lock() {
                Ok(poller) => poller,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    // Another thread of this loop polls: one is enough.
                    shared.threads -= 1;
                    drop(shared);
                    self.exited();
                    return;
                }
            };
            let now = Instant::now();
            let timeout = if shared.free.len() == shared.slots.len() {
                shared.sleeping = true;
                None
            } else {
                Some(shared.sweep_at.saturating_duration_since(now))
            };
            drop(shared);
            let Poller { poll, events } = &mut *poller;
            if let Err(e) = poll.poll(events, timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                crate::log::event("ERROR", &format!("epoll failed: {e}"));
                std::thread::sleep(SWEEP);
            }
            let mut shared = lp.lock();
            shared.sleeping = false;
            shared.progress += 1;
            for event in events.iter() {
                if event.token() != WAKE {
                    shared.ready.push_back(event.token().0);
                }
            }
            drop(poller);
            let now = Instant::now();
            if now >= shared.sweep_at {
                shared.sweep_at = now + SWEEP;
                let expired = shared.take_parked(|conn| conn.deadline() <= now);
                drop(shared);
                for conn in expired {
                    self.close(lp, conn);
                }
            }
        }
    }

    /// Stops watching `conn` and closes it; a queued connection takes its room.
    fn close(self: &Arc<Pool>, lp: &Loop, conn: Conn) {
        // Before the socket closes: a second handle on it (the one shutdown
        // uses) would keep its registration alive.
        let fd = conn.socket().as_raw_fd();
        let _ = lp.registry.deregister(&mut SourceFd(&fd));
        drop(conn);
        self.closed();
    }

    /// One connection fewer: admit the first queued one, if any.
    fn closed(self: &Arc<Pool>) {
        let mut state = self.lock();
        state.open -= 1;
        if state.stopping {
            self.changed.notify_all();
            return;
        }
        if let Some((stream, _)) = state.queue.pop_front() {
            state.open += 1;
            drop(state);
            self.admit(stream);
        }
    }

    /// A loop thread leaves.
    fn exited(&self) {
        self.lock().threads -= 1;
        self.changed.notify_all();
    }

    /// The watch thread: gives a loop one more thread when all of its
    /// threads have been on one connection each for [`STUCK`] (nothing
    /// served, no poll) — a slow client, or a handler waiting on I/O.
    fn watch(self: Arc<Pool>) {
        let mut last = vec![0; self.loops.len()];
        let mut busy = false;
        while !self.lock().stopping {
            std::thread::sleep(if busy { STUCK } else { WATCH_IDLE });
            busy = false;
            for (k, lp) in self.loops.iter().enumerate() {
                let mut shared = lp.lock();
                let stuck = shared.threads > 0
                    && shared.serving == shared.threads
                    && shared.progress == last[k];
                if stuck && !self.context.control.stopping() {
                    self.spawn(k, &mut shared);
                }
                busy |= shared.serving > 0;
                last[k] = shared.progress;
            }
        }
        self.lock().helpers -= 1;
        self.changed.notify_all();
    }

    /// The overflow thread: answers `503` to connections that waited longer
    /// than `pool_wait` for room (all of them once the pool stops).
    fn overflow(&self) {
        let wait = self.context.limits.pool_wait;
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            let mut refused = Vec::new();
            while let Some((_, since)) = state.queue.front() {
                if !state.stopping && now < *since + wait {
                    break;
                }
                if let Some((stream, since)) = state.queue.pop_front() {
                    refused.push((stream, since));
                }
            }
            if !refused.is_empty() {
                drop(state);
                for (stream, since) in refused {
                    refuse_busy(stream, since);
                }
                state = self.lock();
                continue;
            }
            if state.stopping {
                break;
            }
            let until = state.queue.front().map(|(_, since)| *since + wait);
            state = match until {
                None => self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(until) => {
                    let left = until.saturating_duration_since(now);
                    match self.changed.wait_timeout(state, left) {
                        Ok((state, _)) => state,
                        Err(poisoned) => poisoned.into_inner().0,
                    }
                }
            };
        }
        state.helpers -= 1;
        self.changed.notify_all();
    }

    /// Stops the pool: queued connections get `503`, connections waiting for
    /// a request are closed, and this returns when every loop thread has
    /// finished, or after `grace`, whichever comes first.
    pub(crate) fn stop(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let mut state = self.lock();
        state.stopping = true;
        self.changed.notify_all();
        self.context.control.close_waiting();
        for lp in &self.loops {
            let _ = lp.waker.wake();
        }
        while state.threads > 0 || state.helpers > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                crate::log::event(
                    "WARNING",
                    &format!(
                        "shutdown: {} connection threads still busy, leaving them",
                        state.threads
                    ),
                );
                return;
            }
            state = match self.changed.wait_timeout(state, left) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Loop {
    fn new() -> io::Result<Loop> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Waker::new(poll.registry(), WAKE)?;
        Ok(Loop {
            poller: Mutex::new(Poller {
                poll,
                events: Events::with_capacity(256),
            }),
            registry,
            waker,
            shared: Mutex::new(Shared {
                slots: Vec::new(),
                free: Vec::new(),
                ready: VecDeque::new(),
                threads: 0,
                serving: 0,
                progress: 0,
                sweep_at: Instant::now() + SWEEP,
                sleeping: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Nothing panics while holding this lock.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Shared {
    /// Parks a new connection in a free slot; returns its token.
    fn insert(&mut self, conn: Conn) -> usize {
        match self.free.pop() {
            Some(token) => {
                self.slots[token] = Slot::Parked(conn);
                token
            }
            None => {
                self.slots.push(Slot::Parked(conn));
                self.slots.len() - 1
            }
        }
    }

    /// Frees a slot; gives back its connection if it was parked there.
    fn remove(&mut self, token: usize) -> Option<Conn> {
        let slot = std::mem::replace(&mut self.slots[token], Slot::Free);
        self.free.push(token);
        match slot {
            Slot::Parked(conn) => Some(conn),
            _ => None,
        }
    }

    /// The next connection reported readable that is parked; one being
    /// served is marked so that it is looked at again when it comes back.
    fn take_ready(&mut self) -> Option<(usize, Conn)> {
        while let Some(token) = self.ready.pop_front() {
            let Some(slot) = self.slots.get_mut(token) else {
                continue;
            };
            match std::mem::replace(slot, Slot::Out { missed: false }) {
                Slot::Parked(conn) => return Some((token, conn)),
                Slot::Out { .. } => *slot = Slot::Out { missed: true },
                Slot::Free => *slot = Slot::Free,
            }
        }
        None
    }

    /// Puts a served connection back in its slot.
    fn park(&mut self, token: usize, conn: Conn) {
        if let Slot::Out { missed: true } = self.slots[token] {
            self.ready.push_back(token);
        }
        self.slots[token] = Slot::Parked(conn);
    }

    /// Takes out the parked connections that `select` picks.
    fn take_parked(&mut self, select: impl Fn(&Conn) -> bool) -> Vec<Conn> {
        let picked: Vec<usize> = (0..self.slots.len())
            .filter(|&token| matches!(&self.slots[token], Slot::Parked(conn) if select(conn)))
            .collect();
        picked
            .into_iter()
            .filter_map(|token| self.remove(token))
            .collect()
    }
}

/// Answers `503` to a connection no thread could take, without waiting for
/// it: the answer fits in the socket's empty send buffer, and the request
/// bytes that already came are drained so that closing sends FIN, not RST
/// (an RST could destroy the answer before the client reads it).
fn refuse_busy(stream: TcpStream, since: Instant) {
    let _ = stream.set_nonblocking(true);
    let mut status = 0;
    let mut out = &stream;
    let busy = Response::text(503, "all connection threads are busy, retry shortly\n")
        .with_header("Retry-After", "1");
    let _ = Responder::new(&mut out, Version::Http11, false, &mut status)
        .with_date()
        .send(busy);
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        match (&stream).read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    crate::log::request("-", "-", 503, since.elapsed());
}
