//! **[1–2, 28](crate::_documentation::flow) Discovery's first arrow and every
//! tool call — the bearer check on `/mcp`.** No token: `401` with a challenge
//! that tells the client where to start (this is arrow `[2]`, the start of the flow, not an
//! error). A token: check it; the caller's [`Identity`] goes on to the tools.
//!
//! ```text
//!   C → S  POST /mcp                                  (no Authorization)
//!   S → C  401 WWW-Authenticate: Bearer resource_metadata="{PUBLIC_URL}/.well-known/oauth-protected-resource/mcp", scope="mcp"
//!   C → S  POST /mcp  Authorization: Bearer mcp_at.…  signature, expiry, audience, revocation, scope
//!   S → C  (the MCP answer)  |  401 error="invalid_token"  |  403 error="insufficient_scope"
//!          |  503 JSON-RPC error -32000 (the revocation records are unreachable)
//! ```
//!
//! # Spec
//! * RFC 6750 §2.1 (header only; §2.3 query tokens are refused here, as the MCP
//!   spec requires), §3 and §3.1 (`WWW-Authenticate`, `invalid_request`,
//!   `invalid_token`, `insufficient_scope`).
//! * RFC 9728 §5.1 (`resource_metadata` in the challenge).
//! * MCP 2025-11-25 *Token Handling* and *Token Audience Binding* (`aud` must be
//!   our MCP URL), *Runtime Insufficient Scope Errors* (403).
//!
//! # Where this sits
//! Called by [`crate::auth::authenticate`] (from [`crate::router`]) before
//! [`crate::mcp`]; tokens come from [`super::token`].
//!
//! # Not implemented
//! * Per-tool scopes: one set of scopes guards the whole endpoint.

use serde_json::json;

use super::OAuth;
use super::claims::{TokenClaims, TokenKind};
use super::encoding::Params;
use super::error::{RETRY_AFTER_UNAVAILABLE, log_unavailable};
use super::store::{StoreError, access_key, family_key, now};
use crate::config::Config;
use crate::crypto::signing::VerifyError;
use crate::http::{Request, Response};
use crate::identity::Identity;

/// Why a request to `/mcp` was not let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerError {
    /// No `Authorization: Bearer` header: arrow `[1]`. → `[2]` 401, challenge without `error`
    Missing,
    /// A token in the query string (`?access_token=`). → 400 `invalid_request`
    TokenInQuery,
    /// Malformed, forged, expired, revoked, or for another audience.
    /// → 401 `invalid_token`
    InvalidToken(&'static str),
    /// Valid, but without every required scope. → 403 `insufficient_scope`
    InsufficientScope,
    /// The revocation records cannot be read (the state store is
    /// unreachable), so the token cannot be checked. → 503 with a JSON-RPC
    /// error ([`unavailable`]): not a challenge, the token may be fine.
    Unavailable(StoreError),
}

/// The JSON-RPC error code of [`unavailable`]: `-32000`, the first of the
/// implementation-defined server errors (JSON-RPC 2.0 §5.1), outside the
/// codes MCP assigns.
pub const STORE_UNAVAILABLE: i64 = -32000;

/// Checks the request's bearer token and returns who is calling.
pub fn check(config: &Config, oauth: &OAuth, request: &Request) -> Result<Identity, BearerError> {
    if Params::parse(&request.query).is_ok_and(|q| q.get("access_token").is_some()) {
        return Err(BearerError::TokenInQuery);
    }
    let mut headers = request.header_all("Authorization");
    let header = headers.next().ok_or(BearerError::Missing)?;
    if headers.next().is_some() {
        return Err(BearerError::InvalidToken(
            "more than one Authorization header",
        ));
    }
    let token = match header.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(BearerError::Missing),
    };
    let claims = TokenClaims::verify(&oauth.key, TokenKind::Access, token, now()).map_err(|e| {
        BearerError::InvalidToken(match e {
            VerifyError::Expired => "the access token has expired",
            VerifyError::WrongKind => "not an access token",
            _ => "the access token is not valid",
        })
    })?;
    if claims.audience != config.mcp_url() {
        return Err(BearerError::InvalidToken(
            "the access token is for another resource",
        ));
    }
    // One round trip: is this token, or its whole grant, revoked?
    let revoked = oauth
        .store
        .contains_any(&[&access_key(&claims.id), &family_key(&claims.family)])
        .map_err(BearerError::Unavailable)?;
    if revoked {
        return Err(BearerError::InvalidToken(
            "the access token has been revoked",
        ));
    }
    if !oauth
        .settings
        .required_scopes
        .iter()
        .all(|s| claims.scopes.contains(s))
    {
        return Err(BearerError::InsufficientScope);
    }
    Ok(Identity {
        sub: claims.sub,
        client_id: claims.client_id,
        scopes: claims.scopes,
    })
}

/// The challenge channel: the one function that writes `WWW-Authenticate`
/// for `/mcp`.
pub fn challenge(config: &Config, oauth: &OAuth, error: &BearerError) -> Response {
    let metadata = format!(
        "{}/.well-known/oauth-protected-resource/mcp",
        config.public_url
    );
    let scope = oauth.settings.required_scopes.join(" ");
    let (status, code, description) = match error {
        BearerError::Missing => (401, None, "an access token is required"),
        BearerError::TokenInQuery => (
            400,
            Some("invalid_request"),
            "send the access token in the Authorization header, not the URL",
        ),
        BearerError::InvalidToken(why) => (401, Some("invalid_token"), *why),
        BearerError::InsufficientScope => (
            403,
            Some("insufficient_scope"),
            "the access token lacks a required scope",
        ),
        BearerError::Unavailable(e) => return unavailable(e, None),
    };
    let header = match code {
        None => format!("Bearer resource_metadata=\"{metadata}\", scope=\"{scope}\""),
        Some(code) => format!(
            "Bearer error=\"{code}\", error_description=\"{description}\", resource_metadata=\"{metadata}\", scope=\"{scope}\""
        ),
    };
    Response::json(
        status,
        &json!({ "error": code.unwrap_or("unauthorized"), "error_description": description }),
    )
    .with_header("WWW-Authenticate", &header)
    .with_header("Cache-Control", "no-store")
}

/// The answer when the bearer check cannot consult the store: HTTP `503`,
/// `Retry-After`, and a JSON-RPC error (id echoed when the body has one) that
/// a client shows as "try again", not as "sign in again".
pub fn unavailable(e: &StoreError, request: Option<&Request>) -> Response {
    log_unavailable(e);
    let id = request
        .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
        .and_then(|body| body.get("id").cloned())
        .unwrap_or(serde_json::Value::Null);
    Response::json(
        503,
        &json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {
                "code": STORE_UNAVAILABLE,
                "message": "The server cannot check access tokens right now (its state store is unreachable); retry in a few seconds."
            }
        }),
    )
    .with_header("Retry-After", RETRY_AFTER_UNAVAILABLE)
    .with_header("Cache-Control", "no-store")
}
