//! **[28–29](crate::_documentation::flow) Tool calls — the tools themselves.**
//! MCP 2025-11-25 `server/tools`: a [`Tool`] is a name, a description, a JSON
//! Schema for its arguments and a handler; `tools/list` shows the first three,
//! `tools/call` runs the handler with a [`ToolCall`] and sends back its
//! [`ToolResult`].
//!
//! ```
//! use remote_mcp::mcp::schema::{Param, Type};
//! use remote_mcp::{McpServer, Tool, ToolCall, ToolError, ToolResult};
//! use serde::{Deserialize, Serialize};
//!
//! /// The arguments, as the `arg`s below declare them.
//! #[derive(Deserialize)]
//! struct Forecast { city: String, days: Option<u32> }
//!
//! /// The result: `structuredContent`, and its JSON as text.
//! #[derive(Serialize)]
//! struct Weather { city: String, days: u32, outlook: Vec<String> }
//!
//! /// The service's state, given once to the server.
//! struct Sky { outlook: String }
//!
//! fn forecast(sky: &Sky, call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
//!     let Forecast { city, days } = call.args()?;
//!     let days = days.unwrap_or(1);
//!     ToolResult::json(&Weather { city, days, outlook: vec![sky.outlook.clone(); days as usize] })
//! }
//!
//! let mcp = McpServer::new("weather")
//!     .with_state(Sky { outlook: "sunny".into() })
//!     .tool(
//!         Tool::new("forecast", "The forecast for a city.")
//!             .arg(Param::string("city", "City name, e.g. Lisbon"))
//!             .arg(Param::integer("days", "How many days").range(1, 7).default(1))
//!             .returns(Param::string("city", "The city"))
//!             .returns(Param::integer("days", "Days forecast"))
//!             .returns(Param::array("outlook", Type::String, "One word per day"))
//!             .read_only()
//!             .handler_with_state(forecast),
//!     );
//! # let _ = mcp;
//! ```
//!
//! # Typed arguments, typed results, state
//! * Parameters are declared with [`Param`] ([`Tool::arg`]): a
//!   [`Type`] (never a string), a description, and what the model must know —
//!   optional, range, allowed values, default. The server lists them as JSON
//!   Schema and **checks every call against it before the handler runs**:
//!   missing, mistyped, out-of-range or unknown arguments all come back in one
//!   `isError` result the model can act on ([`super::schema::validate`]).
//! * [`ToolCall::args`] reads the arguments as any `T: serde::Deserialize`;
//!   `Option<T>` fields are the optional parameters.
//! * [`ToolResult::json`] turns any `T: Serialize` into `structuredContent`
//!   plus its JSON text. A tool that declares an output schema
//!   ([`Tool::returns`], [`Tool::output_schema`]) must return conforming
//!   structured content: anything else is logged as the author's bug and
//!   answered with a JSON-RPC internal error, never a malformed result.
//! * [`crate::McpServer::with_state`] gives the state once;
//!   [`Tool::handler_with_state`] hands it to a plain `fn` by reference.
//! * `?` works on any `std::error::Error` and on `String`/`&str` messages.
//! * A definition some client would refuse — a bad tool name, a parameter
//!   declared twice, a schema with a top-level `anyOf`, `null` types, `$ref`,
//!   another dialect than 2020-12, over 16 KiB — stops the server at start-up
//!   with the tool's name and the rule ([`crate::McpServer::tool`]).
//!
//! # Errors are results
//! A handler that returns `Err` — including arguments serde refuses in
//! [`ToolCall::args`], or a missing or mistyped argument read through
//! [`ToolCall::str`] and friends — produces a normal result with
//! `isError: true` and a text naming the problem (2025-11-25 `server/tools#error-handling`,
//! SEP-1303): the model reads it and can retry. Only an unknown tool name or
//! malformed `tools/call` params are JSON-RPC errors (`-32602`).
//!
//! # The call's context
//! Besides its arguments, a [`ToolCall`] gives the handler the caller's
//! [`Identity`], progress notifications, log messages, cancellation, and
//! questions to the client (elicitation; sampling and roots, deprecated). Each
//! notification switches the HTTP response to an SSE stream, flushed event by
//! event ([`crate::mcp::transport`]).
//!
//! The same handler serves both protocol eras. Questions to the client are the
//! one place where the eras differ visibly: in 2025-11-25 and earlier they are
//! requests on the call's stream and the handler waits for the answer; in
//! 2026-07-28 the call ends with an interim `input_required` result and the
//! handler runs again, from the top, when the client retries with the answers
//! ([`crate::mcp::mrtr`]). Use `?` on [`ToolCall::elicit`] and the handler
//! needs no other change; do side effects after the questions.
//!
//! # Where this sits
//! Registered with [`crate::McpServer::tool`]; called by [`crate::mcp::dispatch`].

use std::any::{Any, TypeId};
use std::cell::Cell;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use serde_json::{Map, Value, json};

use super::content::{Content, ResourceContents};
use super::dispatch::Exchange;
use super::jsonrpc;
use super::logging::LogLevel;
use super::mrtr::{AskError, ClientInput, Round};
use super::schema::{self, Param, Type};
use super::session::CallGuard;
use crate::identity::Identity;

/// The function that runs a tool.
pub type ToolHandler = Box<dyn Fn(&ToolCall<'_>) -> Result<ToolResult, ToolError> + Send + Sync>;

/// One tool: what `tools/list` shows and the handler `tools/call` runs.
pub struct Tool {
    pub(crate) name: String,
    title: Option<String>,
    description: String,
    input_schema: Value,
    output_schema: Option<Value>,
    annotations: Map<String, Value>,
    pub(crate) handler: ToolHandler,
    /// Mistakes found while building (a duplicate parameter, an unknown type
    /// name): [`crate::McpServer::tool`] refuses the tool with them.
    pub(crate) problems: Vec<String>,
    /// The state type a [`Tool::handler_with_state`] handler needs.
    pub(crate) state_type: Option<(TypeId, &'static str)>,
    /// Set by [`Tool::input_schema_verbatim`]: the client-compatibility rules
    /// are not applied to the input schema.
    pub(crate) verbatim: bool,
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Tool {
    /// A tool with no parameters and a handler that reports it has none yet.
    ///
    /// Names should be 1–128 characters of `A-Z a-z 0-9 _ - .` (2025-11-25 SEP-986);
    /// claude.ai's directory asks for at most 64.
    pub fn new(name: &str, description: &str) -> Tool {
        let missing = name.to_string();
        Tool {
            name: name.to_string(),
            title: None,
            description: description.to_string(),
            // The spec's schema for "no parameters" (2025-11-25 `server/tools#tool`).
            input_schema: json!({"type": "object", "additionalProperties": false}),
            output_schema: None,
            annotations: Map::new(),
            handler: Box::new(move |_| {
                Err(ToolError::Failed(format!(
                    "Tool `{missing}` has no handler."
                )))
            }),
            problems: Vec::new(),
            state_type: None,
            verbatim: false,
        }
    }

    /// Adds a parameter built with [`Param`]: a [`Type`],
    /// a description, and refinements (optional, range, allowed values,
    /// default). Declaring the same name twice is refused when the server is
    /// built.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use remote_mcp::Tool;
    ///
    /// let tool = Tool::new("list_notes", "Lists notes.")
    ///     .arg(Param::string("tag", "Only notes with this tag").optional())
    ///     .arg(Param::integer("limit", "At most this many").range(1, 100).default(20));
    /// assert_eq!(tool.to_json()["inputSchema"]["properties"]["limit"]["minimum"], 1);
    /// ```
    pub fn arg(mut self, param: Param) -> Tool {
        if let Err(why) = schema::add_param(&mut self.input_schema, param) {
            self.problems.push(why);
        }
        self
    }

    /// Adds a field to the output schema, built like a parameter ([`Param`]):
    /// the tool then declares `outputSchema`, and every result it returns
    /// must carry conforming `structuredContent` ([`ToolResult::json`]).
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Param;
    /// use remote_mcp::Tool;
    ///
    /// let tool = Tool::new("add_note", "Adds a note.")
    ///     .arg(Param::string("title", "The title"))
    ///     .returns(Param::integer("id", "The new note's id"));
    /// assert_eq!(tool.to_json()["outputSchema"]["required"], serde_json::json!(["id"]));
    /// ```
    pub fn returns(mut self, field: Param) -> Tool {
        let output = self
            .output_schema
            .get_or_insert_with(|| json!({"type": "object"}));
        if let Err(why) = schema::add_param(output, field) {
            self.problems.push(format!("output: {why}"));
        }
        self
    }

    /// Adds a required parameter: `json_type` is a JSON Schema type
    /// (`"string"`, `"integer"`, `"number"`, `"boolean"`, `"array"`, `"object"`).
    /// The older, untyped form of [`Tool::arg`]: a misspelt type is only
    /// found when the server is built.
    ///
    /// ```
    /// use remote_mcp::Tool;
    /// let tool = Tool::new("find", "Finds.").param("query", "string", "What to find");
    /// assert_eq!(tool.to_json()["inputSchema"]["required"][0], "query");
    /// ```
    pub fn param(self, name: &str, json_type: &str, description: &str) -> Tool {
        self.add_param(name, json_type, description, true)
    }

    /// Adds an optional parameter (see [`Tool::param`]).
    ///
    /// ```
    /// use remote_mcp::Tool;
    /// let tool = Tool::new("find", "Finds.").optional_param("page", "integer", "Page number");
    /// assert!(tool.to_json()["inputSchema"].get("required").is_none());
    /// ```
    pub fn optional_param(self, name: &str, json_type: &str, description: &str) -> Tool {
        self.add_param(name, json_type, description, false)
    }

    fn add_param(self, name: &str, json_type: &str, description: &str, required: bool) -> Tool {
        let Some(ty) = Type::from_name(json_type) else {
            let mut tool = self;
            tool.problems.push(format!(
                "parameter `{name}` has the unknown type \"{json_type}\" (use remote_mcp::mcp::schema::Type)"
            ));
            return tool;
        };
        // The old form says nothing about an array's items: any array.
        let param = Param::new(name, ty, description).any_items();
        self.arg(if required { param } else { param.optional() })
    }

    /// The input schema generated from the arguments' type `T` (feature
    /// `schemars`): the parameter names are written once, in the struct that
    /// [`ToolCall::args`] reads. Doc comments become descriptions; `Option`
    /// fields are optional; `#[serde(deny_unknown_fields)]` refuses extra
    /// arguments. See [`schema::from_type`].
    ///
    /// ```
    /// # #[cfg(feature = "schemars")] {
    /// use remote_mcp::{McpServer, Tool};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// #[serde(deny_unknown_fields)]
    /// struct AddNote {
    ///     /// The note's title.
    ///     title: String,
    ///     /// Tags to file it under.
    ///     tags: Option<Vec<String>>,
    /// }
    ///
    /// let tool = Tool::new("add_note", "Adds a note.").input::<AddNote>().handler(|call| {
    ///     let AddNote { title, tags } = call.args()?;
    ///     Ok(format!("{title} {:?}", tags.unwrap_or_default()).into())
    /// });
    /// assert_eq!(tool.to_json()["inputSchema"]["additionalProperties"], false);
    /// # let _ = McpServer::new("notes").tool(tool);
    /// # }
    /// ```
    #[cfg(feature = "schemars")]
    pub fn input<T: schemars::JsonSchema>(mut self) -> Tool {
        match schema::from_type::<T>() {
            Ok(s) => self.input_schema = s,
            Err(why) => self.problems.push(format!(
                "input type `{}`: {why}",
                std::any::type_name::<T>()
            )),
        }
        self
    }

    /// The output schema generated from the result's type `T` (feature
    /// `schemars`); answer with [`ToolResult::json`] of a `T`.
    ///
    /// ```
    /// # #[cfg(feature = "schemars")] {
    /// use remote_mcp::{Tool, ToolResult};
    ///
    /// #[derive(serde::Serialize, schemars::JsonSchema)]
    /// struct Added { id: u64 }
    ///
    /// let tool = Tool::new("add", "Adds.").output::<Added>().handler(|_| ToolResult::json(&Added { id: 1 }));
    /// assert_eq!(tool.to_json()["outputSchema"]["properties"]["id"]["type"], "integer");
    /// # }
    /// ```
    #[cfg(feature = "schemars")]
    pub fn output<T: schemars::JsonSchema>(mut self) -> Tool {
        match schema::from_type::<T>() {
            Ok(s) => self.output_schema = Some(s),
            Err(why) => self.problems.push(format!(
                "output type `{}`: {why}",
                std::any::type_name::<T>()
            )),
        }
        self
    }

    /// Asks clients to repeat parameter `param` in the HTTP header
    /// `Mcp-Param-{header}` (2026-07-28 `x-mcp-header`), so that a gateway can
    /// route on it without reading the body; the server checks that the header
    /// and the argument agree. Only for string, integer and boolean parameters,
    /// and never for secrets: headers are seen by every proxy on the way.
    /// `param` must already be declared ([`Tool::param`]); otherwise nothing changes.
    ///
    /// ```
    /// use remote_mcp::Tool;
    /// let tool = Tool::new("query", "Runs a query in a region.")
    ///     .param("region", "string", "Where to run it")
    ///     .mirror_to_header("region", "Region");
    /// assert_eq!(tool.to_json()["inputSchema"]["properties"]["region"]["x-mcp-header"], "Region");
    /// ```
    pub fn mirror_to_header(mut self, param: &str, header: &str) -> Tool {
        if let Some(p) = self
            .input_schema
            .get_mut("properties")
            .and_then(|p| p.get_mut(param))
            .and_then(Value::as_object_mut)
        {
            p.insert("x-mcp-header".into(), header.into());
        }
        self
    }

    /// Replaces the whole input schema, kept verbatim (e.g. with `$schema`,
    /// `$defs`, `additionalProperties`). It must be an object schema.
    pub fn input_schema(mut self, schema: Value) -> Tool {
        self.input_schema = schema;
        self
    }

    /// Replaces the whole input schema, listed exactly as given and exempt
    /// from the client-compatibility rules of [`schema::check`] (only
    /// `"type": "object"` is still required): top-level `allOf`, `$ref`,
    /// `if`/`then`… pass. For clients you know read full JSON Schema 2020-12,
    /// such as the MCP conformance suite; claude.ai may refuse or silently
    /// drop such a tool. Arguments are still validated, with the keywords
    /// [`schema::validate`] knows.
    ///
    /// ```
    /// use remote_mcp::{McpServer, Tool};
    /// let tool = Tool::new("either", "Takes a phone or an email.").input_schema_verbatim(serde_json::json!({
    ///     "type": "object",
    ///     "properties": {"phone": {"type": "string"}, "email": {"type": "string"}},
    ///     "anyOf": [{"required": ["phone"]}, {"required": ["email"]}]
    /// }));
    /// let _ = McpServer::new("s").tool(tool); // accepted
    /// ```
    pub fn input_schema_verbatim(mut self, schema: Value) -> Tool {
        self.input_schema = schema;
        self.verbatim = true;
        self
    }

    /// Declares the shape of `structuredContent` (2025-06-18+). A tool with an
    /// output schema should answer with [`ToolResult::structured`].
    pub fn output_schema(mut self, schema: Value) -> Tool {
        self.output_schema = Some(schema);
        self
    }

    /// A human-readable title (shown instead of the name by clients that can).
    pub fn title(mut self, title: &str) -> Tool {
        self.title = Some(title.to_string());
        self.annotations.insert("title".into(), title.into());
        self
    }

    /// Annotation `readOnlyHint: true`: the tool changes nothing.
    pub fn read_only(self) -> Tool {
        self.annotation("readOnlyHint", true)
    }

    /// Annotation `destructiveHint` (meaningful when not read-only).
    pub fn destructive(self, destructive: bool) -> Tool {
        self.annotation("destructiveHint", destructive)
    }

    /// Annotation `idempotentHint`: calling twice with the same arguments does no more.
    pub fn idempotent(self, idempotent: bool) -> Tool {
        self.annotation("idempotentHint", idempotent)
    }

    /// Annotation `openWorldHint`: the tool talks to the outside world.
    pub fn open_world(self, open_world: bool) -> Tool {
        self.annotation("openWorldHint", open_world)
    }

    fn annotation(mut self, key: &str, value: bool) -> Tool {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// The function run by `tools/call`.
    pub fn handler(
        mut self,
        handler: impl Fn(&ToolCall<'_>) -> Result<ToolResult, ToolError> + Send + Sync + 'static,
    ) -> Tool {
        self.handler = Box::new(handler);
        self
    }

    /// The function run by `tools/call`, given the server's state as well:
    /// the value passed once to [`crate::McpServer::with_state`], so that
    /// every handler shares it without a clone. A plain `fn` works.
    ///
    /// The server refuses to start if its state is not an `S`; a server
    /// given no state at all answers each call of this tool with a failed
    /// result saying so.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use remote_mcp::{McpServer, Tool, ToolCall, ToolError, ToolResult};
    ///
    /// struct Counter(Mutex<u64>);
    ///
    /// fn bump(counter: &Counter, _call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    ///     let mut n = counter.0.lock().map_err(|_| "the counter is poisoned")?;
    ///     *n += 1;
    ///     Ok(format!("{n}").into())
    /// }
    ///
    /// let mcp = McpServer::new("counter")
    ///     .with_state(Counter(Mutex::new(0)))
    ///     .tool(Tool::new("bump", "Adds one.").handler_with_state(bump));
    /// # let _ = mcp;
    /// ```
    pub fn handler_with_state<S: Any + Send + Sync>(
        mut self,
        handler: impl Fn(&S, &ToolCall<'_>) -> Result<ToolResult, ToolError> + Send + Sync + 'static,
    ) -> Tool {
        self.state_type = Some((TypeId::of::<S>(), std::any::type_name::<S>()));
        self.handler = Box::new(move |call| {
            let state = call
                .exchange
                .server
                .user_state
                .as_deref()
                .and_then(|s| s.downcast_ref::<S>())
                // Checked when the server was built (McpServer::tool).
                .ok_or_else(|| {
                    ToolError::msg("The server has no state of the type this tool needs.")
                })?;
            handler(state, call)
        });
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input schema, as listed.
    pub(crate) fn schema(&self) -> &Value {
        &self.input_schema
    }

    /// The output schema, if the tool declares one.
    pub(crate) fn declared_output(&self) -> Option<&Value> {
        self.output_schema.as_ref()
    }

    /// The tool as `tools/list` shows it.
    pub fn to_json(&self) -> Value {
        let mut t = Map::new();
        t.insert("name".into(), self.name.as_str().into());
        if let Some(title) = &self.title {
            t.insert("title".into(), title.as_str().into());
        }
        t.insert("description".into(), self.description.as_str().into());
        t.insert("inputSchema".into(), self.input_schema.clone());
        if let Some(o) = &self.output_schema {
            t.insert("outputSchema".into(), o.clone());
        }
        if !self.annotations.is_empty() {
            t.insert(
                "annotations".into(),
                Value::Object(self.annotations.clone()),
            );
        }
        Value::Object(t)
    }
}

/// What a tool sends back: content blocks, optional structured content, and
/// whether it is an error. Built from a `String`/`&str` (one text block) or
/// with the constructors.
///
/// ```
/// use remote_mcp::mcp::{Content, ToolResult};
/// let plain: ToolResult = "done".into();
/// let both = ToolResult::text("Here is the chart:").with(Content::image(vec![0x89, b'P'], "image/png"));
/// assert_eq!(both.to_json()["content"][1]["type"], "image");
/// # let _ = plain;
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    /// The content blocks, in order.
    pub content: Vec<Content>,
    /// `structuredContent`, for tools with an output schema.
    pub structured_content: Option<Value>,
    /// `isError`: the tool ran but failed.
    pub is_error: bool,
}

impl ToolResult {
    /// One text block.
    pub fn text(text: impl Into<String>) -> ToolResult {
        ToolResult::mixed(vec![Content::text(text)])
    }

    /// One image block from raw bytes.
    pub fn image(data: impl Into<Vec<u8>>, mime_type: &str) -> ToolResult {
        ToolResult::mixed(vec![Content::image(data, mime_type)])
    }

    /// One audio block from raw bytes.
    pub fn audio(data: impl Into<Vec<u8>>, mime_type: &str) -> ToolResult {
        ToolResult::mixed(vec![Content::audio(data, mime_type)])
    }

    /// One embedded resource.
    pub fn resource(contents: ResourceContents) -> ToolResult {
        ToolResult::mixed(vec![Content::resource(contents)])
    }

    /// One link to a resource.
    pub fn resource_link(uri: &str, name: &str) -> ToolResult {
        ToolResult::mixed(vec![Content::resource_link(uri, name)])
    }

    /// Structured content, plus its JSON text as a text block for clients that
    /// read only `content` (2025-06-18 `server/tools#structured-content`: SHOULD).
    pub fn structured(value: Value) -> ToolResult {
        ToolResult {
            content: vec![Content::text(value.to_string())],
            structured_content: Some(value),
            is_error: false,
        }
    }

    /// A typed result: `value` serialized as `structuredContent`, plus the same
    /// JSON as a text block for clients that read only `content`. It must
    /// serialize to a JSON object (MCP `CallToolResult.structuredContent`):
    /// return a struct, not a bare list or number. Fields that serialize to
    /// `null` (a `None`) are left out, as an optional property is in the
    /// output schema: clients validate `structuredContent` against it, and
    /// `null` is not a `"string"`.
    ///
    /// ```
    /// use remote_mcp::ToolResult;
    /// #[derive(serde::Serialize)]
    /// struct Added { id: u64, title: String, due: Option<String> }
    ///
    /// let result = ToolResult::json(&Added { id: 7, title: "Milk".into(), due: None })?;
    /// assert_eq!(result.to_json()["structuredContent"]["id"], 7);
    /// assert_eq!(result.to_json()["content"][0]["text"], r#"{"id":7,"title":"Milk"}"#);
    /// # Ok::<(), remote_mcp::ToolError>(())
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<ToolResult, ToolError> {
        match serde_json::to_value(value)? {
            mut v @ Value::Object(_) => {
                drop_null_fields(&mut v);
                Ok(ToolResult::structured(v))
            }
            other => Err(ToolError::msg(format!(
                "A structured result must be a JSON object, not {}; wrap it in a struct.",
                match other {
                    Value::Array(_) => "an array",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    Value::Bool(_) => "a boolean",
                    _ => "null",
                }
            ))),
        }
    }

    /// Several blocks of any kind.
    pub fn mixed(content: Vec<Content>) -> ToolResult {
        ToolResult {
            content,
            structured_content: None,
            is_error: false,
        }
    }

    /// A failed result (`isError: true`) with this text. Returning
    /// `Err(ToolError)` from a handler gives the same.
    pub fn error(text: impl Into<String>) -> ToolResult {
        ToolResult {
            is_error: true,
            ..ToolResult::text(text)
        }
    }

    /// Attaches `value` as `structuredContent`, keeping the blocks already
    /// there (builder style): a text written for the model plus the same data
    /// for programs, e.g. `ToolResult::text(summary).with_structured(data)`.
    pub fn with_structured(mut self, value: Value) -> ToolResult {
        self.structured_content = Some(value);
        self
    }

    /// Appends a block (builder style).
    pub fn with(mut self, content: Content) -> ToolResult {
        self.content.push(content);
        self
    }

    /// The `CallToolResult` on the wire.
    pub fn to_json(&self) -> Value {
        let mut r = Map::new();
        r.insert(
            "content".into(),
            Value::Array(self.content.iter().map(Content::to_json).collect()),
        );
        if let Some(s) = &self.structured_content {
            r.insert("structuredContent".into(), s.clone());
        }
        // Optional in the schema (default false); always sent, so a reader of
        // the wire never has to remember the default.
        r.insert("isError".into(), self.is_error.into());
        Value::Object(r)
    }
}

/// Removes the `null` members of every object inside `value`.
fn drop_null_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_null_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_fields),
        _ => {}
    }
}

impl From<String> for ToolResult {
    fn from(text: String) -> ToolResult {
        ToolResult::text(text)
    }
}

impl From<&str> for ToolResult {
    fn from(text: &str) -> ToolResult {
        ToolResult::text(text)
    }
}

/// Why a tool call did not produce its result. Each one becomes a result with
/// `isError: true` whose text is this error's `Display` — except
/// [`ToolError::Cancelled`], after which nothing is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolError {
    /// A required argument is absent (or `null`).
    MissingArgument(String),
    /// An argument has the wrong JSON type.
    WrongType {
        /// The argument's name.
        argument: String,
        /// What it should have been, e.g. `"a string"`.
        expected: &'static str,
    },
    /// The tool failed; the text is shown to the model.
    Failed(String),
    /// The client cancelled the call (`notifications/cancelled`).
    Cancelled,
    /// A request to the client (elicitation, sampling) failed, timed out, or
    /// the client does not support it.
    Client(String),
    /// MCP 2026-07-28: the client has not answered a question yet. Return it
    /// (with `?`): the call then ends with an `input_required` result, and the
    /// handler runs again when the client retries with the answer
    /// ([`crate::mcp::mrtr`]). Never happens in the legacy era.
    InputRequired,
}

impl ToolError {
    /// A failure with this message: `Err(ToolError::msg(e))`.
    pub fn msg(message: impl fmt::Display) -> ToolError {
        ToolError::Failed(message.to_string())
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::MissingArgument(a) => write!(f, "Missing required argument `{a}`."),
            ToolError::WrongType { argument, expected } => {
                write!(f, "Argument `{argument}` must be {expected}.")
            }
            ToolError::Failed(m) | ToolError::Client(m) => f.write_str(m),
            ToolError::Cancelled => f.write_str("The call was cancelled."),
            ToolError::InputRequired => f.write_str("Waiting for the client's input."),
        }
    }
}

/// `?` works on every error type (any `std::error::Error + Send + Sync`),
/// and on a `String` or `&str` message: its `Display` text becomes the failed
/// result's text, which the model reads. (So `ToolError` itself is not a
/// `std::error::Error`, as with `anyhow::Error`.)
///
/// ```
/// use remote_mcp::{ToolCall, ToolError, ToolResult};
/// fn read_config(_call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
///     let n: u32 = "12x".parse()?; // ParseIntError → isError result
///     let half = n.checked_div(2).ok_or("nothing to halve")?; // &str too
///     Ok(format!("{half}").into())
/// }
/// ```
impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> From<E> for ToolError {
    fn from(e: E) -> ToolError {
        ToolError::Failed(e.into().to_string())
    }
}

impl From<AskError> for ToolError {
    fn from(e: AskError) -> ToolError {
        match e {
            AskError::InputRequired => ToolError::InputRequired,
            AskError::Cancelled => ToolError::Cancelled,
            AskError::Client(m) => ToolError::Client(m),
        }
    }
}

/// The user's answer to [`ToolCall::elicit`] (`ElicitResult`).
#[derive(Debug, Clone, PartialEq)]
pub struct Elicitation {
    /// `"accept"`, `"decline"` or `"cancel"`.
    pub action: String,
    /// The submitted form when accepted.
    pub content: Option<Map<String, Value>>,
}

impl Elicitation {
    /// Whether the user submitted the form.
    pub fn accepted(&self) -> bool {
        self.action == "accept"
    }
}

/// The user's answer to a typed question ([`ToolCall::elicit_form`]): the
/// three actions of `ElicitResult`, the form's content read as the author's
/// own type.
///
/// ```
/// use remote_mcp::mcp::Answer;
/// let answer: Answer<String> = Answer::Accept("Ada".into());
/// match answer {
///     Answer::Accept(name) => assert_eq!(name, "Ada"),
///     Answer::Decline | Answer::Cancel => unreachable!(),
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<T> {
    /// The user submitted the form (`"accept"`), with this content.
    Accept(T),
    /// The user said no (`"decline"`).
    Decline,
    /// The user dismissed the question without choosing (`"cancel"`).
    Cancel,
}

/// One running `tools/call`: the arguments and the call's context. Handlers get
/// it by reference.
pub struct ToolCall<'a> {
    pub(crate) name: &'a str,
    pub(crate) arguments: &'a Map<String, Value>,
    pub(crate) progress_token: Option<Value>,
    pub(crate) exchange: &'a Exchange<'a>,
    pub(crate) guard: &'a CallGuard<'a>,
    pub(crate) round: Option<&'a Round>,
    pub(crate) last_progress: Cell<Option<f64>>,
}

impl<'a> ToolCall<'a> {
    /// The tool's name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// All arguments as sent.
    pub fn arguments(&self) -> &Map<String, Value> {
        self.arguments
    }

    /// The arguments as the author's own type, any `T: serde::Deserialize`
    /// (with serde's derive in your crate). The server already checked them
    /// against the tool's input schema; what serde still refuses becomes a
    /// failed result naming the problem.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Param;
    /// use remote_mcp::{McpServer, Tool};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Search { query: String, limit: Option<u32> }
    ///
    /// let tool = Tool::new("search", "Searches.")
    ///     .arg(Param::string("query", "What to look for"))
    ///     .arg(Param::integer("limit", "At most this many").range(1, 50).optional())
    ///     .handler(|call| {
    ///         let Search { query, limit } = call.args()?;
    ///         Ok(format!("{} results for {query}", limit.unwrap_or(10)).into())
    ///     });
    /// # let _ = McpServer::new("s").tool(tool);
    /// ```
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, ToolError> {
        // `null` counts as absent, as for the typed getters below.
        let present: Map<String, Value> = self
            .arguments
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::from_value(Value::Object(present))
            .map_err(|e| ToolError::Failed(format!("Invalid arguments: {e}.")))
    }

    /// Argument `name`; `null` counts as absent.
    pub fn opt_value(&self, name: &str) -> Option<&Value> {
        self.arguments.get(name).filter(|v| !v.is_null())
    }

    /// Argument `name`, required.
    pub fn value(&self, name: &str) -> Result<&Value, ToolError> {
        self.opt_value(name)
            .ok_or_else(|| ToolError::MissingArgument(name.to_string()))
    }

    fn typed<T>(
        &self,
        name: &str,
        expected: &'static str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, ToolError>
    where
        T: 'a,
    {
        match self.arguments.get(name).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => read(v).map(Some).ok_or_else(|| ToolError::WrongType {
                argument: name.to_string(),
                expected,
            }),
        }
    }

    fn required<T>(&self, name: &str, value: Result<Option<T>, ToolError>) -> Result<T, ToolError> {
        value?.ok_or_else(|| ToolError::MissingArgument(name.to_string()))
    }

    /// Optional string argument.
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, ToolError> {
        self.typed(name, "a string", Value::as_str)
    }

    /// Required string argument.
    pub fn str(&self, name: &str) -> Result<&'a str, ToolError> {
        self.required(name, self.opt_str(name))
    }

    /// Optional integer argument (`3` and `3.0` are both 3).
    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, ToolError> {
        self.typed(name, "an integer", |v| {
            v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
        })
    }

    /// Required integer argument.
    pub fn i64(&self, name: &str) -> Result<i64, ToolError> {
        self.required(name, self.opt_i64(name))
    }

    /// Optional number argument.
    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>, ToolError> {
        self.typed(name, "a number", Value::as_f64)
    }

    /// Required number argument.
    pub fn f64(&self, name: &str) -> Result<f64, ToolError> {
        self.required(name, self.opt_f64(name))
    }

    /// Optional boolean argument.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, ToolError> {
        self.typed(name, "a boolean", Value::as_bool)
    }

    /// Required boolean argument.
    pub fn bool(&self, name: &str) -> Result<bool, ToolError> {
        self.required(name, self.opt_bool(name))
    }

    /// Who is calling, as decided by the auth hook ([`crate::auth`]); `None`
    /// when the server runs without authorization.
    pub fn caller(&self) -> Option<&Identity> {
        self.exchange.caller
    }

    /// The protocol revision this call is served with, e.g. `"2026-07-28"` or `"2025-11-25"`.
    pub fn protocol_version(&self) -> &'static str {
        self.exchange.version
    }

    /// Whether the client cancelled this call. Long tools should check it
    /// between steps and return `Err(ToolError::Cancelled)`.
    pub fn is_cancelled(&self) -> bool {
        self.guard.is_cancelled()
    }

    /// Reports progress (`notifications/progress`). Sent only when the client
    /// asked for progress (`_meta.progressToken`), and only when `done` is
    /// greater than the last value sent (the spec requires it to increase).
    pub fn progress(&self, done: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        if self.last_progress.get().is_some_and(|last| done <= last) {
            return;
        }
        self.last_progress.set(Some(done));
        let mut params = Map::new();
        params.insert("progressToken".into(), token.clone());
        params.insert("progress".into(), json!(done));
        if let Some(t) = total {
            params.insert("total".into(), json!(t));
        }
        if let Some(m) = message {
            params.insert("message".into(), m.into());
        }
        (self.exchange.emit)(&jsonrpc::notification(
            "notifications/progress",
            Value::Object(params),
        ));
    }

    /// Sends a log message (`notifications/message`) if `level` is at or above
    /// the level the client asked for: with `logging/setLevel` in the legacy
    /// era (default: info), in the request's `_meta` in 2026-07-28 (default:
    /// nothing at all). `data` is any JSON: a string, or an object with details.
    /// No secrets.
    ///
    /// **Deprecated in MCP 2026-07-28** (SEP-2577): it keeps working, but for
    /// new code log to stderr ([`crate::log`]) or OpenTelemetry instead.
    pub fn log(&self, level: LogLevel, data: impl Into<Value>) {
        if self.exchange.log_level().is_none_or(|min| level < min) {
            return;
        }
        let params = json!({"level": level.as_str(), "logger": self.exchange.server.name, "data": data.into()});
        (self.exchange.emit)(&jsonrpc::notification("notifications/message", params));
    }

    /// Asks the user to fill in a form (`elicitation/create`, form mode)
    /// whose fields are `fields` — strings, numbers, integers, booleans,
    /// `one_of` choices, each with a description — and reads the submitted
    /// form as `T`.
    ///
    /// In 2026-07-28 an unanswered question returns
    /// [`ToolError::InputRequired`]: pass it on with `?` (the handler runs
    /// again with the answer). In the legacy era the handler waits: at most
    /// [`crate::McpServer::client_request_timeout`] (300 s) when the session
    /// declared elicitation, at most [`crate::McpServer::unknown_client_wait`]
    /// (5 s) when the client has no session and so never said; a session
    /// without the capability fails at once. Check
    /// [`ToolCall::client_declares`] first to do without.
    ///
    /// ```
    /// use remote_mcp::mcp::{Answer, Param};
    /// use remote_mcp::{ToolCall, ToolError, ToolResult};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Shipping { address: String, express: bool }
    ///
    /// fn order(call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    ///     let fields = [
    ///         Param::string("address", "Where to send it"),
    ///         Param::boolean("express", "Next-day delivery"),
    ///     ];
    ///     Ok(match call.elicit_form::<Shipping>("Where should it go?", &fields)? {
    ///         Answer::Accept(s) => format!("Shipping to {} (express: {}).", s.address, s.express).into(),
    ///         Answer::Decline | Answer::Cancel => "Nothing ordered.".into(),
    ///     })
    /// }
    /// ```
    pub fn elicit_form<T: DeserializeOwned>(
        &self,
        message: &str,
        fields: &[Param],
    ) -> Result<Answer<T>, ToolError> {
        let mut requested = json!({"type": "object", "properties": {}});
        for field in fields {
            schema::add_param(&mut requested, field.clone()).map_err(ToolError::Failed)?;
        }
        let answer = self.elicit(message, requested)?;
        match answer.action.as_str() {
            "accept" => {
                let content = Value::Object(answer.content.unwrap_or_default());
                serde_json::from_value(content)
                    .map(Answer::Accept)
                    .map_err(|e| {
                        ToolError::Client(format!(
                            "The client's answer does not fit the form: {e}."
                        ))
                    })
            }
            "decline" => Ok(Answer::Decline),
            _ => Ok(Answer::Cancel),
        }
    }

    /// Asks the user to confirm (`elicitation/create` with no fields) and
    /// says whether they accepted; declining and cancelling are both `false`.
    /// Waiting and errors as in [`ToolCall::elicit_form`].
    ///
    /// ```
    /// use remote_mcp::{ToolCall, ToolError, ToolResult};
    ///
    /// fn drop_table(call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    ///     if !call.confirm("Drop the table `users`? This cannot be undone.")? {
    ///         return Ok("Nothing dropped.".into());
    ///     }
    ///     Ok("Dropped.".into())
    /// }
    /// ```
    pub fn confirm(&self, message: &str) -> Result<bool, ToolError> {
        Ok(matches!(
            self.elicit_form::<Map<String, Value>>(message, &[])?,
            Answer::Accept(_)
        ))
    }

    /// Asks the user for input through the client (`elicitation/create`, form
    /// mode) and returns the raw answer. `requested_schema` is a flat object
    /// schema of primitive properties. [`ToolCall::elicit_form`] is the typed
    /// form; waiting and errors are the same.
    pub fn elicit(&self, message: &str, requested_schema: Value) -> Result<Elicitation, ToolError> {
        // No `mode`: form is the default in both eras, and 2025-06-18 clients do not know the field.
        let params = json!({"message": message, "requestedSchema": requested_schema});
        let result = self.client().ask(None, "elicitation/create", params)?;
        Ok(Elicitation {
            action: result
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or("cancel")
                .to_string(),
            content: result.get("content").and_then(Value::as_object).cloned(),
        })
    }

    /// Asks the client's model for a completion (`sampling/createMessage`) with
    /// these params (`messages`, `maxTokens`, …) and returns its raw result
    /// (`role`, `content`, `model`, `stopReason`).
    ///
    /// **Deprecated in MCP 2026-07-28** (SEP-2577): it keeps working, but for
    /// new tools call an LLM provider's API directly.
    pub fn sample(&self, params: Value) -> Result<Value, ToolError> {
        Ok(self.client().ask(None, "sampling/createMessage", params)?)
    }

    /// The client's root directories (`roots/list`): the raw `roots` array of
    /// `{uri, name?}` objects.
    ///
    /// **Deprecated in MCP 2026-07-28** (SEP-2577): it keeps working, but for
    /// new tools take paths as tool parameters or resource URIs.
    pub fn roots(&self) -> Result<Vec<Value>, ToolError> {
        let result = self.client().ask(None, "roots/list", json!({}))?;
        Ok(result
            .get("roots")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// The general form of [`ToolCall::elicit`], [`ToolCall::sample`] and
    /// [`ToolCall::roots`]: asks `method` with `params` and returns the
    /// client's raw result. `key` names the question in 2026-07-28
    /// `inputRequests` (the default names are `elicitation-1`, `sampling-2`…,
    /// by order of asking); it must be unique within the call.
    pub fn ask(&self, key: &str, method: &str, params: Value) -> Result<Value, ToolError> {
        Ok(self.client().ask(Some(key), method, params)?)
    }

    /// Whether the client declared it can answer `capability` questions
    /// (`"elicitation"`, `"sampling"`, `"roots"`): per request in 2026-07-28,
    /// per session before. A tool that can do without the answer checks this
    /// first; asking anyway fails the call (`-32021` in 2026-07-28).
    pub fn client_declares(&self, capability: &str) -> bool {
        self.client().declares(capability)
    }

    fn client(&self) -> ClientInput<'_> {
        ClientInput {
            exchange: self.exchange,
            guard: self.guard,
            round: self.round,
        }
    }
}
