//! **[28–29](crate::_documentation::flow) Tool calls — asking the client
//! while a call runs (the 2025 era).** A tool (or a prompt) may need something
//! only the client has: the user's answer to a form (elicitation), a completion
//! from the client's model (sampling, deprecated), the client's root directories
//! (roots, deprecated). The handler asks with [`crate::ToolCall::elicit`] and
//! friends; [`ClientInput`] carries the question.
//!
//! # On the open request (2025-11-25 and earlier)
//! The question goes out as a JSON-RPC *request* on the call's SSE stream; the
//! client POSTs its answer separately ([`crate::mcp::session::State::route_response`]),
//! and the handler, which waited on a channel, carries on
//! (MCP 2025-11-25 `client/elicitation`, `client/sampling`, `client/roots`).
//!
//! ```text
//! C→S POST tools/call id=1          S→C SSE {"id":"srv-7","method":"elicitation/create",…}
//! C→S POST {"id":"srv-7","result":{"action":"accept",…}}     (answer routed to the waiting handler)
//!                                   S→C SSE {"id":1,"result":{…}}
//! ```
//!
//! Nothing waits forever. A client whose session declared no such capability
//! is not asked: the question fails at once (MCP 2025-11-25
//! `basic/lifecycle#operation`: only use what the client declared). A session
//! that declared it gets [`crate::McpServer::client_request_timeout`] (default
//! 300 s, the time a person may need). A client without a session never said
//! what it supports: it is asked, and waited for only
//! [`crate::McpServer::unknown_client_wait`] (default
//! [`crate::mcp::DEFAULT_UNKNOWN_CLIENT_WAIT`], 5 s) — long enough for a
//! program that answers, short enough that a client that never will gets its
//! answer well within a few seconds. Handlers that can do without an answer
//! check [`crate::ToolCall::client_declares`] first.
//!
//! # In a later era
//! A request of a later era ([`crate::mcp::exchange::EraRequest`]) brings its
//! own way: 2026-07-28 removed requests from server to client, and its round
//! trip ends the call with the questions and runs the handler again with the
//! answers ([`crate::ext::era_2026::round_trip`]). [`ClientInput::ask`] hands the
//! question to that era's [`crate::mcp::exchange::Round`]; the handler's code is
//! the same.
//!
//! # Where this sits
//! Built by [`crate::mcp::dispatch`] (and the prompts capability) around a
//! handler; the waiting answers live in [`crate::mcp::session`].

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::exchange::{Exchange, Round};
use super::question::{AskError, Kind};
use super::session::{CallGuard, State};

/// Where a handler's questions go: the open request's stream (2025 era), or
/// the round of a later era.
pub struct ClientInput<'a> {
    /// The request being served.
    pub exchange: &'a Exchange<'a>,
    /// Its cancellation flag.
    pub guard: &'a CallGuard<'a>,
    /// The round of a later era's request (2026-07-28); `None` in the 2025 era.
    pub round: Option<&'a dyn Round>,
    /// Where answers POSTed by the client are routed to the waiting call.
    pub state: &'a State,
    /// How long to wait for a client whose session declared the capability.
    pub wait: Duration,
    /// How long to wait for a client without a session.
    pub unknown_wait: Duration,
}

impl ClientInput<'_> {
    /// Whether the client says it can answer `capability` questions.
    pub fn declares(&self, capability: &str) -> bool {
        match (self.exchange.era, &self.exchange.session) {
            (Some(era), _) => era.declares(capability),
            (None, Some(session)) => session.client_capabilities.get(capability).is_some(),
            // Without a session we cannot know, so we try, and wait only
            // `McpServer::unknown_client_wait` for the answer.
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
        match (self.exchange.era, self.round) {
            (Some(_), Some(round)) => round.ask(key, kind, method, params),
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
        // A client without a session never told us what it can do: it is
        // asked, but waited for only briefly, so a client that will never
        // answer costs the call seconds, not the 300 s a person may need.
        let (timeout, unknown) = if self.exchange.session.is_some() {
            (self.wait, false)
        } else {
            (self.unknown_wait, true)
        };
        let owner = self.exchange.owner();
        let (id, answers) = self.state.expect_answer(owner);
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        if !(self.exchange.emit)(&request) {
            self.state.forget(&id);
            return Err(AskError::Client("The client's connection is gone.".into()));
        }
        let deadline = Instant::now() + timeout;
        let answer = loop {
            // Wake up regularly to notice a cancellation while waiting.
            match answers.recv_timeout(Duration::from_millis(100)) {
                Ok(answer) => break answer,
                Err(RecvTimeoutError::Timeout) if self.guard.is_cancelled() => {
                    self.state.forget(&id);
                    return Err(AskError::Cancelled);
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => continue,
                Err(_) => {
                    self.state.forget(&id);
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
