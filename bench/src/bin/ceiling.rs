//! The ceiling: our own HTTP layer (`remote_mcp::http`, the same accept loop,
//! pool, parser and writer as the real server) answering every request with
//! a fixed 100-byte JSON body — no routing, no MCP, no auth. Whatever the full
//! server does per request costs on top of this.
//!
//! `ceiling PORT`
use std::sync::Arc;

use remote_mcp::http::{Limits, Response, Server};

/// Exactly 100 bytes of JSON.
const BODY: &[u8] =
    br#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hello, ceiling............."}]}}"#;

fn main() -> std::io::Result<()> {
    assert_eq!(BODY.len(), 100);
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8090);
    let server = Server::bind(("127.0.0.1", port), Limits::default())?;
    server.serve(Arc::new(|_request| {
        Response::bytes(200, "application/json", BODY)
    }))
}
