//! **[7–8, 12–15, 26–27, 30–33](crate::_documentation::flow) Every OAuth step
//! that can fail — errors and their channels.** One hand-written enum per
//! endpoint; each variant is one wire error and says so. An OAuth error leaves
//! by exactly one of four channels, and each channel has exactly one function
//! here that writes it:
//!
//! | channel | when | writer |
//! |---|---|---|
//! | HTML page to the user | the browser is here and the client cannot be trusted with a redirect | [`html_page`] |
//! | 302 back to the client | `/authorize`, once `client_id` and `redirect_uri` are known good | [`redirect_to_client`] |
//! | JSON body | `/token`, `/register`, `/revoke` | [`json_error`] |
//! | `WWW-Authenticate` challenge | `/mcp` | [`super::bearer::challenge`] |
//!
//! # Spec
//! * RFC 6749 §4.1.2.1 (authorization errors: "MUST NOT automatically redirect"
//!   when the client or redirect URI is bad; otherwise redirect with `error`
//!   and `state`), §5.2 (token errors), RFC 9207 (`iss` on the redirect).
//! * RFC 7591 §3.2.2 (registration errors), RFC 7009 §2.2.1 (revocation errors),
//!   RFC 8707 §2 (`invalid_target`).
//!
//! # Where this sits
//! Used by [`super::authorize`], [`super::token`], [`super::register`] and
//! [`super::revoke`].
//!
//! # Not implemented
//! * `error_uri`: the descriptions say what went wrong; there is no error catalogue page.
//! * Localised messages: English only.

use std::fmt;

use serde_json::json;

use super::encoding::{html_escape, with_query};
use super::store::StoreError;
use crate::http::Response;

/// The JSON error channel: `{"error": code, "error_description": …}` with
/// `Cache-Control: no-store` and CORS for browser clients. Descriptions never
/// contain a secret.
pub fn json_error(status: u16, code: &str, description: &str) -> Response {
    let mut r = Response::json(
        status,
        &json!({ "error": code, "error_description": description }),
    )
    .with_header("Cache-Control", "no-store")
    .with_header("Pragma", "no-cache")
    .with_header("Access-Control-Allow-Origin", "*");
    match status {
        429 => r = r.with_header("Retry-After", "60"),
        503 => r = r.with_header("Retry-After", RETRY_AFTER_UNAVAILABLE),
        _ => {}
    }
    r
}

/// `Retry-After` on a `503` for an unreachable state store: a few seconds,
/// long enough for a Redis failover, short enough for a person waiting.
pub const RETRY_AFTER_UNAVAILABLE: &str = "5";

/// What the client is told when the state store is unreachable (the cause
/// goes to the log, not to the client).
pub const UNAVAILABLE: &str = "the server cannot reach its state store; retry in a few seconds";

/// Logs why the store failed, once, where the error becomes a response.
pub fn log_unavailable(e: &StoreError) {
    crate::log::event("ERROR", &e.to_string());
}

/// The user channel: a small HTML page (never framed), status as given, in
/// the look of every page of ours ([`super::page`]).
pub fn html_page(status: u16, title: &str, message: &str) -> Response {
    html_page_with_link(status, title, message, None)
}

/// [`html_page`] with, optionally, one link under the message: `(href, text)`,
/// e.g. back to the client that started the flow. Both are escaped.
pub fn html_page_with_link(
    status: u16,
    title: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let link = link
        .map(|(href, text)| {
            format!(
                "<div class=\"actions\"><a class=\"button\" href=\"{}\">{}</a></div>",
                html_escape(href),
                html_escape(text)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<p class=\"alert\" role=\"alert\">{}</p>{link}",
        html_escape(message)
    );
    super::page::render(
        status,
        &super::page::Page {
            title,
            body_html: body,
            ..Default::default()
        },
    )
}

/// The redirect channel: `302 Found` (never 307: claude.ai's callback only
/// accepts GET) to `redirect_uri` with `params` appended to its query.
pub fn redirect_to_client(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let location = with_query(redirect_uri, params.iter().copied());
    Response::empty(302)
        .with_header("Location", &location)
        .with_header("Cache-Control", "no-store")
}

/// Which channel an [`AuthorizeError`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// `client_id` unknown or `redirect_uri` not registered (or the form is not
    /// ours): show an HTML page and do NOT redirect (RFC 6749 §4.1.2.1).
    ShowToUser,
    /// Anything else: 302 to `redirect_uri?error=…&state=…&iss=…`.
    RedirectToClient,
}

/// Why `/authorize` refused (ours).
#[derive(Debug)]
pub enum AuthorizeError {
    /// Parameters repeated or not decodable, before the client is known. → page 400
    Malformed(String),
    /// `client_id` missing, unknown, or its metadata document refused. → page 400
    UnknownClient(String),
    /// `redirect_uri` missing (with several registered) or not registered. → page 400
    BadRedirectUri,
    /// The POSTed form is not one we rendered for this request (CSRF token
    /// missing, altered or expired, or a foreign `Origin`). → page 403
    Forgery(&'static str),
    /// The form body is larger than any form of ours. → page 413
    TooLarge,
    /// Too many wrong passwords. → the form again, 429
    Throttled,
    /// A required parameter is missing or malformed. → redirect `invalid_request`
    InvalidRequest(&'static str),
    /// `response_type` is not `code`. → redirect `unsupported_response_type`
    UnsupportedResponseType,
    /// None of the requested scopes exists. → redirect `invalid_scope`
    InvalidScope,
    /// `resource` names another server (RFC 8707). → redirect `invalid_target`
    InvalidTarget,
    /// The user pressed "Deny". → redirect `access_denied`
    AccessDenied,
    /// The state store is unreachable (rate limits, the provider's records).
    /// → redirect `temporarily_unavailable` (RFC 6749 §4.1.2.1)
    Unavailable(StoreError),
}

impl AuthorizeError {
    /// The channel this error must use.
    pub fn delivery(&self) -> Delivery {
        match self {
            AuthorizeError::Malformed(_)
            | AuthorizeError::UnknownClient(_)
            | AuthorizeError::BadRedirectUri
            | AuthorizeError::Forgery(_)
            | AuthorizeError::TooLarge
            | AuthorizeError::Throttled => Delivery::ShowToUser,
            _ => Delivery::RedirectToClient,
        }
    }

    /// The RFC 6749 §4.1.2.1 / RFC 8707 `error` code (redirected errors).
    pub fn code(&self) -> &'static str {
        match self {
            AuthorizeError::UnsupportedResponseType => "unsupported_response_type",
            AuthorizeError::InvalidScope => "invalid_scope",
            AuthorizeError::InvalidTarget => "invalid_target",
            AuthorizeError::AccessDenied => "access_denied",
            AuthorizeError::Unavailable(_) => "temporarily_unavailable",
            _ => "invalid_request",
        }
    }

    /// The HTTP status when shown to the user.
    pub fn status(&self) -> u16 {
        match self {
            AuthorizeError::Forgery(_) => 403,
            AuthorizeError::TooLarge => 413,
            AuthorizeError::Throttled => 429,
            _ => 400,
        }
    }
}

impl fmt::Display for AuthorizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizeError::Malformed(why) => write!(f, "The authorization request is malformed: {why}."),
            AuthorizeError::UnknownClient(why) => write!(f, "This application is not known to this server ({why}). Go back to it and connect again."),
            AuthorizeError::BadRedirectUri => f.write_str("The redirect_uri is missing or not registered for this application, so this server will not send you there."),
            AuthorizeError::Forgery(why) => write!(f, "This form was not accepted ({why}). Go back to the application and connect again."),
            AuthorizeError::TooLarge => f.write_str("The form is too large."),
            AuthorizeError::Throttled => f.write_str("Too many failed attempts. Wait a minute and try again."),
            AuthorizeError::InvalidRequest(why) => f.write_str(why),
            AuthorizeError::UnsupportedResponseType => f.write_str("response_type must be code"),
            AuthorizeError::InvalidScope => f.write_str("none of the requested scopes is supported"),
            AuthorizeError::InvalidTarget => f.write_str("resource is not this server's MCP endpoint"),
            AuthorizeError::AccessDenied => f.write_str("the user denied the request"),
            AuthorizeError::Unavailable(_) => f.write_str(UNAVAILABLE),
        }
    }
}

/// Why `POST /token` refused (ours). Each variant is exactly one RFC 6749 §5.2
/// (or RFC 8707) code.
#[derive(Debug)]
pub enum TokenError {
    /// A parameter is missing, repeated, or malformed. → 400 `invalid_request`
    InvalidRequest(&'static str),
    /// Unknown client, or its authentication failed or used another method
    /// than registered. → 401 `invalid_client` (claude.ai then registers again);
    /// with `WWW-Authenticate: Basic` if the client tried HTTP Basic.
    InvalidClient {
        /// What went wrong (no secret in it).
        why: &'static str,
        /// Whether the client used `Authorization: Basic`.
        used_basic: bool,
    },
    /// Code or refresh token unknown, expired, spent, revoked, issued to
    /// another client, for another redirect URI, or the PKCE verifier does not
    /// match (RFC 7636 §4.6). → 400 `invalid_grant`
    InvalidGrant(&'static str),
    /// The client may not use this grant type. → 400 `unauthorized_client`
    UnauthorizedClient,
    /// Not `authorization_code` or `refresh_token`. → 400 `unsupported_grant_type`
    UnsupportedGrantType,
    /// A refresh asked for scopes beyond the original grant. → 400 `invalid_scope`
    InvalidScope,
    /// `resource` is not this server's MCP endpoint. → 400 `invalid_target`
    InvalidTarget,
    /// The form body is larger than any token request. → 413 `invalid_request`
    TooLarge,
    /// The state store is unreachable, so a code or refresh token cannot be
    /// spent safely; nothing was issued. → 503 `temporarily_unavailable`
    Unavailable(StoreError),
}

impl From<StoreError> for TokenError {
    fn from(e: StoreError) -> TokenError {
        TokenError::Unavailable(e)
    }
}

impl TokenError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) | TokenError::TooLarge => "invalid_request",
            TokenError::InvalidClient { .. } => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::UnauthorizedClient => "unauthorized_client",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
            TokenError::InvalidScope => "invalid_scope",
            TokenError::InvalidTarget => "invalid_target",
            TokenError::Unavailable(_) => "temporarily_unavailable",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            TokenError::InvalidClient { .. } => 401,
            TokenError::TooLarge => 413,
            TokenError::Unavailable(_) => 503,
            _ => 400,
        }
    }

    /// The JSON error response.
    pub fn into_response(self) -> Response {
        if let TokenError::Unavailable(e) = &self {
            log_unavailable(e);
        }
        let r = json_error(self.status(), self.code(), &self.to_string());
        match self {
            TokenError::InvalidClient {
                used_basic: true, ..
            } => r.with_header("WWW-Authenticate", "Basic realm=\"token\""),
            _ => r,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::InvalidRequest(why) | TokenError::InvalidGrant(why) => f.write_str(why),
            TokenError::InvalidClient { why, .. } => f.write_str(why),
            TokenError::UnauthorizedClient => {
                f.write_str("this client may not use this grant type")
            }
            TokenError::UnsupportedGrantType => {
                f.write_str("grant_type must be authorization_code or refresh_token")
            }
            TokenError::InvalidScope => f.write_str("scope exceeds the scope originally granted"),
            TokenError::InvalidTarget => f.write_str("resource is not this server's MCP endpoint"),
            TokenError::TooLarge => f.write_str("request body too large"),
            TokenError::Unavailable(_) => f.write_str(UNAVAILABLE),
        }
    }
}

/// Why `POST /register` refused (ours, RFC 7591 §3.2.2).
#[derive(Debug)]
pub enum RegisterError {
    /// A redirect URI is not https or loopback, or has a fragment. → 400 `invalid_redirect_uri`
    InvalidRedirectUri(&'static str),
    /// Anything else wrong with the metadata. → 400 `invalid_client_metadata`
    InvalidClientMetadata(&'static str),
    /// Too many registrations from this address. → 429 `temporarily_unavailable`
    TooManyRequests,
    /// Body larger than any sane registration. → 413 `invalid_client_metadata`
    TooLarge,
    /// The state store (rate-limit counters) is unreachable. → 503 `temporarily_unavailable`
    Unavailable(StoreError),
}

impl RegisterError {
    /// The JSON error response.
    pub fn into_response(self) -> Response {
        let (status, code) = match self {
            RegisterError::InvalidRedirectUri(_) => (400, "invalid_redirect_uri"),
            RegisterError::InvalidClientMetadata(_) => (400, "invalid_client_metadata"),
            RegisterError::TooManyRequests => (429, "temporarily_unavailable"),
            RegisterError::TooLarge => (413, "invalid_client_metadata"),
            RegisterError::Unavailable(ref e) => {
                log_unavailable(e);
                (503, "temporarily_unavailable")
            }
        };
        json_error(status, code, &self.to_string())
    }
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::InvalidRedirectUri(why) | RegisterError::InvalidClientMetadata(why) => {
                f.write_str(why)
            }
            RegisterError::TooManyRequests => {
                f.write_str("too many registrations from this address; retry later")
            }
            RegisterError::TooLarge => f.write_str("registration request too large"),
            RegisterError::Unavailable(_) => f.write_str(UNAVAILABLE),
        }
    }
}

/// Why `POST /revoke` refused (ours, RFC 7009 §2.2.1). Unknown or invalid
/// tokens are *not* errors: they get 200.
#[derive(Debug)]
pub enum RevokeError {
    /// No `token` parameter, or a malformed body. → 400 `invalid_request`
    InvalidRequest(&'static str),
    /// Client authentication failed. → 401 `invalid_client`
    InvalidClient(&'static str),
    /// The revocation could not be recorded: the state store is unreachable.
    /// → 503 `temporarily_unavailable` (RFC 7009 §2.2.1: the client retries)
    Unavailable(StoreError),
}

impl RevokeError {
    /// The JSON error response.
    pub fn into_response(self) -> Response {
        match self {
            RevokeError::InvalidRequest(why) => json_error(400, "invalid_request", why),
            RevokeError::InvalidClient(why) => json_error(401, "invalid_client", why),
            RevokeError::Unavailable(e) => {
                log_unavailable(&e);
                json_error(503, "temporarily_unavailable", UNAVAILABLE)
            }
        }
    }
}

impl fmt::Display for RevokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevokeError::InvalidRequest(why) | RevokeError::InvalidClient(why) => f.write_str(why),
            RevokeError::Unavailable(_) => f.write_str(UNAVAILABLE),
        }
    }
}
