//! **Tool calls — the MCP server.** PROVISIONAL stub: replaced by the JSON-RPC
//! dispatcher, lifecycle, tools, resources and prompts.

pub mod transport;

/// The tools, resources and prompts of one MCP server.
pub struct McpServer {
    /// The server's name, reported in `serverInfo`.
    pub name: String,
}

impl McpServer {
    /// A server with no tools yet.
    pub fn new(name: &str) -> McpServer {
        McpServer {
            name: name.to_string(),
        }
    }
}
