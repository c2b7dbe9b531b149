//! **[1–33](crate::_documentation::flow) Testing your tools — the whole flow in one call.**
//! A [`TestClient`] starts your real [`App`](crate::App) on an ephemeral loopback port,
//! walks the real OAuth 2.1 flow against it (registration, `/authorize` with
//! PKCE S256 — filling the password form like a browser when there is one —
//! and `/token`), then speaks MCP over real sockets in either protocol era,
//! answering the server's questions (elicitation, sampling) with your
//! closures. Your test reads like what the model does:
//!
//! ```
//! use remote_mcp::testing::TestClient;
//! use remote_mcp::{App, McpServer, Param, Tool};
//! use serde_json::json;
//!
//! let mcp = McpServer::new("my-service").tool(
//!     Tool::new("my_tool", "Look something up.")
//!         .arg(Param::string("query", "What to look up"))
//!         .handler(|call| Ok(format!("Result for: {}", call.str("query")?).into())),
//! );
//! let mut client = TestClient::start(App::new(mcp))?;
//! let result = client.call_tool("my_tool", json!({"query": "rust"}))?;
//! assert_eq!(result.text(), "Result for: rust");
//! assert!(!result.is_error());
//! # Ok::<(), remote_mcp::testing::TestError>(())
//! ```
//!
//! # What it does on the wire
//! * **Start**: [`App::start`](crate::App::start) on `127.0.0.1:0` (unless the app was given a
//!   [`crate::Config`]; then that one, which must bind loopback).
//! * **Sign in**: `POST /register` (a public client with a loopback redirect
//!   URI), `GET /authorize` with a fresh S256 challenge. A provider that
//!   issues the code at once answers `302`; a password form (HTML) is filled
//!   as a browser would: the cookies set by the `GET` are sent back on the
//!   `POST`, with `Origin` set to the server's origin
//!   ([`TestClientBuilder::password`]). Then `POST /token` with the verifier.
//!   A server built with [`App::without_auth`](crate::App::without_auth) is called without a token.
//! * **[`Era::Legacy`]** (MCP 2025-11-25): `initialize` declaring the
//!   capabilities you gave closures for, `notifications/initialized`, and the
//!   `Mcp-Session-Id` on every request. A request from the server on a call's
//!   SSE stream is answered by a separate `POST`, as the official clients do.
//! * **[`Era::Modern`]** (MCP 2026-07-28): no session; every request carries
//!   `_meta` (version, capabilities, client info) and the mirrored headers
//!   (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`). An
//!   `input_required` result is answered with your closures and the call
//!   retried with `inputResponses` and the echoed `requestState`.
//!
//! * **[`Era::LegacyWithoutSession`]**: 2025-11-25 requests without
//!   `initialize`, as a stateless client sends them.
//!
//! Every call asks for progress (`_meta.progressToken`); the notifications the
//! server sent along the way are in [`CallResult::notifications`].
//!
//! Only for tests: it trusts the server it started, and it panics nowhere but
//! reports what went wrong as a [`TestError`].
//!
//! # The files
//! `client.rs` (the client and its builder) signs in with `signin.rs` and
//! speaks MCP with `protocol.rs`, both over `wire.rs`, the only file that
//! touches a socket (it connects, and never listens); `era.rs`, `error.rs`
//! and `result.rs` are the leaves. Only the items re-exported here are
//! public.

mod client;
mod era;
mod error;
mod protocol;
mod result;
mod signin;
mod wire;

pub use client::{TestClient, TestClientBuilder};
pub use era::Era;
pub use error::TestError;
pub use result::CallResult;
