//! **[7, 14, 26, 28, 30–33](crate::_documentation::flow) Token, refresh and
//! revocation steps — the little state OAuth needs.** Almost everything this
//! authorization server issues is self-contained and signed
//! ([`super::tokens`]), so nothing has to be remembered to *accept* it. What
//! must be remembered is what has been *used up*:
//!
//! | record | key | lives until | written by |
//! |---|---|---|---|
//! | spent authorization code | `code:<sha256(jti)>` | the code's expiry | [`super::token`] |
//! | spent refresh token | `refresh:<sha256(jti)>` | the token's expiry | [`super::token`] |
//! | revoked token family | `family:<sha256(fam)>` | the longest lifetime of its tokens | [`super::token`], [`super::revoke`] |
//! | revoked access token | `access:<sha256(jti)>` | the token's expiry | [`super::revoke`] |
//! | rate-limit counters | `rate:…` | the end of the window | [`super::register`], [`super::authorize`] |
//! | pending upstream sign-in (secret) | `upstream-state:<sha256(state)>` | 10 minutes | [`super::upstream`] |
//! | used upstream session | `upstream-session:<sha256(jti)>` | the session's expiry | [`super::upstream`] |
//! | a user's upstream token (secret) | `upstream-token:<sha256(idp ‖ sub)>` | the grant's lifetime | [`super::upstream`] |
//!
//! Most records are counters: their existence is the information. The
//! upstream-IdP branch must also *keep* two secrets — what a pending sign-in
//! needs at the callback, and each user's upstream token, which tools use —
//! so the store holds secret values too ([`Store::put_secret`]). Keys are
//! hashes, so a dump of the keys reveals nothing usable; the values are the
//! one thing in the store that must be protected at rest (see the trait).
//!
//! Every record carries its expiry and disappears with it, so the store never
//! grows without bound: claude.ai registers a new client on every connection,
//! and none of that lands here at all.
//!
//! # Spec
//! * OAuth 2.1 draft §4.1.3: an authorization code is used once; §4.3.1 and
//!   RFC 9700 §4.14.2: refresh-token rotation with reuse detection.
//! * RFC 7009 §2.1: revocation takes effect for the token and, for a refresh
//!   token, for the grant it belongs to.
//!
//! # Where this sits
//! One [`Store`] lives in [`super::OAuth`]. [`MemoryStore`] is the default;
//! a shared backend (e.g. Redis) implements the same trait so that several
//! instances agree on which codes and refresh tokens are spent.
//!
//! # Not implemented
//! * A shared backend: with [`MemoryStore`], two instances each accept a code
//!   once (each has its own memory); give both the same store to prevent it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::secret::Secret;

/// Seconds since the Unix epoch: the clock of every expiry in this crate.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The state store: records with an expiry (Unix seconds). Keys are chosen by
/// the callers (see the table in the module docs); values are counters.
///
/// Implementations must make [`Store::insert_once`] and [`Store::increment`]
/// atomic: two instances racing to spend the same code must not both win.
pub trait Store: Send + Sync {
    /// Creates `key` (until `expires_at`) if it does not exist. Returns `true`
    /// if this call created it, `false` if it was already there (e.g. a code
    /// that was already spent).
    fn insert_once(&self, key: &str, expires_at: u64) -> bool;

    /// Whether `key` exists and has not expired.
    fn contains(&self, key: &str) -> bool;

    /// Adds one to the counter `key` and returns the new count. A new counter
    /// lives until `expires_at`; an existing one keeps its expiry (a fixed
    /// window, which is what rate limits need).
    fn increment(&self, key: &str, expires_at: u64) -> u64;

    /// The current count of `key` (0 if absent or expired).
    fn count(&self, key: &str) -> u64;

    /// Keeps the secret `value` under `key` until `expires_at`, replacing any
    /// value already there.
    ///
    /// Values are credentials (upstream access and refresh tokens). An
    /// implementation must not let them leave the process readable: the
    /// in-memory store holds them only in this process's memory; a shared
    /// backend must seal each value (authenticated encryption under a key the
    /// backend never sees) before it goes over the network or to disk.
    fn put_secret(&self, key: &str, value: &Secret, expires_at: u64);

    /// The secret value under `key`, if present and not expired.
    fn get_secret(&self, key: &str) -> Option<Secret>;

    /// Removes the value under `key` and returns it, atomically: of two
    /// callers racing for the same key, one gets it (single-use records such
    /// as an upstream `state`).
    fn take_secret(&self, key: &str) -> Option<Secret>;
}

/// The in-memory [`Store`]: a `HashMap` behind a `Mutex`, swept of expired
/// records at most once a minute, by whichever call comes first.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Records>,
}

#[derive(Debug, Default)]
struct Records {
    /// key → (count, expires_at)
    map: HashMap<String, (u64, u64)>,
    /// key → (secret value, expires_at)
    secrets: HashMap<String, (Secret, u64)>,
    last_sweep: u64,
}

impl Records {
    /// Drops expired records. Called under the lock; cheap when nothing expired.
    fn sweep(&mut self, now: u64) {
        if now >= self.last_sweep + 60 {
            self.map.retain(|_, (_, expires)| *expires > now);
            self.secrets.retain(|_, (_, expires)| *expires > now);
            self.last_sweep = now;
        }
    }

    fn live(&self, key: &str, now: u64) -> Option<u64> {
        self.map
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(count, _)| *count)
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many records are held (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        let records = self.lock();
        records.map.len() + records.secrets.len()
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
}

impl Store for MemoryStore {
    fn insert_once(&self, key: &str, expires_at: u64) -> bool {
        let now = now();
        let mut records = self.lock();
        records.sweep(now);
        if records.live(key, now).is_some() {
            return false;
        }
        records.map.insert(key.to_string(), (1, expires_at));
        true
    }

    fn contains(&self, key: &str) -> bool {
        let now = now();
        self.lock().live(key, now).is_some()
    }

    fn increment(&self, key: &str, expires_at: u64) -> u64 {
        let now = now();
        let mut records = self.lock();
        records.sweep(now);
        let count = match records.live(key, now) {
            Some(count) => count + 1,
            None => 1,
        };
        let expires = match records.map.get(key) {
            Some((_, e)) if *e > now => *e,
            _ => expires_at,
        };
        records.map.insert(key.to_string(), (count, expires));
        count
    }

    fn count(&self, key: &str) -> u64 {
        let now = now();
        self.lock().live(key, now).unwrap_or(0)
    }

    fn put_secret(&self, key: &str, value: &Secret, expires_at: u64) {
        let now = now();
        let mut records = self.lock();
        records.sweep(now);
        records
            .secrets
            .insert(key.to_string(), (value.clone(), expires_at));
    }

    fn get_secret(&self, key: &str) -> Option<Secret> {
        let now = now();
        self.lock()
            .secrets
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value.clone())
    }

    fn take_secret(&self, key: &str) -> Option<Secret> {
        let now = now();
        self.lock()
            .secrets
            .remove(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_once_wins_only_the_first_time() {
        let store = MemoryStore::new();
        assert!(store.insert_once("code:a", now() + 60));
        assert!(!store.insert_once("code:a", now() + 60));
        assert!(store.contains("code:a"));
        assert!(!store.contains("code:b"));
    }

    #[test]
    fn expired_records_are_gone() {
        let store = MemoryStore::new();
        assert!(store.insert_once("code:old", now() - 1));
        assert!(!store.contains("code:old"));
        assert!(
            store.insert_once("code:old", now() + 60),
            "an expired record can be recreated"
        );
    }

    #[test]
    fn counters_count_within_their_window() {
        let store = MemoryStore::new();
        assert_eq!(store.increment("rate:x", now() + 60), 1);
        assert_eq!(store.increment("rate:x", now() + 60), 2);
        assert_eq!(store.count("rate:x"), 2);
        assert_eq!(store.count("rate:y"), 0);
    }

    #[test]
    fn secrets_are_kept_replaced_and_taken_once() {
        let store = MemoryStore::new();
        store.put_secret("upstream-token:a", &Secret::new("gho_1"), now() + 60);
        store.put_secret("upstream-token:a", &Secret::new("gho_2"), now() + 60);
        assert!(
            store
                .get_secret("upstream-token:a")
                .unwrap()
                .matches("gho_2")
        );
        assert!(
            store
                .take_secret("upstream-token:a")
                .unwrap()
                .matches("gho_2")
        );
        assert!(
            store.take_secret("upstream-token:a").is_none(),
            "taken once"
        );
        assert!(store.get_secret("upstream-token:a").is_none());
        store.put_secret("upstream-state:old", &Secret::new("x"), now() - 1);
        assert!(store.get_secret("upstream-state:old").is_none(), "expired");
        assert!(store.take_secret("upstream-state:old").is_none(), "expired");
    }

    #[test]
    fn the_sweep_deletes_expired_records() {
        let store = MemoryStore::new();
        store.insert_once("a", now() - 5);
        store.lock().last_sweep = 0;
        store.insert_once("b", now() + 60);
        assert_eq!(store.len(), 1);
    }
}
