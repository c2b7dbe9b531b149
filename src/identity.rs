//! **[28–29](crate::_documentation::flow) Tool calls — the caller.** What a
//! valid access token says about who sent a request: the user, the OAuth
//! client, the scopes. [`crate::oauth::bearer`] makes one from a token
//! (`[28]`), an upstream IdP's sign-in names the user inside it (`[21]`), and
//! every tool sees it as `call.caller()` (`[29]`).
//!
//! A leaf: this type depends on nothing, so the authorization server, the MCP
//! server and the extensions can all name it without importing each other.

/// The authenticated caller of an MCP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's stable subject (e.g. `"admin"`, or GitHub's numeric user id).
    pub sub: String,
    /// The OAuth client the token was issued to.
    pub client_id: String,
    /// The scopes granted to the token.
    pub scopes: Vec<String>,
}
