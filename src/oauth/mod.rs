//! **[3–33](crate::_documentation::flow) Discovery → registration → PKCE
//! challenge → PKCE verify — the OAuth 2.1 authorization server.** It lives on
//! the same origin as `/mcp`, so claude.ai finds everything from one URL. One
//! module per step of [docs/FLOW.md](crate::_documentation::flow):
//!
//! | step | module | endpoint |
//! |---|---|---|
//! | 401 challenge, token check | [`bearer`] | `/mcp` |
//! | discovery | [`discovery`] | `GET /.well-known/oauth-protected-resource[/mcp]`, `…/oauth-authorization-server`, `…/openid-configuration` |
//! | registration (DCR) | [`register`] | `POST /register` |
//! | registration (CIMD, outbound) | the `ext::cimd` extension, through [`client::ClientDocuments`] | — (fetches the client's URL) |
//! | who the client is | [`client`] | — |
//! | the URL rules (redirect URIs, `resource`) | [`url`] | — |
//! | PKCE challenge | [`authorize`] | `GET`/`POST /authorize` |
//! | login / consent | [`login_form`], [`provider`] | (the form `/authorize` shows) |
//! | PKCE verify, refresh | [`token`], [`pkce`] | `POST /token` |
//! | revocation | [`revoke`] | `POST /revoke` |
//!
//! Shared pieces: [`claims`] (signed format; the key and the `Secret` type are in [`crate::crypto`]), [`store`] (the
//! trait and the in-memory backend; the Redis one is the `ext::redis`
//! extension; secret values are sealed by the `ext::seal` extension),
//! [`encoding`], [`error`].
//!
//! # Spec
//! * OAuth 2.1 (draft-ietf-oauth-v2-1-13), RFC 6749, RFC 7636, RFC 8414,
//!   RFC 9728, RFC 7591, RFC 7009, RFC 8707, RFC 9207.
//! * MCP 2025-11-25 *Authorization* (and 2025-06-18, 2025-03-26, which it extends).
//!
//! # Where this sits
//! [`crate::App`] builds one [`OAuth`] into [`crate::shared::Shared`];
//! [`crate::router`] calls the step modules.
//!
//! # Not implemented
//! * Redis Cluster or Sentinel for the shared store: one `redis://` or
//!   `rediss://` server (Memorystore basic or standard tier) is what the
//!   `ext::redis` extension speaks.

pub mod authorize;
pub mod bearer;
pub mod claims;
pub mod client;
pub mod cookie;
pub mod discovery;
pub mod encoding;
pub mod error;
pub mod login_form;
pub mod page;
pub mod pkce;
pub mod provider;
pub mod register;
pub mod revoke;
pub mod store;
pub mod token;
pub mod url;

use std::sync::Arc;

use crate::config::Config;
use crate::crypto::secret::Secret;
use crate::crypto::signing::SigningKey;
use client::ClientDocuments;
use provider::AuthProvider;
use store::Store;

/// Everything the authorization server needs at run time.
pub struct OAuth {
    /// Who the user is (single user, password, your own).
    pub provider: Box<dyn AuthProvider>,
    /// Signs and checks tokens, codes, client ids and CSRF tokens.
    pub key: SigningKey,
    /// Spent codes and refresh tokens, revocations, rate-limit counters,
    /// sealed upstream tokens (`ext::seal`): memory, or Redis when `REDIS_URL` is set
    /// ([`crate::app::open_store`]).
    pub store: Arc<dyn Store>,
    /// Where an https `client_id` (a Client ID Metadata Document) is
    /// resolved: the `ext::cimd` extension, which [`crate::App`] installs by
    /// default. `None`: such ids are unknown, and the discovery metadata
    /// does not offer them.
    pub client_documents: Option<Box<dyn ClientDocuments>>,
    /// Scopes, lifetimes, the operator's client.
    pub settings: Settings,
}

/// The authorization server's settings (from [`Config`] and the [`crate::App`] builder).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Advertised in both metadata documents; requested scopes outside it are dropped.
    pub scopes_supported: Vec<String>,
    /// Scopes an access token must carry to use `/mcp` (else 403).
    pub required_scopes: Vec<String>,
    /// Access token lifetime, seconds (`MCP_ACCESS_TOKEN_TTL`).
    pub access_token_ttl: u64,
    /// Refresh token lifetime, seconds (`MCP_REFRESH_TOKEN_TTL`), renewed on rotation.
    pub refresh_token_ttl: u64,
    /// Seconds a spent refresh token may be retried ([`Config::refresh_grace`]).
    pub refresh_grace: u64,
    /// Absolute lifetime of a grant, seconds ([`Config::grant_ttl`]).
    pub grant_ttl: u64,
    /// Lifetime of an unused registration, seconds ([`Config::client_ttl`]).
    pub client_ttl: u64,
    /// `MCP_CLIENT_ID`, the operator-created client.
    pub operator_client_id: Option<String>,
    /// `MCP_CLIENT_SECRET`.
    pub operator_client_secret: Option<Secret>,
    /// `resource_name` in the protected resource metadata.
    pub resource_name: String,
}

impl Settings {
    /// Settings from the configuration, with the one default scope `mcp`.
    pub fn from_config(config: &Config, resource_name: &str) -> Settings {
        Settings {
            scopes_supported: vec!["mcp".to_string()],
            required_scopes: vec!["mcp".to_string()],
            access_token_ttl: config.access_token_ttl,
            refresh_token_ttl: config.refresh_token_ttl,
            refresh_grace: config.refresh_grace,
            grant_ttl: config.grant_ttl,
            client_ttl: config.client_ttl,
            operator_client_id: config.client_id.clone(),
            operator_client_secret: config.client_secret.clone(),
            resource_name: resource_name.to_string(),
        }
    }
}

/// The scopes to grant for a requested `scope` parameter: all supported ones
/// when absent; otherwise the supported ones among those asked for (unknown
/// ones, e.g. `offline_access`, are dropped). `None` if nothing is left.
pub fn grant_scopes(settings: &Settings, requested: Option<&str>) -> Option<Vec<String>> {
    let Some(requested) = requested else {
        return Some(settings.scopes_supported.clone());
    };
    let asked: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    let granted: Vec<String> = settings
        .scopes_supported
        .iter()
        .filter(|s| asked.contains(&s.as_str()))
        .cloned()
        .collect();
    (!granted.is_empty()).then_some(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_narrow_to_what_is_supported() {
        let mut settings = Settings::from_config(&Config::local(0), "x");
        settings.scopes_supported = vec!["mcp".into(), "read".into()];
        assert_eq!(
            grant_scopes(&settings, None),
            Some(vec!["mcp".into(), "read".into()])
        );
        assert_eq!(
            grant_scopes(&settings, Some("read offline_access")),
            Some(vec!["read".into()])
        );
        assert_eq!(grant_scopes(&settings, Some("admin")), None);
    }
}
