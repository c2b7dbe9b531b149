//! **[7–8](crate::_documentation::flow) Registration step, first way — `POST
//! /register` (Dynamic Client Registration).** claude.ai and the SDK clients
//! register themselves: they send their redirect URIs and how they will
//! authenticate, and get a `client_id` back.
//!
//! ```text
//!   C → S  POST /register {"redirect_uris":[…],"token_endpoint_auth_method":"none","client_name":"Claude",…}
//!   S → C  201 {"client_id":"mcp_client.…","client_id_issued_at":…,"redirect_uris":[…],
//!               "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
//!               "token_endpoint_auth_method":"none","client_name":"Claude"}
//!          (+ "client_secret", "client_secret_expires_at":0 for the secret methods)
//! ```
//!
//! **Deprecated in MCP 2026-07-28** in favour of Client ID Metadata Documents
//! ([`super::client::ClientDocuments`], the `ext::cimd` extension;
//! `basic/authorization/client-registration`), which claude.ai
//! uses when the metadata advertises them (it does). DCR stays for every client
//! of the 2025 revisions, as the revision itself says ("remains available for
//! backwards compatibility").
//!
//! **`application_type`** (MCP 2026-07-28 `client-registration#application-type-and-redirect-uri-constraints`,
//! SEP-837; OpenID Connect Registration 1.0 §2). 2026 clients say what they are:
//! `"web"` — a remote browser application: its redirect URIs must be https on
//! a host that is not loopback; `"native"` — desktop, mobile or CLI apps and
//! apps on `localhost`: loopback `http` redirects are allowed (RFC 8252 §7.3),
//! and https ones too. Anything else is `invalid_client_metadata`. Without it
//! (every 2025 client, claude.ai included) the general rule applies: https, or
//! http on loopback. The value is echoed in the response.
//!
//! **Stateless registration.** claude.ai registers a new client on every
//! connection, so a registration table would grow forever. Instead the
//! registration *is* the `client_id`: redirect URIs, name and auth method,
//! signed with the server key ([`super::claims::RegistrationClaims`]). The client
//! secret is derived from the id with the key. Nothing is stored at
//! registration; a restarted server or a second instance with the same key
//! knows every client. A registration expires when unused: `MCP_CLIENT_TTL`
//! (90 days) after it was made or after its last token (a small store record
//! per client that gets tokens, [`super::client::mark_used`]).
//!
//! # Spec
//! * RFC 7591 §2 (metadata), §3.1 (request), §3.2.1 (201 response: echo the
//!   registered metadata; omit rather than `null`), §3.2.2 (errors).
//! * MCP 2025-11-25 *Dynamic Client Registration*; redirect URIs https or loopback.
//! * MCP 2026-07-28 `basic/authorization/client-registration` (`application_type`; DCR deprecated).
//!
//! # Where this sits
//! After discovery ([`super::discovery`] advertises `registration_endpoint`);
//! the id it issues is read back by [`super::client::lookup()`].
//!
//! # Not implemented
//! * The management API (RFC 7592: read/update/delete a registration).
//! * Software statements.

use serde_json::{Value, json};

use super::OAuth;
use super::claims::RegistrationClaims;
use super::client::AuthMethod;
use super::error::RegisterError;
use super::store::now;
use super::url::{UrlParts, check_redirect_uri, is_loopback_host};
use crate::config::Config;
use crate::http::{Request, Response};

/// Largest registration body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Registrations per client address ([`Config::client_bucket`]: IPv6 per /64) per window.
const REGISTRATIONS_PER_WINDOW: u64 = 60;
/// The rate-limit window.
const WINDOW_SECS: u64 = 10 * 60;
/// Redirect URIs per client at most (they all travel inside the client id).
const MAX_REDIRECT_URIS: usize = 10;

/// Answers `POST /register`.
pub fn handle(config: &Config, oauth: &OAuth, request: &Request) -> Response {
    match register(config, oauth, request) {
        Ok(body) => Response::json(201, &body)
            .with_header("Cache-Control", "no-store")
            .with_header("Pragma", "no-cache")
            .with_header("Access-Control-Allow-Origin", "*"),
        Err(e) => e.into_response(),
    }
}

fn register(config: &Config, oauth: &OAuth, request: &Request) -> Result<Value, RegisterError> {
    if request.body.len() > MAX_BODY_BYTES {
        return Err(RegisterError::TooLarge);
    }
    let now = now();
    let ip = config.client_bucket(request);
    if oauth
        .store
        .increment(&format!("rate:register:{ip}"), now + WINDOW_SECS)
        .map_err(RegisterError::Unavailable)?
        > REGISTRATIONS_PER_WINDOW
    {
        return Err(RegisterError::TooManyRequests);
    }
    let meta: Value = serde_json::from_slice(&request.body)
        .map_err(|_| RegisterError::InvalidClientMetadata("the body must be a JSON object"))?;
    let meta = meta
        .as_object()
        .ok_or(RegisterError::InvalidClientMetadata(
            "the body must be a JSON object",
        ))?;

    let redirect_uris: Vec<String> = meta
        .get("redirect_uris")
        .and_then(Value::as_array)
        .ok_or(RegisterError::InvalidRedirectUri(
            "redirect_uris is required",
        ))?
        .iter()
        .map(|u| {
            u.as_str()
                .map(str::to_string)
                .ok_or(RegisterError::InvalidRedirectUri(
                    "redirect_uris must be strings",
                ))
        })
        .collect::<Result<_, _>>()?;
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(RegisterError::InvalidRedirectUri(
            "give between 1 and 10 redirect_uris",
        ));
    }
    for uri in &redirect_uris {
        if uri.len() > 1024 {
            return Err(RegisterError::InvalidRedirectUri("redirect_uri too long"));
        }
        check_redirect_uri(uri).map_err(RegisterError::InvalidRedirectUri)?;
    }

    let application_type = match meta.get("application_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "web" || t == "native" => Some(t.as_str()),
        Some(_) => {
            return Err(RegisterError::InvalidClientMetadata(
                "application_type must be \"web\" or \"native\"",
            ));
        }
    };
    if application_type == Some("web")
        && !redirect_uris.iter().all(|uri| {
            UrlParts::parse(uri).is_some_and(|u| u.scheme == "https" && !is_loopback_host(&u.host))
        })
    {
        return Err(RegisterError::InvalidRedirectUri(
            "a web application's redirect_uris must be https on a non-loopback host; a client using a loopback redirect registers as \"native\"",
        ));
    }

    // RFC 7591 §2: the default is client_secret_basic.
    let auth_method = match meta.get("token_endpoint_auth_method") {
        None => AuthMethod::SecretBasic,
        Some(m) => m.as_str().and_then(AuthMethod::parse).ok_or(RegisterError::InvalidClientMetadata(
            "token_endpoint_auth_method must be none, client_secret_post or client_secret_basic",
        ))?,
    };
    // We issue codes and refresh tokens, nothing else; other grant types
    // requested alongside are dropped, and we echo what we registered.
    if let Some(grants) = meta.get("grant_types") {
        let grants = grants
            .as_array()
            .ok_or(RegisterError::InvalidClientMetadata(
                "grant_types must be an array",
            ))?;
        if !grants
            .iter()
            .any(|g| g.as_str() == Some("authorization_code"))
        {
            return Err(RegisterError::InvalidClientMetadata(
                "grant_types must include authorization_code",
            ));
        }
    }
    if let Some(types) = meta.get("response_types")
        && !types
            .as_array()
            .is_some_and(|t| t.iter().any(|r| r.as_str() == Some("code")))
    {
        return Err(RegisterError::InvalidClientMetadata(
            "response_types must include code",
        ));
    }
    let client_name = match meta.get("client_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if name.chars().count() <= 200 => Some(name.clone()),
        Some(_) => {
            return Err(RegisterError::InvalidClientMetadata(
                "client_name must be a string of at most 200 characters",
            ));
        }
    };

    let registration = RegistrationClaims {
        name: client_name.clone(),
        redirect_uris: redirect_uris.clone(),
        auth_method: auth_method.as_str().to_string(),
        issued_at: now,
    };
    let client_id = registration.sign(&oauth.key);
    let mut body = json!({
        "client_id": client_id,
        "client_id_issued_at": now,
        "redirect_uris": redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": auth_method.as_str(),
    });
    if let Some(name) = client_name {
        body["client_name"] = json!(name);
    }
    if let Some(t) = application_type {
        body["application_type"] = json!(t);
    }
    if auth_method != AuthMethod::None {
        let secret = RegistrationClaims::client_secret(&oauth.key, &client_id);
        body["client_secret"] = json!(secret.expose());
        body["client_secret_expires_at"] = json!(0);
    }
    Ok(body)
}
