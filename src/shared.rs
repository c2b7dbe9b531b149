//! **[all](crate::_documentation::flow) Every arrow — what a handler may read.**
//! [`crate::App`] builds one [`Shared`] at start-up; [`crate::router`] hands it
//! to each request's handler. Nothing in it changes after start-up except
//! behind the stores' and the MCP server's own locks.

use std::sync::Arc;

use crate::config::Config;
use crate::mcp::McpServer;
use crate::oauth::OAuth;

/// Everything a request handler may read: built once, shared by all threads.
pub struct Shared {
    /// The configuration (public URL, limits, allowed hosts).
    pub config: Config,
    /// The tools, resources and prompts (shared with the MCP responses that
    /// finish after the router returned: [`crate::mcp::transport::Plan`]).
    pub mcp: Arc<McpServer>,
    /// The authorization server (signing key, store, provider); `None` under
    /// [`crate::App::without_auth`].
    pub oauth: Option<OAuth>,
}
