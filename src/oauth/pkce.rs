//! **[12, 26](crate::_documentation::flow) PKCE challenge (`GET /authorize`)
//! and PKCE verify (`POST /token`).** The client invents a random
//! `code_verifier`, sends only its SHA-256 (the `code_challenge`) when it
//! starts the flow, and reveals the verifier when it trades the code. Someone
//! who steals the code from the redirect cannot use it without the verifier.
//!
//! ```text
//!   code_challenge = BASE64URL-NOPAD( SHA256( ASCII(code_verifier) ) )
//! ```
//!
//! # Spec
//! * RFC 7636 §4.1 (verifier: 43–128 unreserved characters), §4.2 (S256),
//!   §4.6 (compare; "If the values are not equal, an error response indicating
//!   invalid_grant … MUST be returned").
//! * MCP 2025-11-25 *Authorization Code Protection*: clients MUST use `S256`;
//!   we therefore refuse `plain` (and a missing method, which means `plain`).
//!
//! # Where this sits
//! [`super::authorize`] checks the challenge's shape and method and signs it
//! into the code; [`super::token`] calls [`verify`].
//!
//! # Not implemented
//! * The `plain` method, on purpose.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::crypto::secret::constant_time_eq;

/// The S256 transform of RFC 7636 §4.2.
pub fn s256(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()))
}

/// RFC 7636 §4.6: whether `code_verifier` hashes to `code_challenge`
/// (compared in constant time).
pub fn verify(code_verifier: &str, code_challenge: &str) -> bool {
    constant_time_eq(s256(code_verifier).as_bytes(), code_challenge.as_bytes())
}

/// RFC 7636 §4.1: `code_verifier = 43*128unreserved`.
pub fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(is_unreserved)
}

/// An S256 challenge is exactly 43 base64url characters (32 bytes, no padding).
pub fn is_valid_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B: this verifier must produce this S256 challenge.
    const VERIFIER_RFC7636: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE_RFC7636: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(s256(VERIFIER_RFC7636), CHALLENGE_RFC7636);
        assert!(verify(VERIFIER_RFC7636, CHALLENGE_RFC7636));
    }

    /// RFC 7636 §4.6: "If the values are not equal, an error response
    /// indicating invalid_grant … MUST be returned." (The token step maps a
    /// `false` here to `invalid_grant`; see tests/oauth_token_errors.rs.)
    #[test]
    fn a_different_verifier_does_not_verify() {
        assert!(!verify(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            CHALLENGE_RFC7636
        ));
        assert!(!verify(
            VERIFIER_RFC7636,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
    }

    #[test]
    fn verifier_and_challenge_shapes() {
        assert!(is_valid_verifier(VERIFIER_RFC7636));
        assert!(!is_valid_verifier("short"));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(is_valid_s256_challenge(CHALLENGE_RFC7636));
        assert!(!is_valid_s256_challenge(
            VERIFIER_RFC7636.trim_end_matches('k')
        ));
    }
}
