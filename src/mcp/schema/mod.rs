//! **[28–29](crate::_documentation::flow) Tool calls — the schemas of a tool's
//! arguments and results.** A tool's `inputSchema` is what the model reads to
//! call it, and what clients validate against; `outputSchema` is what clients
//! validate `structuredContent` against (MCP 2025-11-25 `server/tools#tool`,
//! `#output-schema`; schemas without `$schema` are JSON Schema 2020-12,
//! `basic/index#json-schema-usage`).
//!
//! Three jobs, one file each:
//! * [`Type`] and [`Param`] (`param.rs`), a typed builder for ordinary parameters, so that a
//!   tool author never writes a JSON type as a string or a JSON Schema by hand;
//! * [`check`] (`rules.rs`), the rules every schema we list must follow, applied when the
//!   server is built ([`crate::McpServer::tool`]): a schema that some client
//!   refuses is a start-up panic naming the tool and the rule, not a connector
//!   that silently loses a tool;
//! * [`validate`] (`validate.rs`), the subset of JSON Schema a call's arguments (before the
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
//! Used by [`crate::mcp::tool`] (building schemas), [`crate::McpServer::tool`]
//! (checking them) and [`crate::mcp::dispatch`] (validating calls and results).

mod param;
mod rules;
mod validate;

pub(crate) use param::add_param;
pub use param::{Param, Type};
#[cfg(feature = "schemars")]
pub use rules::from_type;
pub use rules::{MAX_SCHEMA_BYTES, Which, check, inline_refs, mirrored_params, valid_tool_name};
pub use validate::validate;
pub(crate) use validate::validate_arguments;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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

    #[test]
    fn annotations_are_found_only_on_the_properties_chain() {
        let ok = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "nested": {"type": "object", "properties": {"n": {"type": "integer", "x-mcp-header": "N"}}},
            "plain": {"type": "string", "default": {"x-mcp-header": "ignored"}}}});
        let mut found = mirrored_params(&ok).unwrap();
        found.sort();
        assert_eq!(
            found,
            vec![
                (vec!["nested".to_string(), "n".to_string()], "N".to_string()),
                (vec!["region".to_string()], "Region".to_string())
            ]
        );
        for bad in [
            json!({"type": "object", "properties": {"a": {"type": "number", "x-mcp-header": "A"}}}),
            json!({"type": "object", "properties": {"a": {"type": "string", "x-mcp-header": "A B"}}}),
            json!({"type": "object", "properties": {"a": {"type": "string", "x-mcp-header": ""}}}),
            json!({"type": "object", "properties": {
                "a": {"type": "string", "x-mcp-header": "X"}, "b": {"type": "string", "x-mcp-header": "x"}}}),
            json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string", "x-mcp-header": "A"}}}}),
            json!({"type": "object", "anyOf": [{"properties": {"a": {"type": "string", "x-mcp-header": "A"}}}]}),
            json!({"type": "string", "x-mcp-header": "Root"}),
        ] {
            assert!(mirrored_params(&bad).is_err(), "{bad}");
        }
    }
}
