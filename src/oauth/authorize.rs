//! **[12–16, 23–25](crate::_documentation::flow) PKCE challenge — `GET`/`POST
//! /authorize`.** The browser arrives from the client with
//! `response_type=code`, `client_id`, `redirect_uri`, `code_challenge`
//! (+`S256`), `state`, `resource` and `scope`. We check them in the order RFC
//! 6749 prescribes, let the [`AuthProvider`](super::provider::AuthProvider)
//! decide who the user is, and send the browser back with a one-time code.
//!
//! ```text
//!   C → S  GET /authorize?…                 parse → client + redirect_uri (else HTML page, no redirect)
//!                                           → response_type, PKCE, resource, scope (else 302 ?error=…)
//!                                           → provider.authenticate
//!   S → C  302 redirect_uri?code&state&iss   (user known: single user, cookie, …)
//!   S → C  200 login/consent form            (provider.challenge → ShowForm)
//!   C → S  POST /authorize (form)            Origin + CSRF + throttle → authenticate(password)
//!   S → C  302 redirect_uri?code&state&iss
//!          (state store unreachable → 302 redirect_uri?error=temporarily_unavailable)
//! ```
//!
//! # Spec
//! * RFC 6749 §4.1.1 (request), §4.1.2 (response: code + state), §4.1.2.1
//!   (errors; "MUST NOT automatically redirect" on a bad client/redirect URI),
//!   §3.1.2 (exact redirect URI), §10.12 (CSRF).
//! * RFC 7636 §4.3 (challenge), MCP 2025-11-25: `S256` only.
//! * RFC 8707 §2 (`resource`; `invalid_target`), RFC 9207 (`iss` on the redirect).
//! * RFC 8252 §7.3 (loopback redirect ports).
//!
//! # Where this sits
//! After discovery and registration ([`super::discovery`], [`super::register`],
//! or a Client ID Metadata Document through [`super::client::ClientDocuments`]); the
//! code it issues is redeemed at [`super::token`].
//!
//! # Not implemented
//! * Remembered consent (a consent cookie): every authorization shows the form.
//! * `prompt`, `max_age`, `login_hint` (OpenID Connect parameters): ignored.

use super::claims::CodeClaims;
use super::client::{self, Client, ClientKind};
use super::encoding::{Params, with_query};
use super::error::{AuthorizeError, Delivery, html_page, html_page_with_link, redirect_to_client};
use super::login_form;
use super::provider::{AuthorizationRequest, LoginStep, ProviderContext};
use super::store::{StoreError, now};
use super::url::display_host;
use super::{OAuth, pkce};
use crate::config::Config;
use crate::crypto::secret::random_id;
use crate::http::{Request, Response};

/// Largest form body we accept: our own form is well under 8 KiB.
pub const MAX_FORM_BYTES: usize = 16 * 1024;
/// An authorization code lives this long (RFC 6749 §4.1.2: "maximum … of 10
/// minutes is RECOMMENDED").
pub const CODE_TTL_SECS: u64 = 300;

/// Wrong passwords from one address before it is locked out for a while.
const FAILURES_BEFORE_LOCK: u64 = 5;
/// Wrong passwords from everyone, per window, past which every address gets
/// one wrong try before its lock instead of five (a guesser with many
/// addresses). The form never closes for an address that has not failed.
const GLOBAL_FAILURES_PER_WINDOW: u64 = 100;
/// The counting window for failures.
const FAILURE_WINDOW_SECS: u64 = 15 * 60;

/// Where a redirected error goes, once `client_id` and `redirect_uri` are good.
struct ClientRedirect<'a> {
    redirect_uri: &'a str,
    state: Option<&'a str>,
    issuer: &'a str,
    /// Whether an error may redirect without the user's click.
    redirect_now: bool,
}

/// Answers `GET` and `POST /authorize`.
pub fn handle(config: &Config, oauth: &OAuth, request: &Request) -> Response {
    // ── parse: the query (GET), or the form body (POST) ──
    let params = match parse(request) {
        Ok(p) => p,
        Err(e) => return show_to_user(&e),
    };
    // ── client_id and redirect_uri: wrong here means no redirect at all ──
    let (client, redirect_uri) = match identify_client(oauth, &params) {
        Ok(found) => found,
        Err(e) => return show_to_user(&e),
    };
    let target = ClientRedirect {
        redirect_uri: &redirect_uri,
        state: params.get("state"),
        issuer: &config.public_url,
        // RFC 9700 §4.11.2: a client anyone could register must not turn us
        // into an open redirector. Before the user has acted (a GET), its
        // errors are shown here with a link back; only the operator's own
        // client, or a form the user submitted, is redirected at once.
        redirect_now: client.kind == ClientKind::Operator || request.method == "POST",
    };
    // ── everything else: errors go back to the client ──
    let pending = match validate(config, oauth, &params, client, &redirect_uri) {
        Ok(p) => p,
        Err(e) => return respond_error(e, &target),
    };
    match decide(config, oauth, request, &params, &pending) {
        Ok(response) => response,
        Err(e) => respond_error(e, &target),
    }
}

fn parse(request: &Request) -> Result<Params, AuthorizeError> {
    let malformed = |e: super::encoding::ParamsError| AuthorizeError::Malformed(e.to_string());
    if request.method == "POST" {
        if request.body.len() > MAX_FORM_BYTES {
            return Err(AuthorizeError::TooLarge);
        }
        Params::parse_body(&request.body).map_err(malformed)
    } else {
        Params::parse(&request.query).map_err(malformed)
    }
}

fn identify_client(oauth: &OAuth, params: &Params) -> Result<(Client, String), AuthorizeError> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| AuthorizeError::UnknownClient("no client_id".into()))?;
    let client = client::lookup(oauth, client_id)
        .map_err(|e| AuthorizeError::UnknownClient(e.to_string()))?;
    let redirect_uri = match params.get("redirect_uri") {
        Some(uri) if client.allows_redirect(uri) => uri.to_string(),
        Some(_) => return Err(AuthorizeError::BadRedirectUri),
        // RFC 6749 §3.1.2.3: without redirect_uri, only a single registered one is unambiguous.
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Err(AuthorizeError::BadRedirectUri),
    };
    // Registered before the host rules were as strict as the consent screen
    // needs ([`super::url::check_redirect_uri`]): shown to no one, sent nowhere.
    super::url::check_redirect_uri(&redirect_uri).map_err(|_| AuthorizeError::BadRedirectUri)?;
    Ok((client, redirect_uri))
}

fn validate(
    config: &Config,
    oauth: &OAuth,
    params: &Params,
    client: Client,
    redirect_uri: &str,
) -> Result<AuthorizationRequest, AuthorizeError> {
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => return Err(AuthorizeError::UnsupportedResponseType),
        None => return Err(AuthorizeError::InvalidRequest("response_type is required")),
    }
    let code_challenge = params
        .get("code_challenge")
        .ok_or(AuthorizeError::InvalidRequest(
            "code_challenge is required (PKCE, S256)",
        ))?;
    // A missing method means "plain" (RFC 7636 §4.3), which we refuse like plain.
    if params.get("code_challenge_method") != Some("S256") {
        return Err(AuthorizeError::InvalidRequest(
            "code_challenge_method must be S256",
        ));
    }
    if !pkce::is_valid_s256_challenge(code_challenge) {
        return Err(AuthorizeError::InvalidRequest(
            "code_challenge is not a base64url SHA-256 value",
        ));
    }
    if let Some(resource) = params.get("resource")
        && !super::url::is_our_resource(config, resource)
    {
        return Err(AuthorizeError::InvalidTarget);
    }
    let scopes = super::grant_scopes(&oauth.settings, params.get("scope"))
        .ok_or(AuthorizeError::InvalidScope)?;
    Ok(AuthorizationRequest {
        client,
        redirect_uri: redirect_uri.to_string(),
        redirect_uri_given: params.get("redirect_uri").is_some(),
        code_challenge: code_challenge.to_string(),
        state: params.get("state").map(str::to_string),
        resource: config.mcp_url(),
        scopes,
    })
}

/// The provider's part: a code, the form, or an upstream redirect.
fn decide(
    config: &Config,
    oauth: &OAuth,
    request: &Request,
    params: &Params,
    pending: &AuthorizationRequest,
) -> Result<Response, AuthorizeError> {
    let now = now();
    let ip = config.client_bucket(request);
    let browser = login_form::BrowserBinding::of(config, request);
    // The form, bound to this browser (its cookie set or renewed) and request.
    let form = |status: u16, message: Option<&str>| {
        let csrf = login_form::csrf_token(&oauth.key, pending, browser.value(), now);
        let consent = login_form::Consent {
            server_name: &oauth.settings.resource_name,
            public_url: &config.public_url,
            pending,
            original: params,
            csrf: &csrf,
            asks_password: oauth.provider.asks_password(),
            continues_at: oauth.provider.continues_at(),
            message,
        };
        login_form::render(status, &consent).with_header("Set-Cookie", &browser.set_cookie(config))
    };
    if request.method == "POST" {
        check_origin(config, request)?;
        login_form::check_csrf(&oauth.key, pending, browser.sent(), params.get("csrf"), now)
            .map_err(AuthorizeError::Forgery)?;
        if params.get("action") == Some("deny") {
            return Err(AuthorizeError::AccessDenied);
        }
        if is_throttled(oauth, &ip).map_err(AuthorizeError::Unavailable)? {
            return Ok(form(429, Some(&AuthorizeError::Throttled.to_string())));
        }
    }
    // The provider sees what was checked: the query on a GET, the form alone
    // on a POST (a password in a POST's query string would end up in history
    // and proxy logs, and nothing above validated that query).
    if let Some(sub) = oauth.provider.authenticate(request, params) {
        return Ok(issue_code(config, oauth, pending, sub, now));
    }
    // Only a wrong password is a failure to count: a consent-only form (an
    // upstream IdP, no password) comes back here after every approval.
    if request.method == "POST" && oauth.provider.asks_password() {
        record_failure(oauth, &ip, now).map_err(AuthorizeError::Unavailable)?;
    }
    let ctx = ProviderContext {
        config,
        key: &oauth.key,
        store: oauth.store.as_ref(),
    };
    Ok(match oauth.provider.challenge(request, pending, &ctx) {
        LoginStep::ShowForm { retry_message } => form(200, retry_message.as_deref()),
        LoginStep::Respond(response) => response,
        LoginStep::Authenticated(sub) => issue_code(config, oauth, pending, sub, now),
    })
}

/// The first two of the form's three defences ([`login_form`] has the
/// whole design; the third is the browser-bound CSRF token). A browser
/// says where a POST comes from twice: `Sec-Fetch-Site` (Fetch Metadata),
/// and `Origin`, which our page's `Referrer-Policy: same-origin` keeps
/// truthful. Either naming anything but our own origin is a cross-site
/// submission. Clients that send neither (scripts, old browsers) still need
/// the cookie-bound token.
fn check_origin(config: &Config, request: &Request) -> Result<(), AuthorizeError> {
    match request.header("Sec-Fetch-Site") {
        None | Some("same-origin") | Some("none") => {}
        Some(_) => {
            return Err(AuthorizeError::Forgery(
                "the form was posted from another site",
            ));
        }
    }
    match request.header("Origin") {
        None => Ok(()),
        Some(origin) if origin.eq_ignore_ascii_case(&config.public_url) => Ok(()),
        Some("null") => Err(AuthorizeError::Forgery(
            "the form was posted from a page without an origin",
        )),
        Some(_) => Err(AuthorizeError::Forgery(
            "the form was posted from another site",
        )),
    }
}

/// Whether this address (an IPv6 one by its /64) is locked out. Only its own
/// failures lock it: a stranger's wrong passwords never refuse the right one
/// to someone else.
fn is_throttled(oauth: &OAuth, bucket: &str) -> Result<bool, StoreError> {
    oauth.store.contains(&format!("rate:login-lock:{bucket}"))
}

/// Counts a wrong password. From the fifth failure of an address on (the
/// first, while more than [`GLOBAL_FAILURES_PER_WINDOW`] failures from
/// everyone say a guesser is spreading over many addresses), the address is
/// locked out for 30 s, then 60 s, 120 s, … up to 15 minutes (exponential).
fn record_failure(oauth: &OAuth, bucket: &str, now: u64) -> Result<(), StoreError> {
    let failures = oauth.store.increment(
        &format!("rate:login-fail:{bucket}"),
        now + FAILURE_WINDOW_SECS,
    )?;
    let everyone = oauth
        .store
        .increment("rate:login-fail:global", now + FAILURE_WINDOW_SECS)?;
    let allowed = if everyone > GLOBAL_FAILURES_PER_WINDOW {
        1
    } else {
        FAILURES_BEFORE_LOCK
    };
    if failures >= allowed {
        let exponent = (failures - allowed).min(5) as u32;
        let lock = (30u64 << exponent).min(FAILURE_WINDOW_SECS);
        oauth
            .store
            .insert_once(&format!("rate:login-lock:{bucket}"), now + lock)?;
    }
    crate::log::event(
        "WARNING",
        &format!("failed sign-in at /authorize from {bucket} ({failures} in window)"),
    );
    Ok(())
}

/// The successful end of the step: sign a code bound to everything the token
/// step must check, and send the browser back to the client with a 302.
fn issue_code(
    config: &Config,
    oauth: &OAuth,
    pending: &AuthorizationRequest,
    sub: String,
    now: u64,
) -> Response {
    let code = CodeClaims {
        client_id: pending.client.id.clone(),
        redirect_uri: pending.redirect_uri.clone(),
        redirect_uri_given: pending.redirect_uri_given,
        code_challenge: pending.code_challenge.clone(),
        resource: pending.resource.clone(),
        scopes: pending.scopes.clone(),
        sub,
        expires_at: now + CODE_TTL_SECS,
        id: random_id(),
    }
    .sign(&oauth.key);
    let mut params = vec![("code", code.expose())];
    if let Some(state) = &pending.state {
        params.push(("state", state.as_str()));
    }
    params.push(("iss", config.public_url.as_str()));
    redirect_to_client(&pending.redirect_uri, &params)
}

fn show_to_user(e: &AuthorizeError) -> Response {
    html_page(e.status(), "Authorization failed", &e.to_string())
}

fn respond_error(e: AuthorizeError, target: &ClientRedirect<'_>) -> Response {
    if let AuthorizeError::Unavailable(cause) = &e {
        super::error::log_unavailable(cause);
    }
    match e.delivery() {
        Delivery::ShowToUser => show_to_user(&e),
        Delivery::RedirectToClient => {
            let description = e.to_string();
            let mut params = vec![
                ("error", e.code()),
                ("error_description", description.as_str()),
            ];
            if let Some(state) = target.state {
                params.push(("state", state));
            }
            params.push(("iss", target.issuer));
            if target.redirect_now {
                return redirect_to_client(target.redirect_uri, &params);
            }
            // The same answer, one click away: the user sees where it goes.
            let back = with_query(target.redirect_uri, params.iter().copied());
            let text = format!("Return to {}", display_host(target.redirect_uri));
            let status = match e {
                AuthorizeError::Unavailable(_) => 503,
                _ => 400,
            };
            html_page_with_link(
                status,
                "Authorization failed",
                &format!("The application's request cannot be approved: {description}."),
                Some((&back, &text)),
            )
        }
    }
}
