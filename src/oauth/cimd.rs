//! **[9–11](crate::_documentation::flow) Registration step, second way — Client
//! ID Metadata Documents (outbound).** A client may skip registration and use
//! an https URL as its `client_id`; the document at that URL *is* its
//! registration. claude.ai does this with
//! `https://claude.ai/oauth/mcp-oauth-client-metadata` when the AS metadata
//! says `client_id_metadata_document_supported: true` and lists `none`.
//!
//! ```text
//!   C → S  GET /authorize?client_id=https://claude.ai/oauth/mcp-oauth-client-metadata&…
//!          S: check_client_id_url → cache? → fetch (ureq, guarded) → parse_document
//!          S: fetch failed and the URL is pinned → use the pinned copy
//!          S: cache the outcome: a document for its max-age, a failure for 60 s
//!          S: at most 10 fetches per host per minute; details of a failure
//!             go to the server log, the client sees only that it failed
//! ```
//!
//! This module is one of the two places in the crate that make outbound
//! HTTP requests (the other, [`crate::outbound`], calls upstream APIs chosen by the
//! operator), and the one that is an SSRF surface (the URL comes from anyone), so the fetch
//! is fenced in: https only, no redirects, no proxy, a 5 s deadline, a 16 KiB
//! body cap, and a resolver ([`PublicOnlyResolver`]) that refuses the whole
//! request if *any* address of the host is loopback, private, link-local,
//! CGNAT, multicast or otherwise not global — checked on the addresses ureq
//! then connects to, so DNS rebinding between check and connect is not possible.
//!
//! # Spec
//! * draft-ietf-oauth-client-id-metadata-document (the URL rules, `client_id`
//!   must equal the URL, public clients only).
//! * MCP 2025-11-25 *Client ID Metadata Documents* and *Authorization Server
//!   Abuse Protection*; MCP Security Best Practices, *SSRF*.
//!
//! # Where this sits
//! Called by [`super::client::lookup`] for https `client_id`s. What it returns
//! becomes a [`super::client::Client`] of kind `MetadataDocument`.
//!
//! # Not implemented
//! * `private_key_jwt` and `jwks`: documents asking for them are refused.
//! * Honouring `Expires`/`ETag`: only `Cache-Control: max-age`, clamped to
//!   1 min … 1 h.
//! * Single-flight: concurrent first requests for one URL each fetch it
//!   (each holds a pool thread for at most the 5 s deadline).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::client::OPERATOR_REDIRECT_URIS;
use super::store::now;
use super::url::{UrlParts, check_redirect_uri};

/// Largest document accepted (bytes).
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024;
/// Outcomes (documents and failures) cached at most this many.
const MAX_CACHED: usize = 256;
/// Fetches per host per minute at most (cache misses only): unique URLs on
/// one host must not make us hammer it for a stranger.
pub const FETCHES_PER_HOST_PER_MINUTE: u32 = 10;
/// Hosts whose fetch count is remembered at most (older minutes are dropped
/// first).
const MAX_COUNTED_HOSTS: usize = 4096;
/// A failed fetch is remembered this long, so that repeating an
/// unauthenticated `/authorize?client_id=https://slow.example/…` does not make
/// the server fetch again on every request (MCP *Authorization Server Abuse
/// Protection*).
pub const FAILURE_TTL_SECS: u64 = 60;

/// A client metadata document, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDocument {
    /// Equals the URL it was fetched from.
    pub client_id: String,
    /// `client_name`, if present.
    pub client_name: Option<String>,
    /// The redirect URIs it lists (each https or loopback).
    pub redirect_uris: Vec<String>,
    /// The grant types we understand among those it lists (unknown ones, such
    /// as claude.ai's `urn:ietf:params:oauth:grant-type:jwt-bearer`, are dropped).
    pub grant_types: Vec<String>,
}

/// Why an https `client_id` was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CimdError {
    /// The URL breaks the draft's rules (not https, no path, fragment, userinfo,
    /// dot segments, …).
    BadUrl(&'static str),
    /// The host is (or resolves to) an address we must not fetch from.
    Forbidden(String),
    /// The fetch failed (network, status, size, timeout).
    Fetch(String),
    /// The document is not acceptable.
    BadDocument(&'static str),
}

impl std::fmt::Display for CimdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CimdError::BadUrl(why) => write!(f, "client_id URL not allowed: {why}"),
            CimdError::Forbidden(why) => write!(f, "client_id host refused: {why}"),
            CimdError::Fetch(why) => {
                write!(f, "could not fetch the client metadata document: {why}")
            }
            CimdError::BadDocument(why) => write!(f, "client metadata document invalid: {why}"),
        }
    }
}

/// What a fetch brought back.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body (at most [`MAX_DOCUMENT_BYTES`]).
    pub body: Vec<u8>,
    /// `Cache-Control: max-age`, if given.
    pub max_age: Option<u64>,
}

/// The function that fetches a checked URL. The real one is
/// [`fetch_with_ureq`]; tests substitute one that never leaves the process.
pub type Fetcher = dyn Fn(&str) -> Result<Fetched, CimdError> + Send + Sync;

/// Validated documents and recent failures by URL, and the fetcher.
pub struct Cimd {
    cache: Mutex<Cache>,
    fetch: Box<Fetcher>,
    per_host: u32,
}

/// What resolving one URL gave, until when, and when it was stored.
struct Cached {
    outcome: Result<ClientDocument, CimdError>,
    expires: u64,
    /// Insertion order: the lowest is the oldest entry.
    stored: u64,
}

/// At most [`MAX_CACHED`] outcomes. When full: expired entries go first, then
/// the oldest, but never a pinned URL's (claude.ai must keep working while
/// someone sprays unique `client_id`s).
#[derive(Default)]
struct Cache {
    entries: HashMap<String, Cached>,
    stored: u64,
    /// Fetches by host in the current minute: `(minute, count)`.
    fetches: HashMap<String, (u64, u32)>,
}

impl Cache {
    /// Counts a fetch from `host`; `false` once the host had its share this
    /// minute.
    fn may_fetch(&mut self, host: &str, now: u64, limit: u32) -> bool {
        let minute = now / 60;
        if self.fetches.len() >= MAX_COUNTED_HOSTS && !self.fetches.contains_key(host) {
            self.fetches.retain(|_, (m, _)| *m == minute);
            if self.fetches.len() >= MAX_COUNTED_HOSTS {
                return false;
            }
        }
        let entry = self.fetches.entry(host.to_string()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }

    fn get(&self, url: &str, now: u64) -> Option<Result<ClientDocument, CimdError>> {
        self.entries
            .get(url)
            .filter(|c| c.expires > now)
            .map(|c| c.outcome.clone())
    }

    fn insert(
        &mut self,
        url: &str,
        outcome: Result<ClientDocument, CimdError>,
        expires: u64,
        now: u64,
    ) {
        if self.entries.len() >= MAX_CACHED && !self.entries.contains_key(url) {
            self.entries.retain(|_, c| c.expires > now);
            if self.entries.len() >= MAX_CACHED {
                let oldest = self
                    .entries
                    .iter()
                    .filter(|(url, _)| pinned(url).is_none())
                    .min_by_key(|(_, c)| c.stored)
                    .map(|(url, _)| url.clone());
                if let Some(oldest) = oldest {
                    self.entries.remove(&oldest);
                }
            }
        }
        self.stored += 1;
        let stored = self.stored;
        self.entries.insert(
            url.to_string(),
            Cached {
                outcome,
                expires,
                stored,
            },
        );
    }
}

impl std::fmt::Debug for Cimd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cimd").finish_non_exhaustive()
    }
}

impl Default for Cimd {
    fn default() -> Cimd {
        Cimd::with_fetcher(fetch_with_ureq)
    }
}

impl Cimd {
    /// Resolution with another fetcher (tests: no network).
    pub fn with_fetcher(
        fetch: impl Fn(&str) -> Result<Fetched, CimdError> + Send + Sync + 'static,
    ) -> Cimd {
        Cimd {
            cache: Mutex::new(Cache::default()),
            fetch: Box::new(fetch),
            per_host: FETCHES_PER_HOST_PER_MINUTE,
        }
    }

    /// The validated document for `client_id`: from the cache, else fetched,
    /// else — if the fetch fails and the URL is pinned — the pinned copy. A
    /// failure is cached too, for [`FAILURE_TTL_SECS`].
    pub fn resolve(&self, client_id: &str) -> Result<ClientDocument, CimdError> {
        check_client_id_url(client_id)?;
        let now = now();
        let lock = || self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(outcome) = lock().get(client_id, now) {
            return outcome;
        }
        let host = UrlParts::parse(client_id)
            .map(|p| p.host.to_ascii_lowercase())
            .unwrap_or_default();
        if pinned(client_id).is_none() && !lock().may_fetch(&host, now, self.per_host) {
            // Not cached: the next minute may fetch it.
            crate::log::event(
                "WARNING",
                &format!("client metadata: too many fetches from {host} this minute"),
            );
            return Err(CimdError::Fetch("too many fetches from this host".into()));
        }
        // Never hold the lock across the network.
        let (outcome, ttl) = match (self.fetch)(client_id)
            .and_then(|f| Ok((parse_document(client_id, &f.body)?, f.max_age)))
        {
            Ok((doc, max_age)) => (Ok(doc), max_age.unwrap_or(600).clamp(60, 3600)),
            Err(e) => match pinned(client_id) {
                Some(doc) => {
                    crate::log::event(
                        "WARNING",
                        &format!("{e}; using the pinned document for {client_id}"),
                    );
                    (Ok(doc), 600)
                }
                None => {
                    // The details stay here: shown to the client, they would
                    // tell a stranger what our network can reach.
                    crate::log::event("WARNING", &format!("{e} (client_id {client_id})"));
                    (Err(e), FAILURE_TTL_SECS)
                }
            },
        };
        lock().insert(client_id, outcome.clone(), now + ttl, now);
        outcome
    }
}

/// The draft's rules for a `client_id` URL, plus our SSRF rule for literal IP
/// hosts (a host *name* is checked when it is resolved, by [`PublicOnlyResolver`]).
pub fn check_client_id_url(url: &str) -> Result<(), CimdError> {
    if !url.starts_with("https://") {
        return Err(CimdError::BadUrl("must use https"));
    }
    if url.len() > 2048 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(CimdError::BadUrl("too long or contains whitespace"));
    }
    if url.contains('#') {
        return Err(CimdError::BadUrl("must not contain a fragment"));
    }
    let parts =
        UrlParts::parse(url).ok_or(CimdError::BadUrl("not an absolute URL without userinfo"))?;
    let path = parts.rest.split('?').next().unwrap_or("");
    if path == "/" || path.is_empty() {
        return Err(CimdError::BadUrl("must have a path"));
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(CimdError::BadUrl("must not contain . or .. segments"));
    }
    if parts.host == "localhost" || parts.host.ends_with(".localhost") {
        return Err(CimdError::Forbidden("localhost".into()));
    }
    let literal = parts.host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>()
        && !is_public(ip)
    {
        return Err(CimdError::Forbidden(format!(
            "{ip} is not a public address"
        )));
    }
    Ok(())
}

/// Validates fetched bytes as the document for `url` (a pure function).
pub fn parse_document(url: &str, bytes: &[u8]) -> Result<ClientDocument, CimdError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|_| CimdError::BadDocument("not JSON"))?;
    let obj = doc
        .as_object()
        .ok_or(CimdError::BadDocument("not a JSON object"))?;
    if obj.get("client_id").and_then(Value::as_str) != Some(url) {
        return Err(CimdError::BadDocument(
            "client_id differs from the document's URL",
        ));
    }
    if obj.contains_key("client_secret") || obj.contains_key("client_secret_expires_at") {
        return Err(CimdError::BadDocument(
            "a metadata document client must not have a secret",
        ));
    }
    match obj.get("token_endpoint_auth_method").map(|m| m.as_str()) {
        None | Some(Some("none")) => {}
        _ => {
            return Err(CimdError::BadDocument(
                "token_endpoint_auth_method must be none",
            ));
        }
    }
    let redirect_uris: Vec<String> = obj
        .get("redirect_uris")
        .and_then(Value::as_array)
        .ok_or(CimdError::BadDocument("redirect_uris missing"))?
        .iter()
        .map(|u| {
            u.as_str()
                .map(str::to_string)
                .ok_or(CimdError::BadDocument("redirect_uris must be strings"))
        })
        .collect::<Result<_, _>>()?;
    if redirect_uris.is_empty() {
        return Err(CimdError::BadDocument("redirect_uris is empty"));
    }
    if redirect_uris.iter().any(|u| check_redirect_uri(u).is_err()) {
        return Err(CimdError::BadDocument(
            "a redirect_uri is not https or loopback",
        ));
    }
    // RFC 7591 §2: grant_types defaults to authorization_code. Unknown grant
    // types are ignored rather than fatal (claude.ai lists jwt-bearer).
    let grant_types: Vec<String> = match obj.get("grant_types").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .filter(|g| *g == "authorization_code" || *g == "refresh_token")
            .map(str::to_string)
            .collect(),
        None => vec!["authorization_code".to_string()],
    };
    if !grant_types.iter().any(|g| g == "authorization_code") {
        return Err(CimdError::BadDocument(
            "grant_types lacks authorization_code",
        ));
    }
    let client_name = obj
        .get("client_name")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect());
    Ok(ClientDocument {
        client_id: url.to_string(),
        client_name,
        redirect_uris,
        grant_types,
    })
}

/// claude.ai's document, as served in September 2026.
pub const CLAUDE_AI_CLIENT_ID: &str = "https://claude.ai/oauth/mcp-oauth-client-metadata";
/// Claude Code's document (loopback redirects, any port).
pub const CLAUDE_CODE_CLIENT_ID: &str = "https://claude.ai/oauth/claude-code-client-metadata";

/// Known documents used when the fetch fails: claude.ai's URL has been seen
/// answering datacenter fetchers with a bot challenge.
pub fn pinned(url: &str) -> Option<ClientDocument> {
    let grants = vec![
        "authorization_code".to_string(),
        "refresh_token".to_string(),
    ];
    match url {
        // Both of claude.ai's callbacks: users have been sent back to the
        // claude.com one too (the same list as the operator's client).
        CLAUDE_AI_CLIENT_ID => Some(ClientDocument {
            client_id: url.to_string(),
            client_name: Some("Claude".to_string()),
            redirect_uris: OPERATOR_REDIRECT_URIS.map(str::to_string).to_vec(),
            grant_types: grants,
        }),
        CLAUDE_CODE_CLIENT_ID => Some(ClientDocument {
            client_id: url.to_string(),
            client_name: Some("Claude Code".to_string()),
            redirect_uris: vec![
                "http://localhost/callback".to_string(),
                "http://127.0.0.1/callback".to_string(),
            ],
            grant_types: grants,
        }),
        _ => None,
    }
}

/// Whether `ip` is a global unicast address we may connect to. Refuses
/// loopback, private (RFC 1918, ULA), link-local, CGNAT (RFC 6598),
/// documentation, benchmarking, multicast, reserved and unspecified addresses,
/// and IPv6 forms that embed such an IPv4 address (mapped, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        return is_public_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded_v4(s[1], s[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20 (RFC 9637)
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments 2001::/23: Teredo, benchmarking, ORCHID
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 64:ff9b:1::/48 (RFC 8215)
        || s[0..4] == [0x100, 0, 0, 0] // discard-only 100::/64 (RFC 6666)
        || s[0] == 0x5f00 // SRv6 SIDs 5f00::/16 (RFC 9602)
        || (s[0..4] == [0; 4] && s[4] == 0xffff && s[5] == 0) // IPv4-translated ::ffff:0:0:0/96
        || s[0..6] == [0; 6]) // IPv4-compatible and other ::/96 forms
}

/// A ureq resolver that resolves like the default one, then refuses the
/// request unless every address is public ([`is_public`]).
#[derive(Debug, Default)]
pub struct PublicOnlyResolver {
    inner: ureq::unversioned::resolver::DefaultResolver,
}

impl ureq::unversioned::resolver::Resolver for PublicOnlyResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if addrs.iter().any(|a: &SocketAddr| !is_public(a.ip())) {
            return Err(ureq::Error::BadUri(format!(
                "{} resolves to a non-public address",
                uri.host().unwrap_or("?")
            )));
        }
        Ok(addrs)
    }
}

/// The real fetch: ureq with every guard described in the module docs.
pub fn fetch_with_ureq(url: &str) -> Result<Fetched, CimdError> {
    let config = ureq::Agent::config_builder()
        .https_only(true)
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .user_agent("remote-mcp (OAuth client metadata fetch)")
        .build();
    let agent = ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        PublicOnlyResolver::default(),
    );
    let mut response = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .map_err(|e| CimdError::Fetch(e.to_string()))?;
    if response.status() != 200 {
        return Err(CimdError::Fetch(format!(
            "status {}",
            response.status().as_u16()
        )));
    }
    let max_age = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|d| d.trim().strip_prefix("max-age=")?.parse::<u64>().ok())
        });
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_DOCUMENT_BYTES)
        .read_to_vec()
        .map_err(|e| CimdError::Fetch(e.to_string()))?;
    Ok(Fetched { body, max_age })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// claude.ai's document as served in September 2026 (jwt-bearer included).
    const CLAUDE_DOC: &str = r#"{"client_id":"https://claude.ai/oauth/mcp-oauth-client-metadata","client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"grant_types":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:jwt-bearer"],"response_types":["code"],"token_endpoint_auth_method":"none"}"#;

    #[test]
    fn claude_ai_document_is_accepted_and_jwt_bearer_ignored() {
        let doc = parse_document(CLAUDE_AI_CLIENT_ID, CLAUDE_DOC.as_bytes()).unwrap();
        let pinned = pinned(CLAUDE_AI_CLIENT_ID).unwrap();
        assert_eq!(doc.client_name, pinned.client_name);
        assert_eq!(doc.grant_types, pinned.grant_types);
        // The pinned copy adds the claude.com callback to the live document's.
        assert_eq!(doc.redirect_uris, pinned.redirect_uris[..1]);
    }

    #[test]
    fn documents_are_validated() {
        let url = "https://app.example/client.json";
        let doc = |body: &str| parse_document(url, body.as_bytes());
        assert_eq!(doc("nope"), Err(CimdError::BadDocument("not JSON")));
        assert!(doc(r#"{"client_id":"https://other.example/c.json","redirect_uris":["https://app.example/cb"]}"#).is_err());
        assert!(
            doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":[]}"#).is_err()
        );
        assert!(doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["http://app.example/cb"]}"#).is_err());
        assert!(doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}"#).is_err());
        assert!(doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["https://app.example/cb"],"client_secret":"x"}"#).is_err());
        let ok = doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["https://app.example/cb"],"extra":1}"#).unwrap();
        assert_eq!(ok.grant_types, vec!["authorization_code"]);
        assert_eq!(ok.client_name, None);
    }

    #[test]
    fn client_id_urls_follow_the_draft_rules() {
        assert!(check_client_id_url(CLAUDE_AI_CLIENT_ID).is_ok());
        assert!(matches!(
            check_client_id_url("http://app.example/c.json"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example/"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example/a/../c.json"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://u@app.example/c.json"),
            Err(CimdError::BadUrl(_))
        ));
        assert!(matches!(
            check_client_id_url("https://app.example/c.json#x"),
            Err(CimdError::BadUrl(_))
        ));
    }

    #[test]
    fn private_and_loopback_hosts_are_refused_before_any_fetch() {
        for url in [
            "https://127.0.0.1/x",
            "https://10.0.0.8/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[::ffff:192.168.0.1]/x",
            "https://localhost/x",
            "https://100.64.0.1/x",
        ] {
            assert!(
                matches!(check_client_id_url(url), Err(CimdError::Forbidden(_))),
                "{url}"
            );
        }
        let cimd = Cimd::with_fetcher(|url| panic!("must not fetch {url}"));
        assert!(matches!(
            cimd.resolve("https://127.0.0.1/x"),
            Err(CimdError::Forbidden(_))
        ));
    }

    #[test]
    fn address_classification() {
        for ip in ["8.8.8.8", "160.79.104.10", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "0.0.0.0",
            "192.168.1.1",
            "172.16.0.1",
            "100.100.0.1",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "64:ff9b:1::a00:1",
            "100::1",
            "2001::5efe:a00:1",
            "2001:2::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
            "::ffff:0:a00:1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn pinned_fallback_when_the_fetch_fails() {
        let cimd = Cimd::with_fetcher(|_| Err(CimdError::Fetch("status 403".into())));
        assert_eq!(
            cimd.resolve(CLAUDE_AI_CLIENT_ID).unwrap().redirect_uris,
            [
                "https://claude.ai/api/mcp/auth_callback",
                "https://claude.com/api/mcp/auth_callback"
            ]
        );
        assert_eq!(
            cimd.resolve("https://app.example/c.json"),
            Err(CimdError::Fetch("status 403".into()))
        );
    }

    #[test]
    fn fetched_documents_are_cached() {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = calls.clone();
        let cimd = Cimd::with_fetcher(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Fetched {
                body: CLAUDE_DOC.as_bytes().to_vec(),
                max_age: Some(5),
            })
        });
        cimd.resolve(CLAUDE_AI_CLIENT_ID).unwrap();
        cimd.resolve(CLAUDE_AI_CLIENT_ID).unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// A fetcher that counts its calls per URL and serves a valid document for
    /// every URL under `https://app.example/`, and fails for anything else.
    fn counting() -> (Cimd, std::sync::Arc<Mutex<HashMap<String, usize>>>) {
        let calls = std::sync::Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let seen = calls.clone();
        let cimd = Cimd::with_fetcher(move |url| {
            *seen.lock().unwrap().entry(url.to_string()).or_default() += 1;
            if url.starts_with("https://app.example/") {
                let body = format!(
                    r#"{{"client_id":"{url}","redirect_uris":["https://app.example/cb"]}}"#
                );
                Ok(Fetched {
                    body: body.into_bytes(),
                    max_age: None,
                })
            } else {
                Err(CimdError::Fetch("timed out".into()))
            }
        });
        (cimd, calls)
    }

    #[test]
    fn a_failed_fetch_is_cached_so_repeats_do_not_fetch_again() {
        let (cimd, calls) = counting();
        let url = "https://slow.example/client.json";
        for _ in 0..5 {
            assert_eq!(cimd.resolve(url), Err(CimdError::Fetch("timed out".into())));
        }
        assert_eq!(calls.lock().unwrap()[url], 1);
    }

    #[test]
    fn fetches_per_host_are_limited_and_not_cached() {
        let (cimd, calls) = counting();
        let url = |i: u32| format!("https://app.example/c{i}.json");
        for i in 0..FETCHES_PER_HOST_PER_MINUTE {
            cimd.resolve(&url(i)).unwrap();
        }
        let over = url(FETCHES_PER_HOST_PER_MINUTE);
        assert!(matches!(cimd.resolve(&over), Err(CimdError::Fetch(_))));
        let count = |u: &str| calls.lock().unwrap().get(u).copied().unwrap_or(0);
        assert_eq!(count(&over), 0, "refused before any fetch");
        // Already cached documents, other hosts and claude.ai are unaffected.
        cimd.resolve(&url(0)).unwrap();
        assert!(cimd.resolve("https://other.example/c.json").is_err());
        assert_eq!(count("https://other.example/c.json"), 1);
        cimd.resolve(CLAUDE_AI_CLIENT_ID).unwrap();
    }

    #[test]
    fn a_full_cache_evicts_the_oldest_and_never_the_pinned_document() {
        let (mut cimd, calls) = counting();
        cimd.per_host = u32::MAX;
        // claude.ai's fetch fails (not under app.example): the pinned copy is cached.
        cimd.resolve(CLAUDE_AI_CLIENT_ID).unwrap();
        let url = |i: usize| format!("https://app.example/c{i}.json");
        for i in 0..MAX_CACHED + 10 {
            cimd.resolve(&url(i)).unwrap();
        }
        let count = |u: &str| calls.lock().unwrap().get(u).copied().unwrap_or(0);
        // The pinned document stayed: no second fetch.
        cimd.resolve(CLAUDE_AI_CLIENT_ID).unwrap();
        assert_eq!(count(CLAUDE_AI_CLIENT_ID), 1);
        // The newest entries stayed; the oldest went.
        cimd.resolve(&url(MAX_CACHED + 9)).unwrap();
        assert_eq!(count(&url(MAX_CACHED + 9)), 1);
        cimd.resolve(&url(0)).unwrap();
        assert_eq!(count(&url(0)), 2);
        assert!(cimd.cache.lock().unwrap().entries.len() <= MAX_CACHED);
    }

    /// The real fetcher refuses before connecting: the resolver sees 127.0.0.1.
    /// (No traffic leaves the machine: the only address involved is loopback.)
    #[test]
    fn the_ureq_fetcher_refuses_names_that_resolve_to_loopback() {
        let err = fetch_with_ureq("https://localhost:9/c.json").unwrap_err();
        assert!(
            matches!(err, CimdError::Fetch(ref m) if m.contains("non-public")),
            "{err:?}"
        );
    }
}
