//! **[16, 19, 22–23](crate::_documentation::flow) The two cookies of an
//! upstream sign-in — `mcp_signin` binds the callback to the browser that
//! consented; `mcp_session` carries the user back to this one authorization
//! request.**
//!
//! ```text
//!   [16] S → C  Set-Cookie: mcp_signin  = HMAC(key, state)                        10 minutes
//!   [19] C → S  Cookie:     mcp_signin  = HMAC(key, the callback's state)?        then cleared
//!   [22] S → C  Set-Cookie: mcp_session = signed {sub, bind, exp, jti}             5 minutes
//!   [23] C → S  Cookie:     mcp_session   bind = hash(this request)? unexpired? jti unused?
//! ```
//!
//! Both are `HttpOnly; SameSite=Lax` (they must ride along on the top-level
//! redirect back from the IdP), `__Host-` and `Secure` on an https public
//! URL: [`crate::oauth::cookie`] has the rules. Why each exists is in
//! [`super`]'s "Why each piece is there".
//!
//! # Spec
//! RFC 6265bis §4.1.3 (the `__Host-` prefix), §5.4.7 (`SameSite=Lax`);
//! RFC 6749 §10.12 (CSRF).
//!
//! # Where this sits
//! [`super::challenge`] sets `mcp_signin` at `[16]` and reads `mcp_session`
//! at `[23]`; [`super::callback`] checks and clears `mcp_signin` at `[19]`
//! and sets `mcp_session` at `[22]`. The session's single use is recorded by
//! [`super::records`].

use serde_json::json;

use super::records::STATE_TTL_SECS;
use crate::config::Config;
use crate::crypto::secret::{constant_time_eq, hash_hex, random_id};
use crate::http::Request;
use crate::oauth::cookie::{self, SameSite};
use crate::oauth::provider::{AuthorizationRequest, ProviderContext};
use crate::oauth::store::now;

/// The session cookie lives this long: only the hop from the callback back to
/// `/authorize` needs it.
pub const SESSION_TTL_SECS: u64 = 300;

/// Kind of the signed session cookie value (see [`crate::oauth::claims`]).
const SESSION_KIND: &str = "mcp_session";
/// Base names of the two cookies (see the module docs for the prefix).
const SIGNIN: &str = "mcp_signin";
const SESSION: &str = "mcp_session";
/// The MAC purpose of the sign-in cookie's value.
const SIGNIN_MAC: &str = "upstream-signin";

/// A `Set-Cookie` value for one of our two cookies: `SameSite=Lax`, so that
/// it rides along on the navigation back from the IdP ([`crate::oauth::cookie`]).
fn set_cookie(config: &Config, base: &str, value: &str, max_age: u64) -> String {
    cookie::set(config, base, value, max_age, SameSite::Lax)
}

// ── mcp_signin ──

/// `[16]`: the `Set-Cookie` value that binds the sign-in of `state` to this
/// browser, for [`STATE_TTL_SECS`].
pub(super) fn signin_cookie(ctx: &ProviderContext<'_>, state: &str) -> String {
    let mac = ctx.key.mac_b64(SIGNIN_MAC, state.as_bytes());
    set_cookie(ctx.config, SIGNIN, &mac, STATE_TTL_SECS)
}

/// `[19]`: the `Set-Cookie` value that deletes the sign-in cookie.
pub(super) fn clear_signin(config: &Config) -> String {
    set_cookie(config, SIGNIN, "", 0)
}

/// What the browser's sign-in cookie says about a callback's `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SigninCookie {
    /// This browser started the sign-in of this `state`.
    Matches,
    /// No sign-in cookie: the sign-in did not start in this browser.
    Missing,
    /// The cookie is for another sign-in.
    Mismatch,
}

/// `[19]`: compares the sign-in cookie with `HMAC(key, state)`, in constant time.
pub(super) fn check_signin(
    request: &Request,
    ctx: &ProviderContext<'_>,
    state: &str,
) -> SigninCookie {
    let expected = ctx.key.mac_b64(SIGNIN_MAC, state.as_bytes());
    match cookie::get(request, &cookie::name(ctx.config, SIGNIN)) {
        None => SigninCookie::Missing,
        Some(c) if !constant_time_eq(c.as_bytes(), expected.as_bytes()) => SigninCookie::Mismatch,
        Some(_) => SigninCookie::Matches,
    }
}

// ── mcp_session ──

/// What ties a session to one authorization request: a hash of the fields a
/// different request would change.
pub(super) fn binding(p: &AuthorizationRequest) -> String {
    hash_hex(
        &[
            p.client.id.as_str(),
            p.redirect_uri.as_str(),
            p.code_challenge.as_str(),
            p.state.as_deref().unwrap_or(""),
            &p.scopes.join(" "),
        ]
        .join("\0"),
    )
}

/// Whether `request` carries a session cookie at all (valid or not): what
/// makes a `GET /authorize` arrow `[23]` rather than `[12]` for the router.
pub fn carries_session(config: &Config, request: &Request) -> bool {
    cookie::get(request, &cookie::name(config, SESSION)).is_some()
}

/// `[22]`: the `Set-Cookie` value of a session for `sub`, bound to the
/// authorization request whose [`binding`] is `bind`, valid
/// [`SESSION_TTL_SECS`] from `now`.
pub(super) fn session_cookie(ctx: &ProviderContext<'_>, sub: &str, bind: &str, now: u64) -> String {
    let exp = now + SESSION_TTL_SECS;
    let session = ctx.key.sign(
        SESSION_KIND,
        &json!({"sub": sub, "bind": bind, "exp": exp, "jti": random_id()}),
    );
    set_cookie(ctx.config, SESSION, &session, SESSION_TTL_SECS)
}

/// A valid session cookie, as `[23]` reads it.
pub(super) struct Session {
    /// The user's subject.
    pub(super) sub: String,
    /// The session's id, spent on first use.
    pub(super) jti: String,
    /// Unix seconds.
    pub(super) exp: u64,
}

/// `[23]`: the session cookie, if it is signed by us, unexpired and bound to
/// `pending` (its single use is checked by the caller).
pub(super) fn session(
    request: &Request,
    pending: &AuthorizationRequest,
    ctx: &ProviderContext<'_>,
) -> Option<Session> {
    let value = cookie::get(request, &cookie::name(ctx.config, SESSION))?;
    let claims = ctx.key.verify(SESSION_KIND, value).ok()?;
    let sub = claims["sub"].as_str()?;
    let bind = claims["bind"].as_str()?;
    let exp = claims["exp"].as_u64()?;
    let jti = claims["jti"].as_str()?;
    if exp <= now() || bind != binding(pending) {
        return None;
    }
    Some(Session {
        sub: sub.to_string(),
        jti: jti.to_string(),
        exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_use_the_host_prefix_and_secure_only_on_https() {
        let mut config = Config::local(8080);
        assert_eq!(
            set_cookie(&config, SESSION, "v", 300),
            "mcp_session=v; Path=/; Max-Age=300; HttpOnly; SameSite=Lax"
        );
        config.public_url = "https://mcp.example".into();
        assert_eq!(
            set_cookie(&config, SESSION, "v", 300),
            "__Host-mcp_session=v; Path=/; Max-Age=300; HttpOnly; Secure; SameSite=Lax"
        );
    }
}
