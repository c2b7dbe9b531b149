//! **[28–29](crate::_documentation::flow) Tool calls — the MCP server.**
//! Everything after the bearer token has been checked (arrow `[28]`): `POST
//! /mcp` carries one JSON-RPC message of the Model Context Protocol, and the
//! answer (arrow `[29]`) is a JSON-RPC response, sent as `application/json` or,
//! when the handler talks back while working, as a `text/event-stream`.
//!
//! This is the core: the 2025 era of MCP (revisions 2025-11-25, 2025-06-18,
//! 2025-03-26) — `initialize`, an optional session, tools, questions to the
//! client on the open request. A newcomer can read it alone. The advanced
//! parts are extensions the core never imports, installed by [`crate::App`]
//! through small hooks the core defines:
//! * the 2026-07-28 era on the same endpoint — [`crate::ext::era_2026`], which
//!   also explains the two eras — through [`server::EraHook`] and
//!   [`exchange::EraRequest`];
//! * resources, prompts and completion — [`crate::ext::capabilities`] —
//!   through [`server::Capability`].
//!
//! ```text
//!   router ──▶ transport::handle     HTTP: method, session header,
//!                 │                  era (version::decide), JSON vs SSE
//!                 │ jsonrpc::parse   bytes → request | notification | response
//!                 │                  (2026-07-28 → the era hook)
//!                 ▼
//!              dispatch::request     one `match` on the method:
//!                 │                  initialize, ping, logging/setLevel,
//!                 │                  tools/list, tools/call | a Capability's method
//!                 ▼
//!              your handlers         Tool (call.rs: ToolCall; questions: ask.rs)
//! ```
//!
//! Read in this order:
//!
//! | module | job | spec (MCP 2025-11-25) |
//! |---|---|---|
//! | [`origin`] | `Origin`/`Host` checked first (DNS rebinding) | `basic/transports#security-warning` |
//! | [`transport`] | Streamable HTTP in and out | `basic/transports` |
//! | [`jsonrpc`] | JSON-RPC 2.0 messages | `basic/index` |
//! | [`version`] | which revision (era) a message speaks | `basic/lifecycle#version-negotiation` |
//! | [`session`] | what the server remembers between POSTs | `basic/transports#session-management`, `basic/utilities/cancellation` |
//! | [`exchange`] | what a request is answered with; the later era's hook | |
//! | [`dispatch`] | one request in, one response out | `basic/lifecycle`, `basic/utilities/{ping,cancellation}`, `server/utilities/pagination` |
//! | [`server`] | [`McpServer`]: identity, tools, memory, the hooks | `basic/lifecycle#initialization` |
//! | [`tool`], [`call`], [`result`] | a tool; one running call; what it returns | `server/tools`, `basic/utilities/progress` |
//! | [`schema`], [`content`] | argument and result schemas; content blocks | `server/tools` |
//! | [`question`], [`ask`] | asking the client while a call runs | `client/{elicitation,sampling,roots}` |
//! | [`logging`] | log messages to the client | `server/utilities/logging` |
//!
//! # Where this sits
//! [`McpServer`] is built by the application (`main`), handed to
//! [`crate::App`], and reached through [`crate::shared::Shared::mcp`] by
//! [`crate::router`] → [`transport::handle`].
//!
//! # Not implemented (on purpose)
//! * The legacy standalone `GET /mcp` SSE stream (it answers `405`): claude.ai
//!   works without it and a hanging GET broke connectors. 2025-era clients get
//!   no change notifications (so `initialize` declares no `listChanged`);
//!   2026-07-28 ones get them on `subscriptions/listen`.
//! * Resumability (`Last-Event-ID`), which 2026-07-28 removes again.
//! * JSON-RPC batches (see [`jsonrpc`]).
//! * Tasks (experimental in 2025-11-25, an extension in 2026-07-28).
//! * URL-mode elicitation, and questions to the client from `resources/read`.

pub mod ask;
pub mod call;
pub mod content;
pub mod dispatch;
pub mod exchange;
pub mod jsonrpc;
pub mod logging;
pub mod origin;
pub mod question;
pub(crate) mod registry;
pub mod result;
pub mod schema;
pub mod server;
pub mod session;
pub mod tool;
pub mod transport;
pub mod version;

use std::time::Duration;

pub use call::ToolCall;
pub use content::{Content, ResourceBody, ResourceContents};
pub use logging::LogLevel;
pub use question::{Answer, Elicitation};
pub use result::{ToolError, ToolResult};
pub use schema::{Param, Type};
pub use server::McpServer;
pub use tool::Tool;

/// The default page size of `tools/list`, `resources/list`,
/// `resources/templates/list` and `prompts/list`: large enough that an ordinary
/// server answers in one page (some clients never ask for the next one).
pub const DEFAULT_PAGE_SIZE: usize = 1000;

/// How long a tool waits for the client to answer an elicitation or sampling
/// request: claude.ai gives a tool call 300 s in all.
pub const DEFAULT_CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a legacy client *without a session* gets to answer an
/// elicitation or sampling request: it never declared whether it can, so the
/// tool does not wait the full [`DEFAULT_CLIENT_REQUEST_TIMEOUT`] for an answer
/// that may never come ([`McpServer::unknown_client_wait`], [`ask`]).
///
/// ```
/// assert_eq!(remote_mcp::mcp::DEFAULT_UNKNOWN_CLIENT_WAIT.as_secs(), 5);
/// ```
pub const DEFAULT_UNKNOWN_CLIENT_WAIT: Duration = Duration::from_secs(5);

/// How long a 2026-07-28 client may reuse a list, `server/discover` or a
/// resource it read (`ttlMs`): a minute, because claude.ai was seen keeping a
/// stale tool list after a deploy.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);
