//! **[28–29](crate::_documentation::flow) Tool calls — the server an
//! application builds.** [`McpServer`] holds the server's identity
//! (`serverInfo`, `instructions`: MCP 2025-11-25 `basic/lifecycle#initialization`),
//! its tools, and its memory between requests (sessions, calls in flight:
//! [`crate::mcp::session`]). The builder methods check each tool when it is
//! registered, so that a definition some client would refuse stops the server
//! at start-up rather than losing a tool silently.
//!
//! # Where this sits
//! Built by the application (`main`), handed to [`crate::App`], reached through
//! [`crate::shared::Shared::mcp`] by [`crate::mcp::transport::handle`].

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::prompts::Prompt;
use super::resources::{Resource, ResourceTemplate};
use super::subscriptions::{self, Notifier};
use super::tool::Tool;
use super::{
    DEFAULT_CACHE_TTL, DEFAULT_CLIENT_REQUEST_TIMEOUT, DEFAULT_PAGE_SIZE,
    DEFAULT_UNKNOWN_CLIENT_WAIT, headers, schema, session,
};
use crate::crypto::signing::SigningKey;

/// One MCP server: its identity, its tools, resources and prompts, and its
/// memory between requests (sessions, calls in flight).
///
/// ```
/// use remote_mcp::{McpServer, Param, Tool};
///
/// let mcp = McpServer::new("my-service")
///     .instructions("Looks things up.")
///     .tool(
///         Tool::new("my_tool", "Look something up.")
///             .arg(Param::string("query", "What to look up"))
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
    pub(crate) unknown_client_wait: Duration,
    pub(crate) cache_ttl: Duration,
    pub(crate) announces_list_changes: bool,
    /// The HMAC key of 2026-07-28 `requestState` ([`crate::mcp::round_trip`]).
    pub(crate) state_key: SigningKey,
    /// Whether the application chose `state_key` ([`McpServer::request_state_secret`]).
    state_key_chosen: bool,
    pub(crate) state: session::State,
    pub(crate) hub: Arc<subscriptions::Hub>,
    /// The application's state ([`McpServer::with_state`]), handed to
    /// [`crate::mcp::Tool::handler_with_state`] handlers.
    pub(crate) user_state: Option<Arc<dyn Any + Send + Sync>>,
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
            unknown_client_wait: DEFAULT_UNKNOWN_CLIENT_WAIT,
            cache_ttl: DEFAULT_CACHE_TTL,
            announces_list_changes: false,
            // Random per process, as for OAuth tokens: without randomness from
            // the OS this panics rather than seal with a guessable key.
            state_key: SigningKey::generate(),
            state_key_chosen: false,
            state: session::State::default(),
            hub: Arc::default(),
            user_state: None,
        }
    }

    /// The service's state — a store, a client, a cache — given once and
    /// handed to every [`crate::mcp::Tool::handler_with_state`] handler by reference, so
    /// no handler needs its own `Arc` clone. Put a `Mutex` or `RwLock` inside
    /// for what changes: handlers run on several threads at once.
    ///
    /// # Panics
    /// If a tool registered before or after needs a state of another type
    /// (found at start-up, with the tool's name).
    ///
    /// ```
    /// use remote_mcp::{McpServer, Tool, ToolCall, ToolError, ToolResult};
    ///
    /// struct Greeter { greeting: String }
    ///
    /// fn greet(greeter: &Greeter, _call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
    ///     Ok(greeter.greeting.clone().into())
    /// }
    ///
    /// let mcp = McpServer::new("greeter")
    ///     .with_state(Greeter { greeting: "Hello!".into() })
    ///     .tool(Tool::new("greet", "Greets.").handler_with_state(greet));
    /// # let _ = mcp;
    /// ```
    pub fn with_state<S: Any + Send + Sync>(mut self, state: S) -> McpServer {
        for tool in &self.tools {
            check_state_type(tool, TypeId::of::<S>());
        }
        self.user_state = Some(Arc::new(state));
        self
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

    /// `instructions` in the `initialize` and `server/discover` results: what the server is for. claude.ai
    /// shows it on the connector card and gives it to the model.
    pub fn instructions(mut self, instructions: &str) -> McpServer {
        self.instructions = Some(instructions.to_string());
        self
    }

    /// Registers a tool. Listing order is registration order, the same on
    /// every `tools/list` (2026-07-28 asks for a deterministic order, so that
    /// clients can cache the list and models' prompt caches keep working).
    ///
    /// # Panics
    /// On a mistake in the tool's definition, found at start-up rather than
    /// as a malformed `tools/list`; the message names the tool and the rule:
    /// a name outside the MCP tool-name rules (1–128 of `A-Z a-z 0-9 _ - .`),
    /// a name already registered, a parameter declared twice or with an
    /// unknown type, a schema that breaks one of the rules of
    /// [`schema::check`] (object input schema, no top-level `anyOf`, no
    /// `null` types, no `$ref`, 2020-12, ≤ 16 KiB…) or the `x-mcp-header`
    /// rules, or a state type other than the server's ([`McpServer::with_state`]).
    ///
    /// ```should_panic
    /// use remote_mcp::{McpServer, Param, Tool};
    /// // panics: "tool `add note`: the name must be 1–128 characters of A-Z a-z 0-9 _ - ."
    /// let _ = McpServer::new("s").tool(Tool::new("add note", "Adds.").arg(Param::string("title", "")));
    /// ```
    pub fn tool(mut self, tool: Tool) -> McpServer {
        let name = &tool.name;
        if !schema::valid_tool_name(name) {
            panic!(
                "tool `{name}`: the name must be 1–128 characters of A-Z a-z 0-9 _ - . (MCP server/tools#tool-names)"
            );
        }
        if let Some(problem) = tool.problems.first() {
            panic!("tool `{name}`: {problem}");
        }
        if tool.verbatim {
            if tool.schema().get("type") != Some(&serde_json::json!("object")) {
                panic!(
                    "tool `{name}`: the input schema must have \"type\": \"object\" (MCP server/tools#tool)"
                );
            }
        } else if let Err(why) = schema::check(tool.schema(), schema::Which::Input) {
            panic!("tool `{name}`: {why}");
        }
        if let Some(output) = tool.declared_output()
            && let Err(why) = schema::check(output, schema::Which::Output)
        {
            panic!("tool `{name}`: {why}");
        }
        if let Some(state) = &self.user_state {
            check_state_type(&tool, state.as_ref().type_id());
        }
        if let Err(why) = headers::mirrored_params(tool.schema()) {
            panic!("tool `{}`: {why}", tool.name);
        }
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

    /// How long a tool waits for the client's answer to [`crate::mcp::ToolCall::elicit`]
    /// or [`crate::mcp::ToolCall::sample`] in the legacy era, when the client's session
    /// declared the capability (default [`DEFAULT_CLIENT_REQUEST_TIMEOUT`]; in
    /// 2026-07-28 nothing waits: the client retries with the answer, see [`crate::mcp::round_trip`]).
    pub fn client_request_timeout(mut self, timeout: Duration) -> McpServer {
        self.client_request_timeout = timeout;
        self
    }

    /// How long a tool waits for an answer from a legacy client without a
    /// session, whose capabilities are unknown (default
    /// [`DEFAULT_UNKNOWN_CLIENT_WAIT`], 5 s). After it the question fails
    /// with a message saying why, which a handler can turn into its answer.
    ///
    /// ```
    /// use std::time::Duration;
    /// use remote_mcp::McpServer;
    /// let mcp = McpServer::new("notes").unknown_client_wait(Duration::from_secs(2));
    /// # let _ = mcp;
    /// ```
    pub fn unknown_client_wait(mut self, wait: Duration) -> McpServer {
        self.unknown_client_wait = wait;
        self
    }

    /// `ttlMs` of cacheable 2026-07-28 results (default [`DEFAULT_CACHE_TTL`]).
    pub fn cache_ttl(mut self, ttl: Duration) -> McpServer {
        self.cache_ttl = ttl;
        self
    }

    /// Declares `listChanged` for tools, prompts and resources to 2026-07-28
    /// clients, and honours their `subscriptions/listen` requests for those
    /// lists. Call it only if you announce changes through [`McpServer::notifier`].
    pub fn announce_list_changes(mut self) -> McpServer {
        self.announces_list_changes = true;
        self
    }

    /// The key that seals 2026-07-28 `requestState` (HMAC-SHA256). By default
    /// it is derived from `MCP_SIGNING_KEY` when that is set (so every instance
    /// accepts what another sealed), else random per process, which is right
    /// for one instance: a retry that reaches an instance with another key is
    /// refused. Give at least 32 random bytes.
    ///
    /// # Panics
    /// If `secret` is shorter than 32 bytes: a short key would let anyone forge
    /// a `requestState`, so the server refuses to start with one.
    pub fn request_state_secret(mut self, secret: &[u8]) -> McpServer {
        if secret.len() < 32 {
            panic!("request_state_secret: give at least 32 random bytes");
        }
        self.state_key = SigningKey::from_bytes(secret);
        self.state_key_chosen = true;
        self
    }

    /// Uses `key` for `requestState` unless the application chose one
    /// ([`crate::App`] derives it from `MCP_SIGNING_KEY`).
    pub(crate) fn default_state_key(&mut self, key: SigningKey) {
        if !self.state_key_chosen {
            self.state_key = key;
        }
    }

    /// A handle that announces changes to listening 2026-07-28 clients; keep it
    /// (it is cheap to clone) before handing the server to [`crate::App`].
    pub fn notifier(&self) -> Notifier {
        Notifier {
            hub: self.hub.clone(),
        }
    }

    /// The registered tools, in order.
    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter()
    }

    /// The tool named `name` (a hash lookup).
    pub fn find_tool(&self, name: &str) -> Option<&Tool> {
        self.tool_index.get(name).and_then(|i| self.tools.get(*i))
    }
}

/// Panics if `tool` needs a state whose type is not `state`.
fn check_state_type(tool: &Tool, state: TypeId) {
    if let Some((needed, needed_name)) = tool.state_type {
        assert!(
            needed == state,
            "tool `{}`: its handler needs the state type `{needed_name}`, but McpServer::with_state was given another type",
            tool.name
        );
    }
}
