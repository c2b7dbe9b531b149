//! **[all](crate::_documentation::flow) Every arrow after the first on a
//! connection — idle keep-alive connections, held without a thread.** Between
//! two requests a keep-alive connection has nothing to do. Instead of a
//! thread blocked in `recv` for each, one *keeper* thread waits in `epoll`
//! (through `mio`) for all of them, and hands a connection whose next request
//! has started to arrive back to the [`pool`](super::pool), where one of a
//! few busy threads serves it. **An experiment**: compiled only with the
//! `idle-keeper` feature, and on only with `MCP_IDLE_KEEPER=1`; off, each
//! idle connection waits in its own thread as before.
//!
//! ```text
//!   conn: answer written, nothing buffered ──▶ Keeper::park (register, readable)
//!                                                   │
//!   keeper thread: epoll_wait ── readable ──▶ deregister ──▶ Pool::resume ──▶ conn
//!                            └─ parked ≥ idle_timeout ──▶ closed without a word
//! ```
//!
//! # Why
//! With a thread per connection every request costs one sleep and one
//! wake-up, and 64 busy keep-alive connections are up to 64 runnable threads
//! on 2 cores, served in the scheduler's order: the p99 at 64 connections
//! was set by run-queue waits (docs/PERFORMANCE.md, "Where the tail comes
//! from"). Parked here, the connections wait in the kernel's ready list
//! instead, and a pool thread that has just answered one request takes the
//! next ready connection without sleeping.
//!
//! # Spec
//! * RFC 9112 §9.3 (persistent connections), §9.6: an idle connection is
//!   closed after [`Limits::idle_timeout`](super::Limits::idle_timeout), and
//!   may be closed earlier (a full server reclaims the longest-idle ones,
//!   [`Control::reclaim_idle`](super::control::Control::reclaim_idle): the
//!   shut socket reads as the end of stream, which the keeper reports like
//!   any readiness).
//!
//! # Where this sits
//! Started by [`super::server`]; [`super::pool`] parks a connection that
//! [`super::conn::serve`] left idle, and gets it back through
//! [`Keeper::run`]'s callback when it is readable.

use std::collections::HashMap;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use super::conn::Parked;

/// The token of the waker that ends [`Keeper::run`].
const WAKE: Token = Token(usize::MAX);

/// How often, at most, parked connections are checked for their idle timeout.
const SWEEP: Duration = Duration::from_millis(100);

/// The parked connections and the poller that watches them.
pub(crate) struct Keeper {
    /// Used by one thread at a time, in [`Keeper::wait`].
    poller: Mutex<Poller>,
    registry: Registry,
    waker: Waker,
    parked: Mutex<Parking>,
    stopping: AtomicBool,
    idle_timeout: Duration,
}

struct Poller {
    poll: Poll,
    events: Events,
    /// When parked connections are next checked for their idle timeout.
    next_sweep: Instant,
}

struct Parking {
    /// Parked connections by token, with when they were parked.
    by_token: HashMap<usize, (Parked, Instant)>,
    next: usize,
}

impl Keeper {
    /// A keeper whose parked connections close after `idle_timeout`.
    pub(crate) fn new(idle_timeout: Duration) -> io::Result<Keeper> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Waker::new(poll.registry(), WAKE)?;
        Ok(Keeper {
            poller: Mutex::new(Poller {
                poll,
                events: Events::with_capacity(256),
                next_sweep: Instant::now() + SWEEP,
            }),
            registry,
            waker,
            parked: Mutex::new(Parking {
                by_token: HashMap::new(),
                next: 0,
            }),
            stopping: AtomicBool::new(false),
            idle_timeout,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Parking> {
        // Nothing panics while holding this lock.
        self.parked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Parks `conn` until its socket is readable (the next request, or its
    /// end). Gives it back when it cannot be watched, or once stopping: the
    /// caller then serves or closes it itself.
    pub(crate) fn park(&self, conn: Parked) -> Result<(), Parked> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err(conn);
        }
        let fd = conn.socket().as_raw_fd();
        let mut parking = self.lock();
        let token = parking.next;
        parking.next = (parking.next + 1) % (usize::MAX - 1);
        // Registered while holding the lock: the keeper, woken at once if the
        // socket is already readable, finds the entry in place.
        match self
            .registry
            .register(&mut SourceFd(&fd), Token(token), Interest::READABLE)
        {
            Ok(()) => {
                parking.by_token.insert(token, (conn, Instant::now()));
                Ok(())
            }
            Err(_) => Err(conn),
        }
    }

    /// Takes a parked connection out of the poller.
    fn unpark(&self, parking: &mut Parking, token: usize) -> Option<Parked> {
        let (conn, _) = parking.by_token.remove(&token)?;
        let fd = conn.socket().as_raw_fd();
        let _ = self.registry.deregister(&mut SourceFd(&fd));
        Some(conn)
    }

    /// Waits up to `timeout` (less when the idle timeouts are due) for
    /// parked connections to become readable, and returns them, taken out
    /// of the poller. One thread at a time: the pool's idle threads take
    /// turns (leader/follower), so the thread that sees a connection become
    /// readable is the one that serves it, with no hand-off.
    pub(crate) fn wait(&self, timeout: Duration) -> Vec<Parked> {
        let mut poller = self.poller.lock().unwrap_or_else(PoisonError::into_inner);
        let Poller {
            poll,
            events,
            next_sweep,
        } = &mut *poller;
        let mut woken = Vec::new();
        if self.stopping.load(Ordering::SeqCst) {
            return woken;
        }
        let wait = timeout.min(next_sweep.saturating_duration_since(Instant::now()));
        if let Err(e) = poll.poll(events, Some(wait))
            && e.kind() != io::ErrorKind::Interrupted
        {
            crate::log::event("ERROR", &format!("idle connections: poll failed: {e}"));
            std::thread::sleep(SWEEP);
        }
        {
            let mut parking = self.lock();
            for event in events.iter() {
                if event.token() != WAKE
                    && let Some(conn) = self.unpark(&mut parking, event.token().0)
                {
                    woken.push(conn);
                }
            }
        }
        if Instant::now() >= *next_sweep {
            self.close_expired();
            *next_sweep = Instant::now() + SWEEP;
        }
        woken
    }

    /// Closes the connections parked longer than the idle timeout (dropping
    /// a [`Parked`] closes its socket and ends its registration).
    fn close_expired(&self) {
        let now = Instant::now();
        let mut parking = self.lock();
        let expired: Vec<usize> = parking
            .by_token
            .iter()
            .filter(|(_, (_, since))| now.duration_since(*since) >= self.idle_timeout)
            .map(|(token, _)| *token)
            .collect();
        let mut closed = Vec::new();
        for token in expired {
            if let Some(conn) = self.unpark(&mut parking, token) {
                closed.push(conn);
            }
        }
        drop(parking);
        drop(closed);
    }

    /// Closes every parked connection, takes no more, and wakes the thread
    /// in [`Keeper::wait`].
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
        let mut parking = self.lock();
        let tokens: Vec<usize> = parking.by_token.keys().copied().collect();
        let closed: Vec<Parked> = tokens
            .into_iter()
            .filter_map(|token| self.unpark(&mut parking, token))
            .collect();
        drop(parking);
        drop(closed);
    }

    /// Whether any connection is parked.
    pub(crate) fn any_parked(&self) -> bool {
        !self.lock().by_token.is_empty()
    }
}
