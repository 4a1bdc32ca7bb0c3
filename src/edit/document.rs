//! What the format engines (JSON, TOML, .env, a database's rows) have in common: a parsed
//! document that can read, set and remove values by key path while keeping every other byte, and
//! the errors they report. src/edit/engine.rs runs edit steps over one.

use serde_json::Value;

use super::KeyPath;

/// A parsed config file. Implementations keep the source text of everything they are not asked
/// to change.
pub(crate) trait Document {
    /// The value at `key`, or `None` when it is absent (or a parent on the way is not a
    /// container, which also means "not there").
    fn get(&self, key: &[String]) -> Option<Value>;

    /// Sets `key` to `value`, creating missing parent containers. Returns the key paths of the
    /// containers it had to create, outermost first.
    fn set(&mut self, key: &[String], value: &Value) -> Result<Vec<KeyPath>, KeyError>;

    /// The source text of a scalar value exactly as written (quotes included), so that undo can
    /// put back `'o3'` rather than `"o3"`. `None` for containers or absent keys.
    fn value_source(&self, key: &[String]) -> Option<String>;

    /// Replaces an existing key's value with `source` verbatim. Returns false when the format
    /// cannot take the text as it is; the caller then falls back to `set`.
    fn set_value_source(&mut self, key: &[String], source: &str) -> bool;

    /// The source text of the container at `key` when its layout is one agentgw's edits cannot
    /// give back by themselves (a JSON object on one line: inserting into it spreads it over
    /// lines). `None` for everything else.
    fn compact_container_source(&self, _key: &[String]) -> Option<String> {
        None
    }

    /// Puts `source` back verbatim as the container at `key` if it holds the same value now.
    fn restore_container_source(&mut self, _key: &[String], _source: &str) -> bool {
        false
    }

    /// Removes `key`; false when it was not there.
    fn remove(&mut self, key: &[String]) -> Result<bool, KeyError>;

    /// Removes the container at `key` when it holds nothing (no entries, no comments).
    fn remove_container_if_empty(&mut self, key: &[String]) -> bool;

    /// True when the document holds nothing a user could have written: no keys, no comments.
    fn holds_nothing(&self) -> bool;

    /// True when the document sets at least one key.
    fn has_keys(&self) -> bool;

    fn render(&self) -> String;
}

/// A key-level failure; the caller adds the file path to make it an `EditError`.
#[derive(Debug)]
pub(crate) enum KeyError {
    Conflict { key: KeyPath, message: String },
    UnsupportedValue { key: KeyPath, message: String },
}

/// A syntax error at a 1-based line and column.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl SyntaxError {
    /// Builds the error from a byte offset into `text`, counting columns in characters.
    pub fn at_offset(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        SyntaxError {
            line,
            col,
            message: message.into(),
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
