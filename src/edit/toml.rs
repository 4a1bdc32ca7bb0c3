//! TOML through toml_edit, which keeps each key's comments and whitespace ("decor") and each
//! table's place in the file. The library leaves some format decisions to the caller; the ones
//! that matter for not disturbing a user's file are made here:
//! - replacing a value carries the old value's decor over, or its inline comment would vanish;
//! - missing parents are created as implicit tables, so `[a.b.c]` appears without empty `[a]`
//!   and `[a.b]` headers, and dotted-key parents get dotted children;
//! - new tables get a position right after their nearest existing relative, instead of drifting
//!   to wherever the library's ordering would put them.

use serde_json::Value;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike};

use super::KeyPath;
use super::document::{Document, KeyError, SyntaxError};
use super::error::display_key;

pub(crate) struct TomlDocument {
    doc: DocumentMut,
    /// The file uses CRLF throughout; new lines must too.
    crlf: bool,
}

impl TomlDocument {
    pub fn parse(text: &str) -> Result<Self, SyntaxError> {
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            let offset = e.span().map_or(0, |span| span.start);
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            SyntaxError::at_offset(text, offset, message)
        })?;
        let crlf =
            text.contains("\r\n") && text.matches('\n').count() == text.matches("\r\n").count();
        Ok(TomlDocument { doc, crlf })
    }

    fn item(&self, key: &[String]) -> Option<&Item> {
        let mut item = self.doc.as_item();
        for segment in key {
            item = item.get(segment.as_str())?;
        }
        Some(item)
    }

    /// The table-like container holding `key`'s last segment, for removal and replacement.
    fn parent_mut(&mut self, key: &[String]) -> Option<&mut dyn TableLike> {
        let (_, parents) = key.split_last()?;
        let mut item = self.doc.as_item_mut();
        for segment in parents {
            item = item.as_table_like_mut()?.get_mut(segment)?;
        }
        item.as_table_like_mut()
    }

    /// Where a table created under `parents` belongs in the file: after the last table already
    /// written under the deepest existing ancestor.
    fn position_for_new_tables(&self, parents: &[String]) -> Option<isize> {
        let mut anchor = self.doc.as_item();
        for segment in parents {
            match anchor.get(segment.as_str()) {
                Some(child @ Item::Table(_)) => anchor = child,
                _ => break,
            }
        }
        last_position(anchor)
    }
}

impl Document for TomlDocument {
    fn get(&self, key: &[String]) -> Option<Value> {
        item_to_json(self.item(key)?)
    }

    fn set(&mut self, key: &[String], value: &Value) -> Result<Vec<KeyPath>, KeyError> {
        let Some((leaf, parents)) = key.split_last() else {
            return Err(conflict(key, "an empty key path cannot be set"));
        };
        let new_value = json_to_toml(value).map_err(|message| KeyError::UnsupportedValue {
            key: key.to_vec(),
            message,
        })?;
        let position = self.position_for_new_tables(parents);

        let mut created = Vec::new();
        let mut current = self.doc.as_item_mut();
        for (depth, segment) in parents.iter().enumerate() {
            let inside_inline = current.is_inline_table();
            let container = current
                .as_table_like_mut()
                .expect("only tables are descended into");
            if container.get(segment).is_none() {
                let fresh = if inside_inline {
                    Item::Value(toml_edit::Value::InlineTable(InlineTable::new()))
                } else {
                    let mut table = Table::new();
                    table.set_implicit(true);
                    table.set_dotted(container.is_dotted());
                    table.set_position(position);
                    Item::Table(table)
                };
                container.insert(segment, fresh);
                created.push(key[..=depth].to_vec());
            }
            let child = container
                .get_mut(segment)
                .expect("present or just inserted");
            if !(child.is_table() || child.is_inline_table()) {
                return Err(conflict(
                    key,
                    &format!(
                        "{} is {}, not a table",
                        display_key(&key[..=depth]),
                        describe_item(child)
                    ),
                ));
            }
            current = child;
        }

        let container = current
            .as_table_like_mut()
            .expect("only tables are descended into");
        match container.get_mut(leaf) {
            Some(Item::Value(old)) => {
                let decor = old.decor().clone();
                let mut replacement = new_value;
                *replacement.decor_mut() = decor;
                *old = replacement;
            }
            Some(old @ Item::Table(_)) => {
                // A `[section]` replaced by an object stays a section rather than collapsing
                // the user's layout into one inline line.
                let Item::Table(old_table) = &*old else {
                    unreachable!()
                };
                let replacement = match new_value {
                    toml_edit::Value::InlineTable(inline) => {
                        let mut table = inline.into_table();
                        *table.decor_mut() = old_table.decor().clone();
                        table.set_position(old_table.position());
                        Item::Table(table)
                    }
                    other => Item::Value(other),
                };
                *old = replacement;
            }
            Some(old) => {
                return Err(conflict(
                    key,
                    &format!("{} is {}", display_key(key), describe_item(old)),
                ));
            }
            None => {
                container.insert(leaf, Item::Value(new_value));
            }
        }
        Ok(created)
    }

    fn value_source(&self, key: &[String]) -> Option<String> {
        match self.item(key)? {
            Item::Value(value) => scalar_source(value),
            _ => None,
        }
    }

    fn set_value_source(&mut self, key: &[String], source: &str) -> bool {
        let Ok(mut replacement) = source.parse::<toml_edit::Value>() else {
            return false;
        };
        let Some(leaf) = key.last() else {
            return false;
        };
        let Some(Item::Value(old)) = self.parent_mut(key).and_then(|p| p.get_mut(leaf)) else {
            return false;
        };
        *replacement.decor_mut() = old.decor().clone();
        *old = replacement;
        true
    }

    fn remove(&mut self, key: &[String]) -> Result<bool, KeyError> {
        let Some(leaf) = key.last() else {
            return Ok(false);
        };
        Ok(self
            .parent_mut(key)
            .and_then(|parent| parent.remove(leaf))
            .is_some())
    }

    fn remove_container_if_empty(&mut self, key: &[String]) -> bool {
        let Some(leaf) = key.last() else {
            return false;
        };
        let Some(parent) = self.parent_mut(key) else {
            return false;
        };
        let empty = match parent.get(leaf) {
            Some(Item::Table(table)) => table.is_empty(),
            Some(Item::Value(toml_edit::Value::InlineTable(table))) => table.is_empty(),
            _ => false,
        };
        if empty {
            parent.remove(leaf);
        }
        empty
    }

    fn holds_nothing(&self) -> bool {
        self.doc.as_table().is_empty() && self.doc.to_string().trim().is_empty()
    }

    fn render(&self) -> String {
        let text = self.doc.to_string();
        if self.crlf { to_crlf(&text) } else { text }
    }
}

/// toml_edit writes "\n" for the lines it creates; a CRLF file gets CRLF throughout.
fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(c);
        previous = c;
    }
    out
}

fn last_position(item: &Item) -> Option<isize> {
    match item {
        Item::Table(table) => table
            .iter()
            .filter_map(|(_, child)| last_position(child))
            .chain(table.position())
            .max(),
        Item::ArrayOfTables(tables) => tables
            .iter()
            .filter_map(|table| {
                table
                    .iter()
                    .filter_map(|(_, child)| last_position(child))
                    .chain(table.position())
                    .max()
            })
            .max(),
        _ => None,
    }
}

fn scalar_source(value: &toml_edit::Value) -> Option<String> {
    Some(match value {
        toml_edit::Value::String(f) => f.display_repr().into_owned(),
        toml_edit::Value::Integer(f) => f.display_repr().into_owned(),
        toml_edit::Value::Float(f) => f.display_repr().into_owned(),
        toml_edit::Value::Boolean(f) => f.display_repr().into_owned(),
        toml_edit::Value::Datetime(f) => f.display_repr().into_owned(),
        toml_edit::Value::Array(_) | toml_edit::Value::InlineTable(_) => return None,
    })
}

fn describe_item(item: &Item) -> &'static str {
    match item {
        Item::None => "missing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(value) => match value {
            toml_edit::Value::String(_) => "a string",
            toml_edit::Value::Integer(_) => "an integer",
            toml_edit::Value::Float(_) => "a float",
            toml_edit::Value::Boolean(_) => "a boolean",
            toml_edit::Value::Datetime(_) => "a date-time",
            toml_edit::Value::Array(_) => "an array",
            toml_edit::Value::InlineTable(_) => "an inline table",
        },
    }
}

fn json_to_toml(value: &Value) -> Result<toml_edit::Value, String> {
    Ok(match value {
        Value::Null => return Err("TOML has no null value".to_string()),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(f) = n.as_f64().filter(|_| !n.is_u64()) {
                f.into()
            } else {
                return Err(format!("{n} does not fit a TOML integer"));
            }
        }
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut array = Array::new();
            for item in items {
                array.push(json_to_toml(item)?);
            }
            toml_edit::Value::Array(array)
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map {
                table.insert(k, json_to_toml(v)?);
            }
            toml_edit::Value::InlineTable(table)
        }
    })
}

fn item_to_json(item: &Item) -> Option<Value> {
    match item {
        Item::None => None,
        Item::Value(value) => Some(toml_to_json(value)),
        Item::Table(table) => Some(Value::Object(
            table
                .iter()
                .filter_map(|(k, v)| Some((k.to_string(), item_to_json(v)?)))
                .collect(),
        )),
        Item::ArrayOfTables(tables) => Some(Value::Array(
            tables
                .iter()
                .map(|table| {
                    Value::Object(
                        table
                            .iter()
                            .filter_map(|(k, v)| Some((k.to_string(), item_to_json(v)?)))
                            .collect(),
                    )
                })
                .collect(),
        )),
    }
}

fn toml_to_json(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => {
            serde_json::Number::from_f64(*f.value()).map_or(Value::Null, Value::Number)
        }
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml_edit::Value::InlineTable(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| (k.to_string(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn conflict(key: &[String], message: &str) -> KeyError {
    KeyError::Conflict {
        key: key.to_vec(),
        message: message.to_string(),
    }
}
