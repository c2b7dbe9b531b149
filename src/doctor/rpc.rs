//! **[1, 28–29](crate::_documentation::flow) mcp-doctor — MCP messages as
//! claude.ai sends them.** The one way the doctor talks to the endpoint:
//! [`post`] sends a JSON-RPC message with claude.ai's headers (`Accept: */*`,
//! `User-Agent: Claude-User`, the bearer token, `MCP-Protocol-Version`), and
//! [`rpc_answer`] finds the answer in a JSON body or an SSE stream, as
//! Streamable HTTP allows either. [`initialize_body`] is claude.ai's first
//! request, sent without a token at `[1]` and with one at `[28]`.
//!
//! ```text
//!   post(d, label, token, "*/*", version, extra, body)
//!     → POST URL  Content-Type: application/json, Accept: */* (or the
//!                 JSON/SSE pair once the server refused */*)
//!   rpc_answer(got, id) → the message with that id (JSON, or an SSE data: line)
//! ```
//!
//! # Spec
//! * MCP 2025-11-25 *Transports* (POST answered with JSON or an SSE stream),
//!   *Lifecycle* (`initialize`).
//!
//! # Where this sits
//! A leaf under [`super::discovery`] (the challenge), [`super::mcp`],
//! [`super::tools`] and [`super::timing`].

use serde_json::{Value, json};

use super::context::Doctor;
use super::probe::{CLAUDE_USER_AGENT, Got, excerpt};

/// The JSON-RPC body of claude.ai's first legacy request.
pub fn initialize_body(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "mcp-doctor", "version": env!("CARGO_PKG_VERSION")}}})
}

/// The `Accept` of the official SDK clients (claude.ai sends `*/*`).
pub const PAIR: &str = "application/json, text/event-stream";

/// The JSON-RPC answer with `id` in a JSON or SSE body.
pub fn rpc_answer(got: &Got, id: u64) -> Result<Value, String> {
    if got.media_type() == "text/event-stream" {
        let text = got.text();
        for event in text.split("\n\n").flat_map(|e| e.split("\r\n\r\n")) {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if let Ok(v) = serde_json::from_str::<Value>(&data.join("\n"))
                && v["id"] == id
            {
                return Ok(v);
            }
        }
        return Err(format!("no answer with id {id} in the event stream"));
    }
    got.json()
}

/// Sends one JSON-RPC message to the endpoint as claude.ai does.
pub fn post(
    d: &mut Doctor,
    label: &str,
    token: Option<&str>,
    accept: &str,
    version: Option<&str>,
    extra: &[(&str, &str)],
    body: &Value,
) -> Result<Got, String> {
    let accept = if accept == "*/*" && d.strict_accept {
        PAIR
    } else {
        accept
    };
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", accept),
        ("User-Agent", CLAUDE_USER_AGENT),
    ];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    if let Some(v) = version {
        headers.push(("MCP-Protocol-Version", v));
    }
    headers.extend_from_slice(extra);
    let url = d.options.url.clone();
    d.probe
        .call(label, "POST", &url, &headers, body.to_string().as_bytes())
}

/// A short account of an unexpected answer.
pub fn gist(got: &Got) -> String {
    if got.is_html() {
        format!("{}, an HTML page{}", got.status, got.title())
    } else {
        format!("{} {}", got.status, excerpt(&got.text(), 100))
    }
}
