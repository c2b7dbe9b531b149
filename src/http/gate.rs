//! **[all](crate::_documentation::flow) Every arrow — the run-slot gate
//! (opt-in, `MCP_RUN_SLOTS=N`).** When on, a connection thread holds one of
//! `N` run slots while the handler works on a request, and threads that find
//! none wait in a queue. Everything else a connection does — waiting for and
//! reading a request, writing the answer, streaming a deferred body —
//! happens without a slot, so a slow client never holds one.
//!
//! ```text
//!   conn: read head + body ──▶ Gate::enter ──▶ handler ──▶ drop(Permit) ──▶ write
//!                               │ a free slot: run at once
//!                               │ none: queue; the first in the queue is
//!                               │ woken when a slot frees
//!                               └ a slot held ≥ PRESUMED_BLOCKED no longer
//!                                 counts: the queue's head takes it
//! ```
//!
//! # Why, and why it is off by default
//! With one thread per connection, 64 busy keep-alive connections can be 64
//! runnable threads on 2 cores, served in the scheduler's order rather than
//! in arrival order. The gate lets only `N` threads run handler code at once
//! and queues the others. It cannot remove the wake-up each request costs
//! (a thread blocked in `recv` is woken once per request whatever happens
//! after), and on the loaded 2-core machine where it was built its effect on
//! the p99 was within the noise: the steadiest p99 at 64 connections in one
//! run, 20% worse in another (docs/PERFORMANCE.md, "The run-slot gate"). A
//! first version that handed a freed slot directly to the woken thread was
//! clearly worse (the slot sat idle until the scheduler ran that thread: 3.6
//! context switches and twice the CPU per request at 64 connections); this
//! one lets a thread already on a core take a free slot. Off until a quiet
//! measurement shows it helps.
//!
//! # Handlers that block
//! A handler may wait on I/O (a Redis store, an upstream identity provider,
//! a tool calling a web API). A slot held that long would idle a core and
//! stall the queue, so a slot held for [`PRESUMED_BLOCKED`] is presumed to be
//! waiting rather than computing: the first thread in the queue takes it
//! over, and the old holder, when it ends, has nothing to give back. The
//! worst case is the design without a gate (every connection thread runs),
//! never a stalled server.
//!
//! # Where this sits
//! Created by [`super::server`] (one per server, in the connection
//! [`Context`](super::conn::Context), from `MCP_RUN_SLOTS`); entered by
//! [`super::conn`] around the handler call only.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a slot may be held before it is presumed to be waiting on I/O
/// and stops counting. An authorized `tools/call` takes about 25 µs of CPU
/// here, so 2 ms is only reached by a handler that waits, or that computes
/// for a long time (and then sharing the cores with one more is harmless).
pub(crate) const PRESUMED_BLOCKED: Duration = Duration::from_millis(2);

/// The run slots and the queue of threads waiting for one.
pub(crate) struct Gate {
    /// `false`: no gate, every connection thread runs its handler at once.
    on: bool,
    /// How long a slot may be held before the head of the queue takes it
    /// over: [`PRESUMED_BLOCKED`], except in tests that pin the order.
    takeover: Duration,
    state: Mutex<State>,
}

struct State {
    /// One entry per slot: who holds it and since when; `None` is free.
    slots: Vec<Option<Holder>>,
    /// Threads waiting for a slot, in arrival order.
    queue: VecDeque<Waiter>,
    /// The next ticket number (names a permit).
    next: u64,
}

#[derive(Clone, Copy)]
struct Holder {
    ticket: u64,
    since: Instant,
}

struct Waiter {
    ticket: u64,
    thread: Thread,
}

/// A held run slot; dropping it frees the slot and wakes the next waiter.
pub(crate) struct Permit<'a> {
    gate: &'a Gate,
    ticket: u64,
}

impl Gate {
    /// A gate with `slots` run slots; 0 is no gate at all.
    pub(crate) fn new(slots: usize) -> Gate {
        Gate::with_takeover(slots, PRESUMED_BLOCKED)
    }

    /// A gate whose slots are taken over after `takeover` instead of
    /// [`PRESUMED_BLOCKED`].
    fn with_takeover(slots: usize, takeover: Duration) -> Gate {
        Gate {
            on: slots > 0,
            takeover,
            state: Mutex::new(State {
                slots: vec![None; slots],
                queue: VecDeque::new(),
                next: 0,
            }),
        }
    }

    /// `MCP_RUN_SLOTS` slots; unset or `0`: no gate (the default), every
    /// connection thread runs its handler at once. Off by default because
    /// it has not been shown to shorten the tail, and because handlers that
    /// wait briefly on I/O (a Redis round trip, under [`PRESUMED_BLOCKED`])
    /// keep their slot while they wait (docs/PERFORMANCE.md).
    pub(crate) fn from_env() -> Gate {
        let slots = std::env::var("MCP_RUN_SLOTS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        Gate::new(slots)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding this lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a run slot and returns it. A thread that finds a free slot
    /// takes it at once; the others queue, and the first in the queue is
    /// woken whenever a slot frees. The slot is not handed over while that
    /// thread wakes up: a thread already on a core may take it meanwhile
    /// (a handed-over slot would sit idle for as long as the scheduler takes
    /// to run the woken thread, which on a busy machine is milliseconds).
    pub(crate) fn enter(&self) -> Permit<'_> {
        if !self.on {
            return Permit {
                gate: self,
                ticket: u64::MAX,
            };
        }
        let mut state = self.lock();
        let ticket = state.next;
        state.next += 1;
        let mut queued = false;
        loop {
            let head = state.queue.front().is_some_and(|w| w.ticket == ticket);
            // A thread that has not queued, or the head of the queue, takes a
            // free slot; the head also one held so long that its holder is
            // presumed to be waiting on I/O. A queued thread behind the head
            // never does, so waiters are served in arrival order.
            let now = Instant::now();
            let takeover = self.takeover;
            let free = state.slots.iter_mut().find(|s| match s {
                None => head || !queued,
                Some(h) => head && now.duration_since(h.since) >= takeover,
            });
            if let Some(slot) = free {
                *slot = Some(Holder { ticket, since: now });
                if queued {
                    state.queue.retain(|w| w.ticket != ticket);
                    // Another slot may be free too: the next in line looks.
                    if state.slots.iter().any(Option::is_none)
                        && let Some(next) = state.queue.front()
                    {
                        next.thread.unpark();
                    }
                }
                return Permit { gate: self, ticket };
            }
            if !queued {
                state.queue.push_back(Waiter {
                    ticket,
                    thread: std::thread::current(),
                });
                queued = true;
            }
            drop(state);
            // Woken by `leave`, or after the takeover time to look for a slot
            // whose holder waits on I/O. Spurious wake-ups only loop.
            std::thread::park_timeout(self.takeover);
            state = self.lock();
        }
    }

    /// Frees the slot of `ticket` and wakes the first waiter.
    fn leave(&self, ticket: u64) {
        if !self.on {
            return;
        }
        let mut state = self.lock();
        // Not found: the slot was taken over while this request waited on
        // I/O; there is nothing to give back.
        if let Some(slot) = state
            .slots
            .iter_mut()
            .find(|s| s.is_some_and(|h| h.ticket == ticket))
        {
            *slot = None;
            if let Some(next) = state.queue.front() {
                next.thread.unpark();
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.gate.leave(self.ticket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn at_most_slots_run_at_once_and_all_get_through() {
        let gate = Arc::new(Gate::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _permit = gate.enter();
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::hint::black_box((0..2000).sum::<u64>());
                        running.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // A slot can be taken over only after PRESUMED_BLOCKED; on a loaded
        // machine a preempted holder may reach it, so allow one more.
        assert!(most.load(Ordering::SeqCst) <= 3, "{most:?}");
        assert!(gate.lock().slots.iter().all(Option::is_none));
        assert!(gate.lock().queue.is_empty());
    }

    #[test]
    fn waiters_are_served_in_arrival_order() {
        // No takeover during the test: with the real PRESUMED_BLOCKED, a
        // thread preempted between `enter` and recording its turn (a loaded
        // machine) would have its slot taken over by the next one, which is
        // the takeover working, not the order failing.
        let gate = Arc::new(Gate::with_takeover(1, Duration::from_secs(3600)));
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.enter();
        let mut threads = Vec::new();
        for i in 0..5 {
            let (g, order) = (gate.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _permit = g.enter();
                order.lock().unwrap().push(i);
            }));
            // Wait until this one is in the queue before starting the next.
            while gate.lock().queue.len() < i + 1 {
                std::thread::yield_now();
            }
        }
        drop(first);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_slot_held_too_long_is_taken_over() {
        let gate = Arc::new(Gate::new(1));
        let blocked = gate.enter();
        let started = Instant::now();
        let g = gate.clone();
        std::thread::spawn(move || drop(g.enter())).join().unwrap();
        assert!(started.elapsed() >= PRESUMED_BLOCKED);
        // The blocked holder ends later; it gives back nothing, and the gate
        // is free for the next request.
        drop(blocked);
        assert!(gate.lock().slots.iter().all(Option::is_none));
        drop(gate.enter());
    }

    #[test]
    fn zero_slots_is_no_gate() {
        let gate = Gate::new(0);
        let held: Vec<_> = (0..100).map(|_| gate.enter()).collect();
        assert_eq!(held.len(), 100);
    }
}
