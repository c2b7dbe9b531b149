//! **[28–29](crate::_documentation::flow) Tool calls — the 2026-07-28
//! envelope.** In the modern era there is no `initialize` and no session: each
//! request says who it is in `params._meta` and is served on its own (MCP
//! 2026-07-28 `basic/index#statelessness`). This module reads that envelope,
//! refuses what the revision says to refuse, and dresses every modern result
//! the way the revision wants it.
//!
//! ```text
//! POST /mcp {"method":"tools/list","params":{"_meta":{
//!     "io.modelcontextprotocol/protocolVersion":"2026-07-28",        required
//!     "io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}, required
//!     "io.modelcontextprotocol/clientInfo":{"name":…,"version":…},   optional
//!     "io.modelcontextprotocol/logLevel":"info"}}}                   optional
//! → {"result":{"tools":[…],"resultType":"complete","ttlMs":60000,"cacheScope":"public",
//!              "_meta":{"io.modelcontextprotocol/serverInfo":{"name":…,"version":…}}}}
//! ```
//!
//! # The checks, in order (first failure wins)
//! | check | failure | HTTP | code |
//! |---|---|---|---|
//! | [`envelope`]: `_meta` has the version and the capabilities | missing or malformed | 400 | `-32602` (`basic/index#meta`: "MUST reject … -32602"; "400 Bad Request") |
//! | the mirrored headers ([`super::header_mirror`]) | `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*` absent or different from the body | 400 | `-32020` HeaderMismatch |
//! | [`check_version`]: we speak the version | e.g. `1900-01-01` | 400 | `-32022` UnsupportedProtocolVersion, `data: {supported, requested}` |
//! | dispatch ([`super::post::request`]) | unknown or removed method (`initialize`, `ping`, `logging/setLevel`, `resources/subscribe`…) | 404 | `-32601` |
//! |  | bad params, unknown tool, unknown resource (`-32602`, no longer `-32002`) | 400 | `-32602` |
//! |  | a tool needs a capability the client did not declare | 400 | `-32021`, `data: {requiredCapabilities}` |
//!
//! The header check comes before the version check, as in the official Python
//! SDK: a client whose header and body disagree is told so, rather than told
//! that the body's version is unsupported.
//!
//! # Results
//! Every modern result carries `resultType` (`"complete"`, or
//! `"input_required"` from [`super::round_trip`]) and names the server in
//! `_meta["io.modelcontextprotocol/serverInfo"]`. The cacheable ones —
//! `server/discover`, `tools/list`, `prompts/list`, `resources/list`,
//! `resources/templates/list`, `resources/read` — carry `ttlMs` and
//! `cacheScope` (`server/utilities/caching`): lists are the same for every
//! caller (`public`), a resource may depend on who reads it (`private`).
//! Legacy results are left exactly as they were.
//!
//! # Where this sits
//! Called by [`super::post`] for every 2026-07-28 message (the envelope and
//! version checks, `server/discover`, decorating results), which [`crate::mcp::transport`]
//! hands over once [`crate::mcp::version::decide`] has found the era.

use serde_json::{Map, Value, json};

use crate::mcp::McpServer;
use crate::mcp::jsonrpc::{
    INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError, RpcRequest,
};
use crate::mcp::logging::LogLevel;
use crate::mcp::version;

/// `-32020`: the HTTP headers do not match the body, or a required one is missing.
pub const HEADER_MISMATCH: i64 = -32020;
/// `-32021`: serving the request needs a capability the client did not declare.
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
/// `-32022`: the request's protocol version is not one we speak.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// `_meta` key: the request's protocol version (required).
pub const PROTOCOL_VERSION_KEY: &str = version::MODERN_VERSION_META_KEY;
/// `_meta` key: the client's capabilities for this request (required).
pub const CLIENT_CAPABILITIES_KEY: &str = version::MODERN_CAPABILITIES_META_KEY;
/// `_meta` key: the client's name and version (optional, for logs only).
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key: the minimum level of log messages wanted for this request.
pub const LOG_LEVEL_KEY: &str = "io.modelcontextprotocol/logLevel";
/// Result `_meta` key: the server's name and version.
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// What a modern request declared about itself in `_meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The protocol version, as sent (checked by [`check_version`]).
    pub version: String,
    /// `clientCapabilities`: what the client can do *for this request*.
    pub client_capabilities: Value,
    /// `clientInfo`, if sent: for display and logs, never for decisions.
    pub client_info: Option<Value>,
    /// The requested log level; `None`: no `notifications/message` at all.
    pub log_level: Option<LogLevel>,
}

impl Envelope {
    /// Whether the client declared `capability` (e.g. `"sampling"`) on this request.
    pub fn declares(&self, capability: &str) -> bool {
        self.client_capabilities
            .get(capability)
            .is_some_and(Value::is_object)
    }

    /// Whether the client takes form-mode elicitations: `elicitation: {}` means
    /// form only (2026-07-28 `client/elicitation#capabilities`), and
    /// `{"url": {}}` without `form` means URL mode only.
    pub fn takes_elicitation_forms(&self) -> bool {
        match self
            .client_capabilities
            .get("elicitation")
            .and_then(Value::as_object)
        {
            Some(modes) => modes.is_empty() || modes.contains_key("form"),
            None => false,
        }
    }
}

/// A modern request refused before or during dispatch: the HTTP status goes
/// with the JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `400` or `404`.
    pub status: u16,
    /// The JSON-RPC error.
    pub error: RpcError,
}

impl Refusal {
    /// `400` with `-32020` and this explanation.
    pub fn header_mismatch(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 400,
            error: RpcError::new(
                HEADER_MISMATCH,
                format!("Header mismatch: {}", message.into()),
            ),
        }
    }
}

/// The envelope of `req`, or `-32602` naming what is missing.
pub fn envelope(req: &RpcRequest) -> Result<Envelope, Refusal> {
    let invalid = |message: String| Refusal {
        status: 400,
        error: RpcError::invalid_params(format!("Invalid params: {message}")),
    };
    let Some(meta) = req.params.get("_meta").and_then(Value::as_object) else {
        return Err(invalid(format!(
            "`params._meta` must be an object carrying `{PROTOCOL_VERSION_KEY}` and `{CLIENT_CAPABILITIES_KEY}` (MCP 2026-07-28)"
        )));
    };
    let missing: Vec<&str> = [PROTOCOL_VERSION_KEY, CLIENT_CAPABILITIES_KEY]
        .into_iter()
        .filter(|k| !meta.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(invalid(format!(
            "`params._meta` is missing {}",
            missing.join(" and ")
        )));
    }
    let Some(version) = meta.get(PROTOCOL_VERSION_KEY).and_then(Value::as_str) else {
        return Err(invalid(format!(
            "`{PROTOCOL_VERSION_KEY}` must be a string"
        )));
    };
    let client_capabilities = match meta.get(CLIENT_CAPABILITIES_KEY) {
        Some(c @ Value::Object(_)) => c.clone(),
        _ => {
            return Err(invalid(format!(
                "`{CLIENT_CAPABILITIES_KEY}` must be an object"
            )));
        }
    };
    let log_level = match meta.get(LOG_LEVEL_KEY) {
        None | Some(Value::Null) => None,
        Some(level) => Some(level.as_str().and_then(LogLevel::parse).ok_or_else(|| {
            invalid(format!(
                "unknown `{LOG_LEVEL_KEY}` {level}; expected one of debug, info, notice, warning, error, critical, alert, emergency"
            ))
        })?),
    };
    Ok(Envelope {
        version: version.to_string(),
        client_capabilities,
        client_info: meta.get(CLIENT_INFO_KEY).cloned(),
        log_level,
    })
}

/// The `'static` version we serve `envelope` with, or `-32022` listing
/// every version we speak (2026-07-28 `basic/versioning#protocol-version-negotiation`).
pub fn check_version(envelope: &Envelope) -> Result<&'static str, Refusal> {
    version::modern(&envelope.version).ok_or_else(|| Refusal {
        status: 400,
        error: RpcError {
            data: Some(
                json!({"supported": version::all_supported(), "requested": envelope.version}),
            ),
            ..RpcError::new(
                UNSUPPORTED_PROTOCOL_VERSION,
                format!(
                    "Unsupported protocol version {:?}; this server speaks {}",
                    envelope.version,
                    version::all_supported().join(", ")
                ),
            )
        },
    })
}

/// `-32021` for a request that needs `capability` (2026-07-28 `basic/index#meta`).
pub fn missing_capability(capability: &str) -> RpcError {
    RpcError {
        data: Some(json!({"requiredCapabilities": {capability: {}}})),
        ..RpcError::new(
            MISSING_CLIENT_CAPABILITY,
            format!(
                "Missing required client capability: this request needs `{capability}`, which the request's clientCapabilities do not declare"
            ),
        )
    }
}

/// The HTTP status of a modern answer (`streamable-http#protocol-version-header`
/// and `#server-validation`): errors the client must fix are `400`, an unknown
/// method `404`, everything else — results, and our own failures — `200`.
pub fn http_status(reply: &Value) -> u16 {
    match reply.pointer("/error/code").and_then(Value::as_i64) {
        Some(METHOD_NOT_FOUND) => 404,
        Some(
            INVALID_PARAMS
            | INVALID_REQUEST
            | PARSE_ERROR
            | HEADER_MISMATCH
            | MISSING_CLIENT_CAPABILITY
            | UNSUPPORTED_PROTOCOL_VERSION,
        ) => 400,
        _ => 200,
    }
}

/// Who may keep a cached result (`server/utilities/caching#cache-scope-field`).
fn cache_scope(method: &str) -> Option<&'static str> {
    match method {
        "server/discover"
        | "tools/list"
        | "prompts/list"
        | "resources/list"
        | "resources/templates/list" => Some("public"),
        "resources/read" => Some("private"),
        _ => None,
    }
}

/// Dresses a modern result: `resultType` (kept if the result already has one),
/// the cache hints of a complete cacheable result, and `serverInfo` in `_meta`.
pub fn decorate(server: &McpServer, method: &str, mut result: Value) -> Value {
    let Value::Object(r) = &mut result else {
        return result;
    };
    let kind = r
        .entry("resultType")
        .or_insert_with(|| "complete".into())
        .clone();
    if kind == "complete"
        && let Some(scope) = cache_scope(method)
    {
        let ttl = u64::try_from(server.cache_ttl.as_millis()).unwrap_or(u64::MAX);
        r.insert("ttlMs".into(), ttl.into());
        r.insert("cacheScope".into(), scope.into());
    }
    let meta = r.entry("_meta").or_insert_with(|| json!({}));
    if let Value::Object(meta) = meta {
        meta.insert(SERVER_INFO_KEY.into(), server.server_info());
    }
    result
}

/// The server's capabilities as a 2026-07-28 client sees them: what the core
/// declares ([`McpServer::declared_capabilities`]), plus what only this era can
/// deliver: `listChanged` for tools, prompts and resources, if the application
/// announces changes ([`McpServer::announce_list_changes`]), and
/// `resources.subscribe`. Both reach a client only on its
/// `subscriptions/listen` stream ([`super::subscriptions`]); a 2025 client
/// would need the GET stream this server does not offer (`GET /mcp` is `405`),
/// so neither is declared to it, and its `resources/subscribe` is a no-op.
pub fn capabilities(server: &McpServer) -> Value {
    let mut capabilities = server.declared_capabilities();
    for list in ["tools", "prompts", "resources"] {
        if server.announces_list_changes
            && let Some(Value::Object(declared)) = capabilities.get_mut(list)
        {
            declared.insert("listChanged".into(), true.into());
        }
    }
    if let Some(Value::Object(resources)) = capabilities.get_mut("resources") {
        resources.insert("subscribe".into(), true.into());
    }
    capabilities
}

/// The `server/discover` result (2026-07-28 `server/discover`): the versions we
/// speak, what we offer, and how to use it. Decorated like every result.
pub fn discover(server: &McpServer) -> Value {
    let mut result = Map::new();
    result.insert("supportedVersions".into(), json!(version::all_supported()));
    result.insert("capabilities".into(), capabilities(server));
    if let Some(i) = &server.instructions {
        result.insert("instructions".into(), i.as_str().into());
    }
    Value::Object(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(params: Value) -> RpcRequest {
        RpcRequest {
            id: json!(1),
            method: "tools/list".into(),
            params,
        }
    }

    #[test]
    fn the_envelope_needs_version_and_capabilities() {
        let e = envelope(&req(json!({"_meta": {
            PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: {"elicitation": {}},
            LOG_LEVEL_KEY: "warning"}})))
        .unwrap();
        assert_eq!(e.version, "2026-07-28");
        assert!(e.declares("elicitation") && !e.declares("sampling"));
        assert!(e.takes_elicitation_forms());
        assert_eq!(e.log_level, Some(LogLevel::Warning));
        assert_eq!(e.client_info, None);
        for bad in [
            json!({}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28"}}),
            json!({"_meta": {CLIENT_CAPABILITIES_KEY: {}}}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: 2026, CLIENT_CAPABILITIES_KEY: {}}}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: []}}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: {}, LOG_LEVEL_KEY: "loud"}}),
        ] {
            let r = envelope(&req(bad.clone())).unwrap_err();
            assert_eq!((r.status, r.error.code), (400, INVALID_PARAMS), "{bad}");
        }
    }

    #[test]
    fn unsupported_versions_list_what_we_speak() {
        let mut e = envelope(&req(json!({"_meta": {
            PROTOCOL_VERSION_KEY: "1900-01-01", CLIENT_CAPABILITIES_KEY: {}}})))
        .unwrap();
        let r = check_version(&e).unwrap_err();
        assert_eq!(r.status, 400);
        assert_eq!(r.error.code, UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(
            r.error.data,
            Some(
                json!({"supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"], "requested": "1900-01-01"})
            )
        );
        // A legacy version in the modern envelope is not served statelessly.
        e.version = "2025-11-25".into();
        assert!(check_version(&e).is_err());
        e.version = "2026-07-28".into();
        assert_eq!(check_version(&e), Ok("2026-07-28"));
    }

    #[test]
    fn elicitation_modes() {
        let with = |caps: Value| Envelope {
            version: "2026-07-28".into(),
            client_capabilities: caps,
            client_info: None,
            log_level: None,
        };
        assert!(with(json!({"elicitation": {"form": {}, "url": {}}})).takes_elicitation_forms());
        assert!(!with(json!({"elicitation": {"url": {}}})).takes_elicitation_forms());
        assert!(!with(json!({})).takes_elicitation_forms());
    }

    #[test]
    fn statuses_follow_the_error_code() {
        let err = |code: i64| json!({"error": {"code": code}});
        assert_eq!(http_status(&err(-32601)), 404);
        for code in [-32602, -32020, -32021, -32022, -32600, -32700] {
            assert_eq!(http_status(&err(code)), 400);
        }
        assert_eq!(http_status(&err(-32603)), 200);
        assert_eq!(http_status(&json!({"result": {}})), 200);
    }

    #[test]
    fn decoration() {
        let server = McpServer::new("s").version("1.2.3");
        let listed = decorate(&server, "tools/list", json!({"tools": []}));
        assert_eq!(
            listed,
            json!({"tools": [], "resultType": "complete", "ttlMs": 60000, "cacheScope": "public",
                   "_meta": {SERVER_INFO_KEY: {"name": "s", "version": "1.2.3"}}})
        );
        let read = decorate(&server, "resources/read", json!({"contents": []}));
        assert_eq!(read["cacheScope"], "private");
        let asked = decorate(
            &server,
            "tools/call",
            json!({"resultType": "input_required"}),
        );
        assert_eq!(asked["resultType"], "input_required");
        assert!(asked.get("ttlMs").is_none());
        let called = decorate(&server, "tools/call", json!({"content": []}));
        assert!(called.get("cacheScope").is_none());
        assert_eq!(called["resultType"], "complete");
    }
}
