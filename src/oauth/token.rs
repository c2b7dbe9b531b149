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
//!          store: family revoked? token spent? (reuse → revoke the family,
//!          unless a retry within the grace window: see below)
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
//! # Lifetimes
//! Refresh tokens slide ([`Settings::refresh_token_ttl`], renewed on each
//! refresh) but never past the grant's end, [`Settings::grant_ttl`] after
//! the code was redeemed (the `fexp` claim every token of the family
//! carries); access tokens stop there too. Each token issued to a
//! registered client keeps its registration alive ([`client::mark_used`]).
//!
//! # Retries of a refresh
//! Rotation spends a refresh token on first use, and a spent one seen again
//! means two parties hold it, so the family is revoked (RFC 9700 §4.14.2).
//! But the second party is usually the client itself: a retry after a lost
//! response, or two of its requests refreshing at once, and revoking then
//! logs the user out of claude.ai. So for [`Settings::refresh_grace`]
//! (`MCP_REFRESH_GRACE`, 60 s) after the first use, while its successor has
//! not been used, the same token from the same client gets the *same*
//! successor refresh token again (re-signed from the claims kept in the
//! store) and a fresh access token: both callers end with one refresh token,
//! not a fork. Once the successor is used, or the window is over, reuse
//! revokes as before. This is the trade-off RFC 9700 §4.14.2 discusses: a
//! thief who replays within the window and before the client refreshes
//! again gets the same tokens the client has, and is caught at the client's
//! next refresh (the reuse of the successor then revokes the family).
//!
//! # Not implemented
//! * `client_credentials`, device code, token exchange: claude.ai uses none.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::claims::{CodeClaims, TokenClaims, TokenKind};
use super::client::{self, Client, ClientKind, Presented};
use super::encoding::{Params, percent_decode};
use super::error::TokenError;
use super::store::{StoreError, family_key, now};
use super::{OAuth, Settings, pkce};
use crate::config::Config;
use crate::crypto::secret::{Secret, hash_hex, random_id};
use crate::crypto::signing::VerifyError;
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
    let issued = match params.get("grant_type") {
        Some("authorization_code") => authorization_code(config, oauth, &client, &params),
        Some("refresh_token") => refresh(config, oauth, &client, &params),
        Some(_) => Err(TokenError::UnsupportedGrantType),
        None => Err(TokenError::InvalidRequest("grant_type is required")),
    }?;
    // A registration lives while it is used (client::lookup). The tokens are
    // issued already (the code or refresh token spent): a failed write only
    // shortens the registration's life, so it must not cost the answer.
    if client.kind == ClientKind::Registered
        && let Err(e) = client::mark_used(oauth, &client.id, now())
    {
        super::error::log_unavailable(&e);
    }
    Ok(issued)
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
    if let Some(resource) = params.get("resource")
        && !super::url::is_our_resource(config, resource)
    {
        return Err(TokenError::InvalidTarget);
    }
    // The grant starts now and ends MCP_GRANT_TTL later, however often it
    // is refreshed.
    let grant_ends = now.saturating_add(oauth.settings.grant_ttl);
    let first = successor(
        config,
        client,
        claims.sub,
        claims.scopes,
        (claims.id, grant_ends),
        now,
        &oauth.settings,
    );
    Ok(issue(config, oauth, client, &first, now))
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
    if let Some(resource) = params.get("resource")
        && !super::url::is_our_resource(config, resource)
    {
        return Err(TokenError::InvalidTarget);
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
    // parties hold it, so the whole family goes (RFC 9700 §4.14.2) — unless
    // it is a retry within the grace window (module docs).
    let grace_key = format!("refresh-grace:{}", hash_hex(&claims.id));
    if oauth
        .store
        .insert_once(&spent_key(&claims.id), claims.expires_at)?
    {
        // Tokens signed before grants had an end get one from now.
        let grant_ends = match claims.family_expires_at {
            0 => now.saturating_add(oauth.settings.grant_ttl),
            ends => ends,
        };
        let next = successor(
            config,
            client,
            claims.sub,
            scopes,
            (claims.family, grant_ends),
            now,
            &oauth.settings,
        );
        if oauth.settings.refresh_grace > 0 {
            oauth.store.put(
                &grace_key,
                next.to_string().as_bytes(),
                now + oauth.settings.refresh_grace,
            )?;
        }
        return Ok(issue(config, oauth, client, &next, now));
    }
    if let Some(next) = grace_successor(oauth, &grace_key, config, client, &claims)?
        && !oauth.store.contains(&spent_key(&next.id))?
    {
        return Ok(issue(config, oauth, client, &next, now));
    }
    revoke_family(oauth, &claims.family, now)?;
    Err(TokenError::InvalidGrant(
        "the refresh token has already been used; its grant is revoked",
    ))
}

/// The store key that marks a refresh token (by its id) spent.
fn spent_key(id: &str) -> String {
    format!("refresh:{}", hash_hex(id))
}

/// The successor kept for a retry of the refresh token `spent`, if its grace
/// window is still open. The first redemption writes it just after spending
/// the token, so a concurrent second request that finds the token spent may
/// be a moment early: it looks again for up to a second before concluding
/// that there is none.
fn grace_successor(
    oauth: &OAuth,
    grace_key: &str,
    config: &Config,
    client: &Client,
    spent: &TokenClaims,
) -> Result<Option<TokenClaims>, StoreError> {
    if oauth.settings.refresh_grace == 0 {
        return Ok(None);
    }
    for attempt in 0..10 {
        if let Some(bytes) = oauth.store.get(grace_key)? {
            let kept: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let field = |name: &str| kept.get(name).and_then(serde_json::Value::as_u64);
            let (Some(id), Some(issued_at), Some(expires_at)) =
                (kept["jti"].as_str(), field("iat"), field("exp"))
            else {
                return Ok(None);
            };
            let scopes = kept["scope"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            return Ok(Some(TokenClaims {
                sub: spent.sub.clone(),
                client_id: client.id.clone(),
                scopes,
                audience: config.mcp_url(),
                issued_at,
                expires_at,
                id: id.to_string(),
                family: spent.family.clone(),
                family_expires_at: field("fexp").unwrap_or(expires_at),
            }));
        }
        if attempt < 9 {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    Ok(None)
}

/// The claims of the refresh token that follows a grant's previous one (or
/// its code): a new id, the full refresh lifetime from now.
fn successor(
    config: &Config,
    client: &Client,
    sub: String,
    scopes: Vec<String>,
    (family, family_expires_at): (String, u64),
    now: u64,
    settings: &Settings,
) -> SuccessorClaims {
    SuccessorClaims(TokenClaims {
        sub,
        client_id: client.id.clone(),
        scopes,
        audience: config.mcp_url(),
        issued_at: now,
        // Sliding (MCP_REFRESH_TOKEN_TTL), but never past the grant's end.
        expires_at: now
            .saturating_add(settings.refresh_token_ttl)
            .min(family_expires_at),
        id: random_id(),
        family,
        family_expires_at,
    })
}

/// Refresh-token claims, with what a retry needs kept as JSON.
struct SuccessorClaims(TokenClaims);

impl std::ops::Deref for SuccessorClaims {
    type Target = TokenClaims;
    fn deref(&self) -> &TokenClaims {
        &self.0
    }
}

impl std::fmt::Display for SuccessorClaims {
    /// What the grace record keeps: id, times and scopes (the rest is in the
    /// spent token). Not a secret: without the signing key it is no token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = json!({"jti": self.id, "iat": self.issued_at, "exp": self.expires_at,
                          "fexp": self.family_expires_at, "scope": self.scopes});
        write!(f, "{kept}")
    }
}

/// Signs a new access token for the grant `refresh` describes and, if the
/// client may refresh, the refresh token `refresh`; writes the §5.1 response.
fn issue(
    config: &Config,
    oauth: &OAuth,
    client: &Client,
    refresh: &TokenClaims,
    now: u64,
) -> Response {
    // Never past the grant's end either.
    let access_ttl = oauth
        .settings
        .access_token_ttl
        .min(refresh.family_expires_at.saturating_sub(now));
    let access = TokenClaims {
        sub: refresh.sub.clone(),
        client_id: client.id.clone(),
        scopes: refresh.scopes.clone(),
        audience: config.mcp_url(),
        issued_at: now,
        expires_at: now.saturating_add(access_ttl),
        id: random_id(),
        family: refresh.family.clone(),
        family_expires_at: refresh.family_expires_at,
    }
    .sign(&oauth.key, TokenKind::Access);
    let mut body = json!({
        "access_token": access.expose(),
        "token_type": "Bearer",
        "expires_in": access_ttl,
        "scope": refresh.scopes.join(" "),
    });
    if client.refresh_allowed {
        let refresh = refresh.sign(&oauth.key, TokenKind::Refresh);
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
