//! The server under test: the quickstart's shape (one `App` with its OAuth
//! authorization server, single-user provider, one `echo` tool) plus
//! `TOOLS - 1` more registered tools, to show that the cost of a call does not
//! grow with the number of tools. Configured from the environment like a
//! deployed server (`MCP_SIGNING_KEY`, …); the port comes from the argument.
//!
//! `server PORT [TOOLS]`
use remote_mcp::{App, Config, McpServer, SingleUserProvider, Tool};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port = args.next().unwrap_or_else(|| "8091".into());
    let tools: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let mut mcp = McpServer::new("bench").tool(
        Tool::new("echo", "Echo the text back.")
            .param("text", "string", "What to echo")
            .handler(|call| Ok(call.str("text")?.to_string().into())),
    );
    for i in 1..tools {
        mcp = mcp.tool(
            Tool::new(&format!("tool_{i:04}"), "One of many registered tools.")
                .param("text", "string", "Anything")
                .handler(|call| Ok(call.str("text")?.to_string().into())),
        );
    }
    let config = Config::from_lookup(|name| match name {
        "PORT" => Some(port.clone()),
        _ => std::env::var(name).ok(),
    })?;
    App::new(mcp)
        .provider(SingleUserProvider::new())
        .config(config)
        .run()
}
