//! # remote-mcp
//!
//! A remote MCP server for claude.ai in about 30 lines, guarded by its own
//! OAuth 2.1 authorization server (PKCE S256), written to be read.
//!
//! Every request is one arrow of the sequence diagram in
//! [docs/FLOW.md](_documentation::flow), numbered `[1]` to `[33]`; the same
//! numbers open every module's documentation, name the arrows in code
//! ([`arrow::Arrow`]) and come out of the server with `MCP_TRACE=1`.
//!
//! # Reading order
//!
//! **The core** implements the diagram. Its reading path, this file
//! included: the path below is 4,100 lines with their documentation (tests
//! excluded; `tests/architecture.rs` counts them), an evening's reading. Read
//! it in this order, which is the order of the arrows:
//!
//! | arrows | read | what happens there |
//! |---|---|---|
//! | `[1]`–`[33]` | [`router`] | one `match` on method and path, arms in arrow order; each arm names its [`arrow::Arrow`] |
//! | `[1]`–`[2]` | [`auth`], [`oauth::bearer`], [`identity`] | no token: the 401 challenge that starts it all; a token: who is calling |
//! | `[3]`–`[6]` | [`oauth::discovery`] | the two metadata documents that tell the client where to go |
//! | `[7]`–`[8]` | [`oauth::register`], [`oauth::claims`], [`crypto::signing`] | a registration, signed into the client id itself |
//! | `[12]`–`[15]`, `[25]` | [`oauth::authorize`], [`oauth::provider`], [`oauth::login_form`], [`oauth::pkce`] | the PKCE challenge, who the user is (the consent form), the code |
//! | `[26]`–`[27]`, `[30]`–`[31]` | [`oauth::token`], [`crypto::secret`] | the code and its verifier for tokens; refresh, rotated |
//! | `[28]`–`[29]` | [`mcp::transport`], [`mcp::jsonrpc`], [`mcp::dispatch`] | Streamable HTTP, JSON-RPC, then your tool |
//! | `[32]`–`[33]` | [`oauth::revoke`] | the grant ends |
//!
//! Below the diagram, read when curious: what you write a tool with
//! ([`mcp::tool`], [`mcp::call`], [`mcp::result`], [`mcp::schema`]); [`http`]
//! (our HTTP/1.1 server on `std::net`: accept loop, event loops on `epoll`
//! that hand ready connections to plain blocking code, one connection's
//! keep-alive and limits); [`oauth::client`] and
//! [`oauth::url`] (who a client is, which redirect URIs match);
//! [`oauth::store`] (the little state OAuth keeps); [`config`], [`log`],
//! [`app`] (wiring, binding, shutdown); [`arrow`] (the arrows as a type).
//!
//! **The advanced layers** ([`ext`]) each add one thing to the core, which
//! never imports them (`tests/architecture.rs` checks it); only [`app`] and
//! [`router`] put them in. Read any of them after the core, in any order;
//! each folder's first page says what it adds and what to read first:
//!
//! * [`ext::era_2026`]: the MCP 2026-07-28 era on the same `/mcp`;
//! * [`ext::capabilities`]: resources, prompts, completion;
//! * [`ext::cimd`]: Client ID Metadata Documents (`[9]`–`[11]`), as claude.ai uses;
//! * [`ext::upstream`]: sign-in through GitHub or an OpenID provider (`[16]`–`[23]`);
//! * [`ext::seal`]: secret values sealed before any store sees them;
//! * `ext::redis` (cargo feature `redis`): the store several instances share;
//! * [`ext::trace`]: `MCP_TRACE=1`, every request narrated as its arrow.
//!
//! **Tools:** [`testing`] (a client for your tests, both protocol eras) and
//! [`doctor`] (`mcp-doctor`, the client side of every arrow against any
//! server).
//!
//! # The whole diagram, in memory
//!
//! No socket: [`App::build`] builds what [`App::run`] serves, and
//! [`router::handle`] answers one [`http::Request`] with the arrow it is and
//! its [`http::Response`]. This is the flow a client such as claude.ai
//! runs, arrow by arrow (`cargo test --doc` runs it):
//!
//! ```
//! use remote_mcp::arrow::Arrow;
//! use remote_mcp::http::{Request, Responder, Response, Version};
//! use remote_mcp::oauth::{encoding::Params, pkce};
//! use remote_mcp::{App, Config, McpServer, Tool, router};
//! use serde_json::{Value, json};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mcp = McpServer::new("demo").tool(Tool::new("whoami", "Who is calling?").handler(|call| {
//!     Ok(format!("you are {}", call.caller().map_or("nobody", |c| c.sub.as_str())).into())
//! }));
//! // No ADMIN_PASSWORD: the single user, who gets a code without a form ([25]).
//! let server = App::new(mcp).config(Config::local(8080)).build()?;
//!
//! // Sends one request; checks the router calls it `request` and the answer is `answer`.
//! let exchange = |request: Arrow, answer: Arrow, sent: Request| -> Response {
//!     let (arrow, response) = router::handle(&server, sent.with_header("Host", "localhost:8080"));
//!     assert_eq!(arrow, Some(request));
//!     assert_eq!(request.answered_by(&response), Some(answer), "{request}");
//!     response
//! };
//! # let json = |r: &Response| serde_json::from_slice::<Value>(r.body_bytes()).unwrap_or_default();
//! # let post = |path: &str, body: Value| Request::new("POST", path)
//! #     .with_header("Content-Type", "application/json")
//! #     .with_header("Accept", "application/json, text/event-stream")
//! #     .with_body(body.to_string());
//! # let form = |path: &str, form: String| Request::new("POST", path)
//! #     .with_header("Content-Type", "application/x-www-form-urlencoded")
//! #     .with_body(form);
//! let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
//!     "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "doc", "version": "1"}}});
//!
//! // Discovery: no token → 401; the challenge leads to both metadata documents.
//! let r = exchange(Arrow::McpWithoutToken, Arrow::Challenge, post("/mcp", initialize.clone()));
//! assert!(r.header("WWW-Authenticate").unwrap_or("").contains("oauth-protected-resource/mcp"));
//! let r = exchange(Arrow::ResourceMetadataRequest, Arrow::ResourceMetadata,
//!     Request::new("GET", "/.well-known/oauth-protected-resource/mcp"));
//! assert_eq!(json(&r)["authorization_servers"], json!(["http://localhost:8080"]));
//! let r = exchange(Arrow::ServerMetadataRequest, Arrow::ServerMetadata,
//!     Request::new("GET", "/.well-known/oauth-authorization-server"));
//! assert_eq!(json(&r)["code_challenge_methods_supported"], json!(["S256"]));
//!
//! // Registration: the client id is the signed registration.
//! let callback = "http%3A%2F%2Flocalhost%3A3000%2Fcb";
//! let r = exchange(Arrow::Register, Arrow::Registration, post("/register", json!({
//!     "redirect_uris": ["http://localhost:3000/cb"], "token_endpoint_auth_method": "none"})));
//! let client = json(&r)["client_id"].as_str().unwrap_or_default().to_string();
//!
//! // PKCE challenge: the client keeps the verifier, sends its SHA-256; a code comes back.
//! let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
//! let resource = "http%3A%2F%2Flocalhost%3A8080%2Fmcp";
//! let r = exchange(Arrow::Authorize, Arrow::SingleUserCodeRedirect, Request::new("GET", &format!(
//!     "/authorize?response_type=code&client_id={client}&redirect_uri={callback}&state=xyz\
//!      &code_challenge={}&code_challenge_method=S256&resource={resource}", pkce::s256(verifier))));
//! let query = r.header("Location").and_then(|l| l.split_once('?')).map_or("", |(_, q)| q);
//! let code = Params::parse(query).unwrap_or_default().get("code").unwrap_or_default().to_string();
//!
//! // PKCE verify: the code and the verifier buy an access and a refresh token.
//! let r = exchange(Arrow::TokenRequest, Arrow::Tokens, form("/token", format!(
//!     "grant_type=authorization_code&code={code}&code_verifier={verifier}\
//!      &client_id={client}&redirect_uri={callback}&resource={resource}")));
//! let (access, refresh) = (json(&r)["access_token"].clone(), json(&r)["refresh_token"].clone());
//! let bearer = format!("Bearer {}", access.as_str().unwrap_or_default());
//!
//! // Tool calls: initialize, then the tool, which sees who is calling. The
//! // transport answers late (it may stream), so the HTTP layer's Responder
//! // writes the answer out: here into memory.
//! exchange(Arrow::ToolCall, Arrow::ToolAnswer, post("/mcp", initialize).with_header("Authorization", &bearer));
//! let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "whoami"}});
//! let r = exchange(Arrow::ToolCall, Arrow::ToolAnswer, post("/mcp", call)
//!     .with_header("Authorization", &bearer).with_header("MCP-Protocol-Version", "2025-11-25"));
//! let (mut wire, mut status) = (Vec::new(), 0);
//! Responder::new(&mut wire, Version::Http11, false, &mut status).send(r)?;
//! assert!(String::from_utf8(wire)?.contains(r#""text":"you are user""#));
//!
//! // Refresh rotates the pair; revocation ends the grant.
//! let r = exchange(Arrow::RefreshRequest, Arrow::RotatedTokens, form("/token", format!(
//!     "grant_type=refresh_token&refresh_token={}&client_id={client}", refresh.as_str().unwrap_or_default())));
//! let rotated = json(&r)["refresh_token"].as_str().unwrap_or_default().to_string();
//! exchange(Arrow::Revoke, Arrow::Revoked, form("/revoke", format!("token={rotated}&client_id={client}")));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

// The assembly: builds the core, installs the extensions, routes.
pub mod app;
pub mod router;

// The core: the diagram, and the leaves under it.
pub mod arrow;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod http;
pub mod identity;
pub mod log;
pub mod mcp;
pub mod oauth;
pub mod outbound;
pub mod shared;

// The advanced layers, read after the core.
pub mod ext;

// Tools, and the long-form documents in rustdoc.
pub mod _documentation;
pub mod doctor;
pub mod testing;

pub use app::{App, RunningServer, open_store};
pub use config::Config;
pub use identity::Identity;
pub use mcp::{McpServer, Param, Tool, ToolCall, ToolError, ToolResult, Type};
pub use oauth::provider::{AuthProvider, SingleUserProvider, StaticPasswordProvider};

/// The README's Rust blocks, compiled by `cargo test --doc` so that the
/// README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
