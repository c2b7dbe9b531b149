//! **[16, 19–21, 28](crate::_documentation::flow) Upstream sign-in and tool
//! calls — secrets at rest.** An upstream identity
//! provider (GitHub) hands us a token that acts *as the user* there. We must
//! keep it to call the upstream API on the user's behalf, and we keep it in
//! the state store ([`crate::oauth::store`]) — which may be a Redis shared by many instances. It is
//! sealed before it gets there: encrypted and authenticated with a key only
//! the server holds, so a dump of Redis, a backup or a stray `MONITOR` shows
//! nothing usable.
//!
//! ```text
//!   seal key  = HMAC-SHA256(MCP_SIGNING_KEY, "seal-key" 0x00 purpose)      (32 bytes)
//!   sealed    = 0x01 ‖ nonce (24 random bytes) ‖ XChaCha20-Poly1305(seal key, nonce, plaintext, aad)
//! ```
//!
//! * The key is *derived*, with its own label, from the signing key: one
//!   secret to configure, and the two uses never share a key (HMAC as the
//!   key-derivation PRF, as HKDF-Expand does with one block).
//! * The `aad` (additional authenticated data) is the store key the value is
//!   kept under, so a sealed value moved to another user's record does not
//!   open.
//! * XChaCha20's 192-bit nonce is large enough to pick at random for every
//!   seal with no risk of reuse.
//! * The leading version byte leaves room for another format later.
//!
//! Use it through [`super::Sealed`], which picks the key (derived by
//! [`SealKey::from_config`]) and the `aad` (the record's key); call
//! [`seal`]/[`open`] directly only for something that is not a store record.
//!
//! # Spec
//! * RFC 8439 (ChaCha20-Poly1305), draft-irtf-cfrg-xchacha (the extended nonce).
//! * RFC 2104 (HMAC), RFC 5869 §2.3 (HKDF-Expand, of which this is the one-block case).
//! * OAuth 2.1 draft §7.1 / MCP *Security Best Practices*: tokens obtained
//!   from an upstream server are credentials and are protected at rest.
//!
//! # Where this sits
//! Called by [`super::Sealed`], which the upstream sign-in uses for pending
//! sign-ins and users' upstream tokens; keyed from
//! [`crate::crypto::signing::SigningKey`].
//!
//! # Not implemented
//! * Key rotation: a new `MCP_SIGNING_KEY` makes every sealed value unreadable
//!   ([`open`] fails; [`super::Sealed::get_secret`] then reports none, so
//!   the user signs in upstream again). That is also how to wipe them all.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::config::Config;
use crate::crypto::secret::{Secret, random_bytes};
use crate::crypto::signing::SigningKey;

/// The purpose the store's seal key is derived for ([`SealKey::from_config`]).
/// Changing it makes every sealed record unreadable.
pub const STORE_SECRETS: &str = "store-secrets";
/// The format version, the first byte of every sealed value.
const VERSION: u8 = 1;
/// XChaCha20 nonce length.
const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;

/// A 256-bit key for [`seal`] and [`open`]. `Debug` is redacted.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(…)")
    }
}

impl SealKey {
    /// The key for `purpose` (e.g. `"upstream-token"`), derived from the
    /// signing key under the label `seal-key`, which no other use shares.
    pub fn derive(signing_key: &SigningKey, purpose: &str) -> SealKey {
        SealKey(signing_key.mac("seal-key", purpose.as_bytes()))
    }

    /// A random key: what it seals dies with the process (tests, or a
    /// server without `MCP_SIGNING_KEY`).
    pub fn random() -> SealKey {
        SealKey(random_bytes::<32>())
    }

    /// The key a server seals its store records with: derived from
    /// `MCP_SIGNING_KEY` for the purpose [`STORE_SECRETS`], so every instance
    /// sharing a store (and the same key) opens what the others sealed;
    /// random when the key is unset (then, as with tokens, nothing sealed
    /// survives the process).
    pub fn from_config(config: &Config) -> SealKey {
        match &config.signing_key {
            Some(secret) => SealKey::derive(&SigningKey::from_secret(secret), STORE_SECRETS),
            None => SealKey::random(),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(self.0))
    }
}

/// A sealed value that did not open: altered, sealed for another record
/// (`aad`), under another key (the signing key changed), or not ours at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenError;

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the sealed value does not open with this key for this record")
    }
}

impl std::error::Error for OpenError {}

/// Encrypts and authenticates `plaintext`, bound to `aad` (the store key it
/// will be kept under).
pub fn seal(key: &SealKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = random_bytes::<NONCE_LEN>();
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    // Encryption fails only for messages beyond 256 GiB; ours are a few bytes.
    let ciphertext = match key.cipher().encrypt(&XNonce::from(nonce), payload) {
        Ok(c) => c,
        Err(_) => unreachable!("XChaCha20-Poly1305 encrypts any message under 256 GiB"),
    };
    let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    sealed.push(VERSION);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    sealed
}

/// [`seal`] for a [`Secret`] (the one place its value enters the cipher).
pub fn seal_secret(key: &SealKey, aad: &[u8], value: &Secret) -> Vec<u8> {
    seal(key, aad, value.expose().as_bytes())
}

/// [`open`], for a value sealed by [`seal_secret`].
pub fn open_secret(key: &SealKey, aad: &[u8], sealed: &[u8]) -> Result<Secret, OpenError> {
    let plain = open(key, aad, sealed)?;
    String::from_utf8(plain)
        .map(Secret::new)
        .map_err(|_| OpenError)
}

/// The plaintext of a value made by [`seal`] with the same key and `aad`.
pub fn open(key: &SealKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
        return Err(OpenError);
    }
    let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError)?;
    key.cipher()
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| OpenError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::secret::Secret;

    fn key(secret: &str, purpose: &str) -> SealKey {
        SealKey::derive(&SigningKey::from_secret(&Secret::new(secret)), purpose)
    }

    const K: &str = "seal-test-key-0123456789abcdef0123456789";

    #[test]
    fn what_is_sealed_opens_with_the_same_key_and_aad() {
        let k = key(K, "upstream-token");
        let sealed = seal(&k, b"upstream:github:abc", b"gho_secret");
        assert_eq!(
            open(&k, b"upstream:github:abc", &sealed).unwrap(),
            b"gho_secret"
        );
        // Same key from the same signing key (another instance, a restart).
        assert_eq!(
            open(&key(K, "upstream-token"), b"upstream:github:abc", &sealed).unwrap(),
            b"gho_secret"
        );
    }

    #[test]
    fn the_plaintext_is_not_in_the_sealed_bytes_and_nonces_differ() {
        let k = key(K, "upstream-token");
        let a = seal(&k, b"r", b"gho_secret_token_value");
        let b = seal(&k, b"r", b"gho_secret_token_value");
        assert_ne!(a, b, "a fresh nonce every time");
        assert!(!a.windows(10).any(|w| w == b"gho_secret"));
        assert_eq!(a.len(), 1 + 24 + 22 + 16);
    }

    #[test]
    fn another_key_purpose_aad_or_a_flipped_bit_does_not_open() {
        let k = key(K, "upstream-token");
        let sealed = seal(&k, b"upstream:github:alice", b"gho_x");
        let other_key = key("another-signing-key-0123456789abcdef0123", "upstream-token");
        assert_eq!(
            open(&other_key, b"upstream:github:alice", &sealed),
            Err(OpenError)
        );
        assert_eq!(
            open(&key(K, "other-purpose"), b"upstream:github:alice", &sealed),
            Err(OpenError)
        );
        assert_eq!(open(&k, b"upstream:github:bob", &sealed), Err(OpenError));
        for i in 0..sealed.len() {
            let mut altered = sealed.clone();
            altered[i] ^= 1;
            assert_eq!(
                open(&k, b"upstream:github:alice", &altered),
                Err(OpenError),
                "byte {i}"
            );
        }
        assert_eq!(open(&k, b"", b""), Err(OpenError));
        assert_eq!(open(&k, b"", &sealed[..20]), Err(OpenError));
    }

    #[test]
    fn the_seal_key_is_not_the_token_signing_mac() {
        // Domain separation: the derived key differs from the MAC the token
        // format computes over the same bytes.
        let signing = SigningKey::from_secret(&Secret::new(K));
        let derived = SealKey::derive(&signing, "upstream-token");
        assert_ne!(derived.0, signing.mac("token", b"upstream-token"));
        assert_eq!(format!("{derived:?}"), "SealKey(…)");
    }
}
