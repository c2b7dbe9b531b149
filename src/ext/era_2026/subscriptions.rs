//! **[28–29](crate::_documentation::flow) Tool calls — change notifications
//! (2026-07-28 `subscriptions/listen`).** A modern client that wants to hear
//! when the tool, prompt or resource lists change, or when a resource's content
//! changes, POSTs one long-lived request (MCP 2026-07-28
//! `basic/patterns/subscriptions`); the answer is an SSE stream that stays
//! open. It replaces the GET stream and `resources/subscribe` of the legacy
//! era.
//!
//! ```text
//! C→S POST {"id":7,"method":"subscriptions/listen","params":{"_meta":{…},
//!            "notifications":{"toolsListChanged":true,"resourceSubscriptions":["file:///a"]}}}
//! S→C SSE  notifications/subscriptions/acknowledged {"notifications":{…what we honour…},
//!                                                  "_meta":{"io.modelcontextprotocol/subscriptionId":7}}
//! S→C SSE  notifications/tools/list_changed {"_meta":{"io.modelcontextprotocol/subscriptionId":7}}
//! S→C SSE  : keep-alive                      (an SSE comment every KEEP_ALIVE)
//!    …until the client closes the stream, or after MAX_LISTEN:
//! S→C SSE  {"id":7,"result":{"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":7}}}
//! ```
//!
//! The acknowledgment is the first message and names the subset we honour: a
//! list-changed kind only if the server announces list changes
//! ([`crate::McpServer::announce_list_changes`]) and has such a list, resource
//! updates only if it has resources. Nothing the client did not ask for is
//! sent, and request-scoped messages (progress, logs) never go here.
//!
//! The application sends changes through a [`Notifier`]
//! ([`crate::McpServer::notifier`]), from a handler or any other thread.
//! Each open stream holds a thread (its event loop gets another); [`MAX_LISTENERS`] bounds them,
//! and the keep-alive notices a client that went away (its write fails).
//!
//! # Where this sits
//! [`listen`] is called by [`super::post`] for `subscriptions/listen`; the
//! [`Hub`] is this extension's per-server value on [`crate::McpServer`],
//! reached by the [`Notifier`] the application keeps.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::envelope;
use crate::mcp::McpServer;
use crate::mcp::exchange::Exchange;
use crate::mcp::jsonrpc::{self, INTERNAL_ERROR, RpcError, RpcRequest};

/// `_meta` key on every message of a listen stream: the listen request's id.
pub const SUBSCRIPTION_ID_KEY: &str = "io.modelcontextprotocol/subscriptionId";
/// Open listen streams at most (each holds a thread).
pub const MAX_LISTENERS: usize = 64;
/// Resource URIs one stream may watch at most.
pub const MAX_WATCHED: usize = 256;
/// An SSE comment this often keeps proxies from closing a quiet stream and
/// tells us when the client has gone.
pub const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// A stream is closed gracefully after this long; the client opens a new one.
pub const MAX_LISTEN: Duration = Duration::from_secs(60 * 60);

/// What one stream asked for (`SubscriptionFilter`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// `toolsListChanged`.
    pub tools: bool,
    /// `promptsListChanged`.
    pub prompts: bool,
    /// `resourcesListChanged`.
    pub resources: bool,
    /// `resourceSubscriptions`: URIs whose updates are wanted.
    pub watched: Vec<String>,
}

impl Filter {
    /// The filter as it goes on the wire (only what is set).
    pub fn to_json(&self) -> Value {
        let mut f = Map::new();
        if self.tools {
            f.insert("toolsListChanged".into(), true.into());
        }
        if self.prompts {
            f.insert("promptsListChanged".into(), true.into());
        }
        if self.resources {
            f.insert("resourcesListChanged".into(), true.into());
        }
        if !self.watched.is_empty() {
            f.insert("resourceSubscriptions".into(), json!(self.watched));
        }
        Value::Object(f)
    }
}

/// One change to announce.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `notifications/tools/list_changed`.
    Tools,
    /// `notifications/prompts/list_changed`.
    Prompts,
    /// `notifications/resources/list_changed`.
    Resources,
    /// `notifications/resources/updated` for this URI.
    Updated(String),
}

impl Change {
    fn wanted_by(&self, filter: &Filter) -> bool {
        match self {
            Change::Tools => filter.tools,
            Change::Prompts => filter.prompts,
            Change::Resources => filter.resources,
            Change::Updated(uri) => filter.watched.iter().any(|w| w == uri),
        }
    }

    /// The notification, without the subscription id.
    fn to_message(&self) -> (&'static str, Map<String, Value>) {
        match self {
            Change::Tools => ("notifications/tools/list_changed", Map::new()),
            Change::Prompts => ("notifications/prompts/list_changed", Map::new()),
            Change::Resources => ("notifications/resources/list_changed", Map::new()),
            Change::Updated(uri) => {
                let mut p = Map::new();
                p.insert("uri".into(), uri.as_str().into());
                ("notifications/resources/updated", p)
            }
        }
    }
}

struct Listener {
    id: u64,
    filter: Filter,
    changes: Sender<Change>,
}

/// The open listen streams.
#[derive(Default)]
pub struct Hub {
    listeners: Mutex<Vec<Listener>>,
    next: std::sync::atomic::AtomicU64,
}

fn lock(m: &Mutex<Vec<Listener>>) -> MutexGuard<'_, Vec<Listener>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Hub {
    /// Registers a stream; `None` when [`MAX_LISTENERS`] are open.
    fn register(&self, filter: Filter) -> Option<(u64, Receiver<Change>)> {
        let mut listeners = lock(&self.listeners);
        if listeners.len() >= MAX_LISTENERS {
            return None;
        }
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = channel();
        listeners.push(Listener {
            id,
            filter,
            changes: tx,
        });
        Some((id, rx))
    }

    fn unregister(&self, id: u64) {
        lock(&self.listeners).retain(|l| l.id != id);
    }

    /// Sends `change` to every stream that asked for it.
    fn publish(&self, change: &Change) {
        for l in lock(&self.listeners).iter() {
            if change.wanted_by(&l.filter) {
                let _ = l.changes.send(change.clone());
            }
        }
    }

    /// How many streams are open.
    pub fn open_streams(&self) -> usize {
        lock(&self.listeners).len()
    }
}

/// Announces changes to the modern clients listening (`subscriptions/listen`).
/// Cheap to clone; usable from any thread. Legacy-era clients are not told:
/// this server offers them no stream to tell them on (`GET /mcp` is `405`).
///
/// ```
/// use remote_mcp::McpServer;
/// let mcp = McpServer::new("files").announce_list_changes();
/// let notifier = mcp.notifier();
/// std::thread::spawn(move || {
///     // …a file changed on disk…
///     notifier.resource_updated("file:///notes.txt");
/// });
/// ```
#[derive(Clone)]
pub struct Notifier {
    pub(crate) hub: Arc<Hub>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("open_streams", &self.hub.open_streams())
            .finish()
    }
}

impl Notifier {
    /// The set of tools changed (declare it with [`crate::McpServer::announce_list_changes`]).
    pub fn tools_changed(&self) {
        self.hub.publish(&Change::Tools);
    }

    /// The set of prompts changed.
    pub fn prompts_changed(&self) {
        self.hub.publish(&Change::Prompts);
    }

    /// The set of resources changed.
    pub fn resources_changed(&self) {
        self.hub.publish(&Change::Resources);
    }

    /// The content of the resource `uri` changed.
    pub fn resource_updated(&self, uri: &str) {
        self.hub.publish(&Change::Updated(uri.to_string()));
    }
}

/// Reads the `notifications` filter: `-32602` if it is not an object of the right shape.
fn requested(params: &Map<String, Value>) -> Result<Filter, RpcError> {
    let bad = |m: &str| RpcError::invalid_params(format!("Invalid params: {m}"));
    let Some(n) = params.get("notifications").and_then(Value::as_object) else {
        return Err(bad("`notifications` must be an object"));
    };
    let flag = |k: &str| match n.get(k) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(bad(&format!("`notifications.{k}` must be a boolean"))),
    };
    let watched = match n.get("resourceSubscriptions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(uris)) if uris.len() <= MAX_WATCHED => {
            let mut list = Vec::new();
            for u in uris {
                let u = u
                    .as_str()
                    .ok_or_else(|| bad("`resourceSubscriptions` must list URI strings"))?;
                list.push(u.to_string());
            }
            list
        }
        Some(_) => {
            return Err(bad(&format!(
                "`resourceSubscriptions` must be an array of at most {MAX_WATCHED} URIs"
            )));
        }
    };
    Ok(Filter {
        tools: flag("toolsListChanged")?,
        prompts: flag("promptsListChanged")?,
        resources: flag("resourcesListChanged")?,
        watched,
    })
}

/// The part of `asked` this server honours: what it declares (prompts and
/// resources only when some are registered, [`McpServer::declared_capabilities`]).
fn honoured(server: &McpServer, asked: Filter) -> Filter {
    let announces = server.announces_list_changes;
    let declared = server.declared_capabilities();
    let has_resources = declared.get("resources").is_some();
    Filter {
        tools: asked.tools && announces,
        prompts: asked.prompts && announces && declared.get("prompts").is_some(),
        resources: asked.resources && announces && has_resources,
        watched: if has_resources {
            asked.watched
        } else {
            Vec::new()
        },
    }
}

/// A listen stream's registration, removed when the stream ends however it ends.
struct Registration<'a> {
    hub: &'a Hub,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.hub.unregister(self.id);
    }
}

/// Serves one `subscriptions/listen` until the client leaves: `None` then
/// (nothing more can be sent); after [`MAX_LISTEN`], the graceful final
/// result; or an error before the stream starts.
pub fn listen(
    server: &McpServer,
    ex: &Exchange<'_>,
    req: &RpcRequest,
    params: &Map<String, Value>,
) -> Option<Value> {
    let fail = |e: RpcError| Some(jsonrpc::failure(Some(&req.id), &e));
    let filter = match requested(params) {
        Ok(f) => honoured(server, f),
        Err(e) => return fail(e),
    };
    let hub = &*server.extension::<Hub>();
    let Some((id, changes)) = hub.register(filter.clone()) else {
        return fail(RpcError::new(
            INTERNAL_ERROR,
            format!(
                "Internal error: {MAX_LISTENERS} subscription streams are already open; try again later"
            ),
        ));
    };
    let _registration = Registration { hub, id };
    let tag = || json!({SUBSCRIPTION_ID_KEY: req.id});
    // The acknowledgment MUST be the first message of the stream.
    let ack = json!({"notifications": filter.to_json(), "_meta": tag()});
    if !(ex.emit)(&jsonrpc::notification(
        "notifications/subscriptions/acknowledged",
        ack,
    )) {
        return None;
    }
    let end = Instant::now() + MAX_LISTEN;
    loop {
        let wait = KEEP_ALIVE.min(end.saturating_duration_since(Instant::now()));
        match changes.recv_timeout(wait) {
            Ok(change) => {
                let (method, mut params) = change.to_message();
                params.insert("_meta".into(), tag());
                if !(ex.emit)(&jsonrpc::notification(method, Value::Object(params))) {
                    return None;
                }
            }
            Err(RecvTimeoutError::Timeout) if Instant::now() < end => {
                if !(ex.keep_alive)() {
                    return None;
                }
            }
            // Time is up (or the hub went away): end gracefully, with the result.
            Err(_) => break,
        }
    }
    let result = json!({"_meta": tag()});
    Some(jsonrpc::success(
        &req.id,
        envelope::decorate(server, "subscriptions/listen", result),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_strictly() {
        let mut p = Map::new();
        p.insert(
            "notifications".into(),
            json!({"toolsListChanged": true, "resourceSubscriptions": ["a://b"]}),
        );
        assert_eq!(
            requested(&p),
            Ok(Filter {
                tools: true,
                watched: vec!["a://b".into()],
                ..Filter::default()
            })
        );
        for bad in [
            json!(true),
            json!({"toolsListChanged": "yes"}),
            json!({"resourceSubscriptions": [1]}),
            json!({"resourceSubscriptions": "a://b"}),
        ] {
            p.insert("notifications".into(), bad.clone());
            assert!(requested(&p).is_err(), "{bad}");
        }
        assert!(requested(&Map::new()).is_err());
    }

    #[test]
    fn changes_reach_only_the_streams_that_asked() {
        let hub = Hub::default();
        let (a, tools) = hub
            .register(Filter {
                tools: true,
                ..Filter::default()
            })
            .unwrap();
        let (_, watcher) = hub
            .register(Filter {
                watched: vec!["x://1".into()],
                ..Filter::default()
            })
            .unwrap();
        hub.publish(&Change::Tools);
        hub.publish(&Change::Prompts);
        hub.publish(&Change::Updated("x://2".into()));
        hub.publish(&Change::Updated("x://1".into()));
        assert_eq!(tools.try_recv(), Ok(Change::Tools));
        assert!(tools.try_recv().is_err());
        assert_eq!(watcher.try_recv(), Ok(Change::Updated("x://1".into())));
        assert!(watcher.try_recv().is_err());
        hub.unregister(a);
        assert_eq!(hub.open_streams(), 1);
    }

    #[test]
    fn streams_are_bounded() {
        let hub = Hub::default();
        let kept: Vec<_> = (0..MAX_LISTENERS)
            .map(|_| hub.register(Filter::default()).unwrap())
            .collect();
        assert!(hub.register(Filter::default()).is_none());
        drop(kept);
    }
}
