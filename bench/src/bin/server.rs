//! The server under test: the quickstart's shape (one `App`, one `echo`
//! tool) plus `TOOLS - 1` more registered tools, to show that the cost of a
//! call does not grow with the number of tools.
//!
//! `server PORT [TOOLS]`
use mcp_server::{App, Config, McpServer, Tool};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8091);
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
    App::new(mcp).config(Config::local(port)).run()
}
