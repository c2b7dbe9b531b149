//! **[28–29](crate::_documentation::flow) Tool calls — one JSON-RPC request in,
//! one response out.** The dispatcher is a single `match` on the method name,
//! in the order a client uses them (`server/discover` or `initialize` first,
//! then the server features). It knows nothing about HTTP: it gets a parsed
//! [`RpcRequest`] and an [`Exchange`] (who is calling, the era — the session if
//! legacy, the `_meta` envelope if modern — and an `emit` function that sends a
//! notification or a server→client request on the response stream) and returns
//! the response message — or nothing, when the client cancelled the call or
//! left.
//!
//! | method | era | answer |
//! |---|---|---|
//! | `server/discover` | 2026 | versions, capabilities, `instructions` (2026-07-28 `server/discover`) |
//! | `initialize` | 2025 | negotiated version, capabilities, `serverInfo`, `instructions` |
//! | `ping` | 2025 | `{}` |
//! | `tools/list`, `resources/list`, `resources/templates/list`, `prompts/list` | both | one page; `nextCursor` if more (`server/utilities/pagination`) |
//! | `tools/call` | both | the tool's result; a failing tool is `isError: true`; unknown tool `-32602`; 2026: `input_required` while the tool waits for answers |
//! | `resources/read` | both | `contents`; unknown URI `-32002` (2025), `-32602` (2026) |
//! | `resources/subscribe`, `resources/unsubscribe` | 2025 | `{}` for a known URI, nothing recorded: no update can reach a 2025 client (no GET stream), so `resources.subscribe` is not declared to it |
//! | `prompts/get` | both | `messages`; unknown prompt or missing argument `-32602`; 2026: `input_required` as for tools |
//! | `completion/complete` | both | `{completion: {values, total, hasMore}}` |
//! | `subscriptions/listen` | 2026 | a stream of change notifications ([`crate::mcp::subscriptions`]) |
//! | `logging/setLevel` | 2025 | `{}`; unknown level `-32602` |
//! | anything else, or a method of the other era | | `-32601` |
//!
//! Params that are not an object are `-32602` for every method. Modern results
//! are dressed by [`crate::mcp::modern::decorate`] (`resultType`, cache hints,
//! `serverInfo`); legacy results are sent as they are.
//!
//! # Where this sits
//! Called by [`crate::mcp::transport`] for each parsed message; calls the
//! handlers registered on [`McpServer`].

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use base64::Engine;
use serde_json::{Map, Value, json};

use super::ask::ClientInput;
use super::call::ToolCall;
use super::exchange::Exchange;
use super::jsonrpc::{
    self, INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, RESOURCE_NOT_FOUND, RpcError,
    RpcRequest,
};
use super::logging::LogLevel;
use super::modern;
use super::prompts::{PromptError, PromptRequest};
use super::resources::{ResourceError, ResourceReader, ResourceRequest};
use super::result::{ToolError, ToolResult};
use super::round_trip::{Binding, Round};
use super::server::McpServer;
use super::tool::Tool;
use super::{schema, subscriptions, version};

/// Answers a request: `Some(response)`, or `None` if the client cancelled it
/// (or, on a long-lived stream, went away).
pub fn request(ex: &Exchange<'_>, req: &RpcRequest) -> Option<Value> {
    // Borrowed, not cloned: a copy of the params map was a measurable share
    // of a small tools/call (docs/PERFORMANCE.md).
    let no_params = Map::new();
    let params = match &req.params {
        Value::Null => &no_params,
        Value::Object(p) => p,
        _ => {
            let e = RpcError::invalid_params("Invalid params: `params` must be an object");
            return Some(jsonrpc::failure(Some(&req.id), &e));
        }
    };
    let modern = ex.modern.is_some();
    let outcome = match req.method.as_str() {
        // ── Lifecycle: discovery (2026) or the handshake (2025) ──
        "server/discover" if modern => Ok(modern::discover(ex.server)),
        "initialize" if !modern => Ok(initialize(ex.server, params)),
        "ping" if !modern => Ok(json!({})),
        // ── Tools ──
        "tools/list" => list(
            ex.server,
            params,
            "tools",
            ex.server.tools.iter().map(|t| t.to_json()),
        ),
        "tools/call" => call_tool(ex, req, params)?,
        // ── Resources ──
        "resources/list" => list(
            ex.server,
            params,
            "resources",
            ex.server.resources.iter().map(|r| r.to_json()),
        ),
        "resources/templates/list" => list(
            ex.server,
            params,
            "resourceTemplates",
            ex.server.templates.iter().map(|t| t.to_json()),
        ),
        "resources/read" => read_resource(ex, params),
        "resources/subscribe" if !modern => subscribe(ex, params),
        "resources/unsubscribe" if !modern => subscribe(ex, params),
        // ── Prompts and completion ──
        "prompts/list" => list(
            ex.server,
            params,
            "prompts",
            ex.server.prompts.iter().map(|p| p.to_json()),
        ),
        "prompts/get" => get_prompt(ex, req, params),
        "completion/complete" => complete(ex.server, params),
        // ── Change notifications (2026) ──
        "subscriptions/listen" if modern => return subscriptions::listen(ex, req, params),
        // ── Logging (2025; 2026 sets the level per request, in `_meta`) ──
        "logging/setLevel" if !modern => set_level(ex, params),
        other => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("Method not found: {other}"),
        )),
    };
    Some(match outcome {
        Ok(result) if modern => {
            jsonrpc::success(&req.id, modern::decorate(ex.server, &req.method, result))
        }
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

/// The server's capabilities, as `initialize` (legacy) or `server/discover`
/// (modern) declares them. Only what is implemented and registered
/// (2025-11-25 `basic/lifecycle#capability-negotiation`). `listChanged` only
/// for modern clients, who have a stream to hear it on, and only if the
/// application announces changes ([`McpServer::announce_list_changes`]).
pub fn capabilities(server: &McpServer, modern: bool) -> Value {
    let list_changed = || {
        if modern && server.announces_list_changes {
            json!({"listChanged": true})
        } else {
            json!({})
        }
    };
    let mut capabilities = Map::new();
    capabilities.insert("tools".into(), list_changed());
    if !server.resources.is_empty() || !server.templates.is_empty() {
        let mut resources = list_changed();
        // Updates reach only a modern client, on its `subscriptions/listen`
        // stream. A legacy client would need a GET stream, which we do not
        // offer (GET is 405): its `resources/subscribe` is accepted as a
        // no-op, but the capability is not declared.
        if modern {
            resources["subscribe"] = true.into();
        }
        capabilities.insert("resources".into(), resources);
    }
    if !server.prompts.is_empty() {
        capabilities.insert("prompts".into(), list_changed());
    }
    if !server.prompts.is_empty() || !server.templates.is_empty() {
        capabilities.insert("completions".into(), json!({}));
    }
    capabilities.insert("logging".into(), json!({}));
    Value::Object(capabilities)
}

/// The `initialize` result for these params.
pub fn initialize(server: &McpServer, params: &Map<String, Value>) -> Value {
    let negotiated = version::negotiate(params.get("protocolVersion").and_then(Value::as_str));
    let mut result = Map::new();
    result.insert("protocolVersion".into(), negotiated.into());
    result.insert("capabilities".into(), capabilities(server, false));
    result.insert("serverInfo".into(), modern::server_info(server));
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

/// The result of a `tools/call`; `None` after a cancellation (no response).
fn call_tool(
    ex: &Exchange<'_>,
    req: &RpcRequest,
    params: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Some(Err(RpcError::invalid_params(
            "Invalid params: `name` must be a string",
        )));
    };
    let empty = Map::new();
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(a)) => a,
        Some(_) => {
            return Some(Err(RpcError::invalid_params(
                "Invalid params: `arguments` must be an object",
            )));
        }
    };
    let Some(tool) = ex.server.find_tool(name) else {
        return Some(Err(RpcError::invalid_params(format!(
            "Unknown tool: {name}"
        ))));
    };
    // MCP 2025-11-25 `server/tools#error-handling`: invalid arguments are a
    // tool execution error the model can act on, so every problem is listed
    // in one `isError` result, and the handler never sees them.
    let problems = schema::validate_arguments(tool.schema(), arguments);
    if !problems.is_empty() {
        let text = format!(
            "Invalid arguments for tool `{name}`:\n- {}",
            problems.join("\n- ")
        );
        return Some(Ok(
            json!({"content": [{"type": "text", "text": text}], "isError": true}),
        ));
    }
    let round = match start_round(ex, "tools/call", name, &json!(arguments), params) {
        Ok(round) => round,
        Err(e) => return Some(Err(e)),
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
        round: round.as_ref(),
        last_progress: Cell::new(None),
    };
    // A panicking handler is a bug in the tool, not a reason to drop the connection.
    let outcome = catch_unwind(AssertUnwindSafe(|| (tool.handler)(&call)));
    if guard.is_cancelled() {
        return None; // 2025-11-25 `basic/utilities/cancellation`: no response.
    }
    // 2026-07-28: questions still without answers make the call's result an
    // interim one, whatever the handler returned.
    if let Some(interim) = round.as_ref().and_then(|r| r.interim(&ex.server.state_key)) {
        return Some(interim);
    }
    Some(match outcome {
        Ok(Ok(result)) => match conforms(tool, &result) {
            Ok(()) => Ok(result.to_json()),
            Err(why) => {
                // The author's bug, not the model's: logged for the author,
                // and never a malformed answer that the client's own check
                // of `outputSchema` would refuse.
                crate::log::event("ERROR", &format!("tool `{name}`: {why}"));
                Err(RpcError::new(
                    INTERNAL_ERROR,
                    format!(
                        "Internal error: tool `{name}` returned a result that does not match its output schema"
                    ),
                ))
            }
        },
        Ok(Err(ToolError::Cancelled)) => return None,
        Ok(Err(e)) => {
            Ok(json!({"content": [{"type": "text", "text": e.to_string()}], "isError": true}))
        }
        Err(_) => {
            crate::log::event("ERROR", &format!("tool `{name}` panicked"));
            Err(RpcError::new(
                INTERNAL_ERROR,
                format!("Internal error: tool `{name}` failed unexpectedly"),
            ))
        }
    })
}

/// Whether a successful result honours the tool's `outputSchema` (MCP
/// 2025-06-18+ `server/tools#output-schema`: servers MUST return conforming
/// `structuredContent`). An `isError` result needs none.
fn conforms(tool: &Tool, result: &ToolResult) -> Result<(), String> {
    let Some(output) = tool.declared_output() else {
        return Ok(());
    };
    if result.is_error {
        return Ok(());
    }
    let Some(structured) = &result.structured_content else {
        return Err(
            "it declares an output schema but returned no structuredContent (use ToolResult::json)"
                .into(),
        );
    };
    let problems = schema::validate(output, structured);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "its structuredContent does not match its output schema: {}",
            problems.join("; ")
        ))
    }
}

/// A 2026-07-28 call's multi round-trip state (`None` in the legacy era).
/// A forged or stale `requestState` is `-32602`.
fn start_round(
    ex: &Exchange<'_>,
    method: &str,
    target: &str,
    arguments: &Value,
    params: &Map<String, Value>,
) -> Result<Option<Round>, RpcError> {
    if ex.modern.is_none() {
        return Ok(None);
    }
    let binding = Binding::new(method, target, arguments, ex.owner());
    Round::start(&ex.server.state_key, binding, params).map(Some)
}

// ── Resources ──

fn uri_param(params: &Map<String, Value>) -> Result<&str, RpcError> {
    params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("Invalid params: `uri` must be a string"))
}

/// An unknown resource: `-32002` for legacy clients, `-32602` in 2026-07-28
/// (`server/resources#error-handling`, which retired `-32002`).
fn not_found(ex: &Exchange<'_>, uri: &str) -> RpcError {
    let code = if ex.modern.is_some() {
        INVALID_PARAMS
    } else {
        RESOURCE_NOT_FOUND
    };
    RpcError {
        data: Some(json!({"uri": uri})),
        ..RpcError::new(code, format!("Resource not found: {uri}"))
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
    let (reader, variables) = find_resource(ex.server, uri).ok_or_else(|| not_found(ex, uri))?;
    let request = ResourceRequest {
        uri,
        variables,
        caller: ex.caller,
    };
    match catch_unwind(AssertUnwindSafe(|| reader(&request))) {
        Ok(Ok(contents)) => Ok(json!({"contents": [contents.to_json()]})),
        Ok(Err(ResourceError::NotFound(_))) => Err(not_found(ex, uri)),
        Ok(Err(ResourceError::Failed(m))) => Err(RpcError::new(INTERNAL_ERROR, m)),
        Err(_) => Err(RpcError::new(
            INTERNAL_ERROR,
            "Internal error: the resource reader failed",
        )),
    }
}

/// `resources/subscribe` and `unsubscribe` (2025): checked, then a no-op.
fn subscribe(ex: &Exchange<'_>, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let uri = uri_param(params)?;
    if find_resource(ex.server, uri).is_none() {
        return Err(not_found(ex, uri));
    }
    Ok(json!({}))
}

// ── Prompts and completion ──

fn get_prompt(
    ex: &Exchange<'_>,
    req: &RpcRequest,
    params: &Map<String, Value>,
) -> Result<Value, RpcError> {
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
    let round = start_round(ex, "prompts/get", name, &json!(arguments), params)?;
    let guard = ex
        .server
        .state
        .start_call(&req.id, ex.session_id(), ex.owner());
    let request = PromptRequest {
        name,
        arguments,
        caller: ex.caller,
        client: ClientInput {
            exchange: ex,
            guard: &guard,
            round: round.as_ref(),
        },
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| (prompt.handler)(&request)));
    if let Some(interim) = round.as_ref().and_then(|r| r.interim(&ex.server.state_key)) {
        return interim;
    }
    match outcome {
        Ok(Ok(messages)) => Ok(json!({
            "description": prompt.description(),
            "messages": messages.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
        })),
        Ok(Err(e @ PromptError::MissingArgument(_))) => {
            Err(RpcError::invalid_params(e.to_string()))
        }
        Ok(Err(PromptError::Failed(m))) => Err(RpcError::new(INTERNAL_ERROR, m)),
        // Legacy handlers never get it; a modern one got its interim result above.
        Ok(Err(PromptError::InputRequired)) => Err(RpcError::new(
            INTERNAL_ERROR,
            "Internal error: the prompt waited for input that was never asked",
        )),
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
