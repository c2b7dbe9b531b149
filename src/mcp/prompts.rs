//! **[28–29](crate::_documentation::flow) Tool calls — prompt templates the
//! user can pick.** MCP 2025-11-25 `server/prompts`: `prompts/list` shows each
//! [`Prompt`] with its arguments; `prompts/get` checks that the required
//! arguments are present (`-32602` otherwise) and runs the prompt's handler,
//! which returns the messages. Arguments can have completers for
//! `completion/complete` (`server/utilities/completion`).
//!
//! ```
//! use remote_mcp::McpServer;
//! use remote_mcp::mcp::{Prompt, PromptMessage};
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
//! as a tool can, in both protocol eras ([`crate::mcp::round_trip`]).
//!
//! # Where this sits
//! Registered with [`crate::McpServer::prompt`]; served by [`crate::mcp::dispatch`].

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value, json};

use super::ask::{AskError, ClientInput, Elicitation};
use super::content::Content;
use crate::identity::Identity;

/// Suggests values for one argument: `(typed_so_far, other_arguments) -> candidates`.
/// At most 100 are sent (the spec's limit); `hasMore` says if there were more.
pub type Completer = Box<dyn Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync>;

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
