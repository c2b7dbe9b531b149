//! **[28–29](crate::_documentation::flow) Tool calls — the JSON-RPC 2.0
//! envelope.** Every MCP message is one JSON-RPC 2.0 object (JSON-RPC 2.0
//! §4–§5; MCP 2025-11-25 `basic/index`): a *request* (`method` + `id`), a
//! *notification* (`method`, no `id`) or a *response* (`id` + `result` or
//! `error`). This module turns the bytes of a POST body into one of those
//! three, or into the error that says why it is none of them; and builds the
//! response objects.
//!
//! # Rules enforced here
//! | input | error |
//! |---|---|
//! | not UTF-8, not JSON, nested deeper than serde_json's limit (128) | `-32700` parse error |
//! | an array (a 2025-03-26 batch) | `-32600`: batches are refused, see below |
//! | not an object, `jsonrpc` ≠ `"2.0"`, `method` not a string | `-32600` |
//! | `id` null, fractional, boolean, object or array (MCP: string or integer) | `-32600` |
//! | a non-notification method without `id` | `-32600` (MCP defines which methods are notifications) |
//!
//! **Batches are refused on purpose.** 2025-06-18 removed them, 2025-03-26 only
//! said a server MAY accept them, and no SDK client sends them. A batch gets a
//! single `-32600` with `id: null` explaining that each message needs its own POST.
//!
//! **Deep nesting cannot crash the server.** serde_json stops at 128 levels and
//! reports an error instead of recursing further, so a 10,000-deep array is a
//! plain `-32700`, never a stack overflow.
//!
//! # Where this sits
//! Called by [`crate::mcp::transport`] on every POST body; the
//! [`crate::mcp::dispatch`] module answers the [`Incoming`] messages.

use std::fmt;

use serde_json::{Map, Value, json};

/// `-32700`: the body is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// `-32600`: JSON, but not a valid JSON-RPC/MCP message.
pub const INVALID_REQUEST: i64 = -32600;
/// `-32601`: no such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// `-32602`: the method exists but its params are wrong (unknown tool, bad cursor…).
pub const INVALID_PARAMS: i64 = -32602;
/// `-32603`: our fault.
pub const INTERNAL_ERROR: i64 = -32603;
/// `-32002`: `resources/read` of an unknown URI (MCP 2025-11-25 `server/resources`).
pub const RESOURCE_NOT_FOUND: i64 = -32002;

/// A JSON-RPC error object: `{"code", "message", "data"?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// One of the constants above.
    pub code: i64,
    /// A sentence for the developer reading the client's log.
    pub message: String,
    /// Optional structured detail.
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with this code and message.
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// `-32602` with this message.
    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError::new(INVALID_PARAMS, message)
    }

    /// The error object as it goes on the wire.
    pub fn to_json(&self) -> Value {
        let mut e = Map::new();
        e.insert("code".into(), self.code.into());
        e.insert("message".into(), self.message.as_str().into());
        if let Some(d) = &self.data {
            e.insert("data".into(), d.clone());
        }
        Value::Object(e)
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JSON-RPC error {}: {}", self.code, self.message)
    }
}

/// A request from the client: it must be answered with the same `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    /// A string or an integer (checked).
    pub id: Value,
    /// e.g. `tools/call`.
    pub method: String,
    /// `params` as sent, `Value::Null` when absent. Its type is checked by the
    /// dispatcher, which answers `-32602` when it is not an object.
    pub params: Value,
}

/// One parsed message from a POST body.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Answer it.
    Request(RpcRequest),
    /// Never answer it.
    Notification {
        /// e.g. `notifications/initialized`.
        method: String,
        /// `params` as sent, `Value::Null` when absent.
        params: Value,
    },
    /// The client answering a request *we* sent (elicitation, sampling).
    Response {
        /// Our id, echoed.
        id: Value,
        /// The whole message: it has `result` or `error`.
        message: Value,
    },
}

impl Incoming {
    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            Incoming::Request(r) => Some(&r.method),
            Incoming::Notification { method, .. } => Some(method),
            Incoming::Response { .. } => None,
        }
    }

    /// The params of a request or notification (`Null` when absent).
    pub fn params(&self) -> &Value {
        match self {
            Incoming::Request(r) => &r.params,
            Incoming::Notification { params, .. } => params,
            Incoming::Response { .. } => &Value::Null,
        }
    }
}

/// Why a body is not a message: the error, and the request `id` if one could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The id to echo, if the body had a valid one; `null` otherwise.
    pub id: Option<Value>,
    /// `-32700` or `-32600`.
    pub error: RpcError,
}

/// Parses one POST body. See the module docs for the rules.
pub fn parse(body: &[u8]) -> Result<Incoming, Rejected> {
    let reject = |id: Option<Value>, code: i64, message: &str| Rejected {
        id,
        error: RpcError::new(code, message),
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(reject(
            None,
            PARSE_ERROR,
            "Parse error: the body is not valid UTF-8",
        ));
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Err(reject(None, PARSE_ERROR, &format!("Parse error: {e}")));
        }
    };
    let mut object = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(reject(
                None,
                INVALID_REQUEST,
                "Invalid request: JSON-RPC batches are not supported; send each message in its own POST",
            ));
        }
        _ => {
            return Err(reject(
                None,
                INVALID_REQUEST,
                "Invalid request: the body must be a JSON object",
            ));
        }
    };
    // Read the id first, so that later errors can echo it when it is valid.
    let id = match object.remove("id") {
        None => None,
        Some(id) if valid_id(&id) => Some(id),
        Some(_) => {
            return Err(reject(
                None,
                INVALID_REQUEST,
                "Invalid request: `id` must be a string or an integer (never null)",
            ));
        }
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(reject(
            id,
            INVALID_REQUEST,
            "Invalid request: `jsonrpc` must be \"2.0\"",
        ));
    }
    let params = object.remove("params").unwrap_or(Value::Null);
    match object.remove("method") {
        Some(Value::String(method)) => match id {
            Some(id) => Ok(Incoming::Request(RpcRequest { id, method, params })),
            None if method.starts_with("notifications/") => {
                Ok(Incoming::Notification { method, params })
            }
            None => Err(reject(
                None,
                INVALID_REQUEST,
                &format!("Invalid request: `{method}` is a request and needs an `id`"),
            )),
        },
        Some(_) => Err(reject(
            id,
            INVALID_REQUEST,
            "Invalid request: `method` must be a string",
        )),
        None => match id {
            Some(id) if object.contains_key("result") || object.contains_key("error") => {
                object.insert("id".into(), id.clone());
                object.insert("jsonrpc".into(), "2.0".into());
                Ok(Incoming::Response {
                    id,
                    message: Value::Object(object),
                })
            }
            _ => Err(reject(
                id,
                INVALID_REQUEST,
                "Invalid request: a message needs a `method`, or an `id` with `result` or `error`",
            )),
        },
    }
}

/// MCP (2025-11-25 `basic/index`): "Requests MUST include a string or integer ID".
fn valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`
pub fn success(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// `{"jsonrpc":"2.0","id":…|null,"error":{…}}`
pub fn failure(id: Option<&Value>, error: &RpcError) -> Value {
    json!({"jsonrpc": "2.0", "id": id.cloned().unwrap_or(Value::Null), "error": error.to_json()})
}

/// `{"jsonrpc":"2.0","method":…,"params":…}`: a notification we send.
pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &[u8]) -> i64 {
        parse(body).unwrap_err().error.code
    }

    #[test]
    fn the_three_kinds_of_message() {
        let r = parse(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#).unwrap();
        assert_eq!(r.method(), Some("ping"));
        assert!(matches!(r, Incoming::Request(RpcRequest { id, .. }) if id == json!(7)));
        let n = parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(matches!(n, Incoming::Notification { .. }));
        let a = parse(br#"{"jsonrpc":"2.0","id":"s-1","result":{}}"#).unwrap();
        assert!(matches!(a, Incoming::Response { id, .. } if id == json!("s-1")));
    }

    #[test]
    fn bad_bodies_get_the_right_code() {
        assert_eq!(code(b"{not json"), PARSE_ERROR);
        assert_eq!(code(b"\xff\xfe"), PARSE_ERROR);
        assert_eq!(code(b"[]"), INVALID_REQUEST);
        assert_eq!(code(b"42"), INVALID_REQUEST);
        assert_eq!(
            code(br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
            INVALID_REQUEST
        );
        assert_eq!(
            code(br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#),
            INVALID_REQUEST
        );
        assert_eq!(
            code(br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#),
            INVALID_REQUEST
        );
        assert_eq!(
            code(br#"{"jsonrpc":"2.0","method":"tools/list"}"#),
            INVALID_REQUEST
        );
        assert_eq!(
            code(br#"{"jsonrpc":"2.0","id":1,"method":3}"#),
            INVALID_REQUEST
        );
    }

    #[test]
    fn a_deep_array_is_a_parse_error_not_a_crash() {
        let body = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(code(body.as_bytes()), PARSE_ERROR);
    }

    #[test]
    fn a_valid_id_is_echoed_in_errors() {
        let r = parse(br#"{"jsonrpc":"1","id":"a","method":"ping"}"#).unwrap_err();
        assert_eq!(r.id, Some(json!("a")));
    }
}
