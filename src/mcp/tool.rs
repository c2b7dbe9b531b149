//! **[28–29](crate::_documentation::flow) Tool calls — a tool, as its author
//! builds it.**
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
//! What the handler is given is in [`crate::mcp::call`] ([`ToolCall`]); what
//! it returns in [`crate::mcp::result`] ([`ToolResult`], [`ToolError`]).
//!
//! # Where this sits
//! Registered with [`crate::McpServer::tool`]; called by [`crate::mcp::dispatch`].

use std::any::{Any, TypeId};
use std::fmt;

use serde_json::{Map, Value, json};

use super::call::ToolCall;
use super::result::{ToolError, ToolResult};
use super::schema::{self, Param, Type};

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
                .user_state
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
