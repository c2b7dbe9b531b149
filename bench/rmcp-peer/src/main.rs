//! rmcp + axum, configured to be as fast as it can be for the benchmark's
//! request: one authorized `tools/call` of an `echo` tool per HTTP request.
//!
//! * Stateless Streamable HTTP (`legacy_session_mode = false`): no
//!   `initialize` handshake or session lookup per request, like our server's
//!   session-less path.
//! * `json_response = true`: the answer is one `application/json` body, not
//!   an SSE stream — what our server sends.
//! * A bearer-token check in an axum middleware: the `Authorization` header
//!   must be exactly `Bearer TOKEN` (compared without an early exit), else
//!   `401`. Ours verifies a signed OAuth access token (HMAC, expiry,
//!   revocation lookups), which costs more; this side gets the cheap check.
//! * The tool router is built once and shared: the service factory runs
//!   once per request in stateless mode, and clones an `Arc`.
//! * The default multi-threaded tokio runtime (one worker per core), as
//!   `#[tokio::main]` gives every rmcp user.
//!
//! `rmcp-peer PORT TOKEN`
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};

/// The arguments of `echo`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    /// What to echo.
    text: String,
}

/// The MCP server: one tool.
#[derive(Clone)]
struct Bench {
    tool_router: Arc<ToolRouter<Self>>,
}

#[tool_router]
impl Bench {
    fn new() -> Self {
        Bench {
            tool_router: Arc::new(Self::tool_router()),
        }
    }

    #[tool(description = "Echo the text back.")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }
}

// `router = self.tool_router`: the router built once (in `Bench::new`) serves
// every call; the macro's default, `Self::tool_router()`, would build
// it (tool schemas included) again for every request.
#[tool_handler(router = self.tool_router)]
impl ServerHandler for Bench {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

/// `Authorization: Bearer TOKEN` or `401`.
async fn bearer(State(expected): State<Arc<Vec<u8>>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if equal(given, &expected) {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response()
    }
}

/// Compares without stopping at the first difference.
fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port = args.next().unwrap_or_else(|| "8092".into());
    let token = args.next().unwrap_or_else(|| "bench-token".into());
    let expected = Arc::new(format!("Bearer {token}").into_bytes());

    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None);
    let prototype = Bench::new();
    let mcp: StreamableHttpService<Bench, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(prototype.clone()), Default::default(), config);
    let app = axum::Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(expected, bearer));

    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", port.parse().unwrap_or(8092))).await?;
    axum::serve(listener, app).await
}
