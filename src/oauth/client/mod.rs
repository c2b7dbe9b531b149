//! **[7–9, 12, 14, 26, 30, 32](crate::_documentation::flow) Registration step,
//! read back — who the client is.** Every endpoint that receives a `client_id`
//! (`/authorize`, `/token`, `/revoke`) asks [`lookup()`] (in
//! [`lookup`](mod@lookup), read it next), which recognises the three kinds of
//! client this server supports:
//!
//! | `client_id` looks like | kind | where its metadata comes from |
//! |---|---|---|
//! | `MCP_CLIENT_ID` | [`ClientKind::Operator`] | configuration (claude.ai "Advanced settings") |
//! | `https://…` | [`ClientKind::MetadataDocument`] | a [`ClientDocuments`] source, if one is installed |
//! | `mcp_client.…` | [`ClientKind::Registered`] | signed into the id by [`super::register`] |
//!
//! This file is what every step sees of a client: [`Client`], how it
//! authenticates, which redirects it allows, and the [`ClientDocuments`]
//! trait through which an https `client_id` becomes a client. The core does
//! not fetch documents itself: the Client ID Metadata Document resolver is an
//! extension (`ext::cimd`, cache and guarded fetch), which [`crate::App`]
//! installs by default. The URL rules (redirect URIs, loopback hosts) are in
//! [`super::url`].
//!
//! # Spec
//! * RFC 6749 §2.3 (client authentication), §3.1.2 (redirect URIs, exact match).
//! * RFC 8252 §7.3: a loopback redirect may use any port at request time.
//! * MCP 2025-11-25 *Communication Security*: redirect URIs are `https` or
//!   loopback `http`; *Client ID Metadata Documents*.
//!
//! # Where this sits
//! Between registration (DCR, CIMD, operator) and every later step.
//!
//! # Not implemented
//! * Custom-scheme redirect URIs (`myapp://cb`) for native apps: not needed by
//!   claude.ai or the SDK clients, and refused.

pub mod lookup;

use super::url::{UrlParts, is_loopback_host};
use crate::crypto::secret::Secret;
pub use lookup::{LookupError, lookup, mark_used};

/// How a client authenticates at `POST /token` (RFC 7591 §2
/// `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A public client: no secret, PKCE only.
    None,
    /// `client_secret` in the form body.
    SecretPost,
    /// `Authorization: Basic base64(id:secret)`.
    SecretBasic,
}

impl AuthMethod {
    /// The RFC 7591 name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::SecretPost => "client_secret_post",
            AuthMethod::SecretBasic => "client_secret_basic",
        }
    }

    /// Parses an RFC 7591 name we support.
    pub fn parse(s: &str) -> Option<AuthMethod> {
        match s {
            "none" => Some(AuthMethod::None),
            "client_secret_post" => Some(AuthMethod::SecretPost),
            "client_secret_basic" => Some(AuthMethod::SecretBasic),
            _ => None,
        }
    }
}

/// Where the client's registration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// Created by the operator (`MCP_CLIENT_ID` / `MCP_CLIENT_SECRET`); accepts
    /// the secret by either `client_secret_post` or `client_secret_basic`,
    /// because claude.ai uses `client_secret_post` whatever the metadata says.
    Operator,
    /// A Client ID Metadata Document (its id is an https URL): public client.
    MetadataDocument,
    /// Dynamically registered (RFC 7591): the id is the signed registration.
    Registered,
}

/// A client as every step sees it.
#[derive(Debug, Clone)]
pub struct Client {
    /// The `client_id`.
    pub id: String,
    /// `client_name`, if any (shown on the consent screen, escaped).
    pub name: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// How it must authenticate at the token endpoint.
    pub auth_method: AuthMethod,
    /// Whether it may use `grant_type=refresh_token`.
    pub refresh_allowed: bool,
    /// Where the registration came from.
    pub kind: ClientKind,
}

/// claude.ai's callbacks (the second is announced as its future home): the
/// redirect URIs of the operator-created client.
pub const OPERATOR_REDIRECT_URIS: [&str; 2] = [
    "https://claude.ai/api/mcp/auth_callback",
    "https://claude.com/api/mcp/auth_callback",
];

/// How the client presented its credentials at `/token` or `/revoke`.
#[derive(Debug)]
pub enum Presented {
    /// Only a `client_id` (public client).
    Nothing,
    /// `client_secret` in the form body.
    Post(Secret),
    /// `Authorization: Basic`.
    Basic(Secret),
}

impl Client {
    /// Whether `uri` is one of the registered redirect URIs: exact string
    /// match, except that a loopback URI may differ in its port (RFC 8252 §7.3).
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|registered| {
            registered == uri
                || match (UrlParts::parse(registered), UrlParts::parse(uri)) {
                    (Some(a), Some(b)) => {
                        a.scheme == "http"
                            && b.scheme == "http"
                            && is_loopback_host(&a.host)
                            && a.host == b.host
                            && a.rest == b.rest
                    }
                    _ => false,
                }
        })
    }
}

/// Whether `client_id` names a Client ID Metadata Document (`[9]`): an https
/// URL, which is the document's address and the client's identity at once.
/// Any other client id is a registration (`[7]`–`[8]`) or the operator's.
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://")
}

/// A source of clients whose `client_id` is an https URL: Client ID Metadata
/// Documents (draft-ietf-oauth-client-id-metadata-document), where the
/// document at the URL *is* the registration. [`lookup()`] asks the one in
/// [`super::OAuth::client_documents`]; with none installed, such ids are
/// unknown and the discovery metadata does not offer them
/// (`client_id_metadata_document_supported`).
///
/// The crate's implementation is `ext::cimd::Cimd` (a cache, a fetch fenced
/// against SSRF, claude.ai's document pinned); [`crate::App`] installs it
/// unless told otherwise ([`crate::App::client_documents`],
/// [`crate::App::without_client_documents`]).
pub trait ClientDocuments: Send + Sync {
    /// The client named by the https URL `client_id`: a public client
    /// ([`AuthMethod::None`]) of kind [`ClientKind::MetadataDocument`].
    fn resolve(&self, client_id: &str) -> Result<Client, DocumentError>;
}

/// Why a [`ClientDocuments`] source gave no client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// The URL breaks the rules, found before any fetch: saying why reveals
    /// nothing about our network, so the client is told.
    Refused(String),
    /// The document could not be fetched or is not acceptable. The reason
    /// stays in the server log: shown to a stranger, it would tell what our
    /// network can reach.
    Unusable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> Client {
        Client {
            id: "c".into(),
            name: None,
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            auth_method: AuthMethod::None,
            refresh_allowed: true,
            kind: ClientKind::Registered,
        }
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let c = client(&["https://claude.ai/api/mcp/auth_callback"]);
        assert!(c.allows_redirect("https://claude.ai/api/mcp/auth_callback"));
        assert!(!c.allows_redirect("https://claude.ai/api/mcp/auth_callback/"));
        assert!(!c.allows_redirect("https://claude.ai/api/mcp/auth_callback?x=1"));
        assert!(!c.allows_redirect("https://claude.ai:444/api/mcp/auth_callback"));
        assert!(!c.allows_redirect("https://evil.example/api/mcp/auth_callback"));
    }

    /// RFC 8252 §7.3: "The authorization server MUST allow any port to be
    /// specified at the time of the request for loopback IP redirect URIs".
    #[test]
    fn loopback_redirects_may_change_port_only() {
        let c = client(&["http://127.0.0.1/callback", "http://localhost:3000/cb"]);
        assert!(c.allows_redirect("http://127.0.0.1:51234/callback"));
        assert!(c.allows_redirect("http://localhost:4000/cb"));
        assert!(!c.allows_redirect("http://127.0.0.1:51234/other"));
        assert!(!c.allows_redirect("http://localhost.evil.example:4000/cb"));
    }
}
