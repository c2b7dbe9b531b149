//! **[28–29](crate::_documentation::flow) Tool calls — one JSON-RPC request in,
//! one response out.** The dispatcher is a single `match` on the method name,
//! in the order a client uses them (`initialize` first, then the server
//! features). It knows nothing about HTTP: it gets a parsed [`RpcRequest`], the
//! [`McpServer`] and an [`Exchange`] (who is calling, the session, and an
//! `emit` function that sends a notification or a server→client request on the
//! response stream) and returns the response message — or nothing, when the
//! client cancelled the call.
//!
//! | method | answer |
//! |---|---|
//! | `initialize` | negotiated version, capabilities, `serverInfo`, `instructions` (MCP 2025-11-25 `basic/lifecycle`) |
//! | `ping` | `{}` (`basic/utilities/ping`) |
//! | `tools/list` | one page; `nextCursor` if more (`server/utilities/pagination`) |
//! | `tools/call` | the tool's result; a failing tool is `isError: true`; unknown tool `-32602` (`server/tools`) |
//! | `logging/setLevel` | `{}`; unknown level `-32602` (`server/utilities/logging`) |
//! | a method of an installed [`crate::mcp::server::Capability`] | its answer (`resources/*`, `prompts/*`, `completion/complete`: [`crate::ext::capabilities`]) |
//! | anything else | `-32601` |
//!
//! Params that are not an object are `-32602` for every method.
//!
//! A request of a later era (2026-07-28) is not dispatched here but by that
//! era's hook ([`crate::mcp::server::EraHook`]), which answers its own methods
//! (`server/discover`, `subscriptions/listen`) and hands the methods both eras
//! share to [`serve`].
//!
//! # Logging stays in the core
//! `logging/setLevel` and the `logging` capability are served here, not by an
//! extension, because [`crate::ToolCall::log`] belongs to every tool call: the
//! level a client sets and the messages a tool sends must agree.
//!
//! # Where this sits
//! Called by [`crate::mcp::transport`] for each parsed message; calls the
//! handlers registered on [`McpServer`].

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use base64::Engine;
use serde_json::{Map, Value, json};

use super::ask::ClientInput;
use super::call::ToolCall;
use super::exchange::{Exchange, Round};
use super::jsonrpc::{self, INTERNAL_ERROR, METHOD_NOT_FOUND, RpcError, RpcRequest};
use super::logging::LogLevel;
use super::result::{ToolError, ToolResult};
use super::server::McpServer;
use super::session::CallGuard;
use super::tool::Tool;
use super::{schema, version};

/// Answers a 2025-era request: `Some(response)`, or `None` if the client
/// cancelled it.
pub fn request(server: &McpServer, ex: &Exchange<'_>, req: &RpcRequest) -> Option<Value> {
    let params = match params(req) {
        Ok(p) => p,
        Err(failure) => return Some(failure),
    };
    let outcome = match req.method.as_str() {
        // ── Lifecycle: the handshake ──
        "initialize" => Ok(initialize(server, params)),
        "ping" => Ok(json!({})),
        // ── Logging (set per session) ──
        "logging/setLevel" => set_level(server, ex, params),
        // ── Tools, and what the capabilities add ──
        _ => serve(server, ex, req, params)?,
    };
    Some(match outcome {
        Ok(result) => jsonrpc::success(&req.id, result),
        Err(e) => jsonrpc::failure(Some(&req.id), &e),
    })
}

/// The params of `req` as an object (`null` is none), or the `-32602`
/// response for anything else.
pub fn params(req: &RpcRequest) -> Result<&Map<String, Value>, Value> {
    // Borrowed, not cloned: a copy of the params map was a measurable share
    // of a small tools/call (docs/PERFORMANCE.md).
    static NO_PARAMS: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match &req.params {
        Value::Null => Ok(NO_PARAMS.get_or_init(Map::new)),
        Value::Object(p) => Ok(p),
        _ => {
            let e = RpcError::invalid_params("Invalid params: `params` must be an object");
            Err(jsonrpc::failure(Some(&req.id), &e))
        }
    }
}

/// The methods both eras share: tools, then each installed [`crate::mcp::server::Capability`].
/// `None`: no response (the call was cancelled); `-32601` for a method
/// nobody serves.
pub fn serve(
    server: &McpServer,
    ex: &Exchange<'_>,
    req: &RpcRequest,
    params: &Map<String, Value>,
) -> Option<Result<Value, RpcError>> {
    match req.method.as_str() {
        "tools/list" => Some(list(
            server,
            params,
            "tools",
            server.tools.iter().map(Tool::to_json),
        )),
        "tools/call" => call_tool(server, ex, req, params),
        method => Some(
            server
                .capabilities
                .iter()
                .find_map(|c| c.answer(server, ex, req, params))
                .unwrap_or_else(|| {
                    Err(RpcError::new(
                        METHOD_NOT_FOUND,
                        format!("Method not found: {method}"),
                    ))
                }),
        ),
    }
}

/// Handles a notification; there is never an answer.
pub fn notification(server: &McpServer, ex: &Exchange<'_>, method: &str, params: &Value) {
    // `notifications/initialized` needs no action: we serve requests that
    // arrive without it (claude.ai spreads the handshake over many nodes).
    // Unknown notifications are ignored too.
    if method == "notifications/cancelled" {
        // 2025-11-25 `basic/utilities/cancellation`: unknown ids are ignored.
        if let Some(id) = params.get("requestId") {
            server.state.cancel(id, ex.session_id(), ex.owner());
        }
    }
}

/// The `initialize` result for these params.
pub fn initialize(server: &McpServer, params: &Map<String, Value>) -> Value {
    let negotiated = version::negotiate(params.get("protocolVersion").and_then(Value::as_str));
    let mut result = Map::new();
    result.insert("protocolVersion".into(), negotiated.into());
    result.insert("capabilities".into(), server.declared_capabilities());
    result.insert("serverInfo".into(), server.server_info());
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

/// One page of `items` under `key`, from the params' `cursor` (`-32602`
/// for a cursor we did not issue), with `nextCursor` when more follow.
pub fn list(
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
    server: &McpServer,
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
    let Some(tool) = server.find_tool(name) else {
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
    let guard = server
        .state
        .start_call(&req.id, ex.session_id(), ex.owner());
    let call = ToolCall {
        name,
        arguments,
        progress_token,
        client: client_input(server, ex, &guard, round.as_deref()),
        logger: &server.name,
        user_state: server.user_state.as_deref(),
        last_progress: Cell::new(None),
    };
    // A panicking handler is a bug in the tool, not a reason to drop the connection.
    let outcome = catch_unwind(AssertUnwindSafe(|| (tool.handler)(&call)));
    if guard.is_cancelled() {
        return None; // 2025-11-25 `basic/utilities/cancellation`: no response.
    }
    // A later era (2026-07-28): questions still without answers make the
    // call's result an interim one, whatever the handler returned.
    if let Some(interim) = round.as_ref().and_then(|r| r.interim()) {
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

/// A later era's questions for one call (`None` in the 2025 era): opened
/// before the handler runs, from what a retry carries in `params`.
pub fn start_round<'e>(
    ex: &'e Exchange<'_>,
    method: &str,
    target: &str,
    arguments: &Value,
    params: &Map<String, Value>,
) -> Result<Option<Box<dyn Round + 'e>>, RpcError> {
    match ex.era {
        None => Ok(None),
        Some(era) => era
            .open_round(method, target, arguments, ex.owner(), params)
            .map(Some),
    }
}

/// Where the questions of a handler running for `ex` go ([`crate::mcp::ask`]).
pub fn client_input<'a>(
    server: &'a McpServer,
    ex: &'a Exchange<'a>,
    guard: &'a CallGuard<'a>,
    round: Option<&'a dyn Round>,
) -> ClientInput<'a> {
    ClientInput {
        exchange: ex,
        guard,
        round,
        state: &server.state,
        wait: server.client_request_timeout,
        unknown_wait: server.unknown_client_wait,
    }
}

// ── Logging ──

fn set_level(
    server: &McpServer,
    ex: &Exchange<'_>,
    params: &Map<String, Value>,
) -> Result<Value, RpcError> {
    let name = params.get("level").and_then(Value::as_str).unwrap_or("");
    let level = LogLevel::parse(name).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "Invalid params: unknown log level {name:?}; expected one of debug, info, notice, warning, error, critical, alert, emergency"
        ))
    })?;
    if let Some(id) = ex.session_id() {
        server.state.set_log_level(id, level);
    }
    Ok(json!({}))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The answer to `method` with empty params, as a 2025 client without a
    /// session gets it (also used by the extensions' tests).
    pub(crate) fn ask(server: &McpServer, method: &str) -> Value {
        let ex = Exchange {
            caller: None,
            session: None,
            version: "2025-11-25",
            log_level: None,
            era: None,
            emit: &|_| false,
            keep_alive: &|| false,
        };
        let req = RpcRequest {
            id: json!(1),
            method: method.into(),
            params: json!({}),
        };
        request(server, &ex, &req).unwrap_or_default()
    }

    #[test]
    fn the_core_alone_serves_tools_and_refuses_what_no_capability_answers() {
        let server = McpServer::new("s").tool(Tool::new("t", "T."));
        assert_eq!(
            ask(&server, "tools/list")["result"]["tools"][0]["name"],
            "t"
        );
        assert_eq!(ask(&server, "ping")["result"], json!({}));
        // Without the capabilities extension, resources and prompts are unknown…
        for method in ["resources/list", "prompts/list", "completion/complete"] {
            assert_eq!(
                ask(&server, method)["error"]["code"],
                METHOD_NOT_FOUND,
                "{method}"
            );
        }
        // …and so are the 2026-07-28 methods, in the 2025 era.
        assert_eq!(
            ask(&server, "server/discover")["error"]["code"],
            METHOD_NOT_FOUND
        );
        let caps = &ask(&server, "initialize")["result"]["capabilities"];
        assert_eq!(caps, &json!({"tools": {}, "logging": {}}));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(3), 5), Some(3));
        assert_eq!(decode_cursor(&encode_cursor(6), 5), None);
        assert_eq!(decode_cursor("not a cursor!", 5), None);
        assert_eq!(decode_cursor(&encode_cursor(0), 5), None);
    }
}
