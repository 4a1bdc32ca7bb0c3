//! A key-value table (VS Code's and Cursor's `ItemTable(key, value)` in `state.vscdb`) seen as
//! one document, so the plan/apply/record/undo machinery of the text formats works for it
//! unchanged. A key path's first segment names a row; a longer path goes into the row's value,
//! which must then be a JSON object and is edited by the JSON engine, keeping every other byte of
//! it. The document's text (what `Plan` holds) is a JSON object of just the rows involved:
//! `{"<row key>": "<value text>" | null}` (null: no such row). src/edit/sqlite.rs reads and
//! writes those rows.

use serde_json::{Map, Value};

use super::KeyPath;
use super::document::{Document, KeyError, SyntaxError};
use super::json::JsonDocument;

pub(crate) struct TableDocument {
    rows: Vec<(String, Row)>,
}

enum Row {
    Absent,
    /// A value that is not a JSON object (a plain string such as an API key).
    Text(String),
    /// A JSON object, edited in place. `compact`: written without any whitespace between tokens,
    /// as `JSON.stringify` writes it (Cursor's way), and so kept that way after an edit.
    Json {
        doc: JsonDocument,
        compact: bool,
    },
}

impl Row {
    fn json_text(doc: &JsonDocument, compact: bool) -> String {
        match compact {
            true => minified(&doc.render()),
            false => doc.render(),
        }
    }
}

impl TableDocument {
    pub fn parse(text: &str) -> Result<Self, SyntaxError> {
        if text.trim().is_empty() {
            // The database does not exist: no rows.
            return Ok(TableDocument { rows: Vec::new() });
        }
        let map: Map<String, Value> = serde_json::from_str(text)
            .map_err(|e| SyntaxError::at_offset(text, 0, format!("agentgw's row view: {e}")))?;
        let rows = map
            .into_iter()
            .map(|(key, value)| {
                let row = match value {
                    Value::String(s) if s.trim_start().starts_with('{') => Row::Json {
                        doc: JsonDocument::parse(&s)
                            .map_err(|e| SyntaxError {
                                message: format!("in the row {key:?}: {}", e.message),
                                ..e
                            })?
                            .in_row(&key),
                        compact: minified(&s) == s,
                    },
                    Value::String(s) => Row::Text(s),
                    _ => Row::Absent,
                };
                Ok((key, row))
            })
            .collect::<Result<_, SyntaxError>>()?;
        Ok(TableDocument { rows })
    }

    fn row(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|(k, _)| k == key).map(|(_, r)| r)
    }

    fn row_mut(&mut self, key: &str) -> Option<&mut Row> {
        self.rows.iter_mut().find(|(k, _)| k == key).map(|(_, r)| r)
    }

    /// The JSON document of the row a nested key lies in.
    fn json_row<'k>(&self, key: &'k [String]) -> Option<(&JsonDocument, &'k [String])> {
        match key {
            [row, rest @ ..] if !rest.is_empty() => match self.row(row)? {
                Row::Json { doc, .. } => Some((doc, rest)),
                _ => None,
            },
            _ => None,
        }
    }

    fn json_row_mut(&mut self, key: &[String]) -> Result<(&mut JsonDocument, usize), KeyError> {
        let Some(row) = key.first() else {
            return Err(conflict(key, "an empty key path cannot be set"));
        };
        match self.row_mut(row) {
            Some(Row::Json { doc, .. }) => Ok((doc, 1)),
            Some(Row::Text(_)) => Err(conflict(
                key,
                &format!("the row {row:?} does not hold a JSON object"),
            )),
            _ => Err(conflict(key, &format!("there is no row {row:?}"))),
        }
    }
}

impl Document for TableDocument {
    fn get(&self, key: &[String]) -> Option<Value> {
        match key {
            [row] => match self.row(row)? {
                Row::Absent => None,
                Row::Text(s) => Some(Value::String(s.clone())),
                Row::Json { doc, compact } => Some(Value::String(Row::json_text(doc, *compact))),
            },
            _ => {
                let (doc, rest) = self.json_row(key)?;
                doc.get(rest)
            }
        }
    }

    fn set(&mut self, key: &[String], value: &Value) -> Result<Vec<KeyPath>, KeyError> {
        if let [row] = key {
            let Value::String(text) = value else {
                return Err(KeyError::UnsupportedValue {
                    key: key.to_vec(),
                    message: "a whole row is set to text only".into(),
                });
            };
            let new = Row::Text(text.clone());
            match self.row_mut(row) {
                Some(slot) => *slot = new,
                None => self.rows.push((row.clone(), new)),
            }
            return Ok(Vec::new());
        }
        let (doc, skip) = self.json_row_mut(key)?;
        let created = doc
            .set(&key[skip..], value)
            .map_err(|e| prefixed(e, &key[..skip]))?;
        Ok(created
            .into_iter()
            .map(|inner| [&key[..skip], &inner[..]].concat())
            .collect())
    }

    fn value_source(&self, key: &[String]) -> Option<String> {
        let (doc, rest) = self.json_row(key)?;
        doc.value_source(rest)
    }

    fn set_value_source(&mut self, key: &[String], source: &str) -> bool {
        match self.json_row_mut(key) {
            Ok((doc, skip)) if key.len() > skip => doc.set_value_source(&key[skip..], source),
            _ => false,
        }
    }

    fn compact_container_source(&self, key: &[String]) -> Option<String> {
        match key {
            [row, rest @ ..] => match self.row(row)? {
                Row::Json { doc, .. } => doc.compact_container_source(rest),
                _ => None,
            },
            [] => None,
        }
    }

    fn restore_container_source(&mut self, key: &[String], source: &str) -> bool {
        match self.json_row_mut(key) {
            Ok((doc, skip)) => doc.restore_container_source(&key[skip..], source),
            Err(_) => false,
        }
    }

    fn remove(&mut self, key: &[String]) -> Result<bool, KeyError> {
        if let [row] = key {
            return Ok(match self.row_mut(row) {
                Some(slot) if !matches!(slot, Row::Absent) => {
                    *slot = Row::Absent;
                    true
                }
                _ => false,
            });
        }
        match self.json_row_mut(key) {
            Ok((doc, skip)) => doc
                .remove(&key[skip..])
                .map_err(|e| prefixed(e, &key[..skip])),
            Err(_) => Ok(false),
        }
    }

    fn remove_container_if_empty(&mut self, key: &[String]) -> bool {
        // A row is never a container to tidy away: only objects inside a row's value are.
        match self.json_row_mut(key) {
            Ok((doc, skip)) if key.len() > skip => doc.remove_container_if_empty(&key[skip..]),
            _ => false,
        }
    }

    fn holds_nothing(&self) -> bool {
        // The database holds far more than these rows: it is never agentgw's to delete.
        false
    }

    fn has_keys(&self) -> bool {
        // Never a keyless file whose bytes undo could simply give back.
        true
    }

    fn render(&self) -> String {
        let map: Map<String, Value> = self
            .rows
            .iter()
            .map(|(key, row)| {
                let value = match row {
                    Row::Absent => Value::Null,
                    Row::Text(s) => Value::String(s.clone()),
                    Row::Json { doc, compact } => Value::String(Row::json_text(doc, *compact)),
                };
                (key.clone(), value)
            })
            .collect();
        serde_json::to_string_pretty(&map).unwrap_or_default()
    }
}

/// The text of a table document holding `rows` (`None`: the row does not exist).
pub(crate) fn view_text(rows: Vec<(String, Option<String>)>) -> String {
    let map: Map<String, Value> = rows
        .into_iter()
        .map(|(key, value)| (key, value.map_or(Value::Null, Value::String)))
        .collect();
    serde_json::to_string_pretty(&map).unwrap_or_default()
}

/// The rows of a table document's text, each with its value (`None`: absent).
pub(crate) fn view_rows(text: &str) -> Vec<(String, Option<String>)> {
    serde_json::from_str::<Map<String, Value>>(text)
        .map(|map| {
            map.into_iter()
                .map(|(key, value)| (key, value.as_str().map(str::to_string)))
                .collect()
        })
        .unwrap_or_default()
}

/// `text` without the whitespace between JSON tokens (strings are kept as they are).
fn minified(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

fn prefixed(error: KeyError, prefix: &[String]) -> KeyError {
    match error {
        KeyError::Conflict { key, message } => KeyError::Conflict {
            key: [prefix, &key[..]].concat(),
            message,
        },
        KeyError::UnsupportedValue { key, message } => KeyError::UnsupportedValue {
            key: [prefix, &key[..]].concat(),
            message,
        },
    }
}

fn conflict(key: &[String], message: &str) -> KeyError {
    KeyError::Conflict {
        key: key.to_vec(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::engine::{Op, run_ops};
    use super::*;
    use crate::edit::Format;

    const ROW: &str = "app";

    fn key(parts: &[&str]) -> KeyPath {
        parts.iter().map(|p| p.to_string()).collect()
    }

    fn view(app: &str) -> String {
        view_text(vec![
            (ROW.into(), Some(app.into())),
            ("secret".into(), Some("sk-old".into())),
        ])
    }

    #[test]
    fn nested_keys_edit_the_rows_json_and_keep_the_rest_verbatim() {
        let app = r#"{"a":1,"z":{"n":[1,2]},"s":"é\u00e9"}"#;
        let ops = vec![
            Op::Set {
                key: key(&[ROW, "url"]),
                value: "http://gw".into(),
                source: None,
            },
            Op::Set {
                key: key(&["secret"]),
                value: "sk-new".into(),
                source: None,
            },
        ];
        let outcome = run_ops(Format::Sqlite, &view(app), &ops).unwrap();
        let rows = view_rows(&outcome.text);
        let new_app = rows[0].1.clone().unwrap();
        let parsed: Value = serde_json::from_str(&new_app).unwrap();
        assert_eq!(parsed["url"], "http://gw");
        assert!(new_app.contains(r#""z":{"n":[1,2]}"#), "{new_app}");
        assert!(
            new_app.ends_with(r#","url":"http://gw"}"#),
            "a one-line row stays one line: {new_app}"
        );
        assert!(new_app.contains(r#""s":"é\u00e9""#), "{new_app}");
        assert_eq!(rows[1].1.as_deref(), Some("sk-new"));
        // The row's one-line text is remembered for undo.
        assert_eq!(outcome.container_sources, vec![(key(&[ROW]), app.into())]);
    }

    #[test]
    fn undo_steps_give_the_row_its_exact_text_back() {
        let app = r#"{"a":1,"b":{"c":true}}"#;
        let set = vec![Op::Set {
            key: key(&[ROW, "b", "d"]),
            value: Value::Bool(false),
            source: None,
        }];
        let after = run_ops(Format::Sqlite, &view(app), &set).unwrap().text;
        let undo = vec![
            Op::Remove {
                key: key(&[ROW, "b", "d"]),
            },
            Op::RestoreContainerSource {
                key: key(&[ROW]),
                source: app.into(),
            },
        ];
        let back = run_ops(Format::Sqlite, &after, &undo).unwrap().text;
        assert_eq!(view_rows(&back)[0].1.as_deref(), Some(app));
    }

    #[test]
    fn a_duplicate_name_in_a_row_is_refused_naming_the_row_not_lines() {
        let ops = vec![Op::Set {
            key: key(&[ROW, "a"]),
            value: Value::Bool(true),
            source: None,
        }];
        let Err(error) = run_ops(Format::Sqlite, &view(r#"{"a":1,"b":2,"a":3}"#), &ops) else {
            panic!("a duplicate name was edited");
        };
        let error = format!("{error:?}");
        assert!(
            error.contains(
                "a appears 2 times in its object in the row app; Cursor reads only the last one"
            ),
            "{error}"
        );
        assert!(!error.contains("line"), "{error}");
        assert!(!error.contains("Claude Code"), "{error}");
    }

    #[test]
    fn a_row_without_a_json_object_is_a_conflict() {
        let ops = vec![Op::Set {
            key: key(&["secret", "x"]),
            value: Value::Bool(true),
            source: None,
        }];
        assert!(run_ops(Format::Sqlite, &view("{}"), &ops).is_err());
        let missing = vec![Op::Set {
            key: key(&["nope", "x"]),
            value: Value::Bool(true),
            source: None,
        }];
        assert!(run_ops(Format::Sqlite, &view("{}"), &missing).is_err());
    }
}
