//! **[setup](crate::_documentation::flow) What the server needs to know about
//! the OpenID provider — read from the environment at start-up.** A missing
//! or unusable value stops the server with a message that names the variable
//! and says what to fix, instead of failing every sign-in later.
//!
//! ```text
//!   OIDC_ISSUER  OIDC_CLIENT_ID  OIDC_CLIENT_SECRET  OIDC_ALLOWED  [OIDC_SCOPES]  [OIDC_DISPLAY_NAME]
//!     ─▶ OidcSettings::from_lookup ─▶ Oidc::discover ─▶ an AuthProvider, or OidcError naming what to fix
//! ```
//!
//! # Where this sits
//! Read by `examples/oidc.rs` (and any server of yours) before
//! [`super::Oidc::discover`]; docs/EXAMPLES.md lists the values for Google,
//! Entra ID, Okta, Auth0 and Keycloak.

use std::fmt;

use crate::crypto::secret::Secret;

/// Scopes asked for when none are configured.
pub const DEFAULT_SCOPES: &str = "openid email profile";

/// What the server needs to know about the OpenID provider.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The issuer URL, exactly as the provider's discovery document names it
    /// (Auth0's ends with `/`).
    pub issuer: String,
    /// Our client id there.
    pub client_id: String,
    /// Our client secret there.
    pub client_secret: Secret,
    /// `OIDC_ALLOWED`, as written (parsed against the issuer's kind).
    pub allowed: String,
    /// Scopes; `openid` is added if missing.
    pub scopes: Vec<String>,
    /// Shown to people ("Continue with …"); default from the issuer's host.
    pub display_name: Option<String>,
}

impl OidcSettings {
    /// Reads `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`,
    /// `OIDC_ALLOWED`, and optionally `OIDC_SCOPES` and `OIDC_DISPLAY_NAME`,
    /// through `get`; a missing one is an error naming it.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<OidcSettings, String> {
        let value = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &str, what: &str| {
            value(name).ok_or_else(|| format!("{name} is not set: {what}"))
        };
        let issuer = required(
            "OIDC_ISSUER",
            "the provider's issuer URL, e.g. https://accounts.google.com (docs/EXAMPLES.md lists \
             the forms for Entra ID, Okta, Auth0 and Keycloak)",
        )?;
        let client_id = required(
            "OIDC_CLIENT_ID",
            "the client id of the OAuth client registered at the provider",
        )?;
        let client_secret = Secret::new(required(
            "OIDC_CLIENT_SECRET",
            "the client secret of that OAuth client",
        )?);
        let allowed = get("OIDC_ALLOWED").ok_or(
            "OIDC_ALLOWED is not set: list who may sign in, e.g. OIDC_ALLOWED=@example.com or \
             alice@example.com,sub:1234 (`*` for any user of the tenant). An empty value admits nobody.",
        )?;
        let scopes = value("OIDC_SCOPES").unwrap_or_else(|| DEFAULT_SCOPES.into());
        Ok(OidcSettings {
            issuer,
            client_id,
            client_secret,
            allowed,
            scopes: scopes
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            display_name: value("OIDC_DISPLAY_NAME"),
        })
    }
}

/// Why the provider could not be set up: the message names `OIDC_ISSUER` or
/// `OIDC_ALLOWED` and says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcError(pub String);

impl fmt::Display for OidcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OidcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_the_missing_variable_and_add_openid() {
        let e = OidcSettings::from_lookup(|_| None).unwrap_err();
        assert!(e.starts_with("OIDC_ISSUER is not set"), "{e}");
        let s = OidcSettings::from_lookup(|n| match n {
            "OIDC_ISSUER" => Some("https://op.example".into()),
            "OIDC_CLIENT_ID" => Some("c".into()),
            "OIDC_CLIENT_SECRET" => Some("s".into()),
            "OIDC_ALLOWED" => Some("".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.scopes, ["openid", "email", "profile"]);
        assert!(
            !format!("{s:?}").contains("\"s\""),
            "the secret is redacted"
        );
    }
}
