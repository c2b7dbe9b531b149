//! **The advanced layers — read after the core.** The core ([`crate::oauth`],
//! [`crate::mcp`], [`crate::http`]) implements the sequence diagram of
//! [docs/FLOW.md](crate::_documentation::flow) on its own; each folder here
//! adds one thing on top of it, through a trait or hook the core defines, and
//! the assembly ([`crate::app`]) installs it. The core never imports this
//! module (`tests/architecture.rs` checks it).
//!
//! | extension | adds | read first |
//! |---|---|---|
//! | `redis` (cargo feature `redis`) | the [`crate::oauth::store::Store`] shared by several instances (Cloud Run), chosen by [`crate::app::open_store`] when `REDIS_URL` is set | [`crate::oauth::store`] |

#[cfg(feature = "redis")]
pub mod redis;
