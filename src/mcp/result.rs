//! **[28–29](crate::_documentation::flow) Tool calls — what a tool sends
//! back.** A [`crate::mcp::ToolResult`] is the `CallToolResult` of MCP 2025-11-25
//! `server/tools#tool-result`: content blocks, optional `structuredContent`, and
//! `isError`. A [`crate::mcp::ToolError`] is why a call did not produce its result.
//!
//! # Errors are results
//! A handler that returns `Err` — including arguments serde refuses in
//! [`crate::mcp::ToolCall::args`], or a missing or mistyped argument read through
//! [`crate::mcp::ToolCall::str`] and friends — produces a normal result with
//! `isError: true` and a text naming the problem (2025-11-25 `server/tools#error-handling`,
//! SEP-1303): the model reads it and can retry. Only an unknown tool name or
//! malformed `tools/call` params are JSON-RPC errors (`-32602`).
//!
//! # Where this sits
//! Returned by the handlers registered with [`crate::McpServer::tool`]; turned
//! into the JSON-RPC response by [`crate::mcp::dispatch`].

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::content::{Content, ResourceContents};
use super::question::AskError;

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
    /// ([`crate::ext::era_2026::round_trip`]). Never happens in the legacy era.
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
