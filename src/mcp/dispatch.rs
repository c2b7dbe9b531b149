//! **[28–29](crate::_documentation::flow) Tool calls — one JSON-RPC request in,
//! one response out.** The dispatcher is a single `match` on the method name,
//! in the order a client uses them (MCP 2025-11-25 `basic/lifecycle`, then the
//! server features). It knows nothing about HTTP: it gets a parsed
//! [`RpcRequest`] and an [`Exchange`] (who is calling, the session if any, and
//! an `emit` function that sends a notification or a server→client request on
//! the response stream) and returns the response message — or nothing, when the
//! client cancelled the call.
//!
//! | method | answer |
//! |---|---|
//! | `initialize` | negotiated version, capabilities, `serverInfo`, `instructions` |
//! | `ping` | `{}` |
//! | `tools/list`, `resources/list`, `resources/templates/list`, `prompts/list` | one page; `nextCursor` if more (`server/utilities/pagination`) |
//! | `tools/call` | the tool's result; a failing tool is `isError: true`; unknown tool `-32602` |
//! | `resources/read` | `contents`; unknown URI `-32002` |
//! | `resources/subscribe`, `resources/unsubscribe` | `{}` (recorded in the session) |
//! | `prompts/get` | `messages`; unknown prompt or missing argument `-32602` |
//! | `completion/complete` | `{completion: {values, total, hasMore}}` |
//! | `logging/setLevel` | `{}`; unknown level `-32602` |
//! | anything else | `-32601` |
//!
//! Params that are not an object are `-32602` for every method.
//!
//! # Where this sits
//! Called by [`crate::mcp::transport`] for each parsed message; calls the
//! handlers registered on [`McpServer`].

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use base64::Engine;
use serde_json::{Map, Value, json};

use super::jsonrpc::{
    self, INTERNAL_ERROR, METHOD_NOT_FOUND, RESOURCE_NOT_FOUND, RpcError, RpcRequest,
};
use super::logging::LogLevel;
use super::prompts::{PromptError, PromptRequest};
use super::resources::{ResourceError, ResourceReader, ResourceRequest};
use super::session::SessionView;
use super::tools::{ToolCall, ToolError};
use super::{McpServer, version};
use crate::auth::Identity;

/// Everything a request is answered with, besides its own params.
pub struct Exchange<'a> {
    /// The server (handlers and state).
    pub server: &'a McpServer,
    /// The caller, as decided by the auth hook.
    pub caller: Option<&'a Identity>,
    /// The live session named by the request, if any.
    pub session: Option<SessionView>,
    /// The revision the request is served with ([`version::decide`]).
    pub version: &'static str,
    /// Sends one message (notification or request) to the client on this
    /// request's stream; `false` if the client is gone.
    pub emit: &'a dyn Fn(&Value) -> bool,
}

impl Exchange<'_> {
    /// The caller's subject: sessions, cancellations and answers are bound to it.
    pub fn owner(&self) -> Option<&str> {
        self.caller.map(|c| c.sub.as_str())
    }

    /// The minimum level of log messages sent to this client.
    pub fn log_level(&self) -> LogLevel {
        self.session
            .as_ref()
            .map_or(LogLevel::DEFAULT, |s| s.log_level)
    }

    fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }
}

/// Answers a request: `Some(response)`, or `None` if the client cancelled it.
pub fn request(ex: &Exchange<'_>, req: &RpcRequest) -> Option<Value> {
    let params = match &req.params {
        Value::Null => Map::new(),
        Value::Object(p) => p.clone(),
        _ => {
            let e = RpcError::invalid_params("Invalid params: `params` must be an object");
            return Some(jsonrpc::failure(Some(&req.id), &e));
        }
    };
    let outcome = match req.method.as_str() {
        // ── Lifecycle ──
        "initialize" => Ok(initialize(ex.server, &params)),
        "ping" => Ok(json!({})),
        // ── Tools ──
        "tools/list" => list(
            ex.server,
            &params,
            "tools",
            ex.server.tools.iter().map(|t| t.to_json()),
        ),
        "tools/call" => return call_tool(ex, req, &params),
        // ── Resources ──
        "resources/list" => list(
            ex.server,
            &params,
            "resources",
            ex.server.resources.iter().map(|r| r.to_json()),
        ),
        "resources/templates/list" => list(
            ex.server,
            &params,
            "resourceTemplates",
            ex.server.templates.iter().map(|t| t.to_json()),
        ),
        "resources/read" => read_resource(ex, &params),
        "resources/subscribe" => subscribe(ex, &params, true),
        "resources/unsubscribe" => subscribe(ex, &params, false),
        // ── Prompts and completion ──
        "prompts/list" => list(
            ex.server,
            &params,
            "prompts",
            ex.server.prompts.iter().map(|p| p.to_json()),
        ),
        "prompts/get" => get_prompt(ex, &params),
        "completion/complete" => complete(ex.server, &params),
        // ── Logging ──
        "logging/setLevel" => set_level(ex, &params),
        other => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("Method not found: {other}"),
        )),
    };
    Some(match outcome {
        Ok(result) => jsonrpc::success(&req.id, result),
        Err(e) => jsonrpc::failure(Some(&req.id), &e),
    })
}

/// Handles a notification; there is never an answer.
pub fn notification(ex: &Exchange<'_>, method: &str, params: &Value) {
    // `notifications/initialized` needs no action: we serve requests that
    // arrive without it (claude.ai spreads the handshake over many nodes).
    // Unknown notifications are ignored too.
    if method == "notifications/cancelled" {
        // 2025-11-25 `basic/utilities/cancellation`: unknown ids are ignored.
        if let Some(id) = params.get("requestId") {
            ex.server.state.cancel(id, ex.session_id(), ex.owner());
        }
    }
}

/// The `initialize` result for these params.
pub fn initialize(server: &McpServer, params: &Map<String, Value>) -> Value {
    let negotiated = version::negotiate(params.get("protocolVersion").and_then(Value::as_str));
    // Declare only what is implemented and registered (2025-11-25 `basic/lifecycle#capability-negotiation`).
    let mut capabilities = Map::new();
    capabilities.insert("tools".into(), json!({}));
    if !server.resources.is_empty() || !server.templates.is_empty() {
        capabilities.insert("resources".into(), json!({"subscribe": true}));
    }
    if !server.prompts.is_empty() {
        capabilities.insert("prompts".into(), json!({}));
    }
    if !server.prompts.is_empty() || !server.templates.is_empty() {
        capabilities.insert("completions".into(), json!({}));
    }
    capabilities.insert("logging".into(), json!({}));
    let mut info = Map::new();
    info.insert("name".into(), server.name.as_str().into());
    info.insert("version".into(), server.version.as_str().into());
    if let Some(t) = &server.title {
        info.insert("title".into(), t.as_str().into());
    }
    let mut result = Map::new();
    result.insert("protocolVersion".into(), negotiated.into());
    result.insert("capabilities".into(), Value::Object(capabilities));
    result.insert("serverInfo".into(), Value::Object(info));
    if let Some(i) = &server.instructions {
        result.insert("instructions".into(), i.as_str().into());
    }
    Value::Object(result)
}

// ── Pagination (2025-11-25 `server/utilities/pagination`) ──

/// The cursor is the base64url of the next offset: opaque to clients, checked here.
fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(offset.to_string())
}

fn decode_cursor(cursor: &str, len: usize) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let offset: usize = std::str::from_utf8(&bytes).ok()?.parse().ok()?;
    (offset > 0 && offset <= len).then_some(offset)
}

fn list(
    server: &McpServer,
    params: &Map<String, Value>,
    key: &str,
    items: impl ExactSizeIterator<Item = Value>,
) -> Result<Value, RpcError> {
    let len = items.len();
    let start = match params.get("cursor") {
        None | Some(Value::Null) => 0,
        Some(Value::String(c)) => decode_cursor(c, len)
            .ok_or_else(|| RpcError::invalid_params("Invalid params: invalid cursor"))?,
        Some(_) => {
            return Err(RpcError::invalid_params(
                "Invalid params: `cursor` must be a string",
            ));
        }
    };
    let page: Vec<Value> = items.skip(start).take(server.page_size).collect();
    let next = start + page.len();
    let mut result = Map::new();
    result.insert(key.into(), Value::Array(page));
    if next < len {
        result.insert("nextCursor".into(), encode_cursor(next).into());
    }
    Ok(Value::Object(result))
}

// ── Tools ──

fn call_tool(ex: &Exchange<'_>, req: &RpcRequest, params: &Map<String, Value>) -> Option<Value> {
    let fail = |e: RpcError| Some(jsonrpc::failure(Some(&req.id), &e));
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return fail(RpcError::invalid_params(
            "Invalid params: `name` must be a string",
        ));
    };
    let empty = Map::new();
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(a)) => a,
        Some(_) => {
            return fail(RpcError::invalid_params(
                "Invalid params: `arguments` must be an object",
            ));
        }
    };
    let Some(tool) = ex.server.find_tool(name) else {
        return fail(RpcError::invalid_params(format!("Unknown tool: {name}")));
    };
    let progress_token = params
        .get("_meta")
        .and_then(|m| m.get("progressToken"))
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        .cloned();
    let guard = ex
        .server
        .state
        .start_call(&req.id, ex.session_id(), ex.owner());
    let call = ToolCall {
        name,
        arguments,
        progress_token,
        exchange: ex,
        guard: &guard,
        last_progress: Cell::new(None),
    };
    // A panicking handler is a bug in the tool, not a reason to drop the connection.
    let outcome = catch_unwind(AssertUnwindSafe(|| (tool.handler)(&call)));
    if guard.is_cancelled() {
        return None; // 2025-11-25 `basic/utilities/cancellation`: no response.
    }
    let result = match outcome {
        Ok(Ok(result)) => result.to_json(),
        Ok(Err(ToolError::Cancelled)) => return None,
        Ok(Err(e)) => {
            json!({"content": [{"type": "text", "text": e.to_string()}], "isError": true})
        }
        Err(_) => {
            crate::log::event("ERROR", &format!("tool `{name}` panicked"));
            let e = RpcError::new(
                INTERNAL_ERROR,
                format!("Internal error: tool `{name}` failed unexpectedly"),
            );
            return fail(e);
        }
    };
    Some(jsonrpc::success(&req.id, result))
}

// ── Resources ──

fn uri_param(params: &Map<String, Value>) -> Result<&str, RpcError> {
    params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("Invalid params: `uri` must be a string"))
}

fn not_found(uri: &str) -> RpcError {
    RpcError {
        data: Some(json!({"uri": uri})),
        ..RpcError::new(RESOURCE_NOT_FOUND, format!("Resource not found: {uri}"))
    }
}

/// The reader for `uri`, and the template variables it was matched with.
fn find_resource<'s>(
    server: &'s McpServer,
    uri: &str,
) -> Option<(&'s ResourceReader, HashMap<String, String>)> {
    if let Some(r) = server
        .resource_index
        .get(uri)
        .and_then(|i| server.resources.get(*i))
    {
        return Some((&r.reader, HashMap::new()));
    }
    server
        .templates
        .iter()
        .find_map(|t| t.matches(uri).map(|vars| (&t.reader, vars)))
}

fn read_resource(ex: &Exchange<'_>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let uri = uri_param(params)?;
    let (reader, variables) = find_resource(ex.server, uri).ok_or_else(|| not_found(uri))?;
    let request = ResourceRequest {
        uri,
        variables,
        caller: ex.caller,
    };
    match catch_unwind(AssertUnwindSafe(|| reader(&request))) {
        Ok(Ok(contents)) => Ok(json!({"contents": [contents.to_json()]})),
        Ok(Err(ResourceError::NotFound(_))) => Err(not_found(uri)),
        Ok(Err(ResourceError::Failed(m))) => Err(RpcError::new(INTERNAL_ERROR, m)),
        Err(_) => Err(RpcError::new(
            INTERNAL_ERROR,
            "Internal error: the resource reader failed",
        )),
    }
}

fn subscribe(ex: &Exchange<'_>, params: &Map<String, Value>, on: bool) -> Result<Value, RpcError> {
    let uri = uri_param(params)?;
    if find_resource(ex.server, uri).is_none() {
        return Err(not_found(uri));
    }
    if let Some(id) = ex.session_id()
        && !ex.server.state.subscribe(id, uri, on)
    {
        return Err(RpcError::invalid_params(
            "Invalid params: too many subscriptions in this session",
        ));
    }
    Ok(json!({}))
}

// ── Prompts and completion ──

fn get_prompt(ex: &Exchange<'_>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Err(RpcError::invalid_params(
            "Invalid params: `name` must be a string",
        ));
    };
    let prompt = ex
        .server
        .prompt_index
        .get(name)
        .and_then(|i| ex.server.prompts.get(*i))
        .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
    let mut arguments = HashMap::new();
    match params.get("arguments") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (k, v) in given {
                let Some(s) = v.as_str() else {
                    return Err(RpcError::invalid_params(format!(
                        "Invalid params: argument `{k}` must be a string"
                    )));
                };
                arguments.insert(k.clone(), s.to_string());
            }
        }
        Some(_) => {
            return Err(RpcError::invalid_params(
                "Invalid params: `arguments` must be an object",
            ));
        }
    }
    if let Some(missing) = prompt
        .arguments
        .iter()
        .find(|a| a.required && !arguments.contains_key(&a.name))
    {
        return Err(RpcError::invalid_params(format!(
            "Missing required argument `{}` for prompt `{name}`",
            missing.name
        )));
    }
    let request = PromptRequest {
        name,
        arguments,
        caller: ex.caller,
    };
    match catch_unwind(AssertUnwindSafe(|| (prompt.handler)(&request))) {
        Ok(Ok(messages)) => Ok(json!({
            "description": prompt.description(),
            "messages": messages.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
        })),
        Ok(Err(e @ PromptError::MissingArgument(_))) => {
            Err(RpcError::invalid_params(e.to_string()))
        }
        Ok(Err(PromptError::Failed(m))) => Err(RpcError::new(INTERNAL_ERROR, m)),
        Err(_) => Err(RpcError::new(
            INTERNAL_ERROR,
            "Internal error: the prompt handler failed",
        )),
    }
}

/// At most this many values per completion (2025-11-25 `server/utilities/completion`).
const MAX_COMPLETIONS: usize = 100;

fn complete(server: &McpServer, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let bad = |m: &str| RpcError::invalid_params(format!("Invalid params: {m}"));
    let reference = params.get("ref").ok_or_else(|| bad("`ref` is required"))?;
    let argument = params
        .get("argument")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`argument` must be an object"))?;
    let arg_name = argument
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`argument.name` must be a string"))?;
    let typed = argument.get("value").and_then(Value::as_str).unwrap_or("");
    let empty = Map::new();
    let context = params
        .get("context")
        .and_then(|c| c.get("arguments"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let completers = match reference.get("type").and_then(Value::as_str) {
        Some("ref/prompt") => {
            let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
            let prompt = server
                .prompt_index
                .get(name)
                .and_then(|i| server.prompts.get(*i))
                .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
            &prompt.completers
        }
        Some("ref/resource") => {
            let uri = reference.get("uri").and_then(Value::as_str).unwrap_or("");
            let template = server
                .templates
                .iter()
                .find(|t| t.uri_template() == uri)
                .ok_or_else(|| {
                    RpcError::invalid_params(format!("Unknown resource template: {uri}"))
                })?;
            &template.completers
        }
        _ => return Err(bad("`ref.type` must be \"ref/prompt\" or \"ref/resource\"")),
    };
    let mut values = match completers.get(arg_name) {
        Some(completer) => catch_unwind(AssertUnwindSafe(|| completer(typed, context)))
            .map_err(|_| RpcError::new(INTERNAL_ERROR, "Internal error: the completer failed"))?,
        None => Vec::new(),
    };
    let total = values.len();
    values.truncate(MAX_COMPLETIONS);
    Ok(
        json!({"completion": {"values": values, "total": total, "hasMore": total > MAX_COMPLETIONS}}),
    )
}

// ── Logging ──

fn set_level(ex: &Exchange<'_>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let name = params.get("level").and_then(Value::as_str).unwrap_or("");
    let level = LogLevel::parse(name).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "Invalid params: unknown log level {name:?}; expected one of debug, info, notice, warning, error, critical, alert, emergency"
        ))
    })?;
    if let Some(id) = ex.session_id() {
        ex.server.state.set_log_level(id, level);
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(3), 5), Some(3));
        assert_eq!(decode_cursor(&encode_cursor(6), 5), None);
        assert_eq!(decode_cursor("not a cursor!", 5), None);
        assert_eq!(decode_cursor(&encode_cursor(0), 5), None);
    }
}
