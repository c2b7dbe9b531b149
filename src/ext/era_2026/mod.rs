//! **[28–29](crate::_documentation::flow) Tool calls — the 2026-07-28 era, on
//! the same endpoint.** An extension of the core MCP server
//! ([`crate::mcp`], the 2025 era): read the core first, this after.
//!
//! # The two eras
//! The server is **dual-era** on the one endpoint (MCP 2026-07-28
//! `basic/versioning#backward-compatibility-with-initialization-based-versions`):
//! * **legacy** — revisions **2025-11-25**, **2025-06-18**, **2025-03-26**
//!   (the core, [`crate::mcp`]): `initialize`, an optional session, requests
//!   back to the client on the call's SSE stream ([`crate::mcp::ask`]);
//! * **modern** — revision **2026-07-28** (this extension): no `initialize`, no
//!   session; each request carries its version and the client's capabilities
//!   in `_meta` ([`envelope`]), repeats parts of its body in headers
//!   ([`header_mirror`]), `server/discover` says what the server offers, input
//!   from the client travels in multi round-trip results ([`round_trip`]),
//!   changes on a `subscriptions/listen` stream ([`subscriptions`]).
//!
//! [`crate::mcp::version::decide`] is the one place that decides the era of a
//! request. Tools, resources and prompts are written once and work in both:
//! a handler's questions ([`crate::ToolCall::elicit`]) go on the stream in 2025
//! and into the round trip here, and `?` is all the handler needs. Write
//! handlers so that running them again is harmless (the round trip runs them
//! from the top with the answers).
//!
//! # What it adds, and how it plugs in
//! The core never imports this module. It defines two hooks, and this
//! extension implements them:
//! * [`crate::mcp::server::EraHook`] — [`post::Era2026`]: the transport hands
//!   it every modern POST ([`post`]);
//! * [`crate::mcp::exchange::EraRequest`] — what `tools/call` and
//!   `prompts/get` ask of a modern request: the capabilities it declared, and
//!   its [`round_trip::RoundTrip`].
//!
//! [`install`] puts it on a server; [`crate::App`] does so by default. It also
//! adds three builder methods to [`crate::McpServer`]:
//! [`McpServer::announce_list_changes`], [`McpServer::cache_ttl`] and
//! [`McpServer::notifier`].
//!
//! Read first: [`post`] (the path of one request), then [`envelope`],
//! [`header_mirror`], [`round_trip`], [`subscriptions`].
//!
//! | module | spec (MCP 2026-07-28) |
//! |---|---|
//! | [`post`] | `basic/transports/streamable-http` |
//! | [`envelope`] | `basic/index#meta`, `server/discover`, `server/utilities/caching` |
//! | [`header_mirror`] | `basic/transports/streamable-http#request-metadata` (SEP-2243) |
//! | [`round_trip`] | `basic/patterns/mrtr` |
//! | [`subscriptions`] | `basic/patterns/subscriptions` |
//!
//! # Deprecated in 2026-07-28, still served
//! Sampling ([`crate::ToolCall::sample`]), roots ([`crate::ToolCall::roots`])
//! and logging ([`crate::ToolCall::log`]) keep working in both eras, but MCP
//! 2026-07-28 deprecates them (SEP-2577; earliest removal 2027-07-28). For new
//! tools: call an LLM API yourself instead of sampling; take paths as tool
//! parameters instead of roots; log to stderr ([`crate::log`]) instead of to
//! the client.
//!
//! # Where this sits
//! Installed by [`crate::App`] ([`install`]); reached from
//! [`crate::mcp::transport`] through the core's hooks.

pub mod envelope;
pub mod header_mirror;
pub mod post;
pub mod round_trip;
pub mod subscriptions;

use std::time::Duration;

pub use subscriptions::Notifier;

use crate::mcp::McpServer;

/// Serves the 2026-07-28 era on `server`'s endpoint, beside the 2025 one.
pub fn install(server: &mut McpServer) {
    server.install_era(Box::new(post::Era2026));
}

impl McpServer {
    /// `ttlMs` of cacheable 2026-07-28 results (default
    /// [`crate::mcp::DEFAULT_CACHE_TTL`]).
    pub fn cache_ttl(mut self, ttl: Duration) -> McpServer {
        self.cache_ttl = ttl;
        self
    }

    /// Declares `listChanged` for tools, prompts and resources to 2026-07-28
    /// clients, and honours their `subscriptions/listen` requests for those
    /// lists. Call it only if you announce changes through [`McpServer::notifier`].
    pub fn announce_list_changes(mut self) -> McpServer {
        self.announces_list_changes = true;
        self
    }

    /// A handle that announces changes to listening 2026-07-28 clients; keep it
    /// (it is cheap to clone) before handing the server to [`crate::App`].
    pub fn notifier(&self) -> Notifier {
        Notifier {
            hub: self.extension::<subscriptions::Hub>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::http::Request;
    use crate::mcp::transport;

    fn discover() -> Request {
        Request::new("POST", "/mcp").with_body(
            r#"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
        )
    }

    #[test]
    fn without_the_extension_a_2026_request_is_refused_with_400() {
        let core_only = Arc::new(McpServer::new("s"));
        let response = transport::handle(&core_only, discover(), None);
        assert_eq!(response.status, 400);
        let body = String::from_utf8_lossy(response.body_bytes()).into_owned();
        assert!(
            body.contains("-32600") && body.contains("speaks only"),
            "{body}"
        );

        // With it, the request gets past the era decision to this era's own
        // checks: here the missing mirrored headers (-32020, also 400).
        let mut server = McpServer::new("s");
        install(&mut server);
        let response = transport::handle(&Arc::new(server), discover(), None);
        assert_eq!(response.status, 400);
        let body = String::from_utf8_lossy(response.body_bytes()).into_owned();
        assert!(body.contains("-32020"), "{body}");
    }
}
