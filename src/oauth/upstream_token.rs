//! **Upstream sign-in → tool calls — the user's upstream token, kept sealed.**
//! With an upstream identity provider (GitHub), the callback step receives a
//! token that acts as the user upstream; later, a tool call made with *our*
//! access token needs it back to call the upstream API as that user. Between
//! the two it waits in the [`Store`], sealed ([`super::seal`]), under a key
//! that names the provider and the hash of the user's subject:
//!
//! ```text
//!   callback:   upstream code → upstream token → save(store, key, "github", sub, token, expires_at)
//!                 store["upstream:github:<sha256(sub)>"] = seal(token, aad = that key)
//!   tool call:  identity.sub → load(store, key, "github", sub) → Some(token) → upstream API
//! ```
//!
//! An upstream provider **must** keep its tokens through these functions,
//! never with [`Store::put`] directly: then no store backend ever sees one in
//! clear, and every instance sharing `MCP_SIGNING_KEY` and the store can use
//! it.
//!
//! # Spec
//! * MCP 2025-11-25 *Security Best Practices — Token Passthrough*: our access
//!   token is never sent upstream; the upstream token is never sent to the
//!   client. This module is where the second one waits.
//!
//! # Where this sits
//! Called by an upstream [`super::provider::AuthProvider`] (through
//! [`super::provider::ProviderContext`], which carries `store` and `key`) and
//! by the tools that call the upstream API.
//!
//! # Not implemented
//! * Refreshing the upstream token: store what the provider returns (for a
//!   GitHub App, the access and refresh tokens as one JSON text) and refresh
//!   in the provider.

use super::seal::{SealKey, open, seal};
use super::secret::{Secret, hash_hex};
use super::store::{Store, StoreError};
use super::tokens::SigningKey;

/// The purpose the seal key is derived for.
const PURPOSE: &str = "upstream-token";

/// The store key of `sub`'s token at `provider`: the subject is hashed, so a
/// listing of the store reveals no user names either.
pub fn store_key(provider: &str, sub: &str) -> String {
    format!("upstream:{provider}:{}", hash_hex(sub))
}

/// Keeps `token` for `sub` at `provider` until `expires_at`, sealed.
pub fn save(
    store: &dyn Store,
    key: &SigningKey,
    provider: &str,
    sub: &str,
    token: &Secret,
    expires_at: u64,
) -> Result<(), StoreError> {
    let record = store_key(provider, sub);
    let sealed = seal(
        &SealKey::derive(key, PURPOSE),
        record.as_bytes(),
        token.expose().as_bytes(),
    );
    store.put(&record, &sealed, expires_at)
}

/// `sub`'s token at `provider`, if one is kept and still opens. A value that
/// does not open (the signing key changed, or someone wrote to the record) is
/// reported as no token, so the user simply signs in upstream again.
pub fn load(
    store: &dyn Store,
    key: &SigningKey,
    provider: &str,
    sub: &str,
) -> Result<Option<Secret>, StoreError> {
    let record = store_key(provider, sub);
    let Some(sealed) = store.get(&record)? else {
        return Ok(None);
    };
    match open(&SealKey::derive(key, PURPOSE), record.as_bytes(), &sealed) {
        Ok(plain) => Ok(String::from_utf8(plain).ok().map(Secret::new)),
        Err(e) => {
            crate::log::event(
                "WARNING",
                &format!("an upstream token for {provider} was ignored: {e}"),
            );
            Ok(None)
        }
    }
}

/// Forgets `sub`'s token at `provider` (sign-out, or upstream said 401).
pub fn forget(store: &dyn Store, provider: &str, sub: &str) -> Result<(), StoreError> {
    store.remove(&store_key(provider, sub))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::store::{MemoryStore, now};

    fn key(s: &str) -> SigningKey {
        SigningKey::from_secret(&Secret::new(s))
    }

    const K: &str = "upstream-test-key-0123456789abcdef012345";

    #[test]
    fn a_saved_token_loads_and_is_stored_sealed_under_a_hashed_key() {
        let store = MemoryStore::new();
        let token = Secret::new("gho_16C7e42F292c6912E7710c838347Ae178B4a");
        save(&store, &key(K), "github", "12345", &token, now() + 60).unwrap();
        let loaded = load(&store, &key(K), "github", "12345").unwrap().unwrap();
        assert!(token.matches(loaded.expose()));
        let record = store_key("github", "12345");
        assert!(!record.contains("12345"));
        let raw = store.get(&record).unwrap().unwrap();
        assert!(!raw.windows(4).any(|w| w == b"gho_"));
        assert!(load(&store, &key(K), "github", "67890").unwrap().is_none());
    }

    #[test]
    fn another_signing_key_or_a_moved_value_loads_nothing() {
        let store = MemoryStore::new();
        save(
            &store,
            &key(K),
            "github",
            "alice",
            &Secret::new("gho_a"),
            now() + 60,
        )
        .unwrap();
        let other = key("a-different-signing-key-0123456789abcdef");
        assert!(load(&store, &other, "github", "alice").unwrap().is_none());
        // Alice's sealed token copied into Bob's record does not open as Bob's.
        let alices = store.get(&store_key("github", "alice")).unwrap().unwrap();
        store
            .put(&store_key("github", "bob"), &alices, now() + 60)
            .unwrap();
        assert!(load(&store, &key(K), "github", "bob").unwrap().is_none());
    }

    #[test]
    fn forget_and_expiry_remove_it() {
        let store = MemoryStore::new();
        save(
            &store,
            &key(K),
            "github",
            "a",
            &Secret::new("t"),
            now() + 60,
        )
        .unwrap();
        forget(&store, "github", "a").unwrap();
        assert!(load(&store, &key(K), "github", "a").unwrap().is_none());
        save(&store, &key(K), "github", "b", &Secret::new("t"), now() - 1).unwrap();
        assert!(load(&store, &key(K), "github", "b").unwrap().is_none());
    }
}
