//! **[13–14](crate::_documentation::flow) PKCE challenge, password branch — the
//! login and consent form.** `S → C 200 login/consent form; C → S POST
//! /authorize`. The page names this server, the client (and whether its name
//! is verified), the host the browser will be sent to and the access asked
//! for; it asks for the password when the provider has one, and carries every
//! authorization parameter back in hidden fields, plus a CSRF token.
//!
//! # The form's defence against cross-site submission
//! Three checks, each enough against a page on another site; `/authorize`
//! makes all of them ([`super::authorize`]):
//! 1. **`Origin`**: the page is served with `Referrer-Policy: same-origin`
//!    ([`super::page`]), so a browser's POST from it carries our origin. Any
//!    other `Origin` — including `null`, which a sandboxed frame or a
//!    `data:` page sends — is refused; a missing one is let through to the
//!    next checks (old browsers, scripts).
//! 2. **`Sec-Fetch-Site`**, where the browser sends it: `same-origin` (or
//!    `none`, a user's own action) only.
//! 3. **A CSRF token bound to this browser and this request**: `GET
//!    /authorize` gives the browser a random `mcp_consent` cookie
//!    (`HttpOnly; SameSite=Strict`, [`super::cookie`]) and puts
//!    `ts.HMAC(key, ts ‖ cookie ‖ client_id ‖ redirect_uri ‖ challenge ‖ state
//!    ‖ resource ‖ scope)` in the form. A token fetched by anyone else (a
//!    plain `GET` from a script) is worthless without that browser's cookie,
//!    which another site can neither read nor send (`Strict`); changing any
//!    hidden field (say, the redirect URI) invalidates it; it expires after
//!    30 minutes. No server-side session is needed, so the POST may land on
//!    another instance.
//!
//! # Spec
//! * MCP Security Best Practices, *Consent UI Requirements*: client name,
//!   redirect host, scopes; CSRF protection; no framing.
//! * RFC 6749 §10.12 (CSRF), OWASP *Cross-Site Request Forgery Prevention*
//!   (signed double-submit cookie, Fetch Metadata, `Origin` verification).
//! * Every value HTML-escaped ([`html_escape`]).
//!
//! # Where this sits
//! Rendered by [`super::authorize`] for [`super::provider::LoginStep::ShowForm`];
//! the POST comes back to [`super::authorize`], which calls [`check_csrf`].
//! The page's look and policy: [`super::page`].
//!
//! # Not implemented
//! * Per-scope checkboxes: the user approves all requested scopes or denies.
//! * JavaScript: none at all, so the page works with scripts switched off.

use super::client::ClientKind;
use super::cookie::{self, SameSite};
use super::encoding::{Params, html_escape};
use super::page::{self, Page};
use super::provider::AuthorizationRequest;
use super::url::{display_host, is_loopback_host};
use crate::config::Config;
use crate::crypto::secret::{constant_time_eq, random_id};
use crate::crypto::signing::SigningKey;
use crate::http::{Request, Response};

/// How long a rendered form may be submitted.
pub const FORM_LIFETIME_SECS: u64 = 30 * 60;

/// Base name of the cookie that binds the form to the browser.
const CONSENT_COOKIE: &str = "mcp_consent";

/// The browser's side of the CSRF token: the random value of its
/// `mcp_consent` cookie.
#[derive(Debug)]
pub struct BrowserBinding {
    value: String,
    /// Whether the browser sent it (else it is new and must be set).
    sent: bool,
}

impl BrowserBinding {
    /// The cookie's value from the request, or a new random one.
    pub fn of(config: &Config, request: &Request) -> BrowserBinding {
        match cookie::get(request, &cookie::name(config, CONSENT_COOKIE)) {
            // Only a value of the shape we issue: anything else is replaced.
            Some(v)
                if v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                BrowserBinding {
                    value: v.to_string(),
                    sent: true,
                }
            }
            _ => BrowserBinding {
                value: random_id(),
                sent: false,
            },
        }
    }

    /// The value (sent or new): what a token issued now is bound to.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value, if the browser sent the cookie: the POST needs it.
    pub fn sent(&self) -> Option<&str> {
        self.sent.then_some(self.value.as_str())
    }

    /// The `Set-Cookie` value that (re)starts the cookie's lifetime.
    pub fn set_cookie(&self, config: &Config) -> String {
        cookie::set(
            config,
            CONSENT_COOKIE,
            &self.value,
            FORM_LIFETIME_SECS,
            SameSite::Strict,
        )
    }
}

/// The CSRF token for `pending` in the browser with `binding`, issued at `now`.
pub fn csrf_token(
    key: &SigningKey,
    pending: &AuthorizationRequest,
    binding: &str,
    now: u64,
) -> String {
    format!(
        "{now}.{}",
        key.mac_b64("csrf", &csrf_input(pending, binding, now))
    )
}

/// Whether `token` is the CSRF token we would issue for `pending` to the
/// browser whose cookie holds `binding`, and fresh.
pub fn check_csrf(
    key: &SigningKey,
    pending: &AuthorizationRequest,
    binding: Option<&str>,
    token: Option<&str>,
    now: u64,
) -> Result<(), &'static str> {
    let binding = binding.ok_or(
        "your browser did not send back this page's cookie; allow cookies for this site and try again",
    )?;
    let token = token.ok_or("the form has no CSRF token")?;
    let (ts, _) = token.split_once('.').ok_or("the CSRF token is malformed")?;
    let issued: u64 = ts.parse().map_err(|_| "the CSRF token is malformed")?;
    if issued > now + 60 || now > issued + FORM_LIFETIME_SECS {
        return Err("the form has expired");
    }
    let expected = csrf_token(key, pending, binding, issued);
    if constant_time_eq(expected.as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err("the form was not issued to this browser for this request")
    }
}

fn csrf_input(p: &AuthorizationRequest, binding: &str, ts: u64) -> Vec<u8> {
    // \0 separates the fields so that moving characters between two fields
    // changes the input.
    [
        ts.to_string().as_str(),
        binding,
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

/// Everything the consent page shows.
#[derive(Debug)]
pub struct Consent<'a> {
    /// This MCP server's name (`McpServer::new(name)`).
    pub server_name: &'a str,
    /// This server's public URL.
    pub public_url: &'a str,
    /// The request being approved.
    pub pending: &'a AuthorizationRequest,
    /// The parameters as received, carried back in hidden fields.
    pub original: &'a Params,
    /// The CSRF token for this browser and request.
    pub csrf: &'a str,
    /// Whether to ask for a password.
    pub asks_password: bool,
    /// Where the user signs in next, if not here: `(name, authorize URL)`.
    pub continues_at: Option<(&'a str, &'a str)>,
    /// An error to show above the form (`role="alert"`).
    pub message: Option<&'a str>,
}

/// The form page: `status` 200, or 429 when throttled.
pub fn render(status: u16, c: &Consent<'_>) -> Response {
    let pending = c.pending;
    let client_name = pending
        .client
        .name
        .as_deref()
        .unwrap_or("An unnamed application");
    let (badge_class, badge) = match pending.client.kind {
        ClientKind::MetadataDocument => (
            "badge verified",
            format!(
                "verified: published by {}",
                display_host(&pending.client.id)
            ),
        ),
        ClientKind::Operator => (
            "badge verified",
            "set up by this server's operator".to_string(),
        ),
        ClientKind::Registered => (
            "badge",
            "self-registered: its name is not verified".to_string(),
        ),
    };
    let redirect_host = display_host(&pending.redirect_uri);
    let mut notes = String::new();
    if super::url::UrlParts::parse(&pending.redirect_uri).is_some_and(|p| is_loopback_host(&p.host))
    {
        notes.push_str(
            "<p class=\"note\">The browser will be sent to a program on <strong>this computer</strong> \
             (a local address). Continue only if you started this connection from such a program.</p>",
        );
    }
    if redirect_host.contains("xn--") {
        notes.push_str(
            "<p class=\"note\">The destination's name uses letters from outside the Latin alphabet; \
             it is shown in the form your browser will use. Make sure it is the site you expect.</p>",
        );
    }
    let mut hidden = String::new();
    for (name, value) in c
        .original
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
        html_escape(c.csrf)
    ));
    let message = c
        .message
        .map(|m| format!("<p class=\"alert\" role=\"alert\">{}</p>", html_escape(m)))
        .unwrap_or_default();
    let password = if c.asks_password {
        "<label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required autofocus>"
    } else {
        ""
    };
    let (allow, then) = match c.continues_at {
        Some((idp, _)) => (
            format!("Continue with {}", html_escape(idp)),
            format!(
                "<p>Next you sign in with <strong>{}</strong>; then your browser returns to <strong>{}</strong>.</p>",
                html_escape(idp),
                html_escape(&redirect_host)
            ),
        ),
        None => ("Allow".to_string(), String::new()),
    };
    let body = format!(
        "<p><strong>{name}</strong> <span class=\"{badge_class}\">{badge}</span></p>\
         <p>asks to use this server's tools on your behalf.</p>\
         <dl><dt>Access</dt><dd><code>{scopes}</code></dd>\
         <dt>Returns to</dt><dd><strong>{redirect_host}</strong></dd></dl>\
         {notes}{then}{message}\
         <form method=\"post\" action=\"/authorize\">{hidden}{password}\
         <div class=\"actions\"><button class=\"primary\" type=\"submit\" name=\"action\" value=\"allow\">{allow}</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\" formnovalidate>Deny</button></div></form>",
        name = html_escape(client_name),
        badge = html_escape(&badge),
        scopes = html_escape(&pending.scopes.join(" ")),
        redirect_host = html_escape(&redirect_host),
    );
    let server_host = display_host(c.public_url);
    let title = format!("Connect {client_name} to {}", c.server_name);
    let mut form_targets: Vec<String> =
        page::origin_of(&pending.redirect_uri).into_iter().collect();
    form_targets.extend(c.continues_at.and_then(|(_, url)| page::origin_of(url)));
    let mut r = page::render(
        status,
        &Page {
            title: &title,
            server: Some((c.server_name, &server_host)),
            body_html: body,
            form_targets,
        },
    );
    if status == 429 {
        r = r.with_header("Retry-After", "60");
    }
    r
}
