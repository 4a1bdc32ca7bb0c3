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
    /// The text of a file that holds no keys yet (typically commented-out examples). toml_edit
    /// would print it after anything added; it belongs before.
    leading: String,
    /// The file uses CRLF throughout; new lines must too.
    crlf: bool,
}

impl TomlDocument {
    pub fn parse(text: &str) -> Result<Self, SyntaxError> {
        let mut doc = text.parse::<DocumentMut>().map_err(|e| {
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
        let mut leading = String::new();
        if doc.as_table().is_empty() {
            leading = doc.trailing().as_str().unwrap_or_default().to_string();
            doc.set_trailing("");
        }
        Ok(TomlDocument { doc, leading, crlf })
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
            let missing = current
                .as_table_like()
                .expect("only tables are descended into")
                .get(segment)
                .is_none();
            if missing {
                if let Some(inline) = current.as_inline_table_mut() {
                    let fresh = toml_edit::Value::InlineTable(InlineTable::new());
                    append_to_inline(inline, segment, fresh);
                } else {
                    let container = current
                        .as_table_like_mut()
                        .expect("only tables are descended into");
                    let mut table = Table::new();
                    table.set_implicit(true);
                    table.set_dotted(container.is_dotted());
                    table.set_position(position);
                    container.insert(segment, Item::Table(table));
                }
                created.push(key[..=depth].to_vec());
            }
            let child = current
                .as_table_like_mut()
                .expect("only tables are descended into")
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

        // An implicit table (`a` when only `[a.b]` is written) that gets a value of its own gains
        // an `[a]` header; undo hides it again, like a container agentgw created.
        if let Item::Table(table) = &*current
            && table.is_implicit()
            && !table.is_dotted()
            && !has_own_values(table)
            && !created.iter().any(|c| c.as_slice() == parents)
        {
            created.push(parents.to_vec());
        }
        if let Some(inline) = current.as_inline_table_mut()
            && !inline.contains_key(leaf)
        {
            append_to_inline(inline, leaf, new_value);
            return Ok(created);
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
        Ok(self.remove_keeping_comments(key))
    }

    fn remove_container_if_empty(&mut self, key: &[String]) -> bool {
        let Some(leaf) = key.last() else {
            return false;
        };
        let Some(parent) = self.parent_mut(key) else {
            return false;
        };
        match parent.get_mut(leaf) {
            Some(Item::Table(table)) if table.is_empty() => {}
            Some(Item::Value(toml_edit::Value::InlineTable(table))) if table.is_empty() => {}
            // Only subtables left: the header agentgw caused goes, the subtables stay.
            Some(Item::Table(table))
                if !table.is_implicit() && !table.is_dotted() && !has_own_values(table) =>
            {
                table.set_implicit(true);
                return true;
            }
            _ => return false,
        }
        self.remove_keeping_comments(key)
    }

    fn holds_nothing(&self) -> bool {
        self.doc.as_table().is_empty() && self.render().trim().is_empty()
    }

    fn has_keys(&self) -> bool {
        !self.doc.as_table().is_empty()
    }

    fn render(&self) -> String {
        let body = self.doc.to_string();
        // A keyless file ending in a comment without a line break would swallow the first
        // key added after it into that comment.
        let separator =
            if !body.is_empty() && !self.leading.is_empty() && !self.leading.ends_with('\n') {
                "\n"
            } else {
                ""
            };
        let text = format!("{}{separator}{body}", self.leading);
        if self.crlf { to_crlf(&text) } else { text }
    }
}

impl TomlDocument {
    /// Before the last entry of an inline table is removed, the space before its `}` goes back
    /// to the entry that becomes the last (the reverse of [`append_to_inline`]).
    fn hand_back_closing_space(&mut self, key: &[String]) {
        let Some((leaf, parents)) = key.split_last() else {
            return;
        };
        let mut item = self.doc.as_item_mut();
        for segment in parents {
            match item.as_table_like_mut().and_then(|t| t.get_mut(segment)) {
                Some(child) => item = child,
                None => return,
            }
        }
        let Some(inline) = item.as_inline_table_mut() else {
            return;
        };
        if inline.iter().last().map(|(k, _)| k) != Some(leaf.as_str()) {
            return;
        }
        let mut values: Vec<&mut toml_edit::Value> = inline.iter_mut().map(|(_, v)| v).collect();
        if let [.., before, last] = values.as_mut_slice()
            && let Some(closing) = last.decor().suffix().cloned()
        {
            before.decor_mut().set_suffix(closing);
        }
    }

    /// Removes `key` (handing an inline table's closing space on, see above). toml_edit stores
    /// the comment lines above a key or a `[table]` header as part of it, so plain removal
    /// would delete them with it; they are handed on to whatever now follows in the file.
    fn remove_keeping_comments(&mut self, key: &[String]) -> bool {
        let Some((leaf, parents)) = key.split_last() else {
            return false;
        };
        self.hand_back_closing_space(key);
        let order = tables_in_order(&self.doc);
        let Some(parent) = self.parent_mut(key) else {
            return false;
        };
        let parent_is_table = !parent.is_dotted();
        // What follows a key inside its table: the next key there, else the next header.
        let next_key = {
            let keys: Vec<String> = parent
                .iter()
                .filter(|(_, item)| item.is_value())
                .map(|(k, _)| k.to_string())
                .collect();
            keys.iter()
                .position(|k| k == leaf)
                .and_then(|i| keys.get(i + 1).cloned())
        };
        let comments = match parent.get(leaf) {
            Some(Item::Value(_)) if parent_is_table => {
                parent.key(leaf).and_then(|k| comment_lines(k.leaf_decor()))
            }
            Some(Item::Table(_)) => order
                .iter()
                .find(|(path, _)| path.starts_with(key))
                .and_then(|(_, prefix)| prefix.clone()),
            Some(_) => None,
            None => return false,
        };
        let removed_value = parent.get(leaf).is_some_and(Item::is_value);
        parent.remove(leaf);
        let Some(comments) = comments else {
            return true;
        };

        if removed_value && let Some(next) = next_key {
            if let Some(mut next_key) = self.parent_mut(key).and_then(|p| p.key_mut(&next)) {
                let decor = next_key.leaf_decor_mut();
                let rest = raw_prefix(decor).unwrap_or_default();
                decor.set_prefix(format!("{comments}{rest}"));
            }
            return true;
        }
        // The next table header after the removed key's table (the root's keys come before
        // every header), or after the first header of the removed table.
        let start = if removed_value {
            order
                .iter()
                .position(|(path, _)| path.as_slice() == parents)
        } else {
            order.iter().position(|(path, _)| path.starts_with(key))
        };
        let next_table = order
            .iter()
            .skip(start.map_or(0, |i| i + 1))
            .map(|(path, _)| path)
            .find(|path| !path.starts_with(key));
        match next_table.and_then(|path| table_mut(&mut self.doc, path)) {
            Some(table) => {
                let rest = raw_prefix(table.decor()).unwrap_or_else(|| "\n".to_string());
                table.decor_mut().set_prefix(format!("{comments}{rest}"));
            }
            None => {
                let rest = self.doc.trailing().as_str().unwrap_or_default().to_string();
                self.doc.set_trailing(format!("{comments}{rest}"));
            }
        }
        true
    }
}

/// Appends `key = value` to an inline table. The space before the closing `}` belongs to the
/// last value (`{ a = 1 }` is `a`'s value followed by " "); left there, the new entry would be
/// written `{ a = 1 , b = 2 }`. It moves to the new last value, so `{a = 1}` stays tight and
/// `{ a = 1 }` spaced.
fn append_to_inline(table: &mut InlineTable, key: &str, mut value: toml_edit::Value) {
    let closing = table.iter_mut().last().and_then(|(_, last)| {
        let closing = last.decor().suffix().cloned();
        if closing.is_some() {
            last.decor_mut().set_suffix("");
        }
        closing
    });
    if let Some(closing) = closing {
        value.decor_mut().set_suffix(closing);
    }
    table.insert(key, value);
}

/// Tables with a visible `[header]`, in the order toml_edit prints them, each with the text
/// written above its header.
fn tables_in_order(doc: &DocumentMut) -> Vec<(Vec<String>, Option<String>)> {
    fn visit(
        table: &Table,
        path: &mut Vec<String>,
        last_position: &mut isize,
        out: &mut Vec<(isize, Vec<String>, Option<String>)>,
    ) {
        if let Some(position) = table.position() {
            *last_position = position;
        }
        let visible = !path.is_empty()
            && !table.is_dotted()
            && (!table.is_implicit() || has_own_values(table));
        if visible {
            out.push((*last_position, path.clone(), comment_lines(table.decor())));
        }
        for (key, item) in table.iter() {
            if let Item::Table(child) = item {
                path.push(key.to_string());
                visit(child, path, last_position, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    visit(doc.as_table(), &mut Vec::new(), &mut 0, &mut out);
    out.sort_by_key(|(position, _, _)| *position);
    out.into_iter()
        .map(|(_, path, prefix)| (path, prefix))
        .collect()
}

fn table_mut<'a>(doc: &'a mut DocumentMut, path: &[String]) -> Option<&'a mut Table> {
    let mut table = doc.as_table_mut();
    for segment in path {
        table = table.get_mut(segment)?.as_table_mut()?;
    }
    Some(table)
}

/// Whether a table prints any `key = value` lines of its own (dotted subtables do).
fn has_own_values(table: &Table) -> bool {
    table.iter().any(|(_, item)| match item {
        Item::Value(_) => true,
        Item::Table(child) => child.is_dotted(),
        _ => false,
    })
}

fn raw_prefix(decor: &toml_edit::Decor) -> Option<String> {
    decor.prefix().and_then(|p| p.as_str()).map(str::to_string)
}

/// The whole lines of a decor prefix, if they hold a comment; the indentation of the item's
/// own line stays behind.
fn comment_lines(decor: &toml_edit::Decor) -> Option<String> {
    let prefix = raw_prefix(decor)?;
    let lines = &prefix[..prefix.rfind('\n')? + 1];
    lines.contains('#').then(|| lines.to_string())
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

/// A string as a one-line basic string, line breaks and other control characters escaped.
/// toml_edit would write a value with a line break as a multi-line string, whose raw line breaks
/// are part of the value: in a CRLF file they would be turned into CRLF with the rest, changing
/// the value.
fn single_line_string(s: &str) -> toml_edit::Value {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
        .parse()
        .expect("an escaped basic string is valid TOML")
}

/// A JSON value as a TOML value (strings on one line, objects as inline tables).
pub(crate) fn json_to_toml(value: &Value) -> Result<toml_edit::Value, String> {
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
        Value::String(s) => single_line_string(s),
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
