//! **[28–29](crate::_documentation::flow) The test client's protocol eras.**
//! One endpoint serves both revisions of MCP; [`Era`] says which one the
//! [`super::TestClient`] speaks, and the two version strings it sends.
//!
//! # Where this sits
//! A leaf under [`super::client`] and [`super::protocol`].

/// Which protocol era the client speaks (the server speaks both on one endpoint).
///
/// ```
/// use remote_mcp::testing::{Era, TestClient};
/// use remote_mcp::{App, McpServer};
/// let mut client = TestClient::start(App::new(McpServer::new("s")))?;
/// for era in [Era::Legacy, Era::Modern, Era::LegacyWithoutSession] {
///     client.set_era(era)?;
///     assert!(client.list_tools()?.is_empty());
/// }
/// # Ok::<(), remote_mcp::testing::TestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// MCP 2025-11-25: `initialize`, a session, requests to the client on the
    /// call's SSE stream.
    Legacy,
    /// MCP 2026-07-28: `_meta` on every request, mirrored headers, multi
    /// round-trip results.
    Modern,
    /// MCP 2025-11-25 without `initialize`, so without a session: what a
    /// stateless legacy client does. The server cannot know its capabilities.
    LegacyWithoutSession,
}

/// The legacy revision spoken in [`Era::Legacy`].
pub(super) const LEGACY_VERSION: &str = "2025-11-25";
/// The revision spoken in [`Era::Modern`].
pub(super) const MODERN_VERSION: &str = "2026-07-28";
