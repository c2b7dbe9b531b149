//! **[28–29](crate::_documentation::flow) Tool calls — prompt templates the
//! user can pick.** MCP 2025-11-25 `server/prompts`: `prompts/list` shows each
//! [`Prompt`] with its arguments; `prompts/get` checks that the required
//! arguments are present (`-32602` otherwise) and runs the prompt's handler,
//! which returns the messages. Arguments can have completers for
//! `completion/complete` (`server/utilities/completion`).
//!
//! ```
//! use remote_mcp::McpServer;
//! use remote_mcp::ext::capabilities::{Prompt, PromptMessage};
//!
//! let mcp = McpServer::new("review").prompt(
//!     Prompt::new("review_code", "Ask for a code review.")
//!         .argument("language", "Programming language")
//!         .optional_argument("focus", "What to look at")
//!         .complete("language", |typed, _| {
//!             ["rust", "python", "go"].iter().filter(|l| l.starts_with(typed)).map(|l| l.to_string()).collect()
//!         })
//!         .get(|req| {
//!             let language = req.str("language")?;
//!             Ok(vec![PromptMessage::user(format!("Review this {language} code."))])
//!         }),
//! );
//! ```
//!
//! A prompt handler may ask the user for input with [`PromptRequest::elicit`],
//! as a tool can, in both protocol eras ([`crate::mcp::ask`]).
//!
//! # Where this sits
//! Registered with [`crate::McpServer::prompt`] (a builder method this module
//! adds) into the [`Prompts`] capability, which [`crate::mcp::dispatch`] asks
//! through the core's [`Capability`] hook; `completion/complete` is answered
//! here too ([`super::completion`]).

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Map, Value, json};

use super::completion::{self, Completer};
use super::resources::Resources;
use crate::identity::Identity;
use crate::mcp::McpServer;
use crate::mcp::ask::ClientInput;
use crate::mcp::content::Content;
use crate::mcp::dispatch::{client_input, start_round};
use crate::mcp::exchange::Exchange;
use crate::mcp::jsonrpc::{INTERNAL_ERROR, RpcError, RpcRequest};
use crate::mcp::question::{AskError, Elicitation};
use crate::mcp::registry::Registry;
use crate::mcp::server::Capability;

/// The function that builds a prompt's messages.
pub type PromptHandler =
    Box<dyn Fn(&PromptRequest<'_>) -> Result<Vec<PromptMessage>, PromptError> + Send + Sync>;

/// One message of a prompt: a role and one content block.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptMessage {
    /// `"user"` or `"assistant"`.
    pub role: &'static str,
    /// The block.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user (text from a `String`/`&str`, or any [`Content`]).
    pub fn user(content: impl Into<Content>) -> PromptMessage {
        PromptMessage {
            role: "user",
            content: content.into(),
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: impl Into<Content>) -> PromptMessage {
        PromptMessage {
            role: "assistant",
            content: content.into(),
        }
    }

    /// As it goes on the wire.
    pub fn to_json(&self) -> Value {
        json!({"role": self.role, "content": self.content.to_json()})
    }
}

/// One `prompts/get` as a handler sees it.
pub struct PromptRequest<'a> {
    /// The prompt's name.
    pub name: &'a str,
    /// The arguments (string values; checked before the handler runs).
    pub arguments: HashMap<String, String>,
    /// Who is asking (see [`crate::auth`]).
    pub caller: Option<&'a Identity>,
    pub(crate) client: ClientInput<'a>,
}

impl PromptRequest<'_> {
    /// An argument, if given.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.arguments.get(name).map(String::as_str)
    }

    /// An argument that must be given.
    pub fn str(&self, name: &str) -> Result<&str, PromptError> {
        self.arg(name)
            .ok_or_else(|| PromptError::MissingArgument(name.to_string()))
    }

    /// Asks the user for input (`elicitation/create`, form mode), as
    /// [`crate::ToolCall::elicit`] does; in 2026-07-28 an unanswered question
    /// returns [`PromptError::InputRequired`]: pass it on with `?`.
    pub fn elicit(
        &self,
        message: &str,
        requested_schema: Value,
    ) -> Result<Elicitation, PromptError> {
        let result = self.client.ask(
            None,
            "elicitation/create",
            json!({"message": message, "requestedSchema": requested_schema}),
        )?;
        Ok(Elicitation {
            action: result
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or("cancel")
                .to_string(),
            content: result.get("content").and_then(Value::as_object).cloned(),
        })
    }

    /// The general form, as [`crate::ToolCall::ask`]: asks `method` with
    /// `params` under the name `key` and returns the client's raw result.
    pub fn ask(&self, key: &str, method: &str, params: Value) -> Result<Value, PromptError> {
        Ok(self.client.ask(Some(key), method, params)?)
    }
}

/// Why a prompt could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptError {
    /// A required argument is missing. → `-32602`
    MissingArgument(String),
    /// The handler failed. → `-32603`
    Failed(String),
    /// MCP 2026-07-28: the client has not answered a question yet (see
    /// [`PromptRequest::elicit`]). → an `input_required` result
    InputRequired,
}

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromptError::MissingArgument(a) => write!(f, "Missing required argument `{a}`"),
            PromptError::Failed(m) => f.write_str(m),
            PromptError::InputRequired => f.write_str("Waiting for the client's input."),
        }
    }
}

impl std::error::Error for PromptError {}

impl From<AskError> for PromptError {
    fn from(e: AskError) -> PromptError {
        match e {
            AskError::InputRequired => PromptError::InputRequired,
            AskError::Cancelled => PromptError::Failed("The request was cancelled.".into()),
            AskError::Client(m) => PromptError::Failed(m),
        }
    }
}

impl From<String> for PromptError {
    fn from(message: String) -> PromptError {
        PromptError::Failed(message)
    }
}

impl From<&str> for PromptError {
    fn from(message: &str) -> PromptError {
        PromptError::Failed(message.to_string())
    }
}

/// One declared argument of a prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptArgument {
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Whether `prompts/get` must carry it.
    pub required: bool,
}

/// A prompt template.
pub struct Prompt {
    pub(crate) name: String,
    title: Option<String>,
    description: String,
    pub(crate) arguments: Vec<PromptArgument>,
    pub(crate) handler: PromptHandler,
    pub(crate) completers: HashMap<String, Completer>,
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompt")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Prompt {
    /// A prompt without arguments whose handler reports it has none yet.
    pub fn new(name: &str, description: &str) -> Prompt {
        let missing = name.to_string();
        Prompt {
            name: name.to_string(),
            title: None,
            description: description.to_string(),
            arguments: Vec::new(),
            handler: Box::new(move |_| {
                Err(PromptError::Failed(format!(
                    "Prompt `{missing}` has no handler."
                )))
            }),
            completers: HashMap::new(),
        }
    }

    /// A human-readable title.
    pub fn title(mut self, title: &str) -> Prompt {
        self.title = Some(title.to_string());
        self
    }

    /// Adds a required argument.
    pub fn argument(self, name: &str, description: &str) -> Prompt {
        self.add_argument(name, description, true)
    }

    /// Adds an optional argument.
    pub fn optional_argument(self, name: &str, description: &str) -> Prompt {
        self.add_argument(name, description, false)
    }

    fn add_argument(mut self, name: &str, description: &str, required: bool) -> Prompt {
        self.arguments.push(PromptArgument {
            name: name.to_string(),
            description: description.to_string(),
            required,
        });
        self
    }

    /// Suggestions for `argument` (see [`Completer`]).
    pub fn complete(
        mut self,
        argument: &str,
        completer: impl Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync + 'static,
    ) -> Prompt {
        self.completers
            .insert(argument.to_string(), Box::new(completer));
        self
    }

    /// The function run by `prompts/get`.
    pub fn get(
        mut self,
        handler: impl Fn(&PromptRequest<'_>) -> Result<Vec<PromptMessage>, PromptError>
        + Send
        + Sync
        + 'static,
    ) -> Prompt {
        self.handler = Box::new(handler);
        self
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description, also sent with `prompts/get` results.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// As `prompts/list` shows it.
    pub fn to_json(&self) -> Value {
        let mut p = Map::new();
        p.insert("name".into(), self.name.as_str().into());
        if let Some(t) = &self.title {
            p.insert("title".into(), t.as_str().into());
        }
        p.insert("description".into(), self.description.as_str().into());
        let args: Vec<Value> = self
            .arguments
            .iter()
            .map(|a| json!({"name": a.name, "description": a.description, "required": a.required}))
            .collect();
        p.insert("arguments".into(), Value::Array(args));
        Value::Object(p)
    }
}

/// The prompts capability: the registered prompts, `prompts/*` and
/// `completion/complete` ([`Capability`]).
#[derive(Default)]
pub struct Prompts {
    prompts: Registry<Prompt>,
}

impl Prompts {
    /// The prompt named `name` (a hash lookup).
    pub(crate) fn find(&self, name: &str) -> Option<&Prompt> {
        self.prompts.get(name)
    }

    /// The completers of the prompt (`ref/prompt`) or resource template
    /// (`ref/resource`) that a `completion/complete` names.
    fn completers_for<'s>(
        &'s self,
        server: &'s McpServer,
        reference: &Value,
    ) -> Result<&'s HashMap<String, Completer>, RpcError> {
        match reference.get("type").and_then(Value::as_str) {
            Some("ref/prompt") => {
                let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
                let prompt = self
                    .find(name)
                    .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
                Ok(&prompt.completers)
            }
            Some("ref/resource") => {
                let uri = reference.get("uri").and_then(Value::as_str).unwrap_or("");
                let template = server
                    .capability::<Resources>()
                    .and_then(|r| r.templates.iter().find(|t| t.uri_template() == uri))
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!("Unknown resource template: {uri}"))
                    })?;
                Ok(&template.completers)
            }
            _ => Err(RpcError::invalid_params(
                "Invalid params: `ref.type` must be \"ref/prompt\" or \"ref/resource\"",
            )),
        }
    }

    /// `prompts/get`: the arguments checked, then the handler, which may ask
    /// the client as a tool does (a 2026-07-28 round trip included).
    fn get(
        &self,
        server: &McpServer,
        ex: &Exchange<'_>,
        req: &RpcRequest,
        params: &Map<String, Value>,
    ) -> Result<Value, RpcError> {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "Invalid params: `name` must be a string",
            ));
        };
        let prompt = self
            .find(name)
            .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
        let mut arguments = HashMap::new();
        match params.get("arguments") {
            None | Some(Value::Null) => {}
            Some(Value::Object(given)) => {
                for (k, v) in given {
                    let Some(s) = v.as_str() else {
                        return Err(RpcError::invalid_params(format!(
                            "Invalid params: argument `{k}` must be a string"
                        )));
                    };
                    arguments.insert(k.clone(), s.to_string());
                }
            }
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "Invalid params: `arguments` must be an object",
                ));
            }
        }
        if let Some(missing) = prompt
            .arguments
            .iter()
            .find(|a| a.required && !arguments.contains_key(&a.name))
        {
            return Err(RpcError::invalid_params(format!(
                "Missing required argument `{}` for prompt `{name}`",
                missing.name
            )));
        }
        let round = start_round(ex, "prompts/get", name, &json!(arguments), params)?;
        let guard = server
            .state
            .start_call(&req.id, ex.session_id(), ex.owner());
        let request = PromptRequest {
            name,
            arguments,
            caller: ex.caller,
            client: client_input(server, ex, &guard, round.as_deref()),
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| (prompt.handler)(&request)));
        if let Some(interim) = round.as_ref().and_then(|r| r.interim()) {
            return interim;
        }
        match outcome {
            Ok(Ok(messages)) => Ok(json!({
                "description": prompt.description(),
                "messages": messages.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
            })),
            Ok(Err(e @ PromptError::MissingArgument(_))) => {
                Err(RpcError::invalid_params(e.to_string()))
            }
            Ok(Err(PromptError::Failed(m))) => Err(RpcError::new(INTERNAL_ERROR, m)),
            // Legacy handlers never get it; a modern one got its interim result above.
            Ok(Err(PromptError::InputRequired)) => Err(RpcError::new(
                INTERNAL_ERROR,
                "Internal error: the prompt waited for input that was never asked",
            )),
            Err(_) => Err(RpcError::new(
                INTERNAL_ERROR,
                "Internal error: the prompt handler failed",
            )),
        }
    }
}

impl Capability for Prompts {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        if !self.prompts.is_empty() {
            capabilities.insert("prompts".into(), json!({}));
            capabilities.insert("completions".into(), json!({}));
        }
    }

    fn answer(
        &self,
        server: &McpServer,
        ex: &Exchange<'_>,
        req: &RpcRequest,
        params: &Map<String, Value>,
    ) -> Option<Result<Value, RpcError>> {
        Some(match req.method.as_str() {
            "prompts/list" => crate::mcp::dispatch::list(
                server,
                params,
                "prompts",
                self.prompts.iter().map(Prompt::to_json),
            ),
            "prompts/get" => self.get(server, ex, req, params),
            "completion/complete" => {
                completion::complete(params, |reference| self.completers_for(server, reference))
            }
            _ => return None,
        })
    }
}

impl McpServer {
    /// Registers a prompt.
    ///
    /// # Panics
    /// If a prompt with the same name is already registered.
    pub fn prompt(mut self, prompt: Prompt) -> McpServer {
        let name = prompt.name.clone();
        self.capability_mut::<Prompts>()
            .prompts
            .add("prompt", &name, prompt);
        self
    }
}
