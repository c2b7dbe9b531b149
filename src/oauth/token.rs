//! **[26–27, 30–31](crate::_documentation::flow) PKCE verify — `POST /token`.**
//! The client trades the one-time code for an access token and a refresh token,
//! proving with the PKCE verifier that it is the client that started the flow;
//! later it trades the refresh token for a new pair.
//!
//! ```text
//!   C → S  POST /token  grant_type=authorization_code&code&redirect_uri&code_verifier&client_id[&resource]
//!          client auth (none | client_secret_post | client_secret_basic, as registered)
//!          code: signature, expiry, client, redirect_uri, S256(verifier) == challenge, resource
//!          store: code spent? (a replay revokes every token issued from it)
//!          (store unreachable → 503 temporarily_unavailable; nothing issued)
//!   S → C  200 {"access_token","token_type":"Bearer","expires_in","refresh_token","scope"}
//!
//!   C → S  POST /token  grant_type=refresh_token&refresh_token[&scope][&resource]
//!          store: family revoked? token spent? (reuse → revoke the family)
//!   S → C  200 {… a new access token and a new refresh token (rotation)}
//! ```
//!
//! # Spec
//! * RFC 6749 §4.1.3 (code request), §5.1 (success; `Cache-Control: no-store`,
//!   `Pragma: no-cache`), §5.2 (errors), §6 (refresh: scope may only narrow),
//!   §2.3.1 (client_secret_basic / _post).
//! * RFC 7636 §4.5–§4.6 (verifier; mismatch → `invalid_grant`).
//! * OAuth 2.1 draft §4.3.1 / RFC 9700 §4.14.2: refresh tokens of public
//!   clients rotate; reuse of a spent one revokes the family.
//! * RFC 8707 §2.2 (`resource` at the token endpoint).
//!
//! # Where this sits
//! Redeems the codes of [`super::authorize`]; the access tokens it issues are
//! checked by [`super::bearer`] on `/mcp`; [`super::revoke`] ends them early.
//!
//! # Not implemented
//! * A grace period for the previous refresh token (a lost response means the
//!   client must authorize again).
//! * `client_credentials`, device code, token exchange: claude.ai uses none.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::client::{self, Client, Presented};
use super::encoding::{Params, percent_decode};
use super::error::TokenError;
use super::secret::{Secret, hash_hex, random_id};
use super::store::{StoreError, family_key, now};
use super::tokens::{CodeClaims, TokenClaims, TokenKind, VerifyError};
use super::{OAuth, pkce};
use crate::config::Config;
use crate::http::{Request, Response};

/// Largest token request body accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// Answers `POST /token`.
pub fn handle(config: &Config, oauth: &OAuth, request: &Request) -> Response {
    match exchange(config, oauth, request) {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

fn exchange(config: &Config, oauth: &OAuth, request: &Request) -> Result<Response, TokenError> {
    if request.body.len() > MAX_FORM_BYTES {
        return Err(TokenError::TooLarge);
    }
    if request.header("Content-Type").is_some_and(|ct| {
        !ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    }) {
        return Err(TokenError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let params = Params::parse_body(&request.body)
        .map_err(|_| TokenError::InvalidRequest("malformed or repeated parameters"))?;
    let client = authenticate_client(oauth, request, &params)?;
    match params.get("grant_type") {
        Some("authorization_code") => authorization_code(config, oauth, &client, &params),
        Some("refresh_token") => refresh(config, oauth, &client, &params),
        Some(_) => Err(TokenError::UnsupportedGrantType),
        None => Err(TokenError::InvalidRequest("grant_type is required")),
    }
}

/// Who is calling, checked against how the client registered. Shared with
/// [`super::revoke`].
pub fn authenticate_client(
    oauth: &OAuth,
    request: &Request,
    params: &Params,
) -> Result<Client, TokenError> {
    let basic = match request.header("Authorization") {
        Some(h) => Some(parse_basic(h).ok_or(TokenError::InvalidClient {
            why: "malformed Authorization: Basic header",
            used_basic: true,
        })?),
        None => None,
    };
    let used_basic = basic.is_some();
    let (client_id, presented) = match (basic, params.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(TokenError::InvalidRequest(
                "use one client authentication method, not two",
            ));
        }
        (Some((id, secret)), None) => {
            if params.get("client_id").is_some_and(|form_id| form_id != id) {
                return Err(TokenError::InvalidRequest(
                    "client_id differs from the Basic credentials",
                ));
            }
            (id, Presented::Basic(secret))
        }
        (None, secret) => {
            let id = params.get("client_id").ok_or(TokenError::InvalidClient {
                why: "client_id is required",
                used_basic,
            })?;
            match secret {
                Some(s) => (id.to_string(), Presented::Post(Secret::new(s))),
                None => (id.to_string(), Presented::Nothing),
            }
        }
    };
    let client = client::lookup(oauth, &client_id).map_err(|_| TokenError::InvalidClient {
        why: "unknown client; register again",
        used_basic,
    })?;
    if !client.authenticate(oauth, &presented) {
        return Err(TokenError::InvalidClient {
            why: "client authentication failed or used another method than registered",
            used_basic,
        });
    }
    Ok(client)
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn parse_basic(header: &str) -> Option<(String, Secret)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let id = percent_decode(id).ok()?;
    let secret = percent_decode(secret).ok()?;
    Some((id, Secret::new(secret)))
}

fn authorization_code(
    config: &Config,
    oauth: &OAuth,
    client: &Client,
    params: &Params,
) -> Result<Response, TokenError> {
    let code = params
        .get("code")
        .ok_or(TokenError::InvalidRequest("code is required"))?;
    let verifier = params
        .get("code_verifier")
        .ok_or(TokenError::InvalidRequest(
            "code_verifier is required (PKCE)",
        ))?;
    if !pkce::is_valid_verifier(verifier) {
        return Err(TokenError::InvalidRequest(
            "code_verifier must be 43-128 unreserved characters",
        ));
    }
    let now = now();
    let claims = CodeClaims::verify(&oauth.key, code, now).map_err(|e| match e {
        VerifyError::Expired => TokenError::InvalidGrant("the authorization code has expired"),
        _ => TokenError::InvalidGrant("the authorization code is not valid"),
    })?;
    if claims.client_id != client.id {
        return Err(TokenError::InvalidGrant(
            "the authorization code was issued to another client",
        ));
    }
    // Single use, across instances sharing the store, and whatever the outcome:
    // from here on the code is spent, so a wrong verifier or redirect URI burns
    // it too (OAuth 2.1 §4.1.3: a code is used once). The family of the tokens
    // is the code's id, so a replay can revoke what the first use produced.
    if !oauth
        .store
        .insert_once(&format!("code:{}", hash_hex(&claims.id)), claims.expires_at)?
    {
        revoke_family(oauth, &claims.id, now)?;
        return Err(TokenError::InvalidGrant(
            "the authorization code has already been used",
        ));
    }
    match params.get("redirect_uri") {
        Some(uri) if uri == claims.redirect_uri => {}
        None if !claims.redirect_uri_given => {}
        _ => {
            return Err(TokenError::InvalidGrant(
                "redirect_uri differs from the authorization request",
            ));
        }
    }
    if !pkce::verify(verifier, &claims.code_challenge) {
        return Err(TokenError::InvalidGrant(
            "code_verifier does not match the code_challenge",
        ));
    }
    if let Some(resource) = params.get("resource") {
        if !super::is_our_resource(config, resource) {
            return Err(TokenError::InvalidTarget);
        }
    }
    Ok(issue(
        config,
        oauth,
        client,
        claims.sub,
        claims.scopes,
        claims.id,
        now,
    ))
}

fn refresh(
    config: &Config,
    oauth: &OAuth,
    client: &Client,
    params: &Params,
) -> Result<Response, TokenError> {
    if !client.refresh_allowed {
        return Err(TokenError::UnauthorizedClient);
    }
    let token = params
        .get("refresh_token")
        .ok_or(TokenError::InvalidRequest("refresh_token is required"))?;
    let now = now();
    let claims =
        TokenClaims::verify(&oauth.key, TokenKind::Refresh, token, now).map_err(|e| match e {
            VerifyError::Expired => TokenError::InvalidGrant("the refresh token has expired"),
            _ => TokenError::InvalidGrant("the refresh token is not valid"),
        })?;
    if claims.client_id != client.id {
        return Err(TokenError::InvalidGrant(
            "the refresh token was issued to another client",
        ));
    }
    if claims.audience != config.mcp_url() {
        return Err(TokenError::InvalidGrant(
            "the refresh token is for another resource",
        ));
    }
    if let Some(resource) = params.get("resource") {
        if !super::is_our_resource(config, resource) {
            return Err(TokenError::InvalidTarget);
        }
    }
    if is_family_revoked(oauth, &claims.family)? {
        return Err(TokenError::InvalidGrant(
            "the refresh token has been revoked",
        ));
    }
    // RFC 6749 §6: the new scope may only keep or narrow the original.
    let scopes = match params.get("scope") {
        None => claims.scopes.clone(),
        Some(requested) => {
            let requested: Vec<String> = requested
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if requested.is_empty() || requested.iter().any(|s| !claims.scopes.contains(s)) {
                return Err(TokenError::InvalidScope);
            }
            requested
        }
    };
    // Rotation: this refresh token is now spent. Seeing it again means two
    // parties hold it, so the whole family goes (RFC 9700 §4.14.2).
    if !oauth.store.insert_once(
        &format!("refresh:{}", hash_hex(&claims.id)),
        claims.expires_at,
    )? {
        revoke_family(oauth, &claims.family, now)?;
        return Err(TokenError::InvalidGrant(
            "the refresh token has already been used; its grant is revoked",
        ));
    }
    Ok(issue(
        config,
        oauth,
        client,
        claims.sub,
        scopes,
        claims.family,
        now,
    ))
}

/// Signs a new access token and (if the client may refresh) a new refresh
/// token of the same family, and writes the §5.1 response.
fn issue(
    config: &Config,
    oauth: &OAuth,
    client: &Client,
    sub: String,
    scopes: Vec<String>,
    family: String,
    now: u64,
) -> Response {
    let access_ttl = oauth.settings.access_token_ttl;
    let claims = |ttl: u64| TokenClaims {
        sub: sub.clone(),
        client_id: client.id.clone(),
        scopes: scopes.clone(),
        audience: config.mcp_url(),
        issued_at: now,
        expires_at: now.saturating_add(ttl),
        id: random_id(),
        family: family.clone(),
    };
    let access = claims(access_ttl).sign(&oauth.key, TokenKind::Access);
    let mut body = json!({
        "access_token": access.expose(),
        "token_type": "Bearer",
        "expires_in": access_ttl,
        "scope": scopes.join(" "),
    });
    if client.refresh_allowed {
        let refresh = claims(oauth.settings.refresh_token_ttl).sign(&oauth.key, TokenKind::Refresh);
        body["refresh_token"] = json!(refresh.expose());
    }
    Response::json(200, &body)
        .with_header("Cache-Control", "no-store")
        .with_header("Pragma", "no-cache")
        .with_header("Access-Control-Allow-Origin", "*")
}

/// Marks a family revoked for as long as any of its tokens could live.
pub fn revoke_family(oauth: &OAuth, family: &str, now: u64) -> Result<(), StoreError> {
    let longest = oauth
        .settings
        .access_token_ttl
        .max(oauth.settings.refresh_token_ttl);
    // `false` means it was revoked already: the same outcome.
    oauth
        .store
        .insert_once(&family_key(family), now.saturating_add(longest))
        .map(|_| ())
}

/// Whether [`revoke_family`] was called for `family`.
pub fn is_family_revoked(oauth: &OAuth, family: &str) -> Result<bool, StoreError> {
    oauth.store.contains(&family_key(family))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_credentials_are_percent_decoded_each_on_its_own() {
        // `&` and `=` are legal raw characters once base64-decoded.
        let (id, secret) = parse_basic(&basic("my&client", "a&s=b=c")).unwrap();
        assert_eq!(id, "my&client");
        assert!(secret.matches("a&s=b=c"));
        let (id, secret) = parse_basic(&basic("c%3Aid", "x+y%25")).unwrap();
        assert_eq!(id, "c:id");
        assert!(secret.matches("x y%"));
        assert!(parse_basic(&basic("c", "%zz")).is_none());
        assert!(parse_basic("Bearer abc").is_none());
    }
}
