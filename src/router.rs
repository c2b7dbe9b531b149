//! **All arrows — the router.** One `match` on method and path, with its arms in
//! the order of the sequence diagram in [docs/FLOW.md](../docs/FLOW.md), so that
//! reading it top to bottom is reading the flow.
//!
//! # Where this sits
//! Called by [`crate::http::server`] for every request; calls one handler per
//! arm. Handlers are plain functions from a [`Request`] to a [`Response`].

use std::sync::Arc;

use crate::app::Shared;
use crate::http::{Request, Response};

/// Answers one request.
pub fn route(shared: &Arc<Shared>, request: Request) -> Response {
    match (request.method.as_str(), request.path.as_str()) {
        // ── Discovery and tool calls: the MCP endpoint (auth hook first) ──
        (_, "/mcp") => match crate::auth::authenticate(shared, &request) {
            Ok(caller) => crate::mcp::transport::handle(shared, request, caller),
            Err(challenge) => challenge,
        },
        // ── Probes (Cloud Run, load balancers) ──
        ("GET" | "HEAD", "/health") => Response::json(200, &serde_json::json!({"status": "ok"})),
        _ => Response::json(404, &serde_json::json!({"error": "not_found"})),
    }
}
