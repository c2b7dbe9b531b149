//! **[28–29](crate::_documentation::flow) The advanced layers, read after the
//! core.** Each extension is a folder whose `mod.rs` says what it adds and
//! what to read first. The core (every module outside `ext/`) never imports
//! one: it defines small hooks, the extensions implement them, and the
//! assembly ([`crate::App`]) installs them.
//!
//! | extension | adds | hooks into |
//! |---|---|---|
//! | [`era_2026`] | the MCP 2026-07-28 era on the same endpoint: `_meta` envelope, mirrored headers, multi round-trip, `subscriptions/listen` | [`crate::mcp::server::EraHook`], [`crate::mcp::exchange::EraRequest`] |
//! | [`capabilities`] | resources, prompts, completion | [`crate::mcp::server::Capability`] |
//!
//! # Where this sits
//! Installed by [`crate::App`]; nothing in the core names these modules.

pub mod capabilities;
pub mod era_2026;
