//! **[all](crate::_documentation::flow) mcp-doctor's client — every request
//! the doctor sends, timed and scrubbed.** The doctor plays claude.ai (and its
//! user's browser) against a server it does not know; this module is the one
//! place where those requests leave, through the crate's own
//! [`Outbound`] client (no redirects followed, a deadline on every call).
//!
//! ```text
//!   doctor check ──▶ Probe::call(label, method, url, headers, body)
//!                      │ --via: URLs on the checked host go to another origin
//!                      │ time every request (the timing section of the report)
//!                      ▼
//!                    Outbound::send ──▶ the server under test
//!                      │
//!   Got { status, headers, body, ms }  or  Failed("could not connect (…)")
//! ```
//!
//! Three duties besides sending:
//! * **`--via`.** `mcp-doctor https://svc.example/mcp --via http://127.0.0.1:8080`
//!   checks the URL as clients will see it (behind an HTTPS front end) while
//!   sending the requests to a local container: any URL on the checked host
//!   is rewritten to the `--via` origin just before it is sent.
//! * **Secrets stay secret.** Every password, token, code and client secret
//!   the doctor holds is registered here; [`Probe::scrub`] shortens each of
//!   them (`mcp_at.eyJ…HQ`) in any text that is about to be printed.
//! * **Cookies**, as a browser keeps them between `GET /authorize` and the
//!   form's `POST` (name and value only; the form is on one origin).
//!
//! # Where this sits
//! Used by every check module of [`super`]; sends through
//! [`crate::outbound`], the crate's only HTTP client for other servers.

use std::time::{Duration, Instant};

use crate::crypto::secret::Secret;
use crate::oauth::url::UrlParts;
use crate::outbound::{Outbound, OutboundError, Reply};

/// The User-Agent claude.ai's connector sends on `/mcp` (Anthropic's
/// troubleshooting docs; logs in public issues).
pub const CLAUDE_USER_AGENT: &str = "Claude-User";

/// A URL split the way the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-case host, IPv6 in brackets.
    pub host: String,
    /// The port written in the URL, if any.
    pub explicit_port: Option<u16>,
    /// Path and query (`/` when empty).
    pub rest: String,
}

impl Url {
    /// Parses an absolute `http(s)://` URL (no userinfo).
    pub fn parse(text: &str) -> Option<Url> {
        let parts = UrlParts::parse(text.trim())?;
        Some(Url {
            scheme: parts.scheme,
            host: parts.host,
            explicit_port: parts.port,
            rest: parts.rest,
        })
    }

    /// The port a client connects to.
    pub fn port(&self) -> u16 {
        self.explicit_port
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// `scheme://host[:port]`, the port only when it is not the default.
    pub fn origin(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        match self.explicit_port {
            Some(p) if p != default => format!("{}://{}:{p}", self.scheme, self.host),
            _ => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.rest.split(['?', '#']).next().unwrap_or("/")
    }

    /// The host without IPv6 brackets, for name resolution.
    pub fn bare_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// Whether the host is loopback by name or address: a local test, which
    /// claude.ai could never reach.
    pub fn is_loopback(&self) -> bool {
        let host = self.bare_host();
        host == "localhost"
            || host.ends_with(".localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// An answer, whatever its status, and how long it took.
#[derive(Debug, Clone)]
pub struct Got {
    /// The status code.
    pub status: u16,
    /// Header fields (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Milliseconds from sending to the whole answer.
    pub ms: u64,
}

impl Got {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The media type without parameters, lower case (`application/json`).
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// Whether the body looks like an HTML page (a proxy's, a WAF's or a
    /// framework's error page where JSON was due).
    pub fn is_html(&self) -> bool {
        let start = self.text().trim_start().to_ascii_lowercase();
        self.media_type() == "text/html"
            || start.starts_with("<!doctype")
            || start.starts_with("<html")
    }

    /// The body as JSON, or why not (HTML pages named by their `<title>`).
    pub fn json(&self) -> Result<serde_json::Value, String> {
        if self.is_html() {
            return Err(format!("an HTML page{} where JSON is due", self.title()));
        }
        serde_json::from_slice(&self.body).map_err(|_| {
            format!(
                "not JSON ({}: {})",
                if self.media_type().is_empty() {
                    "no Content-Type"
                } else {
                    "Content-Type"
                },
                if self.media_type().is_empty() {
                    excerpt(&self.text(), 60)
                } else {
                    self.media_type()
                }
            )
        })
    }

    /// ` titled "…"` for an HTML page with a `<title>`, else empty.
    pub fn title(&self) -> String {
        let text = self.text();
        let lower = text.to_ascii_lowercase();
        match (lower.find("<title>"), lower.find("</title>")) {
            (Some(a), Some(b)) if b > a + 7 => {
                format!(" titled {:?}", excerpt(&text[a + 7..b], 60))
            }
            _ => String::new(),
        }
    }
}

/// Text shortened to `max` characters on one line.
pub fn excerpt(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

/// A secret as it may be printed: its first 6 and last 2 characters
/// (`mcp_at.eyJ…HQ` in docs/FLOW.md's captures), or `…` when short.
pub fn shorten(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 16 {
        "…".to_string()
    } else {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[chars.len() - 2..].iter().collect();
        format!("{head}…{tail}")
    }
}

/// `text` with each run of at least 8 characters that begins `secret`
/// replaced by the secret's shortened form.
fn scrub_one(text: &str, secret: &str) -> String {
    const MIN: usize = 8;
    if secret.len() < MIN || !secret.is_char_boundary(MIN) {
        return if secret.is_empty() {
            text.to_string()
        } else {
            text.replace(secret, &shorten(secret))
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&secret[..MIN]) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let same = tail
            .bytes()
            .zip(secret.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        out.push_str(&shorten(secret));
        let mut end = same;
        while !tail.is_char_boundary(end) {
            end -= 1;
        }
        rest = &tail[end.max(1)..];
    }
    out.push_str(rest);
    out
}

/// The doctor's HTTP client: see the module docs.
pub struct Probe {
    http: Outbound,
    quick: Outbound,
    checked: Url,
    via: Option<Url>,
    secrets: Vec<Secret>,
    cookies: Vec<(String, String)>,
    /// Every request so far: (label, milliseconds), for the timing report.
    pub timings: Vec<(String, u64)>,
}

impl Probe {
    /// A client for the server at `checked` (sending to `via` instead, if
    /// given) with `timeout` per request.
    pub fn new(checked: Url, via: Option<Url>, timeout: Duration) -> Probe {
        let ua = concat!("mcp-doctor/", env!("CARGO_PKG_VERSION"));
        Probe {
            http: Outbound::new(ua).timeout(timeout),
            quick: Outbound::new(ua).timeout(Duration::from_secs(2)),
            checked,
            via,
            secrets: Vec::new(),
            cookies: Vec::new(),
            timings: Vec::new(),
        }
    }

    /// Remembers `value` as a secret (never printed in full); returns it wrapped.
    pub fn secret(&mut self, value: &str) -> Secret {
        let s = Secret::new(value);
        if !value.is_empty() {
            self.secrets.push(s.clone());
        }
        s
    }

    /// Remembers a secret given on the command line.
    pub fn remember(&mut self, secret: &Secret) {
        if !secret.expose().is_empty() {
            self.secrets.push(secret.clone());
        }
    }

    /// `text` with every known secret shortened, also where the text holds
    /// only the beginning of one (an excerpt cut in the middle of a token).
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = scrub_one(&out, s.expose());
        }
        out
    }

    /// The value of a secret, for the one place it goes: the request to the
    /// server under test that needs it.
    pub fn reveal<'a>(&self, secret: &'a Secret) -> &'a str {
        secret.expose()
    }

    /// Where a URL is really sent: on the checked host → the `--via` origin.
    pub fn target(&self, url: &str) -> String {
        let (Some(via), Some(parsed)) = (&self.via, Url::parse(url)) else {
            return url.to_string();
        };
        if parsed.host == self.checked.host {
            format!("{}{}", via.origin(), parsed.rest)
        } else {
            url.to_string()
        }
    }

    /// Sends one request; the answer, or why there is none (scrubbed).
    pub fn call(
        &mut self,
        label: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Got, String> {
        self.exchange(label, method, url, headers, body, false)
    }

    /// Like [`Probe::call`], with a 2 s deadline and without reading the
    /// body (the answer may be an endless stream).
    pub fn call_head_only(
        &mut self,
        label: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Got, String> {
        self.exchange(label, method, url, headers, b"", true)
    }

    fn exchange(
        &mut self,
        label: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        head_only: bool,
    ) -> Result<Got, String> {
        let target = self.target(url);
        let start = Instant::now();
        let result = if head_only {
            self.quick.send_head_only(method, &target, headers, body)
        } else {
            self.http.send(method, &target, headers, body)
        };
        let ms = start.elapsed().as_millis() as u64;
        self.timings.push((label.to_string(), ms));
        match result {
            Ok(Reply {
                status,
                headers,
                body,
            }) => Ok(Got {
                status,
                headers,
                body,
                ms,
            }),
            Err(e) => Err(self.scrub(&describe(&e))),
        }
    }

    /// Keeps the `Set-Cookie` values of `got` (name=value only).
    pub fn keep_cookies(&mut self, got: &Got) {
        for line in got.headers_named("set-cookie") {
            let pair = line.split(';').next().unwrap_or("").trim();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.retain(|(n, _)| n != name.trim());
                self.cookies
                    .push((name.trim().to_string(), value.trim().to_string()));
            }
        }
    }

    /// The `Cookie` header a browser would send now, if any.
    pub fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// The names of the cookies kept so far (values are not printed).
    pub fn cookie_names(&self) -> Vec<String> {
        self.cookies.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// An outbound failure in words a person deploying a server acts on.
fn describe(e: &OutboundError) -> String {
    match e {
        OutboundError::Transport(why) => {
            let lower = why.to_ascii_lowercase();
            if ["certificate", "tls", "rustls", "handshake", "alert"]
                .iter()
                .any(|w| lower.contains(w))
            {
                format!(
                    "TLS failed ({why}): the certificate must be valid for this \
                        host and signed by a public CA"
                )
            } else {
                e.to_string()
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_and_name_their_origin() {
        let u = Url::parse("https://Svc.Example:443/mcp?x=1").unwrap();
        assert_eq!(u.origin(), "https://svc.example");
        assert_eq!(u.path(), "/mcp");
        assert_eq!(u.port(), 443);
        let l = Url::parse("http://127.0.0.1:8080/mcp").unwrap();
        assert_eq!(l.origin(), "http://127.0.0.1:8080");
        assert!(l.is_loopback());
        assert!(Url::parse("http://[::1]:9/mcp").unwrap().is_loopback());
        assert!(!Url::parse("https://example.com/mcp").unwrap().is_loopback());
        assert!(Url::parse("ftp://x/y").is_none());
    }

    #[test]
    fn via_rewrites_only_the_checked_host() {
        let p = Probe::new(
            Url::parse("https://svc.example/mcp").unwrap(),
            Url::parse("http://127.0.0.1:9"),
            Duration::from_secs(1),
        );
        assert_eq!(
            p.target("https://svc.example/token"),
            "http://127.0.0.1:9/token"
        );
        assert_eq!(
            p.target("http://svc.example/.well-known/x"),
            "http://127.0.0.1:9/.well-known/x"
        );
        assert_eq!(
            p.target("https://idp.example/authorize"),
            "https://idp.example/authorize"
        );
    }

    #[test]
    fn secrets_are_shortened_wherever_they_appear() {
        let mut p = Probe::new(
            Url::parse("http://localhost/mcp").unwrap(),
            None,
            Duration::from_secs(1),
        );
        p.secret("mcp_at.eyJhbGciOiJIUzI1NiJ9.payload.sigHQ");
        let shown = p.scrub("token mcp_at.eyJhbGciOiJIUzI1NiJ9.payload.sigHQ was refused");
        assert_eq!(shown, "token mcp_at…HQ was refused");
        assert_eq!(shorten("short"), "…");
        // An excerpt cut in the middle of the token is shortened too.
        let cut = p.scrub("token mcp_at.eyJhbGciOiJIUzI1NiJ9.pay… is not valid");
        assert_eq!(cut, "token mcp_at…HQ… is not valid");
    }
}
