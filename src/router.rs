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

use crate::arrow::Arrow;
use crate::config::Config;
use crate::ext::trace;
use crate::http::{Request, Response};
use crate::oauth::client::is_document_url;
use crate::oauth::encoding::Params;
use crate::oauth::{authorize, discovery, provider::ProviderContext, register, revoke, token};
use crate::shared::Shared;

/// Answers one request. With `MCP_TRACE=1`, [`crate::ext::trace`] narrates
/// the exchange as the FLOW.md arrow the `match` below says it is; the
/// handlers never know.
pub fn route(shared: &Arc<Shared>, request: Request) -> Response {
    if !trace::enabled() {
        return handle(shared, request).1;
    }
    let asked = trace::Asked::of(&request);
    let (arrow, response) = handle(shared, request);
    trace::narrate(arrow, &asked, &response);
    response
}

/// The `match`, in diagram order: each arm says which arrow its request is
/// (`None`: not an arrow of the diagram) and calls its handler. The crate
/// root's example walks the whole diagram through it, in memory.
pub fn handle(shared: &Arc<Shared>, request: Request) -> (Option<Arrow>, Response) {
    let config = &shared.config;
    match (
        request.method.as_str(),
        request.path.as_str(),
        shared.oauth.as_ref(),
    ) {
        // ── [1] without a token → [2] the 401 challenge; [28] with one → [29] ──
        (_, "/mcp", _) => (Some(mcp_arrow(&request)), mcp(shared, request)),
        // ── Browser clients' CORS preflight on the OAuth paths (not an arrow) ──
        ("OPTIONS", path, Some(_))
            if path.starts_with("/.well-known/")
                || matches!(path, "/register" | "/token" | "/revoke") =>
        {
            (None, discovery::preflight())
        }
        // ── [3] → [4] protected resource metadata (RFC 9728) ──
        (
            "GET" | "HEAD",
            "/.well-known/oauth-protected-resource/mcp" | "/.well-known/oauth-protected-resource",
            Some(oauth),
        ) => (
            Some(Arrow::ResourceMetadataRequest),
            discovery::protected_resource(config, oauth, &request.path),
        ),
        // ── [5] → [6] authorization server metadata (RFC 8414) ──
        (
            "GET" | "HEAD",
            "/.well-known/oauth-authorization-server" | "/.well-known/openid-configuration",
            Some(oauth),
        ) => (
            Some(Arrow::ServerMetadataRequest),
            discovery::authorization_server(config, oauth),
        ),
        // ── [7] → [8] registration (RFC 7591; CIMD and operator clients need none) ──
        ("POST", "/register", Some(oauth)) => (
            Some(Arrow::Register),
            register::handle(config, oauth, &request),
        ),
        // ── [9]/[12] → the form [13], a code [25], or the IdP [16];
        //    [14] → a code [15] or the IdP [16]; [23] → a code [24] ──
        ("GET" | "POST", "/authorize", Some(oauth)) => (
            Some(authorize_arrow(config, &request)),
            authorize::handle(config, oauth, &request),
        ),
        // ── [19] → [22]: the upstream IdP's own routes (e.g. /auth/github/callback) ──
        (_, path, Some(oauth)) if path.starts_with("/auth/") => {
            let ctx = ProviderContext {
                config,
                key: &oauth.key,
                store: oauth.store.as_ref(),
            };
            let response = oauth.provider.route(&request, &ctx);
            (
                Some(Arrow::UpstreamCallback),
                response.unwrap_or_else(not_found),
            )
        }
        // ── [26] → [27] PKCE verify; [30] → [31] refresh ──
        ("POST", "/token", Some(oauth)) => (
            Some(token_arrow(&request)),
            token::handle(config, oauth, &request),
        ),
        // ── [32] → [33] revocation (RFC 7009) ──
        ("POST", "/revoke", Some(oauth)) => (Some(Arrow::Revoke), revoke::handle(oauth, &request)),
        // ── Probes (Cloud Run, load balancers): not an arrow ──
        ("GET" | "HEAD", "/health", _) => (
            None,
            Response::json(200, &serde_json::json!({"status": "ok"})),
        ),
        _ => (None, not_found()),
    }
}

/// `/mcp`: a foreign Origin or Host is refused (403) before the bearer check
/// (MCP's DNS-rebinding rule holds whether or not a token came), then
/// [`crate::auth::authenticate`] decides who is calling, then the transport.
fn mcp(shared: &Arc<Shared>, request: Request) -> Response {
    match crate::mcp::origin::check(&shared.config, &request)
        .and_then(|()| crate::auth::authenticate(shared, &request))
    {
        Ok(caller) => crate::mcp::transport::handle(&shared.mcp, request, caller),
        Err(refusal) => refusal,
    }
}

/// `/mcp` is `[28]` with an `Authorization` header, `[1]` without.
fn mcp_arrow(request: &Request) -> Arrow {
    match request.header("Authorization") {
        Some(_) => Arrow::ToolCall,
        None => Arrow::McpWithoutToken,
    }
}

/// `POST /authorize` is `[14]`; `GET /authorize` is `[23]` when it comes
/// back from the upstream IdP with the sign-in cookie, `[9]` (and `[12]`)
/// when the client id is a metadata document URL, else `[12]`.
fn authorize_arrow(config: &Config, request: &Request) -> Arrow {
    if request.method == "POST" {
        return Arrow::Allow;
    }
    let query = Params::parse(&request.query).unwrap_or_default();
    if crate::ext::upstream::cookies::carries_session(config, request) {
        Arrow::AuthorizeWithSession
    } else if query.get("client_id").is_some_and(is_document_url) {
        Arrow::AuthorizeWithDocumentUrl
    } else {
        Arrow::Authorize
    }
}

/// `POST /token` is `[30]` for `grant_type=refresh_token`, else `[26]`.
fn token_arrow(request: &Request) -> Arrow {
    let form = Params::parse_body(&request.body).unwrap_or_default();
    match form.get("grant_type") {
        Some("refresh_token") => Arrow::RefreshRequest,
        _ => Arrow::TokenRequest,
    }
}

fn not_found() -> Response {
    Response::json(404, &serde_json::json!({"error": "not_found"}))
}
