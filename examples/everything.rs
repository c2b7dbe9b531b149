//! Every tool, resource and prompt the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`, `server` mode) looks for: the
//! 2025-11-25 scenarios of 0.1.16 and the 2026-07-28 ones of 0.2.0-alpha.12.
//!
//! ```text
//! PORT=3102 cargo run --example everything
//! node node_modules/@modelcontextprotocol/conformance/dist/index.js server --url http://127.0.0.1:3102/mcp
//! node …conformance@0.2.0-alpha.12…/dist/index.js server --url http://127.0.0.1:3102/mcp --requirements 2026-07-28
//! ```
//!
//! It runs without authorization, so it binds loopback only (the default `HOST`).
//! Each item below names the scenario that exercises it.
use std::thread::sleep;
use std::time::Duration;

use remote_mcp::ext::capabilities::{Prompt, PromptMessage, Resource, ResourceTemplate};
use remote_mcp::mcp::{Content, LogLevel, ResourceContents, ToolError};
use remote_mcp::{App, Config, McpServer, Tool, ToolResult};
use serde_json::json;

/// A 2×2 RGB PNG (blue and orange pixels).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, //
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, //
    0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, //
    0x14, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x88, 0x3a, 0xf1, //
    0xa1, 0x87, 0x81, 0x01, 0x84, 0xa3, 0x4e, 0x00, 0x00, 0x25, 0x02, 0x05, //
    0x3d, 0x7f, 0xdb, 0x39, 0x44, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, //
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A WAV file: 8 kHz, mono, 16-bit PCM, one 8-sample sine period.
const WAV: &[u8] = &[
    0x52, 0x49, 0x46, 0x46, 0x34, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, //
    0x66, 0x6d, 0x74, 0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, //
    0x40, 0x1f, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00, //
    0x64, 0x61, 0x74, 0x61, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x16, //
    0x40, 0x1f, 0x18, 0x16, 0x00, 0x00, 0xe8, 0xe9, 0xc0, 0xe0, 0xe8, 0xe9, //
];

fn tools(mcp: McpServer) -> McpServer {
    mcp
        // tools-call-simple-text
        .tool(
            Tool::new("test_simple_text", "Returns one text block.")
                .read_only()
                .handler(|_| Ok("This is a simple text response for testing.".into())),
        )
        // tools-call-image
        .tool(
            Tool::new("test_image_content", "Returns a PNG image.")
                .read_only()
                .handler(|_| Ok(ToolResult::image(PNG, "image/png"))),
        )
        // tools-call-audio
        .tool(
            Tool::new("test_audio_content", "Returns a WAV clip.")
                .read_only()
                .handler(|_| Ok(ToolResult::audio(WAV, "audio/wav"))),
        )
        // tools-call-embedded-resource
        .tool(
            Tool::new("test_embedded_resource", "Returns an embedded text resource.")
                .read_only()
                .handler(|_| {
                    Ok(ToolResult::resource(ResourceContents::text(
                        "test://embedded-resource",
                        "text/plain",
                        "This is an embedded resource content.",
                    )))
                }),
        )
        // tools-call-mixed-content
        .tool(
            Tool::new("test_multiple_content_types", "Returns text, an image and a resource.")
                .read_only()
                .handler(|_| {
                    let data = json!({"test": "data", "value": 123}).to_string();
                    Ok(ToolResult::text("Multiple content types test:")
                        .with(Content::image(PNG, "image/png"))
                        .with(Content::resource(ResourceContents::text(
                            "test://mixed-content-resource",
                            "application/json",
                            data,
                        ))))
                }),
        )
        // tools-call-with-logging: three notifications/message during the call
        .tool(
            Tool::new("test_tool_with_logging", "Logs three messages while it runs.").handler(|call| {
                call.log(LogLevel::Info, "Tool execution started");
                sleep(Duration::from_millis(20));
                call.log(LogLevel::Info, "Tool processing data");
                sleep(Duration::from_millis(20));
                call.log(LogLevel::Info, "Tool execution completed");
                Ok("Tool with logging executed successfully".into())
            }),
        )
        // tools-call-with-progress: 0, 50, 100 of 100
        .tool(
            Tool::new("test_tool_with_progress", "Reports progress in three steps.").handler(|call| {
                for done in [0.0, 50.0, 100.0] {
                    if call.is_cancelled() {
                        return Err(ToolError::Cancelled);
                    }
                    call.progress(done, Some(100.0), Some(&format!("Completed step {done} of 100")));
                    sleep(Duration::from_millis(20));
                }
                Ok("Progress reported".into())
            }),
        )
        // tools-call-error
        .tool(
            Tool::new("test_error_handling", "Always fails.")
                .handler(|_| Err(ToolError::msg("This tool intentionally returns an error for testing"))),
        )
        // tools-call-sampling
        .tool(
            Tool::new("test_sampling", "Asks the client's model for a completion.")
                .param("prompt", "string", "The prompt to send to the LLM")
                .handler(|call| {
                    let prompt = call.str("prompt")?;
                    let answer = call.sample(json!({
                        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
                        "maxTokens": 100,
                    }))?;
                    let text = answer.pointer("/content/text").and_then(|t| t.as_str());
                    Ok(format!("LLM response: {}", text.unwrap_or("No response")).into())
                }),
        )
        // tools-call-elicitation
        .tool(
            Tool::new("test_elicitation", "Asks the user for a username and an email.")
                .param("message", "string", "The message to show the user")
                .handler(|call| {
                    let schema = json!({
                        "type": "object",
                        "properties": {
                            "username": {"type": "string", "description": "User's response"},
                            "email": {"type": "string", "description": "User's email address"},
                        },
                        "required": ["username", "email"],
                    });
                    let answer = call.elicit(call.str("message")?, schema)?;
                    let content = json!(answer.content.unwrap_or_default());
                    Ok(format!("User response: action={}, content={content}", answer.action).into())
                }),
        )
        // elicitation-sep1034-defaults
        .tool(
            Tool::new("test_elicitation_sep1034_defaults", "Elicits a form whose fields have defaults.").handler(
                |call| {
                    let schema = json!({
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "description": "User name", "default": "John Doe"},
                            "age": {"type": "integer", "description": "User age", "default": 30},
                            "score": {"type": "number", "description": "User score", "default": 95.5},
                            "status": {
                                "type": "string", "description": "User status",
                                "enum": ["active", "inactive", "pending"], "default": "active",
                            },
                            "verified": {"type": "boolean", "description": "Verification status", "default": true},
                        },
                        "required": [],
                    });
                    let answer = call.elicit("Please review and update the form fields with defaults", schema)?;
                    let content = json!(answer.content.unwrap_or_default());
                    Ok(format!("Elicitation completed: action={}, content={content}", answer.action).into())
                },
            ),
        )
        // elicitation-sep1330-enums
        .tool(
            Tool::new("test_elicitation_sep1330_enums", "Elicits every kind of enum field.").handler(|call| {
                let titled = |prefix: &str, titles: [&str; 3]| {
                    let options: Vec<_> = titles
                        .iter()
                        .enumerate()
                        .map(|(i, t)| json!({"const": format!("{prefix}{}", i + 1), "title": t}))
                        .collect();
                    json!(options)
                };
                let schema = json!({
                    "type": "object",
                    "properties": {
                        "untitledSingle": {
                            "type": "string", "description": "Pick one",
                            "enum": ["option1", "option2", "option3"],
                        },
                        "titledSingle": {
                            "type": "string", "description": "Pick one (titled)",
                            "oneOf": titled("value", ["First Option", "Second Option", "Third Option"]),
                        },
                        "legacyEnum": {
                            "type": "string", "description": "Pick one (legacy enumNames)",
                            "enum": ["opt1", "opt2", "opt3"],
                            "enumNames": ["Option One", "Option Two", "Option Three"],
                        },
                        "untitledMulti": {
                            "type": "array", "description": "Pick several", "minItems": 1, "maxItems": 3,
                            "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
                        },
                        "titledMulti": {
                            "type": "array", "description": "Pick several (titled)", "minItems": 1, "maxItems": 3,
                            "items": {"anyOf": titled("value", ["First Choice", "Second Choice", "Third Choice"])},
                        },
                    },
                    "required": [],
                });
                let answer = call.elicit("Please select options from the enum fields", schema)?;
                let content = json!(answer.content.unwrap_or_default());
                Ok(format!("Elicitation completed: action={}, content={content}", answer.action).into())
            }),
        )
        // json-schema-2020-12 (pending suite): the schema is listed verbatim,
        // with the 2020-12 keywords 2026-07-28 allows (SEP-2106) — `$ref`,
        // top-level `allOf`, `if`/`then`, which claude.ai would refuse, so
        // the server's client-compatibility rules are waived for this one.
        .tool(
            Tool::new("json_schema_2020_12_tool", "Takes a JSON Schema 2020-12 input.")
                .input_schema_verbatim(json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "type": "object",
                    "$defs": {
                        "address": {
                            "$anchor": "addressDef",
                            "type": "object",
                            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                        },
                    },
                    "properties": {
                        "name": {"type": "string"},
                        "address": {"$ref": "#/$defs/address"},
                        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                        "phone": {"type": "string"},
                        "email": {"type": "string"},
                    },
                    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
                    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
                    "then": {"required": ["phone"]},
                    "else": {"required": ["email"]},
                    "additionalProperties": false,
                }))
                .handler(|call| Ok(format!("Called with: {}", json!(call.arguments())).into())),
        )
}

/// An elicitation form with one required field.
fn form(field: &str, json_type: &str) -> serde_json::Value {
    json!({"type": "object", "properties": {field: {"type": json_type}}, "required": [field]})
}

/// A raw elicitation request: `message` and a one-field form.
fn elicitation(message: &str, field: &str, json_type: &str) -> serde_json::Value {
    json!({"message": message, "requestedSchema": form(field, json_type)})
}

/// A raw sampling request with one user message.
fn sampling(text: &str, max_tokens: u32) -> serde_json::Value {
    json!({"messages": [{"role": "user", "content": {"type": "text", "text": text}}], "maxTokens": max_tokens})
}

/// `content.<field>` of an accepted elicitation, as text.
fn answered(answer: &serde_json::Value, field: &str) -> String {
    match answer.pointer(&format!("/content/{field}")) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "unknown".to_string(),
    }
}

/// The MCP 2026-07-28 scenarios (`--spec-version 2026-07-28` of conformance
/// 0.2.0-alpha). The tools use the same API as all the others and work in both
/// eras: in 2026-07-28 their questions become `input_required` results, in
/// 2025-11-25 requests on the call's stream.
fn modern_tools(mcp: McpServer) -> McpServer {
    let notifier = mcp.notifier();
    let prompts_notifier = mcp.notifier();
    mcp
        // server-stateless: needs sampling, so a client without it gets -32021
        .tool(
            Tool::new(
                "test_missing_capability",
                "Asks the client's model for a word (needs sampling).",
            )
            .handler(|call| {
                let answer = call.sample(sampling("Say one word.", 10))?;
                let text = answer.pointer("/content/text").and_then(|t| t.as_str());
                Ok(format!("Success: {}", text.unwrap_or("")).into())
            }),
        )
        // server-stateless: a question, never a request on the stream
        .tool(
            Tool::new("test_streaming_elicitation", "Asks the user to confirm.").handler(|call| {
                let answer = call.elicit("Continue?", form("ok", "boolean"))?;
                Ok(format!("Confirmed: {}", answer.accepted()).into())
            }),
        )
        // server-stateless: logs, but only to a client that asked for a level
        .tool(
            Tool::new("test_logging_tool", "Logs three messages.").handler(|call| {
                for step in ["starting", "working", "done"] {
                    call.log(LogLevel::Info, format!("Logging tool: {step}"));
                }
                Ok("Logged three messages.".into())
            }),
        )
        // server-stateless: list changes announced on subscriptions/listen
        .tool(
            Tool::new(
                "test_trigger_tool_change",
                "Announces that the tool list changed.",
            )
            .handler(move |_| {
                notifier.tools_changed();
                Ok("Announced a tool list change.".into())
            }),
        )
        .tool(
            Tool::new(
                "test_trigger_prompt_change",
                "Announces that the prompt list changed.",
            )
            .handler(move |_| {
                prompts_notifier.prompts_changed();
                Ok("Announced a prompt list change.".into())
            }),
        )
        // input-required-result-basic-elicitation, -missing-input-response,
        // -result-type, -ignore-extra-params, -validate-input
        .tool(
            Tool::new(
                "test_input_required_result_elicitation",
                "Asks the user's name.",
            )
            .handler(|call| {
                let answer = call.ask(
                    "user_name",
                    "elicitation/create",
                    elicitation("What is your name?", "name", "string"),
                )?;
                Ok(format!("Hello, {}!", answered(&answer, "name")).into())
            }),
        )
        // input-required-result-basic-sampling
        .tool(
            Tool::new(
                "test_input_required_result_sampling",
                "Asks the client's model a question.",
            )
            .handler(|call| {
                let answer = call.ask(
                    "capital_question",
                    "sampling/createMessage",
                    sampling("What is the capital of France?", 100),
                )?;
                let text = answer.pointer("/content/text").and_then(|t| t.as_str());
                Ok(format!("The model said: {}", text.unwrap_or("")).into())
            }),
        )
        // input-required-result-basic-list-roots
        .tool(
            Tool::new(
                "test_input_required_result_list_roots",
                "Lists the client's roots.",
            )
            .handler(|call| {
                let answer = call.ask("client_roots", "roots/list", json!({}))?;
                let roots: Vec<String> = answer["roots"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["uri"].as_str().map(str::to_string))
                    .collect();
                Ok(format!("Roots: {}", roots.join(", ")).into())
            }),
        )
        // input-required-result-request-state
        .tool(
            Tool::new(
                "test_input_required_result_request_state",
                "Asks for a confirmation.",
            )
            .handler(|call| {
                let answer = call.ask(
                    "confirm",
                    "elicitation/create",
                    elicitation("Please confirm", "ok", "boolean"),
                )?;
                // Reaching here on a retry means the sealed requestState was verified.
                Ok(format!("state-ok: ok={}", answered(&answer, "ok")).into())
            }),
        )
        // input-required-result-multiple-input-requests: three questions, one round
        .tool(
            Tool::new(
                "test_input_required_result_multiple_inputs",
                "Asks three things at once.",
            )
            .handler(|call| {
                let name = call.ask(
                    "user_name",
                    "elicitation/create",
                    elicitation("What is your name?", "name", "string"),
                );
                let greeting = call.ask(
                    "greeting",
                    "sampling/createMessage",
                    sampling("Generate a greeting", 50),
                );
                let roots = call.ask("client_roots", "roots/list", json!({}));
                let (name, greeting, roots) = (name?, greeting?, roots?);
                let greeting = greeting
                    .pointer("/content/text")
                    .and_then(|t| t.as_str())
                    .unwrap_or("");
                let count = roots["roots"].as_array().map_or(0, Vec::len);
                Ok(format!("{greeting} {} ({count} roots)", answered(&name, "name")).into())
            }),
        )
        // input-required-result-multi-round: the second question only after the first answer
        .tool(
            Tool::new(
                "test_input_required_result_multi_round",
                "Asks two questions, one after the other.",
            )
            .handler(|call| {
                let name = call.ask(
                    "step1",
                    "elicitation/create",
                    elicitation("Step 1: What is your name?", "name", "string"),
                )?;
                let color = call.ask(
                    "step2",
                    "elicitation/create",
                    elicitation("Step 2: What is your favorite color?", "color", "string"),
                )?;
                Ok(format!(
                    "{} likes {}",
                    answered(&name, "name"),
                    answered(&color, "color")
                )
                .into())
            }),
        )
        // input-required-result-tampered-state
        .tool(
            Tool::new(
                "test_input_required_result_tampered_state",
                "Asks for an approval.",
            )
            .handler(|call| {
                let answer = call.ask(
                    "approval",
                    "elicitation/create",
                    elicitation("Approve?", "ok", "boolean"),
                )?;
                Ok(format!("Approved: {}", answered(&answer, "ok")).into())
            }),
        )
        // input-required-result-capability-check: asks only what the client can answer
        .tool(
            Tool::new(
                "test_input_required_result_capabilities",
                "Asks whatever the client can answer.",
            )
            .handler(|call| {
                let sampled = call.client_declares("sampling").then(|| {
                    call.ask(
                        "model_answer",
                        "sampling/createMessage",
                        sampling("Say hello", 20),
                    )
                });
                let elicited = call.client_declares("elicitation").then(|| {
                    call.ask(
                        "user_answer",
                        "elicitation/create",
                        elicitation("Say hello", "text", "string"),
                    )
                });
                let answers = [sampled.transpose()?, elicited.transpose()?];
                Ok(format!("{} answer(s)", answers.iter().flatten().count()).into())
            }),
        )
        // http-custom-header-server-validation (pending): a parameter mirrored in a header
        .tool(
            Tool::new(
                "test_mcp_param_header",
                "Echoes a region that gateways can route on.",
            )
            .param("region", "string", "A region, e.g. us-west1")
            .mirror_to_header("region", "Region")
            .handler(|call| Ok(format!("Region: {}", call.str("region")?).into())),
        )
        // input-required-result-non-tool-request
        .prompt(
            Prompt::new(
                "test_input_required_result_prompt",
                "A prompt that asks the user for context.",
            )
            .get(|req| {
                let answer = req.ask(
                    "user_context",
                    "elicitation/create",
                    elicitation("What context should the prompt use?", "context", "string"),
                )?;
                Ok(vec![PromptMessage::user(format!(
                    "Prompt with context: {}",
                    answered(&answer, "context")
                ))])
            }),
        )
}

fn resources(mcp: McpServer) -> McpServer {
    mcp
        // resources-read-text
        .resource(
            Resource::new("test://static-text", "static-text")
                .title("Static Text Resource")
                .description("A fixed text resource")
                .mime_type("text/plain")
                .read(|req| {
                    Ok(ResourceContents::text(
                        req.uri,
                        "text/plain",
                        "This is the content of the static text resource.",
                    ))
                }),
        )
        // resources-read-binary
        .resource(
            Resource::new("test://static-binary", "static-binary")
                .title("Static Binary Resource")
                .description("A fixed PNG image")
                .mime_type("image/png")
                .read(|req| Ok(ResourceContents::blob(req.uri, "image/png", PNG))),
        )
        // resources-subscribe, resources-unsubscribe
        .resource(
            Resource::new("test://watched-resource", "watched-resource")
                .description("A resource clients may subscribe to")
                .mime_type("text/plain")
                .read(|req| Ok(ResourceContents::text(req.uri, "text/plain", "Watched resource content"))),
        )
        // resources-templates-read
        .resource_template(
            ResourceTemplate::new("test://template/{id}/data", "template")
                .title("Resource Template")
                .description("Data for any id")
                .mime_type("application/json")
                .read(|req| {
                    let id = req.var("id").unwrap_or_default();
                    let body = json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
                    Ok(ResourceContents::text(req.uri, "application/json", body.to_string()))
                }),
        )
}

fn prompts(mcp: McpServer) -> McpServer {
    mcp
        // prompts-get-simple
        .prompt(
            Prompt::new("test_simple_prompt", "A prompt without arguments").get(|_| {
                Ok(vec![PromptMessage::user(
                    "This is a simple prompt for testing.",
                )])
            }),
        )
        // prompts-get-with-args, completion-complete
        .prompt(
            Prompt::new(
                "test_prompt_with_arguments",
                "A prompt with two required arguments",
            )
            .argument("arg1", "First test argument")
            .argument("arg2", "Second test argument")
            .complete("arg1", |typed, _| {
                ["test", "testing", "tested", "value"]
                    .iter()
                    .filter(|v| v.starts_with(typed))
                    .map(|v| v.to_string())
                    .collect()
            })
            .get(|req| {
                let (arg1, arg2) = (req.str("arg1")?, req.str("arg2")?);
                Ok(vec![PromptMessage::user(format!(
                    "Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"
                ))])
            }),
        )
        // prompts-get-embedded-resource
        .prompt(
            Prompt::new(
                "test_prompt_with_embedded_resource",
                "A prompt that embeds a resource",
            )
            .argument("resourceUri", "URI of the resource to embed")
            .get(|req| {
                let uri = req.str("resourceUri")?;
                Ok(vec![
                    PromptMessage::user(Content::resource(ResourceContents::text(
                        uri,
                        "text/plain",
                        "Embedded resource content for testing.",
                    ))),
                    PromptMessage::user("Please process the embedded resource above."),
                ])
            }),
        )
        // prompts-get-with-image
        .prompt(
            Prompt::new("test_prompt_with_image", "A prompt with an image").get(|_| {
                Ok(vec![
                    PromptMessage::user(Content::image(PNG, "image/png")),
                    PromptMessage::user("Please analyze the image above."),
                ])
            }),
        )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mcp = McpServer::new("remote-mcp-everything")
        .instructions("Conformance test server: every MCP feature in one place.")
        .announce_list_changes();
    let mcp = modern_tools(prompts(resources(tools(mcp))));
    let server = App::new(mcp)
        .config(Config::from_env()?)
        .without_auth()
        .start()?;
    println!("MCP endpoint: {}/mcp", server.local_url());
    server.wait()
}
