//! **[28–29](crate::_documentation::flow) Tool calls — one running call, as its
//! handler sees it.** A [`ToolCall`] gives the handler its arguments (typed with
//! [`ToolCall::args`], or one by one) and the call's context (MCP 2025-11-25
//! `server/tools`, `basic/utilities/{progress,cancellation}`,
//! `server/utilities/logging`, `client/elicitation`).
//!
//! # The call's context
//! Besides its arguments, a [`ToolCall`] gives the handler the caller's
//! [`Identity`], progress notifications, log messages, cancellation, and
//! questions to the client (elicitation; sampling and roots, deprecated). Each
//! notification switches the HTTP response to an SSE stream, flushed event by
//! event ([`crate::mcp::transport`]).
//!
//! The same handler serves both protocol eras ([`crate::ext::era_2026`]
//! explains them): use `?` on [`ToolCall::elicit`] and the handler needs no
//! other change; do side effects after the questions, since in 2026-07-28 the
//! handler runs again, from the top, with the answers.
//!
//! # Where this sits
//! Built by [`crate::mcp::dispatch`] for each `tools/call` and handed to the
//! tool's handler ([`crate::Tool::handler`]); questions go through
//! [`crate::mcp::ask`].

use std::any::Any;
use std::cell::Cell;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::ask::ClientInput;
use super::jsonrpc;
use super::logging::LogLevel;
use super::question::{Answer, Elicitation};
use super::result::ToolError;
use super::schema::{self, Param};
use crate::identity::Identity;

/// One running `tools/call`: the arguments and the call's context. Handlers get
/// it by reference.
pub struct ToolCall<'a> {
    pub(crate) name: &'a str,
    pub(crate) arguments: &'a Map<String, Value>,
    pub(crate) progress_token: Option<Value>,
    /// Where the call's questions go; also its request and cancellation flag.
    pub(crate) client: ClientInput<'a>,
    /// `serverInfo.name`, the `logger` of log messages.
    pub(crate) logger: &'a str,
    /// The application's state ([`crate::McpServer::with_state`]).
    pub(crate) user_state: Option<&'a (dyn Any + Send + Sync)>,
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
        self.client.exchange.caller
    }

    /// The protocol revision this call is served with, e.g. `"2026-07-28"` or `"2025-11-25"`.
    pub fn protocol_version(&self) -> &'static str {
        self.client.exchange.version
    }

    /// Whether the client cancelled this call. Long tools should check it
    /// between steps and return `Err(ToolError::Cancelled)`.
    pub fn is_cancelled(&self) -> bool {
        self.client.guard.is_cancelled()
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
        (self.client.exchange.emit)(&jsonrpc::notification(
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
        if self.client.exchange.log_level.is_none_or(|min| level < min) {
            return;
        }
        let params = json!({"level": level.as_str(), "logger": self.logger, "data": data.into()});
        (self.client.exchange.emit)(&jsonrpc::notification("notifications/message", params));
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
        let result = self.client.ask(None, "elicitation/create", params)?;
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
        Ok(self.client.ask(None, "sampling/createMessage", params)?)
    }

    /// The client's root directories (`roots/list`): the raw `roots` array of
    /// `{uri, name?}` objects.
    ///
    /// **Deprecated in MCP 2026-07-28** (SEP-2577): it keeps working, but for
    /// new tools take paths as tool parameters or resource URIs.
    pub fn roots(&self) -> Result<Vec<Value>, ToolError> {
        let result = self.client.ask(None, "roots/list", json!({}))?;
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
        Ok(self.client.ask(Some(key), method, params)?)
    }

    /// Whether the client declared it can answer `capability` questions
    /// (`"elicitation"`, `"sampling"`, `"roots"`): per request in 2026-07-28,
    /// per session before. A tool that can do without the answer checks this
    /// first; asking anyway fails the call (`-32021` in 2026-07-28).
    pub fn client_declares(&self, capability: &str) -> bool {
        self.client.declares(capability)
    }
}
