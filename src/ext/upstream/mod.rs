//! **[13–14, 16–23](crate::_documentation::flow) PKCE challenge, upstream
//! branch — sign-in through another identity provider (GitHub, Google, …).**
//! The user proves who they are *there*; we keep their upstream token for the
//! tools and issue *our own* code and tokens to the MCP client: per-user
//! upstream OAuth.
//!
//! ```text
//!   [12]→[13] C → S  GET  /authorize?…        challenge: our consent screen (client name, redirect host)
//!   [14]      C → S  POST /authorize (Allow)  CSRF checked by authorize; challenge:
//!                                             state + PKCE verifier stored (10 min, single use)
//!   [16]      S → C  302 I/authorize?client_id&redirect_uri&state&code_challenge(S256)
//!                    Set-Cookie: mcp_signin = HMAC(state)     ← binds the callback to this browser
//!   [17]      C → I  (signs in, approves)
//!   [18]      I → C  302 /auth/{idp}/callback?code&state
//!   [19]      C → S  GET /auth/{idp}/callback   route: cookie = HMAC(state)? state taken (once)?
//!   [20]      S → I  POST token_url code + code_verifier + client secret   (outbound, ureq)
//!   [21]      I → S  upstream access token      → identify (e.g. GET /user) → allowlist
//!   [22]      S → C  302 /authorize?… (the same request)   upstream token kept per user (store, secret)
//!                    Set-Cookie: mcp_session = signed {sub, bound request, exp}, 5 min, single use
//!   [23]      C → S  GET  /authorize?… + cookie challenge: session bound to *this* request →
//!   [24]      S → C  302 redirect_uri?code&state&iss       LoginStep::Authenticated(sub)
//! ```
//!
//! # Why each piece is there
//! * **Our consent screen first** (the confused-deputy rule). Every MCP client
//!   reaches the upstream IdP through our *one* client id, so a user who once
//!   approved us at GitHub is not asked again there. Without our own screen, a
//!   malicious client could start `/authorize` with its own redirect URI and
//!   get a code silently. The screen names the client and its redirect host.
//! * **Upstream `state`**: 256 random bits, created only after consent, stored
//!   server-side with everything the callback needs, valid 10 minutes, and
//!   *taken* (deleted) at the callback, so a replayed callback fails. Each
//!   client address may start [`SIGNINS_PER_ADDRESS`] per 10 minutes (`429`
//!   past that): the record is stored before anyone has signed in.
//! * **The sign-in cookie** (`HMAC(key, state)`, `HttpOnly`): the callback must
//!   arrive in the browser that consented. Without it an attacker could send a
//!   victim a callback link carrying the attacker's own GitHub code, signing
//!   the victim into the attacker's account.
//! * **Our own PKCE toward the upstream** (S256): a stolen upstream code is
//!   useless without the verifier, which never leaves the server.
//! * **The session cookie** is signed, carries the user's subject and a hash
//!   of the pending authorization request (client id, redirect URI, PKCE
//!   challenge, state, scopes), lives 5 minutes and is accepted once. It
//!   cannot complete any *other* authorization request, so consent given to
//!   one client is never reused for another.
//! * **Upstream tokens never leave the server.** They are kept in the
//!   [`crate::oauth::store::Store`] under a hash of the user's subject, as secrets (a shared store
//!   must seal them), and the tools fetch them with
//!   [`UpstreamProvider::access_token`]. The client gets *our* tokens
//!   (`mcp_at.…`), which are useless at GitHub; GitHub's tokens are useless here.
//! * **An allowlist** of upstream users. Empty admits nobody: a server that
//!   forgot its list must not open itself to every GitHub account.
//! * **An identity layer** ([`IdentityLayer`], optional): OpenID Connect
//!   ([`oidc`]) adds a `nonce` to the redirect (kept with the state)
//!   and decides who signed in from the token reply's signed `id_token`
//!   instead of calling `identify`, with its own allowlist rules.
//!
//! # Cookies
//! `mcp_signin` and `mcp_session`, both `HttpOnly; SameSite=Lax` (they must
//! ride along on the top-level redirect back from the IdP), `__Host-` and
//! `Secure` on an https public URL: [`cookies`], and [`crate::oauth::cookie`]
//! for the rules.
//!
//! # Spec
//! * RFC 6749 §4.1 (the code flow, here run twice: as a server toward the
//!   client, as a client toward the IdP), §10.12 (CSRF, `state`).
//! * RFC 7636 (PKCE S256 toward the IdP).
//! * RFC 6265bis §4.1.3 (`__Host-` prefix), §5.4.7 (`SameSite=Lax`).
//! * MCP 2025-11-25 *Security Best Practices*: Confused Deputy (consent before
//!   redirecting upstream, state validation), Token Passthrough (forbidden).
//!
//! # What it adds, and what to read first
//! The core's password form asks the user who they are; this extension asks
//! another identity provider instead, through the core's
//! [`AuthProvider`](crate::oauth::provider::AuthProvider) hook (the core
//! never imports it: the application installs it with
//! [`crate::App::provider`]). Read the core's `oauth/authorize.rs` and
//! `oauth/provider.rs` first, then these files in the order of the arrows:
//!
//! | file | arrows | what it does |
//! |---|---|---|
//! | this one | 13–14, 16–23 | why each piece is there; [`UpstreamProvider`] |
//! | [`idp`] | 16, 20–21 | what the IdP is ([`UpstreamIdp`]), who it says signed in, the [`IdentityLayer`] hook |
//! | [`provider`] | 13–14, 16–23 | the [`AuthProvider`](crate::oauth::provider::AuthProvider) implementation: who answers what |
//! | [`challenge`] | 13–14, 16, 23 | our consent screen, then the redirect to the IdP; the session at the end |
//! | [`callback`] | 19–22 | `GET /auth/{idp}/callback`, one function per check |
//! | [`exchange`] | 20–21 | the code (or a refresh token) for the IdP's token |
//! | [`allowlist`] | 21 | who may sign in |
//! | [`cookies`] | 16, 19, 22–23 | `mcp_signin` and `mcp_session` |
//! | [`records`] | 16, 19, 21, 23, 28–29 | everything kept in the store, sealed where secret |
//! | [`access_token`] | 28–29 | the user's upstream token for the tools, refreshed |
//! | [`pages`] | 13, 16, 19–23 | what a person sees when the sign-in cannot go on |
//! | [`oidc`] | 13–14, 16–23 | OpenID Connect on top: discovery, `nonce`, the ID token |
//!
//! # Where this sits
//! [`crate::oauth::authorize`] calls the provider's `challenge`,
//! [`crate::router`] sends `/auth/…` to its `route` ([`provider`] dispatches
//! both). Outbound calls go through [`crate::outbound`]. Tools call
//! [`UpstreamProvider::access_token`] with `call.caller()`.
//!
//! # Not implemented
//! * Checking the upstream token on every tool call: tools find out when the
//!   upstream answers `401`, and then call [`UpstreamProvider::forget`].
//! * Two sign-ins at once in one browser: the second one's sign-in cookie
//!   replaces the first's, so the first callback is refused (start again).

pub mod access_token;
pub mod allowlist;
pub mod callback;
pub mod challenge;
pub mod cookies;
pub mod exchange;
pub mod idp;
pub mod oidc;
pub mod pages;
pub mod provider;
pub mod records;

use std::fmt;
use std::sync::Arc;

pub use access_token::UpstreamTokenError;
pub use allowlist::Allowlist;
pub use challenge::SIGNINS_PER_ADDRESS;
pub use cookies::SESSION_TTL_SECS;
pub use exchange::ExchangeError;
pub use idp::{Identify, IdentityLayer, SignInRefusal, UpstreamIdp, UpstreamUser};
pub use records::STATE_TTL_SECS;

/// The value of a cookie in a request (kept here for the fuzz target and the
/// regression tests, which read it as `upstream::cookie`).
pub use crate::oauth::cookie::get as cookie;

use crate::ext::seal::Sealed;
use crate::outbound::Outbound;

/// The upstream-IdP [`AuthProvider`](crate::oauth::provider::AuthProvider).
/// Cheap to clone: give one clone to [`crate::App::provider`] and one to the
/// tools, which call [`UpstreamProvider::access_token`].
///
/// ```no_run
/// use std::sync::Arc;
/// use remote_mcp::crypto::secret::Secret;
/// use remote_mcp::ext::seal::{SealKey, Sealed};
/// use remote_mcp::ext::upstream::{Allowlist, UpstreamIdp, UpstreamProvider, UpstreamUser};
/// use remote_mcp::oauth::store::{MemoryStore, Store};
/// use remote_mcp::{App, McpServer};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
/// // Secret records are sealed before the store sees them (shared store: SealKey::from_config).
/// let secrets = Sealed::new(store.clone(), SealKey::random());
/// let idp = UpstreamIdp {
///     name: "github".into(),
///     display_name: "GitHub".into(),
///     authorize_url: "https://github.com/login/oauth/authorize".into(),
///     token_url: "https://github.com/login/oauth/access_token".into(),
///     client_id: "Iv1.0123".into(),
///     client_secret: Secret::new("…"),
///     scopes: vec![],
///     identify: Box::new(|_token| Ok(UpstreamUser { id: "1".into(), login: "octocat".into() })),
/// };
/// let provider = UpstreamProvider::new(idp, Allowlist::parse("octocat"), secrets);
/// let tools_side = provider.clone(); // the tools call tools_side.access_token(caller)
/// # let _ = tools_side;
/// App::new(McpServer::new("my-service")).store(store).provider(provider).run()
/// # }
/// ```
#[derive(Clone)]
pub struct UpstreamProvider {
    inner: Arc<Inner>,
}

struct Inner {
    idp: UpstreamIdp,
    allowlist: Allowlist,
    store: Sealed,
    http: Outbound,
    /// OpenID Connect: replaces `idp.identify` and `allowlist`.
    layer: Option<Arc<dyn IdentityLayer>>,
}

impl fmt::Debug for UpstreamProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamProvider")
            .field("idp", &self.inner.idp)
            .field("allowlist", &self.inner.allowlist)
            .finish_non_exhaustive()
    }
}

impl UpstreamProvider {
    /// A provider signing users in at `idp`, admitting those on `allowlist`,
    /// keeping its records in `store` (give [`crate::App::store`] the same
    /// one, so a shared backend covers both).
    pub fn new(idp: UpstreamIdp, allowlist: Allowlist, store: Sealed) -> UpstreamProvider {
        let http = Outbound::new(concat!(
            "remote-mcp/",
            env!("CARGO_PKG_VERSION"),
            " (upstream sign-in)"
        ));
        UpstreamProvider::with_outbound(idp, allowlist, store, http)
    }

    /// Like [`UpstreamProvider::new`], with this client toward the IdP's
    /// token endpoint (another User-Agent, a shorter deadline).
    pub fn with_outbound(
        idp: UpstreamIdp,
        allowlist: Allowlist,
        store: Sealed,
        http: Outbound,
    ) -> UpstreamProvider {
        UpstreamProvider {
            inner: Arc::new(Inner {
                idp,
                allowlist,
                store,
                http,
                layer: None,
            }),
        }
    }

    /// A provider whose sign-in is decided by an identity layer (OpenID
    /// Connect, [`oidc`]): `idp.identify` is not called, and the
    /// layer's own allowlist replaces [`Allowlist`].
    pub fn with_layer(
        idp: UpstreamIdp,
        layer: Arc<dyn IdentityLayer>,
        store: Sealed,
        http: Outbound,
    ) -> UpstreamProvider {
        UpstreamProvider {
            inner: Arc::new(Inner {
                idp,
                allowlist: Allowlist::default(),
                store,
                http,
                layer: Some(layer),
            }),
        }
    }

    /// How many entries admit someone (the layer's allowlist, if there is one).
    fn allowed_count(&self) -> usize {
        match &self.inner.layer {
            Some(layer) => layer.allowed_count(),
            None => self.inner.allowlist.len(),
        }
    }

    /// `/auth/{name}/callback`: register `{PUBLIC_URL}` + this at the IdP.
    pub fn callback_path(&self) -> String {
        format!("/auth/{}/callback", self.inner.idp.name)
    }

    /// The IdP's display name.
    pub fn display_name(&self) -> &str {
        &self.inner.idp.display_name
    }

    /// The allowlist.
    pub fn allowlist(&self) -> &Allowlist {
        &self.inner.allowlist
    }
}
