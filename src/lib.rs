//! # remote-mcp
//!
//! A remote MCP server for claude.ai in about 30 lines, guarded by its own
//! OAuth 2.1 authorization server (PKCE S256), written to be read.
//!
//! The modules map one-to-one to the arrows of the sequence diagram in
//! [docs/FLOW.md](_documentation::flow), and every module's documentation
//! opens with the numbers of the arrows it serves. Start there, or run
//! `cargo run --example walkthrough`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod _documentation;
pub mod app;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod doctor;
pub mod ext;
pub mod http;
pub mod identity;
pub mod log;
pub mod mcp;
pub mod oauth;
pub mod outbound;
pub mod router;
pub mod shared;
pub mod testing;
pub mod trace;

pub use app::{App, RunningServer};
pub use config::Config;
pub use identity::Identity;
pub use mcp::{McpServer, Param, Tool, ToolCall, ToolError, ToolResult, Type};
pub use oauth::provider::{AuthProvider, SingleUserProvider, StaticPasswordProvider};

/// The README's Rust blocks, compiled by `cargo test --doc` so that the
/// README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
