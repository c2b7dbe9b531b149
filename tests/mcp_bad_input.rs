//! Bad input on `POST /mcp`: each case gets its status and JSON-RPC error, and
//! the server keeps serving (a normal request is checked after every case).
//! (JSON-RPC 2.0 §5.1; MCP 2025-11-25 `basic/index`, `basic/transports`.)

#[path = "support/mcp_client.rs"]
mod mcp_client;

use mcp_client::{ACCEPT_BOTH, post, request, rpc, start};
use remote_mcp::{McpServer, RunningServer, Tool};
use serde_json::{Value, json};

fn server() -> RunningServer {
    start(McpServer::new("bad-input").tool(Tool::new("t", "T.").handler(|_| Ok("ok".into()))))
}

/// The server still answers a ping correctly.
fn still_serving(srv: &RunningServer) {
    let r = rpc(
        srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": "after", "method": "ping"}),
    );
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": "after", "result": {}})
    );
}

#[test]
fn malformed_envelopes_are_400_with_the_jsonrpc_error() {
    let srv = server();
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let deep_object = "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000);
    // (case, body, HTTP status, JSON-RPC code, id echoed)
    let cases: Vec<(&str, Vec<u8>, u16, i64, Value)> = vec![
        (
            "malformed JSON",
            b"{\"jsonrpc\":\"2.0\",".to_vec(),
            400,
            -32700,
            Value::Null,
        ),
        (
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}".to_vec(),
            400,
            -32700,
            Value::Null,
        ),
        ("empty body", b"".to_vec(), 400, -32700, Value::Null),
        (
            "10,000-deep array",
            deep.into_bytes(),
            400,
            -32700,
            Value::Null,
        ),
        (
            "10,000-deep object",
            deep_object.into_bytes(),
            400,
            -32700,
            Value::Null,
        ),
        ("a number", b"42".to_vec(), 400, -32600, Value::Null),
        ("a string", b"\"ping\"".to_vec(), 400, -32600, Value::Null),
        ("null", b"null".to_vec(), 400, -32600, Value::Null),
        (
            "a batch",
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#.to_vec(),
            400,
            -32600,
            Value::Null,
        ),
        ("an empty batch", b"[]".to_vec(), 400, -32600, Value::Null),
        (
            "jsonrpc 1.0",
            br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#.to_vec(),
            400,
            -32600,
            json!(1),
        ),
        (
            "jsonrpc missing",
            br#"{"id":1,"method":"ping"}"#.to_vec(),
            400,
            -32600,
            json!(1),
        ),
        (
            "jsonrpc as number",
            br#"{"jsonrpc":2.0,"id":"x","method":"ping"}"#.to_vec(),
            400,
            -32600,
            json!("x"),
        ),
        (
            "null id",
            br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#.to_vec(),
            400,
            -32600,
            Value::Null,
        ),
        (
            "fractional id",
            br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#.to_vec(),
            400,
            -32600,
            Value::Null,
        ),
        (
            "object id",
            br#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#.to_vec(),
            400,
            -32600,
            Value::Null,
        ),
        (
            "boolean id",
            br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#.to_vec(),
            400,
            -32600,
            Value::Null,
        ),
        (
            "request without id",
            br#"{"jsonrpc":"2.0","method":"tools/list"}"#.to_vec(),
            400,
            -32600,
            Value::Null,
        ),
        (
            "method not a string",
            br#"{"jsonrpc":"2.0","id":1,"method":["ping"]}"#.to_vec(),
            400,
            -32600,
            json!(1),
        ),
        (
            "neither method nor result",
            br#"{"jsonrpc":"2.0","id":1}"#.to_vec(),
            400,
            -32600,
            json!(1),
        ),
    ];
    for (case, body, status, code, id) in cases {
        let r = request(
            &srv,
            "POST",
            &[("Content-Type", "application/json"), ACCEPT_BOTH],
            &body,
        );
        assert_eq!(r.status, status, "{case}");
        assert_eq!(r.header("Content-Type"), Some("application/json"), "{case}");
        let json = r.json();
        assert_eq!(json["jsonrpc"], "2.0", "{case}");
        assert_eq!(json["error"]["code"], code, "{case}: {json}");
        assert_eq!(json["id"], id, "{case}");
        still_serving(&srv);
    }
}

#[test]
fn method_level_errors_are_200_with_the_request_id() {
    let srv = server();
    let cases = [
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "no/such/method"}),
            -32601,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": [1, 2]}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": "t"}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": 5}}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 5, "method": "ping", "params": 7}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 6, "method": "logging/setLevel", "params": {"level": "loud"}}),
            -32602,
        ),
        (
            json!({"jsonrpc": "2.0", "id": 7, "method": "prompts/get", "params": {}}),
            -32602,
        ),
    ];
    for (body, code) in cases {
        let r = rpc(&srv, &[], &body);
        assert_eq!(r.status, 200, "{body}");
        assert_eq!(r.json()["id"], body["id"], "{body}");
        assert_eq!(r.json()["error"]["code"], code, "{body}");
        still_serving(&srv);
    }
    assert_eq!(
        rpc(
            &srv,
            &[],
            &json!({"jsonrpc": "2.0", "id": 1, "method": "no/such/method"})
        )
        .json(),
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "Method not found: no/such/method"}})
    );
}

#[test]
fn notifications_are_never_answered_even_unknown_or_malformed_ones() {
    let srv = server();
    for body in [
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/whatever","params":{"x":1}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":404}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"nonsense"}"#,
    ] {
        let r = post(&srv, &[ACCEPT_BOTH], body);
        assert_eq!((r.status, r.body.len()), (202, 0), "{body}");
    }
    still_serving(&srv);
}
