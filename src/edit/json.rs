//! JSON and JSON-with-comments through jsonc-parser's concrete syntax tree: every comment,
//! comma and indentation run of the file is a node in it, so edits touch only the nodes they
//! name and the library derives indentation and trailing-comma style from the file itself.

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{
    CstContainerNode, CstInputValue, CstLeafNode, CstNode, CstObject, CstObjectProp, CstRootNode,
    TrailingCommaMode,
};
use serde_json::Value;

use super::KeyPath;
use super::document::{Document, KeyError, SyntaxError};
use super::error::display_key;

pub(crate) struct JsonDocument {
    root: CstRootNode,
    /// The database row this JSON is the value of (src/edit/table.rs), for messages: a row has
    /// no line numbers the user could look up.
    row: Option<String>,
}

/// Comments and trailing commas are accepted because Claude Code and Gemini CLI settings are
/// commonly written that way. The looser JSON5 forms are refused: the agents' own parsers would
/// reject them, so editing such a file would only hide the user's real problem.
fn parse_options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

impl JsonDocument {
    pub fn parse(text: &str) -> Result<Self, SyntaxError> {
        let root = CstRootNode::parse(text, &parse_options()).map_err(|e| SyntaxError {
            line: e.line_display(),
            col: e.column_display(),
            message: match e.kind() {
                // The parser stops at 512 levels rather than recursing until the stack runs out.
                jsonc_parser::errors::ParseErrorKind::NestingDepthExceeded => {
                    "nested more than 512 levels deep, more than agentgw edits".to_string()
                }
                kind => lowercase_first(&kind.to_string()),
            },
        })?;
        check_numbers(&CstNode::Container(CstContainerNode::Root(root.clone())))?;
        Ok(JsonDocument { root, row: None })
    }

    /// This document is the value of the database row `row`.
    pub fn in_row(self, row: &str) -> Self {
        JsonDocument {
            row: Some(row.to_string()),
            ..self
        }
    }

    fn object_at(&self, path: &[String]) -> Option<CstObject> {
        let mut object = self.root.object_value()?;
        for segment in path {
            object = last_named(&object, segment)?.value()?.as_object()?;
        }
        Some(object)
    }

    /// The property at `key`. With duplicate names the last one counts, as in JavaScript's
    /// JSON.parse, which is what Claude Code and Gemini CLI read their settings with.
    fn property(&self, key: &[String]) -> Option<CstObjectProp> {
        let (leaf, parents) = key.split_last()?;
        last_named(&self.object_at(parents)?, leaf)
    }

    /// Refuses an edit at `key` when a name on its way appears more than once in its object:
    /// the agents read the last one, and writing the wrong one would silently do nothing.
    fn check_unique(&self, key: &[String]) -> Result<(), KeyError> {
        let Some(mut object) = self.root.object_value() else {
            return Ok(());
        };
        for (depth, segment) in key.iter().enumerate() {
            let named = named(&object, segment);
            if named.len() > 1 && self.row.is_some() {
                return Err(conflict(
                    key,
                    &format!(
                        "{} appears {} times in its object in the row {}; Cursor reads only the \
                         last one, so editing would be silently ignored. agentgw changed nothing: \
                         set Cursor up by hand with the steps `agentgw setup cursor` prints",
                        display_key(&key[..=depth]),
                        named.len(),
                        self.row.as_deref().unwrap_or_default()
                    ),
                ));
            }
            if named.len() > 1 {
                let lines: Vec<String> = named
                    .iter()
                    .map(|p| {
                        line_of(&CstNode::Container(CstContainerNode::ObjectProp(p.clone())))
                            .to_string()
                    })
                    .collect();
                return Err(conflict(
                    key,
                    &format!(
                        "{} appears {} times in its object (lines {}); Claude Code and Gemini CLI \
                         read only the last one, so editing would be silently ignored. Delete all but \
                         one of them, then run the command again",
                        display_key(&key[..=depth]),
                        named.len(),
                        lines.join(", ")
                    ),
                ));
            }
            match named.first().and_then(CstObjectProp::value) {
                Some(CstNode::Container(CstContainerNode::Object(inner))) => object = inner,
                _ => return Ok(()),
            }
        }
        Ok(())
    }
}

/// Refuses a number that cannot be read as a value (`1e999`): agentgw would see the key as
/// absent, and undo would then drop it instead of putting it back.
fn check_numbers(node: &CstNode) -> Result<(), SyntaxError> {
    match node {
        CstNode::Leaf(CstLeafNode::NumberLit(number)) => {
            let text = number.to_string();
            if text.parse::<f64>().is_ok_and(f64::is_finite) {
                Ok(())
            } else {
                Err(SyntaxError {
                    line: line_of(node),
                    col: 1,
                    message: format!("the number {text} is out of range for agentgw"),
                })
            }
        }
        CstNode::Container(container) => container.children().iter().try_for_each(check_numbers),
        CstNode::Leaf(_) => Ok(()),
    }
}

/// The properties of `object` called `name`, in file order.
fn named(object: &CstObject, name: &str) -> Vec<CstObjectProp> {
    object
        .properties()
        .into_iter()
        .filter(|p| p.decoded_name().as_deref() == Some(name))
        .collect()
}

fn last_named(object: &CstObject, name: &str) -> Option<CstObjectProp> {
    named(object, name).pop()
}

/// The 1-based line `node` starts on: the line breaks in everything printed before it.
fn line_of(node: &CstNode) -> usize {
    let mut breaks = 0;
    let mut current = node.clone();
    loop {
        breaks += current
            .previous_siblings()
            .map(|sibling| sibling.to_string().matches('\n').count())
            .sum::<usize>();
        match current.parent() {
            Some(parent) => current = CstNode::Container(parent),
            None => return breaks + 1,
        }
    }
}

impl Document for JsonDocument {
    fn get(&self, key: &[String]) -> Option<Value> {
        let node = self.property(key)?.value()?;
        node_value(&node)
    }

    fn set(&mut self, key: &[String], value: &Value) -> Result<Vec<KeyPath>, KeyError> {
        let Some((leaf, parents)) = key.split_last() else {
            return Err(conflict(key, "an empty key path cannot be set"));
        };
        self.check_unique(key)?;
        let mut object = match self.root.value() {
            None => self.root.object_value_or_set(),
            Some(node) => node
                .as_object()
                .ok_or_else(|| conflict(key, "the file's top level is not a JSON object"))?,
        };
        for (depth, segment) in parents.iter().enumerate() {
            let Some(prop) = object.get(segment) else {
                // Everything from here down is new: insert it as one nested value so the
                // library lays it out in one go.
                let nested = parents[depth + 1..]
                    .iter()
                    .rev()
                    .fold(object_of(leaf, to_input(value)), |inner, name| {
                        object_of(name, inner)
                    });
                let created = object.append(segment, nested);
                without_trailing_commas(&created);
                return Ok((depth..parents.len()).map(|d| key[..=d].to_vec()).collect());
            };
            object = match prop.value() {
                Some(CstNode::Container(CstContainerNode::Object(inner))) => inner,
                other => {
                    let what = other.as_ref().map_or("empty", describe_node);
                    return Err(conflict(
                        key,
                        &format!("{} is {what}, not an object", display_key(&key[..=depth])),
                    ));
                }
            };
        }
        let prop = match object.get(leaf) {
            Some(prop) => {
                prop.set_value(to_input(value));
                prop
            }
            None => object.append(leaf, to_input(value)),
        };
        without_trailing_commas(&prop);
        Ok(Vec::new())
    }

    fn value_source(&self, key: &[String]) -> Option<String> {
        match self.property(key)?.value()? {
            CstNode::Leaf(leaf) if is_scalar(&leaf) => Some(leaf.to_string()),
            _ => None,
        }
    }

    fn set_value_source(&mut self, key: &[String], source: &str) -> bool {
        if self.check_unique(key).is_err() {
            return false;
        }
        let Some(prop) = self.property(key) else {
            return false;
        };
        let Ok(parsed) = jsonc_parser::parse_to_serde_value::<Value>(source, &parse_options())
        else {
            return false;
        };
        // Only strings and numbers have more than one spelling worth keeping.
        match parsed {
            Value::String(s) => {
                prop.set_value(CstInputValue::String(s));
                match prop.value() {
                    Some(CstNode::Leaf(CstLeafNode::StringLit(lit))) => {
                        lit.set_raw_value(source.to_string());
                        true
                    }
                    _ => false,
                }
            }
            Value::Number(n) => {
                prop.set_value(CstInputValue::Number(n.to_string()));
                match prop.value() {
                    Some(CstNode::Leaf(CstLeafNode::NumberLit(lit))) => {
                        lit.set_raw_value(source.to_string());
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn remove(&mut self, key: &[String]) -> Result<bool, KeyError> {
        self.check_unique(key)?;
        match self.property(key) {
            Some(prop) => {
                prop.remove();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn compact_container_source(&self, key: &[String]) -> Option<String> {
        let node = match key {
            [] => self.root.value()?,
            _ => self.property(key)?.value()?,
        };
        let text = node.to_string();
        (matches!(node, CstNode::Container(CstContainerNode::Object(_))) && !text.contains('\n'))
            .then_some(text)
    }

    fn restore_container_source(&mut self, key: &[String], source: &str) -> bool {
        let Ok(original) = jsonc_parser::parse_to_serde_value::<Value>(source, &parse_options())
        else {
            return false;
        };
        let current = match key {
            [] => self.root.value().and_then(|node| node_value(&node)),
            _ => self.get(key),
        };
        if current.as_ref() != Some(&original) {
            return false;
        }
        // The CST cannot take an object as raw text, but a string literal's raw text is printed
        // verbatim: a placeholder literal carrying the original text prints exactly that. Undo
        // makes this the last edit of the document, so nothing reads the placeholder as a string.
        let placeholder = CstInputValue::String(String::new());
        let node = match key {
            [] => {
                self.root.set_value(placeholder);
                self.root.value()
            }
            _ => {
                let Some(prop) = self.property(key) else {
                    return false;
                };
                prop.set_value(placeholder);
                prop.value()
            }
        };
        match node {
            Some(CstNode::Leaf(CstLeafNode::StringLit(lit))) => {
                lit.set_raw_value(source.to_string());
                true
            }
            _ => false,
        }
    }

    fn remove_container_if_empty(&mut self, key: &[String]) -> bool {
        let Some(prop) = self.property(key) else {
            return false;
        };
        match prop.value() {
            Some(CstNode::Container(CstContainerNode::Object(object)))
                if holds_only_layout(&object.children()) =>
            {
                prop.remove();
                true
            }
            _ => false,
        }
    }

    fn holds_nothing(&self) -> bool {
        self.root.children().iter().all(|child| match child {
            CstNode::Container(CstContainerNode::Object(object)) => {
                holds_only_layout(&object.children())
            }
            other => other.is_whitespace() || other.is_newline(),
        })
    }

    fn has_keys(&self) -> bool {
        self.root
            .object_value()
            .is_some_and(|object| !object.properties().is_empty())
    }

    fn render(&self) -> String {
        self.root.to_string()
    }
}

/// The library lays out a new object or array in the style it finds around it, trailing commas
/// included; what agentgw writes gets none (Claude Code refuses a settings file with them, and
/// the user fixing theirs should not have to find agentgw's too). The comma after `prop`
/// itself stays: in a container written with trailing commas it is the one the user's last
/// entry had before `prop` was appended.
fn without_trailing_commas(prop: &CstObjectProp) {
    match prop.value() {
        Some(CstNode::Container(CstContainerNode::Object(object))) => {
            object.set_trailing_commas(TrailingCommaMode::Never)
        }
        Some(CstNode::Container(CstContainerNode::Array(array))) => {
            array.set_trailing_commas(TrailingCommaMode::Never)
        }
        _ => {}
    }
}

/// True for the children of an object that has only braces and whitespace: no properties, and
/// no comments a user may have left in it.
fn holds_only_layout(children: &[CstNode]) -> bool {
    children
        .iter()
        .all(|c| c.is_whitespace() || c.is_newline() || c.is_token())
}

fn is_scalar(leaf: &CstLeafNode) -> bool {
    matches!(
        leaf,
        CstLeafNode::StringLit(_)
            | CstLeafNode::NumberLit(_)
            | CstLeafNode::BooleanLit(_)
            | CstLeafNode::NullKeyword(_)
    )
}

fn node_value(node: &CstNode) -> Option<Value> {
    jsonc_parser::parse_to_serde_value::<Value>(&node.to_string(), &parse_options()).ok()
}

fn describe_node(node: &CstNode) -> &'static str {
    match node {
        CstNode::Container(CstContainerNode::Array(_)) => "an array",
        CstNode::Leaf(CstLeafNode::StringLit(_)) => "a string",
        CstNode::Leaf(CstLeafNode::NumberLit(_)) => "a number",
        CstNode::Leaf(CstLeafNode::BooleanLit(_)) => "a boolean",
        CstNode::Leaf(CstLeafNode::NullKeyword(_)) => "null",
        _ => "not an object",
    }
}

fn object_of(name: &str, value: CstInputValue) -> CstInputValue {
    CstInputValue::Object(vec![(name.to_string(), value)])
}

/// The library escapes strings itself when it prints them, so values never get pasted as text.
fn to_input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(to_input).collect()),
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), to_input(v))).collect())
        }
    }
}

fn conflict(key: &[String], message: &str) -> KeyError {
    KeyError::Conflict {
        key: key.to_vec(),
        message: message.to_string(),
    }
}

fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
