//! Tools over a real socket: listing and pagination, calls and their errors,
//! and the call's context — progress, logging, elicitation, sampling and
//! cancellation, which turn the answer into an SSE stream.
//! (MCP 2025-11-25 `server/tools`, `basic/utilities/{progress,cancellation}`,
//! `server/utilities/{pagination,logging}`, `client/{elicitation,sampling}`.)

#[path = "support/mcp_client.rs"]
mod mcp_client;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use mcp_client::{ACCEPT_BOTH, Stream, initialize, post, rpc, start};
use remote_mcp::mcp::{LogLevel, ToolError};
use remote_mcp::{McpServer, RunningServer, Tool, ToolResult};
use serde_json::{Value, json};

fn call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
}

/// Waits (at most 10 s) for the client to cancel; answers "finished" otherwise.
fn wait_for_cancel(call: &remote_mcp::ToolCall<'_>) -> Result<ToolResult, ToolError> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if call.is_cancelled() {
            return Err(ToolError::Cancelled);
        }
        thread::sleep(Duration::from_millis(10));
    }
    Ok("finished".into())
}

fn server() -> RunningServer {
    start(
        McpServer::new("tools")
            .tool(
                Tool::new("my_tool", "Look something up.")
                    .param("query", "string", "What to look up")
                    .handler(|call| Ok(format!("Result for: {}", call.str("query")?).into())),
            )
            .tool(
                Tool::new("add", "Adds.")
                    .title("Add numbers")
                    .read_only()
                    .idempotent(true)
                    .param("a", "integer", "First")
                    .optional_param("b", "number", "Second")
                    .output_schema(json!({"type": "object", "properties": {"sum": {"type": "number"}}}))
                    .handler(|call| {
                        let sum = call.i64("a")? as f64 + call.opt_f64("b")?.unwrap_or(0.0);
                        Ok(ToolResult::structured(json!({"sum": sum})))
                    }),
            )
            .tool(Tool::new("fail", "Fails.").handler(|_| Err("The upstream API is down.".into())))
            .tool(Tool::new("panic", "Panics.").handler(|_| panic!("bug")))
            .tool(Tool::new("whoami", "Caller.").handler(|call| {
                Ok(format!("caller: {:?}, version: {}", call.caller(), call.protocol_version()).into())
            }))
            .tool(Tool::new("progress", "Reports progress.").handler(|call| {
                for done in [1.0, 2.0, 2.0, 1.5, 3.0] {
                    call.progress(done, Some(3.0), Some("working"));
                }
                Ok("done".into())
            }))
            .tool(Tool::new("logs", "Logs at every level.").handler(|call| {
                for level in [LogLevel::Debug, LogLevel::Info, LogLevel::Warning, LogLevel::Error] {
                    call.log(level, format!("at {level}"));
                }
                Ok("logged".into())
            }))
            .tool(Tool::new("ask", "Elicits a name.").handler(|call| {
                let answer = call.elicit("Your name?", json!({"type": "object", "properties": {"name": {"type": "string"}}}))?;
                let name = answer.content.as_ref().and_then(|c| c.get("name")).and_then(Value::as_str);
                Ok(format!("action={} name={}", answer.action, name.unwrap_or("-")).into())
            }))
            .tool(Tool::new("think", "Samples.").handler(|call| {
                let r = call.sample(json!({"messages": [{"role": "user", "content": {"type": "text", "text": "2+2?"}}], "maxTokens": 5}))?;
                Ok(format!("model said {}", r["content"]["text"]).into())
            }))
            .tool(Tool::new("slow_logged", "Logs, then waits for cancellation.").handler(|call| {
                call.log(LogLevel::Info, "started");
                wait_for_cancel(call)
            }))
            .tool(Tool::new("slow_quiet", "Waits for cancellation silently.").handler(wait_for_cancel)),
    )
}

#[test]
fn tools_list_shows_each_tool_in_registration_order() {
    let srv = server();
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    );
    assert_eq!(r.status, 200);
    let tools = r.json()["result"]["tools"].clone();
    assert_eq!(
        tools[0],
        json!({"name": "my_tool", "description": "Look something up.", "inputSchema": {
            "type": "object", "additionalProperties": false,
            "properties": {"query": {"type": "string", "description": "What to look up"}},
            "required": ["query"]}})
    );
    assert_eq!(
        tools[1],
        json!({"name": "add", "title": "Add numbers", "description": "Adds.",
            "inputSchema": {"type": "object", "additionalProperties": false,
                "properties": {"a": {"type": "integer", "description": "First"}, "b": {"type": "number", "description": "Second"}},
                "required": ["a"]},
            "outputSchema": {"type": "object", "properties": {"sum": {"type": "number"}}},
            "annotations": {"title": "Add numbers", "readOnlyHint": true, "idempotentHint": true}})
    );
    // A tool without params: the spec's "no parameters" schema.
    assert_eq!(
        tools[2]["inputSchema"],
        json!({"type": "object", "additionalProperties": false})
    );
    let names: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..4], ["my_tool", "add", "fail", "panic"]);
    assert!(r.json()["result"].get("nextCursor").is_none());
}

#[test]
fn tools_list_pages_with_an_opaque_cursor() {
    let mut mcp = McpServer::new("many").page_size(2);
    for i in 0..5 {
        mcp = mcp.tool(Tool::new(&format!("t{i}"), "T."));
    }
    let srv = start(mcp);
    let list = |cursor: Option<&str>| {
        let params = cursor.map_or(json!({}), |c| json!({"cursor": c}));
        rpc(
            &srv,
            &[],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": params}),
        )
        .json()
    };
    let names = |page: &Value| -> Vec<String> {
        page["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let p1 = list(None);
    assert_eq!(names(&p1), ["t0", "t1"]);
    let p2 = list(p1["result"]["nextCursor"].as_str());
    assert_eq!(names(&p2), ["t2", "t3"]);
    let p3 = list(p2["result"]["nextCursor"].as_str());
    assert_eq!(names(&p3), ["t4"]);
    assert!(p3["result"].get("nextCursor").is_none());
    // "Invalid cursors SHOULD result in an error with code -32602"
    for bad in [json!("garbage!"), json!(12)] {
        let r = rpc(
            &srv,
            &[],
            &json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"cursor": bad}}),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["error"]["code"], -32602);
        assert_eq!(r.json()["id"], 9);
    }
}

#[test]
fn a_call_returns_the_tool_text_as_json() {
    let srv = server();
    let r = rpc(&srv, &[], &call(3, "my_tool", json!({"query": "hi"})));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": 3, "result": {"content": [{"type": "text", "text": "Result for: hi"}], "isError": false}})
    );
}

#[test]
fn structured_content_comes_with_its_text() {
    let srv = server();
    let r = rpc(&srv, &[], &call(3, "add", json!({"a": 2, "b": 0.5})));
    assert_eq!(
        r.json()["result"],
        json!({"content": [{"type": "text", "text": "{\"sum\":2.5}"}], "structuredContent": {"sum": 2.5}, "isError": false})
    );
}

#[test]
fn an_unknown_tool_is_a_protocol_error() {
    let srv = server();
    let r = rpc(&srv, &[], &call(4, "nope", json!({})));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32602, "message": "Unknown tool: nope"}})
    );
}

#[test]
fn bad_arguments_are_tool_errors_naming_the_argument() {
    let srv = server();
    // Checked against the input schema before the handler runs: every
    // problem in one isError result, which the model can act on.
    let bad = |tool: &str, problems: &[&str]| {
        format!(
            "Invalid arguments for tool `{tool}`:\n- {}",
            problems.join("\n- ")
        )
    };
    let cases = [
        (
            "my_tool",
            json!({}),
            bad("my_tool", &["`query` is required"]),
        ),
        (
            "my_tool",
            json!({"query": null}),
            bad("my_tool", &["`query` is required"]),
        ),
        (
            "my_tool",
            json!({"query": 42}),
            bad("my_tool", &["`query` must be a string, not an integer"]),
        ),
        (
            "add",
            json!({"a": "two"}),
            bad("add", &["`a` must be an integer, not a string"]),
        ),
        (
            "add",
            json!({"a": 1.5}),
            bad("add", &["`a` must be an integer, not a number"]),
        ),
        (
            "add",
            json!({"a": 1, "b": true, "c": 3}),
            bad(
                "add",
                &[
                    "`b` must be a number, not a boolean",
                    "`c` is not a parameter (expected: a, b)",
                ],
            ),
        ),
        (
            "add",
            json!({"b": "x"}),
            bad(
                "add",
                &["`a` is required", "`b` must be a number, not a string"],
            ),
        ),
        ("fail", json!({}), "The upstream API is down.".to_string()),
    ];
    for (tool, args, text) in cases {
        let r = rpc(&srv, &[], &call(5, tool, args.clone()));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json()["result"],
            json!({"content": [{"type": "text", "text": text}], "isError": true}),
            "{tool} {args}"
        );
    }
    // `arguments` that is not an object is malformed params.
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "my_tool", "arguments": [1]}}),
    );
    assert_eq!(r.json()["error"]["code"], -32602);
}

#[test]
fn a_panicking_tool_is_an_internal_error_and_the_server_keeps_serving() {
    let srv = server();
    let r = rpc(&srv, &[], &call(7, "panic", json!({})));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["error"]["code"], -32603);
    assert_eq!(
        rpc(&srv, &[], &call(8, "my_tool", json!({"query": "x"}))).json()["result"]["isError"],
        false
    );
}

#[test]
fn without_authorization_the_caller_is_none() {
    let srv = server();
    let r = rpc(
        &srv,
        &[("MCP-Protocol-Version", "2025-06-18")],
        &call(1, "whoami", json!({})),
    );
    assert_eq!(
        r.json()["result"]["content"][0]["text"],
        "caller: None, version: 2025-06-18"
    );
}

#[test]
fn progress_is_streamed_only_with_a_token_and_only_increasing() {
    let srv = server();
    let mut body = call(10, "progress", json!({}));
    body["params"]["_meta"] = json!({"progressToken": "p-1"});
    let r = rpc(&srv, &[], &body);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/event-stream"));
    assert_eq!(r.header("X-Accel-Buffering"), Some("no"));
    let events = r.events();
    let progress: Vec<Value> = events[..3]
        .iter()
        .map(|e| e["params"]["progress"].clone())
        .collect();
    assert_eq!(progress, [json!(1.0), json!(2.0), json!(3.0)]); // 2.0 again and 1.5 were dropped
    assert_eq!(
        events[0],
        json!({"jsonrpc": "2.0", "method": "notifications/progress",
            "params": {"progressToken": "p-1", "progress": 1.0, "total": 3.0, "message": "working"}})
    );
    assert_eq!(events[3]["id"], 10);
    assert_eq!(events[3]["result"]["content"][0]["text"], "done");
    assert_eq!(events.len(), 4);
    // No token: no notifications, so plain JSON.
    let r = rpc(&srv, &[], &call(11, "progress", json!({})));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.json()["result"]["content"][0]["text"], "done");
}

#[test]
fn log_messages_honour_the_level_set_for_the_session() {
    let srv = server();
    let session = initialize(&srv, json!({}));
    let s = [("Mcp-Session-Id", session.as_str())];
    // Default level: info and above.
    let levels = |r: &mcp_client::Http| -> Vec<String> {
        r.events()
            .iter()
            .filter(|e| e["method"] == "notifications/message")
            .map(|e| e["params"]["level"].as_str().unwrap().to_string())
            .collect()
    };
    let r = rpc(&srv, &s, &call(1, "logs", json!({})));
    assert_eq!(levels(&r), ["info", "warning", "error"]);
    assert_eq!(
        r.events()[0],
        json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "logger": "tools", "data": "at info"}})
    );
    // ── C → S: logging/setLevel warning
    let set = |level: &str| json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel", "params": {"level": level}});
    assert_eq!(
        rpc(&srv, &s, &set("warning")).json(),
        json!({"jsonrpc": "2.0", "id": 2, "result": {}})
    );
    assert_eq!(
        levels(&rpc(&srv, &s, &call(3, "logs", json!({})))),
        ["warning", "error"]
    );
    rpc(&srv, &s, &set("debug"));
    assert_eq!(
        levels(&rpc(&srv, &s, &call(4, "logs", json!({})))),
        ["debug", "info", "warning", "error"]
    );
    // An unknown level is invalid params.
    assert_eq!(
        rpc(&srv, &s, &set("verbose")).json()["error"]["code"],
        -32602
    );
}

#[test]
fn elicitation_round_trip_answer_posted_on_a_second_connection() {
    let srv = server();
    let session = initialize(&srv, json!({"elicitation": {}}));
    let s = [("Mcp-Session-Id", session.as_str())];
    // ── C → S: tools/call ask; S → C (SSE): elicitation/create
    let mut stream = Stream::open(&srv, &s, &call(20, "ask", json!({})));
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("Content-Type"), Some("text/event-stream"));
    let request = stream.next_event().unwrap();
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(
        request["params"],
        json!({"message": "Your name?", "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}})
    );
    let id = request["id"].clone();
    assert!(id.is_string());
    // ── C → S (second connection): the answer → 202
    let answer = json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept", "content": {"name": "Ada"}}});
    let r = post(&srv, &[ACCEPT_BOTH, s[0]], &answer.to_string());
    assert_eq!((r.status, r.body.len()), (202, 0));
    // ── S → C (first connection): the tool's result, then the end
    let result = stream.next_event().unwrap();
    assert_eq!(
        result,
        json!({"jsonrpc": "2.0", "id": 20, "result": {"content": [{"type": "text", "text": "action=accept name=Ada"}], "isError": false}})
    );
    assert_eq!(stream.next_event(), None);
}

#[test]
fn sampling_round_trip_and_a_client_error_answer() {
    let srv = server();
    let session = initialize(&srv, json!({"sampling": {}}));
    let s = [("Mcp-Session-Id", session.as_str())];
    for (answer, text) in [
        (
            json!({"result": {"role": "assistant", "content": {"type": "text", "text": "4"}, "model": "m"}}),
            "model said \"4\"",
        ),
        (
            json!({"error": {"code": -1, "message": "User rejected sampling request"}}),
            "The client refused sampling/createMessage: User rejected sampling request",
        ),
    ] {
        let mut stream = Stream::open(&srv, &s, &call(21, "think", json!({})));
        let request = stream.next_event().unwrap();
        assert_eq!(request["method"], "sampling/createMessage");
        assert_eq!(request["params"]["maxTokens"], 5);
        let mut reply = answer.clone();
        reply["jsonrpc"] = json!("2.0");
        reply["id"] = request["id"].clone();
        assert_eq!(post(&srv, &[ACCEPT_BOTH], &reply.to_string()).status, 202);
        let result = stream.next_event().unwrap();
        assert_eq!(result["result"]["content"][0]["text"], text);
        assert_eq!(result["result"]["isError"], answer.get("error").is_some());
    }
}

#[test]
fn a_client_without_the_capability_is_not_asked() {
    let srv = server();
    let session = initialize(&srv, json!({}));
    let r = rpc(
        &srv,
        &[("Mcp-Session-Id", &session)],
        &call(22, "ask", json!({})),
    );
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.json()["result"],
        json!({"content": [{"type": "text", "text": "The client does not support elicitation (it did not declare the capability)."}], "isError": true})
    );
}

#[test]
fn a_stray_response_is_accepted_and_ignored() {
    let srv = server();
    let r = post(
        &srv,
        &[ACCEPT_BOTH],
        r#"{"jsonrpc":"2.0","id":"srv-999-x","result":{}}"#,
    );
    assert_eq!((r.status, r.body.len()), (202, 0));
}

#[test]
fn cancellation_of_a_streaming_call_ends_the_stream_without_a_response() {
    let srv = server();
    let mut stream = Stream::open(&srv, &[], &call(30, "slow_logged", json!({})));
    assert_eq!(stream.next_event().unwrap()["params"]["data"], "started");
    // ── C → S: notifications/cancelled {requestId: 30} → 202
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 30, "reason": "user"}});
    let r = post(&srv, &[ACCEPT_BOTH], &cancel.to_string());
    assert_eq!((r.status, r.body.len()), (202, 0));
    // "Receivers of a cancellation notification SHOULD … Not send a response for the cancelled request"
    assert_eq!(stream.next_event(), None);
}

#[test]
fn cancellation_before_anything_was_streamed_answers_202_without_a_body() {
    let srv = server();
    let (tx, rx) = mpsc::channel();
    let addr_srv = &srv;
    thread::scope(|scope| {
        scope.spawn(move || {
            tx.send(rpc(addr_srv, &[], &call(31, "slow_quiet", json!({}))))
                .unwrap();
        });
        // The call may not have started yet: repeat the (idempotent) cancellation.
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 31}});
        let r = loop {
            assert_eq!(post(&srv, &[ACCEPT_BOTH], &cancel.to_string()).status, 202);
            if let Ok(r) = rx.recv_timeout(Duration::from_millis(50)) {
                break r;
            }
        };
        assert_eq!((r.status, r.body.len()), (202, 0));
    });
}
