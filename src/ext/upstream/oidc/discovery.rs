//! **[16, 20–21](crate::_documentation::flow) The provider's discovery
//! document and keys — where to send the user, where to redeem the code,
//! which keys sign the ID tokens.** Read at start-up (a failure stops the
//! server with a message naming `OIDC_ISSUER`) and again when an hour old.
//!
//! ```text
//!   start-up  S → I  GET {issuer}/.well-known/openid-configuration
//!                      issuer == OIDC_ISSUER?  endpoints https?  code flow?  RS256/ES256?
//!             S → I  GET jwks_uri             ≥ 1 usable signing key?
//!   [16]  authorization_endpoint   [20] token_endpoint   [21] jwks_uri, userinfo_endpoint
//! ```
//!
//! # Spec
//! OpenID Connect Discovery 1.0 §3 (the metadata), §4 (obtaining it; §4.3:
//! the `issuer` must equal the URL it was asked for); RFC 7517 §5 (JWK Set).
//! Microsoft Entra ID's multi-tenant documents name the issuer with a
//! literal `{tenantid}`: accepted for the `common`, `organizations` and
//! `consumers` issuers, and filled in per token by [`super::id_token`].
//!
//! # Where this sits
//! Used by [`super::Oidc`]; fetched through [`crate::outbound`].

use serde_json::Value;

use super::allow::IssuerKind;
use super::id_token::{Alg, KeySet};
use crate::outbound::Outbound;

/// The parts of the discovery document this server uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `issuer` (may contain Entra's `{tenantid}`).
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `jwks_uri`.
    pub jwks_uri: String,
    /// `userinfo_endpoint`, if the provider has one.
    pub userinfo_endpoint: Option<String>,
    /// The ID token algorithms both sides accept.
    pub algs: Vec<Alg>,
}

/// http(s) URL check: https, or http on a loopback host (local stand-ins).
pub(super) fn web_url(url: &str) -> bool {
    let host_part = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or("").to_string();
    if let Some(rest) = url.strip_prefix("https://") {
        return !host_part(rest).is_empty();
    }
    url.strip_prefix("http://").is_some_and(|rest| {
        let authority = host_part(rest);
        let host = authority
            .rsplit_once(':')
            .map_or(authority.as_str(), |(h, _)| h);
        matches!(host, "localhost" | "127.0.0.1" | "[::1]")
    })
}

impl Discovery {
    /// Reads and checks a discovery document for the configured `issuer`.
    pub fn parse(doc: &Value, issuer: &str) -> Result<Discovery, String> {
        let text = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_string);
        let url = |name: &str| -> Result<String, String> {
            let v = text(name).ok_or(format!("it has no {name}"))?;
            if web_url(&v) {
                Ok(v)
            } else {
                Err(format!("its {name} {v:?} is not an https URL"))
            }
        };
        let named = text("issuer").ok_or("it has no issuer")?;
        let multi_tenant = ["common", "organizations", "consumers"]
            .iter()
            .any(|t| named.replace("{tenantid}", t) == issuer);
        if named != issuer && !multi_tenant {
            return Err(format!(
                "it names the issuer {named:?}, which is not OIDC_ISSUER {issuer:?}; they must be \
                 equal character for character (set OIDC_ISSUER={named} if that is the provider you mean)"
            ));
        }
        let no_code_flow = doc
            .get("response_types_supported")
            .and_then(Value::as_array)
            .is_some_and(|types| !types.iter().any(|t| t == "code"));
        if no_code_flow {
            return Err("it does not support the code flow (response_types_supported)".into());
        }
        let algs = match doc
            .get("id_token_signing_alg_values_supported")
            .and_then(Value::as_array)
        {
            None => vec![Alg::Rs256],
            Some(list) => list
                .iter()
                .filter_map(|a| a.as_str().and_then(Alg::parse))
                .collect(),
        };
        if algs.is_empty() {
            return Err(
                "it signs ID tokens with no algorithm this server verifies (RS256, ES256)".into(),
            );
        }
        Ok(Discovery {
            issuer: named,
            authorization_endpoint: url("authorization_endpoint")?,
            token_endpoint: url("token_endpoint")?,
            jwks_uri: url("jwks_uri")?,
            userinfo_endpoint: url("userinfo_endpoint").ok(),
            algs,
        })
    }
}

/// The kind of issuer, which changes the allowlist's rules.
pub(super) fn issuer_kind(issuer: &str, discovered: &str) -> IssuerKind {
    let host = issuer
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    if host == "accounts.google.com" {
        IssuerKind::Google
    } else if discovered.contains("{tenantid}") {
        IssuerKind::EntraMultiTenant
    } else if host.starts_with("login.microsoftonline.") || host == "sts.windows.net" {
        IssuerKind::Entra
    } else {
        IssuerKind::Other
    }
}

pub(super) fn fetch_discovery(http: &Outbound, issuer: &str) -> Result<Discovery, String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let reply = http
        .get(&url, &[], &[("Accept", "application/json")])
        .map_err(|e| format!("its discovery document {url} could not be fetched ({e})"))?;
    if !reply.is_success() {
        return Err(format!(
            "its discovery document {url} answered HTTP {}",
            reply.status
        ));
    }
    let doc = reply
        .json()
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| format!("its discovery document {url} is not a JSON object"))?;
    Discovery::parse(&doc, issuer).map_err(|e| format!("its discovery document {url}: {e}"))
}

pub(super) fn fetch_keys(http: &Outbound, jwks_uri: &str) -> Result<KeySet, String> {
    let reply = http
        .get(jwks_uri, &[], &[("Accept", "application/json")])
        .map_err(|e| format!("could not be fetched ({e})"))?;
    if !reply.is_success() {
        return Err(format!("answered HTTP {}", reply.status));
    }
    let keys = reply
        .json()
        .map_err(|e| e.to_string())
        .and_then(|v| KeySet::parse(&v))?;
    if keys.is_empty() {
        return Err("hold no RS256 or ES256 signing key".into());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "issuer": "https://op.example",
            "authorization_endpoint": "https://op.example/authorize",
            "token_endpoint": "https://op.example/token",
            "jwks_uri": "https://op.example/jwks",
            "userinfo_endpoint": "https://op.example/userinfo",
            "response_types_supported": ["code", "id_token"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256", "none"],
        })
    }

    #[test]
    fn discovery_keeps_only_the_algorithms_we_verify() {
        let d = Discovery::parse(&doc(), "https://op.example").unwrap();
        assert_eq!(d.algs, vec![Alg::Rs256, Alg::Es256]);
        let mut only_hs = doc();
        only_hs["id_token_signing_alg_values_supported"] = json!(["HS256", "none"]);
        assert!(Discovery::parse(&only_hs, "https://op.example").is_err());
        let mut implicit_only = doc();
        implicit_only["response_types_supported"] = json!(["id_token"]);
        let e = Discovery::parse(&implicit_only, "https://op.example").unwrap_err();
        assert!(e.contains("code flow"), "{e}");
    }

    #[test]
    fn discovery_refuses_another_issuer_and_plain_http_endpoints() {
        let e = Discovery::parse(&doc(), "https://op.example/").unwrap_err();
        assert!(e.contains("set OIDC_ISSUER=https://op.example"), "{e}");
        let mut http = doc();
        http["token_endpoint"] = json!("http://op.example/token");
        assert!(Discovery::parse(&http, "https://op.example").is_err());
        http["token_endpoint"] = json!("http://127.0.0.1:9/token");
        assert!(Discovery::parse(&http, "https://op.example").is_ok());
    }

    #[test]
    fn entra_multi_tenant_issuers_match_their_placeholder() {
        let mut entra = doc();
        entra["issuer"] = json!("https://login.microsoftonline.com/{tenantid}/v2.0");
        let issuer = "https://login.microsoftonline.com/organizations/v2.0";
        let d = Discovery::parse(&entra, issuer).unwrap();
        assert_eq!(issuer_kind(issuer, &d.issuer), IssuerKind::EntraMultiTenant);
        assert_eq!(
            issuer_kind("https://login.microsoftonline.com/t-1/v2.0", "x"),
            IssuerKind::Entra
        );
        assert_eq!(
            issuer_kind("https://accounts.google.com", "https://accounts.google.com"),
            IssuerKind::Google
        );
    }
}
