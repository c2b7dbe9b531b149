//! **[9, 12, 26, 30, 32](crate::_documentation::flow) Registration step, read
//! back — finding and authenticating the client.** [`lookup()`] turns a
//! `client_id` into a [`Client`] (the operator's, a metadata document's
//! through [`super::ClientDocuments`], or a registration signed into the id),
//! [`Client::authenticate`] checks what it presented at `/token` or
//! `/revoke`, and [`mark_used`] keeps a registration alive while it is used.
//!
//! # Where this sits
//! Needs the authorization server's state ([`OAuth`]: settings, key, store,
//! document source), which is why it is not in [`super`], the file of plain
//! client types that [`super::super::provider`] also reads. Called by
//! [`crate::oauth::authorize`], [`crate::oauth::token`] and
//! [`crate::oauth::revoke`].

use super::{AuthMethod, Client, ClientKind, DocumentError, OPERATOR_REDIRECT_URIS, Presented};
use crate::crypto::secret::hash_hex;
use crate::oauth::OAuth;
use crate::oauth::claims::RegistrationClaims;
use crate::oauth::store::{StoreError, now};

/// Why a `client_id` is not a client we know.
#[derive(Debug)]
pub enum LookupError {
    /// Not the operator's id, not signed by us (or signed under an older
    /// key: the client must register again), or a URL while no
    /// [`super::ClientDocuments`] source is installed.
    Unknown,
    /// An https `client_id` the [`super::ClientDocuments`] source refused or could
    /// not use ([`DocumentError`] says what the client may be told).
    Document(DocumentError),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::Unknown => f.write_str("unknown client_id (register again)"),
            LookupError::Document(DocumentError::Refused(why)) => f.write_str(why),
            // What happened when we fetched it is not shown (the server log
            // has it): it would tell a stranger what our network can reach.
            LookupError::Document(DocumentError::Unusable(_)) => {
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
    if super::is_document_url(client_id) {
        // A Client ID Metadata Document, if a source is installed.
        let documents = oauth
            .client_documents
            .as_deref()
            .ok_or(LookupError::Unknown)?;
        return documents.resolve(client_id).map_err(LookupError::Document);
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
/// for another `MCP_CLIENT_TTL` (see [`lookup()`]).
pub fn mark_used(oauth: &OAuth, client_id: &str, now: u64) -> Result<(), StoreError> {
    let until = now.saturating_add(oauth.settings.client_ttl);
    oauth.store.put(&used_key(client_id), b"", until)
}

fn used_key(client_id: &str) -> String {
    format!("client-used:{}", hash_hex(client_id))
}

impl Client {
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
