//! **[8, 14–15, 26–33](crate::_documentation::flow) Every step that handles a
//! secret — the `Secret` type.** Passwords, client secrets, PKCE verifiers,
//! authorization codes, access and refresh tokens, and the signing key all pass
//! through this module's two types, so that none of them can be printed by
//! accident or compared in a way that leaks timing.
//!
//! # Spec
//! * OAuth 2.1 draft §7.1 / MCP 2025-11-25 *Token Theft*: secrets are never logged
//!   and are stored only as hashes.
//! * RFC 6749 §10.10: generated credentials must be unguessable (256 bits here).
//!
//! # Where this sits
//! Used by [`super::signing`] (the signing key), [`crate::oauth::provider`] (the admin
//! password), [`crate::oauth::client`] (client secrets) and [`crate::oauth::store`] (keys are
//! SHA-256 digests made by [`hash_hex`]).
//!
//! # Not implemented
//! * Zeroing memory on drop: it needs `unsafe` or another dependency, and the
//!   threat it addresses (a memory dump of the process) is out of scope here.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A secret string (password, client secret, token). `Debug` prints
/// `Secret(…)`; there is no `PartialEq`: use [`Secret::matches`].
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value that is secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// 32 bytes from the operating system's generator, base64url without padding
    /// (43 characters; also a valid PKCE verifier length, RFC 7636 §4.1).
    pub fn generate() -> Secret {
        Secret(URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
    }

    /// The value, for the one place that must send it (a response body) or
    /// hash it. Never format it into a log line.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` equals this secret. Compares SHA-256 digests in
    /// constant time, so the time taken does not depend on how many leading
    /// characters match (oauth2-rs's advice for secret comparison).
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(
            &Sha256::digest(self.0.as_bytes()),
            &Sha256::digest(presented.as_bytes()),
        )
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// `N` random bytes from the operating system. If the OS generator fails there
/// is no safe way to go on issuing credentials, so this panics with a message
/// (it happens only on a broken system, never because of a request).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random generator failed: {e}");
    }
    bytes
}

/// A random identifier (128 bits, base64url): token ids (`jti`) and families.
pub fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// Hex SHA-256 of `value`: how codes, token ids and client ids appear as
/// store keys, so that a dump of the store reveals no usable credential.
///
/// Every `/mcp` request calls this twice (the revocation checks of the
/// access token and of its family), so the digits are written from a table:
/// a `format!` per byte was 8% of a tool call's CPU (docs/PERFORMANCE.md).
pub fn hash_hex(value: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(value.as_bytes()) {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(…)");
        assert!(!format!("{:?}", Some(&s)).contains("hunter2"));
    }

    #[test]
    fn matches_compares_the_whole_value() {
        let s = Secret::new("correct horse");
        assert!(s.matches("correct horse"));
        assert!(!s.matches("correct hors"));
        assert!(!s.matches("correct horse "));
        assert!(!s.matches(""));
    }

    #[test]
    fn generated_secrets_are_43_chars_and_differ() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_eq!(a.expose().len(), 43);
        assert!(!a.matches(b.expose()));
    }

    #[test]
    fn hash_hex_is_sha256() {
        // FIPS 180-2 test vector for "abc".
        assert_eq!(
            hash_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
