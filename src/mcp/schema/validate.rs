//! **[28–29](crate::_documentation::flow) Tool calls — arguments and results
//! checked against their schema.** [`validate`] understands the subset of JSON
//! Schema 2020-12 that our builders write and generators commonly emit, and
//! reports every problem at once, so that the model can fix a call in one retry
//! (MCP 2025-11-25 `server/tools#error-handling`).
//!
//! # Where this sits
//! Called by [`crate::mcp::dispatch`] before a tool's handler runs (the
//! arguments) and after it returned (`structuredContent` against `outputSchema`).

use serde_json::{Map, Value};

/// Checks `value` against `schema` and returns every problem found, each
/// naming where (`tags[2]`, `limit`) and what was expected. Understands the
/// keywords our builders write and generators commonly emit: `type`,
/// `properties`, `required`, `additionalProperties`, `items`, `enum`,
/// `const`, `minimum`/`maximum` (and the exclusive ones), `minLength`/
/// `maxLength`, `minItems`/`maxItems`, `anyOf`/`oneOf`/`allOf`. Other
/// keywords are not checked.
///
/// ```
/// use remote_mcp::mcp::schema::validate;
/// use serde_json::json;
///
/// let schema = json!({"type": "object", "additionalProperties": false,
///     "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 50}},
///     "required": ["limit"]});
/// assert!(validate(&schema, &json!({"limit": 5})).is_empty());
/// let problems = validate(&schema, &json!({"limit": 100, "extra": 1}));
/// assert_eq!(problems.len(), 2);
/// ```
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check_value(schema, value, "", &mut problems);
    problems
}

/// [`validate`] for a call's `arguments` object, without copying it.
pub(crate) fn validate_arguments(schema: &Value, arguments: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(s) = schema.as_object() {
        check_object(s, arguments, "", &mut problems);
    }
    problems
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn is_type(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn label(at: &str) -> String {
    if at.is_empty() {
        "the arguments".into()
    } else {
        format!("`{at}`")
    }
}

fn check_value(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            problems.push(format!("{} is not allowed", label(at)));
        }
        return;
    };
    match s.get("type") {
        Some(Value::String(ty)) if !is_type(value, ty) => {
            problems.push(format!(
                "{} must be {}{}, not {}",
                label(at),
                if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an "
                } else {
                    "a "
                },
                ty,
                type_name(value)
            ));
            return;
        }
        Some(Value::Array(types))
            if !types
                .iter()
                .filter_map(Value::as_str)
                .any(|t| is_type(value, t)) =>
        {
            problems.push(format!(
                "{} must be one of the types {}, not {}",
                label(at),
                Value::Array(types.clone()),
                type_name(value)
            ));
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = s.get("enum")
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
        problems.push(format!("{} must be one of {}", label(at), list.join(", ")));
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        problems.push(format!("{} must be {c}", label(at)));
    }
    if let Some(n) = value.as_f64() {
        let bound = |k: &str| s.get(k).and_then(Value::as_f64);
        if let Some(min) = bound("minimum").filter(|m| n < *m) {
            problems.push(format!("{} must be at least {}", label(at), num(min)));
        }
        if let Some(max) = bound("maximum").filter(|m| n > *m) {
            problems.push(format!("{} must be at most {}", label(at), num(max)));
        }
        if let Some(min) = bound("exclusiveMinimum").filter(|m| n <= *m) {
            problems.push(format!("{} must be greater than {}", label(at), num(min)));
        }
        if let Some(max) = bound("exclusiveMaximum").filter(|m| n >= *m) {
            problems.push(format!("{} must be less than {}", label(at), num(max)));
        }
    }
    if let Some(text) = value.as_str() {
        let len = text.chars().count() as u64;
        if let Some(min) = s
            .get("minLength")
            .and_then(Value::as_u64)
            .filter(|m| len < *m)
        {
            problems.push(format!(
                "{} must be at least {min} character{} long",
                label(at),
                plural(min)
            ));
        }
        if let Some(max) = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .filter(|m| len > *m)
        {
            problems.push(format!(
                "{} must be at most {max} character{} long",
                label(at),
                plural(max)
            ));
        }
    }
    if let Some(items) = value.as_array() {
        let len = items.len() as u64;
        if let Some(min) = s
            .get("minItems")
            .and_then(Value::as_u64)
            .filter(|m| len < *m)
        {
            problems.push(format!(
                "{} must have at least {min} item{}",
                label(at),
                plural(min)
            ));
        }
        if let Some(max) = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .filter(|m| len > *m)
        {
            problems.push(format!(
                "{} must have at most {max} item{}",
                label(at),
                plural(max)
            ));
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                check_value(item_schema, item, &format!("{at}[{i}]"), problems);
            }
        }
    }
    if let Some(object) = value.as_object() {
        check_object(s, object, at, problems);
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        for sub in all {
            check_value(sub, value, at, problems);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(any)) = s.get(key) {
            let fits = any.iter().filter(|sub| {
                let mut p = Vec::new();
                check_value(sub, value, at, &mut p);
                p.is_empty()
            });
            if fits.count() == 0 {
                problems.push(format!("{} matches none of the allowed shapes", label(at)));
            }
        }
    }
}

fn check_object(
    s: &Map<String, Value>,
    object: &Map<String, Value>,
    at: &str,
    problems: &mut Vec<String>,
) {
    let empty = Map::new();
    let properties = s
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(Value::Array(required)) = s.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            // `null` counts as absent, as in `ToolCall::args` (models send it
            // for optional parameters they mean to leave out).
            if object.get(name).is_none_or(Value::is_null) {
                problems.push(format!("{} is required", label(&join(at, name))));
            }
        }
    }
    let what = if at.is_empty() {
        "parameter"
    } else {
        "property"
    };
    for (name, v) in object {
        let path = join(at, name);
        match properties.get(name) {
            Some(_) if v.is_null() => {}
            Some(p) => check_value(p, v, &path, problems),
            None => match s.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    let known: Vec<&str> = properties.keys().map(String::as_str).collect();
                    problems.push(if known.is_empty() {
                        format!("{} is not a {what} (there are none)", label(&path))
                    } else {
                        format!(
                            "{} is not a {what} (expected: {})",
                            label(&path),
                            known.join(", ")
                        )
                    });
                }
                Some(extra @ Value::Object(_)) => check_value(extra, v, &path, problems),
                _ => {}
            },
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}
