//! **[16, 19, 21, 23, 28–29](crate::_documentation::flow) What the upstream
//! sign-in keeps in the store — the pending sign-in, the used sessions, each
//! user's upstream token.** Every store call of the extension is in this
//! file, with its key and its lifetime. The secret records go through the
//! store's sealed API ([`Sealed::put_secret`] and its siblings), so that a
//! shared backend only ever holds ciphertext.
//!
//! | record | key | sealed | lives | written | read |
//! |---|---|---|---|---|---|
//! | a pending sign-in | `upstream-state:<sha256(state)>` | yes | [`STATE_TTL_SECS`] | `[16]` | `[19]`, taken once |
//! | sign-ins started from one address | `rate:upstream-signin:<address>` | — | [`STATE_TTL_SECS`] | `[16]` | `[16]` |
//! | a used session cookie | `upstream-session:<sha256(jti)>` | — | the session's expiry | `[23]` | `[23]` |
//! | a user's upstream token | `upstream-token:<sha256(idp ‖ sub)>` | yes | the grant's lifetime | `[21]` | `[28]`, by the tools |
//! | a user's OpenID Connect profile | `oidc-profile:<sha256(issuer ‖ sub)>` | yes | [`super::oidc::PROFILE_TTL_SECS`] | `[21]` | `[28]`, by the tools |
//!
//! The state and the subject are hashed into the key: a store dump shows
//! neither, and the sealed value is bound to its key, so a record copied under
//! another key does not open.
//!
//! # Where this sits
//! Called by [`super::challenge`], [`super::callback`],
//! [`super::access_token`] and [`super::oidc`]; the store is
//! [`crate::oauth::store`].

use serde_json::{Value, json};

use crate::config::Config;
use crate::crypto::secret::{Secret, hash_hex};
use crate::ext::seal::Sealed;
use crate::oauth::store::{Store, StoreError, now};

/// A pending upstream sign-in lives this long (the IdP's own code lives 10
/// minutes at GitHub; a user who takes longer starts again).
pub const STATE_TTL_SECS: u64 = 600;

/// The pending authorization a `state` stands for (kept in the store as a secret).
pub(super) struct PendingSignIn {
    /// Hash of the authorization request (see `cookies::binding`).
    pub(super) bind: String,
    /// `/authorize?…` to resume.
    pub(super) resume: String,
    /// The client's redirect URI (for errors sent back to it).
    pub(super) redirect_uri: String,
    /// The client's `state`.
    pub(super) client_state: Option<String>,
    /// Our PKCE verifier toward the IdP.
    pub(super) verifier: Secret,
    /// The OpenID Connect `nonce` sent with the redirect (also generated,
    /// unsent, without an identity layer).
    pub(super) nonce: String,
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

/// An upstream token as kept for a user.
#[derive(Clone)]
pub(super) struct UpstreamToken {
    pub(super) access_token: Secret,
    pub(super) refresh_token: Option<Secret>,
    /// Unix seconds; `None` when the IdP gave no `expires_in` (GitHub OAuth Apps).
    pub(super) expires_at: Option<u64>,
    /// Unix seconds until which the refresh token works, if the IdP said.
    pub(super) refresh_expires_at: Option<u64>,
    /// The OpenID Connect ID token of a code exchange: read once, at the
    /// callback, by the identity layer; never stored.
    pub(super) id_token: Option<String>,
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

/// Until when a user's upstream token is kept: as long as the IdP lets it be
/// renewed, else until it expires, else (no expiry, e.g. GitHub OAuth Apps) as
/// long as our own refresh tokens live.
pub(super) fn token_ttl_end(token: &UpstreamToken, now: u64, config: Option<&Config>) -> u64 {
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

// ── The pending sign-in: stored at [16], taken at [19] ──

fn pending_signin_key(state: &str) -> String {
    format!("upstream-state:{}", hash_hex(state))
}

/// Keeps `record` under its upstream `state` for [`STATE_TTL_SECS`].
pub(super) fn put_pending(
    store: &Sealed,
    state: &str,
    record: &PendingSignIn,
) -> Result<(), StoreError> {
    store.put_secret(
        &pending_signin_key(state),
        &record.to_secret(),
        now() + STATE_TTL_SECS,
    )
}

/// Takes (reads and deletes) the pending sign-in of `state`: a callback is
/// accepted once. `None`: unknown, expired or already used.
pub(super) fn take_pending(
    store: &Sealed,
    state: &str,
) -> Result<Option<PendingSignIn>, StoreError> {
    let taken = store.take_secret(&pending_signin_key(state))?;
    Ok(taken.and_then(|s| PendingSignIn::from_secret(&s)))
}

/// Counts one more sign-in started from `bucket` (a client address) and
/// returns the count of the last [`STATE_TTL_SECS`].
pub(super) fn count_signin(store: &dyn Store, bucket: &str) -> Result<u64, StoreError> {
    store.increment(
        &format!("rate:upstream-signin:{bucket}"),
        now() + STATE_TTL_SECS,
    )
}

// ── The session cookie's single use, at [23] ──

/// Whether this is the first time the session `jti` is used (it is then
/// recorded as used until `expires_at`).
pub(super) fn first_use_of_session(
    store: &Sealed,
    jti: &str,
    expires_at: u64,
) -> Result<bool, StoreError> {
    store.insert_once(&format!("upstream-session:{}", hash_hex(jti)), expires_at)
}

// ── A user's upstream token: kept at [21], read by the tools ──

fn user_token_key(idp: &str, sub: &str) -> String {
    format!("upstream-token:{}", hash_hex(&format!("{idp}\0{sub}")))
}

/// Keeps `sub`'s token at the IdP named `idp` until `until`.
pub(super) fn put_user_token(
    store: &Sealed,
    idp: &str,
    sub: &str,
    token: &UpstreamToken,
    until: u64,
) -> Result<(), StoreError> {
    store.put_secret(&user_token_key(idp, sub), &token.to_secret(), until)
}

/// `sub`'s token at the IdP named `idp`, if one is kept.
pub(super) fn get_user_token(
    store: &Sealed,
    idp: &str,
    sub: &str,
) -> Result<Option<UpstreamToken>, StoreError> {
    let kept = store.get_secret(&user_token_key(idp, sub))?;
    Ok(kept.and_then(|s| UpstreamToken::from_secret(&s)))
}

/// Forgets `sub`'s token at the IdP named `idp`.
pub(super) fn remove_user_token(store: &Sealed, idp: &str, sub: &str) -> Result<(), StoreError> {
    store.remove(&user_token_key(idp, sub))
}

// ── A user's OpenID Connect profile: kept at [21], read by the tools ──

fn profile_key(issuer: &str, sub: &str) -> String {
    format!("oidc-profile:{}", hash_hex(&format!("{issuer}\0{sub}")))
}

/// Keeps the profile an ID token of `issuer` gave about `sub` until `until`.
pub(super) fn put_profile(
    store: &Sealed,
    issuer: &str,
    sub: &str,
    profile: &Value,
    until: u64,
) -> Result<(), StoreError> {
    store.put_secret(
        &profile_key(issuer, sub),
        &Secret::new(profile.to_string()),
        until,
    )
}

/// The profile kept for `sub` at `issuer` (`None`: none, or unreadable).
pub(super) fn get_profile(
    store: &Sealed,
    issuer: &str,
    sub: &str,
) -> Result<Option<Value>, StoreError> {
    let kept = store.get_secret(&profile_key(issuer, sub))?;
    Ok(kept.and_then(|s| serde_json::from_str(s.expose()).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::ext::seal::SealKey;
    use crate::oauth::store::MemoryStore;

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

    #[test]
    fn a_pending_sign_in_is_taken_once_and_tokens_are_kept_per_idp_and_user() {
        let store = Sealed::new(Arc::new(MemoryStore::new()), SealKey::random());
        let p = PendingSignIn {
            bind: "b".into(),
            resume: "/authorize?x=1".into(),
            redirect_uri: "https://claude.ai/api/mcp/auth_callback".into(),
            client_state: Some("s".into()),
            verifier: Secret::new("v"),
            nonce: String::new(),
        };
        put_pending(&store, "state-1", &p).unwrap();
        assert!(take_pending(&store, "state-2").unwrap().is_none());
        let back = take_pending(&store, "state-1").unwrap().unwrap();
        assert_eq!(back.client_state.as_deref(), Some("s"));
        assert!(
            take_pending(&store, "state-1").unwrap().is_none(),
            "a replayed callback finds nothing"
        );
        let t = UpstreamToken {
            access_token: Secret::new("gho_a"),
            refresh_token: None,
            expires_at: None,
            refresh_expires_at: None,
            id_token: None,
        };
        put_user_token(&store, "github", "42", &t, now() + 60).unwrap();
        assert!(get_user_token(&store, "github", "43").unwrap().is_none());
        assert!(get_user_token(&store, "gitlab", "42").unwrap().is_none());
        let kept = get_user_token(&store, "github", "42").unwrap().unwrap();
        assert!(kept.access_token.matches("gho_a"));
        remove_user_token(&store, "github", "42").unwrap();
        assert!(get_user_token(&store, "github", "42").unwrap().is_none());
        assert!(first_use_of_session(&store, "jti-1", now() + 60).unwrap());
        assert!(!first_use_of_session(&store, "jti-1", now() + 60).unwrap());
    }
}
