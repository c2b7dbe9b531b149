//! **[28–29](crate::_documentation::flow) Tool calls — the MCP server.**
//! Everything after the bearer token has been checked: `POST /mcp` carries one
//! JSON-RPC message of the Model Context Protocol, and the answer is a JSON-RPC
//! response, sent as `application/json` or, when the handler talks back while
//! working, as a `text/event-stream`.
//!
//! The server is **dual-era** on the one endpoint (MCP 2026-07-28
//! `basic/versioning#backward-compatibility-with-initialization-based-versions`):
//! * **modern** — revision **2026-07-28**: no `initialize`, no session; each
//!   request carries its version and the client's capabilities in `_meta`,
//!   `server/discover` says what the server offers, input from the client
//!   travels in multi round-trip results, changes on a `subscriptions/listen` stream;
//! * **legacy** — revisions **2025-11-25**, **2025-06-18**, **2025-03-26**:
//!   `initialize`, an optional session, requests back to the client on the
//!   call's SSE stream.
//!
//! [`version::decide`] is the one place that decides the era of a request;
//! tools, resources and prompts are written once and work in both.
//!
//! ```text
//!   router ──▶ transport::handle     HTTP: method, Origin/Host, session header,
//!                 │                  era (version::decide), JSON vs SSE
//!                 │ jsonrpc::parse   bytes → request | notification | response
//!                 │ modern, headers  2026-07-28 only: _meta envelope, mirrored
//!                 │                  headers, version (-32602/-32020/-32022)
//!                 ▼
//!              dispatch::request     one `match` on the method:
//!                 │                  server/discover | initialize, ping, tools/*,
//!                 │                  resources/*, prompts/*, completion/complete,
//!                 │                  subscriptions/listen | logging/setLevel
//!                 ▼
//!              your handlers         Tool / Resource / ResourceTemplate / Prompt
//!                                    (questions to the client: mrtr)
//! ```
//!
//! | module | spec |
//! |---|---|
//! | [`transport`] | 2025-11-25 `basic/transports` (Streamable HTTP); 2026-07-28 `basic/transports/streamable-http` |
//! | [`jsonrpc`] | `basic/index` (JSON-RPC 2.0 messages) |
//! | [`version`] | 2025-11-25 `basic/lifecycle#version-negotiation`; 2026-07-28 `basic/versioning` |
//! | [`modern`] | 2026-07-28 `basic/index#meta`, `server/discover`, `server/utilities/caching` |
//! | [`headers`] | 2026-07-28 `basic/transports/streamable-http#request-metadata` (SEP-2243) |
//! | [`dispatch`] | `basic/lifecycle`, `basic/utilities/{ping,progress,cancellation}`, `server/utilities/{pagination,completion}` |
//! | [`session`] | 2025-11-25 `basic/transports#session-management`, `basic/utilities/cancellation` |
//! | [`ask`], [`round_trip`] | 2025-11-25 `client/{elicitation,sampling,roots}`; 2026-07-28 `basic/patterns/mrtr` |
//! | [`subscriptions`] | 2026-07-28 `basic/patterns/subscriptions` |
//! | [`tool`], [`call`], [`result`], [`schema`], [`content`] | `server/tools` |
//! | [`resources`] | `server/resources` |
//! | [`prompts`] | `server/prompts`, `server/utilities/completion` |
//! | [`logging`] | `server/utilities/logging` |
//!
//! # Where this sits
//! [`McpServer`] is built by the application (`main`), handed to
//! [`crate::App`], and reached through [`crate::shared::Shared::mcp`] by
//! [`crate::router`] → [`transport::handle`].
//!
//! # Deprecated in 2026-07-28, still served
//! Sampling ([`ToolCall::sample`]), roots ([`ToolCall::roots`]) and logging
//! ([`ToolCall::log`]) keep working in both eras, but MCP 2026-07-28 deprecates
//! them (SEP-2577; earliest removal 2027-07-28). For new tools: call an LLM API
//! yourself instead of sampling; take paths as tool parameters instead of
//! roots; log to stderr ([`crate::log`]) instead of to the client.
//!
//! # Not implemented (on purpose)
//! * The legacy standalone `GET /mcp` SSE stream (it answers `405`): claude.ai
//!   works without it and a hanging GET broke connectors. Legacy clients get no
//!   change notifications (so `initialize` declares no `listChanged`); modern
//!   ones get them on `subscriptions/listen`.
//! * Resumability (`Last-Event-ID`), which 2026-07-28 removes again.
//! * JSON-RPC batches (see [`jsonrpc`]).
//! * Tasks (experimental in 2025-11-25, an extension in 2026-07-28).
//! * URL-mode elicitation, and questions to the client from `resources/read`.

pub mod ask;
pub mod call;
pub mod content;
pub mod dispatch;
pub mod exchange;
pub mod headers;
pub mod jsonrpc;
pub mod logging;
pub mod modern;
pub mod prompts;
pub mod resources;
pub mod result;
pub mod round_trip;
pub mod schema;
pub mod server;
pub mod session;
pub mod subscriptions;
pub mod tool;
pub mod transport;
pub mod version;

use std::time::Duration;

pub use ask::{Answer, Elicitation};
pub use call::ToolCall;
pub use content::{Content, ResourceBody, ResourceContents};
pub use logging::LogLevel;
pub use prompts::{Prompt, PromptError, PromptMessage, PromptRequest};
pub use resources::{Resource, ResourceError, ResourceRequest, ResourceTemplate};
pub use result::{ToolError, ToolResult};
pub use schema::{Param, Type};
pub use server::McpServer;
pub use subscriptions::Notifier;
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
