//! **[all](crate::_documentation::flow) The advanced layers — read them after
//! the core.** The core (`http`, `oauth`, `mcp`) implements the sequence
//! diagram of [docs/FLOW.md](crate::_documentation::flow) on its own; each
//! folder here adds one thing on top of it through a hook the core defines,
//! and the core never imports from here (`tests/architecture.rs` checks it).
//! Only the assembly ([`crate::app`], [`crate::router`]) puts them in. Each
//! folder's `mod.rs` says what it adds and which file to read first.
//!
//! | extension | adds | arrows | read first |
//! |---|---|---|---|
//! | [`upstream`] | sign-in through another identity provider (GitHub, OpenID Connect), per-user upstream tokens for the tools | 13–14, 16–23 | [`upstream`]'s "Why each piece is there", then `challenge.rs`, `callback.rs` |
//! | [`trace`] | `MCP_TRACE=1`: the server narrates every request as the FLOW.md arrow it is | all | [`crate::arrow`], then [`trace`] |

pub mod trace;
pub mod upstream;
