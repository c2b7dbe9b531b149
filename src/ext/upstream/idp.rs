//! **[16, 20–21](crate::_documentation::flow) The identity provider — where
//! to send the user, where to redeem the code, and who it says signed in.**
//! What you tell [`super::UpstreamProvider`] about the IdP ([`UpstreamIdp`]),
//! what it answers ([`UpstreamUser`]), and the hook through which an identity
//! protocol decides who signed in instead ([`IdentityLayer`]; OpenID Connect,
//! [`super::oidc`], is one), refusing with a [`SignInRefusal`].
//!
//! ```text
//!   [16] S → C  302 authorize_url?client_id&redirect_uri&state&code_challenge&scope   (+ nonce and
//!                                                                   the layer's parameters)
//!   [20] S → I  POST token_url  client_id + client_secret + code + code_verifier
//!   [21] I → S  the access token ─▶ identify(token) ─▶ UpstreamUser { id, login } ─▶ allowlist
//!               or, with a layer: layer.identify(id_token, token, nonce) ─▶ UpstreamUser | SignInRefusal
//! ```
//!
//! # Where this sits
//! Plain data and one trait, no I/O. [`super::challenge`] reads the URLs and
//! scopes, [`super::exchange`] the token URL and our credentials,
//! [`super::callback`] calls `identify` or the layer.

use std::fmt;

use crate::crypto::secret::Secret;

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

/// An identity protocol on top of the upstream OAuth flow: OpenID Connect
/// ([`super::oidc`]). Given to [`super::UpstreamProvider::with_layer`], it
/// takes over the callback's decision at `[21]`: who signed in, and may they.
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
    ) -> Result<UpstreamUser, SignInRefusal>;

    /// How many allowlist entries there are: `0` admits nobody, and the
    /// consent screen says so before anyone is sent to the IdP.
    fn allowed_count(&self) -> usize;
}

/// Why a sign-in is refused at the callback: a page with this status and
/// title tells the user `why`, and its link back gives the client `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRefusal {
    /// `403` for someone not allowed, `502` when the IdP's answer is unusable.
    pub status: u16,
    /// The page's title, e.g. `Not allowed`.
    pub title: String,
    /// The OAuth error for the client: `access_denied` or `server_error`.
    pub error: &'static str,
    /// The reason, in words the user can act on.
    pub why: String,
}

impl SignInRefusal {
    /// `403 Not allowed`, `access_denied`.
    pub fn not_allowed(why: impl Into<String>) -> SignInRefusal {
        SignInRefusal {
            status: 403,
            title: "Not allowed".into(),
            error: "access_denied",
            why: why.into(),
        }
    }

    /// `502 Sign-in failed`, `server_error`: the IdP's answer is unusable.
    pub fn failed(why: impl Into<String>) -> SignInRefusal {
        SignInRefusal {
            status: 502,
            title: "Sign-in failed".into(),
            error: "server_error",
            why: why.into(),
        }
    }
}
