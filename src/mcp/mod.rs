//! **[28–29](crate::_documentation::flow) Tool calls — the MCP server.**
//! Everything after the bearer token has been checked: `POST /mcp` carries one
//! JSON-RPC message of the Model Context Protocol (revision 2025-11-25, also
//! negotiating 2025-06-18 and 2025-03-26), and the answer is a JSON-RPC
//! response, sent as `application/json` or, when the handler talks back while
//! working, as a `text/event-stream`.
//!
//! ```text
//!   router ──▶ transport::handle     HTTP: method, Origin/Host, session header,
//!                 │                  era (version::decide), JSON vs SSE
//!                 │ jsonrpc::parse   bytes → request | notification | response
//!                 ▼
//!              dispatch::request     one `match` on the method:
//!                 │                  initialize, ping, tools/*, resources/*,
//!                 │                  prompts/*, completion/complete, logging/setLevel
//!                 ▼
//!              your handlers         Tool / Resource / ResourceTemplate / Prompt
//! ```
//!
//! | module | spec (MCP 2025-11-25) |
//! |---|---|
//! | [`transport`] | `basic/transports` (Streamable HTTP) |
//! | [`jsonrpc`] | `basic/index` (JSON-RPC 2.0 messages) |
//! | [`version`] | `basic/lifecycle#version-negotiation`, `basic/transports#protocol-version-header` |
//! | [`dispatch`] | `basic/lifecycle`, `basic/utilities/{ping,progress,cancellation}`, `server/utilities/{pagination,completion}` |
//! | [`session`] | `basic/transports#session-management`, `basic/utilities/cancellation` |
//! | [`tools`], [`content`] | `server/tools` |
//! | [`resources`] | `server/resources` |
//! | [`prompts`] | `server/prompts`, `server/utilities/completion` |
//! | [`logging`] | `server/utilities/logging` |
//!
//! # Where this sits
//! [`McpServer`] is built by the application (`main`), handed to
//! [`crate::App`], and reached through [`crate::app::Shared::mcp`] by
//! [`crate::router`] → [`transport::handle`].
//!
//! # Not implemented (on purpose)
//! * The standalone `GET /mcp` SSE stream (it answers `405`): claude.ai works
//!   without it and a hanging GET broke connectors. So `listChanged` is not
//!   declared and resource subscriptions are recorded but no update is pushed.
//! * Resumability (`Last-Event-ID`), which 2026-07-28 removes again.
//! * JSON-RPC batches (see [`jsonrpc`]).
//! * Tasks (experimental in 2025-11-25).

pub mod content;
pub mod dispatch;
pub mod jsonrpc;
pub mod logging;
pub mod prompts;
pub mod resources;
pub mod session;
pub mod tools;
pub mod transport;
pub mod version;

use std::collections::HashMap;
use std::time::Duration;

pub use content::{Content, ResourceBody, ResourceContents};
pub use logging::LogLevel;
pub use prompts::{Prompt, PromptError, PromptMessage, PromptRequest};
pub use resources::{Resource, ResourceError, ResourceRequest, ResourceTemplate};
pub use tools::{Elicitation, Tool, ToolCall, ToolError, ToolResult};

/// The default page size of `tools/list`, `resources/list`,
/// `resources/templates/list` and `prompts/list`: large enough that an ordinary
/// server answers in one page (some clients never ask for the next one).
pub const DEFAULT_PAGE_SIZE: usize = 1000;

/// How long a tool waits for the client to answer an elicitation or sampling
/// request: claude.ai gives a tool call 300 s in all.
pub const DEFAULT_CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// One MCP server: its identity, its tools, resources and prompts, and its
/// memory between requests (sessions, calls in flight).
///
/// ```
/// use mcp_server::{McpServer, Tool};
///
/// let mcp = McpServer::new("my-service")
///     .instructions("Looks things up.")
///     .tool(
///         Tool::new("my_tool", "Look something up.")
///             .param("query", "string", "What to look up")
///             .handler(|call| {
///                 let query = call.str("query")?;
///                 Ok(format!("Result for: {query}").into())
///             }),
///     );
/// assert_eq!(mcp.tools().count(), 1);
/// ```
pub struct McpServer {
    /// `serverInfo.name`.
    pub name: String,
    pub(crate) version: String,
    pub(crate) title: Option<String>,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: Vec<Tool>,
    pub(crate) tool_index: HashMap<String, usize>,
    pub(crate) resources: Vec<Resource>,
    pub(crate) resource_index: HashMap<String, usize>,
    pub(crate) templates: Vec<ResourceTemplate>,
    pub(crate) prompts: Vec<Prompt>,
    pub(crate) prompt_index: HashMap<String, usize>,
    pub(crate) page_size: usize,
    pub(crate) client_request_timeout: Duration,
    pub(crate) state: session::State,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("name", &self.name)
            .field("tools", &self.tools.len())
            .field("resources", &self.resources.len())
            .field("templates", &self.templates.len())
            .field("prompts", &self.prompts.len())
            .finish_non_exhaustive()
    }
}

impl McpServer {
    /// A server named `name` (shown in `serverInfo`), with nothing registered yet.
    pub fn new(name: &str) -> McpServer {
        McpServer {
            name: name.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            title: None,
            instructions: None,
            tools: Vec::new(),
            tool_index: HashMap::new(),
            resources: Vec::new(),
            resource_index: HashMap::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
            prompt_index: HashMap::new(),
            page_size: DEFAULT_PAGE_SIZE,
            client_request_timeout: DEFAULT_CLIENT_REQUEST_TIMEOUT,
            state: session::State::default(),
        }
    }

    /// `serverInfo.version` (default: this crate's version).
    pub fn version(mut self, version: &str) -> McpServer {
        self.version = version.to_string();
        self
    }

    /// `serverInfo.title`: a display name.
    pub fn title(mut self, title: &str) -> McpServer {
        self.title = Some(title.to_string());
        self
    }

    /// `instructions` in the `initialize` result: what the server is for. claude.ai
    /// shows it on the connector card and gives it to the model.
    pub fn instructions(mut self, instructions: &str) -> McpServer {
        self.instructions = Some(instructions.to_string());
        self
    }

    /// Registers a tool. Listing order is registration order.
    ///
    /// # Panics
    /// If a tool with the same name is already registered (a programming
    /// error, found at start-up).
    pub fn tool(mut self, tool: Tool) -> McpServer {
        let previous = self.tool_index.insert(tool.name.clone(), self.tools.len());
        assert!(
            previous.is_none(),
            "tool `{}` is registered twice",
            tool.name
        );
        self.tools.push(tool);
        self
    }

    /// Registers a resource with a fixed URI.
    ///
    /// # Panics
    /// If a resource with the same URI is already registered.
    pub fn resource(mut self, resource: Resource) -> McpServer {
        let previous = self
            .resource_index
            .insert(resource.uri.clone(), self.resources.len());
        assert!(
            previous.is_none(),
            "resource `{}` is registered twice",
            resource.uri
        );
        self.resources.push(resource);
        self
    }

    /// Registers a resource template. `resources/read` tries templates in
    /// registration order, after the fixed resources.
    pub fn resource_template(mut self, template: ResourceTemplate) -> McpServer {
        self.templates.push(template);
        self
    }

    /// Registers a prompt.
    ///
    /// # Panics
    /// If a prompt with the same name is already registered.
    pub fn prompt(mut self, prompt: Prompt) -> McpServer {
        let previous = self
            .prompt_index
            .insert(prompt.name.clone(), self.prompts.len());
        assert!(
            previous.is_none(),
            "prompt `{}` is registered twice",
            prompt.name
        );
        self.prompts.push(prompt);
        self
    }

    /// Items per page of every `*/list` method (at least 1).
    pub fn page_size(mut self, page_size: usize) -> McpServer {
        self.page_size = page_size.max(1);
        self
    }

    /// How long a tool waits for the client's answer to [`ToolCall::elicit`]
    /// or [`ToolCall::sample`].
    pub fn client_request_timeout(mut self, timeout: Duration) -> McpServer {
        self.client_request_timeout = timeout;
        self
    }

    /// The registered tools, in order.
    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter()
    }

    /// The tool named `name` (a hash lookup).
    pub fn find_tool(&self, name: &str) -> Option<&Tool> {
        self.tool_index.get(name).and_then(|i| self.tools.get(*i))
    }

    /// The server's memory between requests.
    pub fn state(&self) -> &session::State {
        &self.state
    }
}
