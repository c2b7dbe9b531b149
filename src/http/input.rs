//! **[all](crate::_documentation::flow) Every arrow — the socket of one
//! connection, read and written.** [`Input`] holds the bytes read ahead of
//! what has been parsed, and every read goes through it with a deadline;
//! [`Output`] is where answers are written.
//!
//! ```text
//!   between requests: non-blocking ── try_fill ─▶ bytes │ Pending (back to the loop)
//!   inside a request: a read or a write that would wait ─▶ blocking, with a timeout
//! ```
//!
//! # Why two modes
//! Between two requests a connection waits in its event loop
//! ([`super::pool`]), so its socket is non-blocking: the loop asks "anything?"
//! and never waits on one client. Once a request has begun, the code that
//! reads the rest and writes the answer is ordinary blocking code: if a byte
//! it needs has not come, the socket is switched to blocking and the read
//! waits with a timeout (`SO_RCVTIMEO`), as in any thread-per-connection
//! server; the event loop meanwhile gets another thread. An ordinary request
//! arrives whole and its answer fits in the socket's buffer, so it never
//! switches.
//!
//! # Where this sits
//! Created by [`super::conn`] for each connection; read by [`super::parse`]
//! (the head) and [`super::body`] (the body).

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What one `read` from the socket produced.
pub(crate) enum Filled {
    /// Some bytes were added to the buffer.
    Bytes,
    /// The client closed its side (or the socket failed).
    Closed,
    /// The time allowed ran out first.
    TimedOut,
    /// Nothing to read now ([`Input::try_fill`] only): the connection waits
    /// in its event loop for the next bytes, without a thread.
    Pending,
}

/// The read side of a connection: the socket and the bytes read ahead of
/// what has been parsed. Bytes that follow one request (pipelining) stay in
/// the buffer for the next.
pub(crate) struct Input {
    stream: TcpStream,
    buf: Box<[u8]>,
    /// `buf[start..end]` is read but not yet used.
    start: usize,
    end: usize,
    /// The read timeout currently set on the socket, to skip a system call
    /// when the next read wants the same one (the common keep-alive case).
    timeout: Option<Duration>,
    /// Whether the socket is in non-blocking mode. Between requests it is,
    /// so that the event loop can ask it "anything?" without waiting; in the
    /// middle of a request that has to wait for more bytes (or for a slow
    /// reader of the answer) it is switched to blocking, with a timeout, and
    /// back before the connection returns to its loop ([`Input::try_fill`]).
    nonblocking: Cell<bool>,
    /// Whether the last read returned less than it had room for: then the
    /// kernel had nothing more at that moment, and anything that comes later
    /// makes the socket readable again in `epoll` (edge-triggered).
    drained: bool,
}

impl Input {
    /// Reads from `stream` with a buffer of `capacity` bytes.
    pub(crate) fn new(stream: TcpStream, capacity: usize) -> Input {
        Input {
            stream,
            buf: vec![0; capacity].into_boxed_slice(),
            start: 0,
            end: 0,
            timeout: None,
            nonblocking: Cell::new(false),
            drained: false,
        }
    }

    /// The socket, for shutting down or for the event loop to watch.
    pub(crate) fn socket(&self) -> &TcpStream {
        &self.stream
    }

    /// Where answers are written: the socket, switched to blocking (with the
    /// write timeout) the first time a write would have to wait.
    pub(crate) fn writer(&self) -> Output<'_> {
        Output { input: self }
    }

    /// Whether the last read left nothing behind in the kernel (see `drained`).
    pub(crate) fn drained(&self) -> bool {
        self.drained
    }

    /// Reads what has arrived, without waiting: [`Filled::Pending`] when
    /// nothing has. Puts the socket back in non-blocking mode first.
    pub(crate) fn try_fill(&mut self) -> Filled {
        if self.unblock().is_err() {
            return Filled::Closed;
        }
        match self.fill(Duration::MAX) {
            Filled::TimedOut => Filled::Pending,
            other => other,
        }
    }

    /// Switches the socket to non-blocking mode.
    pub(crate) fn unblock(&self) -> io::Result<()> {
        if !self.nonblocking.get() {
            self.stream.set_nonblocking(true)?;
            self.nonblocking.set(true);
        }
        Ok(())
    }

    /// Switches the socket to blocking mode (for reads with a timeout, or a
    /// write that has to wait).
    fn block(&self) -> io::Result<()> {
        if self.nonblocking.get() {
            self.stream.set_nonblocking(false)?;
            self.nonblocking.set(false);
        }
        Ok(())
    }

    /// The bytes read and not yet used.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks `n` buffered bytes as used.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Whether the buffer has no room left after its unused bytes.
    pub(crate) fn is_full(&self) -> bool {
        self.end - self.start == self.buf.len()
    }

    /// Reads once more into the buffer, waiting at most `within`.
    pub(crate) fn fill(&mut self, within: Duration) -> Filled {
        if self.end == self.buf.len() {
            if self.start == 0 {
                // Full: the callers' caps stop before this happens.
                return Filled::Closed;
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let end = self.end;
        match self.read_within(within, |stream, buf| stream.read(&mut buf[end..])) {
            Ok(0) => Filled::Closed,
            Ok(n) => {
                self.drained = end + n < self.buf.len();
                self.end += n;
                Filled::Bytes
            }
            Err(e) if is_timeout(&e) => Filled::TimedOut,
            Err(_) => Filled::Closed,
        }
    }

    /// Reads into `out` straight from the socket (after the buffered bytes are
    /// used up), waiting at most `within`. `Ok(0)` is end of stream.
    pub(crate) fn read_direct(&mut self, out: &mut [u8], within: Duration) -> io::Result<usize> {
        // Whether the kernel has more after this read is not known: the
        // connection asks once more before it goes back to its loop.
        self.drained = false;
        self.read_within(within, |stream, _| stream.read(out))
    }

    fn read_within(
        &mut self,
        within: Duration,
        mut read: impl FnMut(&mut TcpStream, &mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        if within.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        if self.nonblocking.get() {
            // Whatever has arrived, at once (all of a request, usually).
            loop {
                match read(&mut self.stream, &mut self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    other => return other,
                }
            }
            if within == Duration::MAX {
                // `try_fill`: the caller waits in its event loop instead.
                return Err(io::ErrorKind::WouldBlock.into());
            }
            // The rest of a request is slow to come: wait for it here.
            self.block()?;
        }
        // A zero timeout means "none" to the OS; round tiny ones up.
        let within = within.max(Duration::from_millis(1));
        if self.timeout != Some(within) {
            self.stream.set_read_timeout(Some(within))?;
            self.timeout = Some(within);
        }
        loop {
            match read(&mut self.stream, &mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// The write side of a connection ([`Input::writer`]): writes go out without
/// waiting while the socket's buffer has room (every ordinary answer); the
/// first write that would wait switches the socket to blocking, so a slow
/// reader or a long stream is written with the write timeout, as by any
/// blocking server, and its loop goes on without this thread meanwhile.
pub(crate) struct Output<'a> {
    input: &'a Input,
}

impl Write for Output<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match (&self.input.stream).write(bytes) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && self.input.nonblocking.get() => {
                self.input.block()?;
                (&self.input.stream).write(bytes)
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether a read error is the read timeout firing (`EAGAIN` on Linux).
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The time left until `deadline` (zero once it has passed).
pub(crate) fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}
