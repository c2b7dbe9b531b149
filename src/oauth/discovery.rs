//! **[3–6](crate::_documentation::flow) Discovery — the two metadata
//! documents.** After the 401 challenge the client reads where our
//! authorization server is (RFC 9728, *protected resource metadata*), then what
//! it supports (RFC 8414, *authorization server metadata*).
//!
//! ```text
//!   C → S  GET /.well-known/oauth-protected-resource/mcp   (also at …/oauth-protected-resource)
//!   S → C  {"resource":"{PUBLIC_URL}/mcp","authorization_servers":["{PUBLIC_URL}"],…}
//!          (at the root: "resource":"{PUBLIC_URL}", the URL it was derived from)
//!   C → S  GET /.well-known/oauth-authorization-server      (also at …/openid-configuration)
//!   S → C  {"issuer":"{PUBLIC_URL}","authorization_endpoint":…,"code_challenge_methods_supported":["S256"],…}
//! ```
//!
//! Every address comes from `PUBLIC_URL`, never from the request's `Host` or
//! `X-Forwarded-*` headers (see [`crate::config`]); `issuer` has no trailing
//! slash and equals `authorization_servers[0]` byte for byte (the Python SDK
//! compares them as strings). No field is ever `null`, no path redirects, and
//! browsers may read both documents (CORS, with `OPTIONS` preflight).
//!
//! # Spec
//! * RFC 9728 §3 (metadata, path-inserted well-known URI), §3.3 (`resource`
//!   must equal the URL the client used).
//! * RFC 8414 §2 (fields), §3 (well-known URI); RFC 9207 §3
//!   (`authorization_response_iss_parameter_supported`).
//! * draft-ietf-oauth-client-id-metadata-document
//!   (`client_id_metadata_document_supported`: true when a
//!   [`super::client::ClientDocuments`] source is installed, as it is by default).
//! * MCP 2025-11-25 *Authorization Server Discovery*.
//!
//! # Where this sits
//! Reached from the challenge written by [`super::bearer`]; points to
//! [`super::register`], [`super::authorize`], [`super::token`], [`super::revoke`].
//!
//! # Not implemented
//! * OpenID Connect proper (ID tokens, `jwks_uri`, userinfo): the
//!   `openid-configuration` path mirrors the OAuth document for clients that
//!   only probe there.

use serde_json::{Value, json};

use super::OAuth;
use crate::config::Config;
use crate::http::Response;

/// RFC 9728 protected resource metadata for the MCP endpoint, as served at
/// `/.well-known/oauth-protected-resource/mcp` (the path form, §3.1: its
/// `resource` is `{PUBLIC_URL}/mcp`).
pub fn protected_resource_document(config: &Config, oauth: &OAuth) -> Value {
    protected_resource_document_for(config, oauth, &config.mcp_url())
}

/// The same document for another `resource`. RFC 9728 §3.3: the `resource`
/// must be the identifier the metadata URL was derived from, so the root
/// `/.well-known/oauth-protected-resource` names the origin,
/// `{PUBLIC_URL}`; tokens are still for `/mcp`, and `/authorize` and
/// `/token` accept the origin as our resource.
fn protected_resource_document_for(config: &Config, oauth: &OAuth, resource: &str) -> Value {
    json!({
        "resource": resource,
        "authorization_servers": [config.public_url],
        "scopes_supported": oauth.settings.scopes_supported,
        "bearer_methods_supported": ["header"],
        "resource_name": oauth.settings.resource_name,
    })
}

/// RFC 8414 authorization server metadata.
pub fn authorization_server_document(config: &Config, oauth: &OAuth) -> Value {
    let url = |path: &str| format!("{}{path}", config.public_url);
    let auth_methods = ["none", "client_secret_post", "client_secret_basic"];
    json!({
        "issuer": config.public_url,
        "authorization_endpoint": url("/authorize"),
        "token_endpoint": url("/token"),
        "registration_endpoint": url("/register"),
        "revocation_endpoint": url("/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "scopes_supported": oauth.settings.scopes_supported,
        "client_id_metadata_document_supported": oauth.client_documents.is_some(),
        "authorization_response_iss_parameter_supported": true,
    })
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub fn protected_resource(config: &Config, oauth: &OAuth, path: &str) -> Response {
    if path.ends_with("/mcp") {
        document(&protected_resource_document(config, oauth))
    } else {
        document(&protected_resource_document_for(
            config,
            oauth,
            &config.public_url,
        ))
    }
}

/// `GET /.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`.
pub fn authorization_server(config: &Config, oauth: &OAuth) -> Response {
    document(&authorization_server_document(config, oauth))
}

fn document(value: &Value) -> Response {
    Response::json(200, value)
        .with_header("Cache-Control", "public, max-age=300")
        .with_header("Access-Control-Allow-Origin", "*")
}

/// `OPTIONS` on any OAuth path: the CORS preflight of a browser-based client
/// (MCP Inspector). No credentials are involved (tokens travel in headers the
/// page sets itself), so `*` is safe.
pub fn preflight() -> Response {
    Response::empty(204)
        .with_header("Access-Control-Allow-Origin", "*")
        .with_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .with_header(
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, MCP-Protocol-Version",
        )
        .with_header("Access-Control-Max-Age", "86400")
}
