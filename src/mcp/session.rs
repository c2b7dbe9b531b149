//! **[28–29](crate::_documentation::flow) Tool calls — what the server
//! remembers between POSTs.** Three small tables, each behind its own `Mutex`,
//! each bounded:
//!
//! * **Sessions** (MCP 2025-11-25 `basic/transports#session-management`). An
//!   `Mcp-Session-Id` is issued on `initialize` (32 random bytes, base64url:
//!   visible ASCII as the spec requires). It is *never required*: claude.ai often
//!   does not echo it, spreads one handshake over many backend nodes and resends
//!   stale ids after restarts (docs/DESIGN.md). So an unknown or expired id is
//!   simply "no session" and the request is served with defaults. Only an id the
//!   client itself ended with `DELETE` gets `404`, as the spec requires; ended
//!   ids are remembered in a bounded FIFO. A session remembers the negotiated
//!   version, the log level and the client's capabilities, and is bound to the caller that created it (security best
//!   practices, "session hijacking"): another caller presenting the id sees no
//!   session. The capabilities kept are cut to [`MAX_CAPABILITIES_BYTES`]
//!   ([`bounded_capabilities`]): a session lives for hours, and a 3 MB
//!   `capabilities` object once held ~62 MiB per session.
//! * **Calls in flight**, keyed by request id, so that `notifications/cancelled`
//!   (2025-11-25 `basic/utilities/cancellation`) can raise the flag that the
//!   tool polls with [`crate::mcp::ToolCall::is_cancelled`].
//! * **Requests we sent the client** (`elicitation/create`,
//!   `sampling/createMessage`) and are waiting on: the client POSTs its answer as a
//!   JSON-RPC response on another connection; [`State::route_response`] routes it to the
//!   waiting call through a channel.
//!
//! Everything is in memory: on Cloud Run with several instances, a client's
//! answer to an elicitation may reach another instance. Run one instance (or
//! session affinity) when tools elicit or sample.
//!
//! # Where this sits
//! Owned by [`crate::mcp::McpServer`]; used by [`crate::mcp::transport`] and
//! [`crate::mcp::dispatch`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::logging::LogLevel;
use crate::crypto::secret::random_bytes;

/// Sessions kept at most; beyond it the least recently used one is forgotten.
pub const MAX_SESSIONS: usize = 10_000;
/// A session unused this long is forgotten (then its id is just unknown).
pub const SESSION_IDLE: Duration = Duration::from_secs(8 * 60 * 60);
/// Ended session ids remembered (for the `404`) at most.
pub const MAX_ENDED: usize = 10_000;
/// Bytes of the client's `capabilities` (as JSON) a session keeps at most.
/// Real clients declare a few hundred bytes.
pub const MAX_CAPABILITIES_BYTES: usize = 4096;
/// Longest capability name kept.
const MAX_CAPABILITY_NAME: usize = 64;

/// The client's `capabilities`, cut to what a session may keep: each
/// capability whole while the total stays within [`MAX_CAPABILITIES_BYTES`],
/// then only its name (`{}`: declared, without details), until even names no
/// longer fit. A capability is what the server asks about (`sampling`,
/// `elicitation.url`), so honest clients lose nothing.
pub fn bounded_capabilities(capabilities: Value) -> Value {
    let Value::Object(all) = capabilities else {
        return Value::Object(Default::default());
    };
    let mut kept = serde_json::Map::new();
    let mut used = 2;
    for (name, value) in all {
        if name.len() > MAX_CAPABILITY_NAME {
            continue;
        }
        let whole = serde_json::to_string(&value).map_or(usize::MAX, |v| v.len());
        let cost = name.len() + 4;
        if used + cost + whole <= MAX_CAPABILITIES_BYTES && value.is_object() {
            used += cost + whole;
            kept.insert(name, value);
        } else if used + cost + 2 <= MAX_CAPABILITIES_BYTES {
            used += cost + 2;
            kept.insert(name, Value::Object(Default::default()));
        } else {
            break;
        }
    }
    Value::Object(kept)
}

/// What a request can learn about its session.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// The id, as the client sends it.
    pub id: String,
    /// The version negotiated by `initialize`.
    pub version: &'static str,
    /// The minimum level for `notifications/message`.
    pub log_level: LogLevel,
    /// The `capabilities` the client declared in `initialize`.
    pub client_capabilities: Value,
}

/// The answer of [`State::lookup`].
#[derive(Debug, Clone)]
pub enum Lookup {
    /// A live session of this caller.
    Live(SessionView),
    /// Ended by `DELETE`: answer `404`.
    Ended,
    /// Never issued, expired, forgotten, or another caller's: serve without a session.
    Unknown,
}

struct Session {
    owner: Option<String>,
    version: &'static str,
    log_level: LogLevel,
    client_capabilities: Value,
    last_seen: Instant,
}

#[derive(Default)]
struct Sessions {
    live: HashMap<String, Session>,
    ended: HashSet<String>,
    ended_order: VecDeque<String>,
}

struct InFlight {
    session: Option<String>,
    owner: Option<String>,
    cancelled: Arc<AtomicBool>,
}

struct Pending {
    owner: Option<String>,
    answer: Sender<Value>,
}

/// The server's memory between requests. See the module docs.
#[derive(Default)]
pub struct State {
    sessions: Mutex<Sessions>,
    in_flight: Mutex<HashMap<String, Vec<InFlight>>>,
    pending: Mutex<HashMap<String, Pending>>,
    next_request: AtomicU64,
}

/// A poisoned lock only means another thread panicked while holding it; the
/// tables stay consistent (every update is a single insert or remove), so we
/// keep serving rather than propagate the panic to every later request.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 32 bytes from the OS, base64url without padding (43 visible ASCII
/// characters). Panics, with a message, if the OS generator fails: an id
/// without its random part would be guessable ([`random_bytes`]).
fn new_session_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

impl State {
    // ── sessions ──

    /// Starts a session for `owner` (the caller's subject, if authenticated).
    pub fn create_session(
        &self,
        owner: Option<&str>,
        version: &'static str,
        client_capabilities: Value,
    ) -> String {
        let id = new_session_id();
        let now = Instant::now();
        let mut table = lock(&self.sessions);
        if table.live.len() >= MAX_SESSIONS {
            table
                .live
                .retain(|_, s| now.duration_since(s.last_seen) < SESSION_IDLE);
        }
        if table.live.len() >= MAX_SESSIONS {
            let oldest = table
                .live
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                table.live.remove(&oldest);
            }
        }
        table.live.insert(
            id.clone(),
            Session {
                owner: owner.map(str::to_string),
                version,
                log_level: LogLevel::DEFAULT,
                client_capabilities: bounded_capabilities(client_capabilities),
                last_seen: now,
            },
        );
        id
    }

    /// What the session `id` is for this `owner`; refreshes its idle timer.
    pub fn lookup(&self, id: &str, owner: Option<&str>) -> Lookup {
        let now = Instant::now();
        let mut table = lock(&self.sessions);
        if table.ended.contains(id) {
            return Lookup::Ended;
        }
        let expired = match table.live.get_mut(id) {
            None => return Lookup::Unknown,
            Some(s) if s.owner.as_deref() != owner => return Lookup::Unknown,
            Some(s) if now.duration_since(s.last_seen) >= SESSION_IDLE => true,
            Some(s) => {
                s.last_seen = now;
                return Lookup::Live(SessionView {
                    id: id.to_string(),
                    version: s.version,
                    log_level: s.log_level,
                    client_capabilities: s.client_capabilities.clone(),
                });
            }
        };
        if expired {
            table.live.remove(id);
        }
        Lookup::Unknown
    }

    /// Ends the session `id` of `owner` (`DELETE /mcp`). `false` if there was none.
    pub fn end_session(&self, id: &str, owner: Option<&str>) -> bool {
        let mut table = lock(&self.sessions);
        match table.live.get(id) {
            Some(s) if s.owner.as_deref() == owner => {}
            _ => return false,
        }
        table.live.remove(id);
        if table.ended_order.len() >= MAX_ENDED
            && let Some(forgotten) = table.ended_order.pop_front()
        {
            table.ended.remove(&forgotten);
        }
        table.ended.insert(id.to_string());
        table.ended_order.push_back(id.to_string());
        true
    }

    /// `logging/setLevel` for a session.
    pub fn set_log_level(&self, id: &str, level: LogLevel) {
        if let Some(s) = lock(&self.sessions).live.get_mut(id) {
            s.log_level = level;
        }
    }

    // ── calls in flight (cancellation) ──

    /// Registers a call under its request id; the flag it returns is raised by
    /// [`State::cancel`]. The call is forgotten when the guard is dropped.
    pub fn start_call(
        &self,
        request_id: &Value,
        session: Option<&str>,
        owner: Option<&str>,
    ) -> CallGuard<'_> {
        let key = request_id.to_string();
        let cancelled = Arc::new(AtomicBool::new(false));
        lock(&self.in_flight)
            .entry(key.clone())
            .or_default()
            .push(InFlight {
                session: session.map(str::to_string),
                owner: owner.map(str::to_string),
                cancelled: cancelled.clone(),
            });
        CallGuard {
            state: self,
            key,
            cancelled,
        }
    }

    /// `notifications/cancelled`: raises the flag of the calls with this id
    /// started by the same caller (and, when both name one, the same session).
    /// Unknown or finished ids are ignored, as the spec says.
    pub fn cancel(&self, request_id: &Value, session: Option<&str>, owner: Option<&str>) {
        if let Some(calls) = lock(&self.in_flight).get(&request_id.to_string()) {
            for call in calls {
                let same_session = match (&call.session, session) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if same_session && call.owner.as_deref() == owner {
                    call.cancelled.store(true, Ordering::SeqCst);
                }
            }
        }
    }

    // ── requests to the client (elicitation, sampling) ──

    /// Reserves an id for a request to the client and returns it with the
    /// channel on which its answer will arrive.
    pub fn expect_answer(&self, owner: Option<&str>) -> (String, Receiver<Value>) {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        // The random part keeps ids unguessable, so that nobody else can answer for the client.
        let id = format!("srv-{n}-{}", new_session_id().get(..12).unwrap_or(""));
        let (tx, rx) = channel();
        lock(&self.pending).insert(
            id.clone(),
            Pending {
                owner: owner.map(str::to_string),
                answer: tx,
            },
        );
        (id, rx)
    }

    /// Routes a POSTed JSON-RPC response to the call waiting for it. `false`
    /// when nobody waits for this id from this caller (late, or not ours).
    pub fn route_response(&self, id: &Value, owner: Option<&str>, message: Value) -> bool {
        let Some(key) = id.as_str() else {
            return false;
        };
        let mut pending = lock(&self.pending);
        match pending.get(key) {
            Some(p) if p.owner.as_deref() == owner => {}
            _ => return false,
        }
        match pending.remove(key) {
            Some(p) => p.answer.send(message).is_ok(),
            None => false,
        }
    }

    /// Stops waiting for an answer (timeout or cancellation).
    pub fn forget(&self, id: &str) {
        lock(&self.pending).remove(id);
    }
}

/// A call in flight; dropping it removes the call from the table.
pub struct CallGuard<'a> {
    state: &'a State,
    key: String,
    cancelled: Arc<AtomicBool>,
}

impl CallGuard<'_> {
    /// Whether `notifications/cancelled` named this call.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        let mut table = lock(&self.state.in_flight);
        if let Some(calls) = table.get_mut(&self.key) {
            calls.retain(|c| !Arc::ptr_eq(&c.cancelled, &self.cancelled));
            if calls.is_empty() {
                table.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_capabilities_are_bounded_and_honest_ones_kept_whole() {
        let honest = serde_json::json!({"sampling": {"tools": {}}, "elicitation": {"form": {}, "url": {}}, "roots": {"listChanged": true}});
        assert_eq!(bounded_capabilities(honest.clone()), honest);
        let junk: Vec<Value> = (0..10_000).map(|_| serde_json::json!({})).collect();
        let hostile =
            serde_json::json!({"roots": {}, "a": {"junk": junk}, "b": 5, "x".repeat(100): {}});
        let kept = bounded_capabilities(hostile);
        assert_eq!(kept, serde_json::json!({"roots": {}, "a": {}, "b": {}}));
        let many: serde_json::Map<String, Value> = (0..5_000)
            .map(|i| (format!("cap{i}"), serde_json::json!({})))
            .collect();
        let kept = bounded_capabilities(Value::Object(many));
        assert!(kept.to_string().len() <= MAX_CAPABILITIES_BYTES);
        assert_eq!(
            bounded_capabilities(serde_json::json!([1, 2])),
            serde_json::json!({})
        );
    }
    use serde_json::json;

    #[test]
    fn session_ids_are_visible_ascii_and_bound_to_their_owner() {
        let state = State::default();
        let id = state.create_session(Some("alice"), "2025-11-25", json!({}));
        assert_eq!(id.len(), 43);
        assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        assert!(matches!(state.lookup(&id, Some("alice")), Lookup::Live(_)));
        assert!(matches!(
            state.lookup(&id, Some("mallory")),
            Lookup::Unknown
        ));
        assert!(!state.end_session(&id, Some("mallory")));
        assert!(state.end_session(&id, Some("alice")));
        assert!(matches!(state.lookup(&id, Some("alice")), Lookup::Ended));
    }

    #[test]
    fn cancel_raises_only_the_named_call_of_the_same_caller() {
        let state = State::default();
        let a = state.start_call(&json!(1), None, Some("alice"));
        let b = state.start_call(&json!("1"), None, Some("alice"));
        state.cancel(&json!(1), None, Some("mallory"));
        assert!(!a.is_cancelled());
        state.cancel(&json!(1), None, Some("alice"));
        assert!(a.is_cancelled() && !b.is_cancelled());
        drop(a);
        assert!(!lock(&state.in_flight).contains_key("1"));
    }

    #[test]
    fn answers_reach_the_waiting_call_once() {
        let state = State::default();
        let (id, rx) = state.expect_answer(None);
        assert!(!state.route_response(&json!(id), Some("mallory"), json!({})));
        assert!(state.route_response(&json!(id), None, json!({"result": 1})));
        assert_eq!(rx.recv().unwrap(), json!({"result": 1}));
        assert!(!state.route_response(&json!(id), None, json!({})));
    }
}
