//! An agent's JSON settings file, edited in place: ctray's handlers are added and taken out
//! as nodes of the file's own syntax tree, so everything else the person (or another tool)
//! wrote stays as written: key order, layout, comments and trailing commas where the agent's
//! own parser accepts them.

use std::path::Path;

use jsonc_parser::cst::{CstArray, CstInputValue, CstNode, CstObject, CstRootNode};
use jsonc_parser::ParseOptions;
use serde_json::Value;

use crate::backup::{replace_file, Backup};

/// Whether the agent's own parser reads comments and trailing commas in this file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Strict JSON: a file with comments is refused, untouched (the agent would not read it).
    Json,
    /// Comments, but no trailing comma (Gemini CLI: strip-json-comments, then JSON.parse).
    JsonWithComments,
    /// JSON with comments and trailing commas (JSONC), as the agent reads it.
    Jsonc,
}

pub struct JsonSettings {
    root: CstRootNode,
    /// The file was absent or empty: it is written afresh, pretty-printed.
    fresh: bool,
}

impl JsonSettings {
    /// The file as it is (an absent or empty file as `{}`); an error says why it cannot be
    /// edited, and nothing is changed then.
    pub fn read(path: &Path, syntax: Syntax) -> Result<Self, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let fresh = text.trim().is_empty();
        let text = if fresh { "{}" } else { text.as_str() };
        if syntax == Syntax::Json {
            serde_json::from_str::<Value>(text).map_err(|e| {
                format!(
                    "{} is not valid JSON ({e}); nothing changed",
                    path.display()
                )
            })?;
        }
        // JSON, with comments and trailing commas where the agent reads them: none of the
        // parser's other leniencies, which the agents' own parsers do not have.
        let strict = ParseOptions {
            allow_comments: syntax != Syntax::Json,
            allow_trailing_commas: syntax == Syntax::Jsonc,
            allow_loose_object_property_names: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let root = CstRootNode::parse(text, &strict).map_err(|e| {
            format!(
                "{} is not valid JSON with comments{} ({e}); nothing changed",
                path.display(),
                if syntax == Syntax::Jsonc {
                    ""
                } else {
                    " (a trailing comma is not allowed there)"
                }
            )
        })?;
        if root.object_value().is_none() {
            return Err(format!(
                "{} is not a JSON object; nothing changed",
                path.display()
            ));
        }
        Ok(Self { root, fresh })
    }

    /// The file's top-level object.
    pub fn object(&self) -> CstObject {
        self.root.object_value_or_set()
    }

    /// Whether the file is `{}` and nothing else (no comment the person wrote).
    pub fn is_bare_empty_object(&self) -> bool {
        self.root.to_string().split_whitespace().collect::<String>() == "{}"
    }

    /// The whole file as a value (comments left out).
    pub fn value(&self) -> Value {
        self.root.to_serde_value().unwrap_or(Value::Null)
    }

    /// Writes the file back (atomically, with the backup asked for).
    pub fn write(&self, path: &Path, backup: Backup) -> Result<Vec<String>, String> {
        let mut text = if self.fresh {
            serde_json::to_string_pretty(&self.value()).map_err(|e| e.to_string())?
        } else {
            self.root.to_string()
        };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        replace_file(path, &text, backup)
    }
}

/// The object under `key` of `object`, made if absent; an error names what is there instead.
pub fn object_in(object: &CstObject, key: &str, path: &Path) -> Result<CstObject, String> {
    object
        .object_value_or_create(key)
        .ok_or_else(|| format!("\"{key}\" in {} is not an object", path.display()))
}

/// The list under `key` of `object`, made if absent.
pub fn list_in(object: &CstObject, key: &str, path: &Path) -> Result<CstArray, String> {
    object
        .array_value_or_create(key)
        .ok_or_else(|| format!("hooks.{key} in {} is not a list", path.display()))
}

/// A value as the syntax tree takes it.
pub fn input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Object(fields) => CstInputValue::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), input(value)))
                .collect(),
        ),
    }
}

/// A node's value, if it is one (not a comment or a comma).
pub fn value_of(node: &CstNode) -> Value {
    node.to_serde_value().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str, syntax: Syntax) -> Result<JsonSettings, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, text).unwrap();
        JsonSettings::read(&path, syntax)
    }

    #[test]
    fn comments_are_read_only_where_the_agent_reads_them() {
        let text = "{\n  // mine\n  \"model\": \"opus\",\n}\n";
        assert!(settings(text, Syntax::Json)
            .err()
            .is_some_and(|e| e.contains("is not valid JSON")));
        assert!(settings(text, Syntax::JsonWithComments)
            .err()
            .is_some_and(|e| e.contains("is not valid JSON with comments")));
        let read = settings(text, Syntax::Jsonc).unwrap();
        assert_eq!(read.value(), serde_json::json!({"model": "opus"}));
        let commented = settings(
            "{\n  /* mine */ \"a\": 1 // here\n}",
            Syntax::JsonWithComments,
        );
        assert_eq!(commented.unwrap().value(), serde_json::json!({"a": 1}));
        assert!(settings("[1]", Syntax::Jsonc)
            .err()
            .is_some_and(|e| e.contains("not a JSON object")));
    }
}
