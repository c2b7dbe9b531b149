//! **[all](crate::_documentation::flow) The advanced layers — read after the core.** The core ([`crate::oauth`],
//! [`crate::mcp`], [`crate::http`]) implements the sequence diagram of
//! [docs/FLOW.md](crate::_documentation::flow) on its own; each folder here
//! adds one thing on top of it, through a trait or hook the core defines, and
//! the assembly ([`crate::app`]) installs it. The core never imports this
//! module (`tests/architecture.rs` checks it).
//!
//! | extension | adds | read first |
//! |---|---|---|
//! | [`cimd`] | Client ID Metadata Documents (`[9]`–`[11]`): an https `client_id` whose document *is* the registration, as claude.ai uses; a cache, an SSRF-fenced fetch, claude.ai's document pinned. The core asks it through [`crate::oauth::client::ClientDocuments`]; [`crate::App`] installs it by default | [`crate::oauth::client`], [`crate::oauth::url`] |
//! | [`seal`] | secret values at rest (`[16]`, `[19]`–`[21]`, `[28]`): [`seal::Sealed`], any store plus a key derived from `MCP_SIGNING_KEY`, seals a pending upstream sign-in and each user's upstream token (XChaCha20-Poly1305) before the store sees them. Used by the upstream sign-in | [`crate::oauth::store`] |
//! | `redis` (cargo feature `redis`) | the [`crate::oauth::store::Store`] shared by several instances (Cloud Run), chosen by [`crate::app::open_store`] when `REDIS_URL` is set | [`crate::oauth::store`] |

pub mod cimd;
#[cfg(feature = "redis")]
pub mod redis;
pub mod seal;
