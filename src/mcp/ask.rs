//! **[28–29](crate::_documentation::flow) Tool calls — asking the client for
//! input, in either era.** A tool (or a prompt) may need something only the
//! client has: the user's answer to a form (elicitation), a completion from the
//! client's model (sampling, deprecated), the client's root directories (roots,
//! deprecated). The handler asks with [`crate::ToolCall::elicit`] and friends,
//! the same call in both eras; what travels on the wire differs, and all of it
//! is here.
//!
//! # Legacy era (2025-11-25 and earlier): a request back to the client
//! The question goes out as a JSON-RPC *request* on the call's SSE stream; the
//! client POSTs its answer separately ([`crate::mcp::session::State::route_response`]),
//! and the handler, which waited on a channel, carries on.
//!
//! ```text
//! C→S POST tools/call id=1          S→C SSE {"id":"srv-7","method":"elicitation/create",…}
//! C→S POST {"id":"srv-7","result":{"action":"accept",…}}     (answer routed to the waiting handler)
//!                                   S→C SSE {"id":1,"result":{…}}
//! ```
//!
//! # Capabilities, waiting, and errors
//! A question the client did not declare the capability for (per request, in
//! `clientCapabilities`) is not asked: the call fails with `-32021`
//! MissingRequiredClientCapability. A malformed answer fails it with `-32602`.
//!
//! In the legacy era nothing waits forever either. A client whose session
//! declared no such capability is not asked: the question fails at once. A
//! session that declared it gets [`crate::McpServer::client_request_timeout`]
//! (default 300 s, the time a person may need). A client without a session
//! never said what it supports: it is asked, and waited for only
//! [`crate::McpServer::unknown_client_wait`] (default
//! [`crate::mcp::DEFAULT_UNKNOWN_CLIENT_WAIT`], 5 s) — long enough for a
//! program that answers, short enough that a client that never will gets its
//! answer well within a few seconds.
//! Handlers that can do without an answer check [`crate::ToolCall::client_declares`] first.
//!
//! # Where this sits
//! Used by [`crate::mcp::tool`] and [`crate::mcp::prompts`]; the rounds are
//! opened and closed by [`crate::mcp::dispatch`].

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::exchange::Exchange;
use super::round_trip::Round;
use super::session::CallGuard;

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

/// Where a handler's questions go: the legacy stream, or the modern round.
pub struct ClientInput<'a> {
    /// The request being served.
    pub exchange: &'a Exchange<'a>,
    /// Its cancellation flag (legacy era).
    pub guard: &'a CallGuard<'a>,
    /// The modern round, for a 2026-07-28 request.
    pub round: Option<&'a Round>,
}

impl ClientInput<'_> {
    /// Whether the client says it can answer `capability` questions.
    pub fn declares(&self, capability: &str) -> bool {
        match (self.exchange.modern, &self.exchange.session) {
            (Some(envelope), _) if capability == "elicitation" => {
                envelope.takes_elicitation_forms()
            }
            (Some(envelope), _) => envelope.declares(capability),
            (None, Some(session)) => session.client_capabilities.get(capability).is_some(),
            // Legacy without a session: we cannot know, so we try, and wait
            // only `McpServer::unknown_client_wait` for the answer.
            (None, None) => true,
        }
    }

    /// Asks the client `method` with `params` and returns its result.
    pub fn ask(&self, key: Option<&str>, method: &str, params: Value) -> Result<Value, AskError> {
        let Some(kind) = Kind::of(method) else {
            return Err(AskError::Client(format!(
                "{method} is not a question a server may ask a client"
            )));
        };
        match (self.exchange.modern, self.round) {
            (Some(envelope), Some(round)) => round.ask(envelope, key, kind, method, params),
            (Some(_), None) => Err(AskError::Client(format!(
                "{method} cannot be asked while serving this request (MCP 2026-07-28 allows it in tools/call and prompts/get)"
            ))),
            (None, _) => self.ask_on_stream(kind, method, params),
        }
    }

    /// Legacy: sends the request on this call's stream and waits for the
    /// answer, which arrives as a separate POST.
    fn ask_on_stream(&self, kind: Kind, method: &str, params: Value) -> Result<Value, AskError> {
        let capability = kind.capability();
        // MCP 2025-11-25 `basic/lifecycle#operation`: only use what the client
        // declared. Without a session we cannot know, so we try.
        if !self.declares(capability) {
            return Err(AskError::Client(format!(
                "The client does not support {capability} (it did not declare the capability)."
            )));
        }
        let server = self.exchange.server;
        // A client without a session never told us what it can do: it is
        // asked, but waited for only briefly, so a client that will never
        // answer costs the call seconds, not the 300 s a person may need.
        let (timeout, unknown) = if self.exchange.session.is_some() {
            (server.client_request_timeout, false)
        } else {
            (server.unknown_client_wait, true)
        };
        let owner = self.exchange.owner();
        let (id, answers) = server.state.expect_answer(owner);
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        if !(self.exchange.emit)(&request) {
            server.state.forget(&id);
            return Err(AskError::Client("The client's connection is gone.".into()));
        }
        let deadline = Instant::now() + timeout;
        let answer = loop {
            // Wake up regularly to notice a cancellation while waiting.
            match answers.recv_timeout(Duration::from_millis(100)) {
                Ok(answer) => break answer,
                Err(RecvTimeoutError::Timeout) if self.guard.is_cancelled() => {
                    server.state.forget(&id);
                    return Err(AskError::Cancelled);
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => continue,
                Err(_) => {
                    server.state.forget(&id);
                    return Err(AskError::Client(if unknown {
                        format!(
                            "The client did not answer {method} within {} s; it has no session, so it never said whether it supports {capability}.",
                            timeout.as_secs_f64()
                        )
                    } else {
                        format!(
                            "The client did not answer {method} within {} s.",
                            timeout.as_secs_f64()
                        )
                    }));
                }
            }
        };
        if let Some(result) = answer.get("result") {
            return Ok(result.clone());
        }
        let message = answer
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        Err(AskError::Client(format!(
            "The client refused {method}: {message}"
        )))
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
