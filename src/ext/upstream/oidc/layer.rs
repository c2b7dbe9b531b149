//! **[16, 20–21](crate::_documentation::flow) The OpenID Connect identity
//! layer — who signed in, from the ID token, and may they.** It plugs into
//! the upstream sign-in through [`IdentityLayer`]: at `[16]` it adds its
//! parameters to the redirect (the provider sends the `nonce`), and at
//! `[21]` it decides instead of `identify` and the GitHub-style allowlist.
//!
//! ```text
//!   [16]  authorize_params   Google: access_type=offline&prompt=consent (a refresh token)
//!   [21]  identify(id_token, nonce)
//!           discovery document (cached, refreshed hourly) ─▶ decode: alg allowed?
//!           JWKS (cached; fetched once more for an unknown kid) ─▶ signature
//!           iss, aud/azp, exp/iat, nonce ─▶ Claims ─▶ OidcAllowlist::decide
//!           ─▶ the profile (e-mail, name) kept for the tools ─▶ UpstreamUser { id: sub, login }
//! ```
//!
//! # Spec
//! OpenID Connect Core 1.0 §3.1.3.7 (ID token validation); Discovery 1.0 §4.
//!
//! # Where this sits
//! Built by [`super::Oidc::discover`] and given to
//! [`UpstreamProvider::with_layer`](crate::ext::upstream::UpstreamProvider::with_layer);
//! the checks are [`super::id_token`]'s, the rules [`super::allow`]'s, the
//! documents [`super::discovery`]'s. The profile is kept by
//! [`crate::ext::upstream::records`].

use std::sync::{Mutex, MutexGuard};

use serde_json::json;

use super::allow::{Decision, IssuerKind, OidcAllowlist};
use super::discovery::{Discovery, fetch_discovery, fetch_keys};
use super::id_token::{self, Claims, Expected, IdTokenError, KeySet};
use crate::crypto::secret::Secret;
use crate::ext::seal::Sealed;
use crate::ext::upstream::idp::{IdentityLayer, SignInRefusal, UpstreamUser};
use crate::ext::upstream::records;
use crate::oauth::store::now;
use crate::outbound::Outbound;

/// The discovery document and the JWKS are fetched again when older than this.
pub const REFRESH_SECS: u64 = 3600;
/// The profile a sign-in gave is kept this long (a new sign-in renews it).
pub const PROFILE_TTL_SECS: u64 = 90 * 24 * 3600;

/// The identity layer: the cached discovery document and keys, the checks.
pub(super) struct OidcLayer {
    pub(super) issuer: String,
    pub(super) client_id: String,
    pub(super) display_name: String,
    pub(super) kind: IssuerKind,
    pub(super) allowlist: OidcAllowlist,
    pub(super) store: Sealed,
    pub(super) http: Outbound,
    pub(super) cache: Mutex<Cache>,
}

/// The discovery document and the keys, with when each was fetched.
pub(super) struct Cache {
    doc: Discovery,
    doc_at: u64,
    keys: KeySet,
    keys_at: u64,
}

impl Cache {
    /// Both fetched `now`.
    pub(super) fn fetched(doc: Discovery, keys: KeySet, now: u64) -> Cache {
        Cache {
            doc,
            doc_at: now,
            keys,
            keys_at: now,
        }
    }
}

impl OidcLayer {
    fn cache(&self) -> MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The discovery document, fetched again when older than [`REFRESH_SECS`]
    /// (a failed fetch keeps the old one, and says so in the log).
    pub(super) fn doc(&self) -> Discovery {
        let (doc, stale) = {
            let c = self.cache();
            (c.doc.clone(), c.doc_at + REFRESH_SECS <= now())
        };
        if !stale {
            return doc;
        }
        match fetch_discovery(&self.http, &self.issuer) {
            Ok(fresh) => {
                let mut c = self.cache();
                c.doc = fresh.clone();
                c.doc_at = now();
                fresh
            }
            Err(e) => {
                crate::log::event(
                    "WARNING",
                    &format!(
                        "oidc: refreshing the discovery document failed, keeping the cached one: {e}"
                    ),
                );
                self.cache().doc_at = now();
                doc
            }
        }
    }

    /// Fetches the JWKS again and caches it.
    fn refetch_keys(&self, jwks_uri: &str) -> Result<KeySet, String> {
        let keys = fetch_keys(&self.http, jwks_uri)?;
        let mut c = self.cache();
        c.keys = keys.clone();
        c.keys_at = now();
        Ok(keys)
    }

    /// Checks an ID token (module docs of [`id_token`]).
    fn validate(&self, token: &str, nonce: &str) -> Result<Claims, String> {
        let doc = self.doc();
        let unverified = id_token::decode(token, &doc.algs).map_err(|e| e.to_string())?;
        let (mut keys, keys_at) = {
            let c = self.cache();
            (c.keys.clone(), c.keys_at)
        };
        let unknown = !keys.has(unverified.alg(), unverified.kid());
        if unknown || keys_at + REFRESH_SECS <= now() {
            // Key rotation: one more fetch, no more, per ID token. When the
            // key is known and only the cache is old, a failed fetch keeps
            // the cached keys (and says so in the log).
            match self.refetch_keys(&doc.jwks_uri) {
                Ok(fresh) => keys = fresh,
                Err(e) if unknown => {
                    return Err(format!("cannot be checked: the provider's keys {e}"));
                }
                Err(e) => crate::log::event(
                    "WARNING",
                    &format!(
                        "oidc: refreshing the provider's keys failed, keeping the cached ones: {e}"
                    ),
                ),
            }
        }
        unverified
            .verify_signature(&keys)
            .map_err(|e| e.to_string())?;
        let alias = (self.kind == IssuerKind::Google).then_some("accounts.google.com");
        unverified
            .check_claims(&Expected {
                issuer: &doc.issuer,
                issuer_alias: alias,
                client_id: &self.client_id,
                nonce,
                now: now(),
            })
            .map_err(|e: IdTokenError| e.to_string())
    }
}

impl IdentityLayer for OidcLayer {
    fn authorize_params(&self) -> Vec<(&'static str, String)> {
        match self.kind {
            // Google gives a refresh token only when asked for offline access
            // (and, to give it again, consent).
            IssuerKind::Google => vec![
                ("access_type", "offline".into()),
                ("prompt", "consent".into()),
            ],
            _ => vec![],
        }
    }

    fn identify(
        &self,
        id_token: Option<&str>,
        _access_token: &Secret,
        nonce: &str,
    ) -> Result<UpstreamUser, SignInRefusal> {
        let idp = &self.display_name;
        let token = id_token.ok_or_else(|| {
            SignInRefusal::failed(format!(
                "{idp} sent no ID token, so it did not say who you are (the scopes must include openid)."
            ))
        })?;
        let claims = self.validate(token, nonce).map_err(|why| {
            SignInRefusal::failed(format!("{idp}'s ID token was refused: it {why}."))
        })?;
        if let Decision::Refused(why) = self.allowlist.decide(&claims) {
            return Err(SignInRefusal::not_allowed(why));
        }
        let name = claims.name.clone().or(claims.preferred_username.clone());
        let profile = json!({
            "email": claims.email,
            "email_verified": claims.email_verified,
            "name": name,
        });
        let until = now() + PROFILE_TTL_SECS;
        let kept = records::put_profile(&self.store, &self.issuer, &claims.sub, &profile, until);
        if let Err(e) = kept {
            crate::oauth::error::log_unavailable(&e);
            return Err(SignInRefusal::failed(
                "The server cannot reach its state store right now. Wait a few seconds and try again.",
            ));
        }
        Ok(UpstreamUser {
            login: claims
                .email
                .clone()
                .or(name)
                .unwrap_or_else(|| claims.sub.clone()),
            id: claims.sub,
        })
    }

    fn allowed_count(&self) -> usize {
        self.allowlist.len()
    }
}
