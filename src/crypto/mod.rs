//! **[8, 14–15, 24–31](crate::_documentation::flow) The secrets under every
//! step — a leaf the rest of the crate builds on.** Two small files, read them
//! first if you read nothing else of the security:
//!
//! * [`secret`]: the [`Secret`](secret::Secret) type (redacted `Debug`,
//!   constant-time comparison), random identifiers, SHA-256 digests for store
//!   keys;
//! * [`signing`]: the [`SigningKey`](signing::SigningKey) that signs tokens,
//!   codes, client ids and CSRF tokens with HMAC-SHA256, one purpose string per use.
//!
//! Nothing here imports anything else of the crate: the authorization server
//! ([`crate::oauth`]), the MCP server ([`crate::mcp`]) and the configuration use
//! these types, never the other way round.

pub mod secret;
pub mod signing;
