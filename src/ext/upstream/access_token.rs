//! **[28–29](crate::_documentation::flow) The user's upstream token, for the
//! tools — refreshed when it is about to expire, forgotten when the upstream
//! says it was revoked.** A tool handler runs inside `[28]` as the signed-in
//! user (`call.caller()`) and asks [`super::UpstreamProvider::access_token`]
//! for that user's token at the IdP.
//!
//! ```text
//!   tool handler ─▶ provider.access_token(call.caller())
//!                     kept token (records) ─▶ not expiring      ─▶ the token
//!                                          ─▶ expiring + refresh token
//!                                               S → I POST token_url grant_type=refresh_token
//!                                               ─▶ kept again (the old refresh token if none came), the token
//!                                          ─▶ expired, no refresh token ─▶ Expired: "sign in again"
//!   upstream API answers 401 ─▶ provider.forget(call.caller()) ─▶ the next call: NotSignedIn
//! ```
//!
//! Upstream tokens never leave the server: the MCP client holds *our*
//! tokens (`mcp_at.…`), which are useless at the IdP, and the IdP's tokens
//! are useless here (MCP *Security Best Practices*, Token Passthrough).
//!
//! # Spec
//! RFC 6749 §6 (refreshing; the IdP may or may not rotate the refresh token).
//!
//! # Where this sits
//! Called by your tools. `?` on an [`UpstreamTokenError`] turns it into a
//! failed tool result through [`crate::ToolError`]'s
//! `From<E: std::error::Error>`, with the message below: the model tells the
//! user what to do. The refresh request is [`super::exchange`]'s; the token
//! is kept by [`super::records`].

use std::fmt;

use super::UpstreamProvider;
use super::exchange::{self, ExchangeError};
use super::records::{self, token_ttl_end};
use crate::crypto::secret::Secret;
use crate::identity::Identity;
use crate::oauth::store::now;

/// An upstream access token this close to its expiry is refreshed first.
const REFRESH_MARGIN_SECS: u64 = 60;

/// Why a tool got no upstream token for its caller. Each is shown to the user
/// (through the model) as a tool error saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamTokenError {
    /// The request has no authenticated caller (the server runs without auth).
    NoCaller,
    /// No token is on record: never signed in, forgotten after a `401`, or
    /// lost with a restart of an in-memory store.
    NotSignedIn {
        /// The IdP's display name.
        idp: String,
    },
    /// The token expired and there is no refresh token.
    Expired {
        /// The IdP's display name.
        idp: String,
    },
    /// The refresh request failed.
    RefreshFailed {
        /// The IdP's display name.
        idp: String,
        /// Why.
        reason: String,
    },
    /// The store holding the token is unreachable (Redis down): try again.
    Unavailable,
}

impl fmt::Display for UpstreamTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamTokenError::NoCaller => f.write_str(
                "This tool acts as the signed-in user, and this request has none \
                 (the server runs without authorization).",
            ),
            UpstreamTokenError::NotSignedIn { idp } => write!(
                f,
                "This server holds no {idp} sign-in for you (it was revoked, or the server \
                 restarted). Disconnect and reconnect the connector to sign in with {idp} again."
            ),
            UpstreamTokenError::Expired { idp } => write!(
                f,
                "Your {idp} sign-in has expired. Disconnect and reconnect the connector \
                 to sign in with {idp} again."
            ),
            UpstreamTokenError::RefreshFailed { idp, reason } => write!(
                f,
                "Your {idp} sign-in could not be renewed ({reason}). Disconnect and reconnect \
                 the connector to sign in with {idp} again."
            ),
            UpstreamTokenError::Unavailable => f.write_str(
                "The server cannot reach its state store right now; try again in a few seconds.",
            ),
        }
    }
}

impl std::error::Error for UpstreamTokenError {}

impl UpstreamProvider {
    /// The caller's upstream access token, refreshed first if it is about to
    /// expire and the IdP gave a refresh token. Never hand it to the client.
    pub fn access_token(&self, caller: Option<&Identity>) -> Result<Secret, UpstreamTokenError> {
        let caller = caller.ok_or(UpstreamTokenError::NoCaller)?;
        let idp = &self.inner.idp;
        let store = &self.inner.store;
        let display = || idp.display_name.clone();
        let token = records::get_user_token(store, &idp.name, &caller.sub)
            .map_err(|e| {
                crate::oauth::error::log_unavailable(&e);
                UpstreamTokenError::Unavailable
            })?
            .ok_or_else(|| UpstreamTokenError::NotSignedIn { idp: display() })?;
        let now = now();
        match token.expires_at {
            Some(expires) if expires <= now + REFRESH_MARGIN_SECS => {}
            _ => return Ok(token.access_token),
        }
        let Some(refresh_token) = &token.refresh_token else {
            self.forget(Some(caller));
            return Err(UpstreamTokenError::Expired { idp: display() });
        };
        match exchange::refresh(&self.inner.http, idp, refresh_token, now) {
            Ok(mut fresh) => {
                // An IdP that does not rotate refresh tokens keeps the old one valid.
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = token.refresh_token.clone();
                    fresh.refresh_expires_at = token.refresh_expires_at;
                }
                let access = fresh.access_token.clone();
                // If it cannot be kept, this call still works; the next one
                // finds the old, rotated-away token and asks for a new sign-in.
                let until = token_ttl_end(&fresh, now, None);
                if let Err(e) =
                    records::put_user_token(store, &idp.name, &caller.sub, &fresh, until)
                {
                    crate::oauth::error::log_unavailable(&e);
                }
                Ok(access)
            }
            Err(e) => {
                crate::log::event(
                    "WARNING",
                    &format!("{}: refreshing an upstream token failed: {e}", idp.name),
                );
                if matches!(e, ExchangeError::Refused { .. }) {
                    self.forget(Some(caller));
                }
                Err(UpstreamTokenError::RefreshFailed {
                    idp: display(),
                    reason: e.to_string(),
                })
            }
        }
    }

    /// Forgets the caller's upstream token: call it when the upstream answers
    /// `401` (revoked), so the next call says "sign in again" at once. Best
    /// effort: if the store is unreachable the record stays until its expiry,
    /// and the next use finds it refused again.
    pub fn forget(&self, caller: Option<&Identity>) {
        if let Some(caller) = caller {
            let store = &self.inner.store;
            if let Err(e) = records::remove_user_token(store, &self.inner.idp.name, &caller.sub) {
                crate::oauth::error::log_unavailable(&e);
            }
        }
    }
}
