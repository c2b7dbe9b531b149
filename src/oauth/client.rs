//! **[7–9, 12, 14, 26, 30, 32](crate::_documentation::flow) Registration step,
//! read back — who the client is.** Every endpoint that receives a `client_id`
//! (`/authorize`, `/token`, `/revoke`) asks [`lookup`], which recognises the
//! three kinds of client this server supports:
//!
//! | `client_id` looks like | kind | where its metadata comes from |
//! |---|---|---|
//! | `MCP_CLIENT_ID` | [`ClientKind::Operator`] | configuration (claude.ai "Advanced settings") |
//! | `https://…` | [`ClientKind::MetadataDocument`] | fetched by [`super::cimd`] |
//! | `mcp_client.…` | [`ClientKind::Registered`] | signed into the id by [`super::register`] |
//!
//! The URL rules it relies on (redirect URIs, loopback hosts) are in
//! [`super::url`].
//!
//! # Spec
//! * RFC 6749 §2.3 (client authentication), §3.1.2 (redirect URIs, exact match).
//! * RFC 8252 §7.3: a loopback redirect may use any port at request time.
//! * MCP 2025-11-25 *Communication Security*: redirect URIs are `https` or
//!   loopback `http`.
//!
//! # Where this sits
//! Between registration (DCR, CIMD, operator) and every later step.
//!
//! # Not implemented
//! * Custom-scheme redirect URIs (`myapp://cb`) for native apps: not needed by
//!   claude.ai or the SDK clients, and refused.

use super::OAuth;
use super::cimd::CimdError;
use super::claims::RegistrationClaims;
use super::store::{StoreError, now};
use super::url::{UrlParts, is_loopback_host};
use crate::crypto::secret::{Secret, hash_hex};

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

/// Why a `client_id` is not a client we know.
#[derive(Debug)]
pub enum LookupError {
    /// Not the operator's id, not a URL, not signed by us (or signed under an
    /// older key: the client must register again).
    Unknown,
    /// An https `client_id` URL that breaks the rules (checked before any
    /// fetch, so saying why reveals nothing about our network).
    Document(CimdError),
    /// An https `client_id` whose metadata document could not be fetched or
    /// used: shown to the client without the details (the log has them).
    Unusable(CimdError),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::Unknown => f.write_str("unknown client_id (register again)"),
            LookupError::Document(e) => write!(f, "{e}"),
            // What happened when we fetched it is not shown (the server log
            // has it): it would tell a stranger what our network can reach.
            LookupError::Unusable(_) => {
                f.write_str("its client metadata document could not be fetched or is not valid")
            }
        }
    }
}

/// Finds the client named by `client_id`.
pub fn lookup(oauth: &OAuth, client_id: &str) -> Result<Client, LookupError> {
    if let Some(operator_id) = &oauth.settings.operator_client_id
        && operator_id == client_id
    {
        return Ok(Client {
            id: client_id.to_string(),
            name: Some("Operator-configured client".to_string()),
            redirect_uris: OPERATOR_REDIRECT_URIS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            auth_method: AuthMethod::SecretPost,
            refresh_allowed: true,
            kind: ClientKind::Operator,
        });
    }
    if client_id.starts_with("https://") {
        super::cimd::check_client_id_url(client_id).map_err(LookupError::Document)?;
        let doc = oauth
            .cimd
            .resolve(client_id)
            .map_err(LookupError::Unusable)?;
        return Ok(Client {
            id: doc.client_id,
            name: doc.client_name,
            redirect_uris: doc.redirect_uris,
            auth_method: AuthMethod::None,
            refresh_allowed: doc.grant_types.iter().any(|g| g == "refresh_token"),
            kind: ClientKind::MetadataDocument,
        });
    }
    let reg =
        RegistrationClaims::verify(&oauth.key, client_id).map_err(|_| LookupError::Unknown)?;
    if !registration_alive(oauth, client_id, reg.issued_at, now()) {
        return Err(LookupError::Unknown);
    }
    Ok(Client {
        id: client_id.to_string(),
        name: reg.name,
        redirect_uris: reg.redirect_uris,
        auth_method: AuthMethod::parse(&reg.auth_method).ok_or(LookupError::Unknown)?,
        refresh_allowed: true,
        kind: ClientKind::Registered,
    })
}

/// Whether a dynamically registered client is still known: registered less
/// than `MCP_CLIENT_TTL` ago, or issued a token less than that ago
/// ([`mark_used`]). An unused registration expires, and the client (claude.ai
/// does so on `401 invalid_client`) registers again. The store is read only
/// for registrations older than that; if it cannot answer, the registration
/// stays valid: expiry is housekeeping, not a defence, and must not turn a
/// Redis outage into "register again" for every client.
fn registration_alive(oauth: &OAuth, client_id: &str, issued_at: u64, now: u64) -> bool {
    issued_at.saturating_add(oauth.settings.client_ttl) > now
        || oauth.store.contains(&used_key(client_id)).unwrap_or(true)
}

/// Records that a token was issued to a registered client: it stays known
/// for another `MCP_CLIENT_TTL` (see [`lookup`]).
pub fn mark_used(oauth: &OAuth, client_id: &str, now: u64) -> Result<(), StoreError> {
    let until = now.saturating_add(oauth.settings.client_ttl);
    oauth.store.put(&used_key(client_id), b"", until)
}

fn used_key(client_id: &str) -> String {
    format!("client-used:{}", hash_hex(client_id))
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

    /// Checks the client's credentials against the method it registered:
    /// exactly that method (a public client must not send a secret, a
    /// confidential one must send its secret the way it said it would).
    pub fn authenticate(&self, oauth: &OAuth, presented: &Presented) -> bool {
        let expected = match self.kind {
            ClientKind::Operator => oauth.settings.operator_client_secret.clone(),
            ClientKind::Registered if self.auth_method != AuthMethod::None => {
                Some(RegistrationClaims::client_secret(&oauth.key, &self.id))
            }
            _ => None,
        };
        match (self.kind, self.auth_method, presented, expected) {
            (_, AuthMethod::None, Presented::Nothing, None) => true,
            (ClientKind::Operator, _, Presented::Post(s) | Presented::Basic(s), Some(e)) => {
                e.matches(s.expose())
            }
            (_, AuthMethod::SecretPost, Presented::Post(s), Some(e)) => e.matches(s.expose()),
            (_, AuthMethod::SecretBasic, Presented::Basic(s), Some(e)) => e.matches(s.expose()),
            _ => false,
        }
    }
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
