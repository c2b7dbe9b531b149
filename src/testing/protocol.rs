//! **[28–29](crate::_documentation::flow) The test client speaks MCP — one
//! request, in either era, with the server's questions answered.** The
//! private half of [`TestClient`]: how one JSON-RPC request goes out and
//! its answer comes back.
//!
//! ```text
//!   call(method, params)
//!     exchange: POST /mcp  Authorization, MCP-Protocol-Version, Mcp-Session-Id (legacy)
//!               modern: _meta {protocolVersion, clientCapabilities, clientInfo},
//!                       Mcp-Method, Mcp-Name, Mcp-Param-* (the tool's x-mcp-header args)
//!     ← JSON, or an SSE stream: notifications kept, a server request
//!       (elicitation, sampling) answered on a new POST, then the response
//!     modern: result input_required → answer inputRequests, retry with
//!             inputResponses + requestState (at most 16 rounds)
//! ```
//!
//! # Spec
//! * MCP 2025-11-25 *Transports* (POST, JSON or SSE, `Mcp-Session-Id`),
//!   *Elicitation*, *Sampling*; MCP 2026-07-28 `_meta`, the mirrored
//!   headers and multi round-trip results.
//!
//! # Where this sits
//! An `impl` block of [`TestClient`] (its public methods in
//! [`super::client`] call these); sends through [`super::wire`].

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::client::TestClient;
use super::era::{Era, LEGACY_VERSION, MODERN_VERSION};
use super::error::{TestError, rpc_error};
use super::wire::{Response, send, sse_data};

impl TestClient {
    pub(super) fn capabilities(&self) -> Value {
        let mut caps = Map::new();
        if self.on_elicit.is_some() {
            caps.insert("elicitation".into(), json!({"form": {}}));
        }
        if self.on_sample.is_some() {
            caps.insert("sampling".into(), json!({}));
        }
        Value::Object(caps)
    }

    /// One request in the current era, with its notifications; modern
    /// `input_required` rounds are answered and retried here.
    pub(super) fn call(
        &mut self,
        method: &str,
        mut params: Value,
    ) -> Result<(Value, Vec<Value>), TestError> {
        let mut notifications = Vec::new();
        for _round in 0..16 {
            let (answer, _) =
                self.exchange_collecting(method, params.clone(), &mut notifications)?;
            if answer.get("error").is_some() {
                return Err(rpc_error(&answer));
            }
            let result = answer.get("result").cloned().unwrap_or(Value::Null);
            if result["resultType"] != "input_required" {
                return Ok((result, notifications));
            }
            // 2026-07-28 multi round-trip: answer every question, then retry.
            let mut responses = Map::new();
            if let Some(requests) = result["inputRequests"].as_object() {
                for (key, request) in requests {
                    let method = request["method"].as_str().unwrap_or_default();
                    responses.insert(key.clone(), self.answer(method, &request["params"])?);
                }
            }
            if let Some(p) = params.as_object_mut() {
                p.insert("inputResponses".into(), Value::Object(responses));
                if let Some(state) = result.get("requestState") {
                    p.insert("requestState".into(), state.clone());
                }
            }
        }
        Err(TestError::Protocol(format!(
            "{method} still needed input after 16 rounds"
        )))
    }

    /// The answer to a question from the server, from the closures.
    pub(super) fn answer(&self, method: &str, params: &Value) -> Result<Value, TestError> {
        let answerer = match method {
            "elicitation/create" => &self.on_elicit,
            "sampling/createMessage" => &self.on_sample,
            "roots/list" => return Ok(json!({"roots": []})),
            other => {
                return Err(TestError::Protocol(format!(
                    "the server asked {other}, which the test client does not answer"
                )));
            }
        };
        match answerer {
            Some(f) => Ok(f(params)),
            None => Err(TestError::Protocol(format!(
                "the server asked {method} but the test client has no answer for it (TestClientBuilder::on_elicit / on_sample)"
            ))),
        }
    }

    /// Sends one JSON-RPC request and reads its answer (JSON or SSE),
    /// answering server-to-client requests met on the stream.
    pub(super) fn exchange_collecting(
        &mut self,
        method: &str,
        mut params: Value,
        notifications: &mut Vec<Value>,
    ) -> Result<(Value, Option<String>), TestError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut headers: Vec<(String, String)> = Vec::new();
        if self.era == Era::Modern {
            if let Some(p) = params.as_object_mut() {
                let meta = p.entry("_meta").or_insert_with(|| json!({}));
                if let Some(meta) = meta.as_object_mut() {
                    meta.insert(
                        "io.modelcontextprotocol/protocolVersion".into(),
                        MODERN_VERSION.into(),
                    );
                    meta.insert(
                        "io.modelcontextprotocol/clientCapabilities".into(),
                        self.capabilities(),
                    );
                    meta.insert(
                        "io.modelcontextprotocol/clientInfo".into(),
                        json!({"name": "remote_mcp::testing", "version": env!("CARGO_PKG_VERSION")}),
                    );
                }
            }
            headers.push(("Mcp-Method".into(), method.into()));
            let name = match method {
                "tools/call" | "prompts/get" => params["name"].as_str(),
                "resources/read" => params["uri"].as_str(),
                _ => None,
            };
            if let Some(name) = name {
                headers.push(("Mcp-Name".into(), header_value(name)));
            }
            if method == "tools/call" {
                let tool = params["name"].as_str().unwrap_or_default().to_string();
                for (arg, header) in self.mirrored_params(&tool)? {
                    let value = &params["arguments"][&arg];
                    let text = match value {
                        Value::String(s) => header_value(s),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => continue,
                    };
                    headers.push((format!("Mcp-Param-{header}"), text));
                }
            }
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut response = self.post_mcp(&body, &refs)?;
        let session = response.header("mcp-session-id").map(str::to_string);
        if response.content_type().starts_with("text/event-stream") {
            let mut pending = String::new();
            loop {
                if let Some(end) = pending.find("\n\n") {
                    let event: String = pending.drain(..end + 2).collect();
                    let Some(message) = sse_data(&event) else {
                        continue;
                    };
                    if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                        return Ok((message, session));
                    }
                    if let (Some(m), Some(req_id)) = (message["method"].as_str(), message.get("id"))
                    {
                        // A request from the server: answer it on a new POST.
                        let reply = match self.answer(m, &message["params"]) {
                            Ok(result) => json!({"jsonrpc": "2.0", "id": req_id, "result": result}),
                            // As the SDK clients do for a capability they lack.
                            Err(_) => json!({"jsonrpc": "2.0", "id": req_id,
                                "error": {"code": -32601, "message": format!("Method not found: {m}")}}),
                        };
                        self.post_mcp(&reply, &[])?;
                    } else {
                        notifications.push(message);
                    }
                    continue;
                }
                match response.body.next_bytes()? {
                    Some(bytes) => pending.push_str(&String::from_utf8_lossy(&bytes)),
                    None => {
                        return Err(TestError::Protocol(format!(
                            "the {method} stream ended without a response"
                        )));
                    }
                }
            }
        }
        let status = response.status;
        let text = response.body.read_all()?;
        serde_json::from_str::<Value>(&text)
            .map(|v| (v, session))
            .map_err(|_| TestError::Protocol(format!("{method} answered HTTP {status}: {text}")))
    }

    /// The `x-mcp-header` parameters of `tool`, from `tools/list` (fetched once).
    pub(super) fn mirrored_params(
        &mut self,
        tool: &str,
    ) -> Result<Vec<(String, String)>, TestError> {
        if self.mirrored.is_none() {
            self.mirrored = Some(HashMap::new()); // no recursion while listing
            let mut map = HashMap::new();
            for t in self.list_tools()? {
                let mut pairs = Vec::new();
                if let Some(props) = t["inputSchema"]["properties"].as_object() {
                    for (name, schema) in props {
                        if let Some(h) = schema["x-mcp-header"].as_str() {
                            pairs.push((name.clone(), h.to_string()));
                        }
                    }
                }
                map.insert(t["name"].as_str().unwrap_or_default().to_string(), pairs);
            }
            self.mirrored = Some(map);
        }
        Ok(self
            .mirrored
            .as_ref()
            .and_then(|m| m.get(tool))
            .cloned()
            .unwrap_or_default())
    }

    pub(super) fn post_mcp(
        &self,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> Result<Response, TestError> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let version = match self.era {
            Era::Legacy | Era::LegacyWithoutSession => LEGACY_VERSION,
            Era::Modern => MODERN_VERSION,
        };
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", version),
        ];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        if let Some(s) = &self.session {
            headers.push(("Mcp-Session-Id", s));
        }
        headers.extend_from_slice(extra);
        send(
            self.addr,
            &self.public_url,
            "POST",
            "/mcp",
            &headers,
            body.to_string().as_bytes(),
        )
    }
}

/// A header value as 2026-07-28 mirrors it: plain when it can travel as is,
/// else `=?base64?…?=`.
pub(super) fn header_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.starts_with("=?");
    if plain {
        value.to_string()
    } else {
        format!("=?base64?{}?=", STANDARD.encode(value))
    }
}
