//! **[28–29](crate::_documentation::flow) Tool calls — a 2026-07-28 POST,
//! from its checks to its answer.** [`crate::mcp::transport`] hands this
//! era's hook ([`Era2026`], installed by [`super::install`]) every message that
//! [`crate::mcp::version::decide`] found modern. Here it is checked (the
//! `_meta` envelope, the mirrored headers, the version: MCP 2026-07-28
//! `basic/index#meta`, `basic/transports/streamable-http#server-validation`),
//! answered by [`request`] — this era's own methods, then the methods both eras
//! share ([`crate::mcp::dispatch::serve`]) — and every result is dressed
//! ([`super::envelope::decorate`]).
//!
//! ```text
//! transport::handle ─▶ Era2026::post ─▶ envelope::envelope      -32602
//!                                     ─▶ header_mirror::check    -32020
//!                                     ─▶ envelope::check_version -32022
//!                                     ─▶ request: server/discover | subscriptions/listen
//!                                                 | removed 2025 methods → -32601
//!                                                 | dispatch::serve (tools, capabilities)
//! ```
//!
//! No session is read or made: the request carries what the server needs
//! (`basic/index#statelessness`). An HTTP status goes with each refusal
//! ([`super::envelope::http_status`]).
//!
//! # Where this sits
//! Called by [`crate::mcp::transport`] through [`crate::mcp::server::EraHook`];
//! answers through [`crate::mcp::transport::Plan`], as the 2025 era does.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::envelope::{self, Envelope, Refusal};
use super::round_trip::{Binding, Round, RoundTrip};
use super::{header_mirror, subscriptions};
use crate::http::{Request, Response};
use crate::identity::Identity;
use crate::mcp::dispatch;
use crate::mcp::exchange::{self, EraRequest, Exchange};
use crate::mcp::jsonrpc::{self, Incoming, METHOD_NOT_FOUND, RpcError, RpcRequest};
use crate::mcp::server::{EraHook, McpServer};
use crate::mcp::transport::{self, Plan};

/// The 2026-07-28 era, as a hook of the core transport.
#[derive(Debug, Clone, Copy, Default)]
pub struct Era2026;

impl EraHook for Era2026 {
    fn post(
        &self,
        server: &Arc<McpServer>,
        http: &Request,
        message: Incoming,
        caller: Option<Identity>,
    ) -> Response {
        let req = match message {
            Incoming::Request(req) => req,
            // No client→server notification is defined on HTTP in 2026-07-28
            // (cancellation is closing the stream): accepted and dropped.
            _ => return Response::empty(202),
        };
        let refuse = |r: Refusal| transport::error(r.status, Some(&req.id), &r.error);
        let envelope = match envelope::envelope(&req) {
            Ok(e) => e,
            Err(r) => return refuse(r),
        };
        if let Err(r) = header_mirror::check(http, &req, &envelope, server) {
            return refuse(r);
        }
        let version = match envelope::check_version(&envelope) {
            Ok(v) => v,
            Err(r) => return refuse(r),
        };
        let plan = Plan {
            caller,
            session: None,
            version,
            log_level: envelope.log_level,
            era: Some(Box::new(ModernRequest {
                envelope,
                server: server.clone(),
            })),
            headers: Vec::new(),
            sse_only: transport::accepts_only_event_stream(http.header("accept")),
        };
        plan.deferred(server.clone(), req, request, envelope::http_status)
    }
}

/// The methods 2026-07-28 removed: `-32601` (then `404`), as any unknown method.
const REMOVED: [&str; 5] = [
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Answers a 2026-07-28 request: `Some(response)`, or `None` when the client
/// cancelled it or left its `subscriptions/listen` stream.
pub fn request(server: &McpServer, ex: &Exchange<'_>, req: &RpcRequest) -> Option<Value> {
    let params = match dispatch::params(req) {
        Ok(p) => p,
        Err(failure) => return Some(failure),
    };
    let outcome = match req.method.as_str() {
        // ── Discovery instead of the handshake ──
        "server/discover" => Ok(envelope::discover(server)),
        // ── Change notifications, on a stream of their own ──
        "subscriptions/listen" => return subscriptions::listen(server, ex, req, params),
        removed if REMOVED.contains(&removed) => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("Method not found: {removed}"),
        )),
        // ── Tools, and what the capabilities add: as in 2025 ──
        _ => dispatch::serve(server, ex, req, params)?,
    };
    Some(match outcome {
        Ok(result) => jsonrpc::success(&req.id, envelope::decorate(server, &req.method, result)),
        Err(e) => jsonrpc::failure(Some(&req.id), &e),
    })
}

/// What the core sees of a 2026-07-28 request ([`EraRequest`]).
struct ModernRequest {
    envelope: Envelope,
    server: Arc<McpServer>,
}

impl EraRequest for ModernRequest {
    fn declares(&self, capability: &str) -> bool {
        if capability == "elicitation" {
            self.envelope.takes_elicitation_forms()
        } else {
            self.envelope.declares(capability)
        }
    }

    fn open_round(
        &self,
        method: &str,
        target: &str,
        arguments: &Value,
        owner: Option<&str>,
        params: &Map<String, Value>,
    ) -> Result<Box<dyn exchange::Round + '_>, RpcError> {
        let binding = Binding::new(method, target, arguments, owner);
        let key = &self.server.state_key;
        Ok(Box::new(RoundTrip {
            round: Round::start(key, binding, params)?,
            envelope: &self.envelope,
            key,
        }))
    }
}
