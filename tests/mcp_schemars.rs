//! Schemas from types (feature `schemars`): what the generator writes is made
//! acceptable to every client, or refused at start-up with the tool and the
//! rule. Run with `cargo test --features schemars --test mcp_schemars`.
#![cfg(feature = "schemars")]

#[path = "support/mcp_client.rs"]
mod mcp_client;

use std::panic::{AssertUnwindSafe, catch_unwind};

use mcp_client::{rpc, start};
use remote_mcp::{McpServer, Tool, ToolResult};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Order {
    Newest,
    Oldest,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct Range {
    /// First day, YYYY-MM-DD.
    from: String,
    to: Option<String>,
}

/// Lists notes.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by serde and schemars, not all by the handler
struct ListNotes {
    /// Only notes with this tag.
    tag: Option<String>,
    /// Sort order.
    order: Option<Order>,
    /// At most this many.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<u32>,
    /// Only notes written in this range.
    within: Option<Range>,
    tags: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
struct Listed {
    count: u32,
    first: Option<String>,
    range: Option<Range>,
}

#[test]
fn generated_schemas_are_inlined_without_null_types_and_enforced() {
    let srv = start(
        McpServer::new("s").tool(
            Tool::new("list_notes", "Lists notes.")
                .input::<ListNotes>()
                .output::<Listed>()
                .handler(|call| {
                    let args: ListNotes = call.args()?;
                    ToolResult::json(&Listed {
                        count: args.limit.unwrap_or(0),
                        first: args.tag,
                        range: args.within,
                    })
                }),
        ),
    );
    let list = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .json();
    let tool = &list["result"]["tools"][0];
    let input = &tool["inputSchema"];
    let text = input.to_string();
    for banned in ["$ref", "$defs", "$schema", "null", "anyOf", "oneOf"] {
        assert!(!text.contains(banned), "{banned} in {text}");
    }
    assert_eq!(input["type"], "object");
    assert_eq!(input["additionalProperties"], false);
    assert_eq!(input["required"], json!(["tags"]));
    assert_eq!(
        input["properties"]["order"]["enum"],
        json!(["newest", "oldest"])
    );
    assert_eq!(input["properties"]["limit"]["maximum"], 100);
    assert_eq!(
        input["properties"]["tag"],
        json!({"type": "string", "description": "Only notes with this tag."})
    );
    assert_eq!(
        input["properties"]["within"]["properties"]["from"]["description"],
        "First day, YYYY-MM-DD."
    );
    assert!(!tool["outputSchema"].to_string().contains("null"));

    let call = |arguments| {
        rpc(&srv, &[], &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_notes", "arguments": arguments}})).json()
    };
    let ok = call(json!({"tags": [], "limit": 3, "within": {"from": "2026-01-01"}}));
    // `None` is left out, not `null`: the schema says `"type": "string"`, and
    // clients validate `structuredContent` against it.
    assert_eq!(
        ok["result"]["structuredContent"],
        json!({"count": 3, "range": {"from": "2026-01-01"}}),
        "{ok}"
    );
    let bad = call(json!({"tags": "x", "limit": 0, "order": "random", "extra": 1}));
    assert_eq!(bad["result"]["isError"], true);
    let text = bad["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for expected in [
        "`tags` must be an array",
        "`limit` must be at least 1",
        "`order` must be one of",
        "`extra` is not a parameter",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Either {
    ById { id: u64 },
    ByName { name: String },
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Tree {
    children: Vec<Tree>,
}

#[derive(Serialize, JsonSchema)]
#[allow(dead_code)]
struct WithChoice {
    value: Choice,
}

#[derive(Serialize, JsonSchema)]
#[allow(dead_code)]
enum Choice {
    Number(f64),
    Text(String),
}

fn refused(tool: Tool) -> String {
    let panic =
        catch_unwind(AssertUnwindSafe(|| McpServer::new("s").tool(tool))).expect_err("refused");
    panic.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn types_no_client_accepts_are_refused_naming_tool_and_rule() {
    let m = refused(Tool::new("find", "").input::<Either>());
    assert!(
        m.starts_with("tool `find`: the input schema has `anyOf` at the top level"),
        "{m}"
    );
    let m = refused(Tool::new("walk", "").input::<Tree>());
    assert!(
        m.contains("tool `walk`: input type `mcp_schemars::Tree`: a recursive type"),
        "{m}"
    );
    let m = refused(Tool::new("pick", "").output::<WithChoice>());
    assert!(
        m.contains("tool `pick`: the output schema uses `oneOf` at #/properties/value"),
        "{m}"
    );
}
