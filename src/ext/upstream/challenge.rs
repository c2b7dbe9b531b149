//! **[13–14, 16, 23](crate::_documentation::flow) `/authorize` with the
//! upstream provider — our consent screen, then the redirect to the IdP;
//! and, when the user comes back, the session that ends the sign-in.** What
//! [`crate::oauth::provider::AuthProvider::challenge`] answers for
//! [`super::UpstreamProvider`], after `/authorize` has checked the client and
//! the PKCE fields.
//!
//! ```text
//!   [12→13] GET  /authorize                  allowlist empty?  → 403 page
//!                                            else our consent screen (LoginStep::ShowForm)
//!   [14→16] POST /authorize (Allow)          Origin + CSRF checked by /authorize: consent given
//!                                            ≤ SIGNINS_PER_ADDRESS per address, else 429
//!                                            state, PKCE verifier, nonce stored (10 min, single use)
//!           S → C 302 authorize_url?response_type=code&client_id&redirect_uri&state
//!                     &code_challenge&code_challenge_method=S256[&scope][&nonce…]
//!                 Set-Cookie: mcp_signin = HMAC(key, state)
//!   [23→24] GET  /authorize + mcp_session    bound to this request, first use
//!                                            → LoginStep::Authenticated(sub) → our code
//! ```
//!
//! # Spec
//! * RFC 6749 §4.1.1, with us as the IdP's client; §10.12 (`state`).
//! * RFC 7636 §4.2–§4.3 (S256 toward the IdP too).
//! * OpenID Connect Core 1.0 §3.1.2.1 (`nonce`, sent when an identity layer
//!   is present).
//! * MCP 2025-11-25 *Security Best Practices*, Confused Deputy: consent
//!   before redirecting upstream.
//!
//! # Where this sits
//! [`crate::oauth::authorize`] calls the provider's `challenge`;
//! [`super::provider`] hands it to `handle` here. The IdP sends the browser
//! back to [`super::callback`].

use super::UpstreamProvider;
use super::cookies::{self, binding};
use super::pages::{self, unavailable};
use super::records::{self, PendingSignIn};
use crate::crypto::secret::Secret;
use crate::http::{Request, Response};
use crate::oauth::encoding::with_query;
use crate::oauth::pkce;
use crate::oauth::provider::{AuthorizationRequest, LoginStep, ProviderContext};
use crate::oauth::store::StoreError;

/// Upstream sign-ins one client address (an IPv6 one by its /64) may start
/// per [`super::STATE_TTL_SECS`]: each stores a pending record for that long,
/// and nobody has signed in yet to answer for it.
pub const SIGNINS_PER_ADDRESS: u64 = 30;

/// `AuthProvider::challenge` for the upstream provider.
pub(super) fn handle(
    provider: &UpstreamProvider,
    request: &Request,
    pending: &AuthorizationRequest,
    ctx: &ProviderContext<'_>,
) -> LoginStep {
    if provider.allowed_count() == 0 {
        return LoginStep::Respond(pages::nobody_allowed(provider.display_name()));
    }
    // [23]: back from the callback with a session for this very request.
    match session_user(provider, request, pending, ctx) {
        Ok(Some(sub)) => return LoginStep::Authenticated(sub),
        Ok(None) => {}
        Err(e) => return LoginStep::Respond(unavailable(&e)),
    }
    if request.method == "POST" {
        // [14]: /authorize has checked the Origin and the CSRF token, and
        // that the user did not press Deny: consent is given.
        if let Some(refused) = too_many_signins(request, ctx) {
            return LoginStep::Respond(refused);
        }
        return LoginStep::Respond(redirect_upstream(provider, pending, ctx));
    }
    // [13]: our consent screen (the form /authorize renders, with no password).
    LoginStep::ShowForm {
        retry_message: None,
    }
}

/// `[23]`: the user of a valid session cookie bound to `pending`, accepted
/// once: a second `/authorize` with the same cookie shows the consent screen
/// again.
fn session_user(
    provider: &UpstreamProvider,
    request: &Request,
    pending: &AuthorizationRequest,
    ctx: &ProviderContext<'_>,
) -> Result<Option<String>, StoreError> {
    let Some(session) = cookies::session(request, pending, ctx) else {
        return Ok(None);
    };
    let store = &provider.inner.store;
    let first_use = records::first_use_of_session(store, &session.jti, session.exp)?;
    Ok(first_use.then_some(session.sub))
}

/// Each consent POST stores a pending sign-in for [`super::STATE_TTL_SECS`]
/// before anyone has signed in: counted per client address, so one stranger
/// cannot fill the store (3,000 POSTs once held 46 MiB). `None`: go ahead.
fn too_many_signins(request: &Request, ctx: &ProviderContext<'_>) -> Option<Response> {
    let bucket = ctx.config.client_bucket(request);
    match records::count_signin(ctx.store, &bucket) {
        Ok(n) if n <= SIGNINS_PER_ADDRESS => None,
        Ok(_) => Some(pages::too_many_signins()),
        Err(e) => Some(unavailable(&e)),
    }
}

/// `[16]`: a fresh `state` and PKCE verifier (and `nonce`) kept for the
/// callback, and the browser sent to the IdP with the sign-in cookie.
fn redirect_upstream(
    provider: &UpstreamProvider,
    pending: &AuthorizationRequest,
    ctx: &ProviderContext<'_>,
) -> Response {
    let idp = &provider.inner.idp;
    let state = Secret::generate();
    let verifier = Secret::generate();
    let record = PendingSignIn {
        bind: binding(pending),
        resume: pending.resume_path(),
        redirect_uri: pending.redirect_uri.clone(),
        client_state: pending.state.clone(),
        verifier: verifier.clone(),
        nonce: Secret::generate().expose().to_string(),
    };
    let store = &provider.inner.store;
    if let Err(e) = records::put_pending(store, state.expose(), &record) {
        return unavailable(&e);
    }
    let callback = format!("{}{}", ctx.config.public_url, provider.callback_path());
    let challenge = pkce::s256(verifier.expose());
    let scope = idp.scopes.join(" ");
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", idp.client_id.as_str()),
        ("redirect_uri", callback.as_str()),
        ("state", state.expose()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if !scope.is_empty() {
        query.push(("scope", scope.as_str()));
    }
    let extra = provider.inner.layer.as_ref().map(|l| l.authorize_params());
    if let Some(extra) = &extra {
        query.push(("nonce", record.nonce.as_str()));
        query.extend(extra.iter().map(|(n, v)| (*n, v.as_str())));
    }
    let location = with_query(&idp.authorize_url, query);
    Response::empty(302)
        .with_header("Location", &location)
        .with_header("Cache-Control", "no-store")
        .with_header("Set-Cookie", &cookies::signin_cookie(ctx, state.expose()))
}
