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
//! go through [`Store::put_secret`], which seals them ([`super::seal`]:
//! XChaCha20-Poly1305 under a key derived from `MCP_SIGNING_KEY`) *before*
//! they reach the backend. A dump of Redis gives an attacker nothing to
//! present. Every record carries its expiry and disappears with it, so the
//! store never grows without bound: claude.ai registers a new client on every
//! connection, and none of that lands here.
//!
//! Two backends implement [`Store`]: [`MemoryStore`] (the default, one
//! process) and, with the `redis` cargo feature, `RedisStore` (several
//! instances; chosen at start-up when `REDIS_URL` is set). The contract tests
//! in `tests/store_contract.rs` run the same assertions against both.
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
//! backend. Providers reach it through
//! [`super::provider::ProviderContext::store`].
//!
//! # Not implemented
//! * Tolerating a lost reply: if Redis applies "spend this refresh token" but
//!   the answer times out, the client gets `503`, retries, and its retry looks
//!   like reuse, so the grant is revoked and the user connects again. Safe,
//!   not friendly; a grace period for the previous refresh token would fix it.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use super::seal::{SealKey, open_secret, seal_secret};
use crate::config::Config;
use crate::crypto::secret::{Secret, hash_hex};

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

    /// The key that seals this store's secret values ([`Store::put_secret`]).
    /// Every instance sharing a backend must hold the same one: [`open`]
    /// derives it from `MCP_SIGNING_KEY`.
    fn seal_key(&self) -> &SealKey;

    /// Keeps the secret `value` under `key` until `expires_at`, replacing any
    /// value there. It is sealed first, bound to `key` (a sealed value copied
    /// to another record does not open), so the backend never holds it in clear.
    fn put_secret(&self, key: &str, value: &Secret, expires_at: u64) -> Result<(), StoreError> {
        let sealed = seal_secret(self.seal_key(), key.as_bytes(), value);
        self.put(key, &sealed, expires_at)
    }

    /// The secret value under `key`, if present, unexpired and openable. One
    /// that does not open (sealed under another `MCP_SIGNING_KEY`, or altered)
    /// is reported as absent: the user signs in upstream again.
    fn get_secret(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        Ok(self
            .get(key)?
            .and_then(|sealed| unseal(self.seal_key(), key, &sealed)))
    }

    /// Removes the secret value under `key` and returns it, atomically (see
    /// [`Store::take`]): single-use records such as an upstream `state`.
    fn take_secret(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        Ok(self
            .take(key)?
            .and_then(|sealed| unseal(self.seal_key(), key, &sealed)))
    }
}

fn unseal(seal_key: &SealKey, key: &str, sealed: &[u8]) -> Option<Secret> {
    match open_secret(seal_key, key.as_bytes(), sealed) {
        Ok(secret) => Some(secret),
        Err(e) => {
            crate::log::event("WARNING", &format!("a stored secret was ignored: {e}"));
            None
        }
    }
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

/// What the seal key of [`open`] is derived for (its label).
const SEAL_PURPOSE: &str = "store-secrets";

/// The store a server uses, from its configuration: Redis when `REDIS_URL`
/// is set (with the `redis` cargo feature; without it this fails and says
/// so), else a [`MemoryStore`]. Secret values are sealed under a key derived
/// from `MCP_SIGNING_KEY` (random when it is unset: then, as with tokens,
/// nothing sealed survives the process). [`crate::App`] calls it when
/// [`crate::App::store`] was not given; call it yourself when a provider needs
/// the same store, e.g. `UpstreamProvider::new(…, store::open(&config)?)`.
pub fn open(config: &Config) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    let key = config
        .signing_key
        .as_ref()
        .map(crate::crypto::signing::SigningKey::from_secret);
    open_with_key(config, key.as_ref())
}

/// [`open`] with the key from `MCP_SIGNING_KEY` already built (`None`: unset),
/// so that [`crate::App`] builds it once.
pub(crate) fn open_with_key(
    config: &Config,
    signing_key: Option<&crate::crypto::signing::SigningKey>,
) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    let seal_key = match signing_key {
        Some(key) => SealKey::derive(key, SEAL_PURPOSE),
        None => SealKey::random(),
    };
    match &config.redis_url {
        Some(url) => open_redis(url, config.redis_ca_cert.as_deref(), seal_key),
        None => {
            crate::log::event(
                "INFO",
                "OAuth state (spent codes, refresh rotation, revocations) is kept in memory: \
                 run one instance, or set REDIS_URL to share it between instances",
            );
            Ok(Arc::new(MemoryStore::with_seal_key(seal_key)))
        }
    }
}

#[cfg(feature = "redis")]
fn open_redis(
    url: &Secret,
    ca_cert: Option<&std::path::Path>,
    seal_key: SealKey,
) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    let ca_pem = match ca_cert {
        Some(path) => Some(
            std::fs::read(path).map_err(|e| format!("REDIS_CA_CERT {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let store = super::redis_store::RedisStore::open_with_ca(url, seal_key, ca_pem)?;
    // A Redis that is not up yet is no reason to crash-loop: requests that
    // need it get 503 until it answers.
    match store.ping() {
        Ok(()) => crate::log::event(
            "INFO",
            &format!("OAuth state is kept in Redis at {}", store.address()),
        ),
        Err(e) => crate::log::event(
            "WARNING",
            &format!(
                "OAuth state goes to Redis, which does not answer yet ({e}); \
                 requests that need it get 503 until it does"
            ),
        ),
    }
    Ok(Arc::new(store))
}

#[cfg(not(feature = "redis"))]
fn open_redis(
    _url: &Secret,
    _ca_cert: Option<&std::path::Path>,
    _seal_key: SealKey,
) -> Result<Arc<dyn Store>, Box<dyn Error>> {
    Err(
        "REDIS_URL is set, but this server was built without the `redis` cargo feature. \
         Build it with `cargo build --features redis` (Docker: `--build-arg FEATURES=redis`; \
         ./deploy.sh does this when REDIS_URL is given), or unset REDIS_URL to keep the \
         OAuth state in memory."
            .into(),
    )
}

/// How often, at most, [`MemoryStore`] sweeps out expired records.
pub const SWEEP_EVERY_SECS: u64 = 60;

/// The in-memory [`Store`]: a `HashMap` behind a `Mutex`, swept of expired
/// records at most once a minute, by whichever write comes first. It never
/// fails. State lives and dies with the process, and is not shared with other
/// instances.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Records>,
    sweep_every: u64,
    seal: SealKey,
}

#[derive(Debug, Default)]
struct Records {
    map: HashMap<String, Record>,
    last_sweep: u64,
}

#[derive(Debug)]
struct Record {
    /// The value; a counter is kept as decimal text, as Redis keeps it.
    value: Vec<u8>,
    expires_at: u64,
}

impl Records {
    /// Drops expired records. Called under the lock before writes; cheap
    /// when the last sweep was recent.
    fn sweep(&mut self, now: u64, every: u64) {
        if now >= self.last_sweep.saturating_add(every) {
            self.map.retain(|_, r| r.expires_at > now);
            self.last_sweep = now;
        }
    }

    fn live(&self, key: &str, now: u64) -> Option<&Record> {
        self.map.get(key).filter(|r| r.expires_at > now)
    }
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::with_sweep_interval(SWEEP_EVERY_SECS)
    }
}

impl MemoryStore {
    /// An empty store, swept every [`SWEEP_EVERY_SECS`] at most.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store swept at most every `seconds` (0: on every write).
    pub fn with_sweep_interval(seconds: u64) -> MemoryStore {
        MemoryStore {
            inner: Mutex::new(Records::default()),
            sweep_every: seconds,
            seal: SealKey::random(),
        }
    }

    /// An empty store that seals secret values with `seal_key` (what
    /// [`open`] builds). [`MemoryStore::new`] uses a random key: its values
    /// never leave the process anyway.
    pub fn with_seal_key(seal_key: SealKey) -> MemoryStore {
        MemoryStore {
            seal: seal_key,
            ..MemoryStore::new()
        }
    }

    /// How many records are held (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while holding the lock cannot leave a half-written record
        // (every update is one map operation), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lock, after a sweep if one is due: every write goes through here.
    fn lock_for_write(&self, now: u64) -> std::sync::MutexGuard<'_, Records> {
        let mut records = self.lock();
        records.sweep(now, self.sweep_every);
        records
    }
}

fn counter(value: &[u8]) -> u64 {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl Store for MemoryStore {
    fn insert_once(&self, key: &str, expires_at: u64) -> Result<bool, StoreError> {
        let now = now();
        let mut records = self.lock_for_write(now);
        if records.live(key, now).is_some() {
            return Ok(false);
        }
        let record = Record {
            value: b"1".to_vec(),
            expires_at,
        };
        records.map.insert(key.to_string(), record);
        Ok(true)
    }

    fn contains(&self, key: &str) -> Result<bool, StoreError> {
        let now = now();
        Ok(self.lock().live(key, now).is_some())
    }

    fn increment(&self, key: &str, expires_at: u64) -> Result<u64, StoreError> {
        let now = now();
        let mut records = self.lock_for_write(now);
        let (count, expires_at) = match records.live(key, now) {
            Some(r) => (counter(&r.value) + 1, r.expires_at),
            None => (1, expires_at),
        };
        let record = Record {
            value: count.to_string().into_bytes(),
            expires_at,
        };
        records.map.insert(key.to_string(), record);
        Ok(count)
    }

    fn count(&self, key: &str) -> Result<u64, StoreError> {
        let now = now();
        Ok(self
            .lock()
            .live(key, now)
            .map(|r| counter(&r.value))
            .unwrap_or(0))
    }

    fn put(&self, key: &str, value: &[u8], expires_at: u64) -> Result<(), StoreError> {
        let now = now();
        let record = Record {
            value: value.to_vec(),
            expires_at,
        };
        self.lock_for_write(now).map.insert(key.to_string(), record);
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = now();
        Ok(self.lock().live(key, now).map(|r| r.value.clone()))
    }

    fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = now();
        let mut records = self.lock_for_write(now);
        Ok(records
            .map
            .remove(key)
            .filter(|r| r.expires_at > now)
            .map(|r| r.value))
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        let now = now();
        self.lock_for_write(now).map.remove(key);
        Ok(())
    }

    fn seal_key(&self) -> &SealKey {
        &self.seal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The behaviour both backends share is tested in tests/store_contract.rs;
    // these are about the memory backend's own housekeeping.

    #[test]
    fn the_sweep_deletes_expired_records() {
        let store = MemoryStore::new();
        store.insert_once("a", now() - 5).unwrap();
        store.put("b", b"v", now() - 5).unwrap();
        store.lock().last_sweep = 0;
        store.insert_once("c", now() + 60).unwrap();
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn secrets_are_sealed_bound_to_their_key_and_taken_once() {
        let store = MemoryStore::new();
        store
            .put_secret("upstream-token:a", &Secret::new("gho_1"), now() + 60)
            .unwrap();
        store
            .put_secret("upstream-token:a", &Secret::new("gho_2"), now() + 60)
            .unwrap();
        let raw = store.get("upstream-token:a").unwrap().unwrap();
        assert!(!raw.windows(4).any(|w| w == b"gho_"), "sealed at rest");
        assert!(
            store
                .get_secret("upstream-token:a")
                .unwrap()
                .unwrap()
                .matches("gho_2")
        );
        // Moved to another record, it does not open.
        store.put("upstream-token:b", &raw, now() + 60).unwrap();
        assert!(store.get_secret("upstream-token:b").unwrap().is_none());
        assert!(
            store
                .take_secret("upstream-token:a")
                .unwrap()
                .unwrap()
                .matches("gho_2")
        );
        assert!(
            store.take_secret("upstream-token:a").unwrap().is_none(),
            "taken once"
        );
        store
            .put_secret("upstream-state:old", &Secret::new("x"), now() - 1)
            .unwrap();
        assert!(
            store.get_secret("upstream-state:old").unwrap().is_none(),
            "expired"
        );
    }

    #[test]
    fn another_signing_key_opens_nothing() {
        let key = |k: &str| {
            SealKey::derive(
                &crate::crypto::signing::SigningKey::from_secret(&Secret::new(k)),
                SEAL_PURPOSE,
            )
        };
        let a = MemoryStore::with_seal_key(key("first-signing-key-0123456789abcdef0123"));
        let b = MemoryStore::with_seal_key(key("other-signing-key-0123456789abcdef0123"));
        a.put_secret("upstream-token:x", &Secret::new("gho_x"), now() + 60)
            .unwrap();
        let raw = a.get("upstream-token:x").unwrap().unwrap();
        b.put("upstream-token:x", &raw, now() + 60).unwrap();
        assert!(b.get_secret("upstream-token:x").unwrap().is_none());
    }

    #[test]
    fn the_sweep_waits_for_its_interval() {
        let store = MemoryStore::new();
        store.insert_once("a", now() - 5).unwrap();
        store.insert_once("b", now() + 60).unwrap();
        // The first write swept (last_sweep was 0) before "a" went in; the
        // second is within the minute, so the expired "a" is still held.
        assert_eq!(store.len(), 2);
        assert!(!store.contains("a").unwrap());
    }
}
