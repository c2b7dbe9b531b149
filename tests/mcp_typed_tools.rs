//! The typed tool API over a real socket: parameters built with `Param`,
//! arguments read as the author's type, results serialized from it and held to
//! the declared output schema, state given once, and definitions refused at
//! start-up when a client would refuse them.
//! (MCP 2025-11-25 `server/tools#tool`, `#tool-names`, `#output-schema`,
//! `#error-handling`.)

#[path = "support/mcp_client.rs"]
mod mcp_client;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use std::time::{Duration, Instant};

use mcp_client::{ACCEPT_BOTH, Stream, initialize, post, rpc, start};
use remote_mcp::mcp::Answer;
use remote_mcp::mcp::schema::Type;
use remote_mcp::{McpServer, Param, RunningServer, Tool, ToolCall, ToolError, ToolResult};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize)]
struct AddNote {
    title: String,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Added {
    id: u64,
    title: String,
    tags: Vec<String>,
}

/// The service's state: given once, shared by every handler.
#[derive(Default)]
struct Notes {
    next: Mutex<u64>,
}

fn add_note(notes: &Notes, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let AddNote { title, tags } = call.args()?;
    let mut next = notes.next.lock().map_err(|_| "the store is poisoned")?;
    *next += 1;
    ToolResult::json(&Added {
        id: *next,
        title,
        tags,
    })
}

fn parse(_: &Notes, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let n: u32 = call.str("text")?.parse()?; // `?` on a std error
    Ok(format!("{n}").into())
}

fn server() -> RunningServer {
    start(
        McpServer::new("typed")
            .with_state(Notes::default())
            .tool(
                Tool::new("add_note", "Adds a note.")
                    .arg(Param::string("title", "The title").min(1))
                    .arg(Param::array("tags", Type::String, "Tags").max(3).optional())
                    .returns(Param::integer("id", "The new note's id"))
                    .returns(Param::string("title", "Its title"))
                    .returns(Param::array("tags", Type::String, "Its tags"))
                    .handler_with_state(add_note),
            )
            .tool(
                Tool::new("parse", "Parses a number.")
                    .arg(Param::string("text", "Digits"))
                    .handler_with_state(parse),
            )
            .tool(
                Tool::new("liar", "Declares an output schema it does not honour.")
                    .arg(Param::boolean(
                        "structured",
                        "Return structured content at all",
                    ))
                    .returns(Param::integer("count", "A count"))
                    .handler(|call| {
                        if call.bool("structured")? {
                            Ok(ToolResult::structured(json!({"count": "many"})))
                        } else {
                            Ok("no structure".into())
                        }
                    }),
            )
            .tool(
                Tool::new("sort", "Sorts.")
                    .arg(
                        Param::string("order", "Order")
                            .one_of(["asc", "desc"])
                            .default("asc"),
                    )
                    .handler(|call| Ok(call.opt_str("order")?.unwrap_or("asc").into())),
            ),
    )
}

fn call(srv: &RunningServer, name: &str, arguments: Value) -> Value {
    rpc(
        srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}),
    )
    .json()
}

#[test]
fn typed_parameters_are_listed_as_json_schema() {
    let srv = server();
    let list = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .json();
    let add = &list["result"]["tools"][0];
    assert_eq!(
        add["inputSchema"],
        json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "title": {"type": "string", "description": "The title", "minLength": 1},
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags", "maxItems": 3}
            },
            "required": ["title"]
        })
    );
    assert_eq!(
        add["outputSchema"]["required"],
        json!(["id", "title", "tags"])
    );
    let sort = &list["result"]["tools"][3]["inputSchema"]["properties"]["order"];
    assert_eq!(
        sort,
        &json!({"type": "string", "description": "Order", "enum": ["asc", "desc"], "default": "asc"})
    );
}

#[test]
fn typed_arguments_state_and_structured_results() {
    let srv = server();
    let first = call(&srv, "add_note", json!({"title": "Milk", "tags": ["shop"]}));
    assert_eq!(
        first["result"],
        json!({
            "content": [{"type": "text", "text": r#"{"id":1,"tags":["shop"],"title":"Milk"}"#}],
            "structuredContent": {"id": 1, "title": "Milk", "tags": ["shop"]},
            "isError": false
        })
    );
    // The same state, not a copy: the counter goes on.
    let second = call(&srv, "add_note", json!({"title": "Eggs", "tags": null}));
    assert_eq!(second["result"]["structuredContent"]["id"], 2);
    assert_eq!(second["result"]["structuredContent"]["tags"], json!([]));
}

#[test]
fn every_argument_problem_is_reported_at_once_before_the_handler_runs() {
    let srv = server();
    let r = call(
        &srv,
        "add_note",
        json!({"title": "", "tags": ["a", "b", 3, "d"], "body": "x"}),
    );
    assert_eq!(r["result"]["isError"], true);
    assert_eq!(
        r["result"]["content"][0]["text"],
        "Invalid arguments for tool `add_note`:\n\
         - `body` is not a parameter (expected: tags, title)\n\
         - `tags` must have at most 3 items\n\
         - `tags[2]` must be a string, not an integer\n\
         - `title` must be at least 1 character long"
    );
    let r = call(&srv, "sort", json!({"order": "random"}));
    assert_eq!(
        r["result"]["content"][0]["text"],
        "Invalid arguments for tool `sort`:\n- `order` must be one of \"asc\", \"desc\""
    );
    assert_eq!(
        call(&srv, "sort", json!({}))["result"]["content"][0]["text"],
        "asc"
    );
}

#[test]
fn a_std_error_with_question_mark_is_a_failed_result() {
    let srv = server();
    let r = call(&srv, "parse", json!({"text": "12x"}));
    assert_eq!(
        r["result"],
        json!({"content": [{"type": "text", "text": "invalid digit found in string"}], "isError": true})
    );
    assert_eq!(
        call(&srv, "parse", json!({"text": "12"}))["result"]["content"][0]["text"],
        "12"
    );
}

#[test]
fn a_result_that_breaks_the_output_schema_is_a_server_error_never_a_malformed_answer() {
    let srv = server();
    for structured in [true, false] {
        let r = call(&srv, "liar", json!({"structured": structured}));
        assert!(r.get("result").is_none(), "{r}");
        assert_eq!(r["error"]["code"], -32603);
        assert_eq!(
            r["error"]["message"],
            "Internal error: tool `liar` returned a result that does not match its output schema"
        );
    }
}

/// A tool definition, built inside the test that expects it refused.
type MakeTool = Box<dyn FnOnce() -> Tool>;

/// The panic message of building a server with `tool`.
fn refused(tool: impl FnOnce() -> Tool) -> String {
    let outcome = catch_unwind(AssertUnwindSafe(|| McpServer::new("s").tool(tool())));
    let Err(panic) = outcome else {
        panic!("the tool was accepted");
    };
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn definitions_a_client_would_refuse_fail_at_start_up_naming_tool_and_rule() {
    let cases: Vec<(MakeTool, &str)> = vec![
        (
            Box::new(|| Tool::new("add note", "")),
            "tool `add note`: the name must be 1–128 characters",
        ),
        (
            Box::new(|| Tool::new(&"x".repeat(129), "")),
            "the name must be 1–128 characters",
        ),
        (
            Box::new(|| {
                Tool::new("t", "")
                    .arg(Param::string("a", ""))
                    .arg(Param::integer("a", ""))
            }),
            "tool `t`: parameter `a` is declared twice",
        ),
        (
            Box::new(|| {
                Tool::new("t", "")
                    .param("a", "string", "")
                    .optional_param("a", "string", "")
            }),
            "tool `t`: parameter `a` is declared twice",
        ),
        (
            Box::new(|| Tool::new("t", "").param("a", "strnig", "")),
            "tool `t`: parameter `a` has the unknown type \"strnig\"",
        ),
        (
            Box::new(|| Tool::new("t", "").input_schema(json!({"type": "string"}))),
            "\"type\": \"object\"",
        ),
        (
            Box::new(|| {
                Tool::new("t", "").input_schema(
                    json!({"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}),
                )
            }),
            "tool `t`: the input schema has `oneOf` at the top level",
        ),
        (
            Box::new(|| {
                Tool::new("t", "").input_schema(
                    json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}}),
                )
            }),
            "allows `null` at #/properties/a",
        ),
        (
            Box::new(|| {
                Tool::new("t", "").input_schema(json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {}}}))
            }),
            "uses `$defs` at #: not every client resolves references",
        ),
        (
            Box::new(|| {
                Tool::new("t", "").input_schema(
                    json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}),
                )
            }),
            "use the 2020-12 dialect or none",
        ),
        (
            Box::new(|| Tool::new("t", "").arg(Param::string("a", &"long ".repeat(4000)))),
            "claude.ai drops tools whose schema exceeds 16384 bytes",
        ),
        (
            Box::new(|| {
                Tool::new("t", "").output_schema(json!({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}))
            }),
            "the output schema uses `anyOf` at #/properties/a",
        ),
        (
            Box::new(|| {
                Tool::new("t", "")
                    .returns(Param::string("a", ""))
                    .returns(Param::string("a", ""))
            }),
            "output: parameter `a` is declared twice",
        ),
    ];
    for (tool, expected) in cases {
        let message = refused(tool);
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn a_handler_needing_another_state_type_is_refused_at_start_up() {
    fn needs_string(_: &String, _: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
        Ok("".into())
    }
    let outcome = catch_unwind(|| {
        McpServer::new("s")
            .with_state(Notes::default())
            .tool(Tool::new("t", "").handler_with_state(needs_string))
    });
    let panic = outcome.expect_err("refused");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("tool `t`: its handler needs the state type `alloc::string::String`"),
        "{message}"
    );
    // Registered first, state given after: checked too.
    let outcome = catch_unwind(|| {
        McpServer::new("s")
            .tool(Tool::new("t", "").handler_with_state(needs_string))
            .with_state(7_u8)
    });
    assert!(outcome.is_err());
}

#[derive(Deserialize)]
struct Shipping {
    address: String,
    express: bool,
}

fn asking_server(unknown_wait: Option<Duration>) -> RunningServer {
    let mut mcp = McpServer::new("asks")
        .tool(
            Tool::new("delete", "Deletes after confirmation.").handler(|call| {
                Ok(if call.confirm("Delete it?")? {
                    "deleted"
                } else {
                    "kept"
                }
                .into())
            }),
        )
        .tool(Tool::new("ship", "Asks where to ship.").handler(|call| {
            let fields = [
                Param::string("address", "Where to"),
                Param::boolean("express", "Next day"),
            ];
            Ok(match call.elicit_form::<Shipping>("Where?", &fields)? {
                Answer::Accept(s) => format!("{} express={}", s.address, s.express),
                Answer::Decline => "declined".into(),
                Answer::Cancel => "cancelled".into(),
            }
            .into())
        }));
    if let Some(wait) = unknown_wait {
        mcp = mcp.unknown_client_wait(wait);
    }
    start(mcp)
}

#[test]
fn a_typed_form_is_asked_and_its_answer_read_as_the_authors_type() {
    let srv = asking_server(None);
    let session = initialize(&srv, json!({"elicitation": {}}));
    let s = [("Mcp-Session-Id", session.as_str())];
    let body = |name: &str| json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": name, "arguments": {}}});
    for (answer, expected) in [
        (
            json!({"action": "accept", "content": {"address": "1 Main St", "express": true}}),
            "1 Main St express=true",
        ),
        (json!({"action": "decline"}), "declined"),
        (json!({"action": "cancel"}), "cancelled"),
    ] {
        let mut stream = Stream::open(&srv, &s, &body("ship"));
        let request = stream.next_event().unwrap();
        assert_eq!(
            request["params"]["requestedSchema"],
            json!({"type": "object", "properties": {
                "address": {"type": "string", "description": "Where to"},
                "express": {"type": "boolean", "description": "Next day"}},
                "required": ["address", "express"]})
        );
        let reply = json!({"jsonrpc": "2.0", "id": request["id"], "result": answer});
        assert_eq!(
            post(&srv, &[ACCEPT_BOTH, s[0]], &reply.to_string()).status,
            202
        );
        let result = stream.next_event().unwrap();
        assert_eq!(result["result"]["content"][0]["text"], expected);
    }
    // A confirmation is a form without fields.
    let mut stream = Stream::open(&srv, &s, &body("delete"));
    let request = stream.next_event().unwrap();
    assert_eq!(
        request["params"],
        json!({"message": "Delete it?", "requestedSchema": {"type": "object", "properties": {}}})
    );
    let reply = json!({"jsonrpc": "2.0", "id": request["id"], "result": {"action": "accept", "content": {}}});
    assert_eq!(
        post(&srv, &[ACCEPT_BOTH, s[0]], &reply.to_string()).status,
        202
    );
    assert_eq!(
        stream.next_event().unwrap()["result"]["content"][0]["text"],
        "deleted"
    );
}

#[test]
fn a_legacy_client_without_a_session_gets_an_answer_within_seconds_not_minutes() {
    // Default settings: the wait for a client that never said what it
    // supports is short (5 s), far below the 300 s a declared client gets.
    let srv = asking_server(None);
    let started = Instant::now();
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "delete", "arguments": {}}}),
    );
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(10),
        "answered after {waited:?}"
    );
    let events = r.events();
    let result = events.last().expect("a result");
    assert_eq!(result["result"]["isError"], true);
    assert_eq!(
        result["result"]["content"][0]["text"],
        "The client did not answer elicitation/create within 5 s; it has no session, so it never said whether it supports elicitation."
    );
    // Configurable.
    let srv = asking_server(Some(Duration::from_millis(200)));
    let started = Instant::now();
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "delete", "arguments": {}}}),
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(r.text().contains("within 0.2 s"), "{}", r.text());
}

#[test]
fn a_session_that_did_not_declare_elicitation_is_answered_at_once() {
    let srv = asking_server(None);
    let session = initialize(&srv, json!({}));
    let started = Instant::now();
    let r = rpc(
        &srv,
        &[("Mcp-Session-Id", session.as_str())],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "delete", "arguments": {}}}),
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        r.json()["result"]["content"][0]["text"],
        "The client does not support elicitation (it did not declare the capability)."
    );
}
