//! **[1–33](crate::_documentation::flow) The test client — start, sign in,
//! call.** [`TestClient`] and its [`TestClientBuilder`]: the builder takes
//! your [`App`], the era, the password and the answers to the server's
//! questions; [`TestClientBuilder::start`] starts the server on loopback,
//! signs in ([`super::signin`]) and, in the legacy era, initializes a
//! session. The client's methods are what a test calls:
//! [`TestClient::call_tool`], [`TestClient::call_tool_as`],
//! [`TestClient::list_tools`], [`TestClient::request`],
//! [`TestClient::set_era`]. The server stops when the client is dropped.
//!
//! # Where this sits
//! The top of [`super`]: the requests themselves are [`super::protocol`]'s
//! (an `impl TestClient` block), the results [`super::result`]'s.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::era::{Era, LEGACY_VERSION};
use super::error::{TestError, rpc_error};
use super::result::CallResult;
use super::signin::sign_in;
use crate::app::{App, RunningServer};
use crate::config::Config;

/// A closure answering one kind of question from the server.
pub(super) type Answerer = Box<dyn Fn(&Value) -> Value + Send + Sync>;

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
        client.token = sign_in(client.addr, &client.public_url, self.password.as_deref())?;
        client.set_era(self.era)?;
        Ok(client)
    }
}

/// An MCP client for tests, connected to a server it started (see the
/// [module documentation](crate::testing)). The server stops when the client is dropped.
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
    pub(super) addr: SocketAddr,
    pub(super) public_url: String,
    pub(super) server: Option<RunningServer>,
    pub(super) token: Option<String>,
    pub(super) era: Era,
    pub(super) session: Option<String>,
    pub(super) on_elicit: Option<Answerer>,
    pub(super) on_sample: Option<Answerer>,
    pub(super) next_id: u64,
    /// Per tool: (argument, header) pairs to mirror in the modern era.
    pub(super) mirrored: Option<HashMap<String, Vec<(String, String)>>>,
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
}
