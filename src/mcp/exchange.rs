//! **[28–29](crate::_documentation::flow) Tool calls — what a request is
//! answered with.** An [`Exchange`] is everything the handlers of one JSON-RPC
//! request may use besides its params and the server: the caller (from the
//! bearer token, [`crate::auth`]), the session (2025 era), the log level, and
//! the response stream (`emit`), on which progress, log messages and questions
//! to the client travel before the answer (MCP 2025-11-25
//! `basic/transports#sending-messages-to-the-server`: the server MAY send
//! requests and notifications on the stream before the response).
//!
//! A request of a later protocol era brings its own context through
//! [`EraRequest`]: what the client declared on this request, and how its
//! questions travel ([`Round`]). The core defines these two traits and never
//! names an implementation; the 2026-07-28 era implements them
//! ([`crate::ext::era_2026`], installed by [`crate::App`]).
//!
//! # Where this sits
//! Built by [`crate::mcp::transport`] once the era is known (or by the era's
//! hook); read by [`crate::mcp::dispatch`], [`crate::mcp::call`] and
//! [`crate::mcp::ask`].

use serde_json::{Map, Value};

use super::jsonrpc::RpcError;
use super::logging::LogLevel;
use super::question::{AskError, Kind};
use super::session::SessionView;
use crate::identity::Identity;

/// Everything a request is answered with, besides its own params and the server.
pub struct Exchange<'a> {
    /// The caller, as decided by the auth hook.
    pub caller: Option<&'a Identity>,
    /// The live session named by the request, if any (2025 era only).
    pub session: Option<SessionView>,
    /// The revision the request is served with ([`crate::mcp::version::decide`]).
    pub version: &'static str,
    /// The minimum level of log messages sent for this request; `None`: none.
    /// 2025 era: the session's `logging/setLevel` (default info). 2026-07-28:
    /// the request's `_meta` `logLevel`, and without it nothing
    /// (`server/utilities/logging`: "MUST NOT emit").
    pub log_level: Option<LogLevel>,
    /// A request of a later era (2026-07-28); `None` in the 2025 era.
    pub era: Option<&'a dyn EraRequest>,
    /// Sends one message (notification or request) to the client on this
    /// request's stream; `false` if the client is gone.
    pub emit: &'a dyn Fn(&Value) -> bool,
    /// Sends an SSE comment on this request's stream (long-lived streams use
    /// it to stay open and to notice a client that left); `false` if gone.
    pub keep_alive: &'a dyn Fn() -> bool,
}

impl Exchange<'_> {
    /// The caller's subject: sessions, cancellations and answers are bound to it.
    pub fn owner(&self) -> Option<&str> {
        self.caller.map(|c| c.sub.as_str())
    }

    /// The session's id, if the request named a live one.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }
}

/// What the core asks of a request of a later era while serving a method both
/// eras share (`tools/call`, `prompts/get`): implemented by the 2026-07-28 era
/// ([`crate::ext::era_2026`]).
pub trait EraRequest {
    /// Whether the client declared `capability` (e.g. `"elicitation"`) on this request.
    fn declares(&self, capability: &str) -> bool;

    /// Opens the questions of one call to `method` (`tools/call`,
    /// `prompts/get`) on `target` (the tool or prompt) with `arguments`,
    /// reading what a retry carries in `params`. An error is the JSON-RPC
    /// error that answers the call (`-32602` for a forged or stale state).
    fn open_round(
        &self,
        method: &str,
        target: &str,
        arguments: &Value,
        owner: Option<&str>,
        params: &Map<String, Value>,
    ) -> Result<Box<dyn Round + '_>, RpcError>;
}

/// The questions of one call in a later era: asked while the handler runs,
/// turned into the call's answer when it returns.
pub trait Round {
    /// The answer to question `key` (or the n-th of its kind), or why there is none yet.
    fn ask(
        &self,
        key: Option<&str>,
        kind: Kind,
        method: &str,
        params: Value,
    ) -> Result<Value, AskError>;

    /// After the handler: `None` if it completed without asking anything
    /// new; otherwise the interim result (or the error) that answers the call.
    fn interim(&self) -> Option<Result<Value, RpcError>>;
}
