//! **[13–14](crate::_documentation::flow) PKCE challenge, password branch — the
//! login and consent form.** `S → C 200 login/consent form; C → S POST
//! /authorize`. The page names the client and the host the browser will be sent
//! to, asks for the password, and carries every authorization parameter back in
//! hidden fields, plus a CSRF token.
//!
//! The CSRF token is `ts.HMAC(key, ts ‖ client_id ‖ redirect_uri ‖ challenge ‖
//! state ‖ resource ‖ scope)`: bound to *this* authorization request and valid
//! for 30 minutes. A page on another site cannot produce it, and changing any
//! hidden field (say, the redirect URI) invalidates it. No server-side session
//! is needed, so a POST may land on another instance.
//!
//! # Spec
//! * MCP Security Best Practices, *Consent UI Requirements*: client name,
//!   redirect host, scopes; CSRF protection; no framing
//!   (`frame-ancestors 'none'`, `X-Frame-Options: DENY`, from
//!   [`Response::html`]).
//! * OWASP: every value HTML-escaped ([`html_escape`]).
//!
//! # Where this sits
//! Rendered by [`super::authorize`] for [`super::provider::LoginStep::ShowForm`];
//! the POST comes back to [`super::authorize`], which calls [`check_csrf`].
//!
//! # Not implemented
//! * Per-scope checkboxes: the user approves all requested scopes or denies.
//! * Styling beyond a few inline rules; no JavaScript at all.

use super::client::ClientKind;
use super::encoding::{Params, html_escape};
use super::provider::AuthorizationRequest;
use super::secret::constant_time_eq;
use super::tokens::SigningKey;
use crate::http::Response;

/// How long a rendered form may be submitted.
pub const FORM_LIFETIME_SECS: u64 = 30 * 60;

/// The CSRF token for `pending`, issued at `now`.
pub fn csrf_token(key: &SigningKey, pending: &AuthorizationRequest, now: u64) -> String {
    format!("{now}.{}", key.mac_b64("csrf", &csrf_input(pending, now)))
}

/// Whether `token` is the CSRF token we would issue for `pending`, and fresh.
pub fn check_csrf(
    key: &SigningKey,
    pending: &AuthorizationRequest,
    token: Option<&str>,
    now: u64,
) -> Result<(), &'static str> {
    let token = token.ok_or("the form has no CSRF token")?;
    let (ts, _) = token.split_once('.').ok_or("the CSRF token is malformed")?;
    let issued: u64 = ts.parse().map_err(|_| "the CSRF token is malformed")?;
    if issued > now + 60 || now > issued + FORM_LIFETIME_SECS {
        return Err("the form has expired");
    }
    let expected = format!(
        "{issued}.{}",
        key.mac_b64("csrf", &csrf_input(pending, issued))
    );
    if constant_time_eq(expected.as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err("the CSRF token does not match this request")
    }
}

fn csrf_input(p: &AuthorizationRequest, ts: u64) -> Vec<u8> {
    // \0 separates the fields so that moving characters between two fields
    // changes the input.
    [
        ts.to_string().as_str(),
        &p.client.id,
        &p.redirect_uri,
        &p.code_challenge,
        p.state.as_deref().unwrap_or(""),
        &p.resource,
        &p.scopes.join(" "),
    ]
    .join("\0")
    .into_bytes()
}

/// The form page: `status` 200, or 429 when throttled.
pub fn render(
    status: u16,
    pending: &AuthorizationRequest,
    original: &Params,
    csrf: &str,
    asks_password: bool,
    message: Option<&str>,
) -> Response {
    let client_name = pending
        .client
        .name
        .as_deref()
        .unwrap_or("An unnamed application");
    let verified = match pending.client.kind {
        ClientKind::MetadataDocument => format!(
            " (identified by {})",
            super::client::UrlParts::parse(&pending.client.id)
                .map(|p| p.host)
                .unwrap_or_default()
        ),
        ClientKind::Operator => " (configured by the operator)".to_string(),
        ClientKind::Registered => " (self-registered; its name is unverified)".to_string(),
    };
    let mut hidden = String::new();
    for (name, value) in original
        .iter()
        .filter(|(n, _)| !matches!(*n, "password" | "csrf" | "action"))
    {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            html_escape(name),
            html_escape(value)
        ));
    }
    hidden.push_str(&format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        html_escape(csrf)
    ));
    let password = if asks_password {
        "<p><label>Password<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" required autofocus></label></p>"
    } else {
        ""
    };
    let message = message
        .map(|m| {
            format!(
                "<p role=\"alert\" style=\"color:#b00\">{}</p>",
                html_escape(m)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Sign in</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\">\
         <h1 style=\"font-size:1.3rem\">Sign in to connect</h1>\
         <p><strong>{name}</strong>{verified} asks to use this MCP server on your behalf.</p>\
         <p>After you approve, your browser is sent to <strong>{host}</strong>.</p>\
         <p>Access requested: <code>{scopes}</code></p>{message}\
         <form method=\"post\" action=\"/authorize\">{hidden}{password}\
         <p><button type=\"submit\" name=\"action\" value=\"allow\">Allow</button> \
         <button type=\"submit\" name=\"action\" value=\"deny\" formnovalidate>Deny</button></p></form></body></html>",
        name = html_escape(client_name),
        verified = html_escape(&verified),
        host = html_escape(&pending.redirect_host()),
        scopes = html_escape(&pending.scopes.join(" ")),
    );
    let mut r = Response::html(status, html)
        .with_header("Cache-Control", "no-store")
        .with_header("Referrer-Policy", "no-referrer");
    if status == 429 {
        r = r.with_header("Retry-After", "60");
    }
    r
}
