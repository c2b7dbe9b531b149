//! **[28–29](crate::_documentation::flow) Tool calls — the server an
//! application builds.** [`McpServer`] holds the server's identity
//! (`serverInfo`, `instructions`: MCP 2025-11-25 `basic/lifecycle#initialization`),
//! its tools, and its memory between requests (sessions, calls in flight:
//! [`crate::mcp::session`]). The builder methods check each tool when it is
//! registered, so that a definition some client would refuse stops the server
//! at start-up rather than losing a tool silently.
//!
//! # The hooks the extensions use
//! The core serves tools in the 2025 era. What lies beyond plugs in here,
//! without the core naming it ([`crate::ext`]):
//! * [`Capability`]: a feature that declares itself in `capabilities` and
//!   answers methods of its own (resources, prompts, completion:
//!   [`crate::ext::capabilities`]);
//! * [`EraHook`]: a later protocol era on the same endpoint (2026-07-28:
//!   [`crate::ext::era_2026`]), given every POST of that era;
//! * per-server values of an extension (its open streams, for instance),
//!   one per type, made on first use.
//!
//! [`crate::App`] installs both extensions by default; their builder methods
//! (`.resource(..)`, `.prompt(..)`, `.notifier()`…) are defined beside them.
//!
//! # Where this sits
//! Built by the application (`main`), handed to [`crate::App`], reached through
//! [`crate::shared::Shared::mcp`] by [`crate::mcp::transport::handle`].

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::exchange::Exchange;
use super::jsonrpc::{Incoming, RpcError, RpcRequest};
use super::registry::Registry;
use super::tool::Tool;
use super::{
    DEFAULT_CACHE_TTL, DEFAULT_CLIENT_REQUEST_TIMEOUT, DEFAULT_PAGE_SIZE,
    DEFAULT_UNKNOWN_CLIENT_WAIT, schema, session,
};
use crate::crypto::signing::SigningKey;
use crate::http::{Request, Response};
use crate::identity::Identity;

/// One MCP server: its identity, its tools (and, through the capabilities
/// installed on it, resources and prompts), and its memory between requests
/// (sessions, calls in flight).
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
    pub(crate) tools: Registry<Tool>,
    pub(crate) page_size: usize,
    pub(crate) client_request_timeout: Duration,
    pub(crate) unknown_client_wait: Duration,
    /// `ttlMs` of cacheable results: read by the 2026-07-28 era ([`crate::ext::era_2026`]).
    pub(crate) cache_ttl: Duration,
    /// Whether the application announces list changes: read by the 2026-07-28
    /// era, whose clients have a stream to hear them on.
    pub(crate) announces_list_changes: bool,
    /// The HMAC key of 2026-07-28 `requestState` ([`crate::ext::era_2026::round_trip`]).
    pub(crate) state_key: SigningKey,
    /// Whether the application chose `state_key` ([`McpServer::request_state_secret`]).
    state_key_chosen: bool,
    pub(crate) state: session::State,
    /// The application's state ([`McpServer::with_state`]), handed to
    /// [`Tool::handler_with_state`] handlers.
    pub(crate) user_state: Option<Arc<dyn Any + Send + Sync>>,
    /// The features beyond tools (resources, prompts): [`Capability`] hooks.
    pub(crate) capabilities: Vec<Box<dyn Capability>>,
    /// The later protocol era served on the same endpoint, if installed ([`EraHook`]).
    pub(crate) era: Option<Box<dyn EraHook>>,
    /// Per-server data of extensions, one value per type ([`McpServer::extension`]).
    extensions: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("name", &self.name)
            .field("tools", &self.tools.len())
            .field("capabilities", &self.capabilities.len())
            .field("era", &self.era.is_some())
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
            tools: Registry::default(),
            page_size: DEFAULT_PAGE_SIZE,
            client_request_timeout: DEFAULT_CLIENT_REQUEST_TIMEOUT,
            unknown_client_wait: DEFAULT_UNKNOWN_CLIENT_WAIT,
            cache_ttl: DEFAULT_CACHE_TTL,
            announces_list_changes: false,
            // Random per process, as for OAuth tokens: without randomness from
            // the OS this panics rather than sign with a guessable key.
            state_key: SigningKey::generate(),
            state_key_chosen: false,
            state: session::State::default(),
            user_state: None,
            capabilities: Vec::new(),
            era: None,
            extensions: Mutex::default(),
        }
    }

    /// The service's state — a store, a client, a cache — given once and
    /// handed to every [`Tool::handler_with_state`] handler by reference, so
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
        for tool in self.tools.iter() {
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
        if let Err(why) = schema::mirrored_params(tool.schema()) {
            panic!("tool `{}`: {why}", tool.name);
        }
        self.tools.add("tool", &tool.name.clone(), tool);
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
    /// 2026-07-28 nothing waits: the client retries with the answer, see [`crate::ext::era_2026::round_trip`]).
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

    /// The key that signs 2026-07-28 `requestState` (HMAC-SHA256). By default
    /// it is derived from `MCP_SIGNING_KEY` when that is set (so every instance
    /// accepts what another signed), else random per process, which is right
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

    /// The registered tools, in order.
    pub fn tools(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter()
    }

    /// The tool named `name` (a hash lookup).
    pub fn find_tool(&self, name: &str) -> Option<&Tool> {
        self.tools.get(name)
    }

    // ── What the extensions hook into ──

    /// The `capabilities` this server declares in `initialize` (MCP 2025-11-25
    /// `basic/lifecycle#capability-negotiation`): `tools` and `logging`, plus
    /// what each installed [`Capability`] adds — only what is implemented and
    /// registered. A later era may dress them (2026-07-28 adds `listChanged`).
    pub fn declared_capabilities(&self) -> Value {
        let mut capabilities = Map::new();
        capabilities.insert("tools".into(), json!({}));
        capabilities.insert("logging".into(), json!({}));
        for capability in &self.capabilities {
            capability.declare(&mut capabilities);
        }
        Value::Object(capabilities)
    }

    /// `{"name", "version"[, "title"]}`: the server's identity, in `serverInfo`.
    pub fn server_info(&self) -> Value {
        let mut info = Map::new();
        info.insert("name".into(), self.name.as_str().into());
        info.insert("version".into(), self.version.as_str().into());
        if let Some(t) = &self.title {
            info.insert("title".into(), t.as_str().into());
        }
        Value::Object(info)
    }

    /// The installed capability of type `C`, if any.
    pub(crate) fn capability<C: Capability>(&self) -> Option<&C> {
        self.capabilities
            .iter()
            .find_map(|c| (c.as_ref() as &dyn Any).downcast_ref::<C>())
    }

    /// The installed capability of type `C`, installed (empty) first if it
    /// was not: the builder methods of an extension register into it.
    pub(crate) fn capability_mut<C: Capability + Default>(&mut self) -> &mut C {
        if self.capability::<C>().is_none() {
            self.capabilities.push(Box::new(C::default()));
        }
        match self
            .capabilities
            .iter_mut()
            .find_map(|c| (c.as_mut() as &mut dyn Any).downcast_mut::<C>())
        {
            Some(c) => c,
            None => unreachable!("a capability of this type was installed just above"),
        }
    }

    /// Installs the later era served on the same endpoint (the assembly,
    /// [`crate::App`], installs 2026-07-28).
    pub(crate) fn install_era(&mut self, era: Box<dyn EraHook>) {
        self.era = Some(era);
    }

    /// An extension's per-server value of type `T`, made (with `T::default()`)
    /// on first use: e.g. the 2026-07-28 era's open subscription streams,
    /// reachable from a handle the application keeps.
    pub(crate) fn extension<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut slots = self
            .extensions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = slots
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        match Arc::clone(slot).downcast::<T>() {
            Ok(value) => value,
            Err(_) => unreachable!("the slot of a type holds a value of that type"),
        }
    }
}

/// A server feature beyond tools — resources, prompts ([`crate::ext::capabilities`]) —
/// hooked into the core: what it declares, and the methods it answers. The
/// core dispatcher ([`crate::mcp::dispatch`]) offers each method it does not
/// know itself to every installed capability, in order, and answers `-32601`
/// when none takes it.
pub trait Capability: Any + Send + Sync {
    /// Adds what it offers to the `capabilities` object (only what is registered).
    fn declare(&self, capabilities: &mut Map<String, Value>);

    /// Answers `req` if its method is one of this capability's; `None` otherwise.
    fn answer(
        &self,
        server: &McpServer,
        ex: &Exchange<'_>,
        req: &RpcRequest,
        params: &Map<String, Value>,
    ) -> Option<Result<Value, RpcError>>;
}

/// A later protocol era served on the same endpoint (2026-07-28:
/// [`crate::ext::era_2026`]): [`crate::mcp::transport`] hands it every POSTed message
/// that [`crate::mcp::version::decide`] finds to be of that era. Without one,
/// such a message is refused with `400`.
pub trait EraHook: Send + Sync {
    /// Answers one POSTed message of this era.
    fn post(
        &self,
        server: &Arc<McpServer>,
        http: &Request,
        message: Incoming,
        caller: Option<Identity>,
    ) -> Response;
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
