//! **[28–29](crate::_documentation::flow) Tool calls — questions to the
//! client, and their answers.** The words shared by every way of asking: the
//! [`Kind`] of a question (`elicitation/create`, `sampling/createMessage`,
//! `roots/list`: MCP 2025-11-25 `client/{elicitation,sampling,roots}`), why it
//! got no answer ([`AskError`]), and the user's answer to a form
//! ([`Elicitation`], typed: [`Answer`]).
//!
//! # Where this sits
//! A leaf: used by [`crate::mcp::ask`] (the 2025 era: a request on the open
//! call's stream), by the later era's round trip (through
//! [`crate::mcp::exchange::Round`]), and by [`crate::mcp::call`].

use serde_json::{Map, Value};

/// Why a question got no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AskError {
    /// 2026-07-28: the client has not answered yet; it will, on its retry.
    InputRequired,
    /// The client cancelled the call while we waited (legacy era).
    Cancelled,
    /// The client cannot or did not answer; the text says why.
    Client(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskError::InputRequired => f.write_str("Waiting for the client's input."),
            AskError::Cancelled => f.write_str("The call was cancelled."),
            AskError::Client(m) => f.write_str(m),
        }
    }
}

/// One kind of question, and what the client must have declared to be asked it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `elicitation/create` (form mode).
    Elicitation,
    /// `sampling/createMessage`.
    Sampling,
    /// `roots/list`.
    Roots,
}

impl Kind {
    /// The kind of a JSON-RPC method, if it is one a server may ask.
    pub fn of(method: &str) -> Option<Kind> {
        match method {
            "elicitation/create" => Some(Kind::Elicitation),
            "sampling/createMessage" => Some(Kind::Sampling),
            "roots/list" => Some(Kind::Roots),
            _ => None,
        }
    }

    /// The client capability it needs, e.g. `"elicitation"`.
    pub fn capability(self) -> &'static str {
        match self {
            Kind::Elicitation => "elicitation",
            Kind::Sampling => "sampling",
            Kind::Roots => "roots",
        }
    }

    /// Whether `answer` has the shape of this kind's result.
    pub(crate) fn valid_answer(self, answer: &Value) -> bool {
        match self {
            Kind::Elicitation => matches!(
                answer.get("action").and_then(Value::as_str),
                Some("accept" | "decline" | "cancel")
            ),
            Kind::Sampling => answer.get("role").is_some() && answer.get("content").is_some(),
            Kind::Roots => answer.get("roots").is_some_and(Value::is_array),
        }
    }
}

/// The user's answer to [`crate::mcp::ToolCall::elicit`] (`ElicitResult`).
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

/// The user's answer to a typed question ([`crate::mcp::ToolCall::elicit_form`]): the
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
