//! **[28–29](crate::_documentation::flow) Tool calls — what a request is
//! answered with.** An [`Exchange`] is everything the handlers of one JSON-RPC
//! request may use besides its params: the server, the caller (from the bearer
//! token, [`crate::auth`]), the session (2025 era) or the `_meta` envelope
//! (2026-07-28), and the response stream (`emit`), on which progress, log
//! messages and questions to the client travel before the answer.
//!
//! # Where this sits
//! Built by [`crate::mcp::transport`] once the era is known; read by
//! [`crate::mcp::dispatch`], [`crate::mcp::call`] and [`crate::mcp::ask`].

use serde_json::Value;

use super::logging::LogLevel;
use super::modern::Envelope;
use super::server::McpServer;
use super::session::SessionView;
use crate::identity::Identity;

/// Everything a request is answered with, besides its own params.
pub struct Exchange<'a> {
    /// The server (handlers and state).
    pub server: &'a McpServer,
    /// The caller, as decided by the auth hook.
    pub caller: Option<&'a Identity>,
    /// The live session named by the request, if any (legacy era only).
    pub session: Option<SessionView>,
    /// The revision the request is served with ([`crate::mcp::version::decide`]).
    pub version: &'static str,
    /// The request's `_meta` envelope: `Some` for a 2026-07-28 request.
    pub modern: Option<&'a Envelope>,
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

    /// The minimum level of log messages sent for this request; `None`: none.
    /// Legacy: the session's `logging/setLevel` (default info). Modern: the
    /// request's `_meta` `logLevel`, and without it nothing (2026-07-28
    /// `server/utilities/logging`: "MUST NOT emit").
    pub fn log_level(&self) -> Option<LogLevel> {
        match self.modern {
            Some(envelope) => envelope.log_level,
            None => Some(
                self.session
                    .as_ref()
                    .map_or(LogLevel::DEFAULT, |s| s.log_level),
            ),
        }
    }

    /// The session's id, if the request named a live one.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }
}
