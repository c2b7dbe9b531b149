//! **[20–21, 28–29](crate::_documentation::flow) Upstream calls — the outbound
//! HTTP helper.** Everything this server asks of *another* server goes through
//! here: the tools' calls to upstream APIs (Polymarket's Gamma API, GitHub's
//! REST API) and, in the upstream-IdP branch of the flow, `S → I: code → token`
//! (the exchange of GitHub's code for GitHub's token).
//!
//! ```text
//!   tool handler ──▶ Outbound::get / post_form ──ureq──▶ upstream API
//!        ▲                 │ timeout on every call, no redirects,
//!        │                 │ User-Agent, body capped
//!        └── Reply { status, headers, body }  or  OutboundError
//! ```
//!
//! One small type, [`Outbound`], wraps one `ureq` agent with the settings an
//! upstream call should always have, so that an example cannot forget them:
//!
//! * **A deadline on every call.** `ureq` has no default timeout; a hung
//!   upstream would otherwise hold a thread for ever. The deadline
//!   covers DNS, connect, TLS, sending and the whole response body.
//! * **Status codes are answers, not errors.** `ureq` turns every 4xx/5xx
//!   into an error that drops the body and the headers by default; GitHub
//!   puts what went wrong in both (a 401 body, `x-ratelimit-*` on a 403/429),
//!   so [`Reply`] carries status, headers and body whatever the status.
//! * **No redirects.** A `3xx` comes back as it is. An API that moves is worth
//!   knowing about, and a bearer token is never carried to a host the caller
//!   did not name.
//! * **A User-Agent** (GitHub rejects requests without one) and a **cap on
//!   the body** (an upstream cannot make us buffer more than
//!   [`DEFAULT_MAX_BODY_BYTES`]).
//!
//! # Spec
//! * RFC 9110 §15 (status codes are part of the answer), §10.1.5 (`User-Agent`).
//! * WHATWG URL, *application/x-www-form-urlencoded* (query strings and the
//!   form body of [`Outbound::post_form`], encoded by `ureq`).
//!
//! # Where this sits
//! Used by tool handlers in `examples/`, by the upstream-IdP provider, and
//! by `mcp-doctor` ([`crate::doctor::probe`]), which needs any method and
//! every header ([`Outbound::send`], [`Outbound::send_head_only`]).
//! Together with the CIMD fetcher (`ext::cimd`, a separately fenced client
//! for URLs chosen by strangers), this is the only code that uses `ureq`: an
//! architecture invariant, so that every outbound request in the crate can be
//! found by looking at two files.
//!
//! # Not implemented (on purpose)
//! * Retries: whether a call may be repeated is the caller's decision (a
//!   token exchange must not be; a GET may be). Errors say what happened, so
//!   the model or the user can try again.
//! * Response decompression (`gzip`): JSON APIs answer small bodies, and one
//!   feature less keeps the dependency tree small.
//! * Proxies other than `ureq`'s default (`HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY`
//!   from the environment, honoured as `ureq` does).

use std::fmt;
use std::time::Duration;

/// The deadline of one call unless [`Outbound::timeout`] says otherwise:
/// GitHub gives up on its side after 10 s, and claude.ai gives a whole tool
/// call 300 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response body read unless [`Outbound::max_body_bytes`] says
/// otherwise (2 MiB: a page of 100 GitHub repositories is about 600 KiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 2 * 1024 * 1024;

/// Connection setup (DNS, TCP, TLS) gets at most this much of the deadline, so
/// that an unreachable host fails fast even when the deadline is long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An HTTP client for upstream APIs: one `ureq` agent (connections are
/// pooled and reused) with a deadline, a User-Agent and a body cap. Cheap to
/// clone; share one per upstream.
///
/// ```no_run
/// use remote_mcp::outbound::Outbound;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let http = Outbound::new("my-remote-mcp/0.1");
/// let reply = http.get(
///     "https://gamma-api.polymarket.com/markets",
///     &[("limit", "5"), ("closed", "false")],
///     &[("Accept", "application/json")],
/// )?;
/// if reply.status == 200 {
///     let markets = reply.json()?;
///     println!("{} markets", markets.as_array().map_or(0, Vec::len));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Outbound {
    agent: ureq::Agent,
    user_agent: String,
    timeout: Duration,
    max_body_bytes: u64,
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Outbound {
    /// A client that sends `User-Agent: {user_agent}`, with
    /// [`DEFAULT_TIMEOUT`] and [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new(user_agent: &str) -> Outbound {
        Outbound {
            agent: agent(user_agent, DEFAULT_TIMEOUT),
            user_agent: user_agent.to_string(),
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Replaces the deadline of every call (builder style).
    pub fn timeout(mut self, timeout: Duration) -> Outbound {
        self.agent = agent(&self.user_agent, timeout);
        self.timeout = timeout;
        self
    }

    /// Replaces the body cap (builder style).
    pub fn max_body_bytes(mut self, max: u64) -> Outbound {
        self.max_body_bytes = max;
        self
    }

    /// The deadline of every call.
    pub fn deadline(&self) -> Duration {
        self.timeout
    }

    /// `GET url?query` with these extra headers. `query` pairs are
    /// percent-encoded and appended to any query `url` already has.
    pub fn get(
        &self,
        url: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<Reply, OutboundError> {
        let mut request = self.agent.get(url).query_pairs(query.iter().copied());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request.call())
    }

    /// `POST url` with an `application/x-www-form-urlencoded` body made of
    /// `form`, and these extra headers (e.g. an OAuth token request).
    pub fn post_form(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Result<Reply, OutboundError> {
        let mut request = self.agent.post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request.send_form(form.iter().copied()))
    }

    /// `METHOD url` with these headers and `body` sent as it is (set
    /// `Content-Type` in `headers`; an empty body is sent as none). For
    /// clients that must choose every byte, such as `mcp-doctor` playing
    /// claude.ai (`crate::doctor`).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, OutboundError> {
        let request = build(method, url, headers, body)?;
        self.finish(self.agent.run(request))
    }

    /// Like [`Outbound::send`], but returns as soon as the status and the
    /// headers have arrived, without reading the body ([`Reply::body`] is
    /// empty): for an answer that may be a stream that never ends (`GET /mcp`
    /// answered with `text/event-stream`). The connection is closed.
    pub fn send_head_only(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, OutboundError> {
        let request = build(method, url, headers, body)?;
        let response = self.agent.run(request).map_err(|e| self.error(e))?;
        Ok(Reply {
            status: response.status().as_u16(),
            headers: header_pairs(&response),
            body: Vec::new(),
        })
    }

    /// Reads the answer (within the cap) or names the failure.
    fn finish(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Reply, OutboundError> {
        let mut response = result.map_err(|e| self.error(e))?;
        let status = response.status().as_u16();
        let headers = header_pairs(&response);
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_body_bytes)
            .read_to_vec()
            .map_err(|e| self.error(e))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn error(&self, e: ureq::Error) -> OutboundError {
        match e {
            ureq::Error::Timeout(_) => OutboundError::Timeout(self.timeout),
            ureq::Error::BodyExceedsLimit(limit) => OutboundError::TooLarge(limit),
            ureq::Error::HostNotFound => OutboundError::Unreachable("host not found".into()),
            ureq::Error::ConnectionFailed => {
                OutboundError::Unreachable("connection refused or failed".into())
            }
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    OutboundError::Timeout(self.timeout)
                }
                std::io::ErrorKind::ConnectionRefused => {
                    OutboundError::Unreachable("connection refused".into())
                }
                _ => OutboundError::Transport(io.to_string()),
            },
            ureq::Error::BadUri(uri) => OutboundError::BadUrl(uri),
            ureq::Error::Http(e) => OutboundError::BadUrl(e.to_string()),
            other => OutboundError::Transport(other.to_string()),
        }
    }
}

/// An `http::Request` for [`Outbound::send`]: any method, headers as given.
fn build<'a>(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &'a [u8],
) -> Result<ureq::http::Request<&'a [u8]>, OutboundError> {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(body)
        .map_err(|e| OutboundError::BadUrl(e.to_string()))
}

/// Every header of `response` as (lower-case name, value).
fn header_pairs<B>(response: &ureq::http::Response<B>) -> Vec<(String, String)> {
    response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The agent behind an [`Outbound`]: see the module docs for why each setting.
fn agent(user_agent: &str, timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .timeout_connect(Some(timeout.min(CONNECT_TIMEOUT)))
        .user_agent(user_agent)
        .build();
    ureq::Agent::new_with_config(config)
}

/// An upstream's answer, whatever its status: status, headers and body.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code, e.g. `200`, `401`, `503`.
    pub status: u16,
    /// Header fields as received (names in lower case, as `ureq` gives them).
    pub headers: Vec<(String, String)>,
    /// The body (at most the client's cap).
    pub body: Vec<u8>,
}

impl fmt::Debug for Reply {
    /// Shows status and header names only: an upstream body may hold a token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, or [`OutboundError::NotJson`].
    pub fn json(&self) -> Result<serde_json::Value, OutboundError> {
        serde_json::from_slice(&self.body).map_err(|e| OutboundError::NotJson(e.to_string()))
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why an upstream call produced no answer to look at. A status code is never
/// one of these: it comes back in [`Reply::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// No complete answer within the deadline (connect, send, or receive).
    Timeout(Duration),
    /// The host could not be resolved or reached.
    Unreachable(String),
    /// The body is larger than the cap (bytes).
    TooLarge(u64),
    /// The URL could not be used (not absolute, bad characters).
    BadUrl(String),
    /// The connection failed mid-way (reset, TLS error, broken HTTP).
    Transport(String),
    /// The body is not JSON (from [`Reply::json`]).
    NotJson(String),
}

impl fmt::Display for OutboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboundError::Timeout(d) => write!(f, "no answer within {} s", d.as_secs_f64()),
            OutboundError::Unreachable(why) => write!(f, "could not connect ({why})"),
            OutboundError::TooLarge(cap) => write!(f, "the answer is larger than {cap} bytes"),
            OutboundError::BadUrl(why) => write!(f, "bad URL ({why})"),
            OutboundError::Transport(why) => write!(f, "the connection failed ({why})"),
            OutboundError::NotJson(why) => write!(f, "the answer is not JSON ({why})"),
        }
    }
}

impl std::error::Error for OutboundError {}

/// The `rel="next"` URL of an RFC 8288 `Link` header, as GitHub sends for
/// pagination: `<https://api.github.com/user/repos?page=2>; rel="next", <…>; rel="last"`.
pub fn link_next(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim();
                // rel may list several relation types: rel="next last"
                p.strip_prefix("rel=")
                    .map(|v| v.trim_matches('"').split(' ').any(|r| r == "next"))
                    .unwrap_or(false)
            })
            .then_some(target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_next_finds_the_next_page_among_others() {
        // GitHub's documented example (using-pagination-in-the-rest-api).
        let link = "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", \
                    <https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", \
                    <https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", \
                    <https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"";
        assert_eq!(
            link_next(link),
            Some("https://api.github.com/repositories/1300192/issues?page=4")
        );
    }

    #[test]
    fn link_next_is_none_on_the_last_page_and_on_garbage() {
        assert_eq!(
            link_next("<https://x/?page=1>; rel=\"first\", <https://x/?page=2>; rel=\"prev\""),
            None
        );
        assert_eq!(link_next(""), None);
        assert_eq!(link_next("rel=\"next\""), None);
        assert_eq!(link_next("<https://x/?page=2> rel=\"next\""), None);
    }

    #[test]
    fn link_next_accepts_several_relation_types() {
        assert_eq!(
            link_next("<https://x/2>; rel=\"next last\""),
            Some("https://x/2")
        );
    }

    #[test]
    fn reply_debug_hides_the_body() {
        let reply = Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{\"access_token\":\"gho_secret\"}".to_vec(),
        };
        let shown = format!("{reply:?}");
        assert!(!shown.contains("gho_secret"), "{shown}");
        assert!(shown.contains("content-type"), "{shown}");
    }
}
