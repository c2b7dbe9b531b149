//! **[28–29](crate::_documentation::flow) Tool calls — Streamable HTTP.**
//! The router hands `POST`/`GET`/`DELETE /mcp` here once the bearer token of
//! arrow `[28]` is checked ([`crate::auth`]); this module turns it into parsed
//! JSON-RPC messages for [`crate::mcp::dispatch`], and their answers back into
//! the HTTP response of arrow `[29]`, as MCP 2025-11-25
//! `basic/transports#streamable-http` describes and as claude.ai needs
//! (docs/DESIGN.md). It is the only core MCP code that knows HTTP.
//!
//! # The checks, in order
//! * `Origin` and `Host` (DNS-rebinding defence): checked by the router before
//!   the bearer token, in [`crate::mcp::origin`].
//! * The HTTP method: `POST` serves messages, `DELETE` ends a session,
//!   anything else — `GET` included — is `405` with `Allow: POST, DELETE`, at
//!   once. We offer no standalone SSE stream (2026-07-28 removed it; a GET that
//!   hangs broke claude.ai connectors).
//! * `POST`: parse the body ([`crate::mcp::jsonrpc`]), decide the era
//!   ([`crate::mcp::version::decide`]), then
//!   * **2025** (2025-11-25 and earlier): look up the session
//!     (`Mcp-Session-Id`: never required, unknown ids are ignored, ended ones
//!     are `404`), start one on `initialize`, dispatch;
//!   * **2026-07-28**: hand the message to the later era's hook
//!     ([`crate::mcp::server::EraHook`], installed by [`crate::App`]:
//!     [`crate::ext::era_2026`], where the two eras are explained). Without
//!     one it is `400`.
//!
//! # Status codes
//! | situation | HTTP | body |
//! |---|---|---|
//! | legacy request answered (result *or* method-level error: `-32601`, `-32602`, `-32603`, `-32002`) | `200` | the JSON-RPC response, JSON or SSE |
//! | modern request answered with a result | `200` | JSON or SSE |
//! | modern request refused: `-32602`, `-32020`, `-32021`, `-32022` | `400` | JSON-RPC error (2026-07-28 `#server-validation`, `basic/index#meta`) |
//! | modern request for an unknown or removed method (`-32601`) | `404` | JSON-RPC error (`#protocol-version-header`) |
//! | notification, or a JSON-RPC response from the client | `202` | empty |
//! | body not JSON (`-32700`), not a valid message or a batch (`-32600`) | `400` | JSON-RPC error, `id` echoed if readable, else `null` |
//! | legacy request with an unsupported `MCP-Protocol-Version` (`-32600`) | `400` | JSON-RPC error |
//! | `Origin`/`Host` not allowed (`-32000`) | `403` | JSON-RPC error without `id` |
//! | legacy session ended by `DELETE` (`-32001`) | `404` | JSON-RPC error |
//! | `GET` or another method | `405` | `Allow: POST, DELETE` |
//! | `DELETE` with a live session | `204` | empty |
//! | a request the client cancelled, before anything was streamed | `202` | empty (the spec forbids a response) |
//!
//! # JSON or SSE
//! A request's answer is `application/json` unless its handler sends a
//! notification (progress, log) or a request to the client (elicitation,
//! sampling; legacy era only) while it runs. The first such message switches
//! the response to `text/event-stream` ([`crate::http::Body::Deferred`] lets us
//! decide after the handler has started); each event is flushed as it is
//! written; the final response is the last event, then the stream ends. A
//! 2026-07-28 `subscriptions/listen` stream stays open, with an SSE comment
//! (`: keep-alive`) when quiet. Streams carry `Cache-Control: no-cache` and
//! `X-Accel-Buffering: no` (proxies must not buffer them). No priming event and
//! no event ids: we do not offer resumability, and older SDK clients crash on
//! an event with empty data.
//! A client whose `Accept` lists only `text/event-stream` gets every answer as
//! a stream (one event); `Accept: */*` or no `Accept` is served, never `406`.
//!
//! # Where this sits
//! Called by [`crate::router`] after the auth hook ([`crate::auth`]); calls
//! [`crate::mcp::dispatch`].

use std::cell::RefCell;
use std::io;
use std::sync::Arc;

use serde_json::{Value, json};

use super::dispatch;
use super::exchange::{EraRequest, Exchange};
use super::jsonrpc::{self, INVALID_REQUEST, Incoming, RpcError, RpcRequest};
use super::logging::LogLevel;
use super::server::McpServer;
use super::session::{Lookup, SessionView};
use super::version::{self, Era};
use crate::http::{Request, Responder, Response, StreamWriter};
use crate::identity::Identity;

/// `-32000`: the request's `Origin` or `Host` is not allowed.
pub const FORBIDDEN: i64 = -32000;
/// `-32001`: the session named by `Mcp-Session-Id` was ended.
pub const SESSION_NOT_FOUND: i64 = -32001;

/// Answers `POST`, `GET` and `DELETE /mcp`.
/// The router has checked `Origin` and `Host` ([`crate::mcp::origin::check`])
/// and the bearer token, in that order.
pub fn handle(server: &Arc<McpServer>, request: Request, caller: Option<Identity>) -> Response {
    match request.method.as_str() {
        "POST" => post(server, request, caller),
        "DELETE" => delete(server, &request, caller.as_ref()),
        _ => error(
            405,
            None,
            &RpcError::new(
                FORBIDDEN,
                "Method not allowed: use POST (or DELETE to end a session)",
            ),
        )
        .with_header("Allow", "POST, DELETE"),
    }
}

/// A JSON-RPC error as a complete HTTP response.
pub fn error(status: u16, id: Option<&Value>, e: &RpcError) -> Response {
    Response::json(status, &jsonrpc::failure(id, e))
}

// ── POST ──

fn post(server: &Arc<McpServer>, request: Request, caller: Option<Identity>) -> Response {
    let message = match jsonrpc::parse(&request.body) {
        Ok(m) => m,
        Err(rejected) => return error(400, rejected.id.as_ref(), &rejected.error),
    };
    let state = &server.state;
    let owner = caller.as_ref().map(|c| c.sub.as_str());

    // The session, if the client names one (legacy era; a modern request's
    // `Mcp-Session-Id` is ignored, as 2026-07-28 says).
    let lookup = request
        .header("mcp-session-id")
        .map(|id| state.lookup(id.trim(), owner));
    let negotiated = match &lookup {
        Some(Lookup::Live(view)) => Some(view.version),
        _ => None,
    };

    match version::decide(&message, request.header("mcp-protocol-version"), negotiated) {
        Era::Modern => match &server.era {
            // The later era's hook (2026-07-28, installed by the assembly).
            Some(era) => era.post(server, &request, message, caller),
            None => {
                let e = RpcError::new(
                    INVALID_REQUEST,
                    format!(
                        "Bad Request: this server speaks only {}",
                        version::SUPPORTED.join(", ")
                    ),
                );
                error(400, message_id(&message), &e)
            }
        },
        Era::Legacy(version) => legacy_post(server, &request, message, caller, lookup, version),
        Era::Unsupported(v) => {
            let e = RpcError::new(
                INVALID_REQUEST,
                format!(
                    "Bad Request: unsupported MCP-Protocol-Version {v:?}; supported: {}",
                    version::all_supported().join(", ")
                ),
            );
            error(400, message_id(&message), &e)
        }
    }
}

/// The id of a request, to echo in an error.
fn message_id(message: &Incoming) -> Option<&Value> {
    match message {
        Incoming::Request(r) => Some(&r.id),
        _ => None,
    }
}

/// A legacy-era message (2025-11-25 and earlier): sessions, answers to our
/// requests, notifications, and requests.
fn legacy_post(
    server: &Arc<McpServer>,
    request: &Request,
    message: Incoming,
    caller: Option<Identity>,
    lookup: Option<Lookup>,
    version: &'static str,
) -> Response {
    let state = &server.state;
    let owner = caller.as_ref().map(|c| c.sub.as_str());
    // Sessions are optional: only an id the client ended itself is an error.
    let mut session = match lookup {
        Some(Lookup::Live(view)) => Some(view),
        None | Some(Lookup::Unknown) => None,
        Some(Lookup::Ended) => {
            let e = RpcError::new(
                SESSION_NOT_FOUND,
                "Session not found: it was ended; initialize again without Mcp-Session-Id",
            );
            return error(404, message_id(&message), &e);
        }
    };

    let req = match message {
        Incoming::Response { id, message } => {
            // The client answering our elicitation/sampling request. A late or
            // foreign answer is accepted and dropped: there is nothing to retry.
            state.route_response(&id, owner, message);
            return Response::empty(202);
        }
        Incoming::Notification { method, params } => {
            let log_level = Some(session.as_ref().map_or(LogLevel::DEFAULT, |s| s.log_level));
            let exchange = Exchange {
                caller: caller.as_ref(),
                session,
                version,
                log_level,
                era: None,
                emit: &|_| false,
                keep_alive: &|| false,
            };
            dispatch::notification(server, &exchange, &method, &params);
            return Response::empty(202);
        }
        Incoming::Request(req) => req,
    };

    // `initialize` starts a session; its id goes back in `Mcp-Session-Id`.
    let mut headers = Vec::new();
    if req.method == "initialize"
        && let Some(params) = req.params.as_object()
    {
        let negotiated = version::negotiate(version::requested(&req.params));
        let capabilities = params
            .get("capabilities")
            .cloned()
            .map_or_else(|| json!({}), super::session::bounded_capabilities);
        let id = state.create_session(owner, negotiated, capabilities.clone());
        headers.push(("Mcp-Session-Id".to_string(), id.clone()));
        session = Some(SessionView {
            id,
            version: negotiated,
            log_level: LogLevel::DEFAULT,
            client_capabilities: capabilities,
        });
    }
    let plan = Plan {
        caller,
        log_level: Some(session.as_ref().map_or(LogLevel::DEFAULT, |s| s.log_level)),
        session,
        version,
        era: None,
        headers,
        sse_only: accepts_only_event_stream(request.header("accept")),
    };
    plan.deferred(server.clone(), req, dispatch::request, |_| 200)
}

/// How one request will be answered, once the connection is ready: who asks,
/// in which era, with which extra headers. The later era's hook builds one too.
pub struct Plan {
    /// The caller, from the bearer token.
    pub caller: Option<Identity>,
    /// The live session (2025 era).
    pub session: Option<SessionView>,
    /// The revision the request is served with.
    pub version: &'static str,
    /// The minimum level of log messages for this request; `None`: none.
    pub log_level: Option<LogLevel>,
    /// A later era's request context (2026-07-28); `None` in the 2025 era.
    pub era: Option<Box<dyn EraRequest + Send>>,
    /// Headers for the response (`Mcp-Session-Id` after `initialize`).
    pub headers: Vec<(String, String)>,
    /// The client accepts only `text/event-stream`.
    pub sse_only: bool,
}

/// The function that answers one request of an era: `None` for no response.
pub type Serve = fn(&McpServer, &Exchange<'_>, &RpcRequest) -> Option<Value>;

impl Plan {
    /// The handler (`serve`) runs once the connection is ready for the
    /// answer, so that it can switch to SSE at its first notification. An
    /// answer sent as plain JSON gets the HTTP status `status` gives it (`200`
    /// in the 2025 era; the 2026-07-28 era maps some errors to `400`/`404`).
    pub fn deferred(
        self,
        server: Arc<McpServer>,
        req: RpcRequest,
        serve: Serve,
        status: fn(&Value) -> u16,
    ) -> Response {
        Response::deferred(move |responder| {
            let outbox = Outbox {
                out: RefCell::new(Out::Waiting(responder)),
                headers: self.headers,
                sse_only: self.sse_only,
                status,
            };
            let emit = |message: &Value| outbox.emit(message);
            let keep_alive = || outbox.keep_alive();
            let exchange = Exchange {
                caller: self.caller.as_ref(),
                session: self.session,
                version: self.version,
                log_level: self.log_level,
                era: self.era.as_deref().map(|e| e as &dyn EraRequest),
                emit: &emit,
                keep_alive: &keep_alive,
            };
            let reply = serve(&server, &exchange, &req);
            outbox.finish(reply)
        })
    }
}

/// Whether `Accept` names `text/event-stream` but neither JSON nor a wildcard.
pub fn accepts_only_event_stream(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let types: Vec<String> = accept
        .split(',')
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    types.iter().any(|t| t == "text/event-stream")
        && !types
            .iter()
            .any(|t| t == "application/json" || t == "application/*" || t == "*/*")
}

// ── DELETE: end a session ──

fn delete(server: &McpServer, request: &Request, caller: Option<&Identity>) -> Response {
    let Some(id) = request.header("mcp-session-id").map(str::trim) else {
        let e = RpcError::new(
            INVALID_REQUEST,
            "Bad Request: DELETE /mcp needs an Mcp-Session-Id header",
        );
        return error(400, None, &e);
    };
    if server.state.end_session(id, caller.map(|c| c.sub.as_str())) {
        Response::empty(204)
    } else {
        error(
            404,
            None,
            &RpcError::new(SESSION_NOT_FOUND, "Session not found"),
        )
    }
}

// ── The response: JSON, or SSE from the first event on ──

enum Out<'r> {
    /// Nothing sent yet: the answer may still be plain JSON.
    Waiting(Responder<'r>),
    /// Headers sent; events follow.
    Streaming(StreamWriter<'r>),
    /// The client is gone (or we are done).
    Closed,
}

/// The answer to one POSTed request, written lazily.
struct Outbox<'r> {
    out: RefCell<Out<'r>>,
    headers: Vec<(String, String)>,
    sse_only: bool,
    /// The HTTP status of an answer sent as plain JSON.
    status: fn(&Value) -> u16,
}

fn sse_event(message: &Value) -> Vec<u8> {
    format!("event: message\ndata: {message}\n\n").into_bytes()
}

impl<'r> Outbox<'r> {
    fn stream_headers(&self) -> Vec<(String, String)> {
        let mut h = vec![
            ("Content-Type".to_string(), "text/event-stream".to_string()),
            ("Cache-Control".to_string(), "no-cache".to_string()),
            ("X-Accel-Buffering".to_string(), "no".to_string()),
        ];
        h.extend(self.headers.iter().cloned());
        h
    }

    fn start_stream(&self, responder: Responder<'r>) -> io::Result<StreamWriter<'r>> {
        responder.stream(200, &self.stream_headers())
    }

    /// Sends one event, switching to SSE first if needed. `false` if the client is gone.
    fn emit(&self, message: &Value) -> bool {
        let mut out = self.out.borrow_mut();
        if let Out::Waiting(_) = &*out
            && let Out::Waiting(responder) = std::mem::replace(&mut *out, Out::Closed)
        {
            match self.start_stream(responder) {
                Ok(writer) => *out = Out::Streaming(writer),
                Err(_) => return false,
            }
        }
        let Out::Streaming(writer) = &mut *out else {
            return false;
        };
        if writer.write(&sse_event(message)).is_err() {
            *out = Out::Closed;
            return false;
        }
        true
    }

    /// Sends an SSE comment (`: keep-alive`) if the stream has started.
    /// `false` if the client is gone.
    fn keep_alive(&self) -> bool {
        let mut out = self.out.borrow_mut();
        let Out::Streaming(writer) = &mut *out else {
            return false;
        };
        if writer.write(b": keep-alive\n\n").is_err() {
            *out = Out::Closed;
            return false;
        }
        true
    }

    /// Sends the final response (or none, after a cancellation) and ends the body.
    fn finish(self, reply: Option<Value>) -> io::Result<()> {
        let headers = self.stream_headers();
        match (self.out.into_inner(), reply) {
            (Out::Waiting(responder), Some(reply)) if self.sse_only => {
                let mut writer = responder.stream(200, &headers)?;
                writer.write(&sse_event(&reply))?;
                writer.finish()
            }
            (Out::Waiting(responder), Some(reply)) => {
                let mut response = Response::json((self.status)(&reply), &reply);
                response.headers.extend(self.headers);
                responder.send(response)
            }
            (Out::Waiting(responder), None) => responder.send(Response::empty(202)),
            (Out::Streaming(mut writer), Some(reply)) => {
                writer.write(&sse_event(&reply))?;
                writer.finish()
            }
            (Out::Streaming(writer), None) => writer.finish(),
            (Out::Closed, _) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_rules() {
        assert!(!accepts_only_event_stream(None));
        assert!(!accepts_only_event_stream(Some("*/*")));
        assert!(!accepts_only_event_stream(Some(
            "application/json, text/event-stream"
        )));
        assert!(accepts_only_event_stream(Some("text/event-stream")));
        assert!(accepts_only_event_stream(Some("Text/Event-Stream;q=1")));
    }
}
