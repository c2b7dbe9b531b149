//! **[12–25](crate::_documentation::flow) PKCE challenge, middle part — who the
//! user is.** `/authorize` has checked the client and the PKCE fields; now an
//! [`AuthProvider`] decides who is approving. Three answers come with the
//! crate:
//!
//! ```text
//!   single user:  authenticate → Some("user")           → 302 redirect_uri?code (at once)
//!   password:     GET  → challenge → 200 login/consent form
//!                 POST → authenticate(password) → Some("admin") → 302 redirect_uri?code
//!   upstream IdP: GET  → challenge → consent form; POST → challenge → 302 to the IdP
//!                 … callback route (Self::route) … 302 /authorize + session cookie
//!                 → challenge(cookie) → LoginStep::Authenticated → code
//! ```
//!
//! # Spec
//! * RFC 6749 §4.1.1–§4.1.2: "the authorization server authenticates the
//!   resource owner and obtains an authorization decision"; how is left to us.
//! * MCP Security Best Practices, *Consent UI Requirements*: the password form
//!   is also the consent screen (client name, redirect host, scopes).
//!
//! # Where this sits
//! Called by [`super::authorize`] after validation, with the validated
//! [`AuthorizationRequest`]; a provider's extra routes (paths under `/auth/`)
//! are dispatched by [`crate::router`] to [`AuthProvider::route`].
//!
//! The upstream-IdP provider is [`crate::ext::upstream::UpstreamProvider`], built
//! on [`AuthProvider::challenge`] + [`AuthProvider::route`] + [`ProviderContext`].

use super::client::Client;
use super::encoding::{Params, encode_pairs};
use super::store::Store;
use crate::config::Config;
use crate::crypto::secret::Secret;
use crate::crypto::signing::SigningKey;
use crate::http::{Request, Response};

/// A validated authorization request, waiting for the user.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client that asked.
    pub client: Client,
    /// Where the code will be sent (checked against the registration).
    pub redirect_uri: String,
    /// Whether the client sent `redirect_uri` (it must then repeat it at /token).
    pub redirect_uri_given: bool,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The client's `state`, echoed back unchanged.
    pub state: Option<String>,
    /// The resource the tokens will be for (always our MCP URL).
    pub resource: String,
    /// The scopes that will be granted.
    pub scopes: Vec<String>,
}

impl AuthorizationRequest {
    /// The `/authorize` query that starts this request again: an upstream-IdP
    /// callback redirects the browser here once it has set its session cookie.
    pub fn resume_path(&self) -> String {
        let scope = self.scopes.join(" ");
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", self.client.id.as_str()),
            ("code_challenge", self.code_challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("resource", self.resource.as_str()),
            ("scope", scope.as_str()),
        ];
        if self.redirect_uri_given {
            pairs.push(("redirect_uri", self.redirect_uri.as_str()));
        }
        if let Some(state) = &self.state {
            pairs.push(("state", state.as_str()));
        }
        format!("/authorize?{}", encode_pairs(pairs))
    }

    /// The host the user will be sent to (shown on the consent screen).
    pub fn redirect_host(&self) -> String {
        super::url::UrlParts::parse(&self.redirect_uri)
            .map(|p| p.host)
            .unwrap_or_default()
    }
}

/// What a provider may use besides the request: the configuration, the
/// signing key (to sign cookies or upstream `state`) and the store.
pub struct ProviderContext<'a> {
    /// The server configuration (public URL for callback addresses).
    pub config: &'a Config,
    /// The server's signing key.
    pub key: &'a SigningKey,
    /// The state store. Secret values (a pending upstream sign-in, a user's
    /// upstream token) are sealed before they reach it (the `ext::seal`
    /// extension's `Sealed::put_secret`), never put in clear.
    /// Store operations can fail (Redis unreachable): answer with a `503`
    /// page or a `temporarily_unavailable` redirect, never with a panic.
    pub store: &'a dyn Store,
}

/// What to do when [`AuthProvider::authenticate`] did not recognise the user
/// (not an error: a step of the sign-in).
#[derive(Debug)]
pub enum LoginStep {
    /// Show the login/consent form; `retry_message` after a failed attempt.
    ShowForm {
        /// e.g. "Wrong password."
        retry_message: Option<String>,
    },
    /// Send this response as it is: e.g. a 302 to an upstream identity
    /// provider with the cookie that binds the sign-in to this browser
    /// ([`crate::ext::upstream`]).
    Respond(Response),
    /// The user is known after all, from what only the challenge can see:
    /// the pending request, the key and the store (an upstream-IdP session
    /// cookie bound to this very authorization request, [`crate::ext::upstream`]).
    /// `/authorize` issues the code to this subject.
    Authenticated(String),
}

/// Decides who approves an authorization request. Implement it for your own
/// login (for example an upstream identity provider, [`crate::ext::upstream`]).
pub trait AuthProvider: Send + Sync {
    /// The user's subject if `request` proves who they are. `credentials` are
    /// the `/authorize` query parameters on a `GET`, and the form fields alone
    /// on a `POST` (its query string is ignored; a POST has passed the CSRF
    /// and throttling checks before this is called).
    fn authenticate(&self, request: &Request, credentials: &Params) -> Option<String>;

    /// What to do when `authenticate` answered `None`. Default: the
    /// login/consent form, with "Wrong password." after a failed POST.
    fn challenge(
        &self,
        request: &Request,
        _pending: &AuthorizationRequest,
        _ctx: &ProviderContext<'_>,
    ) -> LoginStep {
        LoginStep::ShowForm {
            retry_message: (request.method == "POST").then(|| "Wrong password.".to_string()),
        }
    }

    /// Whether the default form asks for a password.
    fn asks_password(&self) -> bool {
        true
    }

    /// The identity provider the consent screen leads to, if any: its name
    /// (`GitHub`, shown on the button) and its authorization URL (whose origin
    /// the page's `form-action` must allow, as the form's answer redirects
    /// there). Default: none, the code comes straight from this server.
    fn continues_at(&self) -> Option<(&str, &str)> {
        None
    }

    /// Whether this provider lets anyone who reaches `/authorize` in, with
    /// no sign-in at all. [`crate::App`] starts such a provider only on a
    /// loopback `PUBLIC_URL` unless told to allow anyone. Default: `false`.
    fn admits_anyone(&self) -> bool {
        false
    }

    /// Answers the provider's own routes (every path under `/auth/`, e.g. an
    /// upstream callback `GET /auth/github/callback`). Default: none (404).
    fn route(&self, _request: &Request, _ctx: &ProviderContext<'_>) -> Option<Response> {
        None
    }

    /// One line for the start-up log.
    fn describe(&self) -> String;
}

/// Everyone who reaches `/authorize` is the one user: the code is issued at
/// once, with no form. Protect the server at network level (Cloud Run IAM, VPN).
#[derive(Debug, Clone)]
pub struct SingleUserProvider {
    sub: String,
}

impl SingleUserProvider {
    /// The single user, subject `"user"`.
    pub fn new() -> SingleUserProvider {
        SingleUserProvider {
            sub: "user".to_string(),
        }
    }
}

impl Default for SingleUserProvider {
    fn default() -> Self {
        SingleUserProvider::new()
    }
}

impl AuthProvider for SingleUserProvider {
    fn authenticate(&self, _request: &Request, _credentials: &Params) -> Option<String> {
        Some(self.sub.clone())
    }

    fn asks_password(&self) -> bool {
        false
    }

    fn admits_anyone(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        "SingleUserProvider: /authorize issues a code to anyone who reaches it — protect the server at network level".into()
    }
}

/// One shared password (e.g. `ADMIN_PASSWORD`); the form that asks for it is
/// also the consent screen. Subject `"admin"`.
#[derive(Debug, Clone)]
pub struct StaticPasswordProvider {
    password: Secret,
}

impl StaticPasswordProvider {
    /// A provider that accepts this password.
    pub fn new(password: impl Into<String>) -> StaticPasswordProvider {
        StaticPasswordProvider {
            password: Secret::new(password),
        }
    }

    /// A provider that accepts this password, kept as the [`Secret`] it
    /// already is (e.g. `ADMIN_PASSWORD` from [`crate::Config`]).
    pub fn from_secret(password: Secret) -> StaticPasswordProvider {
        StaticPasswordProvider { password }
    }
}

impl AuthProvider for StaticPasswordProvider {
    fn authenticate(&self, request: &Request, credentials: &Params) -> Option<String> {
        // Only a POSTed form counts: a password in a query string would end up
        // in browser history and proxy logs.
        if request.method != "POST" {
            return None;
        }
        let presented = credentials.get("password")?;
        self.password
            .matches(presented)
            .then(|| "admin".to_string())
    }

    fn describe(&self) -> String {
        "StaticPasswordProvider: a password form (also the consent screen) guards /authorize".into()
    }
}
