//! **[28–29](crate::_documentation::flow) Tool calls — the rules every listed
//! schema follows.** [`check`] applies the table of the [`crate::mcp::schema`]
//! module docs when the server is built ([`crate::McpServer::tool`]): a schema
//! that some client refuses is a start-up panic naming the tool and the rule.
//! Also here: [`inline_refs`] (no client has to resolve `$ref`),
//! [`valid_tool_name`] (`server/tools#tool-names`), [`mirrored_params`] (the
//! `x-mcp-header` annotations a 2026-07-28 client mirrors into headers) and,
//! with the `schemars` feature, [`from_type`].
//!
//! # Where this sits
//! Called by [`crate::McpServer::tool`] at start-up; nothing here runs per request.

use std::fmt;

use serde_json::{Map, Value, json};

/// The largest schema we list, in bytes of compact JSON: claude.ai drops a
/// tool whose input schema is larger, without a word.
///
/// ```
/// use remote_mcp::mcp::schema::{check, Which, MAX_SCHEMA_BYTES};
/// let huge = serde_json::json!({"type": "object", "description": "x".repeat(MAX_SCHEMA_BYTES)});
/// assert!(check(&huge, Which::Input).is_err());
/// ```
pub const MAX_SCHEMA_BYTES: usize = 16 * 1024;

/// Which schema of a tool is being checked: the rules differ a little
/// (`anyOf` is refused anywhere in an output schema, only at the top of an
/// input schema).
///
/// ```
/// use remote_mcp::mcp::schema::{check, Which};
/// let s = serde_json::json!({"type": "object", "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}});
/// assert!(check(&s, Which::Input).is_ok());
/// assert!(check(&s, Which::Output).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `inputSchema`.
    Input,
    /// `outputSchema`.
    Output,
}

impl fmt::Display for Which {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Which::Input => "input schema",
            Which::Output => "output schema",
        })
    }
}

/// Checks `schema` against the rules in the module documentation; the error
/// names the rule and where in the schema it was broken.
///
/// ```
/// use remote_mcp::mcp::schema::{check, Which};
/// use serde_json::json;
///
/// assert!(check(&json!({"type": "object", "properties": {"a": {"type": "string"}}}), Which::Input).is_ok());
/// let nullable = json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}});
/// assert!(check(&nullable, Which::Input).unwrap_err().contains("null"));
/// ```
pub fn check(schema: &Value, which: Which) -> Result<(), String> {
    let Some(top) = schema.as_object() else {
        return Err(format!("the {which} must be a JSON object"));
    };
    for key in ["anyOf", "oneOf", "allOf"] {
        if top.contains_key(key) {
            return Err(format!(
                "the {which} has `{key}` at the top level, which claude.ai refuses; use one struct with optional fields"
            ));
        }
    }
    if top.get("type") != Some(&json!("object")) {
        return Err(format!(
            "the {which} must have \"type\": \"object\" (MCP server/tools#tool)"
        ));
    }
    if let Some(dialect) = top.get("$schema")
        && dialect.as_str() != Some("https://json-schema.org/draft/2020-12/schema")
    {
        return Err(format!(
            "the {which} declares `$schema` {dialect}: use the 2020-12 dialect or none (validators that only know 2020-12 refuse others)"
        ));
    }
    let size = schema.to_string().len();
    if size > MAX_SCHEMA_BYTES {
        return Err(format!(
            "the {which} is {size} bytes; claude.ai drops tools whose schema exceeds {MAX_SCHEMA_BYTES} bytes"
        ));
    }
    walk(schema, "#", which)
}

fn walk(schema: &Value, at: &str, which: Which) -> Result<(), String> {
    let Some(object) = schema.as_object() else {
        return Ok(()); // `true`/`false` schemas
    };
    for key in ["$ref", "$defs", "definitions", "$dynamicRef"] {
        if object.contains_key(key) {
            return Err(format!(
                "the {which} uses `{key}` at {at}: not every client resolves references, inline them"
            ));
        }
    }
    if which == Which::Output {
        for key in ["anyOf", "oneOf"] {
            if object.contains_key(key) {
                return Err(format!(
                    "the {which} uses `{key}` at {at}, which breaks the claude.ai connector"
                ));
            }
        }
    }
    if let Some(Value::Array(types)) = object.get("type")
        && types.iter().any(|t| t == "null")
    {
        return Err(format!(
            "the {which} allows `null` at {at} (\"type\": [.., \"null\"]), which several clients refuse; make the property optional (not `required`) instead"
        ));
    }
    for (key, sub) in object {
        match (key.as_str(), sub) {
            ("properties" | "patternProperties", Value::Object(props)) => {
                for (name, s) in props {
                    walk(s, &format!("{at}/{key}/{name}"), which)?;
                }
            }
            ("items" | "additionalProperties" | "not" | "contains", s) => {
                walk(s, &format!("{at}/{key}"), which)?;
            }
            ("anyOf" | "oneOf" | "allOf" | "prefixItems", Value::Array(list)) => {
                for (i, s) in list.iter().enumerate() {
                    walk(s, &format!("{at}/{key}/{i}"), which)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Replaces every local `$ref` (`#/$defs/…`, `#/definitions/…`) with the
/// schema it points to, removes `$defs`/`definitions`, and turns
/// `"type": ["T", "null"]` (what generators write for `Option<T>`) into
/// `"type": "T"` — the property is optional anyway when it is not `required`.
/// A recursive type cannot be inlined: that is an error.
///
/// ```
/// use remote_mcp::mcp::schema::inline_refs;
/// use serde_json::json;
///
/// let generated = json!({
///     "$schema": "https://json-schema.org/draft/2020-12/schema",
///     "type": "object",
///     "properties": {"when": {"$ref": "#/$defs/Day"}, "note": {"type": ["string", "null"]}},
///     "required": ["when"],
///     "$defs": {"Day": {"type": "string", "enum": ["mon", "tue"]}}
/// });
/// let flat = inline_refs(generated).unwrap();
/// assert_eq!(flat["properties"]["when"]["enum"], json!(["mon", "tue"]));
/// assert_eq!(flat["properties"]["note"]["type"], "string");
/// assert!(flat.get("$defs").is_none());
/// ```
pub fn inline_refs(mut schema: Value) -> Result<Value, String> {
    let mut defs = Map::new();
    if let Some(top) = schema.as_object_mut() {
        for key in ["$defs", "definitions"] {
            if let Some(Value::Object(d)) = top.remove(key) {
                for (name, s) in d {
                    defs.insert(format!("#/{key}/{name}"), s);
                }
            }
        }
    }
    resolve(&mut schema, &defs, 0)?;
    Ok(schema)
}

fn resolve(schema: &mut Value, defs: &Map<String, Value>, depth: usize) -> Result<(), String> {
    if depth > 32 {
        return Err("a recursive type cannot be written without `$ref`".into());
    }
    let Value::Object(object) = schema else {
        return Ok(());
    };
    if let Some(Value::String(target)) = object.get("$ref") {
        if target == "#" {
            return Err("a recursive type cannot be written without `$ref`".into());
        }
        let Some(def) = defs.get(target) else {
            return Err(format!("`$ref` {target} points nowhere"));
        };
        let mut def = def.clone();
        resolve(&mut def, defs, depth + 1)?;
        object.remove("$ref");
        if let Value::Object(def) = def {
            for (k, v) in def {
                object.entry(k).or_insert(v);
            }
        }
        return Ok(());
    }
    if let Some(Value::Array(types)) = object.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if kept.len() == 1 {
            object.insert("type".into(), kept[0].clone());
        }
    }
    // `Option<Enum>`: generators add `null` to the enum's values.
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    // `Option<Struct>`: `anyOf: [{…}, {"type": "null"}]` becomes the struct's schema.
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(list)) = object.get(key) {
            let kept: Vec<Value> = list
                .iter()
                .filter(|s| s.get("type") != Some(&json!("null")))
                .cloned()
                .collect();
            if kept.len() == 1 && list.len() == 2 {
                object.remove(key);
                let mut only = kept.into_iter().next().unwrap_or_default();
                resolve(&mut only, defs, depth + 1)?;
                if let Value::Object(only) = only {
                    for (k, v) in only {
                        object.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
    for (_, sub) in object.iter_mut() {
        match sub {
            Value::Object(_) => resolve(sub, defs, depth + 1)?,
            Value::Array(list) => {
                for s in list {
                    resolve(s, defs, depth + 1)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The schema of `T` as [`schemars`] generates it (with the `schemars`
/// feature), made acceptable to every client: 2020-12 without `$schema`,
/// subschemas and `$ref`s inlined, `Option<T>` an optional property rather
/// than a `null` type ([`inline_refs`]). Doc comments become descriptions.
/// What still breaks a rule is refused when the server is built.
///
/// ```
/// # #[cfg(feature = "schemars")] {
/// use remote_mcp::mcp::schema::from_type;
///
/// #[derive(schemars::JsonSchema)]
/// struct Search {
///     /// What to look for.
///     query: String,
///     /// At most this many.
///     #[schemars(range(min = 1, max = 50))]
///     limit: Option<u32>,
/// }
///
/// let schema = from_type::<Search>().unwrap();
/// assert_eq!(schema["required"], serde_json::json!(["query"]));
/// assert_eq!(schema["properties"]["limit"]["type"], "integer");
/// assert_eq!(schema["properties"]["limit"]["maximum"], 50);
/// assert_eq!(schema["properties"]["query"]["description"], "What to look for.");
/// # }
/// ```
#[cfg(feature = "schemars")]
pub fn from_type<T: schemars::JsonSchema>() -> Result<Value, String> {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.meta_schema = None;
            s.inline_subschemas = true;
        })
        .into_generator();
    let mut schema = inline_refs(generator.into_root_schema_for::<T>().to_value())?;
    if let Some(top) = schema.as_object_mut() {
        // The type's Rust name says nothing to a model.
        top.remove("title");
    }
    Ok(schema)
}

/// Whether `name` follows the MCP tool-name rules: 1–128 characters of
/// `A-Z a-z 0-9 _ - .` (2025-11-25 `server/tools#tool-names`).
///
/// ```
/// use remote_mcp::mcp::schema::valid_tool_name;
/// assert!(valid_tool_name("notes.add_note-v2"));
/// assert!(!valid_tool_name("add note"));
/// assert!(!valid_tool_name(""));
/// ```
pub fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The `x-mcp-header` annotations of an input schema (MCP 2026-07-28
/// `server/tools#x-mcp-header`, checked when a tool is registered, whichever
/// era later calls it): the property path (the
/// chain of `properties` keys) and the header name (`Mcp-Param-{name}`), or
/// why the schema breaks the rules of `server/tools#x-mcp-header`.
pub fn mirrored_params(schema: &Value) -> Result<Vec<(Vec<String>, String)>, String> {
    let mut found = Vec::new();
    walk_headers(schema, Some(Vec::new()), &mut found)?;
    let mut seen: Vec<String> = Vec::new();
    for (path, header) in &found {
        let lower = header.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(format!(
                "x-mcp-header {header:?} (on `{}`) is used twice",
                path.join(".")
            ));
        }
        seen.push(lower);
    }
    Ok(found)
}

/// Collects annotations below `node`; `path` is `None` once the walk has left
/// the pure `properties` chain (inside `items`, `anyOf`, `$defs`…).
fn walk_headers(
    node: &Value,
    path: Option<Vec<String>>,
    found: &mut Vec<(Vec<String>, String)>,
) -> Result<(), String> {
    let Value::Object(schema) = node else {
        return Ok(());
    };
    if let Some(header) = schema.get("x-mcp-header") {
        let place = match &path {
            Some(p) if !p.is_empty() => p.clone(),
            _ => {
                return Err(
                    "x-mcp-header is only allowed on properties reached through `properties` keys"
                        .into(),
                );
            }
        };
        let Some(header) = header.as_str().filter(|h| is_token(h)) else {
            return Err(format!(
                "x-mcp-header on `{}` must be a non-empty HTTP token",
                place.join(".")
            ));
        };
        if !matches!(
            schema.get("type").and_then(Value::as_str),
            Some("string" | "integer" | "boolean")
        ) {
            return Err(format!(
                "x-mcp-header on `{}` needs a string, integer or boolean property",
                place.join(".")
            ));
        }
        found.push((place, header.to_string()));
    }
    for (keyword, value) in schema {
        match (keyword.as_str(), value) {
            ("properties", Value::Object(props)) => {
                for (name, sub) in props {
                    let sub_path = path.as_ref().map(|p| {
                        let mut p = p.clone();
                        p.push(name.clone());
                        p
                    });
                    walk_headers(sub, sub_path, found)?;
                }
            }
            // Instance data, not schemas: never look inside.
            ("default" | "examples" | "const" | "enum", _) => {}
            (_, Value::Object(_)) => walk_headers(value, None, found)?,
            (_, Value::Array(items)) => {
                for item in items {
                    walk_headers(item, None, found)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// RFC 9110 §5.6.2 `token`: the characters allowed in a header name.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
