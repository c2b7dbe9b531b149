//! Resources, resource templates, prompts and completion over a real socket.
//! (MCP 2025-11-25 `server/resources`, `server/prompts`, `server/utilities/completion`.)

#[path = "support/mcp_client.rs"]
mod mcp_client;

use mcp_client::{initialize, rpc, start};
use remote_mcp::ext::capabilities::{
    Prompt, PromptMessage, Resource, ResourceError, ResourceTemplate,
};
use remote_mcp::mcp::{Content, ResourceContents};
use remote_mcp::{McpServer, RunningServer};
use serde_json::{Value, json};

fn server() -> RunningServer {
    start(
        McpServer::new("library")
            .resource(
                Resource::new("lib://readme", "readme")
                    .title("Read me")
                    .description("What this is")
                    .mime_type("text/plain")
                    .read(|r| {
                        Ok(ResourceContents::text(
                            r.uri,
                            "text/plain",
                            "Hello, reader.",
                        ))
                    }),
            )
            .resource(
                Resource::new("lib://logo", "logo")
                    .mime_type("image/png")
                    .read(|r| {
                        Ok(ResourceContents::blob(
                            r.uri,
                            "image/png",
                            vec![0x89, b'P', b'N', b'G'],
                        ))
                    }),
            )
            .resource(
                Resource::new("lib://broken", "broken")
                    .read(|_| Err(ResourceError::Failed("disk on fire".into()))),
            )
            .resource_template(
                ResourceTemplate::new("lib://books/{id}", "book")
                    .description("One book")
                    .mime_type("application/json")
                    .read(|r| match r.var("id") {
                        Some("0") => Err(ResourceError::NotFound(r.uri.to_string())),
                        Some(id) => Ok(ResourceContents::text(
                            r.uri,
                            "application/json",
                            json!({"id": id}).to_string(),
                        )),
                        None => Err(ResourceError::Failed("no id".into())),
                    })
                    .complete("id", |typed, _| {
                        (1..=150)
                            .map(|n| n.to_string())
                            .filter(|n| n.starts_with(typed))
                            .collect()
                    }),
            )
            .prompt(
                Prompt::new("hello", "Say hello")
                    .title("Hello")
                    .get(|_| Ok(vec![PromptMessage::user("Hello!")])),
            )
            .prompt(
                Prompt::new("greet", "Greet someone")
                    .argument("name", "Who")
                    .optional_argument("style", "How")
                    .complete("style", |typed, ctx| {
                        let who = ctx.get("name").and_then(Value::as_str).unwrap_or("?");
                        ["formal", "friendly"]
                            .iter()
                            .filter(|s| s.starts_with(typed))
                            .map(|s| format!("{s} for {who}"))
                            .collect()
                    })
                    .get(|req| {
                        let name = req.str("name")?;
                        let style = req.arg("style").unwrap_or("plain");
                        Ok(vec![
                            PromptMessage::user(format!("Greet {name} ({style}).")),
                            PromptMessage::assistant(Content::resource(ResourceContents::text(
                                "lib://readme",
                                "text/plain",
                                "Hello, reader.",
                            ))),
                        ])
                    }),
            )
            .prompt(Prompt::new("oops", "Fails").get(|_| Err("template missing".into()))),
    )
}

fn req(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[test]
fn resources_and_templates_are_listed() {
    let srv = server();
    let r = rpc(&srv, &[], &req(1, "resources/list", json!({})));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["result"],
        json!({"resources": [
            {"uri": "lib://readme", "name": "readme", "title": "Read me", "description": "What this is", "mimeType": "text/plain"},
            {"uri": "lib://logo", "name": "logo", "mimeType": "image/png"},
            {"uri": "lib://broken", "name": "broken"},
        ]})
    );
    let r = rpc(&srv, &[], &req(2, "resources/templates/list", json!({})));
    assert_eq!(
        r.json()["result"],
        json!({"resourceTemplates": [
            {"uriTemplate": "lib://books/{id}", "name": "book", "description": "One book", "mimeType": "application/json"}]})
    );
}

#[test]
fn resources_are_read_as_text_blob_or_through_a_template() {
    let srv = server();
    let read = |uri: &str| rpc(&srv, &[], &req(3, "resources/read", json!({"uri": uri}))).json();
    assert_eq!(
        read("lib://readme")["result"],
        json!({"contents": [{"uri": "lib://readme", "mimeType": "text/plain", "text": "Hello, reader."}]})
    );
    assert_eq!(
        read("lib://logo")["result"],
        json!({"contents": [{"uri": "lib://logo", "mimeType": "image/png", "blob": "iVBORw=="}]})
    );
    assert_eq!(
        read("lib://books/42")["result"],
        json!({"contents": [{"uri": "lib://books/42", "mimeType": "application/json", "text": "{\"id\":\"42\"}"}]})
    );
}

#[test]
fn unknown_resources_are_32002_and_failures_32603() {
    let srv = server();
    for uri in ["lib://nothing", "lib://books/0", "lib://books/1/2"] {
        let r = rpc(&srv, &[], &req(4, "resources/read", json!({"uri": uri})));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json(),
            json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32002, "message": format!("Resource not found: {uri}"), "data": {"uri": uri}}})
        );
    }
    let r = rpc(
        &srv,
        &[],
        &req(5, "resources/read", json!({"uri": "lib://broken"})),
    );
    assert_eq!(
        r.json()["error"],
        json!({"code": -32603, "message": "disk on fire"})
    );
    let r = rpc(&srv, &[], &req(6, "resources/read", json!({"uri": 7})));
    assert_eq!(r.json()["error"]["code"], -32602);
}

#[test]
fn legacy_subscribe_is_accepted_but_not_declared() {
    let srv = server();
    // No update can reach a 2025-11-25 client (GET /mcp is 405), so the
    // capability is not promised; the call itself still succeeds.
    let r = rpc(
        &srv,
        &[],
        &req(
            1,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                                     "clientInfo": {"name": "t", "version": "0"}}),
        ),
    );
    assert_eq!(r.json()["result"]["capabilities"]["resources"], json!({}));
    let session = initialize(&srv, json!({}));
    let s = [("Mcp-Session-Id", session.as_str())];
    let r = rpc(
        &srv,
        &s,
        &req(7, "resources/subscribe", json!({"uri": "lib://readme"})),
    );
    assert_eq!(r.json(), json!({"jsonrpc": "2.0", "id": 7, "result": {}}));
    let r = rpc(
        &srv,
        &s,
        &req(8, "resources/unsubscribe", json!({"uri": "lib://readme"})),
    );
    assert_eq!(r.json()["result"], json!({}));
    let r = rpc(
        &srv,
        &s,
        &req(9, "resources/subscribe", json!({"uri": "lib://nothing"})),
    );
    assert_eq!(r.json()["error"]["code"], -32002);
}

#[test]
fn prompts_are_listed_with_their_arguments() {
    let srv = server();
    let r = rpc(&srv, &[], &req(1, "prompts/list", json!({})));
    assert_eq!(
        r.json()["result"]["prompts"].as_array().unwrap()[..2],
        [
            json!({"name": "hello", "title": "Hello", "description": "Say hello", "arguments": []}),
            json!({"name": "greet", "description": "Greet someone", "arguments": [
                {"name": "name", "description": "Who", "required": true},
                {"name": "style", "description": "How", "required": false}]}),
        ]
    );
}

#[test]
fn prompts_get_fills_the_messages() {
    let srv = server();
    let r = rpc(
        &srv,
        &[],
        &req(
            2,
            "prompts/get",
            json!({"name": "greet", "arguments": {"name": "Ada"}}),
        ),
    );
    assert_eq!(
        r.json()["result"],
        json!({"description": "Greet someone", "messages": [
            {"role": "user", "content": {"type": "text", "text": "Greet Ada (plain)."}},
            {"role": "assistant", "content": {"type": "resource", "resource": {
                "uri": "lib://readme", "mimeType": "text/plain", "text": "Hello, reader."}}}]})
    );
}

#[test]
fn prompt_errors() {
    let srv = server();
    let cases = [
        (json!({"name": "nope"}), -32602, "Unknown prompt: nope"),
        (
            json!({"name": "greet"}),
            -32602,
            "Missing required argument `name` for prompt `greet`",
        ),
        (
            json!({"name": "greet", "arguments": {"name": 5}}),
            -32602,
            "Invalid params: argument `name` must be a string",
        ),
        (json!({"name": "oops"}), -32603, "template missing"),
    ];
    for (params, code, message) in cases {
        let r = rpc(&srv, &[], &req(3, "prompts/get", params.clone()));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json()["error"],
            json!({"code": code, "message": message}),
            "{params}"
        );
    }
}

#[test]
fn completion_for_prompt_arguments_and_template_variables() {
    let srv = server();
    let complete = |reference: Value, name: &str, value: &str, context: Value| {
        let params = json!({"ref": reference, "argument": {"name": name, "value": value}, "context": {"arguments": context}});
        rpc(&srv, &[], &req(4, "completion/complete", params)).json()
    };
    assert_eq!(
        complete(
            json!({"type": "ref/prompt", "name": "greet"}),
            "style",
            "f",
            json!({"name": "Ada"})
        )["result"],
        json!({"completion": {"values": ["formal for Ada", "friendly for Ada"], "total": 2, "hasMore": false}})
    );
    // No completer for this argument: an empty list.
    assert_eq!(
        complete(
            json!({"type": "ref/prompt", "name": "greet"}),
            "name",
            "A",
            json!({})
        )["result"],
        json!({"completion": {"values": [], "total": 0, "hasMore": false}})
    );
    // At most 100 values; `hasMore` tells there were more.
    let r = complete(
        json!({"type": "ref/resource", "uri": "lib://books/{id}"}),
        "id",
        "",
        json!({}),
    );
    assert_eq!(
        r["result"]["completion"]["values"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(
        (
            r["result"]["completion"]["total"].clone(),
            r["result"]["completion"]["hasMore"].clone()
        ),
        (json!(150), json!(true))
    );
    // Unknown prompt or template, malformed ref: invalid params.
    assert_eq!(
        complete(
            json!({"type": "ref/prompt", "name": "nope"}),
            "x",
            "",
            json!({})
        )["error"]["code"],
        -32602
    );
    assert_eq!(
        complete(
            json!({"type": "ref/resource", "uri": "lib://x/{y}"}),
            "y",
            "",
            json!({})
        )["error"]["code"],
        -32602
    );
    assert_eq!(
        complete(json!({"type": "ref/other"}), "y", "", json!({}))["error"]["code"],
        -32602
    );
}
