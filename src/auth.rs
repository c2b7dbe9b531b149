//! **[1–2, 28–29](crate::_documentation::flow) Tool calls — who is calling.**
//! Every request to `/mcp` passes through [`authenticate`], the single place
//! that decides who the caller is. The tools see the answer as an [`Identity`] in
//! their context (`call.caller()`).
//!
//! ```text
//!   router: (_, "/mcp") → authenticate ─ Err(401/403 challenge) → sent as is
//!                                      └ Ok(Some(identity))       → mcp::transport → tools (call.caller())
//!                                      └ Ok(None)                 → App::without_auth() (loopback only)
//! ```
//!
//! # Spec
//! * MCP 2025-11-25 *Authorization — Token Handling*: validate the token on
//!   every request, before any work (sessions are never authentication).
//!
//! # Where this sits
//! Called by [`crate::router`] before [`crate::mcp::transport`]; the checking
//! itself is [`crate::oauth::bearer`].

use crate::http::{Request, Response};
use crate::identity::Identity;
use crate::oauth::bearer::{self, BearerError};
use crate::shared::Shared;

/// Decides who is calling `/mcp`: `Ok(Some(identity))`, `Ok(None)` when the
/// server runs without authorization ([`crate::App::without_auth`]), or
/// `Err(response)` with the challenge to send instead (401/403, or 400 for a
/// token in the query string; 503 when the revocation records are unreachable). Every method is checked, `GET` included: the
/// 401 comes before any 405.
///
/// A CORS preflight (`OPTIONS`) passes with `Ok(None)`: browsers never attach
/// credentials to a preflight, and it carries no MCP message.
pub fn authenticate(shared: &Shared, request: &Request) -> Result<Option<Identity>, Response> {
    let Some(oauth) = &shared.oauth else {
        return Ok(None);
    };
    if request.method == "OPTIONS" {
        return Ok(None);
    }
    match bearer::check(&shared.config, oauth, request) {
        Ok(identity) => Ok(Some(identity)),
        Err(BearerError::Unavailable(e)) => Err(bearer::unavailable(&e, Some(request))),
        Err(e) => Err(bearer::challenge(&shared.config, oauth, &e)),
    }
}
