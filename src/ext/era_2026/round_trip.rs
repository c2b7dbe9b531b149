//! **[28–29](crate::_documentation::flow) Tool calls — the 2026-07-28 round
//! trip.** How a question to the client travels in the modern era.
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
//! signed with HMAC-SHA256 ([`sign`], [`verify`]):
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
//! # Capabilities and errors
//! A question the client did not declare the capability for (per request, in
//! `clientCapabilities`) is not asked: the call fails with `-32021`
//! MissingRequiredClientCapability. A malformed answer fails it with `-32602`.
//!
//! # Where this sits
//! Opened by [`super::post`] (the core's [`crate::mcp::exchange::EraRequest`])
//! when [`crate::mcp::dispatch`] or the prompts capability starts a
//! `tools/call` or `prompts/get` handler; [`crate::mcp::ask`] hands it the
//! handler's questions; the dispatcher asks it for the interim result after.

use std::cell::{Cell, RefCell};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::envelope::{self, Envelope};
use crate::crypto::signing::{SigningKey, VerifyError};
use crate::mcp::exchange;
use crate::mcp::jsonrpc::RpcError;
use crate::mcp::question::{AskError, Kind};

/// How long a `requestState` stays valid: the user has this long to answer.
pub const STATE_TTL: Duration = Duration::from_secs(15 * 60);

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

/// Signs the answers of this round into a `requestState` (HMAC-SHA256, not
/// encryption: the client may read what it answered itself).
pub fn sign(key: &SigningKey, binding: &Binding, answers: &Map<String, Value>, now: u64) -> String {
    let payload = json!({
        "m": binding.method, "t": binding.target, "a": binding.arguments, "p": binding.principal,
        "exp": now + STATE_TTL.as_secs(), "answers": answers,
    });
    key.sign(STATE_KIND, &payload)
}

/// Verifies a `requestState`: its answers, or why it is refused.
pub fn verify(
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
                verify(key, &binding, state, unix_now()).map_err(|why| {
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
    pub(crate) fn ask(
        &self,
        envelope: &Envelope,
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
            return Err(self.fail(envelope::missing_capability(kind.capability())));
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
        let state = sign(key, &self.binding, &self.used.borrow(), unix_now());
        Some(Ok(json!({
            "resultType": "input_required",
            "inputRequests": Value::Object(asked.clone()),
            "requestState": state,
        })))
    }
}

/// A [`Round`] with what it needs to answer the core: the request's envelope
/// (which capabilities the client declared) and the key that signs the next
/// `requestState`.
pub struct RoundTrip<'a> {
    /// The answers and questions of this run of the handler.
    pub round: Round,
    /// The request's `_meta` envelope.
    pub envelope: &'a Envelope,
    /// [`crate::McpServer::request_state_secret`], or the default key.
    pub key: &'a SigningKey,
}

impl exchange::Round for RoundTrip<'_> {
    fn ask(
        &self,
        key: Option<&str>,
        kind: Kind,
        method: &str,
        params: Value,
    ) -> Result<Value, AskError> {
        self.round.ask(self.envelope, key, kind, method, params)
    }

    fn interim(&self) -> Option<Result<Value, RpcError>> {
        self.round.interim(self.key)
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

    fn envelope(caps: Value) -> Envelope {
        Envelope {
            version: "2026-07-28".into(),
            client_capabilities: caps,
            client_info: None,
            log_level: None,
        }
    }

    #[test]
    fn signed_state_verifies_only_for_its_call_caller_key_and_time() {
        let mut answers = Map::new();
        answers.insert("k".into(), json!({"action": "accept"}));
        let state = sign(&key(), &binding(), &answers, 1000);
        assert_eq!(verify(&key(), &binding(), &state, 1001), Ok(answers));
        assert_eq!(
            verify(&SigningKey::generate(), &binding(), &state, 1001),
            Err("bad signature")
        );
        let other_args = Binding::new("tools/call", "t", &json!({"a": 2}), Some("alice"));
        assert_eq!(
            verify(&key(), &other_args, &state, 1001),
            Err("issued for another request")
        );
        let mallory = Binding::new("tools/call", "t", &json!({"a": 1}), Some("mallory"));
        assert_eq!(
            verify(&key(), &mallory, &state, 1001),
            Err("issued to another caller")
        );
        let late = 1000 + STATE_TTL.as_secs();
        assert_eq!(verify(&key(), &binding(), &state, late), Err("expired"));
        // One changed character in the body breaks the signature.
        let (kind, rest) = state.split_once('.').unwrap();
        let (body, tag) = rest.split_once('.').unwrap();
        assert_eq!(kind, "mcp_state");
        let mut forged = body.to_string();
        forged.replace_range(0..1, if body.starts_with('e') { "f" } else { "e" });
        assert_eq!(
            verify(&key(), &binding(), &format!("{kind}.{forged}.{tag}"), 1001),
            Err("bad signature")
        );
        // An OAuth token signed with the same key is not a requestState.
        let token = key().sign("mcp_access", &json!({}));
        assert_eq!(verify(&key(), &binding(), &token, 1001), Err("malformed"));
        assert_eq!(
            verify(&key(), &binding(), "garbage", 1001),
            Err("malformed")
        );
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
        assert_eq!(e.code, envelope::MISSING_CLIENT_CAPABILITY);
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
            crate::mcp::jsonrpc::INVALID_PARAMS
        );

        let mut params = Map::new();
        params.insert("requestState".into(), json!("forged.state"));
        assert!(Round::start(&key(), binding(), &params).is_err());
        let mut params = Map::new();
        params.insert("inputResponses".into(), json!([1]));
        assert!(Round::start(&key(), binding(), &params).is_err());
    }
}
