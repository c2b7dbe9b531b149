//! **[11](crate::_documentation::flow) W → S the document — what a Client ID
//! Metadata Document must say.** [`parse_document`] is a pure function from
//! the fetched bytes to a [`ClientDocument`]: the `client_id` inside must be
//! the URL it came from, the client is public (no secret, auth method
//! `none`), every redirect URI passes the core's rule
//! ([`crate::oauth::url::check_redirect_uri`]), and unknown grant types are
//! dropped rather than fatal. [`pinned`] holds claude.ai's and Claude Code's
//! documents for when their URL answers a datacenter with a bot challenge.
//!
//! # Spec
//! * draft-ietf-oauth-client-id-metadata-document §3 (`client_id` equals the
//!   URL; no `client_secret`; `token_endpoint_auth_method` of a public client).
//! * RFC 7591 §2 (the metadata fields, `grant_types` defaulting to
//!   `authorization_code`).
//!
//! # Where this sits
//! Called by [`super::Cimd::document`] on what [`super::fetch`] brought back;
//! [`CimdError`] is the error of the whole extension.

use serde_json::Value;

use crate::oauth::client::OPERATOR_REDIRECT_URIS;
use crate::oauth::url::check_redirect_uri;

/// A client metadata document, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDocument {
    /// Equals the URL it was fetched from.
    pub client_id: String,
    /// `client_name`, if present.
    pub client_name: Option<String>,
    /// The redirect URIs it lists (each https or loopback).
    pub redirect_uris: Vec<String>,
    /// The grant types we understand among those it lists (unknown ones, such
    /// as claude.ai's `urn:ietf:params:oauth:grant-type:jwt-bearer`, are dropped).
    pub grant_types: Vec<String>,
}

/// Why an https `client_id` was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CimdError {
    /// The URL breaks the draft's rules (not https, no path, fragment, userinfo,
    /// dot segments, …).
    BadUrl(&'static str),
    /// The host is (or resolves to) an address we must not fetch from.
    Forbidden(String),
    /// The fetch failed (network, status, size, timeout).
    Fetch(String),
    /// The document is not acceptable.
    BadDocument(&'static str),
}

impl std::fmt::Display for CimdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CimdError::BadUrl(why) => write!(f, "client_id URL not allowed: {why}"),
            CimdError::Forbidden(why) => write!(f, "client_id host refused: {why}"),
            CimdError::Fetch(why) => {
                write!(f, "could not fetch the client metadata document: {why}")
            }
            CimdError::BadDocument(why) => write!(f, "client metadata document invalid: {why}"),
        }
    }
}

/// Validates fetched bytes as the document for `url` (a pure function).
pub fn parse_document(url: &str, bytes: &[u8]) -> Result<ClientDocument, CimdError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|_| CimdError::BadDocument("not JSON"))?;
    let obj = doc
        .as_object()
        .ok_or(CimdError::BadDocument("not a JSON object"))?;
    if obj.get("client_id").and_then(Value::as_str) != Some(url) {
        return Err(CimdError::BadDocument(
            "client_id differs from the document's URL",
        ));
    }
    if obj.contains_key("client_secret") || obj.contains_key("client_secret_expires_at") {
        return Err(CimdError::BadDocument(
            "a metadata document client must not have a secret",
        ));
    }
    match obj.get("token_endpoint_auth_method").map(|m| m.as_str()) {
        None | Some(Some("none")) => {}
        _ => {
            return Err(CimdError::BadDocument(
                "token_endpoint_auth_method must be none",
            ));
        }
    }
    let redirect_uris: Vec<String> = obj
        .get("redirect_uris")
        .and_then(Value::as_array)
        .ok_or(CimdError::BadDocument("redirect_uris missing"))?
        .iter()
        .map(|u| {
            u.as_str()
                .map(str::to_string)
                .ok_or(CimdError::BadDocument("redirect_uris must be strings"))
        })
        .collect::<Result<_, _>>()?;
    if redirect_uris.is_empty() {
        return Err(CimdError::BadDocument("redirect_uris is empty"));
    }
    if redirect_uris.iter().any(|u| check_redirect_uri(u).is_err()) {
        return Err(CimdError::BadDocument(
            "a redirect_uri is not https or loopback",
        ));
    }
    // RFC 7591 §2: grant_types defaults to authorization_code. Unknown grant
    // types are ignored rather than fatal (claude.ai lists jwt-bearer).
    let grant_types: Vec<String> = match obj.get("grant_types").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .filter(|g| *g == "authorization_code" || *g == "refresh_token")
            .map(str::to_string)
            .collect(),
        None => vec!["authorization_code".to_string()],
    };
    if !grant_types.iter().any(|g| g == "authorization_code") {
        return Err(CimdError::BadDocument(
            "grant_types lacks authorization_code",
        ));
    }
    let client_name = obj
        .get("client_name")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect());
    Ok(ClientDocument {
        client_id: url.to_string(),
        client_name,
        redirect_uris,
        grant_types,
    })
}

/// claude.ai's document, as served in September 2026.
pub const CLAUDE_AI_CLIENT_ID: &str = "https://claude.ai/oauth/mcp-oauth-client-metadata";
/// Claude Code's document (loopback redirects, any port).
pub const CLAUDE_CODE_CLIENT_ID: &str = "https://claude.ai/oauth/claude-code-client-metadata";

/// Known documents used when the fetch fails: claude.ai's URL has been seen
/// answering datacenter fetchers with a bot challenge.
pub fn pinned(url: &str) -> Option<ClientDocument> {
    let grants = vec![
        "authorization_code".to_string(),
        "refresh_token".to_string(),
    ];
    match url {
        // Both of claude.ai's callbacks: users have been sent back to the
        // claude.com one too (the same list as the operator's client).
        CLAUDE_AI_CLIENT_ID => Some(ClientDocument {
            client_id: url.to_string(),
            client_name: Some("Claude".to_string()),
            redirect_uris: OPERATOR_REDIRECT_URIS.map(str::to_string).to_vec(),
            grant_types: grants,
        }),
        CLAUDE_CODE_CLIENT_ID => Some(ClientDocument {
            client_id: url.to_string(),
            client_name: Some("Claude Code".to_string()),
            redirect_uris: vec![
                "http://localhost/callback".to_string(),
                "http://127.0.0.1/callback".to_string(),
            ],
            grant_types: grants,
        }),
        _ => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// claude.ai's document as served in September 2026 (jwt-bearer included).
    pub(in crate::ext::cimd) const CLAUDE_DOC: &str = r#"{"client_id":"https://claude.ai/oauth/mcp-oauth-client-metadata","client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"grant_types":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:jwt-bearer"],"response_types":["code"],"token_endpoint_auth_method":"none"}"#;

    #[test]
    fn claude_ai_document_is_accepted_and_jwt_bearer_ignored() {
        let doc = parse_document(CLAUDE_AI_CLIENT_ID, CLAUDE_DOC.as_bytes()).unwrap();
        let pinned = pinned(CLAUDE_AI_CLIENT_ID).unwrap();
        assert_eq!(doc.client_name, pinned.client_name);
        assert_eq!(doc.grant_types, pinned.grant_types);
        // The pinned copy adds the claude.com callback to the live document's.
        assert_eq!(doc.redirect_uris, pinned.redirect_uris[..1]);
    }

    #[test]
    fn documents_are_validated() {
        let url = "https://app.example/client.json";
        let doc = |body: &str| parse_document(url, body.as_bytes());
        assert_eq!(doc("nope"), Err(CimdError::BadDocument("not JSON")));
        assert!(doc(r#"{"client_id":"https://other.example/c.json","redirect_uris":["https://app.example/cb"]}"#).is_err());
        assert!(
            doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":[]}"#).is_err()
        );
        assert!(doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["http://app.example/cb"]}"#).is_err());
        assert!(doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}"#).is_err());
        assert!(doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["https://app.example/cb"],"client_secret":"x"}"#).is_err());
        let ok = doc(r#"{"client_id":"https://app.example/client.json","redirect_uris":["https://app.example/cb"],"extra":1}"#).unwrap();
        assert_eq!(ok.grant_types, vec!["authorization_code"]);
        assert_eq!(ok.client_name, None);
    }
}
