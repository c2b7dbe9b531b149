//! **[28–29](crate::_documentation::flow) Tool calls — asking the client for
//! input, in either era.** A tool (or a prompt) may need something only the
//! client has: the user's answer to a form (elicitation), a completion from the
//! client's model (sampling, deprecated), the client's root directories (roots,
//! deprecated). The handler asks with [`crate::ToolCall::elicit`] and friends,
//! the same call in both eras; what travels on the wire differs, and all of it
//! is here.
//!
//! # Legacy era (2025-11-25 and earlier): a request back to the client
//! The question goes out as a JSON-RPC *request* on the call's SSE stream; the
//! client POSTs its answer separately ([`crate::mcp::session::State::answer`]),
//! and the handler, which waited on a channel, carries on.
//!
//! ```text
//! C→S POST tools/call id=1          S→C SSE {"id":"srv-7","method":"elicitation/create",…}
//! C→S POST {"id":"srv-7","result":{"action":"accept",…}}     (answer routed to the waiting handler)
//!                                   S→C SSE {"id":1,"result":{…}}
//! ```
//!
//! # Modern era (2026-07-28): multi round-trip requests
//! MCP 2026-07-28 `basic/patterns/mrtr` removed requests from server to client.
//! The server answers the call itself with an *interim* result listing what it
//! needs, and the client sends the call again with the answers:
//!
//! ```text
//! C→S tools/call id=1
//! S→C {"resultType":"input_required",
//!      "inputRequests":{"elicitation-1":{"method":"elicitation/create","params":{…}}},
//!      "requestState":"eyJ…"}
//! C→S tools/call id=2, same params + "inputResponses":{"elicitation-1":{"action":"accept",…}},
//!                                   + "requestState":"eyJ…" (echoed)
//! S→C {"resultType":"complete","content":[…]}
//! ```
//!
//! No server state survives between the two POSTs, so the **handler runs again
//! from the top** on the retry. Each question it asks gets a key — the one
//! given to [`crate::ToolCall::ask`], or `<kind>-<n>` for the n-th question of
//! the run — and is answered from the retry's `inputResponses`, or from the
//! answers of earlier rounds that `requestState` carries. A question without
//! an answer yet returns [`crate::ToolError::InputRequired`]; once the handler
//! returns, every such question goes into one `inputRequests` map. So a
//! handler that asks several questions before using `?` on any of them gets
//! them all asked in one round:
//!
//! ```
//! # use remote_mcp::{ToolCall, ToolError, ToolResult};
//! # use serde_json::json;
//! fn handler(call: &ToolCall<'_>) -> Result<ToolResult, ToolError> {
//!     let name = call.elicit("Your name?", json!({"type": "object", "properties": {"name": {"type": "string"}}}));
//!     let city = call.elicit("Your city?", json!({"type": "object", "properties": {"city": {"type": "string"}}}));
//!     let (name, city) = (name?, city?); // one round in 2026-07-28, two requests in 2025
//!     Ok(format!("{:?} from {:?}", name.content, city.content).into())
//! }
//! ```
//!
//! Write handlers so that running them again is harmless: do the work *after*
//! the questions, or make it idempotent.
//!
//! # `requestState`
//! The client carries it, so it is attacker-controlled input (`#server-requirements`).
//! Ours holds the answers of earlier rounds and what they belong to, and is
//! sealed with HMAC-SHA256:
//!
//! ```text
//! "mcp_state." base64url(JSON {"m": method, "t": tool or prompt name,
//!                              "a": SHA-256 of the arguments, "p": the caller's subject,
//!                              "exp": unix seconds, "answers": {…}})
//! "." base64url(HMAC-SHA256(key, …))
//! ```
//!
//! That is the format of every signed token: [`SigningKey::sign`] and
//! [`SigningKey::verify`] (constant-time) do the work, with kind `mcp_state`.
//!
//! A state that fails the MAC, has expired ([`STATE_TTL`]), or belongs to
//! another call or another caller is refused with `-32602`. The answers are
//! signed, not encrypted: the client may read what it answered itself. The key
//! is random per process unless set with
//! [`crate::McpServer::request_state_secret`] (several instances must share it).
//!
//! # Capabilities, waiting, and errors
//! A question the client did not declare the capability for (per request, in
//! `clientCapabilities`) is not asked: the call fails with `-32021`
//! MissingRequiredClientCapability. A malformed answer fails it with `-32602`.
//!
//! In the legacy era nothing waits forever either. A client whose session
//! declared no such capability is not asked: the question fails at once. A
//! session that declared it gets [`crate::McpServer::client_request_timeout`]
//! (default 300 s, the time a person may need). A client without a session
//! never said what it supports: it is asked, and waited for only
//! [`crate::McpServer::unknown_client_wait`] (default
//! [`crate::mcp::DEFAULT_UNKNOWN_CLIENT_WAIT`], 5 s) — long enough for a
//! program that answers, short enough that a client that never will gets its
//! answer well within a few seconds.
//! Handlers that can do without an answer check [`crate::ToolCall::client_declares`] first.
//!
//! # Where this sits
//! Used by [`crate::mcp::tools`] and [`crate::mcp::prompts`]; the rounds are
//! opened and closed by [`crate::mcp::dispatch`].

use std::cell::{Cell, RefCell};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::dispatch::Exchange;
use super::jsonrpc::RpcError;
use super::modern;
use super::session::CallGuard;
use crate::crypto::signing::{SigningKey, VerifyError};

/// How long a `requestState` stays valid: the user has this long to answer.
pub const STATE_TTL: Duration = Duration::from_secs(15 * 60);

/// Why a question got no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AskError {
    /// 2026-07-28: the client has not answered yet; it will, on its retry.
    InputRequired,
    /// The client cancelled the call while we waited (legacy era).
    Cancelled,
    /// The client cannot or did not answer; the text says why.
    Client(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskError::InputRequired => f.write_str("Waiting for the client's input."),
            AskError::Cancelled => f.write_str("The call was cancelled."),
            AskError::Client(m) => f.write_str(m),
        }
    }
}

/// One kind of question, and what the client must have declared to be asked it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `elicitation/create` (form mode).
    Elicitation,
    /// `sampling/createMessage`.
    Sampling,
    /// `roots/list`.
    Roots,
}

impl Kind {
    /// The kind of a JSON-RPC method, if it is one a server may ask.
    pub fn of(method: &str) -> Option<Kind> {
        match method {
            "elicitation/create" => Some(Kind::Elicitation),
            "sampling/createMessage" => Some(Kind::Sampling),
            "roots/list" => Some(Kind::Roots),
            _ => None,
        }
    }

    /// The client capability it needs, e.g. `"elicitation"`.
    pub fn capability(self) -> &'static str {
        match self {
            Kind::Elicitation => "elicitation",
            Kind::Sampling => "sampling",
            Kind::Roots => "roots",
        }
    }

    /// Whether `answer` has the shape of this kind's result.
    fn valid_answer(self, answer: &Value) -> bool {
        match self {
            Kind::Elicitation => matches!(
                answer.get("action").and_then(Value::as_str),
                Some("accept" | "decline" | "cancel")
            ),
            Kind::Sampling => answer.get("role").is_some() && answer.get("content").is_some(),
            Kind::Roots => answer.get("roots").is_some_and(Value::is_array),
        }
    }
}

/// What the interim result and the next `requestState` are bound to.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// `tools/call` or `prompts/get`.
    pub method: String,
    /// The tool's or prompt's name.
    pub target: String,
    /// SHA-256 of the arguments' JSON, base64url.
    pub arguments: String,
    /// The caller's subject (`""` without authorization).
    pub principal: String,
}

impl Binding {
    /// The binding of one call.
    pub fn new(method: &str, target: &str, arguments: &Value, principal: Option<&str>) -> Binding {
        // serde_json keeps object keys sorted: the same arguments give the same text.
        let digest = Sha256::digest(arguments.to_string().as_bytes());
        Binding {
            method: method.to_string(),
            target: target.to_string(),
            arguments: URL_SAFE_NO_PAD.encode(digest),
            principal: principal.unwrap_or("").to_string(),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The kind of token a `requestState` is ([`SigningKey::sign`]).
const STATE_KIND: &str = "mcp_state";

/// Seals the answers of this round into a `requestState`.
pub fn seal(key: &SigningKey, binding: &Binding, answers: &Map<String, Value>, now: u64) -> String {
    let payload = json!({
        "m": binding.method, "t": binding.target, "a": binding.arguments, "p": binding.principal,
        "exp": now + STATE_TTL.as_secs(), "answers": answers,
    });
    key.sign(STATE_KIND, &payload)
}

/// Opens a `requestState`: its answers, or why it is refused.
pub fn open(
    key: &SigningKey,
    binding: &Binding,
    state: &str,
    now: u64,
) -> Result<Map<String, Value>, &'static str> {
    let payload = key.verify(STATE_KIND, state).map_err(|e| match e {
        VerifyError::BadSignature => "bad signature",
        _ => "malformed",
    })?;
    let field = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or("");
    if field("m") != binding.method
        || field("t") != binding.target
        || field("a") != binding.arguments
    {
        return Err("issued for another request");
    }
    if field("p") != binding.principal {
        return Err("issued to another caller");
    }
    if payload.get("exp").and_then(Value::as_u64).unwrap_or(0) <= now {
        return Err("expired");
    }
    Ok(payload
        .get("answers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
}

/// One modern call's round: the answers it can use, the questions it asked.
#[derive(Debug)]
pub struct Round {
    binding: Binding,
    answers: Map<String, Value>,
    used: RefCell<Map<String, Value>>,
    asked: RefCell<Map<String, Value>>,
    failure: RefCell<Option<RpcError>>,
    asked_count: Cell<usize>,
}

impl Round {
    /// Reads `inputResponses` and `requestState` from the call's params.
    /// Errors are `-32602`: an unreadable or forged state, malformed responses.
    pub fn start(
        key: &SigningKey,
        binding: Binding,
        params: &Map<String, Value>,
    ) -> Result<Round, RpcError> {
        let mut answers = match params.get("requestState") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::String(state)) => {
                open(key, &binding, state, unix_now()).map_err(|why| {
                    RpcError::invalid_params(format!(
                        "Invalid params: requestState is not valid ({why}); call again without it"
                    ))
                })?
            }
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "Invalid params: `requestState` must be a string",
                ));
            }
        };
        match params.get("inputResponses") {
            None | Some(Value::Null) => {}
            Some(Value::Object(responses)) => {
                for (k, v) in responses {
                    answers.insert(k.clone(), v.clone());
                }
            }
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "Invalid params: `inputResponses` must be an object",
                ));
            }
        }
        Ok(Round {
            binding,
            answers,
            used: RefCell::new(Map::new()),
            asked: RefCell::new(Map::new()),
            failure: RefCell::new(None),
            asked_count: Cell::new(0),
        })
    }

    fn fail(&self, error: RpcError) -> AskError {
        let message = error.message.clone();
        self.failure.borrow_mut().get_or_insert(error);
        AskError::Client(message)
    }

    /// The answer to the question `key`, or a note to ask it.
    fn ask(
        &self,
        envelope: &modern::Envelope,
        key: Option<&str>,
        kind: Kind,
        method: &str,
        params: Value,
    ) -> Result<Value, AskError> {
        self.asked_count.set(self.asked_count.get() + 1);
        let key = match key {
            Some(k) => k.to_string(),
            None => format!("{}-{}", kind.capability(), self.asked_count.get()),
        };
        let declared = match kind {
            Kind::Elicitation => envelope.takes_elicitation_forms(),
            // Tool use in sampling needs its own sub-capability (`client/sampling`).
            Kind::Sampling if params.get("tools").is_some() => envelope
                .client_capabilities
                .pointer("/sampling/tools")
                .is_some(),
            _ => envelope.declares(kind.capability()),
        };
        if !declared {
            return Err(self.fail(modern::missing_capability(kind.capability())));
        }
        if let Some(answer) = self.answers.get(&key) {
            if !kind.valid_answer(answer) {
                return Err(self.fail(RpcError::invalid_params(format!(
                    "Invalid params: inputResponses[{key:?}] is not a valid answer to {method}"
                ))));
            }
            self.used.borrow_mut().insert(key, answer.clone());
            return Ok(answer.clone());
        }
        self.asked
            .borrow_mut()
            .insert(key, json!({"method": method, "params": params}));
        Err(AskError::InputRequired)
    }

    /// After the handler: `None` if it completed without asking anything new;
    /// otherwise the interim result (or the error) that answers the call.
    pub fn interim(&self, key: &SigningKey) -> Option<Result<Value, RpcError>> {
        if let Some(e) = self.failure.borrow().clone() {
            return Some(Err(e));
        }
        let asked = self.asked.borrow();
        if asked.is_empty() {
            return None;
        }
        let state = seal(key, &self.binding, &self.used.borrow(), unix_now());
        Some(Ok(json!({
            "resultType": "input_required",
            "inputRequests": Value::Object(asked.clone()),
            "requestState": state,
        })))
    }
}

/// Where a handler's questions go: the legacy stream, or the modern round.
pub struct ClientInput<'a> {
    /// The request being served.
    pub exchange: &'a Exchange<'a>,
    /// Its cancellation flag (legacy era).
    pub guard: &'a CallGuard<'a>,
    /// The modern round, for a 2026-07-28 request.
    pub round: Option<&'a Round>,
}

impl ClientInput<'_> {
    /// Whether the client says it can answer `capability` questions.
    pub fn declares(&self, capability: &str) -> bool {
        match (self.exchange.modern, &self.exchange.session) {
            (Some(envelope), _) if capability == "elicitation" => {
                envelope.takes_elicitation_forms()
            }
            (Some(envelope), _) => envelope.declares(capability),
            (None, Some(session)) => session.client_capabilities.get(capability).is_some(),
            // Legacy without a session: we cannot know, so we try, and wait
            // only `McpServer::unknown_client_wait` for the answer.
            (None, None) => true,
        }
    }

    /// Asks the client `method` with `params` and returns its result.
    pub fn ask(&self, key: Option<&str>, method: &str, params: Value) -> Result<Value, AskError> {
        let Some(kind) = Kind::of(method) else {
            return Err(AskError::Client(format!(
                "{method} is not a question a server may ask a client"
            )));
        };
        match (self.exchange.modern, self.round) {
            (Some(envelope), Some(round)) => round.ask(envelope, key, kind, method, params),
            (Some(_), None) => Err(AskError::Client(format!(
                "{method} cannot be asked while serving this request (MCP 2026-07-28 allows it in tools/call and prompts/get)"
            ))),
            (None, _) => self.ask_on_stream(kind, method, params),
        }
    }

    /// Legacy: sends the request on this call's stream and waits for the
    /// answer, which arrives as a separate POST.
    fn ask_on_stream(&self, kind: Kind, method: &str, params: Value) -> Result<Value, AskError> {
        let capability = kind.capability();
        // MCP 2025-11-25 `basic/lifecycle#operation`: only use what the client
        // declared. Without a session we cannot know, so we try.
        if !self.declares(capability) {
            return Err(AskError::Client(format!(
                "The client does not support {capability} (it did not declare the capability)."
            )));
        }
        let server = self.exchange.server;
        // A client without a session never told us what it can do: it is
        // asked, but waited for only briefly, so a client that will never
        // answer costs the call seconds, not the 300 s a person may need.
        let (timeout, unknown) = if self.exchange.session.is_some() {
            (server.client_request_timeout, false)
        } else {
            (server.unknown_client_wait, true)
        };
        let owner = self.exchange.owner();
        let (id, answers) = server.state.expect_answer(owner);
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        if !(self.exchange.emit)(&request) {
            server.state.forget(&id);
            return Err(AskError::Client("The client's connection is gone.".into()));
        }
        let deadline = Instant::now() + timeout;
        let answer = loop {
            // Wake up regularly to notice a cancellation while waiting.
            match answers.recv_timeout(Duration::from_millis(100)) {
                Ok(answer) => break answer,
                Err(RecvTimeoutError::Timeout) if self.guard.is_cancelled() => {
                    server.state.forget(&id);
                    return Err(AskError::Cancelled);
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => continue,
                Err(_) => {
                    server.state.forget(&id);
                    return Err(AskError::Client(if unknown {
                        format!(
                            "The client did not answer {method} within {} s; it has no session, so it never said whether it supports {capability}.",
                            timeout.as_secs_f64()
                        )
                    } else {
                        format!(
                            "The client did not answer {method} within {} s.",
                            timeout.as_secs_f64()
                        )
                    }));
                }
            }
        };
        if let Some(result) = answer.get("result") {
            return Ok(result.clone());
        }
        let message = answer
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        Err(AskError::Client(format!(
            "The client refused {method}: {message}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(b"0123456789abcdef0123456789abcdef")
    }

    fn binding() -> Binding {
        Binding::new("tools/call", "t", &json!({"a": 1}), Some("alice"))
    }

    fn envelope(caps: Value) -> modern::Envelope {
        modern::Envelope {
            version: "2026-07-28".into(),
            client_capabilities: caps,
            client_info: None,
            log_level: None,
        }
    }

    #[test]
    fn sealed_state_opens_only_for_its_call_caller_key_and_time() {
        let mut answers = Map::new();
        answers.insert("k".into(), json!({"action": "accept"}));
        let state = seal(&key(), &binding(), &answers, 1000);
        assert_eq!(open(&key(), &binding(), &state, 1001), Ok(answers));
        assert_eq!(
            open(&SigningKey::generate(), &binding(), &state, 1001),
            Err("bad signature")
        );
        let other_args = Binding::new("tools/call", "t", &json!({"a": 2}), Some("alice"));
        assert_eq!(
            open(&key(), &other_args, &state, 1001),
            Err("issued for another request")
        );
        let mallory = Binding::new("tools/call", "t", &json!({"a": 1}), Some("mallory"));
        assert_eq!(
            open(&key(), &mallory, &state, 1001),
            Err("issued to another caller")
        );
        let late = 1000 + STATE_TTL.as_secs();
        assert_eq!(open(&key(), &binding(), &state, late), Err("expired"));
        // One changed character in the body breaks the seal.
        let (kind, rest) = state.split_once('.').unwrap();
        let (body, tag) = rest.split_once('.').unwrap();
        assert_eq!(kind, "mcp_state");
        let mut forged = body.to_string();
        forged.replace_range(0..1, if body.starts_with('e') { "f" } else { "e" });
        assert_eq!(
            open(&key(), &binding(), &format!("{kind}.{forged}.{tag}"), 1001),
            Err("bad signature")
        );
        // An OAuth token signed with the same key is not a requestState.
        let token = key().sign("mcp_access", &json!({}));
        assert_eq!(open(&key(), &binding(), &token, 1001), Err("malformed"));
        assert_eq!(open(&key(), &binding(), "garbage", 1001), Err("malformed"));
    }

    #[test]
    #[should_panic(expected = "at least 32 random bytes")]
    fn an_empty_or_short_request_state_secret_is_refused() {
        // An empty HMAC key is a key anyone can sign with: fail closed.
        let _ = crate::McpServer::new("x").request_state_secret(b"");
    }

    #[test]
    fn a_round_asks_answers_and_carries_answers_forward() {
        let caps = envelope(json!({"elicitation": {}, "sampling": {}}));
        let params = Map::new();
        let round = Round::start(&key(), binding(), &params).unwrap();
        let q = json!({"message": "?"});
        assert_eq!(
            round.ask(
                &caps,
                None,
                Kind::Elicitation,
                "elicitation/create",
                q.clone()
            ),
            Err(AskError::InputRequired)
        );
        assert_eq!(
            round.ask(
                &caps,
                Some("s"),
                Kind::Sampling,
                "sampling/createMessage",
                json!({})
            ),
            Err(AskError::InputRequired)
        );
        let interim = round.interim(&key()).unwrap().unwrap();
        assert_eq!(interim["resultType"], "input_required");
        assert_eq!(
            interim["inputRequests"],
            json!({"elicitation-1": {"method": "elicitation/create", "params": q},
                   "s": {"method": "sampling/createMessage", "params": {}}})
        );

        // Round 2 answers the elicitation only: it is used, the sampling is asked again.
        let mut params = Map::new();
        params.insert("requestState".into(), interim["requestState"].clone());
        params.insert(
            "inputResponses".into(),
            json!({"elicitation-1": {"action": "accept", "content": {"x": 1}}, "extra": 5}),
        );
        let round = Round::start(&key(), binding(), &params).unwrap();
        assert_eq!(
            round.ask(
                &caps,
                None,
                Kind::Elicitation,
                "elicitation/create",
                q.clone()
            ),
            Ok(json!({"action": "accept", "content": {"x": 1}}))
        );
        assert!(
            round
                .ask(
                    &caps,
                    Some("s"),
                    Kind::Sampling,
                    "sampling/createMessage",
                    json!({})
                )
                .is_err()
        );
        let interim = round.interim(&key()).unwrap().unwrap();
        assert_eq!(interim["inputRequests"].as_object().unwrap().len(), 1);

        // Round 3 answers the sampling; the elicitation comes from the state.
        let mut params = Map::new();
        params.insert("requestState".into(), interim["requestState"].clone());
        params.insert(
            "inputResponses".into(),
            json!({"s": {"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"}}),
        );
        let round = Round::start(&key(), binding(), &params).unwrap();
        assert!(
            round
                .ask(
                    &caps,
                    None,
                    Kind::Elicitation,
                    "elicitation/create",
                    q.clone()
                )
                .is_ok()
        );
        assert!(
            round
                .ask(
                    &caps,
                    Some("s"),
                    Kind::Sampling,
                    "sampling/createMessage",
                    json!({})
                )
                .is_ok()
        );
        assert!(round.interim(&key()).is_none());
    }

    #[test]
    fn undeclared_capabilities_and_bad_answers_fail_the_call() {
        let round = Round::start(&key(), binding(), &Map::new()).unwrap();
        let none = envelope(json!({}));
        assert!(matches!(
            round.ask(&none, None, Kind::Roots, "roots/list", json!({})),
            Err(AskError::Client(_))
        ));
        let e = round.interim(&key()).unwrap().unwrap_err();
        assert_eq!(e.code, modern::MISSING_CLIENT_CAPABILITY);
        assert_eq!(e.data, Some(json!({"requiredCapabilities": {"roots": {}}})));

        let url_only = envelope(json!({"elicitation": {"url": {}}}));
        let round = Round::start(&key(), binding(), &Map::new()).unwrap();
        assert!(
            round
                .ask(
                    &url_only,
                    None,
                    Kind::Elicitation,
                    "elicitation/create",
                    json!({})
                )
                .is_err()
        );
        assert!(round.interim(&key()).unwrap().is_err());

        let mut params = Map::new();
        params.insert("inputResponses".into(), json!({"elicitation-1": 12345}));
        let round = Round::start(&key(), binding(), &params).unwrap();
        let caps = envelope(json!({"elicitation": {}}));
        assert!(
            round
                .ask(
                    &caps,
                    None,
                    Kind::Elicitation,
                    "elicitation/create",
                    json!({})
                )
                .is_err()
        );
        assert_eq!(
            round.interim(&key()).unwrap().unwrap_err().code,
            super::super::jsonrpc::INVALID_PARAMS
        );

        let mut params = Map::new();
        params.insert("requestState".into(), json!("forged.state"));
        assert!(Round::start(&key(), binding(), &params).is_err());
        let mut params = Map::new();
        params.insert("inputResponses".into(), json!([1]));
        assert!(Round::start(&key(), binding(), &params).is_err());
    }
}
