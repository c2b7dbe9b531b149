//! **[all](crate::_documentation::flow) The advanced layers — read after the
//! core.** The core ([`crate::oauth`], [`crate::mcp`], [`crate::http`])
//! implements the sequence diagram of
//! [docs/FLOW.md](crate::_documentation::flow) on its own; each folder here
//! adds one thing on top of it. The core never imports this module
//! (`tests/architecture.rs` checks it): where it needs an extension, it
//! defines a small trait, and the assembly ([`crate::app`]) installs the
//! extension's implementation.
//!
//! # The authorization server's extensions
//!
//! | extension | adds | how it plugs in | read first |
//! |---|---|---|---|
//! | [`cimd`] | Client ID Metadata Documents (`[9]`–`[11]`): an https `client_id` whose document *is* the registration, as claude.ai uses; a cache, an SSRF-fenced fetch, claude.ai's document pinned | implements [`crate::oauth::client::ClientDocuments`]; [`crate::App`] installs it by default ([`crate::App::without_client_documents`] turns it off) | [`crate::oauth::client`], [`crate::oauth::url`] |
//! | `redis` (cargo feature `redis`) | the state store shared by several instances (Cloud Run) | implements [`crate::oauth::store::Store`]; [`crate::app::open_store`] picks it when `REDIS_URL` is set | [`crate::oauth::store`] |
//! | [`seal`] | secret values at rest (`[16]`, `[19]`–`[21]`, `[28]`): a pending upstream sign-in and each user's upstream token, sealed (XChaCha20-Poly1305, key derived from `MCP_SIGNING_KEY`) before any store sees them | [`seal::Sealed`] wraps any `Arc<dyn Store>`; the upstream sign-in uses it | [`crate::oauth::store`] |

pub mod cimd;
#[cfg(feature = "redis")]
pub mod redis;
pub mod seal;
