//! **[all](crate::_documentation::flow) Every arrow — the bounded pool of
//! connection threads.** The accept loop hands each new connection to
//! [`Pool::submit`]; one thread then serves every request of that connection
//! ([`super::conn::serve`]) and afterwards waits for the next connection.
//!
//! # How the pool grows, shrinks and says no
//! * Threads start lazily, one per connection that finds no idle thread, up
//!   to [`Limits::max_connections`](super::Limits::max_connections). An idle
//!   thread exits after [`IDLE_THREAD_EXIT`], so a quiet server holds few
//!   threads (and little memory).
//! * The decision "wake an idle thread or start one" is taken under the same
//!   lock that counts idle threads and queued connections, so a burst on a
//!   fresh server starts as many threads as it needs. (tiny_http 0.12 reads a
//!   lagging idle counter here and leaves connections of a burst waiting for
//!   seconds: docs/DESIGN.md, "Why not tiny_http".)
//! * When every thread is taken, the connections idle longest between two
//!   requests (kept alive, nothing sent) are closed, as many as connections
//!   wait, so their threads take the new ones: 512 idle keep-alive sockets
//!   must not turn everyone else away (RFC 9112 §9.6 lets a server close an
//!   idle connection; clients retry on a new one).
//! * When every thread is busy, a connection waits in the queue for at most
//!   [`Limits::pool_wait`](super::Limits::pool_wait). Past that, the
//!   *overflow* thread answers it `503 Service Unavailable` with `Retry-After`
//!   and `Connection: close`: a client always gets an answer, never silence,
//!   and the accept loop never waits for anyone.
//!
//! # Where this sits
//! Between [`super::server`] (the accept loop, which calls [`Pool::submit`]
//! and, at shutdown, [`Pool::stop`]) and [`super::conn`] (one connection).

use std::collections::VecDeque;
use std::io::Read;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::conn::{self, Context};
use super::request::Version;
use super::response::{Responder, Response};

/// How long an idle connection thread waits for work before it exits.
pub(crate) const IDLE_THREAD_EXIT: Duration = Duration::from_secs(30);

/// Connection threads, the connections waiting for one, and the overflow
/// thread that turns away those that waited too long.
pub(crate) struct Pool {
    context: Context,
    state: Mutex<State>,
    /// Idle connection threads wait here for a queued connection.
    work: Condvar,
    /// The overflow thread and [`Pool::stop`] wait here for changes.
    changed: Condvar,
}

struct State {
    /// Accepted connections no thread has taken yet, with when they came.
    queue: VecDeque<(TcpStream, Instant)>,
    /// Connection threads alive (busy or idle).
    threads: usize,
    /// Connection threads waiting on `work`.
    idle: usize,
    /// Whether the overflow thread is running.
    overflow: bool,
    /// Set by [`Pool::stop`]: threads exit instead of waiting.
    stopping: bool,
}

impl Pool {
    /// A pool with no threads yet; [`Pool::start`] starts the overflow thread.
    pub(crate) fn new(context: Context) -> Pool {
        Pool {
            context,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                threads: 0,
                idle: 0,
                overflow: false,
                stopping: false,
            }),
            work: Condvar::new(),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding this lock; if some did, the counts
        // are still the best information there is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the overflow thread.
    pub(crate) fn start(self: &Arc<Pool>) -> std::io::Result<()> {
        let pool = self.clone();
        std::thread::Builder::new()
            .name("http-overflow".into())
            .spawn(move || pool.overflow())?;
        self.lock().overflow = true;
        Ok(())
    }

    /// Gives a new connection to an idle thread, or to a new thread if there
    /// is room, or else queues it for the overflow thread to judge.
    pub(crate) fn submit(self: &Arc<Pool>, stream: TcpStream) {
        let mut state = self.lock();
        state.queue.push_back((stream, Instant::now()));
        if state.idle >= state.queue.len() {
            self.work.notify_one();
            return;
        }
        if state.threads < self.context.limits.max_connections.max(1) {
            let pool = self.clone();
            let spawned = std::thread::Builder::new()
                .name("http-conn".into())
                .spawn(move || pool.worker());
            match spawned {
                Ok(_) => state.threads += 1,
                Err(e) => {
                    crate::log::event("ERROR", &format!("cannot start a thread: {e}"));
                    self.changed.notify_all();
                }
            }
            return;
        }
        // Every thread is taken. Threads that only keep an idle connection
        // open are the cheapest to free: close as many such connections as
        // connections wait, and their threads take the queue.
        let waiting = state.queue.len().saturating_sub(state.idle);
        self.context.control.reclaim_idle(waiting);
        // The overflow thread times what is still queued.
        self.changed.notify_all();
    }

    /// A connection thread: serve connections until idle too long or stopped.
    fn worker(self: Arc<Pool>) {
        while let Some(stream) = self.next_connection() {
            // `conn::serve` catches handler panics itself; this catches a bug
            // in the HTTP layer, so that it costs one connection, not a thread.
            let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                conn::serve(stream, &self.context);
            }));
            if served.is_err() {
                crate::log::event("ERROR", "a connection ended in a panic");
            }
        }
    }

    /// Waits for the next queued connection; `None` when this thread should exit.
    fn next_connection(&self) -> Option<TcpStream> {
        let mut state = self.lock();
        loop {
            if state.stopping {
                // What is still queued gets its 503 from the overflow thread.
                break;
            }
            if let Some((stream, _)) = state.queue.pop_front() {
                return Some(stream);
            }
            state.idle += 1;
            let (next, wait) = self
                .work
                .wait_timeout(state, IDLE_THREAD_EXIT)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if wait.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
        self.changed.notify_all();
        None
    }

    /// The overflow thread: answers `503` to connections that waited longer
    /// than `pool_wait` for a thread (all of them once the pool stops).
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
        state.overflow = false;
        self.changed.notify_all();
    }

    /// Stops the pool: queued connections get `503`, idle threads exit, and
    /// this returns when every connection thread has finished its connection,
    /// or after `grace`, whichever comes first.
    pub(crate) fn stop(&self, grace: Duration) {
        let deadline = Instant::now() + grace;
        let mut state = self.lock();
        state.stopping = true;
        self.work.notify_all();
        self.changed.notify_all();
        self.context.control.close_waiting();
        while state.threads > 0 || state.overflow {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                crate::log::event(
                    "WARNING",
                    &format!(
                        "shutdown: {} connections still busy, leaving them",
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
