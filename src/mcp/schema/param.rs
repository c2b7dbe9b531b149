//! **[28–29](crate::_documentation::flow) Tool calls — typed parameters.**
//! [`Type`] and [`Param`] build the JSON Schema of a tool's arguments and
//! results (MCP 2025-11-25 `server/tools#tool`), so that a tool author never
//! writes a JSON type as a string or a schema by hand.
//!
//! # Where this sits
//! Used by [`crate::Tool::arg`] and [`crate::Tool::returns`]; what it builds
//! is checked by [`super::check`] when the server is built.

use serde_json::{Map, Value, json};

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
