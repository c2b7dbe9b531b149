//! **[all](crate::_documentation::flow) All arrows — the router.** One `match`
//! on method and path, with its arms in the order of the sequence diagram in
//! [docs/FLOW.md](crate::_documentation::flow), so that reading it top to bottom is reading
//! the flow.
//!
//! The third element of the matched tuple is the authorization server: `None`
//! under [`crate::App::without_auth`] (loopback only), and then no OAuth arm
//! matches — there is no authorization server to discover.
//!
//! # Where this sits
//! Called by [`crate::http::server`] for every request; calls one handler per
//! arm. Handlers are plain functions from a [`Request`] to a [`Response`].

use std::sync::Arc;

use crate::http::{Request, Response};
use crate::oauth::{authorize, discovery, provider::ProviderContext, register, revoke, token};
use crate::shared::Shared;

/// Answers one request. With `MCP_TRACE=1`, [`crate::trace`] narrates the
/// exchange as the FLOW.md arrow it is; the handlers never know.
pub fn route(shared: &Arc<Shared>, request: Request) -> Response {
    if !crate::trace::enabled() {
        return answer(shared, request);
    }
    let asked = crate::trace::Asked::of(&request);
    let response = answer(shared, request);
    crate::trace::narrate(&asked, &response);
    response
}

/// The `match`, in diagram order.
fn answer(shared: &Arc<Shared>, request: Request) -> Response {
    let config = &shared.config;
    match (
        request.method.as_str(),
        request.path.as_str(),
        shared.oauth.as_ref(),
    ) {
        // ── Discovery 1 + tool calls: the MCP endpoint (401 challenge first) ──
        // A foreign Origin or Host is refused (403) before the bearer check:
        // MCP's DNS-rebinding rule holds whether or not a token came.
        (_, "/mcp", _) => match crate::mcp::origin::check(config, &request)
            .and_then(|()| crate::auth::authenticate(shared, &request))
        {
            Ok(caller) => crate::mcp::transport::handle(&shared.mcp, request, caller),
            Err(refusal) => refusal,
        },
        // ── Browser clients' CORS preflight on the OAuth paths ──
        ("OPTIONS", path, Some(_))
            if path.starts_with("/.well-known/")
                || matches!(path, "/register" | "/token" | "/revoke") =>
        {
            discovery::preflight()
        }
        // ── Discovery 2: protected resource metadata (RFC 9728) ──
        (
            "GET" | "HEAD",
            "/.well-known/oauth-protected-resource/mcp" | "/.well-known/oauth-protected-resource",
            Some(oauth),
        ) => discovery::protected_resource(config, oauth, &request.path),
        // ── Discovery 3: authorization server metadata (RFC 8414) ──
        (
            "GET" | "HEAD",
            "/.well-known/oauth-authorization-server" | "/.well-known/openid-configuration",
            Some(oauth),
        ) => discovery::authorization_server(config, oauth),
        // ── Registration (RFC 7591; CIMD and operator clients need none) ──
        ("POST", "/register", Some(oauth)) => register::handle(config, oauth, &request),
        // ── PKCE challenge: authorize, login/consent form ──
        ("GET" | "POST", "/authorize", Some(oauth)) => authorize::handle(config, oauth, &request),
        // ── Upstream IdP branch: the provider's own routes (e.g. /auth/github/callback) ──
        (_, path, Some(oauth)) if path.starts_with("/auth/") => {
            let ctx = ProviderContext {
                config,
                key: &oauth.key,
                store: oauth.store.as_ref(),
            };
            oauth
                .provider
                .route(&request, &ctx)
                .unwrap_or_else(not_found)
        }
        // ── PKCE verify, refresh ──
        ("POST", "/token", Some(oauth)) => token::handle(config, oauth, &request),
        // ── Revocation (RFC 7009) ──
        ("POST", "/revoke", Some(oauth)) => revoke::handle(oauth, &request),
        // ── Probes (Cloud Run, load balancers) ──
        ("GET" | "HEAD", "/health", _) => Response::json(200, &serde_json::json!({"status": "ok"})),
        _ => not_found(),
    }
}

fn not_found() -> Response {
    Response::json(404, &serde_json::json!({"error": "not_found"}))
}
