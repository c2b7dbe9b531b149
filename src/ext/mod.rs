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
//! | [`era_2026`] | the MCP 2026-07-28 era on the same `/mcp` (`[28]`–`[29]`): the `_meta` envelope, mirrored headers, multi round-trip requests, `subscriptions/listen` | implements [`crate::mcp::server::EraHook`] and [`crate::mcp::exchange::EraRequest`]; [`crate::App`] installs it | [`era_2026`] (the two eras, said once) |
//! | [`capabilities`] | resources, prompts, completion (`[28]`–`[29]`) | implements [`crate::mcp::server::Capability`]; the builder methods `.resource()`, `.prompt()` live there | [`crate::mcp::server`] |
//! | [`cimd`] | Client ID Metadata Documents (`[9]`–`[11]`): an https `client_id` whose document *is* the registration, as claude.ai uses; a cache, an SSRF-fenced fetch, claude.ai's document pinned | implements [`crate::oauth::client::ClientDocuments`]; [`crate::App`] installs it by default ([`crate::App::without_client_documents`] turns it off) | [`crate::oauth::client`], [`crate::oauth::url`] |
//! | [`upstream`] | sign-in through another identity provider (GitHub, OpenID Connect) (`[16]`–`[23]`), per-user upstream tokens for the tools | implements [`crate::oauth::provider::AuthProvider`], whose routes the router hands `/auth/…` | [`upstream`]'s "Why each piece is there", then `challenge.rs`, `callback.rs` |
//! | [`seal`] | secret values at rest: a pending upstream sign-in and each user's upstream token, sealed (XChaCha20-Poly1305, key derived from `MCP_SIGNING_KEY`) before any store sees them | [`seal::Sealed`] wraps any `Arc<dyn Store>`; the upstream sign-in uses it | [`crate::oauth::store`] |
//! | `redis` (cargo feature `redis`) | the state store shared by several instances (Cloud Run) | implements [`crate::oauth::store::Store`]; [`crate::app::open_store`] picks it when `REDIS_URL` is set | [`crate::oauth::store`] |
//! | [`trace`] | `MCP_TRACE=1`: the server narrates every request as the FLOW.md arrow it is | [`crate::router::route`] calls it around the `match` | [`crate::arrow`] |

pub mod capabilities;
pub mod cimd;
pub mod era_2026;
#[cfg(feature = "redis")]
pub mod redis;
pub mod seal;
pub mod trace;
pub mod upstream;
