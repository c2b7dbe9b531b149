//! **[28–29](crate::_documentation::flow) Tool calls — argument completion.**
//! MCP 2025-11-25 `server/utilities/completion`: while the user fills in a
//! prompt's arguments or a resource template's variables, the client asks
//! `completion/complete` for candidates; each argument may have a
//! [`Completer`] ([`super::Prompt::complete`],
//! [`super::ResourceTemplate::complete`]). At most 100 values are sent;
//! `hasMore` says if there were more.
//!
//! # Where this sits
//! Called by the [`super::prompts::Prompts`] capability, which finds the
//! completers named by `ref` in itself (`ref/prompt`) or in
//! [`super::resources::Resources`] (`ref/resource`).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Map, Value, json};

use crate::mcp::jsonrpc::{INTERNAL_ERROR, RpcError};

/// Suggests values for one argument: `(typed_so_far, other_arguments) -> candidates`.
/// At most 100 are sent (the spec's limit); `hasMore` says if there were more.
pub type Completer = Box<dyn Fn(&str, &Map<String, Value>) -> Vec<String> + Send + Sync>;

/// At most this many values per completion (2025-11-25 `server/utilities/completion`).
const MAX_COMPLETIONS: usize = 100;

/// The `completion/complete` result for these params; `completers_for` finds
/// the completers of the prompt or template that `ref` names (`-32602` for
/// an unknown one).
pub fn complete<'c>(
    params: &Map<String, Value>,
    completers_for: impl FnOnce(&Value) -> Result<&'c HashMap<String, Completer>, RpcError>,
) -> Result<Value, RpcError> {
    let bad = |m: &str| RpcError::invalid_params(format!("Invalid params: {m}"));
    let reference = params.get("ref").ok_or_else(|| bad("`ref` is required"))?;
    let argument = params
        .get("argument")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`argument` must be an object"))?;
    let arg_name = argument
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`argument.name` must be a string"))?;
    let typed = argument.get("value").and_then(Value::as_str).unwrap_or("");
    let empty = Map::new();
    let context = params
        .get("context")
        .and_then(|c| c.get("arguments"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let completers = completers_for(reference)?;
    let mut values = match completers.get(arg_name) {
        Some(completer) => catch_unwind(AssertUnwindSafe(|| completer(typed, context)))
            .map_err(|_| RpcError::new(INTERNAL_ERROR, "Internal error: the completer failed"))?,
        None => Vec::new(),
    };
    let total = values.len();
    values.truncate(MAX_COMPLETIONS);
    Ok(
        json!({"completion": {"values": values, "total": total, "hasMore": total > MAX_COMPLETIONS}}),
    )
}
