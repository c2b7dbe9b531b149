//! **[all](crate::_documentation::flow) Every arrow — reading a request body.**
//! After the head, the body arrives either as exactly `Content-Length` bytes or
//! as `Transfer-Encoding: chunked` chunks; both are read whole into
//! [`super::Request::body`] within the body cap and the body deadline.
//!
//! # Spec
//! * RFC 9112 §6.2: `Content-Length` (already checked against the cap by
//!   [`super::parse`], before a byte of the body is read).
//! * RFC 9112 §7.1: chunked transfer coding, strictly: every line ends with
//!   CRLF and a size has no whitespace around it (`400` otherwise). Chunk
//!   extensions (`;name=value`) and trailer fields are read and ignored, as
//!   §7.1.1 and §7.1.2 allow.
//!   The cap is checked before each chunk is read, so a chunked body stops at
//!   the first chunk that would pass it (`413`).
//!
//! # Memory follows the bytes that came, not the sizes announced
//! A `Content-Length` or a chunk-size line is only a promise. The body grows
//! by at most [`STEP`] per read as bytes arrive, so a client that announces
//! 4 MiB and sends nothing costs nothing (100 such connections once cost
//! 400 MiB).
//!
//! # Where this sits
//! Called by [`super::conn`] after the head (and after `100 Continue` when the
//! client asked for it); reads from the same [`Input`] as the head, so bytes
//! of the next pipelined request stay buffered.

use std::time::Instant;

use super::input::{Filled, Input, is_timeout, left};
use super::limits::Limits;
use super::parse::{Framing, ReadError};

/// The longest chunk-size line (size, extensions) or trailer line accepted.
const MAX_LINE: usize = 4096;

/// The most the body grows by before the bytes to fill it have arrived.
const STEP: usize = 64 * 1024;

/// Reads the body framed by `framing`, all of it before `deadline`, at most
/// `cap` bytes ([`Limits::max_body_bytes_for`] the request's path).
pub(crate) fn read_body(
    input: &mut Input,
    framing: Framing,
    cap: usize,
    limits: &Limits,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    match framing {
        Framing::None => Ok(Vec::new()),
        Framing::Length(n) => {
            let mut body = Vec::new();
            read_more(input, &mut body, n, deadline)?;
            Ok(body)
        }
        Framing::Chunked => read_chunked(input, cap, limits, deadline),
    }
}

/// Appends the next `n` bytes of the body to `body`, growing it by at most
/// [`STEP`] ahead of the bytes read.
fn read_more(
    input: &mut Input,
    body: &mut Vec<u8>,
    n: usize,
    deadline: Instant,
) -> Result<(), ReadError> {
    let end = body.len() + n;
    while body.len() < end {
        let start = body.len();
        body.resize(start + (end - start).min(STEP), 0);
        read_exact(input, &mut body[start..], deadline)?;
    }
    Ok(())
}

/// Fills `out`: first from the buffered bytes, then straight from the socket.
fn read_exact(input: &mut Input, out: &mut [u8], deadline: Instant) -> Result<(), ReadError> {
    let buffered = input.buffered();
    let mut done = buffered.len().min(out.len());
    out[..done].copy_from_slice(&buffered[..done]);
    input.consume(done);
    while done < out.len() {
        match input.read_direct(&mut out[done..], left(deadline)) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(n) => done += n,
            Err(e) if is_timeout(&e) => return Err(ReadError::Reject(408)),
            Err(_) => return Err(ReadError::Closed),
        }
    }
    Ok(())
}

/// Decodes a chunked body (RFC 9112 §7.1):
///
/// ```text
/// chunked-body = *chunk last-chunk trailer-section CRLF
/// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// last-chunk   = 1*("0") [ chunk-ext ] CRLF
/// ```
fn read_chunked(
    input: &mut Input,
    cap: usize,
    limits: &Limits,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let size = read_line(input, deadline, chunk_size)??;
        if size == 0 {
            break;
        }
        if size > cap.saturating_sub(body.len()) {
            return Err(ReadError::Reject(413));
        }
        read_more(input, &mut body, size, deadline)?;
        // The CRLF after the chunk data.
        if !read_line(input, deadline, <[u8]>::is_empty)? {
            return Err(ReadError::Reject(400));
        }
    }
    // Trailer fields until the blank line; we use none of them.
    let mut trailer_bytes = 0;
    loop {
        let len = read_line(input, deadline, <[u8]>::len)?;
        if len == 0 {
            return Ok(body);
        }
        trailer_bytes += len;
        if trailer_bytes > limits.max_head_bytes {
            return Err(ReadError::Reject(431));
        }
    }
}

/// The size of a chunk from its size line (extensions after `;` ignored).
/// Strict, as RFC 9112 §7.1 writes it: hex digits first, no whitespace
/// before them, and after them only the optional whitespace (`BWS`) that
/// may precede a `;` extension. A lenient parser here and a strict proxy
/// in front would read different bodies from the same bytes (smuggling).
pub(crate) fn chunk_size(line: &[u8]) -> Result<usize, ReadError> {
    let digits = match line.iter().position(|&b| b == b';') {
        Some(at) => line[..at].trim_ascii_end(),
        None => line,
    };
    if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(ReadError::Reject(400));
    }
    let text = std::str::from_utf8(digits).map_err(|_| ReadError::Reject(400))?;
    usize::from_str_radix(text, 16).map_err(|_| ReadError::Reject(400))
}

/// Reads one line (without its CRLF) and gives it to `f`. A bare LF is
/// `400`: RFC 9112 §7.1 ends every chunk line with CRLF, and a proxy that
/// splits lines differently would see other chunks than we do.
fn read_line<T>(
    input: &mut Input,
    deadline: Instant,
    f: impl FnOnce(&[u8]) -> T,
) -> Result<T, ReadError> {
    loop {
        let bytes = input.buffered();
        if let Some(at) = bytes.iter().position(|&b| b == b'\n') {
            let Some(line) = bytes[..at].strip_suffix(b"\r") else {
                return Err(ReadError::Reject(400));
            };
            let value = f(line);
            input.consume(at + 1);
            return Ok(value);
        }
        if bytes.len() > MAX_LINE || input.is_full() {
            return Err(ReadError::Reject(400));
        }
        match input.fill(left(deadline)) {
            Filled::Bytes => {}
            Filled::Closed => return Err(ReadError::Closed),
            Filled::TimedOut | Filled::Pending => return Err(ReadError::Reject(408)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"1a"), Ok(26));
        assert_eq!(chunk_size(b"1A;name=value"), Ok(26));
        assert_eq!(chunk_size(b"0"), Ok(0));
        assert_eq!(chunk_size(b""), Err(ReadError::Reject(400)));
        assert_eq!(chunk_size(b"-1"), Err(ReadError::Reject(400)));
        assert_eq!(chunk_size(b"0x10"), Err(ReadError::Reject(400)));
        assert_eq!(
            chunk_size(b"ffffffffffffffffff"),
            Err(ReadError::Reject(400))
        );
        // RFC 9112 §7.1: no whitespace around the size, except the BWS
        // before an extension.
        assert_eq!(chunk_size(b"1a ;name"), Ok(26));
        for bad in [&b" 1a"[..], b"1a ", b"\t1a", b"1a\t", b"1 a", b"1a\r"] {
            assert_eq!(chunk_size(bad), Err(ReadError::Reject(400)), "{bad:?}");
        }
    }
}
