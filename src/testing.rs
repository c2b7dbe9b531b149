//! **[1–33](crate::_documentation::flow) Testing your tools — the whole flow in one call.**
//! A [`TestClient`] starts your real [`App`] on an ephemeral loopback port,
//! walks the real OAuth 2.1 flow against it (registration, `/authorize` with
//! PKCE S256 — filling the password form like a browser when there is one —
//! and `/token`), then speaks MCP over real sockets in either protocol era,
//! answering the server's questions (elicitation, sampling) with your
//! closures. Your test reads like what the model does:
//!
//! ```
//! use remote_mcp::testing::TestClient;
//! use remote_mcp::{App, McpServer, Param, Tool};
//! use serde_json::json;
//!
//! let mcp = McpServer::new("my-service").tool(
//!     Tool::new("my_tool", "Look something up.")
//!         .arg(Param::string("query", "What to look up"))
//!         .handler(|call| Ok(format!("Result for: {}", call.str("query")?).into())),
//! );
//! let mut client = TestClient::start(App::new(mcp))?;
//! let result = client.call_tool("my_tool", json!({"query": "rust"}))?;
//! assert_eq!(result.text(), "Result for: rust");
//! assert!(!result.is_error());
//! # Ok::<(), remote_mcp::testing::TestError>(())
//! ```
//!
//! # What it does on the wire
//! * **Start**: [`App::start`] on `127.0.0.1:0` (unless the app was given a
//!   [`crate::Config`]; then that one, which must bind loopback).
//! * **Sign in**: `POST /register` (a public client with a loopback redirect
//!   URI), `GET /authorize` with a fresh S256 challenge. A provider that
//!   issues the code at once answers `302`; a password form (HTML) is filled
//!   as a browser would: the cookies set by the `GET` are sent back on the
//!   `POST`, with `Origin` set to the server's origin
//!   ([`TestClientBuilder::password`]). Then `POST /token` with the verifier.
//!   A server built with [`App::without_auth`] is called without a token.
//! * **[`Era::Legacy`]** (MCP 2025-11-25): `initialize` declaring the
//!   capabilities you gave closures for, `notifications/initialized`, and the
//!   `Mcp-Session-Id` on every request. A request from the server on a call's
//!   SSE stream is answered by a separate `POST`, as the official clients do.
//! * **[`Era::Modern`]** (MCP 2026-07-28): no session; every request carries
//!   `_meta` (version, capabilities, client info) and the mirrored headers
//!   (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`). An
//!   `input_required` result is answered with your closures and the call
//!   retried with `inputResponses` and the echoed `requestState`.
//!
//! * **[`Era::LegacyWithoutSession`]**: 2025-11-25 requests without
//!   `initialize`, as a stateless client sends them.
//!
//! Every call asks for progress (`_meta.progressToken`); the notifications the
//! server sent along the way are in [`CallResult::notifications`].
//!
//! Only for tests: it trusts the server it started, and it panics nowhere but
//! reports what went wrong as a [`TestError`].

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::app::{App, RunningServer};
use crate::config::Config;
use crate::oauth::encoding::{Params, encode_pairs};

/// The redirect URI the test client registers (never visited: the code is
/// read from the `Location` header).
const REDIRECT_URI: &str = "http://localhost:33418/callback";
/// The legacy revision spoken in [`Era::Legacy`].
const LEGACY_VERSION: &str = "2025-11-25";
/// The revision spoken in [`Era::Modern`].
const MODERN_VERSION: &str = "2026-07-28";
/// How long one HTTP read may take before the test fails instead of hanging.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

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

/// What went wrong in a test client call.
///
/// ```
/// use remote_mcp::testing::{TestClient, TestError};
/// use remote_mcp::{App, McpServer};
/// let mut client = TestClient::start(App::new(McpServer::new("s")))?;
/// let err = client.call_tool("missing", serde_json::json!({})).unwrap_err();
/// assert_eq!(err, TestError::Rpc { code: -32602, message: "Unknown tool: missing".into() });
/// # Ok::<(), TestError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum TestError {
    /// The server could not be started, or a socket failed.
    Io(String),
    /// The OAuth flow did not end with an access token; the text says where.
    OAuth(String),
    /// The server answered with a JSON-RPC error.
    Rpc {
        /// The JSON-RPC error code, e.g. `-32602`.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The tool ran and failed (`isError: true`); the text is its message.
    /// Only from [`TestClient::call_tool_as`].
    Tool(String),
    /// The answer was not what the protocol allows, or not the type asked for.
    Protocol(String),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Io(m) => write!(f, "I/O: {m}"),
            TestError::OAuth(m) => write!(f, "OAuth: {m}"),
            TestError::Rpc { code, message } => write!(f, "JSON-RPC error {code}: {message}"),
            TestError::Tool(m) => write!(f, "the tool failed: {m}"),
            TestError::Protocol(m) => write!(f, "protocol: {m}"),
        }
    }
}

impl std::error::Error for TestError {}

impl From<std::io::Error> for TestError {
    fn from(e: std::io::Error) -> TestError {
        TestError::Io(e.to_string())
    }
}

/// A `tools/call` result as the server sent it, with what came before it.
///
/// ```
/// use remote_mcp::testing::TestClient;
/// use remote_mcp::{App, McpServer, Tool};
/// let mcp = McpServer::new("s").tool(Tool::new("hi", "Says hi.").handler(|_| Ok("hi".into())));
/// let mut client = TestClient::start(App::new(mcp))?;
/// let result = client.call_tool("hi", serde_json::json!({}))?;
/// assert_eq!(result.result["content"][0]["text"], "hi");
/// assert!(result.notifications.is_empty());
/// # Ok::<(), remote_mcp::testing::TestError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// The `CallToolResult` JSON (`content`, `structuredContent`, `isError`).
    pub result: Value,
    /// The notifications sent during the call (`notifications/progress`,
    /// `notifications/message`), in order.
    pub notifications: Vec<Value>,
}

impl CallResult {
    /// Whether the tool failed (`isError: true`).
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// let r = CallResult { result: serde_json::json!({"content": [], "isError": true}), notifications: vec![] };
    /// assert!(r.is_error());
    /// ```
    pub fn is_error(&self) -> bool {
        self.result["isError"] == true
    }

    /// The text of every `text` content block, joined by newlines.
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// let r = CallResult {
    ///     result: serde_json::json!({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}),
    ///     notifications: vec![],
    /// };
    /// assert_eq!(r.text(), "a\nb");
    /// ```
    pub fn text(&self) -> String {
        self.result["content"]
            .as_array()
            .map(|blocks| {
                blocks
                    .iter()
                    .filter_map(|b| b["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// `structuredContent` read as `T`.
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// #[derive(serde::Deserialize)]
    /// struct Sum { sum: i64 }
    /// let r = CallResult { result: serde_json::json!({"content": [], "structuredContent": {"sum": 3}}), notifications: vec![] };
    /// assert_eq!(r.structured::<Sum>()?.sum, 3);
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn structured<T: DeserializeOwned>(&self) -> Result<T, TestError> {
        let Some(s) = self.result.get("structuredContent") else {
            return Err(TestError::Protocol(format!(
                "the result has no structuredContent: {}",
                self.result
            )));
        };
        serde_json::from_value(s.clone()).map_err(|e| {
            TestError::Protocol(format!("structuredContent does not fit the type: {e}"))
        })
    }

    /// The `progress` values of the `notifications/progress` received.
    ///
    /// ```
    /// use remote_mcp::testing::CallResult;
    /// let r = CallResult { result: serde_json::json!({}), notifications: vec![
    ///     serde_json::json!({"method": "notifications/progress", "params": {"progress": 1.0}})] };
    /// assert_eq!(r.progress(), vec![1.0]);
    /// ```
    pub fn progress(&self) -> Vec<f64> {
        self.notifications
            .iter()
            .filter(|n| n["method"] == "notifications/progress")
            .filter_map(|n| n["params"]["progress"].as_f64())
            .collect()
    }
}

type Answerer = Box<dyn Fn(&Value) -> Value + Send + Sync>;

/// How the test client is set up before it starts: era, password, answers
/// to the server's questions. Made by [`TestClient::builder`].
///
/// ```
/// use remote_mcp::testing::{Era, TestClient};
/// use remote_mcp::{App, McpServer};
/// let builder = TestClient::builder(App::new(McpServer::new("s"))).era(Era::Modern);
/// let client = builder.start()?;
/// # let _ = client;
/// # Ok::<(), remote_mcp::testing::TestError>(())
/// ```
pub struct TestClientBuilder {
    app: App,
    config: Option<Config>,
    era: Era,
    password: Option<String>,
    on_elicit: Option<Answerer>,
    on_sample: Option<Answerer>,
}

impl fmt::Debug for TestClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClientBuilder")
            .field("era", &self.era)
            .finish_non_exhaustive()
    }
}

impl TestClientBuilder {
    /// The era to speak (default [`Era::Legacy`], what claude.ai speaks today).
    /// [`TestClient::set_era`] switches later.
    ///
    /// ```
    /// use remote_mcp::testing::{Era, TestClient};
    /// use remote_mcp::{App, McpServer};
    /// let client = TestClient::builder(App::new(McpServer::new("s"))).era(Era::Modern).start()?;
    /// assert_eq!(client.era(), Era::Modern);
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn era(mut self, era: Era) -> TestClientBuilder {
        self.era = era;
        self
    }

    /// The password to type into the sign-in form, for a server that shows
    /// one ([`crate::StaticPasswordProvider`]).
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer, StaticPasswordProvider};
    /// let app = App::new(McpServer::new("s")).provider(StaticPasswordProvider::new("open sesame, friend"));
    /// let client = TestClient::builder(app).password("open sesame, friend").start()?;
    /// # let _ = client;
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn password(mut self, password: &str) -> TestClientBuilder {
        self.password = Some(password.to_string());
        self
    }

    /// Answers `elicitation/create`: the closure gets the request's params
    /// (`message`, `requestedSchema`) and returns the `ElicitResult`, e.g.
    /// `{"action": "accept", "content": {…}}`. The client then declares the
    /// `elicitation` capability.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer, Tool};
    /// use serde_json::json;
    ///
    /// let mcp = McpServer::new("s").tool(Tool::new("wipe", "Wipes.").handler(|call| {
    ///     Ok(if call.confirm("Wipe everything?")? { "wiped" } else { "kept" }.into())
    /// }));
    /// let mut client = TestClient::builder(App::new(mcp))
    ///     .on_elicit(|_params| json!({"action": "decline"}))
    ///     .start()?;
    /// assert_eq!(client.call_tool("wipe", json!({}))?.text(), "kept");
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn on_elicit(
        mut self,
        answer: impl Fn(&Value) -> Value + Send + Sync + 'static,
    ) -> TestClientBuilder {
        self.on_elicit = Some(Box::new(answer));
        self
    }

    /// Answers `sampling/createMessage`: the closure gets the params
    /// (`messages`, `maxTokens`…) and returns the `CreateMessageResult`. The
    /// client then declares the `sampling` capability.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer, Tool};
    /// use serde_json::json;
    ///
    /// let mcp = McpServer::new("s").tool(Tool::new("think", "Thinks.").handler(|call| {
    ///     let r = call.sample(json!({"messages": [], "maxTokens": 5}))?;
    ///     Ok(r["content"]["text"].as_str().unwrap_or("").to_string().into())
    /// }));
    /// let mut client = TestClient::builder(App::new(mcp))
    ///     .on_sample(|_| json!({"role": "assistant", "content": {"type": "text", "text": "42"}, "model": "test"}))
    ///     .start()?;
    /// assert_eq!(client.call_tool("think", json!({}))?.text(), "42");
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn on_sample(
        mut self,
        answer: impl Fn(&Value) -> Value + Send + Sync + 'static,
    ) -> TestClientBuilder {
        self.on_sample = Some(Box::new(answer));
        self
    }

    /// The server's configuration (default [`Config::local`]`(0)`: loopback,
    /// an ephemeral port, nothing read from the environment). It must bind a
    /// loopback address.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, Config, McpServer};
    /// let config = Config::local(0); // e.g. with other limits
    /// let client = TestClient::builder(App::new(McpServer::new("s"))).config(config).start()?;
    /// # let _ = client;
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn config(mut self, config: Config) -> TestClientBuilder {
        self.config = Some(config);
        self
    }

    /// Starts the server, signs in, and (legacy era) initializes a session.
    ///
    /// ```
    /// use remote_mcp::testing::{TestClient, TestError};
    /// use remote_mcp::{App, McpServer, StaticPasswordProvider};
    /// let app = App::new(McpServer::new("s")).provider(StaticPasswordProvider::new("the right password"));
    /// let err = TestClient::builder(app).password("a wrong password").start().unwrap_err();
    /// assert!(matches!(err, TestError::OAuth(_)));
    /// ```
    pub fn start(self) -> Result<TestClient, TestError> {
        let config = self.config.unwrap_or_else(|| Config::local(0));
        if !config.binds_loopback() {
            return Err(TestError::Io(format!(
                "the test client starts servers on loopback only, not on {:?}",
                config.host
            )));
        }
        let server = self
            .app
            .config(config)
            .start()
            .map_err(|e| TestError::Io(format!("the server did not start: {e}")))?;
        let mut client = TestClient {
            addr: server.addr(),
            public_url: server.public_url().to_string(),
            server: Some(server),
            token: None,
            era: self.era,
            session: None,
            on_elicit: self.on_elicit,
            on_sample: self.on_sample,
            next_id: 1,
            mirrored: None,
        };
        client.token = client.sign_in(self.password.as_deref())?;
        client.set_era(self.era)?;
        Ok(client)
    }
}

/// An MCP client for tests, connected to a server it started (see the
/// [module documentation](self)). The server stops when the client is dropped.
///
/// ```
/// use remote_mcp::testing::TestClient;
/// use remote_mcp::{App, McpServer};
/// let client = TestClient::start(App::new(McpServer::new("s")))?;
/// println!("testing against {}", client.url());
/// drop(client); // the server stops
/// # Ok::<(), remote_mcp::testing::TestError>(())
/// ```
pub struct TestClient {
    addr: SocketAddr,
    public_url: String,
    server: Option<RunningServer>,
    token: Option<String>,
    era: Era,
    session: Option<String>,
    on_elicit: Option<Answerer>,
    on_sample: Option<Answerer>,
    next_id: u64,
    /// Per tool: (argument, header) pairs to mirror in the modern era.
    mirrored: Option<HashMap<String, Vec<(String, String)>>>,
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClient")
            .field("addr", &self.addr)
            .field("era", &self.era)
            .field("session", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown_handle().shutdown();
        }
    }
}

impl TestClient {
    /// Starts `app` and connects with the defaults: legacy era, no password,
    /// no answers to questions.
    ///
    /// ```
    /// use remote_mcp::testing::{Era, TestClient};
    /// use remote_mcp::{App, McpServer};
    /// let client = TestClient::start(App::new(McpServer::new("s")))?;
    /// assert_eq!(client.era(), Era::Legacy);
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn start(app: App) -> Result<TestClient, TestError> {
        TestClient::builder(app).start()
    }

    /// A client to set up before it starts ([`TestClientBuilder`]).
    ///
    /// ```
    /// use remote_mcp::testing::{Era, TestClient};
    /// use remote_mcp::{App, McpServer};
    /// let client = TestClient::builder(App::new(McpServer::new("s"))).era(Era::Legacy).start()?;
    /// assert!(client.url().starts_with("http://localhost:"));
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn builder(app: App) -> TestClientBuilder {
        TestClientBuilder {
            app,
            config: None,
            era: Era::Legacy,
            password: None,
            on_elicit: None,
            on_sample: None,
        }
    }

    /// The server's public URL (e.g. `http://localhost:41234`).
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer};
    /// let client = TestClient::start(App::new(McpServer::new("s")))?;
    /// assert!(client.url().starts_with("http://localhost:"));
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.public_url
    }

    /// The era spoken now.
    ///
    /// ```
    /// use remote_mcp::testing::{Era, TestClient};
    /// use remote_mcp::{App, McpServer};
    /// let mut client = TestClient::start(App::new(McpServer::new("s")))?;
    /// client.set_era(Era::Modern)?;
    /// assert_eq!(client.era(), Era::Modern);
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn era(&self) -> Era {
        self.era
    }

    /// The access token the OAuth flow gave (`None` for [`App::without_auth`]).
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer};
    /// let client = TestClient::start(App::new(McpServer::new("s")))?;
    /// assert!(client.access_token().is_some_and(|t| t.starts_with("mcp_at.")));
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn access_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Switches era: legacy initializes a new session, the others drop it.
    ///
    /// ```
    /// use remote_mcp::testing::{Era, TestClient};
    /// use remote_mcp::{App, McpServer, Tool};
    /// use serde_json::json;
    ///
    /// let mcp = McpServer::new("s").tool(Tool::new("version", "Protocol version.")
    ///     .handler(|call| Ok(call.protocol_version().into())));
    /// let mut client = TestClient::start(App::new(mcp))?;
    /// for (era, version) in [(Era::Legacy, "2025-11-25"), (Era::Modern, "2026-07-28")] {
    ///     client.set_era(era)?;
    ///     assert_eq!(client.call_tool("version", json!({}))?.text(), version);
    /// }
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn set_era(&mut self, era: Era) -> Result<(), TestError> {
        self.era = era;
        self.session = None;
        if era == Era::Legacy {
            let params = json!({
                "protocolVersion": LEGACY_VERSION,
                "capabilities": self.capabilities(),
                "clientInfo": {"name": "remote_mcp::testing", "version": env!("CARGO_PKG_VERSION")},
            });
            let (answer, session) =
                self.exchange_collecting("initialize", params, &mut Vec::new())?;
            if answer.get("error").is_some() {
                return Err(rpc_error(&answer));
            }
            self.session = session;
            let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let response = self.post_mcp(&note, &[])?;
            if response.status != 202 {
                return Err(TestError::Protocol(format!(
                    "notifications/initialized answered {}",
                    response.status
                )));
            }
        }
        Ok(())
    }

    /// `tools/list`: every tool, following `nextCursor`.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer, Tool};
    /// let mut client = TestClient::start(App::new(McpServer::new("s").tool(Tool::new("t", "T."))))?;
    /// assert_eq!(client.list_tools()?[0]["name"], "t");
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn list_tools(&mut self) -> Result<Vec<Value>, TestError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let page = self.request("tools/list", params)?;
            tools.extend(page["tools"].as_array().cloned().unwrap_or_default());
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return Ok(tools),
            }
        }
    }

    /// `tools/call name` with these arguments: the result, even when the tool
    /// failed (`isError`); a JSON-RPC error is an `Err`.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer, Param, Tool};
    /// let mcp = McpServer::new("s").tool(Tool::new("echo", "Echoes.").arg(Param::string("text", ""))
    ///     .handler(|call| Ok(call.str("text")?.into())));
    /// let mut client = TestClient::start(App::new(mcp))?;
    /// assert_eq!(client.call_tool("echo", serde_json::json!({"text": "hi"}))?.text(), "hi");
    /// let bad = client.call_tool("echo", serde_json::json!({}))?;
    /// assert!(bad.is_error() && bad.text().contains("`text` is required"));
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn call_tool(&mut self, name: &str, arguments: Value) -> Result<CallResult, TestError> {
        let token = self.next_id;
        let params = json!({"name": name, "arguments": arguments, "_meta": {"progressToken": format!("progress-{token}")}});
        let (result, notifications) = self.call("tools/call", params)?;
        Ok(CallResult {
            result,
            notifications,
        })
    }

    /// `tools/call`, its `structuredContent` read as `T`; a failed tool is
    /// [`TestError::Tool`] with its text.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer, Param, Tool, ToolResult};
    /// use serde_json::json;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Sum { sum: i64 }
    ///
    /// let mcp = McpServer::new("calc").tool(
    ///     Tool::new("add", "Adds.")
    ///         .arg(Param::integer("a", "")).arg(Param::integer("b", ""))
    ///         .returns(Param::integer("sum", ""))
    ///         .handler(|call| ToolResult::json(&Sum { sum: call.i64("a")? + call.i64("b")? })),
    /// );
    /// let mut client = TestClient::start(App::new(mcp))?;
    /// let Sum { sum } = client.call_tool_as("add", json!({"a": 2, "b": 3}))?;
    /// assert_eq!(sum, 5);
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn call_tool_as<T: DeserializeOwned>(
        &mut self,
        name: &str,
        arguments: Value,
    ) -> Result<T, TestError> {
        let result = self.call_tool(name, arguments)?;
        if result.is_error() {
            return Err(TestError::Tool(result.text()));
        }
        result.structured()
    }

    /// Any request (`resources/read`, `prompts/get`…): its result, with the
    /// era's envelope and headers added; a JSON-RPC error is an `Err`.
    ///
    /// ```
    /// use remote_mcp::testing::TestClient;
    /// use remote_mcp::{App, McpServer};
    /// use serde_json::json;
    /// let mut client = TestClient::start(App::new(McpServer::new("s")))?;
    /// let err = client.request("prompts/get", json!({"name": "nope"})).unwrap_err();
    /// assert!(matches!(err, remote_mcp::testing::TestError::Rpc { code: -32602, .. }));
    /// # Ok::<(), remote_mcp::testing::TestError>(())
    /// ```
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, TestError> {
        Ok(self.call(method, params)?.0)
    }

    // ── The protocol ──

    fn capabilities(&self) -> Value {
        let mut caps = Map::new();
        if self.on_elicit.is_some() {
            caps.insert("elicitation".into(), json!({"form": {}}));
        }
        if self.on_sample.is_some() {
            caps.insert("sampling".into(), json!({}));
        }
        Value::Object(caps)
    }

    /// One request in the current era, with its notifications; modern
    /// `input_required` rounds are answered and retried here.
    fn call(&mut self, method: &str, mut params: Value) -> Result<(Value, Vec<Value>), TestError> {
        let mut notifications = Vec::new();
        for _round in 0..16 {
            let (answer, _) =
                self.exchange_collecting(method, params.clone(), &mut notifications)?;
            if answer.get("error").is_some() {
                return Err(rpc_error(&answer));
            }
            let result = answer.get("result").cloned().unwrap_or(Value::Null);
            if result["resultType"] != "input_required" {
                return Ok((result, notifications));
            }
            // 2026-07-28 multi round-trip: answer every question, then retry.
            let mut responses = Map::new();
            if let Some(requests) = result["inputRequests"].as_object() {
                for (key, request) in requests {
                    let method = request["method"].as_str().unwrap_or_default();
                    responses.insert(key.clone(), self.answer(method, &request["params"])?);
                }
            }
            if let Some(p) = params.as_object_mut() {
                p.insert("inputResponses".into(), Value::Object(responses));
                if let Some(state) = result.get("requestState") {
                    p.insert("requestState".into(), state.clone());
                }
            }
        }
        Err(TestError::Protocol(format!(
            "{method} still needed input after 16 rounds"
        )))
    }

    /// The answer to a question from the server, from the closures.
    fn answer(&self, method: &str, params: &Value) -> Result<Value, TestError> {
        let answerer = match method {
            "elicitation/create" => &self.on_elicit,
            "sampling/createMessage" => &self.on_sample,
            "roots/list" => return Ok(json!({"roots": []})),
            other => {
                return Err(TestError::Protocol(format!(
                    "the server asked {other}, which the test client does not answer"
                )));
            }
        };
        match answerer {
            Some(f) => Ok(f(params)),
            None => Err(TestError::Protocol(format!(
                "the server asked {method} but the test client has no answer for it (TestClientBuilder::on_elicit / on_sample)"
            ))),
        }
    }

    /// Sends one JSON-RPC request and reads its answer (JSON or SSE),
    /// answering server-to-client requests met on the stream.
    fn exchange_collecting(
        &mut self,
        method: &str,
        mut params: Value,
        notifications: &mut Vec<Value>,
    ) -> Result<(Value, Option<String>), TestError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut headers: Vec<(String, String)> = Vec::new();
        if self.era == Era::Modern {
            if let Some(p) = params.as_object_mut() {
                let meta = p.entry("_meta").or_insert_with(|| json!({}));
                if let Some(meta) = meta.as_object_mut() {
                    meta.insert(
                        "io.modelcontextprotocol/protocolVersion".into(),
                        MODERN_VERSION.into(),
                    );
                    meta.insert(
                        "io.modelcontextprotocol/clientCapabilities".into(),
                        self.capabilities(),
                    );
                    meta.insert(
                        "io.modelcontextprotocol/clientInfo".into(),
                        json!({"name": "remote_mcp::testing", "version": env!("CARGO_PKG_VERSION")}),
                    );
                }
            }
            headers.push(("Mcp-Method".into(), method.into()));
            let name = match method {
                "tools/call" | "prompts/get" => params["name"].as_str(),
                "resources/read" => params["uri"].as_str(),
                _ => None,
            };
            if let Some(name) = name {
                headers.push(("Mcp-Name".into(), header_value(name)));
            }
            if method == "tools/call" {
                let tool = params["name"].as_str().unwrap_or_default().to_string();
                for (arg, header) in self.mirrored_params(&tool)? {
                    let value = &params["arguments"][&arg];
                    let text = match value {
                        Value::String(s) => header_value(s),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => continue,
                    };
                    headers.push((format!("Mcp-Param-{header}"), text));
                }
            }
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut response = self.post_mcp(&body, &refs)?;
        let session = response.header("mcp-session-id").map(str::to_string);
        if response.content_type().starts_with("text/event-stream") {
            let mut pending = String::new();
            loop {
                if let Some(end) = pending.find("\n\n") {
                    let event: String = pending.drain(..end + 2).collect();
                    let Some(message) = sse_data(&event) else {
                        continue;
                    };
                    if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                        return Ok((message, session));
                    }
                    if let (Some(m), Some(req_id)) = (message["method"].as_str(), message.get("id"))
                    {
                        // A request from the server: answer it on a new POST.
                        let reply = match self.answer(m, &message["params"]) {
                            Ok(result) => json!({"jsonrpc": "2.0", "id": req_id, "result": result}),
                            // As the SDK clients do for a capability they lack.
                            Err(_) => json!({"jsonrpc": "2.0", "id": req_id,
                                "error": {"code": -32601, "message": format!("Method not found: {m}")}}),
                        };
                        self.post_mcp(&reply, &[])?;
                    } else {
                        notifications.push(message);
                    }
                    continue;
                }
                match response.body.next_bytes()? {
                    Some(bytes) => pending.push_str(&String::from_utf8_lossy(&bytes)),
                    None => {
                        return Err(TestError::Protocol(format!(
                            "the {method} stream ended without a response"
                        )));
                    }
                }
            }
        }
        let status = response.status;
        let text = response.body.read_all()?;
        serde_json::from_str::<Value>(&text)
            .map(|v| (v, session))
            .map_err(|_| TestError::Protocol(format!("{method} answered HTTP {status}: {text}")))
    }

    /// The `x-mcp-header` parameters of `tool`, from `tools/list` (fetched once).
    fn mirrored_params(&mut self, tool: &str) -> Result<Vec<(String, String)>, TestError> {
        if self.mirrored.is_none() {
            self.mirrored = Some(HashMap::new()); // no recursion while listing
            let mut map = HashMap::new();
            for t in self.list_tools()? {
                let mut pairs = Vec::new();
                if let Some(props) = t["inputSchema"]["properties"].as_object() {
                    for (name, schema) in props {
                        if let Some(h) = schema["x-mcp-header"].as_str() {
                            pairs.push((name.clone(), h.to_string()));
                        }
                    }
                }
                map.insert(t["name"].as_str().unwrap_or_default().to_string(), pairs);
            }
            self.mirrored = Some(map);
        }
        Ok(self
            .mirrored
            .as_ref()
            .and_then(|m| m.get(tool))
            .cloned()
            .unwrap_or_default())
    }

    fn post_mcp(&self, body: &Value, extra: &[(&str, &str)]) -> Result<Response, TestError> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let version = match self.era {
            Era::Legacy | Era::LegacyWithoutSession => LEGACY_VERSION,
            Era::Modern => MODERN_VERSION,
        };
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", version),
        ];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        if let Some(s) = &self.session {
            headers.push(("Mcp-Session-Id", s));
        }
        headers.extend_from_slice(extra);
        send(
            self.addr,
            &self.public_url,
            "POST",
            "/mcp",
            &headers,
            body.to_string().as_bytes(),
        )
    }

    // ── Signing in ──

    /// The OAuth 2.1 flow, as an MCP client does it; `None` when the server
    /// has no authorization server.
    fn sign_in(&self, password: Option<&str>) -> Result<Option<String>, TestError> {
        let get = |path: &str, headers: &[(&str, &str)]| {
            send(self.addr, &self.public_url, "GET", path, headers, b"")?.finish()
        };
        let prm = get("/.well-known/oauth-protected-resource/mcp", &[])?;
        if prm.0 != 200 {
            return Ok(None); // App::without_auth: /mcp needs no token
        }
        let oauth = |m: String| TestError::OAuth(m);
        let registration = json!({
            "client_name": "remote_mcp::testing",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        });
        let (status, _, body) = send(
            self.addr,
            &self.public_url,
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            registration.to_string().as_bytes(),
        )?
        .finish()?;
        let client: Value = serde_json::from_str(&body).unwrap_or_default();
        let Some(client_id) = client["client_id"].as_str().filter(|_| status == 201) else {
            return Err(oauth(format!("POST /register answered {status}: {body}")));
        };
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| oauth(format!("no randomness: {e}")))?;
        let verifier = URL_SAFE_NO_PAD.encode(random);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let resource = format!("{}/mcp", self.public_url);
        let authorize = format!(
            "/authorize?{}",
            encode_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", REDIRECT_URI),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
                ("state", "testing"),
                ("resource", resource.as_str()),
                ("scope", "mcp"),
            ])
        );
        let page = send(self.addr, &self.public_url, "GET", &authorize, &[], b"")?;
        let cookies = page.cookies();
        let (status, headers, html) = page.finish()?;
        let location = if status == 200 {
            // A sign-in form: fill it as a browser would.
            let Some(password) = password else {
                return Err(oauth(
                    "the server shows a sign-in form: give TestClientBuilder::password".into(),
                ));
            };
            let mut fields = hidden_fields(&html);
            fields.push(("password".into(), password.into()));
            fields.push(("action".into(), "allow".into()));
            let form = encode_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            let cookie = cookies.join("; ");
            let mut headers = vec![
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", self.public_url.as_str()),
            ];
            if !cookie.is_empty() {
                headers.push(("Cookie", cookie.as_str()));
            }
            let (status, answer_headers, body) = send(
                self.addr,
                &self.public_url,
                "POST",
                "/authorize",
                &headers,
                form.as_bytes(),
            )?
            .finish()?;
            if status != 302 && status != 303 {
                return Err(oauth(format!(
                    "the sign-in form answered {status}: {}",
                    first_line(&body)
                )));
            }
            find_header(&answer_headers, "location")
        } else if status == 302 || status == 303 {
            find_header(&headers, "location")
        } else {
            return Err(oauth(format!(
                "GET /authorize answered {status}: {}",
                first_line(&html)
            )));
        };
        let location = location.unwrap_or_default();
        let Some(query) = location
            .strip_prefix(REDIRECT_URI)
            .and_then(|rest| rest.strip_prefix('?'))
        else {
            return Err(oauth(format!(
                "/authorize sent the browser to {location}: the test client plays only a provider that answers at once or with a password form"
            )));
        };
        let params =
            Params::parse(query).map_err(|_| oauth(format!("a malformed redirect: {location}")))?;
        let Some(code) = params.get("code") else {
            return Err(oauth(format!("no code in the redirect: {location}")));
        };
        let form = encode_pairs([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client_id),
            ("code_verifier", verifier.as_str()),
            ("resource", resource.as_str()),
        ]);
        let (status, _, body) = send(
            self.addr,
            &self.public_url,
            "POST",
            "/token",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )?
        .finish()?;
        let tokens: Value = serde_json::from_str(&body).unwrap_or_default();
        match tokens["access_token"].as_str() {
            Some(t) if status == 200 => Ok(Some(t.to_string())),
            _ => Err(oauth(format!("POST /token answered {status}: {body}"))),
        }
    }
}

fn rpc_error(answer: &Value) -> TestError {
    TestError::Rpc {
        code: answer["error"]["code"].as_i64().unwrap_or(0),
        message: answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The JSON of an SSE event's `data:` lines.
fn sse_data(event: &str) -> Option<Value> {
    let data: Vec<&str> = event
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
}

/// A header value as 2026-07-28 mirrors it: plain when it can travel as is,
/// else `=?base64?…?=`.
fn header_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.starts_with("=?");
    if plain {
        value.to_string()
    } else {
        format!("=?base64?{}?=", STANDARD.encode(value))
    }
}

/// The hidden `<input>`s of an HTML form, unescaped.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in html.split("<input ").skip(1) {
        let tag = input.split('>').next().unwrap_or_default();
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| -> Option<String> {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            let end = start + tag[start..].find('"')?;
            Some(
                tag[start..end]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#x27;", "'")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&"),
            )
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            fields.push((n, v));
        }
    }
    fields
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn find_header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

// ── A small HTTP/1.1 client: one request per connection, loopback only ──

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// `name=value` of every `Set-Cookie`.
    fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .map(|c| c.trim().to_string())
            .collect()
    }

    fn finish(mut self) -> Result<Finished, TestError> {
        let body = self.body.read_all()?;
        Ok((self.status, self.headers, body))
    }
}

/// Status, headers and body text of a response read to its end.
type Finished = (u16, Vec<(String, String)>, String);

enum Framing {
    Chunked,
    Length(usize),
    Close,
}

struct Body {
    reader: BufReader<TcpStream>,
    framing: Framing,
    done: bool,
}

impl Body {
    /// The next piece of the body, `None` at its end.
    fn next_bytes(&mut self) -> Result<Option<Vec<u8>>, TestError> {
        if self.done {
            return Ok(None);
        }
        match self.framing {
            Framing::Chunked => {
                let mut size = String::new();
                self.reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .map_err(|_| TestError::Protocol(format!("bad chunk size {size:?}")))?;
                if size == 0 {
                    self.done = true;
                    return Ok(None);
                }
                let mut chunk = vec![0; size];
                self.reader.read_exact(&mut chunk)?;
                let mut crlf = [0; 2];
                self.reader.read_exact(&mut crlf)?;
                Ok(Some(chunk))
            }
            Framing::Length(n) => {
                let mut all = vec![0; n];
                self.reader.read_exact(&mut all)?;
                self.done = true;
                Ok(Some(all))
            }
            Framing::Close => {
                let mut buf = vec![0; 8192];
                let n = self.reader.read(&mut buf)?;
                if n == 0 {
                    self.done = true;
                    return Ok(None);
                }
                buf.truncate(n);
                Ok(Some(buf))
            }
        }
    }

    fn read_all(&mut self) -> Result<String, TestError> {
        let mut all = Vec::new();
        while let Some(bytes) = self.next_bytes()? {
            all.extend_from_slice(&bytes);
        }
        Ok(String::from_utf8_lossy(&all).into_owned())
    }
}

fn send(
    addr: SocketAddr,
    public_url: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, TestError> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let host = public_url
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("localhost");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes)?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TestError::Protocol(format!("not an HTTP status line: {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let framing = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        Framing::Chunked
    } else if let Some(n) = header("content-length").and_then(|v| v.parse().ok()) {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    let done = method == "HEAD" || status == 204 || status == 304;
    Ok(Response {
        status,
        headers,
        body: Body {
            reader,
            framing,
            done,
        },
    })
}
