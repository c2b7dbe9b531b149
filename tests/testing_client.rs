//! `remote_mcp::testing::TestClient` itself: it signs in through the real
//! OAuth flow (at once, or through the password form like a browser), speaks
//! both protocol eras, and answers the server's questions with closures.

use std::sync::{Arc, Mutex};

use remote_mcp::mcp::{Answer, LogLevel};
use remote_mcp::testing::{Era, TestClient, TestError};
use remote_mcp::{App, McpServer, Param, StaticPasswordProvider, Tool, ToolResult};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

#[derive(Deserialize)]
struct Name {
    name: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Echo {
    region: String,
    count: i64,
}

fn service() -> McpServer {
    McpServer::new("testing-test")
        .tool(Tool::new("whoami", "Caller and era.").handler(|call| {
            let who = call.caller().map(|c| c.sub.clone()).unwrap_or_else(|| "nobody".into());
            Ok(format!("{who} @ {}", call.protocol_version()).into())
        }))
        .tool(Tool::new("greet", "Asks a name.").handler(|call| {
            let fields = [Param::string("name", "Your name")];
            Ok(match call.elicit_form::<Name>("Your name?", &fields)? {
                Answer::Accept(n) => format!("Hello, {}!", n.name),
                Answer::Decline => "No name.".into(),
                Answer::Cancel => "Cancelled.".into(),
            }
            .into())
        }))
        .tool(Tool::new("think", "Samples.").handler(|call| {
            let r = call.sample(json!({"messages": [{"role": "user", "content": {"type": "text", "text": "2+2?"}}], "maxTokens": 5}))?;
            Ok(format!("model: {}", r["content"]["text"].as_str().unwrap_or("?")).into())
        }))
        .tool(Tool::new("steps", "Three steps of progress.").handler(|call| {
            for i in 1..=3 {
                call.progress(f64::from(i), Some(3.0), None);
            }
            call.log(LogLevel::Info, "done");
            Ok("stepped".into())
        }))
        .tool(
            Tool::new("route", "Echoes a routable region.")
                .arg(Param::string("region", "Where"))
                .arg(Param::integer("count", "How many"))
                .mirror_to_header("region", "Region")
                .returns(Param::string("region", ""))
                .returns(Param::integer("count", ""))
                .handler(|call| ToolResult::json(&Echo { region: call.str("region")?.into(), count: call.i64("count")? })),
        )
        .tool(Tool::new("fail", "Fails.").handler(|_| Err("it broke".into())))
}

#[test]
fn signs_in_at_once_and_speaks_both_eras() {
    let mut client = TestClient::start(App::new(service())).unwrap();
    assert!(client.access_token().unwrap().starts_with("mcp_at."));
    assert_eq!(client.era(), Era::Legacy);
    assert_eq!(
        client.call_tool("whoami", json!({})).unwrap().text(),
        "user @ 2025-11-25"
    );
    client.set_era(Era::Modern).unwrap();
    assert_eq!(
        client.call_tool("whoami", json!({})).unwrap().text(),
        "user @ 2026-07-28"
    );
    let names: Vec<Value> = client
        .list_tools()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(
        names,
        ["whoami", "greet", "think", "steps", "route", "fail"]
    );
}

#[test]
fn fills_the_password_form_like_a_browser() {
    let app = || App::new(service()).provider(StaticPasswordProvider::new(PASSWORD));
    let mut client = TestClient::builder(app())
        .password(PASSWORD)
        .start()
        .unwrap();
    assert!(
        client
            .call_tool("whoami", json!({}))
            .unwrap()
            .text()
            .ends_with("@ 2025-11-25")
    );
    // A wrong password ends the flow with a clear error, not a token.
    let err = TestClient::builder(app())
        .password("wrong")
        .start()
        .unwrap_err();
    assert!(
        matches!(err, TestError::OAuth(ref m) if m.contains("the sign-in form answered")),
        "{err}"
    );
    let err = TestClient::start(app()).unwrap_err();
    assert_eq!(
        err,
        TestError::OAuth(
            "the server shows a sign-in form: give TestClientBuilder::password".into()
        )
    );
}

#[test]
fn a_server_without_auth_is_called_without_a_token() {
    let mut client = TestClient::start(App::new(service()).without_auth()).unwrap();
    assert_eq!(client.access_token(), None);
    assert_eq!(
        client.call_tool("whoami", json!({})).unwrap().text(),
        "nobody @ 2025-11-25"
    );
}

#[test]
fn answers_elicitation_and_sampling_with_closures_in_both_eras() {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let mut client = TestClient::builder(App::new(service()))
        .on_elicit(move |params| {
            seen.lock().unwrap().push(params["message"].clone());
            json!({"action": "accept", "content": {"name": "Ada"}})
        })
        .on_sample(|params| {
            assert_eq!(params["maxTokens"], 5);
            json!({"role": "assistant", "content": {"type": "text", "text": "4"}, "model": "test"})
        })
        .start()
        .unwrap();
    for era in [Era::Legacy, Era::Modern] {
        client.set_era(era).unwrap();
        assert_eq!(
            client.call_tool("greet", json!({})).unwrap().text(),
            "Hello, Ada!",
            "{era:?}"
        );
        assert_eq!(
            client.call_tool("think", json!({})).unwrap().text(),
            "model: 4",
            "{era:?}"
        );
    }
    assert_eq!(
        *asked.lock().unwrap(),
        [json!("Your name?"), json!("Your name?")]
    );
}

#[test]
fn without_a_closure_the_client_declares_no_capability() {
    let mut client = TestClient::start(App::new(service())).unwrap();
    let r = client.call_tool("greet", json!({})).unwrap();
    assert!(r.is_error());
    assert_eq!(
        r.text(),
        "The client does not support elicitation (it did not declare the capability)."
    );
    client.set_era(Era::Modern).unwrap();
    // 2026-07-28: the server refuses the call itself (-32021).
    let err = client.call_tool("greet", json!({})).unwrap_err();
    assert!(matches!(err, TestError::Rpc { code: -32021, .. }), "{err}");
}

#[test]
fn progress_and_log_notifications_are_collected() {
    let mut client = TestClient::start(App::new(service())).unwrap();
    let r = client.call_tool("steps", json!({})).unwrap();
    assert_eq!(r.text(), "stepped");
    assert_eq!(r.progress(), [1.0, 2.0, 3.0]);
    assert!(
        r.notifications
            .iter()
            .any(|n| n["method"] == "notifications/message" && n["params"]["data"] == "done")
    );
}

#[test]
fn typed_results_mirrored_headers_and_errors() {
    let mut client = TestClient::start(App::new(service())).unwrap();
    for era in [Era::Legacy, Era::Modern] {
        client.set_era(era).unwrap();
        // In the modern era the client mirrors `region` into Mcp-Param-Region
        // (the server refuses the call otherwise), including a value that
        // must travel base64-encoded.
        for region in ["eu-west", "Zürich "] {
            let echo: Echo = client
                .call_tool_as("route", json!({"region": region, "count": 2}))
                .unwrap();
            assert_eq!(
                echo,
                Echo {
                    region: region.into(),
                    count: 2
                },
                "{era:?}"
            );
        }
        let err = client.call_tool_as::<Echo>("fail", json!({})).unwrap_err();
        assert_eq!(err, TestError::Tool("it broke".into()));
        let err = client.call_tool("nope", json!({})).unwrap_err();
        assert!(matches!(err, TestError::Rpc { code: -32602, .. }), "{err}");
    }
}
