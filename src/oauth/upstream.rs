//! **[13–14, 16–23](crate::_documentation::flow) PKCE challenge, upstream
//! branch — sign-in through another identity provider (GitHub, Google, …).**
//! The user proves who they are *there*; we keep their upstream token for the
//! tools and issue *our own* code and tokens to the MCP client: per-user
//! upstream OAuth.
//!
//! ```text
//!   C → S  GET  /authorize?…            challenge: our consent screen (client name, redirect host)
//!   C → S  POST /authorize (Allow)      CSRF checked by authorize; challenge:
//!                                       state + PKCE verifier stored (10 min, single use)
//!   S → C  302 I/authorize?client_id&redirect_uri&state&code_challenge(S256)
//!          Set-Cookie: mcp_signin = HMAC(state)     ← binds the callback to this browser
//!   C → I  (signs in, approves)
//!   I → C  302 /auth/{idp}/callback?code&state
//!   C → S  GET /auth/{idp}/callback     route: cookie = HMAC(state)? state taken (once)?
//!   S → I  POST token_url code + code_verifier + client secret   (outbound, ureq)
//!   I → S  upstream access token        → identify (e.g. GET /user) → allowlist
//!   S → C  302 /authorize?… (the same request)   upstream token kept per user (store, secret)
//!          Set-Cookie: mcp_session = signed {sub, bound request, exp}, 5 min, single use
//!   C → S  GET  /authorize?… + cookie   challenge: session bound to *this* request →
//!   S → C  302 redirect_uri?code&state&iss       LoginStep::Authenticated(sub)
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
//!   store under a hash of the user's subject, sealed ([`Sealed`]: a shared store
//!   must seal them), and the tools fetch them with
//!   [`UpstreamProvider::access_token`]. The client gets *our* tokens
//!   (`mcp_at.…`), which are useless at GitHub; GitHub's tokens are useless here.
//! * **An allowlist** of upstream users. Empty admits nobody: a server that
//!   forgot its list must not open itself to every GitHub account.
//! * **An identity layer** ([`IdentityLayer`], optional): OpenID Connect
//!   ([`super::oidc`]) adds a `nonce` to the redirect (kept with the state)
//!   and decides who signed in from the token reply's signed `id_token`
//!   instead of calling `identify`, with its own allowlist rules.
//!
//! # Cookies
//! `mcp_signin` and `mcp_session`, both `HttpOnly; SameSite=Lax` (they must
//! ride along on the top-level redirect back from the IdP), `__Host-` and
//! `Secure` on an https public URL: [`super::cookie`] has the rules.
//!
//! # Spec
//! * RFC 6749 §4.1 (the code flow, here run twice: as a server toward the
//!   client, as a client toward the IdP), §10.12 (CSRF, `state`).
//! * RFC 7636 (PKCE S256 toward the IdP).
//! * RFC 6265bis §4.1.3 (`__Host-` prefix), §5.4.7 (`SameSite=Lax`).
//! * MCP 2025-11-25 *Security Best Practices*: Confused Deputy (consent before
//!   redirecting upstream, state validation), Token Passthrough (forbidden).
//!
//! # Where this sits
//! An [`AuthProvider`]: [`super::authorize`] calls [`AuthProvider::challenge`],
//! [`crate::router`] sends `/auth/…` to [`AuthProvider::route`]. Outbound
//! calls go through [`crate::outbound`]. Tools call
//! [`UpstreamProvider::access_token`] with `call.caller()`.
//!
//! # Not implemented
//! * Checking the upstream token on every tool call: tools find out when the
//!   upstream answers `401`, and then call [`UpstreamProvider::forget`].
//! * Two sign-ins at once in one browser: the second one's sign-in cookie
//!   replaces the first's, so the first callback is refused (start again).

use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};

use super::cookie::{self, SameSite};
use super::encoding::{Params, with_query};
use super::error::redirect_to_client;
use super::pkce;
use super::provider::{AuthProvider, AuthorizationRequest, LoginStep, ProviderContext};
use super::store::{StoreError, now};
use crate::config::Config;
use crate::crypto::secret::{Secret, constant_time_eq, hash_hex, random_id};
use crate::ext::seal::Sealed;
use crate::http::{Request, Response};
use crate::identity::Identity;
use crate::outbound::{Outbound, OutboundError, Reply};

/// A pending upstream sign-in lives this long (the IdP's own code lives 10
/// minutes at GitHub; a user who takes longer starts again).
pub const STATE_TTL_SECS: u64 = 600;
/// Upstream sign-ins one client address (an IPv6 one by its /64) may start
/// per [`STATE_TTL_SECS`]: each stores a pending record for that long, and
/// nobody has signed in yet to answer for it.
pub const SIGNINS_PER_ADDRESS: u64 = 30;
/// The session cookie lives this long: only the hop from the callback back to
/// `/authorize` needs it.
pub const SESSION_TTL_SECS: u64 = 300;
/// An upstream access token this close to its expiry is refreshed first.
const REFRESH_MARGIN_SECS: u64 = 60;

/// Finds out who owns an upstream access token (e.g. GitHub's `GET /user`).
pub type Identify = Box<dyn Fn(&Secret) -> Result<UpstreamUser, String> + Send + Sync>;

/// The upstream identity provider: where to send the user, where to redeem
/// the code, our credentials there, and how to learn who signed in.
pub struct UpstreamIdp {
    /// Short lower-case name used in paths, store keys and logs: `github`
    /// gives the callback `/auth/github/callback`.
    pub name: String,
    /// Shown to people: `GitHub`.
    pub display_name: String,
    /// e.g. `https://github.com/login/oauth/authorize`.
    pub authorize_url: String,
    /// e.g. `https://github.com/login/oauth/access_token`.
    pub token_url: String,
    /// Our client id at the IdP.
    pub client_id: String,
    /// Our client secret at the IdP.
    pub client_secret: Secret,
    /// Upstream scopes to ask for (none: the IdP's default).
    pub scopes: Vec<String>,
    /// Who owns a fresh upstream token: the subject (a stable id) and a login.
    pub identify: Identify,
}

impl fmt::Debug for UpstreamIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamIdp")
            .field("name", &self.name)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Who signed in upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamUser {
    /// The stable id, which becomes our subject (GitHub: the numeric user id;
    /// logins can be renamed and then taken by someone else).
    pub id: String,
    /// The display name at the IdP (GitHub: the login).
    pub login: String,
}

/// The upstream users allowed to sign in. Empty admits nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    logins: Vec<String>,
    ids: Vec<String>,
}

impl Allowlist {
    /// Parses `alice, Bob, id:583231`: logins (compared without case) and, with
    /// `id:`, stable ids. Blank entries are ignored.
    pub fn parse(list: &str) -> Allowlist {
        let mut allowed = Allowlist::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.strip_prefix("id:") {
                Some(id) => allowed.ids.push(id.trim().to_string()),
                None => allowed
                    .logins
                    .push(entry.trim_start_matches('@').to_ascii_lowercase()),
            }
        }
        allowed
    }

    /// Whether nobody is admitted.
    pub fn is_empty(&self) -> bool {
        self.logins.is_empty() && self.ids.is_empty()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.logins.len() + self.ids.len()
    }

    /// Whether `user` may sign in.
    pub fn admits(&self, user: &UpstreamUser) -> bool {
        self.ids.contains(&user.id)
            || self
                .logins
                .iter()
                .any(|login| login.eq_ignore_ascii_case(&user.login))
    }
}

/// An identity protocol on top of the upstream OAuth flow: OpenID Connect
/// ([`super::oidc`]). Given to [`UpstreamProvider::with_layer`], it takes
/// over steps 5 and 6 of the callback (who signed in, and may they).
pub trait IdentityLayer: Send + Sync {
    /// Parameters added to the redirect to the IdP, after `nonce` (which the
    /// provider generates, keeps with the state and sends whenever a layer
    /// is present). E.g. Google's `access_type=offline`.
    fn authorize_params(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Who signed in, from the code exchange's `id_token` (if any) and
    /// access token, and the `nonce` sent with the redirect; or why they may
    /// not sign in (an invalid ID token, someone outside the allowlist).
    fn identify(
        &self,
        id_token: Option<&str>,
        access_token: &Secret,
        nonce: &str,
    ) -> Result<UpstreamUser, Refusal>;

    /// How many allowlist entries there are: `0` admits nobody, and the
    /// consent screen says so before anyone is sent to the IdP.
    fn allowed_count(&self) -> usize;
}

/// Why a sign-in is refused at the callback: a page with this status and
/// title tells the user `why`, and its link back gives the client `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `403` for someone not allowed, `502` when the IdP's answer is unusable.
    pub status: u16,
    /// The page's title, e.g. `Not allowed`.
    pub title: String,
    /// The OAuth error for the client: `access_denied` or `server_error`.
    pub error: &'static str,
    /// The reason, in words the user can act on.
    pub why: String,
}

impl Refusal {
    /// `403 Not allowed`, `access_denied`.
    pub fn not_allowed(why: impl Into<String>) -> Refusal {
        Refusal {
            status: 403,
            title: "Not allowed".into(),
            error: "access_denied",
            why: why.into(),
        }
    }

    /// `502 Sign-in failed`, `server_error`: the IdP's answer is unusable.
    pub fn failed(why: impl Into<String>) -> Refusal {
        Refusal {
            status: 502,
            title: "Sign-in failed".into(),
            error: "server_error",
            why: why.into(),
        }
    }
}

/// An upstream token as kept for a user.
#[derive(Clone)]
struct UpstreamToken {
    access_token: Secret,
    refresh_token: Option<Secret>,
    /// Unix seconds; `None` when the IdP gave no `expires_in` (GitHub OAuth Apps).
    expires_at: Option<u64>,
    /// Unix seconds until which the refresh token works, if the IdP said.
    refresh_expires_at: Option<u64>,
    /// The OpenID Connect ID token of a code exchange: read once, at the
    /// callback, by the [`IdentityLayer`]; never stored.
    id_token: Option<String>,
}

impl UpstreamToken {
    fn to_secret(&self) -> Secret {
        Secret::new(
            json!({
                "access_token": self.access_token.expose(),
                "refresh_token": self.refresh_token.as_ref().map(Secret::expose),
                "expires_at": self.expires_at,
                "refresh_expires_at": self.refresh_expires_at,
            })
            .to_string(),
        )
    }

    fn from_secret(secret: &Secret) -> Option<UpstreamToken> {
        let v: Value = serde_json::from_str(secret.expose()).ok()?;
        Some(UpstreamToken {
            access_token: Secret::new(v["access_token"].as_str()?),
            refresh_token: v["refresh_token"].as_str().map(Secret::new),
            expires_at: v["expires_at"].as_u64(),
            refresh_expires_at: v["refresh_expires_at"].as_u64(),
            id_token: None,
        })
    }
}

/// Why a token request to the IdP (code exchange or refresh) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    /// No answer, or not JSON.
    Call(OutboundError),
    /// The IdP answered with an `error` (GitHub does so with status 200).
    Refused {
        /// e.g. `bad_verification_code`.
        error: String,
        /// The IdP's `error_description`, if any.
        description: Option<String>,
    },
    /// A non-2xx status without an `error` field.
    Status(u16),
    /// A 2xx answer without `access_token`.
    NoToken,
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Call(e) => write!(f, "{e}"),
            ExchangeError::Refused {
                error,
                description: Some(d),
            } => write!(f, "{error}: {d}"),
            ExchangeError::Refused {
                error,
                description: None,
            } => f.write_str(error),
            ExchangeError::Status(s) => write!(f, "HTTP {s}"),
            ExchangeError::NoToken => f.write_str("the answer has no access_token"),
        }
    }
}

/// Reads an OAuth token response. The body decides, not the status: GitHub
/// answers `{"error": "bad_verification_code", …}` with `200 OK`.
fn parse_token_reply(reply: &Reply, now: u64) -> Result<UpstreamToken, ExchangeError> {
    let body = match reply.json() {
        Ok(v) => v,
        Err(_) if !reply.is_success() => return Err(ExchangeError::Status(reply.status)),
        Err(e) => return Err(ExchangeError::Call(e)),
    };
    if let Some(error) = body.get("error").and_then(Value::as_str) {
        return Err(ExchangeError::Refused {
            error: error.to_string(),
            description: body
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    if !reply.is_success() {
        return Err(ExchangeError::Status(reply.status));
    }
    let access_token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or(ExchangeError::NoToken)?;
    Ok(UpstreamToken {
        access_token: Secret::new(access_token),
        refresh_token: body
            .get("refresh_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expires_at: body
            .get("expires_in")
            .and_then(Value::as_u64)
            .map(|s| now.saturating_add(s)),
        refresh_expires_at: body
            .get("refresh_token_expires_in")
            .and_then(Value::as_u64)
            .map(|s| now.saturating_add(s)),
        id_token: body
            .get("id_token")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

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

// `?` turns it into a failed tool result through `ToolError`'s blanket
// `From<E: std::error::Error>` (src/mcp/tools.rs).

/// The upstream-IdP [`AuthProvider`]. Cheap to clone: give one clone to
/// [`crate::App::provider`] and one to the tools, which call
/// [`UpstreamProvider::access_token`].
///
/// ```no_run
/// use std::sync::Arc;
/// use remote_mcp::crypto::secret::Secret;
/// use remote_mcp::ext::seal::{SealKey, Sealed};
/// use remote_mcp::oauth::store::{MemoryStore, Store};
/// use remote_mcp::oauth::upstream::{Allowlist, UpstreamIdp, UpstreamProvider, UpstreamUser};
/// use remote_mcp::{App, McpServer};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
/// // Users' GitHub tokens are sealed in it; with a shared store, use
/// // `SealKey::from_config(&config)` so every instance holds the same key.
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

/// The pending authorization a `state` stands for (kept in the store as a secret).
struct PendingSignIn {
    /// Hash of the authorization request (see [`binding`]).
    bind: String,
    /// `/authorize?…` to resume.
    resume: String,
    /// The client's redirect URI (for errors sent back to it).
    redirect_uri: String,
    /// The client's `state`.
    client_state: Option<String>,
    /// Our PKCE verifier toward the IdP.
    verifier: Secret,
    /// The OpenID Connect `nonce` sent with the redirect (also generated,
    /// unsent, without an identity layer).
    nonce: String,
}

impl PendingSignIn {
    fn to_secret(&self) -> Secret {
        Secret::new(
            json!({
                "bind": self.bind,
                "resume": self.resume,
                "redirect_uri": self.redirect_uri,
                "client_state": self.client_state,
                "verifier": self.verifier.expose(),
                "nonce": self.nonce,
            })
            .to_string(),
        )
    }

    fn from_secret(secret: &Secret) -> Option<PendingSignIn> {
        let v: Value = serde_json::from_str(secret.expose()).ok()?;
        Some(PendingSignIn {
            bind: v["bind"].as_str()?.to_string(),
            resume: v["resume"].as_str()?.to_string(),
            redirect_uri: v["redirect_uri"].as_str()?.to_string(),
            client_state: v["client_state"].as_str().map(str::to_string),
            verifier: Secret::new(v["verifier"].as_str()?),
            nonce: v["nonce"].as_str().unwrap_or_default().to_string(),
        })
    }
}

impl UpstreamProvider {
    /// A provider signing users in at `idp`, admitting those on `allowlist`,
    /// keeping its records in `store`, secret values sealed (give
    /// [`crate::App::store`] the same store, so a shared backend covers both).
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
    /// Connect, [`super::oidc`]): `idp.identify` is not called, and the
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

    /// The caller's upstream access token, refreshed first if it is about to
    /// expire and the IdP gave a refresh token. Never hand it to the client.
    pub fn access_token(&self, caller: Option<&Identity>) -> Result<Secret, UpstreamTokenError> {
        let caller = caller.ok_or(UpstreamTokenError::NoCaller)?;
        let idp = || self.inner.idp.display_name.clone();
        let key = self.token_key(&caller.sub);
        let token = self
            .inner
            .store
            .get_secret(&key)
            .map_err(|e| {
                super::error::log_unavailable(&e);
                UpstreamTokenError::Unavailable
            })?
            .and_then(|s| UpstreamToken::from_secret(&s))
            .ok_or_else(|| UpstreamTokenError::NotSignedIn { idp: idp() })?;
        let now = now();
        match token.expires_at {
            Some(expires) if expires <= now + REFRESH_MARGIN_SECS => {}
            _ => return Ok(token.access_token),
        }
        let Some(refresh_token) = &token.refresh_token else {
            self.discard(&key);
            return Err(UpstreamTokenError::Expired { idp: idp() });
        };
        let reply = self
            .inner
            .http
            .post_form(
                &self.inner.idp.token_url,
                &[("Accept", "application/json")],
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose()),
                    ("client_id", &self.inner.idp.client_id),
                    ("client_secret", self.inner.idp.client_secret.expose()),
                ],
            )
            .map_err(ExchangeError::Call)
            .and_then(|reply| parse_token_reply(&reply, now));
        match reply {
            Ok(mut fresh) => {
                // An IdP that does not rotate refresh tokens keeps the old one valid.
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = token.refresh_token.clone();
                    fresh.refresh_expires_at = token.refresh_expires_at;
                }
                let access = fresh.access_token.clone();
                // If it cannot be kept, this call still works; the next one
                // finds the old, rotated-away token and asks for a new sign-in.
                if let Err(e) = self.keep(&caller.sub, &fresh, token_ttl_end(&fresh, now, None)) {
                    super::error::log_unavailable(&e);
                }
                Ok(access)
            }
            Err(e) => {
                crate::log::event(
                    "WARNING",
                    &format!(
                        "{}: refreshing an upstream token failed: {e}",
                        self.inner.idp.name
                    ),
                );
                if matches!(e, ExchangeError::Refused { .. }) {
                    self.discard(&key);
                }
                Err(UpstreamTokenError::RefreshFailed {
                    idp: idp(),
                    reason: e.to_string(),
                })
            }
        }
    }

    /// Forgets the caller's upstream token: call it when the upstream answers
    /// `401` (revoked), so the next call says "sign in again" at once.
    pub fn forget(&self, caller: Option<&Identity>) {
        if let Some(caller) = caller {
            self.discard(&self.token_key(&caller.sub));
        }
    }

    /// Deletes a token record that is no longer any use. Best effort: if the
    /// store is unreachable the record stays until its expiry, and the next
    /// use finds it refused again.
    fn discard(&self, key: &str) {
        if let Err(e) = self.inner.store.remove(key) {
            super::error::log_unavailable(&e);
        }
    }

    fn token_key(&self, sub: &str) -> String {
        format!(
            "upstream-token:{}",
            hash_hex(&format!("{}\0{sub}", self.inner.idp.name))
        )
    }

    fn keep(&self, sub: &str, token: &UpstreamToken, until: u64) -> Result<(), StoreError> {
        self.inner
            .store
            .put_secret(&self.token_key(sub), &token.to_secret(), until)
    }

    // ── POST /authorize (consent given) → 302 to the IdP ──

    fn redirect_upstream(
        &self,
        pending: &AuthorizationRequest,
        ctx: &ProviderContext<'_>,
    ) -> Response {
        let idp = &self.inner.idp;
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
        if let Err(e) = self.inner.store.put_secret(
            &state_key(state.expose()),
            &record.to_secret(),
            now() + STATE_TTL_SECS,
        ) {
            return unavailable(&e);
        }
        let callback = format!("{}{}", ctx.config.public_url, self.callback_path());
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
        let extra = self.inner.layer.as_ref().map(|l| l.authorize_params());
        if let Some(extra) = &extra {
            query.push(("nonce", record.nonce.as_str()));
            query.extend(extra.iter().map(|(n, v)| (*n, v.as_str())));
        }
        let location = with_query(&idp.authorize_url, query);
        let signin = ctx
            .key
            .mac_b64("upstream-signin", state.expose().as_bytes());
        Response::empty(302)
            .with_header("Location", &location)
            .with_header("Cache-Control", "no-store")
            .with_header(
                "Set-Cookie",
                &set_cookie(ctx.config, SIGNIN, &signin, STATE_TTL_SECS),
            )
    }

    /// Steps 5 and 6 of the callback: the identity layer decides, or else
    /// `idp.identify` and the [`Allowlist`].
    fn who(&self, token: &UpstreamToken, nonce: &str) -> Result<UpstreamUser, Refusal> {
        let idp = &self.inner.idp;
        if let Some(layer) = &self.inner.layer {
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
            Refusal::failed(format!(
                "{} did not say who you are ({e}).",
                idp.display_name
            ))
        })?;
        if !self.inner.allowlist.admits(&user) {
            crate::log::event(
                "WARNING",
                &format!(
                    "{}: {} (id {}) is not on the allowlist",
                    idp.name, user.login, user.id
                ),
            );
            return Err(Refusal::not_allowed(format!(
                "{} user {} is not allowed to use this server. Ask its operator to add you.",
                idp.display_name, user.login
            )));
        }
        Ok(user)
    }

    // ── GET /authorize + session cookie → the user, for this request only ──

    fn session_user(
        &self,
        request: &Request,
        pending: &AuthorizationRequest,
        ctx: &ProviderContext<'_>,
    ) -> Result<Option<String>, StoreError> {
        let Some((sub, jti, exp)) = session_claims(request, pending, ctx) else {
            return Ok(None);
        };
        // Accepted once: a second /authorize with the same cookie shows the
        // consent screen again.
        let first_use = self
            .inner
            .store
            .insert_once(&format!("upstream-session:{}", hash_hex(&jti)), exp)?;
        Ok(first_use.then_some(sub))
    }

    // ── GET /auth/{idp}/callback ──

    fn callback(&self, request: &Request, ctx: &ProviderContext<'_>) -> Response {
        let idp = &self.inner.idp;
        let start_again = "Start again from your MCP client (e.g. reconnect the connector).";
        let params = match Params::parse(&request.query) {
            Ok(p) => p,
            Err(e) => {
                return page(
                    400,
                    "Sign-in failed",
                    &format!("The callback is malformed ({e}). {start_again}"),
                    None,
                );
            }
        };
        let Some(state) = params.get("state") else {
            return page(
                400,
                "Sign-in failed",
                &format!("The callback has no state. {start_again}"),
                None,
            );
        };
        // ── 1. The browser: the sign-in cookie set for this very state ──
        let expected = ctx.key.mac_b64("upstream-signin", state.as_bytes());
        match cookie::get(request, &cookie::name(ctx.config, SIGNIN)) {
            None => {
                return page(
                    400,
                    "Sign-in failed",
                    &format!(
                        "This {} sign-in did not start in this browser (it has no sign-in cookie). {start_again}",
                        idp.display_name
                    ),
                    None,
                );
            }
            Some(c) if !constant_time_eq(c.as_bytes(), expected.as_bytes()) => {
                return page(
                    400,
                    "Sign-in failed",
                    &format!(
                        "This {} callback does not belong to the sign-in this browser started. {start_again}",
                        idp.display_name
                    ),
                    None,
                );
            }
            Some(_) => {}
        }
        // ── 2. The state: known, fresh, unused — and now used ──
        let taken = match self.inner.store.take_secret(&state_key(state)) {
            Ok(taken) => taken,
            Err(e) => return unavailable(&e),
        };
        let Some(pending) = taken.and_then(|s| PendingSignIn::from_secret(&s)) else {
            return page(
                400,
                "Sign-in failed",
                &format!("This sign-in link has expired or was already used. {start_again}"),
                None,
            );
        };
        let back = |error: &str, description: &str| {
            let mut p = vec![("error", error), ("error_description", description)];
            if let Some(s) = &pending.client_state {
                p.push(("state", s.as_str()));
            }
            p.push(("iss", ctx.config.public_url.as_str()));
            p.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let clear = set_cookie(ctx.config, SIGNIN, "", 0);
        // ── 3. Did the user approve at the IdP? ──
        if let Some(error) = params.get("error") {
            let description = format!(
                "the {} sign-in was not completed ({error})",
                idp.display_name
            );
            let pairs = back("access_denied", &description);
            let refs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            return redirect_to_client(&pending.redirect_uri, &refs)
                .with_header("Set-Cookie", &clear);
        }
        // A failed sign-in: a page that says why, with a link that takes the
        // browser back to the client with `error` (and our state and iss), and
        // the sign-in cookie cleared.
        let fail = |status: u16, title: &str, error: &str, why: &str| {
            let pairs = back(error, why);
            let back_link = with_query(
                &pending.redirect_uri,
                pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            );
            page(status, title, why, Some(&back_link)).with_header("Set-Cookie", &clear)
        };
        let Some(code) = params.get("code") else {
            let why = format!("{} sent no code back.", idp.display_name);
            return fail(400, "Sign-in failed", "server_error", &why);
        };
        // ── 4. S → I: the code and our PKCE verifier for the upstream token ──
        let now = now();
        let callback = format!("{}{}", ctx.config.public_url, self.callback_path());
        let exchanged = self
            .inner
            .http
            .post_form(
                &idp.token_url,
                &[("Accept", "application/json")],
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", callback.as_str()),
                    ("client_id", idp.client_id.as_str()),
                    ("client_secret", idp.client_secret.expose()),
                    ("code_verifier", pending.verifier.expose()),
                ],
            )
            .map_err(ExchangeError::Call)
            .and_then(|reply| parse_token_reply(&reply, now));
        let token = match exchanged {
            Ok(t) => t,
            Err(e) => {
                crate::log::event(
                    "WARNING",
                    &format!("{}: code exchange failed: {e}", idp.name),
                );
                let why = format!("{} did not accept the sign-in ({e}).", idp.display_name);
                return fail(502, "Sign-in failed", "server_error", &why);
            }
        };
        // ── 5–6. Who is it, and may they sign in? ──
        let user = match self.who(&token, &pending.nonce) {
            Ok(user) => user,
            Err(r) => return fail(r.status, &r.title, r.error, &r.why),
        };
        // ── 7. Keep the upstream token for the tools; it never leaves the server ──
        if let Err(e) = self.keep(
            &user.id,
            &token,
            token_ttl_end(&token, now, Some(ctx.config)),
        ) {
            return unavailable(&e).with_header("Set-Cookie", &clear);
        }
        crate::log::event(
            "INFO",
            &format!("{}: {} (id {}) signed in", idp.name, user.login, user.id),
        );
        // ── 8. The session cookie, bound to the pending request; back to /authorize ──
        let exp = now + SESSION_TTL_SECS;
        let session = ctx.key.sign(
            SESSION_KIND,
            &json!({"sub": user.id, "bind": pending.bind, "exp": exp, "jti": random_id()}),
        );
        Response::empty(302)
            .with_header("Location", &pending.resume)
            .with_header("Cache-Control", "no-store")
            .with_header(
                "Set-Cookie",
                &set_cookie(ctx.config, SESSION, &session, SESSION_TTL_SECS),
            )
            .with_header("Set-Cookie", &clear)
    }
}

impl AuthProvider for UpstreamProvider {
    /// Always `None`: the session cookie is checked in
    /// [`AuthProvider::challenge`], which sees the pending request it must be
    /// bound to, the signing key and the store.
    fn authenticate(&self, _request: &Request, _credentials: &Params) -> Option<String> {
        None
    }

    fn challenge(
        &self,
        request: &Request,
        pending: &AuthorizationRequest,
        ctx: &ProviderContext<'_>,
    ) -> LoginStep {
        if self.allowed_count() == 0 {
            return LoginStep::Respond(page(
                403,
                "Nobody can sign in yet",
                &format!(
                    "This server admits no one: its operator has not listed any allowed {} users.",
                    self.inner.idp.display_name
                ),
                None,
            ));
        }
        match self.session_user(request, pending, ctx) {
            Ok(Some(sub)) => return LoginStep::Authenticated(sub),
            Ok(None) => {}
            Err(e) => return LoginStep::Respond(unavailable(&e)),
        }
        if request.method == "POST" {
            // /authorize has checked the Origin and the CSRF token, and that
            // the user did not press Deny: consent is given.
            if let Some(refused) = too_many_signins(request, ctx) {
                return LoginStep::Respond(refused);
            }
            return LoginStep::Respond(self.redirect_upstream(pending, ctx));
        }
        LoginStep::ShowForm {
            retry_message: None,
        }
    }

    fn asks_password(&self) -> bool {
        false
    }

    fn continues_at(&self) -> Option<(&str, &str)> {
        let idp = &self.inner.idp;
        Some((&idp.display_name, &idp.authorize_url))
    }

    fn route(&self, request: &Request, ctx: &ProviderContext<'_>) -> Option<Response> {
        if request.path != self.callback_path() {
            return None;
        }
        Some(match request.method.as_str() {
            "GET" => self.callback(request, ctx),
            _ => Response::empty(405).with_header("Allow", "GET"),
        })
    }

    fn describe(&self) -> String {
        let idp = &self.inner.idp;
        if self.allowed_count() == 0 {
            format!(
                "UpstreamProvider: sign-in with {} — the allowlist is EMPTY, so NOBODY can sign in",
                idp.display_name
            )
        } else {
            format!(
                "UpstreamProvider: consent screen, then sign-in with {} ({} allowed); callback {}",
                idp.display_name,
                self.allowed_count(),
                self.callback_path()
            )
        }
    }
}

/// The value of a cookie in a request (kept here for the fuzz target and the
/// regression tests, which read it as `upstream::cookie`).
pub use super::cookie::get as cookie;

/// Kind of the signed session cookie value (see [`super::claims`]).
const SESSION_KIND: &str = "mcp_session";
/// Base names of the two cookies (see the module docs for the prefix).
const SIGNIN: &str = "mcp_signin";
const SESSION: &str = "mcp_session";

/// The store key of a pending sign-in.
/// Each consent POST stores a pending sign-in for [`STATE_TTL_SECS`] before
/// anyone has signed in: counted per client address, so one stranger cannot
/// fill the store (3,000 POSTs once held 46 MiB). `None`: go ahead.
fn too_many_signins(request: &Request, ctx: &ProviderContext<'_>) -> Option<Response> {
    let bucket = ctx.config.client_bucket(request);
    let key = format!("rate:upstream-signin:{bucket}");
    match ctx.store.increment(&key, now() + STATE_TTL_SECS) {
        Ok(n) if n <= SIGNINS_PER_ADDRESS => None,
        Ok(_) => Some(
            page(
                429,
                "Too many sign-ins",
                "Too many sign-ins were started from your network in the last minutes. \
                 Wait a few minutes, then connect again from your MCP client.",
                None,
            )
            .with_header("Retry-After", "600"),
        ),
        Err(e) => Some(unavailable(&e)),
    }
}

fn state_key(state: &str) -> String {
    format!("upstream-state:{}", hash_hex(state))
}

/// What ties a session to one authorization request: a hash of the fields a
/// different request would change.
fn binding(p: &AuthorizationRequest) -> String {
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

/// Until when a user's upstream token is kept: as long as the IdP lets it be
/// renewed, else until it expires, else (no expiry, e.g. GitHub OAuth Apps) as
/// long as our own refresh tokens live.
fn token_ttl_end(token: &UpstreamToken, now: u64, config: Option<&Config>) -> u64 {
    let ours = now.saturating_add(config.map_or(30 * 24 * 3600, |c| c.refresh_token_ttl));
    match (
        &token.refresh_token,
        token.refresh_expires_at,
        token.expires_at,
    ) {
        (Some(_), Some(refresh_end), _) => refresh_end,
        (Some(_), None, _) => ours,
        (None, _, Some(end)) => end,
        (None, _, None) => ours,
    }
}

/// A `Set-Cookie` value for one of our two cookies: `SameSite=Lax`, so that
/// it rides along on the navigation back from the IdP ([`super::cookie`]).
fn set_cookie(config: &Config, base: &str, value: &str, max_age: u64) -> String {
    cookie::set(config, base, value, max_age, SameSite::Lax)
}

/// The subject, id and expiry of a valid session cookie bound to `pending`.
fn session_claims(
    request: &Request,
    pending: &AuthorizationRequest,
    ctx: &ProviderContext<'_>,
) -> Option<(String, String, u64)> {
    let value = cookie::get(request, &cookie::name(ctx.config, SESSION))?;
    let claims = ctx.key.verify(SESSION_KIND, value).ok()?;
    let sub = claims["sub"].as_str()?;
    let bind = claims["bind"].as_str()?;
    let exp = claims["exp"].as_u64()?;
    let jti = claims["jti"].as_str()?;
    if exp <= now() || bind != binding(pending) {
        return None;
    }
    Some((sub.to_string(), jti.to_string(), exp))
}

/// The page when the state store is unreachable: `503`, try again shortly.
fn unavailable(e: &StoreError) -> Response {
    super::error::log_unavailable(e);
    page(
        503,
        "Temporarily unavailable",
        "The server cannot reach its state store right now. Wait a few seconds and try again.",
        None,
    )
    .with_header("Retry-After", super::error::RETRY_AFTER_UNAVAILABLE)
}

/// The user channel for this step: a small page, never framed, with a way
/// back to the MCP client carrying the OAuth error when one is known (so the
/// client learns the outcome and the user learns why).
fn page(status: u16, title: &str, message: &str, back: Option<&str>) -> Response {
    let text = back.map(|href| {
        (
            href,
            format!("Return to {}", super::url::display_host(href)),
        )
    });
    let link = text.as_ref().map(|(href, text)| (*href, text.as_str()));
    super::error::html_page_with_link(status, title, message, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_token_reply_with_an_error_field_fails_even_with_200() {
        // GitHub's documented error shape for the token endpoint.
        let r = reply(
            200,
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/…"}"#,
        );
        assert_eq!(
            parse_token_reply(&r, 0).err(),
            Some(ExchangeError::Refused {
                error: "bad_verification_code".into(),
                description: Some("The code passed is incorrect or expired.".into())
            })
        );
    }

    #[test]
    fn token_replies_are_read_with_and_without_expiry() {
        let oauth_app = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"gho_abc","scope":"","token_type":"bearer"}"#,
            ),
            1000,
        )
        .unwrap();
        assert_eq!(oauth_app.access_token.expose(), "gho_abc");
        assert!(oauth_app.refresh_token.is_none() && oauth_app.expires_at.is_none());
        let github_app = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"ghu_x","expires_in":28800,"refresh_token":"ghr_y","refresh_token_expires_in":15811200,"scope":"","token_type":"bearer"}"#,
            ),
            1000,
        )
        .unwrap();
        assert_eq!(github_app.expires_at, Some(29800));
        assert_eq!(github_app.refresh_expires_at, Some(15812200));
        assert_eq!(token_ttl_end(&github_app, 1000, None), 15812200);
        assert_eq!(token_ttl_end(&oauth_app, 1000, None), 1000 + 30 * 24 * 3600);
    }

    #[test]
    fn a_huge_expires_in_from_the_idp_does_not_overflow() {
        // The IdP's reply is network input: u64::MAX must not panic (debug)
        // or wrap into the past (release).
        let t = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"ghu_x","expires_in":18446744073709551615,"refresh_token":"ghr_y","refresh_token_expires_in":18446744073709551615}"#,
            ),
            1000,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(u64::MAX));
        assert_eq!(t.refresh_expires_at, Some(u64::MAX));
    }

    #[test]
    fn token_replies_without_a_token_or_with_a_bad_status_fail() {
        assert_eq!(
            parse_token_reply(&reply(200, r#"{"token_type":"bearer"}"#), 0).err(),
            Some(ExchangeError::NoToken)
        );
        assert_eq!(
            parse_token_reply(&reply(502, "<html>bad gateway</html>"), 0).err(),
            Some(ExchangeError::Status(502))
        );
        assert!(matches!(
            parse_token_reply(&reply(200, "access_token=gho_x&token_type=bearer"), 0),
            Err(ExchangeError::Call(OutboundError::NotJson(_)))
        ));
    }

    #[test]
    fn the_allowlist_matches_logins_without_case_and_ids_exactly() {
        let list = Allowlist::parse(" alice, @Bob ,, id:583231 ");
        assert_eq!(list.len(), 3);
        let user = |id: &str, login: &str| UpstreamUser {
            id: id.into(),
            login: login.into(),
        };
        assert!(list.admits(&user("1", "ALICE")));
        assert!(list.admits(&user("2", "bob")));
        assert!(list.admits(&user("583231", "octocat")));
        assert!(!list.admits(&user("5832310", "mallory")));
        assert!(
            !list.admits(&user("alice", "eve")),
            "ids and logins are not mixed"
        );
        assert!(Allowlist::parse(" , ").is_empty());
        assert!(!Allowlist::parse(" , ").admits(&user("1", "")));
    }

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

    #[test]
    fn pending_sign_ins_and_tokens_survive_the_store_round_trip() {
        let p = PendingSignIn {
            bind: "b".into(),
            resume: "/authorize?x=1".into(),
            redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
            client_state: None,
            verifier: Secret::new("v"),
            nonce: "n".into(),
        };
        let back = PendingSignIn::from_secret(&p.to_secret()).unwrap();
        assert_eq!(
            (back.bind, back.resume, back.redirect_uri, back.client_state),
            (p.bind, p.resume, p.redirect_uri, None)
        );
        assert!(back.verifier.matches("v"));
        assert_eq!(back.nonce, "n");
        let t = UpstreamToken {
            access_token: Secret::new("gho_a"),
            refresh_token: None,
            expires_at: Some(5),
            refresh_expires_at: None,
            id_token: Some("eyJ…".into()),
        };
        let back = UpstreamToken::from_secret(&t.to_secret()).unwrap();
        assert!(back.access_token.matches("gho_a") && back.refresh_token.is_none());
        assert_eq!(back.expires_at, Some(5));
        assert_eq!(back.id_token, None, "the ID token is never stored");
    }
}
