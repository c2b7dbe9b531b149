//! The README's service: one tool, in about 30 lines.
//!
//! ```text
//! cargo run --example quickstart          # serves http://127.0.0.1:8080/mcp
//! PORT=3000 cargo run --example quickstart
//! ```
//!
//! Without `PUBLIC_URL` it binds loopback only. Try it with the MCP Inspector,
//! or see `tests/interop/` for the official Python and TypeScript clients.
use remote_mcp::{App, McpServer, Param, Tool};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mcp = McpServer::new("my-service")
        .instructions("Describe what your server does — shown as the connector card in claude.ai.")
        .tool(
            Tool::new("my_tool", "Look something up.")
                .arg(Param::string("query", "What to look up"))
                .handler(|call| {
                    let query = call.str("query")?;
                    Ok(format!("Result for: {query}").into())
                }),
        );
    // Who may connect, App::run() reads from the environment: ADMIN_PASSWORD
    // set → a password form (also the consent screen); unset → anyone who
    // reaches /authorize, which it allows only on a loopback PUBLIC_URL
    // unless MCP_ALLOW_ANYONE=1.
    App::new(mcp).run()
}
