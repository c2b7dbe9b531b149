//! **[8, 14–15, 24–31](crate::_documentation::flow) Every signed value — the
//! signing key.** One HMAC-SHA256 key signs every token, authorization code,
//! registered client id, CSRF token and sealed cookie this server issues, each
//! under its own *purpose* string, so that a value signed for one use is
//! worthless for another. Any instance holding the same `MCP_SIGNING_KEY` — this
//! process after a restart, or a second replica — checks them without a database.
//!
//! ```text
//!   kind.base64url(JSON claims).base64url(HMAC-SHA256(key, "token\0kind.claims"))
//! ```
//!
//! # Spec
//! * RFC 2104 (HMAC), FIPS 180-4 (SHA-256).
//!
//! # Where this sits
//! A leaf: it knows nothing about OAuth. [`crate::oauth::claims`] says what is
//! inside each kind of token; [`crate::oauth::token`], [`crate::oauth::register`],
//! [`crate::oauth::authorize`] and [`crate::oauth::bearer`] sign and check them.
//!
//! # Not implemented
//! * Key rotation (several keys, a key id): changing the key invalidates
//!   everything issued under the old one, which is the documented way to
//!   "log everyone out".

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::secret::{Secret, random_bytes};

/// The key that signs every token and client id. `Debug` is redacted.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    /// The key from `MCP_SIGNING_KEY` (at least 32 characters, checked by the
    /// configuration).
    pub fn from_secret(secret: &Secret) -> SigningKey {
        SigningKey(secret.expose().as_bytes().to_vec())
    }

    /// A random key: what issues will not survive a restart.
    pub fn generate() -> SigningKey {
        SigningKey(random_bytes::<32>().to_vec())
    }

    /// A key made of these bytes (an application's own `requestState` key,
    /// checked to be long enough by its caller).
    pub(crate) fn from_bytes(bytes: &[u8]) -> SigningKey {
        SigningKey(bytes.to_vec())
    }

    /// A key for another purpose, derived from this one: instances that share
    /// `MCP_SIGNING_KEY` derive the same key, and neither key reveals the other.
    pub(crate) fn derive(&self, purpose: &str) -> SigningKey {
        SigningKey(self.mac(purpose, b"").to_vec())
    }

    /// HMAC-SHA256 of `data` under this key, for `purpose` (domain separation:
    /// the same bytes signed for two purposes give unrelated tags).
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = self.hmac();
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// [`SigningKey::mac`] as base64url text.
    pub fn mac_b64(&self, purpose: &str, data: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, data))
    }

    fn hmac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length (RFC 2104 §3), so this cannot fail.
        match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        }
    }

    /// `kind.base64url(claims).base64url(sig)`.
    pub fn sign(&self, kind: &str, claims: &Value) -> String {
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{kind}.{payload}");
        let sig = self.mac_b64("token", signed.as_bytes());
        format!("{signed}.{sig}")
    }

    /// The claims of `token` if it is of `kind` and its signature is ours.
    /// Expiry is the caller's business (each step says what "expired" means).
    pub fn verify(&self, kind: &str, token: &str) -> Result<Value, VerifyError> {
        let mut parts = token.split('.');
        let (Some(k), Some(payload), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::Malformed);
        };
        if k != kind {
            return Err(VerifyError::WrongKind);
        }
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| VerifyError::Malformed)?;
        let mut mac = self.hmac();
        mac.update(b"token\0");
        mac.update(format!("{k}.{payload}").as_bytes());
        // verify_slice compares in constant time.
        mac.verify_slice(&sig)
            .map_err(|_| VerifyError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| VerifyError::Malformed)?;
        let claims: Value = serde_json::from_slice(&json).map_err(|_| VerifyError::Malformed)?;
        if !claims.is_object() {
            return Err(VerifyError::Malformed);
        }
        Ok(claims)
    }
}

/// Why a signed value was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// Not three base64url parts with a JSON object inside.
    Malformed,
    /// Another kind of token (e.g. a refresh token sent as a bearer token).
    WrongKind,
    /// Not signed with our key: altered, forged, or from another server.
    BadSignature,
    /// Signed by us, but past its `exp`.
    Expired,
    /// Signed by us, but a claim is missing or has the wrong type.
    MissingClaim,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VerifyError::Malformed => "malformed token",
            VerifyError::WrongKind => "wrong kind of token",
            VerifyError::BadSignature => "bad signature",
            VerifyError::Expired => "expired",
            VerifyError::MissingClaim => "missing claim",
        })
    }
}
