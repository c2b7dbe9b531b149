//! **[32–33](crate::_documentation::flow) After the flow — `POST /revoke`.** A
//! client that is done (the user removed the connector) revokes its refresh
//! token, which ends the whole grant: every access and refresh token of that
//! family stops working at once, on every instance that shares the store.
//!
//! ```text
//!   C → S  POST /revoke  token=…[&token_type_hint=refresh_token]&client_id…
//!   S → C  200 (always, for any token: RFC 7009 §2.2 — nothing to learn from the answer)
//!          503 temporarily_unavailable when the revocation cannot be recorded (§2.2.1; retry)
//! ```
//!
//! # Spec
//! * RFC 7009 §2.1 (request; client authentication as at the token endpoint;
//!   revoking a refresh token SHOULD revoke the grant's access tokens),
//!   §2.2 (200 for unknown tokens), §2.2.1 (errors).
//!
//! # Where this sits
//! Writes the records that [`super::bearer`] and [`super::token`] consult.
//!
//! # Not implemented
//! * `unsupported_token_type`: hints are ignored; both kinds are tried.

use super::OAuth;
use super::claims::{TokenClaims, TokenKind};
use super::encoding::Params;
use super::error::{RevokeError, TokenError};
use super::store::{access_key, now};
use super::token::{authenticate_client, revoke_family};
use crate::http::{Request, Response};

/// Answers `POST /revoke`.
pub fn handle(oauth: &OAuth, request: &Request) -> Response {
    match revoke(oauth, request) {
        Ok(()) => Response::empty(200)
            .with_header("Cache-Control", "no-store")
            .with_header("Access-Control-Allow-Origin", "*"),
        Err(e) => e.into_response(),
    }
}

fn revoke(oauth: &OAuth, request: &Request) -> Result<(), RevokeError> {
    if request.body.len() > super::token::MAX_FORM_BYTES {
        return Err(RevokeError::InvalidRequest("request body too large"));
    }
    let params = Params::parse_body(&request.body)
        .map_err(|_| RevokeError::InvalidRequest("malformed or repeated parameters"))?;
    let client = authenticate_client(oauth, request, &params).map_err(|e| match e {
        TokenError::InvalidRequest(why) => RevokeError::InvalidRequest(why),
        _ => RevokeError::InvalidClient("client authentication failed"),
    })?;
    let token = params
        .get("token")
        .ok_or(RevokeError::InvalidRequest("token is required"))?;
    let now = now();
    // A token of another client is left alone, and the answer is still 200.
    if let Ok(claims) = TokenClaims::verify(&oauth.key, TokenKind::Refresh, token, now) {
        if claims.client_id == client.id {
            revoke_family(oauth, &claims.family, now).map_err(RevokeError::Unavailable)?;
        }
    } else if let Ok(claims) = TokenClaims::verify(&oauth.key, TokenKind::Access, token, now)
        && claims.client_id == client.id
    {
        oauth
            .store
            .insert_once(&access_key(&claims.id), claims.expires_at)
            .map_err(RevokeError::Unavailable)?;
    }
    Ok(())
}
