//! **[28–29](crate::_documentation::flow) mcp-doctor — the tool
//! definitions, and one tool call when asked.** What claude.ai does with a
//! server's tools besides the spec: it silently drops a tool whose input
//! schema is over 16 KiB, refuses `anyOf`/`oneOf`/`allOf` at the top of an
//! input schema, has tripped on `anyOf` in output schemas, and cuts results
//! over about 150,000 characters.
//!
//! ```text
//!   tools/list → every tool: name [A-Za-z0-9_.-]{1,128}, unique; inputSchema an
//!                object schema (≤ 16 KiB, no top-level anyOf/oneOf/allOf, $schema
//!                2020-12); outputSchema an object schema (no anyOf)
//!   --call NAME=JSON → tools/call: content[], structuredContent when an
//!                outputSchema is declared, size ≤ about 150,000 characters
//! ```
//!
//! # Spec
//! * MCP 2025-11-25 *Tools* (tool names, `inputSchema`, `outputSchema`,
//!   `structuredContent`), *JSON Schema usage* (2020-12 by default).
//! * claude.ai's documented limits (about 150,000 characters per result).
//!
//! # Where this sits
//! Called by [`super::mcp`] with the list it fetched.

use serde_json::{Value, json};

use super::context::Doctor;
use super::probe::excerpt;
use super::report::{Section, Status};
use super::rpc::{post, rpc_answer};

/// claude.ai's reported limit on one tool result, in characters.
pub const RESULT_LIMIT: usize = 150_000;
/// Tool input schemas larger than this are dropped by claude.ai (bytes of JSON).
pub const SCHEMA_LIMIT: usize = 16 * 1024;

/// Whether `schema` (or a schema inside it) uses `keyword`.
fn uses(schema: &Value, keyword: &str) -> bool {
    match schema {
        Value::Object(map) => map.contains_key(keyword) || map.values().any(|v| uses(v, keyword)),
        Value::Array(items) => items.iter().any(|v| uses(v, keyword)),
        _ => false,
    }
}

/// Checks every tool definition against the spec and claude.ai's limits.
pub fn check_tools(d: &mut Doctor, tools: &[Value]) {
    let mut problems = 0;
    let mut seen = std::collections::HashSet::new();
    for tool in tools {
        let name = tool["name"].as_str().unwrap_or("").to_string();
        let shown = if name.is_empty() {
            "(no name)".to_string()
        } else {
            name.clone()
        };
        let mut fail = |d: &mut Doctor, section: Section, status: Status, what: &str, fix: &str| {
            problems += 1;
            d.add(
                section,
                status,
                &format!("tool {shown}"),
                what,
                Some((fix, None)),
                None,
            );
        };
        use Status::{Fail, Warn};
        if name.is_empty()
            || name.len() > 128
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            fail(
                d,
                Section::SignIn,
                Warn,
                "the name is not 1-128 characters of [A-Za-z0-9_.-]",
                "MCP 2025-11-25 Tools, tool names",
            );
        } else if name.len() > 64 {
            fail(
                d,
                Section::SignIn,
                Warn,
                "the name is longer than 64 characters",
                "claude.ai's directory accepts names of at most 64 characters",
            );
        }
        if !name.is_empty() && !seen.insert(name.clone()) {
            fail(
                d,
                Section::SignIn,
                Fail,
                "the name is listed twice",
                "tool names are unique per server (MCP Tools)",
            );
        }
        let input = &tool["inputSchema"];
        if !input.is_object() || input["type"] != "object" {
            fail(
                d,
                Section::SignIn,
                Fail,
                &format!("inputSchema is {}", excerpt(&input.to_string(), 60)),
                "inputSchema must be a JSON Schema object with \"type\": \
                    \"object\" (for no parameters \
                    {\"type\":\"object\",\"additionalProperties\":false})",
            );
        } else {
            let size = input.to_string().len();
            if size > SCHEMA_LIMIT {
                fail(
                    d,
                    Section::ClaudeAi,
                    Fail,
                    &format!("inputSchema is {size} bytes"),
                    "claude.ai silently drops tools whose input schema is over 16 KiB: simplify it",
                );
            }
            if let Some(k) = ["anyOf", "oneOf"]
                .into_iter()
                .find(|k| input.get(*k).is_some())
            {
                fail(
                    d,
                    Section::ClaudeAi,
                    Fail,
                    &format!("top-level {k} in inputSchema"),
                    "claude.ai trips on anyOf/oneOf at the top of an input schema \
                        (Anthropic's API refuses them there): use one object with \
                        optional properties",
                );
            } else if input.get("allOf").is_some() {
                fail(
                    d,
                    Section::ClaudeAi,
                    Warn,
                    "top-level allOf in inputSchema",
                    "valid JSON Schema, but Anthropic's API has refused allOf at \
                        the top of an input schema with anyOf/oneOf: prefer one \
                        object with optional properties",
                );
            }
            if let Some(s) = input["$schema"].as_str().filter(|s| !s.contains("2020-12")) {
                fail(
                    d,
                    Section::ClaudeAi,
                    Warn,
                    &format!("$schema {s}"),
                    "MCP 2025-11-25 schemas are JSON Schema 2020-12: drop $schema or use 2020-12",
                );
            }
        }
        let output = &tool["outputSchema"];
        if !output.is_null() {
            if !output.is_object() || output["type"] != "object" {
                fail(
                    d,
                    Section::SignIn,
                    Fail,
                    &format!("outputSchema is {}", excerpt(&output.to_string(), 60)),
                    "outputSchema must be an object schema (\"type\": \"object\", MCP Tools)",
                );
            } else if uses(output, "anyOf") {
                fail(
                    d,
                    Section::ClaudeAi,
                    Warn,
                    "anyOf in outputSchema",
                    "claude.ai has been reported to trip on anyOf in output \
                        schemas: prefer nullable types or one shape",
                );
            }
        }
    }
    if problems == 0 {
        d.pass(
            Section::SignIn,
            "tool definitions",
            &format!(
                "{} tools: names, input and output schemas as MCP and claude.ai need",
                tools.len()
            ),
            None,
        );
    }
}

/// `--call NAME=JSON`: one tool call, its result checked.
pub fn call_tool(d: &mut Doctor, token: Option<&str>, version: &str, tools: Option<&[Value]>) {
    let Some((name, args)) = d.options.call.clone() else {
        d.skip(
            Section::ClaudeAi,
            "result size (about 150,000 characters at most)",
            "no tool called: mcp-doctor calls one only when asked (--call NAME=JSON)",
        );
        return;
    };
    let title = format!("tools/call {name}");
    let body = json!({"jsonrpc": "2.0", "id": 30, "method": "tools/call", "params": {"name": name, "arguments": args}});
    let got = match post(
        d,
        "POST tools/call",
        token,
        "*/*",
        Some(version),
        &[("Mcp-Name", &name)],
        &body,
    ) {
        Ok(g) => g,
        Err(e) => {
            return d.fail(
                Section::SignIn,
                &title,
                &e,
                "the endpoint must answer within the deadline (claude.ai allows 300 s)",
                None,
                None,
            );
        }
    };
    let answer = match rpc_answer(&got, 30) {
        Ok(a) if a["result"]["content"].is_array() => a,
        Ok(a) => {
            return d.fail(
                Section::SignIn,
                &title,
                &format!("{} {}", got.status, excerpt(&a.to_string(), 100)),
                "a tool result carries content: […] (MCP Tools)",
                None,
                Some(got.ms),
            );
        }
        Err(e) => {
            return d.fail(
                Section::SignIn,
                &title,
                &format!("{}: {e}", got.status),
                "answer JSON or SSE",
                None,
                Some(got.ms),
            );
        }
    };
    let result = &answer["result"];
    let size = result.to_string().chars().count();
    let declared = tools
        .and_then(|t| t.iter().find(|x| x["name"] == name.as_str()))
        .map(|t| !t["outputSchema"].is_null());
    if declared == Some(true) && !result["structuredContent"].is_object() {
        d.fail(
            Section::SignIn,
            &title,
            "no structuredContent although the tool declares an outputSchema",
            "MCP 2025-06-18+: a tool with outputSchema returns structuredContent",
            None,
            Some(got.ms),
        );
    } else {
        d.pass(
            Section::SignIn,
            &title,
            &format!(
                "{} content block(s){}",
                result["content"].as_array().map_or(0, Vec::len),
                if result["isError"] == true {
                    ", isError"
                } else {
                    ""
                }
            ),
            Some(got.ms),
        );
    }
    if size > RESULT_LIMIT {
        d.warn(
            Section::ClaudeAi,
            "result size (about 150,000 characters at most)",
            &format!("{size} characters"),
            "claude.ai cuts or refuses results over about 150,000 characters: page or summarise",
            None,
            None,
        );
    } else {
        d.pass(
            Section::ClaudeAi,
            "result size (about 150,000 characters at most)",
            &format!("{size} characters"),
            None,
        );
    }
}
