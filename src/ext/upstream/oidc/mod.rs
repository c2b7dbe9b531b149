//! **[13–14, 16–23](crate::_documentation::flow) The upstream branch with
//! OpenID Connect — sign-in with Google, Microsoft Entra ID, Okta, Auth0,
//! Keycloak or any OpenID provider, configured by its issuer URL.** The flow
//! is [`super`]'s (our consent screen, `state`, the sign-in cookie,
//! PKCE S256, the session cookie); OpenID Connect adds a `nonce`, the
//! discovery of the provider's endpoints and keys, and a signed ID token
//! that says who signed in.
//!
//! ```text
//!   start-up  S → I  GET {issuer}/.well-known/openid-configuration   issuer must match exactly
//!             S → I  GET jwks_uri                    (both cached, refreshed hourly; [`discovery`])
//!   C → S  POST /authorize (Allow)    state, PKCE verifier and nonce stored (10 min, single use)
//!   S → C  302 authorization_endpoint?response_type=code&scope=openid…&state&nonce&code_challenge(S256)
//!   I → C  302 /auth/oidc/callback?code&state                (or error=access_denied → the client)
//!   S → I  POST token_endpoint  code + code_verifier + client secret
//!   I → S  {access_token, refresh_token?, id_token}
//!          id_token: alg ∈ {RS256, ES256}, signature by kid (JWKS; once more on an unknown kid),
//!          iss, aud/azp, exp/iat (60 s skew), nonce                       ([`id_token`])
//!          → the allowlist: subjects, verified e-mails, domains (hd), tenant   ([`allow`])
//!   S → C  302 /authorize?… + session cookie → our code, as for GitHub
//!   tools  Oidc::user (sub, email, name) · Oidc::access_token (refreshed) · Oidc::userinfo
//! ```
//!
//! # Why each piece is there
//! * **Discovery at start-up, refusing a mismatched `issuer`** (Discovery
//!   §4.3): a typo or a proxy answering for another issuer stops the server
//!   with a message naming `OIDC_ISSUER`, instead of failing every sign-in.
//! * **The `nonce`**, kept server-side with the `state` and compared with the
//!   ID token's: an ID token from another sign-in cannot be injected.
//! * **The signature check** even though the ID token arrives over TLS from
//!   the token endpoint (Core §3.1.3.7 item 6 would allow relying on TLS):
//!   it costs one cached JWKS, and it keeps the ID token's word independent
//!   of every proxy and TLS terminator between us and the provider.
//! * **JWKS cached, fetched again once for an unknown `kid`**: providers
//!   rotate keys (Google daily), publishing the new one before using it.
//!   A cached set older than an hour is fetched again before use, so a key
//!   the provider withdrew stops working within the hour.
//! * **Identity from `sub`**, never from `email` alone: e-mails change hands
//!   and, unverified, are only a claim ([`allow`] has the rules).
//! * **Upstream tokens sealed per user** exactly as for GitHub, and refreshed
//!   by [`super::UpstreamProvider::access_token`]; the profile the
//!   ID token gave (sub, e-mail, name) is kept next to them for the tools.
//!
//! # Spec
//! OpenID Connect Core 1.0 §3.1.2.1 (authorization request, `nonce`),
//! §3.1.3.7 (ID token validation), §5.3 (UserInfo; §5.3.2 its `sub` must
//! match); OpenID Connect Discovery 1.0 §4; RFC 7636 (PKCE); RFC 6749 §4.1.
//!
//! # Where this sits
//! [`Oidc`] is an [`AuthProvider`] (it wraps an [`UpstreamProvider`] with an
//! [`IdentityLayer`]): give it to [`crate::App::provider`], and a clone to
//! the tools. Its parts, in the order a sign-in uses them: [`settings`]
//! (`OIDC_*`, read at start-up), [`discovery`] (the provider's document and
//! keys), [`layer`] (the [`IdentityLayer`]: caches, and the decision at
//! `[21]`), [`id_token`] (the checks), [`allow`] (who may sign in). All calls
//! to the provider go through [`crate::outbound`].
//! `examples/oidc.rs` is the whole server; docs/EXAMPLES.md says how to point
//! it at Google, Entra ID, Okta, Auth0 or Keycloak.
//!
//! # Not implemented
//! * The implicit and hybrid flows, encrypted ID tokens, `private_key_jwt`
//!   client authentication (the client secret goes in the form body:
//!   `client_secret_post`, which all five providers above accept).
//! * Changing authorization or token endpoints without a restart: they are
//!   read at start-up (the consent page's CSP names the authorization host);
//!   the keys and the userinfo endpoint follow the refreshed document.

pub mod allow;
pub mod discovery;
pub mod id_token;
pub mod layer;
pub mod settings;

use std::fmt;
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub use layer::{PROFILE_TTL_SECS, REFRESH_SECS};
pub use settings::{DEFAULT_SCOPES, OidcError, OidcSettings};

use self::allow::{IssuerKind, OidcAllowlist};
use self::discovery::{Discovery, fetch_discovery, fetch_keys, issuer_kind, web_url};
use self::layer::{Cache, OidcLayer};
use crate::crypto::secret::Secret;
use crate::ext::seal::Sealed;
use crate::ext::upstream::idp::{IdentityLayer, UpstreamIdp};
use crate::ext::upstream::records;
use crate::ext::upstream::{UpstreamProvider, UpstreamTokenError};
use crate::http::{Request, Response};
use crate::identity::Identity;
use crate::oauth::encoding::Params;
use crate::oauth::provider::{AuthProvider, AuthorizationRequest, LoginStep, ProviderContext};
use crate::oauth::store::now;
use crate::outbound::Outbound;

/// The signed-in user, as the ID token said at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcUser {
    /// The subject (our subject too).
    pub sub: String,
    /// The e-mail address, if the provider gave one.
    pub email: Option<String>,
    /// Whether the provider verified it.
    pub email_verified: bool,
    /// The display name (`name`, else `preferred_username`).
    pub name: Option<String>,
}

/// Why the userinfo call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserinfoError {
    /// No upstream token (see [`UpstreamTokenError`]).
    Token(UpstreamTokenError),
    /// The provider publishes no userinfo endpoint.
    NoEndpoint,
    /// The call failed or was refused; the reason.
    Failed(String),
}

impl fmt::Display for UserinfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserinfoError::Token(e) => write!(f, "{e}"),
            UserinfoError::NoEndpoint => f.write_str("The provider has no userinfo endpoint."),
            UserinfoError::Failed(why) => write!(f, "The provider's userinfo call failed: {why}"),
        }
    }
}

impl std::error::Error for UserinfoError {}

/// Sign-in through an OpenID provider. Cheap to clone: give one clone to
/// [`crate::App::provider`] and one to the tools.
///
/// ```no_run
/// use std::sync::Arc;
/// use remote_mcp::ext::seal::{SealKey, Sealed};
/// use remote_mcp::ext::upstream::oidc::{Oidc, OidcSettings};
/// use remote_mcp::oauth::store::{MemoryStore, Store};
/// use remote_mcp::{App, McpServer};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
/// let secrets = Sealed::new(store.clone(), SealKey::random()); // shared store: SealKey::from_config
/// let settings = OidcSettings::from_lookup(|name| std::env::var(name).ok())?;
/// let oidc = Oidc::discover(settings, secrets)?; // fetches discovery + JWKS
/// let tools_side = oidc.clone(); // tools call tools_side.user(caller), .access_token(caller)
/// # let _ = tools_side;
/// App::new(McpServer::new("my-service")).store(store).provider(oidc).run()
/// # }
/// ```
#[derive(Clone)]
pub struct Oidc {
    upstream: UpstreamProvider,
    core: Arc<OidcLayer>,
}

impl fmt::Debug for Oidc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.core.issuer)
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    /// Reads the provider's discovery document and keys (an error names
    /// `OIDC_ISSUER` and what is wrong), and checks the allowlist against the
    /// kind of issuer (an error names `OIDC_ALLOWED`).
    pub fn discover(settings: OidcSettings, store: Sealed) -> Result<Oidc, OidcError> {
        let http = Outbound::new(concat!(
            "remote-mcp/",
            env!("CARGO_PKG_VERSION"),
            " (OpenID Connect sign-in)"
        ));
        Oidc::with_outbound(settings, store, http)
    }

    /// Like [`Oidc::discover`], with this client toward the provider.
    pub fn with_outbound(
        settings: OidcSettings,
        store: Sealed,
        http: Outbound,
    ) -> Result<Oidc, OidcError> {
        let issuer = settings.issuer.clone();
        if !web_url(&issuer) {
            // Over plain http anyone on the path could serve their own keys.
            return Err(OidcError(format!(
                "OIDC_ISSUER={issuer}: the issuer must be an https URL (plain http only on localhost)"
            )));
        }
        let doc = fetch_discovery(&http, &issuer)
            .map_err(|e| OidcError(format!("OIDC_ISSUER={issuer}: {e}")))?;
        let keys = fetch_keys(&http, &doc.jwks_uri).map_err(|e| {
            OidcError(format!(
                "OIDC_ISSUER={issuer}: the provider's keys ({}) {e}",
                doc.jwks_uri
            ))
        })?;
        let kind = issuer_kind(&issuer, &doc.issuer);
        let allowlist = OidcAllowlist::parse(&settings.allowed, kind)
            .map_err(|e| OidcError(format!("OIDC_ALLOWED: {e}")))?;
        let display_name = settings.display_name.clone().unwrap_or_else(|| match kind {
            IssuerKind::Google => "Google".into(),
            IssuerKind::Entra | IssuerKind::EntraMultiTenant => "Microsoft".into(),
            IssuerKind::Other => issuer
                .split("://")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or(&issuer)
                .to_string(),
        });
        let mut scopes = settings.scopes.clone();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        let idp = UpstreamIdp {
            name: "oidc".into(),
            display_name: display_name.clone(),
            authorize_url: doc.authorization_endpoint.clone(),
            token_url: doc.token_endpoint.clone(),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            scopes,
            // Not called: the identity layer decides from the ID token.
            identify: Box::new(|_| Err("OpenID Connect identifies by the ID token".into())),
        };
        let now = now();
        let core = Arc::new(OidcLayer {
            issuer,
            client_id: settings.client_id,
            display_name,
            kind,
            allowlist,
            store: store.clone(),
            http: http.clone(),
            cache: Mutex::new(Cache::fetched(doc, keys, now)),
        });
        let layer: Arc<dyn IdentityLayer> = core.clone();
        Ok(Oidc {
            upstream: UpstreamProvider::with_layer(idp, layer, store, http),
            core,
        })
    }

    /// The discovery document as cached now.
    pub fn discovery(&self) -> Discovery {
        self.core.doc()
    }

    /// The allowlist.
    pub fn allowlist(&self) -> &OidcAllowlist {
        &self.core.allowlist
    }

    /// The sign-in flow itself (callback path, display name).
    pub fn upstream(&self) -> &UpstreamProvider {
        &self.upstream
    }

    /// Who the caller is, as their ID token said at sign-in.
    pub fn user(&self, caller: Option<&Identity>) -> Result<OidcUser, UpstreamTokenError> {
        let caller = caller.ok_or(UpstreamTokenError::NoCaller)?;
        let not_signed_in = || UpstreamTokenError::NotSignedIn {
            idp: self.core.display_name.clone(),
        };
        let v = records::get_profile(&self.core.store, &self.core.issuer, &caller.sub)
            .map_err(|e| {
                crate::oauth::error::log_unavailable(&e);
                UpstreamTokenError::Unavailable
            })?
            .ok_or_else(not_signed_in)?;
        let text = |n: &str| v[n].as_str().map(str::to_string);
        Ok(OidcUser {
            sub: caller.sub.clone(),
            email: text("email"),
            email_verified: v["email_verified"].as_bool().unwrap_or(false),
            name: text("name"),
        })
    }

    /// The caller's upstream access token for the provider's APIs, refreshed
    /// first when it is about to expire. Never hand it to the client.
    pub fn access_token(&self, caller: Option<&Identity>) -> Result<Secret, UpstreamTokenError> {
        self.upstream.access_token(caller)
    }

    /// Forgets the caller's upstream token (after the provider answered `401`).
    pub fn forget(&self, caller: Option<&Identity>) {
        self.upstream.forget(caller)
    }

    /// `GET userinfo_endpoint` as the caller (Core §5.3); the answer's `sub`
    /// must be the caller's (§5.3.2). A `401` forgets the upstream token.
    pub fn userinfo(&self, caller: Option<&Identity>) -> Result<Value, UserinfoError> {
        let token = self.access_token(caller).map_err(UserinfoError::Token)?;
        let url = self
            .core
            .doc()
            .userinfo_endpoint
            .ok_or(UserinfoError::NoEndpoint)?;
        let bearer = format!("Bearer {}", token.expose());
        let reply = self
            .core
            .http
            .get(
                &url,
                &[],
                &[("Authorization", &bearer), ("Accept", "application/json")],
            )
            .map_err(|e| UserinfoError::Failed(e.to_string()))?;
        if reply.status == 401 {
            self.forget(caller);
            return Err(UserinfoError::Token(UpstreamTokenError::NotSignedIn {
                idp: self.core.display_name.clone(),
            }));
        }
        if !reply.is_success() {
            return Err(UserinfoError::Failed(format!("HTTP {}", reply.status)));
        }
        let info = reply
            .json()
            .map_err(|e| UserinfoError::Failed(e.to_string()))?;
        let caller_sub = caller.map(|c| c.sub.as_str());
        if info.get("sub").and_then(Value::as_str) != caller_sub {
            return Err(UserinfoError::Failed(
                "it answered for another subject than the signed-in user".into(),
            ));
        }
        Ok(info)
    }
}

impl AuthProvider for Oidc {
    fn authenticate(&self, request: &Request, credentials: &Params) -> Option<String> {
        self.upstream.authenticate(request, credentials)
    }

    fn challenge(
        &self,
        request: &Request,
        pending: &AuthorizationRequest,
        ctx: &ProviderContext<'_>,
    ) -> LoginStep {
        self.upstream.challenge(request, pending, ctx)
    }

    fn asks_password(&self) -> bool {
        false
    }

    fn continues_at(&self) -> Option<(&str, &str)> {
        self.upstream.continues_at()
    }

    fn route(&self, request: &Request, ctx: &ProviderContext<'_>) -> Option<Response> {
        self.upstream.route(request, ctx)
    }

    fn describe(&self) -> String {
        format!(
            "{} (OpenID Connect, issuer {})",
            self.upstream.describe(),
            self.core.issuer
        )
    }
}
