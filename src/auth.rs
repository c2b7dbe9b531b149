//! **Tool calls — who is calling.** Every request to `/mcp` passes through
//! [`authenticate`], the single place that decides who the caller is. The tools
//! see the answer as [`Identity`] in their context (the Rust form of the seed's
//! `get_current_sub()`).
//!
//! PROVISIONAL: until the OAuth authorization server lands, the hook allows
//! every request and reports no identity.
//!
//! # Where this sits
//! Called by [`crate::router`] before [`crate::mcp::transport`].

use crate::app::Shared;
use crate::http::{Request, Response};

/// The authenticated caller of an MCP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's stable subject (e.g. GitHub's numeric user id).
    pub sub: String,
    /// The OAuth client the token was issued to.
    pub client_id: String,
    /// The scopes granted to the token.
    pub scopes: Vec<String>,
}

/// Decides who is calling `/mcp`: `Ok(Some(identity))`, `Ok(None)` when the
/// server runs without authorization, or `Err(response)` with the challenge to
/// send instead (401/403).
pub fn authenticate(_shared: &Shared, _request: &Request) -> Result<Option<Identity>, Response> {
    Ok(None)
}
