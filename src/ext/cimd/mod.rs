//! **[9–11](crate::_documentation::flow) Registration step, second way — Client
//! ID Metadata Documents (extension, outbound).** A client may skip registration and use
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
//! The URL comes from anyone, so the fetch is the crate's one SSRF surface
//! and is fenced in ([`fetch`]: https only, no redirects, no proxy, 5 s,
//! 16 KiB, public addresses only, checked on the addresses ureq connects to).
//!
//! # Spec
//! * draft-ietf-oauth-client-id-metadata-document (the URL rules, `client_id`
//!   must equal the URL, public clients only).
//! * MCP 2025-11-25 *Client ID Metadata Documents* and *Authorization Server
//!   Abuse Protection*; MCP Security Best Practices, *SSRF*.
//!
//! # What the extension adds, and what to read first
//! The core ([`crate::oauth::client`]) knows three kinds of client and asks a
//! [`ClientDocuments`] source about an https `client_id`; this folder is that
//! source. Read [`crate::oauth::client`] and [`crate::oauth::url`] first, then
//! this file (the cache, and [`Cimd`] as a [`ClientDocuments`]),
//! [`fetch`] (the fence around the outbound request) and [`document`] (the
//! validation, the pinned copies).
//!
//! # Where this sits
//! Installed by [`crate::App`] (by default; [`crate::App::client_metadata_fetcher`]
//! swaps its fetcher) into [`crate::oauth::OAuth::client_documents`];
//! [`crate::oauth::client::lookup()`] calls it for https `client_id`s, and the
//! discovery metadata says `client_id_metadata_document_supported` because
//! it is installed. What it returns is a [`Client`] of kind
//! [`ClientKind::MetadataDocument`].
//!
//! # Not implemented
//! * `private_key_jwt` and `jwks`: documents asking for them are refused.
//! * Honouring `Expires`/`ETag`: only `Cache-Control: max-age`, clamped to
//!   1 min … 1 h.
//! * Single-flight: concurrent first requests for one URL each fetch it
//!   (each holds a pool thread for at most the 5 s deadline).
pub mod document;
pub mod fetch;

use std::collections::HashMap;
use std::sync::Mutex;

use crate::oauth::client::{AuthMethod, Client, ClientDocuments, ClientKind, DocumentError};
use crate::oauth::store::now;
use crate::oauth::url::UrlParts;
pub use document::{CimdError, ClientDocument};
use document::{parse_document, pinned};
use fetch::check_client_id_url;
pub use fetch::{Fetched, fetch_with_ureq};

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
    pub fn document(&self, client_id: &str) -> Result<ClientDocument, CimdError> {
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

/// The core's view: an https `client_id` becomes a public client. A URL that
/// breaks the rules is [`DocumentError::Refused`] with the reason (checked
/// before any fetch, so the reason reveals nothing about our network); every
/// other failure is [`DocumentError::Unusable`], whose details only the log
/// shows.
impl ClientDocuments for Cimd {
    fn resolve(&self, client_id: &str) -> Result<Client, DocumentError> {
        check_client_id_url(client_id).map_err(|e| DocumentError::Refused(e.to_string()))?;
        let doc = self
            .document(client_id)
            .map_err(|e| DocumentError::Unusable(e.to_string()))?;
        Ok(Client {
            id: doc.client_id,
            name: doc.client_name,
            redirect_uris: doc.redirect_uris,
            auth_method: AuthMethod::None,
            refresh_allowed: doc.grant_types.iter().any(|g| g == "refresh_token"),
            kind: ClientKind::MetadataDocument,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::document::tests::CLAUDE_DOC;
    use super::document::{CLAUDE_AI_CLIENT_ID, CimdError};
    use super::*;

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
            cimd.document("https://127.0.0.1/x"),
            Err(CimdError::Forbidden(_))
        ));
    }

    #[test]
    fn pinned_fallback_when_the_fetch_fails() {
        let cimd = Cimd::with_fetcher(|_| Err(CimdError::Fetch("status 403".into())));
        assert_eq!(
            cimd.document(CLAUDE_AI_CLIENT_ID).unwrap().redirect_uris,
            [
                "https://claude.ai/api/mcp/auth_callback",
                "https://claude.com/api/mcp/auth_callback"
            ]
        );
        assert_eq!(
            cimd.document("https://app.example/c.json"),
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
        cimd.document(CLAUDE_AI_CLIENT_ID).unwrap();
        cimd.document(CLAUDE_AI_CLIENT_ID).unwrap();
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
            assert_eq!(
                cimd.document(url),
                Err(CimdError::Fetch("timed out".into()))
            );
        }
        assert_eq!(calls.lock().unwrap()[url], 1);
    }

    #[test]
    fn fetches_per_host_are_limited_and_not_cached() {
        let (cimd, calls) = counting();
        let url = |i: u32| format!("https://app.example/c{i}.json");
        for i in 0..FETCHES_PER_HOST_PER_MINUTE {
            cimd.document(&url(i)).unwrap();
        }
        let over = url(FETCHES_PER_HOST_PER_MINUTE);
        assert!(matches!(cimd.document(&over), Err(CimdError::Fetch(_))));
        let count = |u: &str| calls.lock().unwrap().get(u).copied().unwrap_or(0);
        assert_eq!(count(&over), 0, "refused before any fetch");
        // Already cached documents, other hosts and claude.ai are unaffected.
        cimd.document(&url(0)).unwrap();
        assert!(cimd.document("https://other.example/c.json").is_err());
        assert_eq!(count("https://other.example/c.json"), 1);
        cimd.document(CLAUDE_AI_CLIENT_ID).unwrap();
    }

    #[test]
    fn a_full_cache_evicts_the_oldest_and_never_the_pinned_document() {
        let (mut cimd, calls) = counting();
        cimd.per_host = u32::MAX;
        // claude.ai's fetch fails (not under app.example): the pinned copy is cached.
        cimd.document(CLAUDE_AI_CLIENT_ID).unwrap();
        let url = |i: usize| format!("https://app.example/c{i}.json");
        for i in 0..MAX_CACHED + 10 {
            cimd.document(&url(i)).unwrap();
        }
        let count = |u: &str| calls.lock().unwrap().get(u).copied().unwrap_or(0);
        // The pinned document stayed: no second fetch.
        cimd.document(CLAUDE_AI_CLIENT_ID).unwrap();
        assert_eq!(count(CLAUDE_AI_CLIENT_ID), 1);
        // The newest entries stayed; the oldest went.
        cimd.document(&url(MAX_CACHED + 9)).unwrap();
        assert_eq!(count(&url(MAX_CACHED + 9)), 1);
        cimd.document(&url(0)).unwrap();
        assert_eq!(count(&url(0)), 2);
        assert!(cimd.cache.lock().unwrap().entries.len() <= MAX_CACHED);
    }
}
