//! **[28–29](crate::_documentation::flow) Tool calls — the schemas of a tool's
//! arguments and results.** A tool's `inputSchema` is what the model reads to
//! call it, and what clients validate against; `outputSchema` is what clients
//! validate `structuredContent` against (MCP 2025-11-25 `server/tools#tool`,
//! `#output-schema`; schemas without `$schema` are JSON Schema 2020-12,
//! `basic/index#json-schema-usage`).
//!
//! Three things live here:
//! * [`Type`] and [`Param`], a typed builder for ordinary parameters, so that a
//!   tool author never writes a JSON type as a string or a JSON Schema by hand;
//! * [`check`], the rules every schema we list must follow, applied when the
//!   server is built ([`crate::McpServer::tool`]): a schema that some client
//!   refuses is a start-up panic naming the tool and the rule, not a connector
//!   that silently loses a tool;
//! * [`validate`], the subset of JSON Schema a call's arguments (before the
//!   handler runs) and a typed result (after it ran) are checked against.
//!
//! ```
//! use remote_mcp::mcp::schema::{Param, Type};
//! use remote_mcp::Tool;
//!
//! let tool = Tool::new("search", "Searches the notes.")
//!     .arg(Param::string("query", "What to look for"))
//!     .arg(Param::integer("limit", "How many results").range(1, 50).default(10))
//!     .arg(Param::array("tags", Type::String, "Only notes with all these tags").optional());
//! let schema = &tool.to_json()["inputSchema"];
//! assert_eq!(schema["properties"]["limit"]["maximum"], 50);
//! assert_eq!(schema["required"], serde_json::json!(["query"]));
//! ```
//!
//! # The rules ([`check`])
//! Each comes from a client seen refusing or dropping a tool:
//!
//! | rule | why |
//! |---|---|
//! | the input schema is `"type": "object"` | MCP `server/tools#tool` |
//! | no `anyOf`/`oneOf`/`allOf` at the top of an input schema | claude.ai refuses the tool |
//! | no `anyOf`/`oneOf` anywhere in an output schema | breaks the claude.ai connector |
//! | no `"type": [..., "null"]` | several clients' validators refuse it; an optional field is simply not `required` |
//! | no `$ref`/`$defs`/`definitions` | not every client resolves references: schemas are inlined ([`inline_refs`]) |
//! | `$schema` absent or 2020-12 | validators that accept only 2020-12 refuse draft-07 |
//! | at most 16 KiB of JSON | claude.ai silently drops a tool with a larger input schema |
//!
//! # Where this sits
//! Used by [`crate::mcp::tools`] (building schemas), [`crate::McpServer::tool`]
//! (checking them) and [`crate::mcp::dispatch`] (validating calls and results).

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

/// The JSON type of a parameter.
///
/// ```
/// use remote_mcp::mcp::schema::Type;
/// assert_eq!(Type::array(Type::Integer).to_json(), serde_json::json!({"type": "array", "items": {"type": "integer"}}));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// A JSON string (`String`, `&str`, unit-only enums).
    String,
    /// A JSON number without a fraction (`i64`, `u32`…).
    Integer,
    /// Any JSON number (`f64`).
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON array whose items all have this type (`Vec<T>`).
    Array(Box<Type>),
    /// A JSON object of any shape (`serde_json::Map`); say what it holds in
    /// the description.
    Object,
}

impl Type {
    /// An array of `items` ([`Type::Array`] without the `Box`).
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Type;
    /// assert_eq!(Type::array(Type::String), Type::Array(Box::new(Type::String)));
    /// ```
    pub fn array(items: Type) -> Type {
        Type::Array(Box::new(items))
    }

    /// The JSON Schema of this type.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Type;
    /// assert_eq!(Type::Number.to_json(), serde_json::json!({"type": "number"}));
    /// ```
    pub fn to_json(&self) -> Value {
        match self {
            Type::String => json!({"type": "string"}),
            Type::Integer => json!({"type": "integer"}),
            Type::Number => json!({"type": "number"}),
            Type::Boolean => json!({"type": "boolean"}),
            Type::Array(items) => json!({"type": "array", "items": items.to_json()}),
            Type::Object => json!({"type": "object"}),
        }
    }

    /// The type named by a JSON Schema type string (`"string"`, `"integer"`…),
    /// for the older [`crate::Tool::param`] form.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Type;
    /// assert_eq!(Type::from_name("boolean"), Some(Type::Boolean));
    /// assert_eq!(Type::from_name("strnig"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "string" => Type::String,
            "integer" => Type::Integer,
            "number" => Type::Number,
            "boolean" => Type::Boolean,
            "array" => Type::Array(Box::new(Type::String)),
            "object" => Type::Object,
            _ => return None,
        })
    }
}

/// One named parameter (or one field of a result): a [`Type`], a
/// description, and the usual refinements. Required unless made
/// [`Param::optional`] or given a [`Param::default`].
///
/// ```
/// use remote_mcp::mcp::schema::{Param, Type};
///
/// let order = Param::string("order", "Sort order").one_of(["newest", "oldest"]).default("newest");
/// assert_eq!(order.to_json()["enum"], serde_json::json!(["newest", "oldest"]));
/// assert!(!order.is_required());
/// let tags = Param::array("tags", Type::String, "Tags").max(10).optional();
/// assert_eq!(tags.to_json()["maxItems"], 10);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub(crate) name: String,
    ty: Type,
    schema: Map<String, Value>,
    required: bool,
}

impl Param {
    /// A required parameter `name` of type `ty`.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// let p = Param::new("when", Type::String, "A date, YYYY-MM-DD");
    /// assert_eq!(p.to_json(), json!({"type": "string", "description": "A date, YYYY-MM-DD"}));
    /// ```
    pub fn new(name: &str, ty: Type, description: &str) -> Param {
        let Value::Object(mut schema) = ty.to_json() else {
            unreachable!("Type::to_json is always an object")
        };
        if !description.is_empty() {
            schema.insert("description".into(), description.into());
        }
        Param {
            name: name.to_string(),
            ty,
            schema,
            required: true,
        }
    }

    /// A required string parameter.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::string("q", "").to_json(), json!({"type": "string"}));
    /// ```
    pub fn string(name: &str, description: &str) -> Param {
        Param::new(name, Type::String, description)
    }

    /// A required integer parameter.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::integer("n", "").to_json(), json!({"type": "integer"}));
    /// ```
    pub fn integer(name: &str, description: &str) -> Param {
        Param::new(name, Type::Integer, description)
    }

    /// A required number parameter.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::number("x", "").to_json(), json!({"type": "number"}));
    /// ```
    pub fn number(name: &str, description: &str) -> Param {
        Param::new(name, Type::Number, description)
    }

    /// A required boolean parameter.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::boolean("yes", "").to_json(), json!({"type": "boolean"}));
    /// ```
    pub fn boolean(name: &str, description: &str) -> Param {
        Param::new(name, Type::Boolean, description)
    }

    /// A required array parameter whose items are `items`.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// let ids = Param::array("ids", Type::Integer, "");
    /// assert_eq!(ids.to_json(), json!({"type": "array", "items": {"type": "integer"}}));
    /// ```
    pub fn array(name: &str, items: Type, description: &str) -> Param {
        Param::new(name, Type::array(items), description)
    }

    /// The parameter may be left out (it is not `required`; `Option<T>` in
    /// the author's argument type).
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert!(!Param::string("tag", "").optional().is_required());
    /// ```
    pub fn optional(mut self) -> Param {
        self.required = false;
        self
    }

    /// The smallest value allowed: `minimum` for numbers, `minLength` for
    /// strings, `minItems` for arrays.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::integer("n", "").min(1).to_json()["minimum"], 1);
    /// assert_eq!(Param::string("s", "").min(1).to_json()["minLength"], 1);
    /// assert_eq!(Param::array("a", Type::String, "").min(1).to_json()["minItems"], 1);
    /// ```
    pub fn min(self, min: impl Into<serde_json::Number>) -> Param {
        let key = match self.ty {
            Type::String => "minLength",
            Type::Array(_) => "minItems",
            _ => "minimum",
        };
        self.set(key, Value::Number(min.into()))
    }

    /// The largest value allowed: `maximum`, `maxLength` or `maxItems` (see [`Param::min`]).
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::integer("n", "").max(50).to_json()["maximum"], 50);
    /// ```
    pub fn max(self, max: impl Into<serde_json::Number>) -> Param {
        let key = match self.ty {
            Type::String => "maxLength",
            Type::Array(_) => "maxItems",
            _ => "maximum",
        };
        self.set(key, Value::Number(max.into()))
    }

    /// [`Param::min`] and [`Param::max`] at once.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// let limit = Param::integer("limit", "").range(1, 50).to_json();
    /// assert_eq!((&limit["minimum"], &limit["maximum"]), (&json!(1), &json!(50)));
    /// ```
    pub fn range(
        self,
        min: impl Into<serde_json::Number>,
        max: impl Into<serde_json::Number>,
    ) -> Param {
        self.min(min).max(max)
    }

    /// The only values allowed (`enum`); for an array, the values its items may take.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// let tags = Param::array("tags", Type::String, "").one_of(["red", "green"]);
    /// assert_eq!(tags.to_json()["items"]["enum"], json!(["red", "green"]));
    /// ```
    pub fn one_of<S: Into<String>>(self, values: impl IntoIterator<Item = S>) -> Param {
        let values: Vec<Value> = values
            .into_iter()
            .map(|v| Value::String(v.into()))
            .collect();
        match self.ty {
            Type::Array(_) => {
                let mut p = self;
                if let Some(items) = p.schema.get_mut("items").and_then(Value::as_object_mut) {
                    items.insert("enum".into(), Value::Array(values));
                }
                p
            }
            _ => self.set("enum", Value::Array(values)),
        }
    }

    /// The value used when the parameter is left out (`default`); makes it optional.
    /// The handler still sees it absent: use `#[serde(default)]` or `unwrap_or`.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// let n = Param::integer("limit", "").default(10);
    /// assert_eq!(n.to_json()["default"], 10);
    /// assert!(!n.is_required());
    /// ```
    pub fn default(self, value: impl Into<Value>) -> Param {
        self.set("default", value.into()).optional()
    }

    /// Drops the item type of an array (the older `Tool::param` form).
    pub(crate) fn any_items(mut self) -> Param {
        self.schema.remove("items");
        self
    }

    fn set(mut self, key: &str, value: Value) -> Param {
        self.schema.insert(key.into(), value);
        self
    }

    /// The parameter's name.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Param;
    /// assert_eq!(Param::string("q", "").name(), "q");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it is listed in `required`.
    ///
    /// ```
    /// use remote_mcp::mcp::schema::Param;
    /// assert!(Param::string("q", "").is_required());
    /// ```
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// The parameter's own schema (what goes under `properties.<name>`).
    ///
    /// ```
    /// use remote_mcp::mcp::schema::{Param, Type};
    /// use serde_json::json;
    /// assert_eq!(Param::boolean("b", "Yes or no").to_json(), json!({"type": "boolean", "description": "Yes or no"}));
    /// ```
    pub fn to_json(&self) -> Value {
        Value::Object(self.schema.clone())
    }
}

/// Adds `param` to the object schema `schema` (`properties` and `required`).
/// A second parameter with the same name is refused.
pub(crate) fn add_param(schema: &mut Value, param: Param) -> Result<(), String> {
    let Value::Object(schema) = schema else {
        return Err("the schema is not an object".into());
    };
    let properties = schema.entry("properties").or_insert_with(|| json!({}));
    let Value::Object(p) = properties else {
        return Err("`properties` is not an object".into());
    };
    if p.contains_key(&param.name) {
        return Err(format!("parameter `{}` is declared twice", param.name));
    }
    p.insert(param.name.clone(), param.to_json());
    if param.required {
        let list = schema.entry("required").or_insert_with(|| json!([]));
        if let Value::Array(list) = list {
            list.push(param.name.into());
        }
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn object(props: Value) -> Value {
        json!({"type": "object", "properties": props})
    }

    #[test]
    fn every_rule_is_refused_with_its_reason() {
        let cases = [
            (
                json!({"type": "string"}),
                Which::Input,
                "\"type\": \"object\"",
            ),
            (
                json!({"type": "object", "anyOf": []}),
                Which::Input,
                "top level",
            ),
            (
                json!({"type": "object", "oneOf": []}),
                Which::Input,
                "top level",
            ),
            (
                object(json!({"a": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})),
                Which::Output,
                "breaks the claude.ai connector",
            ),
            (
                object(json!({"a": {"type": ["string", "null"]}})),
                Which::Input,
                "null",
            ),
            (
                object(json!({"a": {"$ref": "#/$defs/A"}})),
                Which::Input,
                "$ref",
            ),
            (
                json!({"type": "object", "$schema": "http://json-schema.org/draft-07/schema#"}),
                Which::Input,
                "2020-12",
            ),
            (
                object(json!({"a": {"type": "string", "description": "x".repeat(17_000)}})),
                Which::Input,
                "16384",
            ),
        ];
        for (schema, which, reason) in cases {
            let err = check(&schema, which)
                .expect_err(&schema.to_string()[..60.min(schema.to_string().len())]);
            assert!(err.contains(reason), "{err} should mention {reason}");
        }
        // An anyOf inside an input property is fine.
        let inner = object(json!({"a": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}));
        assert!(check(&inner, Which::Input).is_ok());
        let ok =
            json!({"type": "object", "$schema": "https://json-schema.org/draft/2020-12/schema"});
        assert!(check(&ok, Which::Input).is_ok());
    }

    #[test]
    fn validation_reports_every_problem_at_once() {
        let schema = json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "maxItems": 2},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50},
                "ratio": {"type": "number", "exclusiveMaximum": 1}
            },
            "required": ["title", "limit"]
        });
        let problems = validate(
            &schema,
            &json!({"tags": ["a", "c", 3], "limit": 2.5, "ratio": 1, "x": true}),
        );
        let all = problems.join("\n");
        for expected in [
            "`title` is required",
            "`tags[1]` must be one of",
            "`tags[2]` must be a string",
            "at most 2 items",
            "`limit` must be an integer, not a number",
            "`ratio` must be less than 1",
            "`x` is not a parameter (expected: limit, ratio, tags, title)",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in\n{all}");
        }
        assert_eq!(problems.len(), 7, "{all}");
        assert!(validate(&schema, &json!({"title": "t", "limit": 3.0, "tags": ["b"]})).is_empty());
        assert_eq!(
            validate(&schema, &json!({"title": "", "limit": 0})),
            vec![
                "`limit` must be at least 1",
                "`title` must be at least 1 character long"
            ]
        );
    }

    #[test]
    fn a_duplicate_parameter_is_refused() {
        let mut schema = json!({"type": "object"});
        assert!(add_param(&mut schema, Param::string("a", "")).is_ok());
        let err = add_param(&mut schema, Param::integer("a", "")).unwrap_err();
        assert!(err.contains("declared twice"));
        assert_eq!(schema["required"], json!(["a"]));
    }

    #[test]
    fn recursive_references_cannot_be_inlined() {
        let schema = json!({"type": "object", "properties": {"n": {"$ref": "#/$defs/N"}},
            "$defs": {"N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}}}});
        assert!(inline_refs(schema).unwrap_err().contains("recursive"));
        let opt_struct = json!({"type": "object", "properties": {"p": {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}]}},
            "$defs": {"P": {"type": "object", "properties": {"x": {"type": "integer"}}}}});
        let flat = inline_refs(opt_struct).unwrap();
        assert_eq!(
            flat["properties"]["p"],
            json!({"type": "object", "properties": {"x": {"type": "integer"}}})
        );
        assert!(check(&flat, Which::Output).is_ok());
    }
}
