//! **[all](crate::_documentation::flow) The advanced layers — read them after
//! the core.** The core ([`crate::oauth`], [`crate::mcp`], [`crate::http`])
//! implements the sequence diagram of
//! [docs/FLOW.md](crate::_documentation::flow) on its own; each folder here
//! adds one thing on top of it. The core never imports this module
//! (`tests/architecture.rs` checks it): where it needs an extension, it
//! defines a small trait or hook, and the assembly ([`crate::app`],
//! [`crate::router`]) installs the extension's implementation. Each folder's
//! `mod.rs` says what it adds and which file to read first.
//!
//! | extension | adds | how it plugs in | read first |
//! |---|---|---|---|
//! | [`cimd`] | Client ID Metadata Documents (`[9]`–`[11]`): an https `client_id` whose document *is* the registration, as claude.ai uses; a cache, an SSRF-fenced fetch, claude.ai's document pinned | implements [`crate::oauth::client::ClientDocuments`]; [`crate::App`] installs it by default ([`crate::App::without_client_documents`] turns it off) | [`crate::oauth::client`], [`crate::oauth::url`] |
//! | [`upstream`] | sign-in through another identity provider (GitHub, OpenID Connect) (`[16]`–`[23]`), per-user upstream tokens for the tools | implements [`crate::oauth::provider::AuthProvider`], whose routes the router hands `/auth/…` | [`upstream`]'s "Why each piece is there", then `challenge.rs`, `callback.rs` |
//! | [`seal`] | secret values at rest: a pending upstream sign-in and each user's upstream token, sealed (XChaCha20-Poly1305, key derived from `MCP_SIGNING_KEY`) before any store sees them | [`seal::Sealed`] wraps any `Arc<dyn Store>`; the upstream sign-in uses it | [`crate::oauth::store`] |
//! | `redis` (cargo feature `redis`) | the state store shared by several instances (Cloud Run) | implements [`crate::oauth::store::Store`]; [`crate::app::open_store`] picks it when `REDIS_URL` is set | [`crate::oauth::store`] |
//! | [`trace`] | `MCP_TRACE=1`: the server narrates every request as the FLOW.md arrow it is | [`crate::router::route`] calls it around the `match` | [`crate::arrow`] |

pub mod cimd;
#[cfg(feature = "redis")]
pub mod redis;
pub mod seal;
pub mod trace;
pub mod upstream;
