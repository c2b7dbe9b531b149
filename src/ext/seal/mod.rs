//! **[16, 19–21, 28](crate::_documentation::flow) Upstream sign-in and tool
//! calls — secret values at rest (extension).** The core's
//! [`Store`] keeps bytes and knows nothing of secrets: everything the
//! authorization server itself remembers is a hash or a counter. Only the
//! upstream sign-in has values that are secrets — what a pending sign-in needs
//! at the callback (our PKCE verifier toward the IdP) and each user's upstream
//! token, which tools use. [`Sealed`] is any store plus a [`SealKey`]: its
//! `put_secret`/`get_secret`/`take_secret` seal a value ([`aead`]:
//! XChaCha20-Poly1305 under a key derived from `MCP_SIGNING_KEY`) *before* it
//! reaches the backend, bound to the record's key, so a dump of Redis gives an
//! attacker nothing to present.
//!
//! ```text
//!   upstream sign-in ── put_secret(key, value) ──▶ Sealed ── put(key, seal(value, aad = key)) ──▶ Store
//!   tool call        ── get_secret(key) ─────────▶ Sealed ── get(key) → open(…, aad = key) ─────▶ Secret or none
//! ```
//!
//! # What the extension adds, and what to read first
//! Read [`crate::oauth::store`] (the trait and its records) first, then this
//! file, then [`aead`] (the cipher, the key derivation, the format). Everything
//! else a [`Sealed`] does is the store's: it dereferences to `dyn Store`.
//!
//! # Where this sits
//! Built by whoever builds the upstream sign-in (`Sealed::new(store,
//! SealKey::from_config(&config))`, as `examples/github.rs` does), from the
//! same store given to [`crate::App::store`]; used by the upstream provider
//! and OpenID Connect for pending sign-ins and users' upstream tokens.
//!
//! # Not implemented
//! * Key rotation (see [`aead`]): a new `MCP_SIGNING_KEY` makes every sealed
//!   value unreadable, and users sign in upstream again.

pub mod aead;

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::crypto::secret::Secret;
use crate::oauth::store::{Store, StoreError};
pub use aead::{OpenError, SealKey};
use aead::{open_secret, seal_secret};

/// A state store whose secret values are sealed with its [`SealKey`].
/// Cheap to clone (the store is shared). Every other operation is the
/// store's own: `sealed.remove(key)` works as on the `dyn Store` it wraps.
#[derive(Clone)]
pub struct Sealed {
    store: Arc<dyn Store>,
    key: SealKey,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Sealed {
    /// `store`, with secret values sealed under `key`. Every instance sharing
    /// a backend must hold the same key: [`SealKey::from_config`] derives it
    /// from `MCP_SIGNING_KEY`.
    pub fn new(store: Arc<dyn Store>, key: SealKey) -> Sealed {
        Sealed { store, key }
    }

    /// The store itself (to give [`crate::App::store`] the same one).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Keeps the secret `value` under `key` until `expires_at`, replacing any
    /// value there. It is sealed first, bound to `key` (a sealed value copied
    /// to another record does not open), so the backend never holds it in clear.
    pub fn put_secret(&self, key: &str, value: &Secret, expires_at: u64) -> Result<(), StoreError> {
        let sealed = seal_secret(&self.key, key.as_bytes(), value);
        self.store.put(key, &sealed, expires_at)
    }

    /// The secret value under `key`, if present, unexpired and openable. One
    /// that does not open (sealed under another `MCP_SIGNING_KEY`, or altered)
    /// is reported as absent: the user signs in upstream again.
    pub fn get_secret(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        Ok(self
            .store
            .get(key)?
            .and_then(|sealed| self.unseal(key, &sealed)))
    }

    /// Removes the secret value under `key` and returns it, atomically (see
    /// [`Store::take`]): single-use records such as an upstream `state`.
    pub fn take_secret(&self, key: &str) -> Result<Option<Secret>, StoreError> {
        Ok(self
            .store
            .take(key)?
            .and_then(|sealed| self.unseal(key, &sealed)))
    }

    fn unseal(&self, key: &str, sealed: &[u8]) -> Option<Secret> {
        match open_secret(&self.key, key.as_bytes(), sealed) {
            Ok(secret) => Some(secret),
            Err(e) => {
                crate::log::event("WARNING", &format!("a stored secret was ignored: {e}"));
                None
            }
        }
    }
}

impl Deref for Sealed {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        &*self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::signing::SigningKey;
    use crate::oauth::store::{MemoryStore, now};

    fn sealed(key: SealKey) -> Sealed {
        Sealed::new(Arc::new(MemoryStore::new()), key)
    }

    #[test]
    fn secrets_are_sealed_bound_to_their_key_and_taken_once() {
        let store = sealed(SealKey::random());
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
                &SigningKey::from_secret(&Secret::new(k)),
                aead::STORE_SECRETS,
            )
        };
        let a = sealed(key("first-signing-key-0123456789abcdef0123"));
        let b = sealed(key("other-signing-key-0123456789abcdef0123"));
        a.put_secret("upstream-token:x", &Secret::new("gho_x"), now() + 60)
            .unwrap();
        let raw = a.get("upstream-token:x").unwrap().unwrap();
        b.put("upstream-token:x", &raw, now() + 60).unwrap();
        assert!(b.get_secret("upstream-token:x").unwrap().is_none());
    }

    #[test]
    fn the_key_from_the_configuration_is_the_same_on_every_instance() {
        let mut config = crate::config::Config::local(0);
        config.signing_key = Some(Secret::new("shared-signing-key-0123456789abcdef0123"));
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let a = Sealed::new(store.clone(), SealKey::from_config(&config));
        let b = Sealed::new(store, SealKey::from_config(&config));
        a.put_secret("upstream-token:y", &Secret::new("gho_y"), now() + 60)
            .unwrap();
        assert!(
            b.get_secret("upstream-token:y")
                .unwrap()
                .unwrap()
                .matches("gho_y")
        );
    }
}
