//! **[28–29](crate::_documentation::flow) Tool calls — the body mirrored in
//! headers (2026-07-28).** A modern POST repeats parts of its JSON body in HTTP
//! headers, so that load balancers and gateways can route on them without
//! parsing the body (MCP 2026-07-28
//! `basic/transports/streamable-http#request-metadata`, SEP-2243):
//!
//! | header | body field | required for |
//! |---|---|---|
//! | `MCP-Protocol-Version` | `params._meta["io.modelcontextprotocol/protocolVersion"]` | every request |
//! | `Mcp-Method` | `method` | every request |
//! | `Mcp-Name` | `params.name` (`tools/call`, `prompts/get`), `params.uri` (`resources/read`) | those three |
//! | `Mcp-Param-{X}` | the `tools/call` argument whose schema says `"x-mcp-header": "X"` | when that argument is present |
//!
//! A server that reads the body MUST refuse a request whose headers are
//! missing or say something else than the body (`#server-validation`) —
//! otherwise a gateway routing on the header and this server acting on the
//! body could be told two different things. The refusal is `400` with
//! `-32020` (HeaderMismatch). Header names are case-insensitive, values are
//! compared exactly after trimming the optional whitespace around them (RFC
//! 9110 §5.5). A header sent twice is a mismatch (which copy would a gateway read?).
//!
//! # Values that are not plain ASCII
//! `Mcp-Name` and `Mcp-Param-*` values that cannot travel as a plain header
//! (non-ASCII, control characters, edge spaces) come as
//! `=?base64?<standard base64 of the UTF-8>?=` (`#value-encoding`). They are
//! decoded before the comparison; a malformed or non-canonical encoding never
//! matches.
//!
//! # `x-mcp-header`
//! A tool may ask clients to mirror a parameter into a header
//! ([`crate::Tool::mirror_to_header`]). [`crate::mcp::schema::mirrored_params`] finds those
//! annotations; only properties reached through a chain of `properties` keys
//! count, and only `string`, `integer` and `boolean` ones (`server/tools#x-mcp-header`).
//! Integers compare numerically (`42` and `42.0` are equal).
//!
//! # Where this sits
//! Called by [`super::post`] between the envelope and the version checks of
//! [`super::envelope`]; the only code of this era that reads the headers a
//! client sets for the body (the core reads its own in [`crate::mcp::transport`]).

use base64::Engine;
use serde_json::{Map, Value};

use super::envelope::{Envelope, Refusal};
use crate::http::Request;
use crate::mcp::McpServer;
use crate::mcp::jsonrpc::RpcRequest;
use crate::mcp::schema::mirrored_params;

/// Base64 values are wrapped in this prefix…
const SENTINEL_START: &str = "=?base64?";
/// …and this suffix (case-sensitive, `#value-encoding`).
const SENTINEL_END: &str = "?=";

/// Checks the mirrored headers of a modern request against its body.
pub fn check(
    http: &Request,
    req: &RpcRequest,
    envelope: &Envelope,
    server: &McpServer,
) -> Result<(), Refusal> {
    let version = single(http, "MCP-Protocol-Version")?;
    if version != Some(envelope.version.as_str()) {
        return Err(Refusal::header_mismatch(format!(
            "MCP-Protocol-Version {} does not match the body's protocolVersion {:?}",
            shown(version),
            envelope.version
        )));
    }
    let method = single(http, "Mcp-Method")?;
    if method != Some(req.method.as_str()) {
        return Err(Refusal::header_mismatch(format!(
            "Mcp-Method {} does not match the body's method {:?}",
            shown(method),
            req.method
        )));
    }
    let name_field = match req.method.as_str() {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    };
    if let Some(field) = name_field
        && let Some(body_value) = req.params.get(field).and_then(Value::as_str)
    {
        let header = single(http, "Mcp-Name")?;
        if header.and_then(decode).as_deref() != Some(body_value) {
            return Err(Refusal::header_mismatch(format!(
                "Mcp-Name {} does not match the body's params.{field} {body_value:?}",
                shown(header)
            )));
        }
    }
    if req.method == "tools/call"
        && let Some(tool) = req
            .params
            .get("name")
            .and_then(Value::as_str)
            .and_then(|n| server.find_tool(n))
    {
        let empty = Map::new();
        let arguments = req
            .params
            .get("arguments")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        check_params(http, tool.schema(), arguments)?;
    }
    Ok(())
}

/// The one value of header `name` (trimmed), `None` if absent, a mismatch if repeated.
fn single<'a>(http: &'a Request, name: &'a str) -> Result<Option<&'a str>, Refusal> {
    let mut values = http.header_all(name);
    let first = values.next().map(str::trim);
    if values.next().is_some() {
        return Err(Refusal::header_mismatch(format!("{name} is sent twice")));
    }
    Ok(first)
}

fn shown(header: Option<&str>) -> String {
    match header {
        Some(v) => format!("{v:?}"),
        None => "(missing)".to_string(),
    }
}

/// A header value as the client meant it: the base64 sentinel decoded, or the
/// value itself. `None` for a malformed or non-canonical encoding.
pub fn decode(value: &str) -> Option<String> {
    let Some(payload) = value
        .strip_prefix(SENTINEL_START)
        .and_then(|v| v.strip_suffix(SENTINEL_END))
    else {
        return Some(value.to_string());
    };
    let engine = &base64::engine::general_purpose::STANDARD;
    let bytes = engine.decode(payload).ok()?;
    // Only the canonical spelling: what an encoder would produce.
    if engine.encode(&bytes) != payload {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// The argument at `path`, `None` when absent or `null`.
fn argument<'a>(arguments: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut value = arguments.get(first)?;
    for key in rest {
        value = value.get(key)?;
    }
    (!value.is_null()).then_some(value)
}

/// Whether a decoded header value says the same as the body's argument.
fn same_value(header: &str, body: &Value) -> bool {
    match body {
        Value::String(s) => header == s,
        Value::Bool(b) => header == if *b { "true" } else { "false" },
        Value::Number(n) => match (n.as_f64(), integer(header)) {
            // Integers compare numerically, so that 42 and 42.0 agree (`#server-validation`).
            (Some(f), Some(h)) if f.fract() == 0.0 => (h as f64) == f,
            _ => header == n.to_string(),
        },
        _ => false,
    }
}

/// `-?digits(.zeros)?` as an integer.
fn integer(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// `Mcp-Param-*`: present exactly when the argument is, and equal to it.
fn check_params(
    http: &Request,
    schema: &Value,
    arguments: &Map<String, Value>,
) -> Result<(), Refusal> {
    // A tool's schema was checked when it was registered.
    let Ok(mirrored) = mirrored_params(schema) else {
        return Ok(());
    };
    for (path, name) in mirrored {
        let header_name = format!("Mcp-Param-{name}");
        let header = single(http, &header_name)?;
        let place = path.join(".");
        match (header, argument(arguments, &path)) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(Refusal::header_mismatch(format!(
                    "{header_name} is sent but argument `{place}` is absent"
                )));
            }
            (None, Some(_)) => {
                return Err(Refusal::header_mismatch(format!(
                    "{header_name} is missing but argument `{place}` is present"
                )));
            }
            (Some(h), Some(body)) => {
                if !decode(h).is_some_and(|h| same_value(&h, body)) {
                    return Err(Refusal::header_mismatch(format!(
                        "{header_name} {h:?} does not match argument `{place}`"
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_base64_sentinel() {
        // The spec's own examples (`#value-encoding`).
        assert_eq!(decode("us-west1").as_deref(), Some("us-west1"));
        assert_eq!(
            decode("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(
            decode("=?base64?IHBhZGRlZCA=?=").as_deref(),
            Some(" padded ")
        );
        assert_eq!(
            decode("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=").as_deref(),
            Some("=?base64?literal?=")
        );
        assert_eq!(decode("=?base64?SGVsbG8?=").as_deref(), None); // no padding
        assert_eq!(decode("=?base64?!!!!?=").as_deref(), None);
        assert_eq!(
            decode("=?BASE64?SGk=?=").as_deref(),
            Some("=?BASE64?SGk=?=")
        );
    }

    #[test]
    fn values_compare_as_the_client_renders_them() {
        assert!(same_value("us-west1", &json!("us-west1")));
        assert!(same_value("42", &json!(42)));
        assert!(same_value("42.0", &json!(42)));
        assert!(same_value("42", &json!(42.0)));
        assert!(same_value("-7", &json!(-7)));
        assert!(!same_value("43", &json!(42)));
        assert!(!same_value("4e1", &json!(40)));
        assert!(same_value("true", &json!(true)));
        assert!(!same_value("True", &json!(true)));
        assert!(!same_value("{}", &json!({})));
    }
}
