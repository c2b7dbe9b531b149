//! **[all](crate::_documentation::flow) The advanced layers — read them after the core.** Each folder here adds
//! one thing to the core that implements the sequence diagram of
//! [docs/FLOW.md](crate::_documentation::flow); the core never imports them
//! (checked by `tests/architecture.rs`), and only the assembly
//! ([`crate::app`], [`crate::router`]) puts them in.
//!
//! * [`trace`]: `MCP_TRACE=1`, the server narrates every request as the
//!   FLOW.md arrow it is. Read [`crate::arrow`] first.

pub mod trace;
