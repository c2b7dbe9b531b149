//! **[28–29](crate::_documentation::flow) Tool calls — resources the client can
//! read.** MCP 2025-11-25 `server/resources`: fixed [`Resource`]s (one URI
//! each, listed by `resources/list`) and [`ResourceTemplate`]s (RFC 6570 URI
//! templates such as `file:///logs/{day}`, listed by
//! `resources/templates/list`). `resources/read` finds the fixed resource with
//! that exact URI, else the first template that matches it, and runs its
//! reader.
//!
//! ```
//! use remote_mcp::McpServer;
//! use remote_mcp::ext::capabilities::{Resource, ResourceTemplate};
//! use remote_mcp::mcp::ResourceContents;
//!
//! let mcp = McpServer::new("notes")
//!     .resource(
//!         Resource::new("notes://today", "today")
//!             .mime_type("text/plain")
//!             .read(|req| Ok(ResourceContents::text(req.uri, "text/plain", "Buy milk"))),
//!     )
//!     .resource_template(
//!         ResourceTemplate::new("notes://day/{date}", "day")
//!             .read(|req| {
//!                 let date = req.var("date").unwrap_or("?");
//!                 Ok(ResourceContents::text(req.uri, "text/plain", format!("Notes of {date}")))
//!             })
//!             .complete("date", |typed, _| vec![format!("{typed}-01")]),
//!     );
//! ```
//!
//! Templates support the simple `{name}` expressions of RFC 6570 level 1: a
//! variable matches one or more characters up to the next literal part, never a
//! `/` (level-1 expansion would have percent-encoded it).
//!
//! # The methods
//! | method | answer |
//! |---|---|
//! | `resources/list`, `resources/templates/list` | one page; `nextCursor` if more (`server/utilities/pagination`) |
//! | `resources/read` | `contents`; unknown URI `-32002` (2025-11-25 `server/resources#error-handling`), `-32602` in 2026-07-28, which retired `-32002`; a reader's [`ResourceError::Failed`] is `-32603` |
//! | `resources/subscribe`, `resources/unsubscribe` | 2025 only: `{}` for a known URI, nothing recorded — no update can reach a 2025 client (there is no GET stream), so `resources.subscribe` is not declared to it |
//!
//! # Where this sits
//! Registered with [`crate::McpServer::resource`] and
//! [`crate::McpServer::resource_template`] (builder methods this module adds)
//! into the [`Resources`] capability, which [`crate::mcp::dispatch`] asks
//! through the core's [`Capability`] hook.

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Map, Value, json};

use super::completion::Completer;
use crate::identity::Identity;
use crate::mcp::McpServer;
use crate::mcp::content::ResourceContents;
use crate::mcp::dispatch;
use crate::mcp::exchange::Exchange;
use crate::mcp::jsonrpc::{
    INTERNAL_ERROR, INVALID_PARAMS, RESOURCE_NOT_FOUND, RpcError, RpcRequest,
};
use crate::mcp::registry::Registry;
use crate::mcp::server::Capability;

/// The function that reads a resource.
pub type ResourceReader =
    Box<dyn Fn(&ResourceRequest<'_>) -> Result<ResourceContents, ResourceError> + Send + Sync>;

/// One `resources/read` as a reader sees it.
pub struct ResourceRequest<'a> {
    /// The URI asked for.
    pub uri: &'a str,
    /// For a template: the value of each `{variable}` in the URI.
    pub variables: HashMap<String, String>,
    /// Who is asking (see [`crate::auth`]).
    pub caller: Option<&'a Identity>,
}

impl ResourceRequest<'_> {
    /// The value of template variable `name`.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str)
    }
}

/// Why a resource could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceError {
    /// No such resource. → `-32002`
    NotFound(String),
    /// The reader failed. → `-32603`
    Failed(String),
}

impl fmt::Display for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceError::NotFound(uri) => write!(f, "Resource not found: {uri}"),
            ResourceError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ResourceError {}

/// Fields shared by resources and templates: name, title, description, type.
struct Listing {
    name: String,
    title: Option<String>,
    description: Option<String>,
    mime_type: Option<String>,
}

impl Listing {
    fn new(name: &str) -> Listing {
        Listing {
            name: name.to_string(),
            title: None,
            description: None,
            mime_type: None,
        }
    }

    fn write(&self, out: &mut Map<String, Value>) {
        out.insert("name".into(), self.name.as_str().into());
        if let Some(t) = &self.title {
            out.insert("title".into(), t.as_str().into());
        }
        if let Some(d) = &self.description {
            out.insert("description".into(), d.as_str().into());
        }
        if let Some(m) = &self.mime_type {
            out.insert("mimeType".into(), m.as_str().into());
        }
    }
}

fn no_reader(uri: &str) -> Result<ResourceContents, ResourceError> {
    Err(ResourceError::Failed(format!(
        "Resource {uri} has no reader."
    )))
}

/// A resource with a fixed URI.
pub struct Resource {
    pub(crate) uri: String,
    listing: Listing,
    pub(crate) reader: ResourceReader,
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl Resource {
    /// A resource at `uri` named `name`.
    pub fn new(uri: &str, name: &str) -> Resource {
        Resource {
            uri: uri.to_string(),
            listing: Listing::new(name),
            reader: Box::new(|req| no_reader(req.uri)),
        }
    }

    /// A human-readable title.
    pub fn title(mut self, title: &str) -> Resource {
        self.listing.title = Some(title.to_string());
        self
    }

    /// What the resource is.
    pub fn description(mut self, description: &str) -> Resource {
        self.listing.description = Some(description.to_string());
        self
    }

    /// Its media type, e.g. `text/plain`.
    pub fn mime_type(mut self, mime_type: &str) -> Resource {
        self.listing.mime_type = Some(mime_type.to_string());
        self
    }

    /// The function that reads it.
    pub fn read(
        mut self,
        reader: impl Fn(&ResourceRequest<'_>) -> Result<ResourceContents, ResourceError>
        + Send
        + Sync
        + 'static,
    ) -> Resource {
        self.reader = Box::new(reader);
        self
    }

    /// As `resources/list` shows it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("uri".into(), self.uri.as_str().into());
        self.listing.write(&mut out);
        Value::Object(out)
    }
}

/// One part of a parsed URI template.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Variable(String),
}

/// A family of resources named by an RFC 6570 URI template.
pub struct ResourceTemplate {
    uri_template: String,
    parts: Vec<Part>,
    listing: Listing,
    pub(crate) reader: ResourceReader,
    pub(crate) completers: HashMap<String, Completer>,
}

impl fmt::Debug for ResourceTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceTemplate")
            .field("uri_template", &self.uri_template)
            .finish_non_exhaustive()
    }
}

impl ResourceTemplate {
    /// A template such as `test://template/{id}/data`, named `name`.
    pub fn new(uri_template: &str, name: &str) -> ResourceTemplate {
        ResourceTemplate {
            uri_template: uri_template.to_string(),
            parts: parse_template(uri_template),
            listing: Listing::new(name),
            reader: Box::new(|req| no_reader(req.uri)),
            completers: HashMap::new(),
        }
    }

    /// A human-readable title.
    pub fn title(mut self, title: &str) -> ResourceTemplate {
        self.listing.title = Some(title.to_string());
        self
    }

    /// What the resources are.
    pub fn description(mut self, description: &str) -> ResourceTemplate {
        self.listing.description = Some(description.to_string());
        self
    }

    /// The media type of every resource it names.
    pub fn mime_type(mut self, mime_type: &str) -> ResourceTemplate {
        self.listing.mime_type = Some(mime_type.to_string());
        self
    }

    /// The function that reads a matching URI.
    pub fn read(
        mut self,
        reader: impl Fn(&ResourceRequest<'_>) -> Result<ResourceContents, ResourceError>
        + Send
        + Sync
        + 'static,
    ) -> ResourceTemplate {
        self.reader = Box::new(reader);
        self
    }

    /// Suggestions for `variable` (`completion/complete` with `ref/resource`):
    /// `completer(typed_so_far, other_variables)` returns candidate values.
    pub fn complete(
        mut self,
        variable: &str,
        completer: impl Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync + 'static,
    ) -> ResourceTemplate {
        self.completers
            .insert(variable.to_string(), Box::new(completer));
        self
    }

    /// The template text.
    pub fn uri_template(&self) -> &str {
        &self.uri_template
    }

    /// As `resources/templates/list` shows it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("uriTemplate".into(), self.uri_template.as_str().into());
        self.listing.write(&mut out);
        Value::Object(out)
    }

    /// The variables, if `uri` is named by this template.
    pub fn matches(&self, uri: &str) -> Option<HashMap<String, String>> {
        let mut rest = uri;
        let mut vars = HashMap::new();
        let mut parts = self.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Literal(l) => rest = rest.strip_prefix(l.as_str())?,
                Part::Variable(name) => {
                    // The value runs to the next literal (or the end), without '/'.
                    let end = match parts.peek() {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let value = &rest[..end];
                    if value.is_empty() || value.contains('/') {
                        return None;
                    }
                    vars.insert(name.clone(), value.to_string());
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(vars)
    }
}

fn parse_template(template: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_string()));
        }
        parts.push(Part::Variable(rest[open + 1..open + close].to_string()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_string()));
    }
    parts
}

/// The resources capability: the registered resources and templates, and the
/// `resources/*` methods ([`Capability`]).
#[derive(Default)]
pub struct Resources {
    resources: Registry<Resource>,
    pub(crate) templates: Vec<ResourceTemplate>,
}

impl Resources {
    /// The reader for `uri`, and the template variables it was matched with.
    fn find(&self, uri: &str) -> Option<(&ResourceReader, HashMap<String, String>)> {
        if let Some(r) = self.resources.get(uri) {
            return Some((&r.reader, HashMap::new()));
        }
        self.templates
            .iter()
            .find_map(|t| t.matches(uri).map(|vars| (&t.reader, vars)))
    }

    fn read(&self, ex: &Exchange<'_>, params: &Map<String, Value>) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (reader, variables) = self.find(uri).ok_or_else(|| not_found(ex, uri))?;
        let request = ResourceRequest {
            uri,
            variables,
            caller: ex.caller,
        };
        match catch_unwind(AssertUnwindSafe(|| reader(&request))) {
            Ok(Ok(contents)) => Ok(json!({"contents": [contents.to_json()]})),
            Ok(Err(ResourceError::NotFound(_))) => Err(not_found(ex, uri)),
            Ok(Err(ResourceError::Failed(m))) => Err(RpcError::new(INTERNAL_ERROR, m)),
            Err(_) => Err(RpcError::new(
                INTERNAL_ERROR,
                "Internal error: the resource reader failed",
            )),
        }
    }

    /// `resources/subscribe` and `unsubscribe` (2025): checked, then a no-op.
    fn subscribe(&self, ex: &Exchange<'_>, params: &Map<String, Value>) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        if self.find(uri).is_none() {
            return Err(not_found(ex, uri));
        }
        Ok(json!({}))
    }
}

impl Capability for Resources {
    fn declare(&self, capabilities: &mut Map<String, Value>) {
        if !self.resources.is_empty() || !self.templates.is_empty() {
            capabilities.insert("resources".into(), json!({}));
        }
        if !self.templates.is_empty() {
            capabilities.insert("completions".into(), json!({}));
        }
    }

    fn answer(
        &self,
        server: &McpServer,
        ex: &Exchange<'_>,
        req: &RpcRequest,
        params: &Map<String, Value>,
    ) -> Option<Result<Value, RpcError>> {
        Some(match req.method.as_str() {
            "resources/list" => dispatch::list(
                server,
                params,
                "resources",
                self.resources.iter().map(Resource::to_json),
            ),
            "resources/templates/list" => dispatch::list(
                server,
                params,
                "resourceTemplates",
                self.templates.iter().map(ResourceTemplate::to_json),
            ),
            "resources/read" => self.read(ex, params),
            // 2025 only: 2026-07-28 removed them (its era answers -32601 first).
            "resources/subscribe" | "resources/unsubscribe" if ex.era.is_none() => {
                self.subscribe(ex, params)
            }
            _ => return None,
        })
    }
}

impl McpServer {
    /// Registers a resource with a fixed URI.
    ///
    /// # Panics
    /// If a resource with the same URI is already registered.
    pub fn resource(mut self, resource: Resource) -> McpServer {
        let uri = resource.uri.clone();
        self.capability_mut::<Resources>()
            .resources
            .add("resource", &uri, resource);
        self
    }

    /// Registers a resource template. `resources/read` tries templates in
    /// registration order, after the fixed resources.
    pub fn resource_template(mut self, template: ResourceTemplate) -> McpServer {
        self.capability_mut::<Resources>().templates.push(template);
        self
    }
}

fn uri_param(params: &Map<String, Value>) -> Result<&str, RpcError> {
    params
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("Invalid params: `uri` must be a string"))
}

/// An unknown resource: `-32002` for legacy clients, `-32602` in 2026-07-28
/// (`server/resources#error-handling`, which retired `-32002`).
fn not_found(ex: &Exchange<'_>, uri: &str) -> RpcError {
    let code = if ex.era.is_some() {
        INVALID_PARAMS
    } else {
        RESOURCE_NOT_FOUND
    };
    RpcError {
        data: Some(json!({"uri": uri})),
        ..RpcError::new(code, format!("Resource not found: {uri}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_and_capture() {
        let t = ResourceTemplate::new("test://template/{id}/data", "t");
        assert_eq!(t.matches("test://template/123/data").unwrap()["id"], "123");
        assert!(t.matches("test://template//data").is_none());
        assert!(t.matches("test://template/1/2/data").is_none());
        assert!(t.matches("test://template/123/datax").is_none());
        let two = ResourceTemplate::new("x://{a}-{b}", "t");
        let v = two.matches("x://left-right").unwrap();
        assert_eq!((v["a"].as_str(), v["b"].as_str()), ("left", "right"));
    }
}
