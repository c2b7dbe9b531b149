//! MCP 2026-07-28 over a real socket, beside the 2025 revisions on the same
//! `/mcp`: `server/discover`, the `_meta` envelope and the mirrored headers
//! (`-32602`, `-32020`, `-32022`), results dressed with `resultType`, cache
//! hints and `serverInfo`, multi round-trip questions with a sealed
//! `requestState` (`-32021` for an undeclared capability), the per-request log
//! level, `subscriptions/listen`, `x-mcp-header` — and the edges between the
//! eras: stale session ids, interleaved clients, and claude.ai's 2026 header on
//! a 2025 session. (MCP 2026-07-28 `basic/versioning`, `basic/index#meta`,
//! `basic/transports/streamable-http`, `basic/patterns/{mrtr,subscriptions}`.)

#[path = "support/mcp_client.rs"]
mod mcp_client;

use mcp_client::{Stream, initialize, request, rpc};
use remote_mcp::crypto::secret::Secret;
use remote_mcp::ext::capabilities::{Prompt, PromptMessage, Resource};
use remote_mcp::ext::era_2026::Notifier;
use remote_mcp::mcp::{LogLevel, ResourceContents};
use remote_mcp::{App, Config, McpServer, RunningServer, Tool};
use serde_json::{Value, json};

const V: &str = "2026-07-28";

/// The `_meta` envelope a 2026-07-28 client stamps on every request.
fn envelope(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    })
}

/// A modern request body: `params` plus the envelope (capabilities: elicitation).
fn body(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = envelope(json!({"elicitation": {}}));
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// The headers that mirror `body` (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`).
fn mirrored(body: &Value) -> Vec<(&'static str, String)> {
    let method = body["method"].as_str().unwrap().to_string();
    let mut h = vec![("MCP-Protocol-Version", V.to_string())];
    let name = match method.as_str() {
        "tools/call" | "prompts/get" => body["params"]["name"].as_str(),
        "resources/read" => body["params"]["uri"].as_str(),
        _ => None,
    };
    h.push(("Mcp-Method", method.clone()));
    if let Some(n) = name {
        h.push(("Mcp-Name", n.to_string()));
    }
    h
}

/// POSTs a modern request with its mirrored headers plus `extra`.
fn modern(srv: &RunningServer, body: &Value, extra: &[(&str, &str)]) -> mcp_client::Http {
    let owned = mirrored(body);
    let mut headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (*n, v.as_str())).collect();
    headers.extend_from_slice(extra);
    rpc(srv, &headers, body)
}

fn server_with(notifier: Option<&mut Option<Notifier>>) -> RunningServer {
    let mcp = McpServer::new("modern-test")
        .version("2.0.0")
        .instructions("For tests.")
        .announce_list_changes()
        .tool(
            Tool::new("echo", "Echo.")
                .param("text", "string", "Text")
                .handler(|c| Ok(c.str("text")?.into())),
        )
        .tool(
            Tool::new("greet", "Asks a name, then greets.").handler(|call| {
                let answer = call.elicit(
                    "Your name?",
                    json!({"type": "object", "properties": {"name": {"type": "string"}}}),
                )?;
                let name = answer
                    .content
                    .and_then(|c| c.get("name")?.as_str().map(str::to_string));
                Ok(format!("Hello, {}!", name.unwrap_or_default()).into())
            }),
        )
        .tool(
            Tool::new("summarize", "Asks the client's model.").handler(|call| {
                let answer = call.sample(json!({"messages": [], "maxTokens": 5}))?;
                Ok(answer["content"]["text"].as_str().unwrap_or("").into())
            }),
        )
        .tool(
            Tool::new("chatty", "Logs at three levels.").handler(|call| {
                call.log(LogLevel::Debug, "debug detail");
                call.log(LogLevel::Info, "info line");
                call.log(LogLevel::Error, "error line");
                Ok("logged".into())
            }),
        )
        .tool(
            Tool::new("route", "Echoes a routable region.")
                .param("region", "string", "Region")
                .mirror_to_header("region", "Region")
                .handler(|c| Ok(c.str("region")?.into())),
        )
        .resource(
            Resource::new("test://doc", "doc")
                .read(|_| Ok(ResourceContents::text("test://doc", "text/plain", "hello"))),
        )
        .prompt(Prompt::new("ask_topic", "Asks a topic.").get(|req| {
            let answer = req.elicit(
                "Topic?",
                json!({"type": "object", "properties": {"topic": {"type": "string"}}}),
            )?;
            let topic = answer
                .content
                .and_then(|c| c.get("topic")?.as_str().map(str::to_string));
            Ok(vec![PromptMessage::user(format!(
                "About {}",
                topic.unwrap_or_default()
            ))])
        }));
    if let Some(slot) = notifier {
        *slot = Some(mcp.notifier());
    }
    mcp_client::start(mcp)
}

fn server() -> RunningServer {
    server_with(None)
}

#[test]
fn server_discover_says_versions_capabilities_and_identity() {
    let srv = server();
    // ── C → S: server/discover, the first request of a 2026-07-28 client (and claude.ai's probe)
    let b = body(1, "server/discover", json!({}));
    let r = modern(&srv, &b, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("Mcp-Session-Id"),
        None,
        "no sessions in 2026-07-28"
    );
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": 1, "result": {
            "supportedVersions": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"],
            "capabilities": {
                "tools": {"listChanged": true},
                "resources": {"listChanged": true, "subscribe": true},
                "prompts": {"listChanged": true},
                "completions": {},
                "logging": {},
            },
            "instructions": "For tests.",
            "resultType": "complete",
            "ttlMs": 60000,
            "cacheScope": "public",
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern-test", "version": "2.0.0"}},
        }})
    );
    // The legacy handshake still declares what it always did (no listChanged:
    // a 2025 client has no stream to hear it on).
    let r = rpc(
        &srv,
        &[],
        &json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}),
    );
    assert_eq!(
        r.json()["result"]["capabilities"],
        json!({"tools": {}, "resources": {}, "prompts": {}, "completions": {}, "logging": {}})
    );
    assert!(r.json()["result"].get("resultType").is_none());
}

#[test]
fn a_request_without_the_envelope_is_400_invalid_params() {
    let srv = server();
    for (params, missing) in [
        (json!({}), "_meta"),
        (
            json!({"_meta": {"io.modelcontextprotocol/protocolVersion": V}}),
            "clientCapabilities",
        ),
        (
            json!({"_meta": {"io.modelcontextprotocol/clientCapabilities": {}}}),
            "protocolVersion",
        ),
    ] {
        let b = json!({"jsonrpc": "2.0", "id": 7, "method": "server/discover", "params": params});
        let r = modern(&srv, &b, &[]);
        assert_eq!(r.status, 400, "{params}");
        assert_eq!(r.json()["id"], 7);
        assert_eq!(r.json()["error"]["code"], -32602);
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains(missing), "{message}");
    }
    // clientInfo is only a SHOULD: without it the request is served.
    let b = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": V, "io.modelcontextprotocol/clientCapabilities": {}}}});
    assert_eq!(modern(&srv, &b, &[]).status, 200);
}

#[test]
fn headers_that_disagree_with_the_body_are_400_header_mismatch() {
    let srv = server();
    let list = body(3, "tools/list", json!({}));
    // A mismatched Mcp-Method (a gateway would route a tools/list as a prompts/list).
    let mut owned = mirrored(&list);
    owned[1].1 = "prompts/list".into();
    let headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let r = rpc(&srv, &headers, &list);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["id"], 3);
    assert_eq!(r.json()["error"]["code"], -32020);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Mcp-Method")
    );
    // Method values are case-sensitive.
    let r = rpc(
        &srv,
        &[("MCP-Protocol-Version", V), ("Mcp-Method", "TOOLS/LIST")],
        &list,
    );
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (400, json!(-32020))
    );
    // Missing Mcp-Method, missing or different MCP-Protocol-Version, sent twice.
    for headers in [
        vec![("MCP-Protocol-Version", V)],
        vec![("Mcp-Method", "tools/list")],
        vec![
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Mcp-Method", "tools/list"),
        ],
        vec![
            ("MCP-Protocol-Version", V),
            ("Mcp-Method", "tools/list"),
            ("Mcp-Method", "tools/list"),
        ],
    ] {
        let r = rpc(&srv, &headers, &list);
        assert_eq!(r.status, 400, "{headers:?}");
        assert_eq!(r.json()["error"]["code"], -32020, "{headers:?}");
    }
    // Header names are case-insensitive, values trimmed.
    let r = rpc(
        &srv,
        &[("mcp-protocol-version", V), ("MCP-METHOD", "  tools/list ")],
        &list,
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // Mcp-Name must name the tool the body calls; base64-wrapped values are decoded.
    let call = body(
        4,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "x"}}),
    );
    let common = [("MCP-Protocol-Version", V), ("Mcp-Method", "tools/call")];
    let with_name = |name: &str| {
        let mut h = common.to_vec();
        h.push(("Mcp-Name", name));
        rpc(&srv, &h, &call)
    };
    assert_eq!(with_name("greet").json()["error"]["code"], -32020);
    assert_eq!(rpc(&srv, &common, &call).json()["error"]["code"], -32020);
    let r = with_name("=?base64?ZWNobw==?=");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["result"]["content"][0]["text"], "x");
    assert_eq!(
        with_name("=?base64?ZWNobw?=").status,
        400,
        "non-canonical base64"
    );
}

#[test]
fn an_unsupported_modern_version_is_400_with_the_supported_list() {
    let srv = server();
    let mut b = body(5, "tools/list", json!({}));
    b["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let r = rpc(
        &srv,
        &[
            ("MCP-Protocol-Version", "2099-01-01"),
            ("Mcp-Method", "tools/list"),
        ],
        &b,
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": 5, "error": {
            "code": -32022,
            "message": "Unsupported protocol version \"2099-01-01\"; this server speaks 2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26",
            "data": {"supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"], "requested": "2099-01-01"},
        }})
    );
    // The header is checked first: header 2026-07-28 with body 2099-01-01 is a mismatch.
    let r = rpc(
        &srv,
        &[("MCP-Protocol-Version", V), ("Mcp-Method", "tools/list")],
        &b,
    );
    assert_eq!(r.json()["error"]["code"], -32020);
}

#[test]
fn methods_removed_in_2026_are_404_and_no_session_is_made() {
    let srv = server();
    for method in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "no/such/method",
    ] {
        let b = body(
            6,
            method,
            json!({"protocolVersion": "2025-11-25", "level": "info", "uri": "test://doc"}),
        );
        let r = modern(&srv, &b, &[]);
        assert_eq!(r.status, 404, "{method}");
        assert_eq!(r.json()["error"]["code"], -32601, "{method}");
        assert_eq!(r.json()["id"], 6);
        assert_eq!(r.header("Mcp-Session-Id"), None, "{method}");
    }
}

#[test]
fn modern_results_carry_result_type_cache_hints_and_server_info() {
    let srv = server();
    let b = body(9, "tools/list", json!({}));
    let first = modern(&srv, &b, &[]).json();
    let second = modern(&srv, &b, &[]).json();
    let result = &first["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["ttlMs"], 60000);
    assert_eq!(result["cacheScope"], "public");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"],
        json!({"name": "modern-test", "version": "2.0.0"})
    );
    let names: Vec<&str> = result["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["echo", "greet", "summarize", "chatty", "route"]);
    assert_eq!(first, second, "the same list in the same order every time");

    let read = modern(
        &srv,
        &body(10, "resources/read", json!({"uri": "test://doc"})),
        &[],
    )
    .json();
    assert_eq!(read["result"]["contents"][0]["text"], "hello");
    assert_eq!(read["result"]["cacheScope"], "private");

    let call = modern(
        &srv,
        &body(
            11,
            "tools/call",
            json!({"name": "echo", "arguments": {"text": "hi"}}),
        ),
        &[],
    );
    assert_eq!(
        call.json()["result"],
        json!({"content": [{"type": "text", "text": "hi"}], "isError": false, "resultType": "complete",
               "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern-test", "version": "2.0.0"}}})
    );
}

#[test]
fn an_unknown_resource_is_32602_in_2026_and_32002_in_2025() {
    let srv = server();
    let r = modern(
        &srv,
        &body(12, "resources/read", json!({"uri": "test://none"})),
        &[],
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], -32602);
    assert_eq!(r.json()["error"]["data"], json!({"uri": "test://none"}));
    let r = rpc(
        &srv,
        &[("MCP-Protocol-Version", "2025-11-25")],
        &json!({"jsonrpc": "2.0", "id": 13, "method": "resources/read", "params": {"uri": "test://none"}}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["error"]["code"], -32002);
}

/// Round 1 of `greet`: the interim result, and its `requestState`.
fn ask_greet(srv: &RunningServer, id: i64) -> String {
    let r = modern(
        srv,
        &body(id, "tools/call", json!({"name": "greet", "arguments": {}})),
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let result = r.json()["result"].clone();
    assert_eq!(result["resultType"], "input_required");
    assert_eq!(
        result["inputRequests"],
        json!({"elicitation-1": {"method": "elicitation/create", "params": {
            "message": "Your name?",
            "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}}}})
    );
    assert!(
        result.get("ttlMs").is_none(),
        "interim results are not cacheable"
    );
    result["requestState"].as_str().unwrap().to_string()
}

#[test]
fn a_tool_that_asks_ends_with_input_required_and_completes_on_the_retry() {
    let srv = server();
    let state = ask_greet(&srv, 20);
    // ── C → S: the retry, a new request with the answer and the echoed state
    let retry = body(
        21,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "requestState": state,
               "inputResponses": {"elicitation-1": {"action": "accept", "content": {"name": "Ada"}},
                                  "not-asked": {"action": "accept"}}}),
    );
    let r = modern(&srv, &retry, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["result"]["resultType"], "complete");
    assert_eq!(r.json()["result"]["content"][0]["text"], "Hello, Ada!");

    // A retry without the answer is asked again, not refused.
    let again = body(
        22,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "requestState": state,
                                              "inputResponses": {"wrong-key": {"action": "accept"}}}),
    );
    assert_eq!(
        modern(&srv, &again, &[]).json()["result"]["resultType"],
        "input_required"
    );

    // A tampered state is refused.
    let mut forged = state.clone();
    forged.insert(0, 'x');
    let tampered = body(
        23,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "requestState": forged,
                                                 "inputResponses": {"elicitation-1": {"action": "accept"}}}),
    );
    let r = modern(&srv, &tampered, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], -32602);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requestState")
    );

    // A state is bound to its call: replayed on another tool it is refused.
    let replay = body(
        24,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "x"}, "requestState": state}),
    );
    assert_eq!(modern(&srv, &replay, &[]).json()["error"]["code"], -32602);

    // A malformed answer is refused.
    let bad = body(
        25,
        "tools/call",
        json!({"name": "greet", "arguments": {},
                                            "inputResponses": {"elicitation-1": 12345}}),
    );
    assert_eq!(modern(&srv, &bad, &[]).json()["error"]["code"], -32602);
}

#[test]
fn instances_sharing_mcp_signing_key_accept_each_others_request_state() {
    // Two instances behind one URL (Cloud Run): round 1 on one, the retry on the other.
    let instance = |key: &str| {
        let mut config = Config::local(0);
        config.signing_key = Some(Secret::new(key.to_string()));
        let mcp = McpServer::new("modern-test").tool(Tool::new("greet", "Asks a name.").handler(
            |call| {
                let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
                Ok(call.elicit("Your name?", schema)?.action.into())
            },
        ));
        App::new(mcp).config(config).without_auth().start().unwrap()
    };
    let key = "0123456789abcdef0123456789abcdef-shared";
    let (a, b, other) = (
        instance(key),
        instance(key),
        instance("another key, 32 characters long!!"),
    );
    let state = ask_greet(&a, 26);
    let retry = body(
        27,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "requestState": state,
        "inputResponses": {"elicitation-1": {"action": "decline"}}}),
    );
    assert_eq!(
        modern(&b, &retry, &[]).json()["result"]["content"][0]["text"],
        "decline"
    );
    assert_eq!(modern(&other, &retry, &[]).json()["error"]["code"], -32602);
}

#[test]
fn a_question_the_client_cannot_answer_is_400_missing_capability() {
    let srv = server();
    // `summarize` samples; this client declares only elicitation.
    let b = body(
        30,
        "tools/call",
        json!({"name": "summarize", "arguments": {}}),
    );
    let r = modern(&srv, &b, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], -32021);
    assert_eq!(
        r.json()["error"]["data"],
        json!({"requiredCapabilities": {"sampling": {}}})
    );
    // Declared: it is asked.
    let mut b = b;
    b["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json!({"sampling": {}});
    let r = modern(&srv, &b, &[]);
    assert_eq!(
        r.json()["result"]["inputRequests"]["sampling-1"]["method"],
        "sampling/createMessage"
    );
}

#[test]
fn a_prompt_can_ask_too() {
    let srv = server();
    let r = modern(
        &srv,
        &body(31, "prompts/get", json!({"name": "ask_topic"})),
        &[],
    );
    let result = r.json()["result"].clone();
    assert_eq!(result["resultType"], "input_required");
    let retry = body(
        32,
        "prompts/get",
        json!({"name": "ask_topic", "requestState": result["requestState"],
        "inputResponses": {"elicitation-1": {"action": "accept", "content": {"topic": "Rust"}}}}),
    );
    let r = modern(&srv, &retry, &[]);
    assert_eq!(
        r.json()["result"]["messages"][0]["content"]["text"],
        "About Rust"
    );
    assert_eq!(r.json()["result"]["resultType"], "complete");
}

#[test]
fn logs_go_only_to_a_request_that_asked_for_a_level() {
    let srv = server();
    let b = body(40, "tools/call", json!({"name": "chatty", "arguments": {}}));
    let r = modern(&srv, &b, &[]);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json"),
        "no notifications/message, so no stream"
    );
    assert_eq!(r.json()["result"]["content"][0]["text"], "logged");

    let mut b = b;
    b["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
    let r = modern(&srv, &b, &[]);
    assert_eq!(r.header("Content-Type"), Some("text/event-stream"));
    let events = r.events();
    let levels: Vec<&str> = events[..2]
        .iter()
        .map(|e| e["params"]["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["info", "error"]);
    assert_eq!(events[2]["result"]["content"][0]["text"], "logged");
    assert_eq!(events.len(), 3);

    b["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("loud");
    assert_eq!(modern(&srv, &b, &[]).json()["error"]["code"], -32602);
}

#[test]
fn subscriptions_listen_acknowledges_then_streams_the_changes_asked_for() {
    let mut notifier = None;
    let srv = server_with(Some(&mut notifier));
    let notifier = notifier.unwrap();
    let listen = body(
        50,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true, "resourceSubscriptions": ["test://doc"]}}),
    );
    let owned = mirrored(&listen);
    let headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let mut stream = Stream::open(&srv, &headers, &listen);
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("Content-Type"), Some("text/event-stream"));
    let tag = json!({"io.modelcontextprotocol/subscriptionId": 50});
    assert_eq!(
        stream.next_event(),
        Some(
            json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": {
            "notifications": {"toolsListChanged": true, "resourceSubscriptions": ["test://doc"]},
            "_meta": tag}})
        )
    );
    // Not asked for: never sent.
    notifier.prompts_changed();
    notifier.resource_updated("test://other");
    notifier.tools_changed();
    notifier.resource_updated("test://doc");
    assert_eq!(
        stream.next_event(),
        Some(
            json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {"_meta": tag}})
        )
    );
    assert_eq!(
        stream.next_event(),
        Some(
            json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
                    "params": {"uri": "test://doc", "_meta": tag}})
        )
    );
}

#[test]
fn mirrored_parameters_must_match_their_headers() {
    let srv = server();
    let listed = modern(&srv, &body(60, "tools/list", json!({})), &[]).json();
    let route = &listed["result"]["tools"][4];
    assert_eq!(
        route["inputSchema"]["properties"]["region"]["x-mcp-header"],
        "Region"
    );

    let call = body(
        61,
        "tools/call",
        json!({"name": "route", "arguments": {"region": "eu-west1"}}),
    );
    let r = modern(&srv, &call, &[("Mcp-Param-Region", "eu-west1")]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["result"]["content"][0]["text"], "eu-west1");
    for extra in [
        vec![],                                     // argument present, header missing
        vec![("Mcp-Param-Region", "us-east1")],     // different
        vec![("Mcp-Param-Region", "=?base64?!?=")], // bad encoding
    ] {
        let r = modern(&srv, &call, &extra);
        assert_eq!(r.status, 400, "{extra:?}");
        assert_eq!(r.json()["error"]["code"], -32020, "{extra:?}");
    }
    // Header without the argument.
    let no_arg = body(62, "tools/call", json!({"name": "route", "arguments": {}}));
    assert_eq!(
        modern(&srv, &no_arg, &[("Mcp-Param-Region", "eu-west1")]).json()["error"]["code"],
        -32020
    );
}

// ── Between the eras ──

#[test]
fn a_legacy_request_with_a_stale_session_id_is_served_and_a_modern_one_ignores_any() {
    let srv = server();
    let legacy_list = json!({"jsonrpc": "2.0", "id": 70, "method": "tools/list"});
    // An id the server never issued (e.g. from before a restart): served without a session.
    let r = rpc(
        &srv,
        &[
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Mcp-Session-Id", "stale-id-from-yesterday"),
        ],
        &legacy_list,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"]["tools"][0]["name"], "echo");
    assert!(
        r.json()["result"].get("resultType").is_none(),
        "legacy shape"
    );

    // An id the client ended itself: 404 for a legacy request (2025-11-25 says so)…
    let session = initialize(&srv, json!({}));
    let end = request(&srv, "DELETE", &[("Mcp-Session-Id", session.as_str())], b"");
    assert_eq!(end.status, 204);
    let r = rpc(
        &srv,
        &[
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Mcp-Session-Id", session.as_str()),
        ],
        &legacy_list,
    );
    assert_eq!(r.status, 404);
    // …but ignored by a modern one (2026-07-28: "ignore it, and do not mint or echo session IDs").
    let r = modern(
        &srv,
        &body(71, "tools/list", json!({})),
        &[("Mcp-Session-Id", session.as_str())],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Mcp-Session-Id"), None);
}

#[test]
fn a_modern_and_a_legacy_client_interleaved_on_one_server() {
    let srv = server();
    // Legacy client: initialize, with elicitation declared in its session.
    let session = initialize(&srv, json!({"elicitation": {}}));
    let legacy = |id: i64, method: &str, params: Value| {
        rpc(
            &srv,
            &[
                ("MCP-Protocol-Version", "2025-11-25"),
                ("Mcp-Session-Id", session.as_str()),
            ],
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
    };
    // Modern client, round 1 of a question…
    let state = ask_greet(&srv, 80);
    // …legacy client calls a tool in between: the legacy shape, untouched…
    let r = legacy(
        81,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "old"}}),
    );
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": 81, "result": {"content": [{"type": "text", "text": "old"}], "isError": false}})
    );
    // …and asks the same question the legacy way: a request on the call's stream.
    let mut legacy_greet = Stream::open(
        &srv,
        &[
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Mcp-Session-Id", session.as_str()),
        ],
        &json!({"jsonrpc": "2.0", "id": 82, "method": "tools/call", "params": {"name": "greet", "arguments": {}}}),
    );
    let question = legacy_greet.next_event().unwrap();
    assert_eq!(question["method"], "elicitation/create");
    // The modern client completes meanwhile.
    let retry = body(
        83,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "requestState": state,
        "inputResponses": {"elicitation-1": {"action": "accept", "content": {"name": "Modern"}}}}),
    );
    assert_eq!(
        modern(&srv, &retry, &[]).json()["result"]["content"][0]["text"],
        "Hello, Modern!"
    );
    // The legacy client answers on its own POST; its stream finishes.
    let answer = json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "accept", "content": {"name": "Legacy"}}});
    let r = rpc(
        &srv,
        &[
            ("MCP-Protocol-Version", "2025-11-25"),
            ("Mcp-Session-Id", session.as_str()),
        ],
        &answer,
    );
    assert_eq!(r.status, 202);
    let done = legacy_greet.next_event().unwrap();
    assert_eq!(done["id"], 82);
    assert_eq!(done["result"]["content"][0]["text"], "Hello, Legacy!");
    assert!(done["result"].get("resultType").is_none());
    // And the legacy session is still what it was.
    assert_eq!(legacy(84, "ping", json!({})).json()["result"], json!({}));
}

#[test]
fn claude_ai_sending_2026_on_a_2025_session_is_served_as_2025() {
    let srv = server();
    let session = initialize(&srv, json!({}));
    for headers in [
        vec![
            ("MCP-Protocol-Version", V),
            ("Mcp-Session-Id", session.as_str()),
        ],
        vec![("MCP-Protocol-Version", V)],
    ] {
        let r = rpc(
            &srv,
            &headers,
            &json!({"jsonrpc": "2.0", "id": 90, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "q"}}}),
        );
        assert_eq!(r.status, 200, "{headers:?}");
        assert_eq!(
            r.json()["result"],
            json!({"content": [{"type": "text", "text": "q"}], "isError": false}),
            "legacy shape: no resultType, no _meta"
        );
        // No Mcp-Method header either: a legacy request is not checked for it.
        let r = rpc(
            &srv,
            &headers,
            &json!({"jsonrpc": "2.0", "id": 91, "method": "ping"}),
        );
        assert_eq!(r.json()["result"], json!({}));
    }
}
