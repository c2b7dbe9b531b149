//! The MCP lifecycle and the Streamable HTTP transport over a real socket:
//! initialize and version negotiation, ping, sessions, HTTP methods, `Accept`,
//! `MCP-Protocol-Version`, Origin/Host. (MCP 2025-11-25 `basic/lifecycle`,
//! `basic/transports`; the 2026-07-28 era is tested in `mcp_modern.rs`.)

#[path = "support/mcp_client.rs"]
mod mcp_client;

use mcp_client::{ACCEPT_BOTH, initialize, post, request, request_with_host, rpc};
use remote_mcp::ext::capabilities::{Prompt, PromptMessage, Resource};
use remote_mcp::mcp::ResourceContents;
use remote_mcp::{McpServer, RunningServer, Tool};
use serde_json::{Value, json};

fn server() -> RunningServer {
    mcp_client::start(
        McpServer::new("test-server")
            .version("1.2.3")
            .instructions("For tests.")
            .tool(
                Tool::new("echo", "Echo.")
                    .param("text", "string", "Text")
                    .handler(|c| Ok(c.str("text")?.into())),
            ),
    )
}

fn init(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
}

const PING: &str = r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#;

#[test]
fn initialize_answers_capabilities_server_info_and_a_session() {
    let srv = server();
    // ── C → S: initialize (2025-11-25 `basic/lifecycle#initialization`)
    let r = rpc(&srv, &[], &init("2025-11-25"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "id": 1, "result": {
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}, "logging": {}},
            "serverInfo": {"name": "test-server", "version": "1.2.3"},
            "instructions": "For tests."}})
    );
    // "The session ID … MUST only contain visible ASCII characters (0x21 to 0x7E)."
    let session = r.header("Mcp-Session-Id").unwrap();
    assert!(session.len() >= 32 && session.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    assert_ne!(
        rpc(&srv, &[], &init("2025-11-25")).header("Mcp-Session-Id"),
        Some(session)
    );
    // ── C → S: notifications/initialized → 202, empty body
    let r = post(
        &srv,
        &[ACCEPT_BOTH],
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    );
    assert_eq!((r.status, r.body.len()), (202, 0));
}

#[test]
fn capabilities_name_only_what_is_registered() {
    let srv = mcp_client::start(
        McpServer::new("full")
            .resource(
                Resource::new("x://a", "a")
                    .read(|r| Ok(ResourceContents::text(r.uri, "text/plain", "a"))),
            )
            .prompt(Prompt::new("p", "P").get(|_| Ok(vec![PromptMessage::user("hi")]))),
    );
    let r = rpc(&srv, &[], &init("2025-11-25"));
    assert_eq!(
        r.json()["result"]["capabilities"],
        json!({"tools": {}, "resources": {}, "prompts": {}, "completions": {}, "logging": {}})
    );
}

#[test]
fn version_negotiation_echoes_supported_versions_else_offers_the_latest() {
    let srv = server();
    for (asked, answered) in [
        ("2025-11-25", "2025-11-25"),
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("2024-11-05", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
    ] {
        let r = rpc(&srv, &[], &init(asked));
        assert_eq!(
            r.json()["result"]["protocolVersion"],
            answered,
            "asked {asked}"
        );
    }
}

#[test]
fn ping_answers_an_empty_object() {
    let srv = server();
    let r = post(&srv, &[ACCEPT_BOTH], PING);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"jsonrpc": "2.0", "id": 2, "result": {}}));
}

#[test]
fn sessions_are_never_required_and_unknown_ids_are_not_errors() {
    let srv = server();
    // No session at all: served (claude.ai often does not echo the id).
    assert_eq!(post(&srv, &[ACCEPT_BOTH], PING).status, 200);
    // A stale or made-up id: served as if there were none.
    let r = post(
        &srv,
        &[
            ACCEPT_BOTH,
            ("Mcp-Session-Id", "stale-id-from-before-a-restart"),
        ],
        PING,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"], json!({}));
}

#[test]
fn delete_ends_a_session_and_later_requests_with_it_get_404() {
    let srv = server();
    let session = initialize(&srv, json!({}));
    let with_session = [ACCEPT_BOTH, ("Mcp-Session-Id", session.as_str())];
    assert_eq!(post(&srv, &with_session, PING).status, 200);
    // ── C → S: DELETE /mcp with the id (2025-11-25 `basic/transports#session-management`)
    let r = request(&srv, "DELETE", &[("Mcp-Session-Id", &session)], b"");
    assert_eq!(r.status, 204);
    // "the server MUST respond to requests containing that session ID with HTTP 404"
    let r = post(&srv, &with_session, PING);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], -32001);
    assert_eq!(r.json()["id"], 2);
    assert_eq!(
        request(&srv, "DELETE", &[("Mcp-Session-Id", &session)], b"").status,
        404
    );
    // Without the header the client starts over, statelessly.
    assert_eq!(post(&srv, &[ACCEPT_BOTH], PING).status, 200);
    // DELETE without an id is a bad request; with an unknown one, 404.
    assert_eq!(request(&srv, "DELETE", &[], b"").status, 400);
    assert_eq!(
        request(&srv, "DELETE", &[("Mcp-Session-Id", "nope")], b"").status,
        404
    );
}

#[test]
fn get_and_other_methods_are_405_at_once() {
    let srv = server();
    for method in ["GET", "PUT", "PATCH"] {
        let r = request(&srv, method, &[("Accept", "text/event-stream")], b"");
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("Allow"), Some("POST, DELETE"));
    }
}

#[test]
fn accept_star_or_missing_is_served_as_json() {
    let srv = server();
    for accept in [
        vec![("Accept", "*/*")],
        vec![],
        vec![("Accept", "application/json")],
    ] {
        let r = post(&srv, &accept, PING);
        assert_eq!(r.status, 200, "{accept:?}");
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.json()["result"], json!({}));
    }
}

#[test]
fn accept_only_event_stream_gets_one_event_then_the_end() {
    let srv = server();
    let r = post(&srv, &[("Accept", "text/event-stream")], PING);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("text/event-stream"));
    assert_eq!(r.header("Cache-Control"), Some("no-cache"));
    assert_eq!(r.header("X-Accel-Buffering"), Some("no"));
    assert_eq!(
        r.text(),
        "event: message\ndata: {\"id\":2,\"jsonrpc\":\"2.0\",\"result\":{}}\n\n"
    );
}

#[test]
fn protocol_version_header_missing_supported_and_unsupported() {
    let srv = server();
    // Missing: 2025-03-26 semantics, served.
    assert_eq!(post(&srv, &[ACCEPT_BOTH], PING).status, 200);
    // Supported: served.
    for v in ["2025-11-25", "2025-06-18", "2025-03-26"] {
        assert_eq!(
            post(&srv, &[ACCEPT_BOTH, ("MCP-Protocol-Version", v)], PING).status,
            200
        );
    }
    // "If the server receives a request with an invalid or unsupported
    // MCP-Protocol-Version, it MUST respond with 400 Bad Request."
    for v in ["2024-11-05", "banana"] {
        let r = post(&srv, &[ACCEPT_BOTH, ("MCP-Protocol-Version", v)], PING);
        assert_eq!(r.status, 400, "{v}");
        assert_eq!(r.json()["error"]["code"], -32600);
        assert_eq!(r.json()["id"], 2);
    }
}

#[test]
fn claude_ai_sending_2026_after_negotiating_2025_is_served() {
    let srv = server();
    let session = initialize(&srv, json!({}));
    let list = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"});
    // With the session, and without it (claude.ai often drops the id).
    for headers in [
        vec![
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Session-Id", session.as_str()),
        ],
        vec![("MCP-Protocol-Version", "2026-07-28")],
    ] {
        let r = rpc(&srv, &headers, &list);
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["result"]["tools"][0]["name"], "echo");
    }
}

#[test]
fn foreign_origin_or_host_is_403_and_loopback_is_served() {
    let srv = server();
    let addr = srv.addr();
    let body = init("2025-11-25").to_string();
    let head = |host: &str, origin: Option<&str>| {
        let mut h = format!(
            "POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream"
        );
        if let Some(o) = origin {
            h.push_str(&format!("\r\nOrigin: {o}"));
        }
        h
    };
    // The conformance suite's DNS-rebinding attack: Host and Origin evil.example.com.
    let r = request_with_host(
        addr,
        "POST",
        &head("evil.example.com", Some("http://evil.example.com")),
        body.as_bytes(),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"jsonrpc": "2.0", "error": {"code": -32000, "message": "Forbidden: Origin not allowed"}})
    );
    // A good Host with a foreign browser Origin.
    let r = request_with_host(
        addr,
        "POST",
        &head(&addr.to_string(), Some("https://evil.example.com")),
        body.as_bytes(),
    );
    assert_eq!(r.status, 403);
    // A foreign Host without Origin.
    let r = request_with_host(
        addr,
        "POST",
        &head("evil.example.com", None),
        body.as_bytes(),
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["message"], "Forbidden: Host not allowed");
    // Loopback names with any port, with or without a loopback Origin.
    let port = addr.port();
    for (host, origin) in [
        (
            format!("127.0.0.1:{port}"),
            Some(format!("http://127.0.0.1:{port}")),
        ),
        (format!("localhost:{port}"), None),
        (
            format!("[::1]:{port}"),
            Some("http://localhost:6274".to_string()),
        ),
    ] {
        let r = request_with_host(
            addr,
            "POST",
            &head(&host, origin.as_deref()),
            body.as_bytes(),
        );
        assert_eq!(r.status, 200, "{host} {origin:?}");
    }
}
