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
//! * With the idle keeper on (an experiment, [`super::idle`]), a keep-alive
//!   connection between two requests is parked there without a thread, and
//!   comes back as *ready* when readable: an idle thread takes it, or a new
//!   one while fewer than the number of cores serve ready connections; else
//!   it waits for the next thread to finish a request. If ready connections
//!   wait while no thread has taken work for [`PRESUMED_BLOCKED`] (handlers
//!   waiting on I/O, clients sending slowly), the overflow thread starts one
//!   more thread, so a slow client never stalls the others.
//!
//! # Where this sits
//! Between [`super::server`] (the accept loop, which calls [`Pool::submit`]
//! and, at shutdown, [`Pool::stop`]) and [`super::conn`] (one connection).

use std::collections::VecDeque;
use std::io::Read;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::conn::{self, Context, Parked};
#[cfg(feature = "idle-keeper")]
use super::idle::Keeper;
use super::request::Version;
use super::response::{Responder, Response};

/// How long an idle connection thread waits for work before it exits.
pub(crate) const IDLE_THREAD_EXIT: Duration = Duration::from_secs(30);

/// How long ready connections may wait while no thread takes any work
/// before one more thread is started for them: the threads serving them are
/// presumed blocked (a handler waiting on I/O, or a client sending its
/// request slowly). An authorized `tools/call` takes about 25 µs of CPU.
pub(crate) const PRESUMED_BLOCKED: Duration = Duration::from_millis(2);

/// How long one turn of waiting in the keeper lasts (it also closes the
/// connections past their idle timeout).
#[cfg(feature = "idle-keeper")]
const KEEPER_WAIT: Duration = Duration::from_millis(100);

/// What a connection thread does next.
enum Job {
    /// Serve a new connection.
    New(TcpStream),
    /// Serve the next request of a parked connection that became readable.
    Ready(Parked),
}

/// Connection threads, the connections waiting for one, and the overflow
/// thread that turns away those that waited too long.
pub(crate) struct Pool {
    context: Context,
    /// Idle keep-alive connections, parked without a thread (`idle-keeper`
    /// feature and `MCP_IDLE_KEEPER=1`; otherwise each waits in its thread).
    #[cfg(feature = "idle-keeper")]
    keeper: Option<Keeper>,
    /// Threads serving ready connections at most, unless they stall for
    /// [`PRESUMED_BLOCKED`]: the number of cores (`MCP_WORKERS` overrides).
    #[cfg(feature = "idle-keeper")]
    workers: usize,
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
    /// Parked connections that became readable, in the order they did.
    ready: VecDeque<Parked>,
    /// Threads serving a ready connection.
    serving_ready: usize,
    /// Whether a thread waits in [`Keeper::wait`] (one at a time).
    polling: bool,
    /// When a thread last took work: ready connections waiting with no
    /// progress for [`PRESUMED_BLOCKED`] get one more thread.
    progress: Instant,
    /// Whether the overflow thread is running.
    overflow: bool,
    /// Set by [`Pool::stop`]: threads exit instead of waiting.
    stopping: bool,
}

impl Pool {
    /// A pool with no threads yet; [`Pool::start`] starts the overflow and
    /// keeper threads.
    pub(crate) fn new(context: Context) -> std::io::Result<Pool> {
        #[cfg(feature = "idle-keeper")]
        let workers = std::env::var("MCP_WORKERS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|&n: &usize| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        #[cfg(feature = "idle-keeper")]
        let keeper = match std::env::var("MCP_IDLE_KEEPER").as_deref() {
            Ok("1") => Some(Keeper::new(context.limits.idle_timeout)?),
            _ => None,
        };
        Ok(Pool {
            #[cfg(feature = "idle-keeper")]
            keeper,
            #[cfg(feature = "idle-keeper")]
            workers,
            context,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                threads: 0,
                idle: 0,
                ready: VecDeque::new(),
                serving_ready: 0,
                polling: false,
                progress: Instant::now(),
                overflow: false,
                stopping: false,
            }),
            work: Condvar::new(),
            changed: Condvar::new(),
        })
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
        // Parked connections hold no thread but count as open: past
        // `max_connections`, the longest-idle ones are closed.
        let open = if self.parks() {
            self.context.control.open()
        } else {
            0
        };
        let mut state = self.lock();
        state.queue.push_back((stream, Instant::now()));
        let max = self.context.limits.max_connections.max(1);
        if self.parks() && open + state.queue.len() > max {
            self.context
                .control
                .reclaim_idle(open + state.queue.len() - max);
        }
        if state.idle >= state.queue.len() {
            self.work.notify_one();
            return;
        }
        if state.threads < max {
            self.spawn(&mut state);
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

    /// Starts one more connection thread (the caller checked the bound).
    fn spawn(self: &Arc<Pool>, state: &mut State) {
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
    }

    /// Whether idle keep-alive connections are parked with the keeper
    /// (else each waits for its next request in its own thread).
    fn parks(&self) -> bool {
        #[cfg(feature = "idle-keeper")]
        return self.keeper.is_some();
        #[cfg(not(feature = "idle-keeper"))]
        false
    }

    /// A connection thread: serve connections until idle too long or stopped.
    fn worker(self: Arc<Pool>) {
        while let Some(job) = self.next_job() {
            let ready = matches!(job, Job::Ready(_));
            // `conn::serve` catches handler panics itself; this catches a bug
            // in the HTTP layer, so that it costs one connection, not a thread.
            let parks = self.parks();
            let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
                Job::New(stream) => conn::serve(stream, &self.context, parks),
                Job::Ready(parked) => conn::resume(parked, &self.context),
            }));
            if ready {
                self.lock().serving_ready -= 1;
            }
            match served {
                // Idle between two requests: parked without a thread; if it
                // cannot be (stopping), dropping it closes it.
                Ok(Some(parked)) => self.park(parked),
                Ok(None) => {}
                Err(_) => crate::log::event("ERROR", "a connection ended in a panic"),
            }
        }
    }

    /// Whether any connection is parked with the keeper.
    fn any_parked(&self) -> bool {
        #[cfg(feature = "idle-keeper")]
        if let Some(keeper) = &self.keeper {
            return keeper.any_parked();
        }
        false
    }

    /// Parks a connection with the keeper; if it cannot be (stopping),
    /// dropping it closes it.
    fn park(&self, parked: Parked) {
        #[cfg(feature = "idle-keeper")]
        if let Some(keeper) = &self.keeper {
            let _ = keeper.park(parked);
            return;
        }
        drop(parked);
    }

    /// Waits for the next new or ready connection; `None` when this thread
    /// should exit.
    fn next_job(self: &Arc<Pool>) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if state.stopping {
                // What is still queued gets its 503 from the overflow thread.
                break;
            }
            // New connections first: they have `pool_wait` to be taken.
            if let Some((stream, _)) = state.queue.pop_front() {
                state.progress = Instant::now();
                return Some(Job::New(stream));
            }
            if let Some(parked) = state.ready.pop_front() {
                state.progress = Instant::now();
                state.serving_ready += 1;
                if state.serving_ready == 1 {
                    // The overflow thread starts watching for a stall.
                    self.changed.notify_all();
                }
                // Someone must watch the parked connections while this
                // thread serves: an idle thread takes over (at low load
                // only; under load every thread is busy and the next to
                // finish polls).
                if !state.polling && state.idle > 0 {
                    self.work.notify_one();
                }
                return Some(Job::Ready(parked));
            }
            #[cfg(feature = "idle-keeper")]
            if let Some(keeper) = &self.keeper
                && !state.polling
            {
                // Leader/follower: this thread watches the parked
                // connections and serves the first that becomes readable;
                // the others wait for it (or for new connections).
                state.polling = true;
                drop(state);
                let woken = keeper.wait(KEEPER_WAIT);
                state = self.lock();
                state.polling = false;
                state.ready.extend(woken);
                // More than this thread takes: an idle thread serves the next
                // one, or a new thread while fewer than `workers` serve.
                if state.ready.len() > 1 {
                    if state.idle > 0 {
                        self.work.notify_one();
                    } else if state.serving_ready + 1 < self.workers
                        && state.threads < self.context.limits.max_connections.max(1)
                    {
                        self.spawn(&mut state);
                    }
                }
                continue;
            }
            state.idle += 1;
            let (next, wait) = self
                .work
                .wait_timeout(state, IDLE_THREAD_EXIT)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if wait.timed_out() && state.queue.is_empty() && state.ready.is_empty() {
                break;
            }
        }
        state.threads -= 1;
        self.changed.notify_all();
        None
    }

    /// The overflow thread: answers `503` to connections that waited longer
    /// than `pool_wait` for a thread (all of them once the pool stops), and
    /// starts one more thread when ready connections wait while no thread
    /// has taken work for [`PRESUMED_BLOCKED`].
    fn overflow(self: &Arc<Pool>) {
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
            // Ready connections, or parked ones that nobody watches while
            // threads serve: if no thread takes work for PRESUMED_BLOCKED,
            // one more thread starts (it serves, or watches).
            let serving = state.serving_ready > 0 && self.any_parked();
            let stalled = !state.ready.is_empty() || (serving && !state.polling);
            let mut stall =
                (!state.ready.is_empty() || serving).then(|| state.progress + PRESUMED_BLOCKED);
            if stall.is_some_and(|at| at <= now) {
                if stalled && state.threads < self.context.limits.max_connections.max(1) {
                    self.spawn(&mut state);
                }
                stall = Some(now + PRESUMED_BLOCKED);
                if stalled {
                    state.progress = now;
                    continue;
                }
            }
            let until = state.queue.front().map(|(_, since)| *since + wait);
            let until = match (until, stall) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
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
        // Ready connections are closed; parked ones by the keeper.
        state.ready.clear();
        #[cfg(feature = "idle-keeper")]
        if let Some(keeper) = &self.keeper {
            keeper.stop();
        }
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
