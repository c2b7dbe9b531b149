//! **[19–22](crate::_documentation::flow) `GET /auth/{idp}/callback` — the
//! IdP sends the user back; we check it is *this* browser and *this*
//! sign-in, redeem the code, learn who signed in, and return to
//! `/authorize`.** One function per check, in the order they run; the first
//! that fails answers.
//!
//! ```text
//!   [19] C → S  GET /auth/{idp}/callback?code&state   (or ?error=access_denied&state)
//!        check_browser   Cookie mcp_signin = HMAC(key, state)?          no → 400 page
//!        take_pending    the state's record, deleted as it is read       none → 400 page
//!        approved_code   error=… from the IdP?  → 302 redirect_uri?error=access_denied&state&iss
//!   [20] redeem_code     S → I  POST token_url code + code_verifier + client secret
//!   [21] identify        I → S  token → who is it (identify or the identity layer), allowed?
//!        keep            the upstream token, sealed in the store under the user's subject
//!   [22] resume          S → C  302 /authorize?… (the same request) + Set-Cookie mcp_session,
//!                               mcp_signin cleared
//! ```
//!
//! Once the pending sign-in is known, a failure is a page that says why with
//! a link back to the client carrying the OAuth `error` (and the client's
//! `state` and our `iss`), and the sign-in cookie is cleared. Before that
//! there is no client to go back to: the page says to start again.
//!
//! # Spec
//! RFC 6749 §4.1.2 and §10.12 (we are the client now: check `state`),
//! §4.1.2.1 (an error from the IdP goes back to the client as
//! `access_denied`), §4.1.3 (the code); RFC 7636 §4.5 (the verifier);
//! RFC 9207 (`iss` on the way back).
//!
//! # Where this sits
//! [`crate::router`] sends every `/auth/…` path to the provider's `route`;
//! [`super::provider`] hands the callback path to `handle` here. The browser
//! goes on to `/authorize`, where [`super::challenge`] accepts the session.

use super::UpstreamProvider;
use super::cookies::{self, SigninCookie};
use super::exchange;
use super::idp::{SignInRefusal, UpstreamUser};
use super::pages::{self, unavailable};
use super::records::{self, PendingSignIn, UpstreamToken, token_ttl_end};
use crate::http::{Request, Response};
use crate::oauth::encoding::{Params, with_query};
use crate::oauth::error::redirect_to_client;
use crate::oauth::provider::ProviderContext;
use crate::oauth::store::{StoreError, now};

/// `GET /auth/{idp}/callback`, `[19]`–`[22]`.
pub(super) fn handle(
    provider: &UpstreamProvider,
    request: &Request,
    ctx: &ProviderContext<'_>,
) -> Response {
    match sign_in(provider, request, ctx) {
        Ok(resumed) => resumed,
        Err(refused) => refused,
    }
}

/// The checks in order; each `Err` is the answer that says why.
fn sign_in(
    provider: &UpstreamProvider,
    request: &Request,
    ctx: &ProviderContext<'_>,
) -> Result<Response, Response> {
    let idp = &provider.inner.idp;
    let params = Params::parse(&request.query)
        .map_err(|e| pages::callback_refused(&format!("The callback is malformed ({e}).")))?;
    let state = params
        .get("state")
        .ok_or_else(|| pages::callback_refused("The callback has no state."))?;
    check_browser(request, ctx, state, &idp.display_name)?;
    let pending = take_pending(provider, state)?;
    let back = BackToClient {
        pending: &pending,
        iss: &ctx.config.public_url,
        clear: cookies::clear_signin(ctx.config),
    };
    let code = approved_code(&params, &back, &idp.display_name)?;
    let now = now();
    let token = redeem_code(provider, ctx, code, &pending, now)
        .map_err(|why| back.fail(502, "Sign-in failed", "server_error", &why))?;
    let user = identify(provider, &token, &pending.nonce).map_err(|r| back.refused(&r))?;
    keep(provider, ctx, &user, &token, now)
        .map_err(|e| unavailable(&e).with_header("Set-Cookie", &back.clear))?;
    crate::log::event(
        "INFO",
        &format!("{}: {} (id {}) signed in", idp.name, user.login, user.id),
    );
    Ok(resume(ctx, &user, &pending, now, &back.clear))
}

/// `[19]`: the callback must arrive in the browser that consented, whose
/// sign-in cookie is `HMAC(key, state)`. Without this check an attacker
/// could send a victim a callback link carrying the attacker's own code.
fn check_browser(
    request: &Request,
    ctx: &ProviderContext<'_>,
    state: &str,
    idp_name: &str,
) -> Result<(), Response> {
    match cookies::check_signin(request, ctx, state) {
        SigninCookie::Matches => Ok(()),
        SigninCookie::Missing => Err(pages::callback_refused(&format!(
            "This {idp_name} sign-in did not start in this browser (it has no sign-in cookie)."
        ))),
        SigninCookie::Mismatch => Err(pages::callback_refused(&format!(
            "This {idp_name} callback does not belong to the sign-in this browser started."
        ))),
    }
}

/// `[19]`: the state is known, fresh and unused — and from now on used: it
/// is *taken* from the store, so a replayed callback finds nothing.
fn take_pending(provider: &UpstreamProvider, state: &str) -> Result<PendingSignIn, Response> {
    match records::take_pending(&provider.inner.store, state) {
        Ok(Some(pending)) => Ok(pending),
        Ok(None) => Err(pages::callback_refused(
            "This sign-in link has expired or was already used.",
        )),
        Err(e) => Err(unavailable(&e)),
    }
}

/// Where a failure goes once the pending sign-in is known: back to the
/// client, with the OAuth error, the client's `state` and our `iss`.
struct BackToClient<'a> {
    pending: &'a PendingSignIn,
    iss: &'a str,
    /// The `Set-Cookie` value that clears the sign-in cookie.
    clear: String,
}

impl BackToClient<'_> {
    fn params<'s>(&'s self, error: &'s str, description: &'s str) -> Vec<(&'s str, &'s str)> {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(state) = &self.pending.client_state {
            params.push(("state", state.as_str()));
        }
        params.push(("iss", self.iss));
        params
    }

    /// Straight back to the client's `redirect_uri` (the user said no at
    /// the IdP: nothing to explain on our side).
    fn redirect(&self, error: &str, description: &str) -> Response {
        redirect_to_client(&self.pending.redirect_uri, &self.params(error, description))
            .with_header("Set-Cookie", &self.clear)
    }

    /// A failed sign-in: a page that says why, with a link that takes the
    /// browser back to the client with `error`.
    fn fail(&self, status: u16, title: &str, error: &str, why: &str) -> Response {
        let back_link = with_query(&self.pending.redirect_uri, self.params(error, why));
        pages::page(status, title, why, Some(&back_link)).with_header("Set-Cookie", &self.clear)
    }

    fn refused(&self, r: &SignInRefusal) -> Response {
        self.fail(r.status, &r.title, r.error, &r.why)
    }
}

/// `[18]`→`[19]`: did the user approve at the IdP? An `error` from the IdP
/// goes back to the client as `access_denied`; no code is a failed sign-in.
fn approved_code<'q>(
    params: &'q Params,
    back: &BackToClient<'_>,
    idp_name: &str,
) -> Result<&'q str, Response> {
    if let Some(error) = params.get("error") {
        let description = format!("the {idp_name} sign-in was not completed ({error})");
        return Err(back.redirect("access_denied", &description));
    }
    params.get("code").ok_or_else(|| {
        let why = format!("{idp_name} sent no code back.");
        back.fail(400, "Sign-in failed", "server_error", &why)
    })
}

/// `[20]`: the code and our PKCE verifier for the user's upstream token.
/// `Err`: why, in words for the user.
fn redeem_code(
    provider: &UpstreamProvider,
    ctx: &ProviderContext<'_>,
    code: &str,
    pending: &PendingSignIn,
    now: u64,
) -> Result<UpstreamToken, String> {
    let idp = &provider.inner.idp;
    let callback = format!("{}{}", ctx.config.public_url, provider.callback_path());
    let http = &provider.inner.http;
    exchange::exchange_code(http, idp, code, &callback, &pending.verifier, now).map_err(|e| {
        crate::log::event(
            "WARNING",
            &format!("{}: code exchange failed: {e}", idp.name),
        );
        format!("{} did not accept the sign-in ({e}).", idp.display_name)
    })
}

/// `[21]`: who signed in, and may they? The identity layer decides, or else
/// `idp.identify` and the allowlist.
fn identify(
    provider: &UpstreamProvider,
    token: &UpstreamToken,
    nonce: &str,
) -> Result<UpstreamUser, SignInRefusal> {
    let idp = &provider.inner.idp;
    if let Some(layer) = &provider.inner.layer {
        let decided = layer.identify(token.id_token.as_deref(), &token.access_token, nonce);
        if let Err(r) = &decided {
            let why = &r.why;
            crate::log::event("WARNING", &format!("{}: sign-in refused: {why}", idp.name));
        }
        return decided;
    }
    let user = (idp.identify)(&token.access_token).map_err(|e| {
        crate::log::event(
            "WARNING",
            &format!("{}: identifying the user failed: {e}", idp.name),
        );
        SignInRefusal::failed(format!(
            "{} did not say who you are ({e}).",
            idp.display_name
        ))
    })?;
    if !provider.inner.allowlist.admits(&user) {
        crate::log::event(
            "WARNING",
            &format!(
                "{}: {} (id {}) is not on the allowlist",
                idp.name, user.login, user.id
            ),
        );
        return Err(SignInRefusal::not_allowed(format!(
            "{} user {} is not allowed to use this server. Ask its operator to add you.",
            idp.display_name, user.login
        )));
    }
    Ok(user)
}

/// `[21]`: the upstream token, kept for the tools under the user's subject;
/// it never leaves the server.
fn keep(
    provider: &UpstreamProvider,
    ctx: &ProviderContext<'_>,
    user: &UpstreamUser,
    token: &UpstreamToken,
    now: u64,
) -> Result<(), StoreError> {
    let until = token_ttl_end(token, now, Some(ctx.config));
    let store = &provider.inner.store;
    records::put_user_token(store, &provider.inner.idp.name, &user.id, token, until)
}

/// `[22]`: the session cookie, bound to the pending request, and back to
/// `/authorize` with the same request; the sign-in cookie is cleared.
fn resume(
    ctx: &ProviderContext<'_>,
    user: &UpstreamUser,
    pending: &PendingSignIn,
    now: u64,
    clear: &str,
) -> Response {
    let session = cookies::session_cookie(ctx, &user.id, &pending.bind, now);
    Response::empty(302)
        .with_header("Location", &pending.resume)
        .with_header("Cache-Control", "no-store")
        .with_header("Set-Cookie", &session)
        .with_header("Set-Cookie", clear)
}
