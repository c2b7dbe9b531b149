//! **[8, 15, 24–28, 30–31](crate::_documentation::flow) Token step and tool
//! calls — the signed token format.** Access tokens, refresh tokens,
//! authorization codes and dynamically registered client ids are all
//! *self-contained*: what they grant is written inside them and signed with
//! HMAC-SHA256 under the server's key ([`crate::crypto::signing`]). Any instance holding the same
//! `MCP_SIGNING_KEY` — this process after a restart, or a second replica — can
//! check them without a database.
//!
//! ```text
//!   mcp_at.eyJzdWIiOiJhZG1pbiIsImNpZCI6Ij…fQ.Qm9n…      (three parts, dot-separated)
//!   └kind┘ └──── base64url(JSON claims) ────┘ └ base64url(HMAC-SHA256(key, "kind.claims")) ┘
//! ```
//!
//! The kind is inside the signed input, so an access token cannot be replayed as
//! a refresh token or a code, and vice versa.
//!
//! | kind | what | claims |
//! |---|---|---|
//! | `mcp_at` | access token | `sub cid scope aud iat exp jti fam` |
//! | `mcp_rt` | refresh token | same as the access token |
//! | `mcp_code` | authorization code | `cid ruri rgiven chal res scope sub exp jti` |
//! | `mcp_client` | DCR client id | `name ruris method iat` |
//!
//! # Spec
//! * RFC 2104 (HMAC), FIPS 180-4 (SHA-256).
//! * RFC 9068 (JWT access tokens) is the model: `aud` is the MCP URL (RFC 8707),
//!   plus `sub`, `client_id`, `scope`, `exp`, `jti`. We do not use the JWT
//!   encoding itself (no header, no algorithm choice), so there is no `alg`
//!   confusion to defend against.
//!
//! # Where this sits
//! Written by [`super::register`] (client ids), [`super::authorize`] (codes) and
//! [`super::token`] (access and refresh tokens); read back by the same modules
//! and by [`super::bearer`] on every `/mcp` request. Revocation and single use
//! are checked against [`super::store`], not here.
//!
//! # Not implemented
//! * Encryption: the claims are signed, not hidden (base64 is not secrecy), as
//!   with a JWT. Nothing secret is put in them.
//! * Key rotation (several keys, a key id): changing the key invalidates
//!   everything issued under the old one, which is the documented way to
//!   "log everyone out".

use serde_json::{Value, json};

use crate::crypto::secret::Secret;
use crate::crypto::signing::{SigningKey, VerifyError};

fn str_claim(claims: &Value, name: &str) -> Result<String, VerifyError> {
    claims[name]
        .as_str()
        .map(str::to_string)
        .ok_or(VerifyError::MissingClaim)
}

fn u64_claim(claims: &Value, name: &str) -> Result<u64, VerifyError> {
    claims[name].as_u64().ok_or(VerifyError::MissingClaim)
}

fn list_claim(claims: &Value, name: &str) -> Result<Vec<String>, VerifyError> {
    claims[name]
        .as_array()
        .ok_or(VerifyError::MissingClaim)?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or(VerifyError::MissingClaim)
        })
        .collect()
}

/// Access tokens (`mcp_at`) are presented on `/mcp`; refresh tokens (`mcp_rt`)
/// only at `POST /token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `Authorization: Bearer mcp_at.…`
    Access,
    /// `grant_type=refresh_token&refresh_token=mcp_rt.…`
    Refresh,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Access => "mcp_at",
            TokenKind::Refresh => "mcp_rt",
        }
    }
}

/// What an access or refresh token grants (RFC 9068 claim names in brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The user (`sub`).
    pub sub: String,
    /// The client it was issued to (`client_id`).
    pub client_id: String,
    /// Granted scopes (`scope`).
    pub scopes: Vec<String>,
    /// The MCP URL it is for (`aud`, RFC 8707).
    pub audience: String,
    /// Issued at, Unix seconds (`iat`).
    pub issued_at: u64,
    /// Expires at, Unix seconds (`exp`).
    pub expires_at: u64,
    /// This token's id (`jti`): revocation and single use.
    pub id: String,
    /// The grant it descends from: every token issued from one authorization
    /// code shares it, through every refresh. Revoking it revokes them all.
    pub family: String,
    /// When the grant ends however often it is refreshed (`fexp`, Unix
    /// seconds): its code's redemption plus `MCP_GRANT_TTL`. `0` in tokens
    /// signed before this claim existed (unknown).
    pub family_expires_at: u64,
}

impl TokenClaims {
    /// Signs these claims as a token of `kind`.
    pub fn sign(&self, key: &SigningKey, kind: TokenKind) -> Secret {
        Secret::new(key.sign(
            kind.prefix(),
            &json!({
                "sub": self.sub, "cid": self.client_id, "scope": self.scopes,
                "aud": self.audience, "iat": self.issued_at, "exp": self.expires_at,
                "jti": self.id, "fam": self.family, "fexp": self.family_expires_at,
            }),
        ))
    }

    /// Checks kind, signature and expiry (at `now`), and reads the claims.
    pub fn verify(
        key: &SigningKey,
        kind: TokenKind,
        token: &str,
        now: u64,
    ) -> Result<TokenClaims, VerifyError> {
        let c = key.verify(kind.prefix(), token)?;
        let claims = TokenClaims {
            sub: str_claim(&c, "sub")?,
            client_id: str_claim(&c, "cid")?,
            scopes: list_claim(&c, "scope")?,
            audience: str_claim(&c, "aud")?,
            issued_at: u64_claim(&c, "iat")?,
            expires_at: u64_claim(&c, "exp")?,
            id: str_claim(&c, "jti")?,
            family: str_claim(&c, "fam")?,
            family_expires_at: c["fexp"].as_u64().unwrap_or(0),
        };
        if claims.expires_at <= now {
            return Err(VerifyError::Expired);
        }
        Ok(claims)
    }
}

/// An authorization code's contents: everything the token step must check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeClaims {
    /// The client that asked (`cid`).
    pub client_id: String,
    /// The redirect URI used (`ruri`).
    pub redirect_uri: String,
    /// Whether the client sent `redirect_uri` itself (then it must send it
    /// again at the token step, RFC 6749 §4.1.3).
    pub redirect_uri_given: bool,
    /// The PKCE S256 challenge (`chal`).
    pub code_challenge: String,
    /// The resource (MCP URL) the tokens will be for (`res`).
    pub resource: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The user who approved.
    pub sub: String,
    /// Expiry, Unix seconds.
    pub expires_at: u64,
    /// The code's id: recorded as spent, and the family of the tokens it yields.
    pub id: String,
}

impl CodeClaims {
    /// Signs the code.
    pub fn sign(&self, key: &SigningKey) -> Secret {
        Secret::new(key.sign(
            "mcp_code",
            &json!({
                "cid": self.client_id, "ruri": self.redirect_uri, "rgiven": self.redirect_uri_given,
                "chal": self.code_challenge, "res": self.resource, "scope": self.scopes,
                "sub": self.sub, "exp": self.expires_at, "jti": self.id,
            }),
        ))
    }

    /// Checks signature and expiry, and reads the claims.
    pub fn verify(key: &SigningKey, code: &str, now: u64) -> Result<CodeClaims, VerifyError> {
        let c = key.verify("mcp_code", code)?;
        let claims = CodeClaims {
            client_id: str_claim(&c, "cid")?,
            redirect_uri: str_claim(&c, "ruri")?,
            redirect_uri_given: c["rgiven"].as_bool().ok_or(VerifyError::MissingClaim)?,
            code_challenge: str_claim(&c, "chal")?,
            resource: str_claim(&c, "res")?,
            scopes: list_claim(&c, "scope")?,
            sub: str_claim(&c, "sub")?,
            expires_at: u64_claim(&c, "exp")?,
            id: str_claim(&c, "jti")?,
        };
        if claims.expires_at <= now {
            return Err(VerifyError::Expired);
        }
        Ok(claims)
    }
}

/// A dynamically registered client, as encoded in its `client_id` (stateless
/// registration: nothing is stored, so nothing piles up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationClaims {
    /// `client_name`, if given.
    pub name: Option<String>,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    pub auth_method: String,
    /// `client_id_issued_at`.
    pub issued_at: u64,
}

impl RegistrationClaims {
    /// The client id: the signed registration.
    pub fn sign(&self, key: &SigningKey) -> String {
        let mut claims = json!({ "ruris": self.redirect_uris, "method": self.auth_method, "iat": self.issued_at });
        if let Some(name) = &self.name {
            claims["name"] = json!(name);
        }
        key.sign("mcp_client", &claims)
    }

    /// Reads a client id back.
    pub fn verify(key: &SigningKey, client_id: &str) -> Result<RegistrationClaims, VerifyError> {
        let c = key.verify("mcp_client", client_id)?;
        Ok(RegistrationClaims {
            name: c["name"].as_str().map(str::to_string),
            redirect_uris: list_claim(&c, "ruris")?,
            auth_method: str_claim(&c, "method")?,
            issued_at: u64_claim(&c, "iat")?,
        })
    }

    /// The client secret of a confidential DCR client: derived from the
    /// client id with the key, so it is never stored and never needs to be.
    pub fn client_secret(key: &SigningKey, client_id: &str) -> Secret {
        Secret::new(key.mac_b64("client_secret", client_id.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> TokenClaims {
        TokenClaims {
            sub: "admin".into(),
            client_id: "c".into(),
            scopes: vec!["mcp".into()],
            audience: "https://x.example/mcp".into(),
            issued_at: 100,
            expires_at: 200,
            id: "j".into(),
            family: "f".into(),
            family_expires_at: 300,
        }
    }

    #[test]
    fn a_token_verifies_under_its_key_and_kind_only() {
        let key = SigningKey::generate();
        let token = claims().sign(&key, TokenKind::Access);
        assert!(token.expose().starts_with("mcp_at."));
        assert_eq!(
            TokenClaims::verify(&key, TokenKind::Access, token.expose(), 150),
            Ok(claims())
        );
        assert_eq!(
            TokenClaims::verify(&key, TokenKind::Refresh, token.expose(), 150),
            Err(VerifyError::WrongKind)
        );
        assert_eq!(
            TokenClaims::verify(
                &SigningKey::generate(),
                TokenKind::Access,
                token.expose(),
                150
            ),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            TokenClaims::verify(&key, TokenKind::Access, token.expose(), 200),
            Err(VerifyError::Expired)
        );
    }

    #[test]
    fn changing_one_claim_breaks_the_signature() {
        let key = SigningKey::generate();
        let token = claims().sign(&key, TokenKind::Access);
        let mut parts: Vec<String> = token.expose().split('.').map(str::to_string).collect();
        let mut forged = claims();
        forged.sub = "root".into();
        let forged_token = forged.sign(&SigningKey::generate(), TokenKind::Access);
        parts[1] = forged_token.expose().split('.').nth(1).unwrap().to_string();
        assert_eq!(
            TokenClaims::verify(&key, TokenKind::Access, &parts.join("."), 150),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn the_same_key_string_gives_the_same_key() {
        let a = SigningKey::from_secret(&Secret::new("k".repeat(32)));
        let b = SigningKey::from_secret(&Secret::new("k".repeat(32)));
        let token = claims().sign(&a, TokenKind::Refresh);
        assert!(TokenClaims::verify(&b, TokenKind::Refresh, token.expose(), 150).is_ok());
    }

    #[test]
    fn client_ids_carry_the_registration() {
        let key = SigningKey::generate();
        let reg = RegistrationClaims {
            name: Some("Claude".into()),
            redirect_uris: vec!["https://claude.ai/api/mcp/auth_callback".into()],
            auth_method: "none".into(),
            issued_at: 1,
        };
        let id = reg.sign(&key);
        assert_eq!(RegistrationClaims::verify(&key, &id), Ok(reg));
        assert!(
            RegistrationClaims::client_secret(&key, &id)
                .matches(RegistrationClaims::client_secret(&key, &id).expose())
        );
    }
}
