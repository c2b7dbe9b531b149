//! **[7, 14, 26, 28, 30–33](crate::_documentation::flow) Token, refresh and
//! revocation steps — the little state OAuth needs.** Almost everything this
//! authorization server issues is self-contained and signed
//! ([`super::claims`]), so nothing has to be remembered to *accept* it. What
//! must be remembered is what has been *used up*, plus one thing an upstream
//! sign-in hands us:
//!
//! | record | key | value | lives until | written by |
//! |---|---|---|---|---|
//! | spent authorization code | `code:<sha256(jti)>` | — | the code's expiry | [`super::token`] |
//! | spent refresh token | `refresh:<sha256(jti)>` | — | the token's expiry | [`super::token`] |
//! | revoked token family | `family:<sha256(fam)>` | — | the longest lifetime of its tokens | [`super::token`], [`super::revoke`] |
//! | revoked access token | `access:<sha256(jti)>` | — | the token's expiry | [`super::revoke`] |
//! | rate-limit counters | `rate:…` | a count | the end of the window | [`super::register`], [`super::authorize`] |
//! | pending upstream sign-in | `upstream-state:<sha256(state)>` | sealed | 10 minutes | [`crate::ext::upstream`] |
//! | used upstream session | `upstream-session:<sha256(jti)>` | — | the session's expiry | [`crate::ext::upstream`] |
//! | a user's upstream token | `upstream-token:<sha256(idp ‖ sub)>` | sealed | the grant's lifetime | [`crate::ext::upstream`] |
//!
//! Keys hold hashes, never a usable code or token. The two values that are
//! secrets — what a pending upstream sign-in needs at the callback (our PKCE
//! verifier toward the IdP), and each user's upstream token, which tools use —
//! are sealed by the upstream sign-in *before* they reach this trait
//! (XChaCha20-Poly1305 under a key derived from `MCP_SIGNING_KEY`; the
//! `ext::seal` extension), so the trait itself only ever sees bytes, and a
//! dump of Redis gives an attacker nothing to present. Every record carries
//! its expiry and disappears with it, so the store never grows without bound:
//! claude.ai registers a new client on every connection, and none of that
//! lands here.
//!
//! Two backends implement [`Store`]: [`MemoryStore`] (the default, one
//! process; `memory.rs` in this folder) and, with the `redis`
//! cargo feature, the extension `ext::redis::RedisStore` (several
//! instances; chosen at start-up by [`crate::app::open_store`] when
//! `REDIS_URL` is set). The contract tests in `tests/store_contract.rs` run
//! the same assertions against both. This file names neither backend's
//! insides: it is the contract, the keys, and the error.
//!
//! # Failure
//! Every operation returns `Result<_, StoreError>`. A backend that cannot be
//! reached (Redis down) makes the request that needed it answer `503` in its
//! protocol's own form (`temporarily_unavailable` on `/token`, `/revoke`,
//! `/register` and the `/authorize` redirect; a JSON-RPC error on `/mcp`);
//! nothing is half-written, and the next request tries again.
//!
//! # Spec
//! * OAuth 2.1 draft §4.1.3: an authorization code is used once; §4.3.1 and
//!   RFC 9700 §4.14.2: refresh-token rotation with reuse detection.
//! * RFC 7009 §2.1: revocation takes effect for the token and, for a refresh
//!   token, for the grant it belongs to; §2.2.1: `503` when unavailable.
//!
//! # Where this sits
//! One `Arc<dyn Store>` lives in [`super::OAuth`]; [`crate::App`] picks the
//! backend ([`crate::app::open_store`]). Providers reach it through
//! [`super::provider::ProviderContext::store`].
//!
//! # Not implemented
//! * Tolerating a lost reply: if Redis applies "spend this refresh token" but
//!   the answer times out, the client gets `503`, retries, and its retry looks
//!   like reuse, so the grant is revoked and the user connects again. Safe,
//!   not friendly; a grace period for the previous refresh token would fix it.

mod memory;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::crypto::secret::hash_hex;
pub use memory::{MemoryStore, SWEEP_EVERY_SECS};

/// Seconds since the Unix epoch: the clock of every expiry in this crate.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The store could not do what was asked (Redis unreachable, timed out, or
/// answered something unexpected). The request that needed it is answered
/// with `503`; the message goes to the log, never to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// What failed, e.g. `"redis: Connection refused (os error 111)"`. Never
    /// contains a key's secret part or the Redis password.
    pub what: String,
}

impl StoreError {
    /// An error described by `what`.
    pub fn new(what: impl Into<String>) -> StoreError {
        StoreError { what: what.into() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the state store is unavailable: {}", self.what)
    }
}

impl std::error::Error for StoreError {}

/// The state store: records with an expiry (Unix seconds). Keys are chosen by
/// the callers (see the table in the module docs).
///
/// Every operation on one key must be atomic, across processes for a shared
/// backend: two instances racing to spend the same code must not both win
/// [`Store::insert_once`], and two racing [`Store::take`]s must not both get
/// the value. An expired record behaves exactly like an absent one.
pub trait Store: Send + Sync {
    /// Creates `key` (until `expires_at`) if it does not exist. Returns `true`
    /// if this call created it, `false` if it was already there (e.g. a code
    /// that was already spent).
    fn insert_once(&self, key: &str, expires_at: u64) -> Result<bool, StoreError>;

    /// Whether `key` exists and has not expired.
    fn contains(&self, key: &str) -> Result<bool, StoreError>;

    /// Whether any of `keys` exists: one round trip for the bearer check,
    /// which asks about the token and its family on every `/mcp` request.
    fn contains_any(&self, keys: &[&str]) -> Result<bool, StoreError> {
        for key in keys {
            if self.contains(key)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds one to the counter `key` and returns the new count. A new counter
    /// lives until `expires_at`; an existing one keeps its expiry (a fixed
    /// window, which is what rate limits need).
    fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError>;

    /// The current count of `key` (0 if absent or expired).
    fn count(&self, key: &str) -> Result<u64, StoreError>;

    /// Stores `value` under `key` until `expires_at`, replacing what was there.
    fn put(&self, key: &str, value: &[u8], expires_at: u64) -> Result<(), StoreError>;

    /// The value of `key`, if present and not expired.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// The value of `key`, deleting it in the same step: of several callers
    /// racing, exactly one gets it (single-use upstream `state`, say).
    fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Deletes `key` (no error if it is absent).
    fn remove(&self, key: &str) -> Result<(), StoreError>;
}

/// The key of a revoked access token (written by [`super::revoke`], read by
/// [`super::bearer`]).
pub fn access_key(jti: &str) -> String {
    format!("access:{}", hash_hex(jti))
}

/// The key of a revoked token family (written by [`super::token`] and
/// [`super::revoke`], read by [`super::token`] and [`super::bearer`]).
pub fn family_key(family: &str) -> String {
    format!("family:{}", hash_hex(family))
}
