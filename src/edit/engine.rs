//! The edit engine proper: picks the document type of a format (src/edit/document.rs) and runs
//! edit steps over a document's text, reporting what changed. Text in, text out: where the text
//! comes from and goes to is the storage's business (src/edit/storage.rs).

use serde_json::Value;

use super::document::{Document, KeyError, SyntaxError};
use super::{Format, KeyChange, KeyPath};

/// One step of an edit. `Change` is the public form; undo needs two more kinds of step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Set {
        key: KeyPath,
        value: Value,
        /// Source text to restore verbatim when it still means `value`.
        source: Option<String>,
    },
    Remove {
        key: KeyPath,
    },
    RemoveContainerIfEmpty {
        key: KeyPath,
    },
    /// Undo's last step: a container that is back to its original value gets its original text.
    RestoreContainerSource {
        key: KeyPath,
        source: String,
    },
}

/// The result of running ops over a document's text.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub text: String,
    pub key_changes: Vec<KeyChange>,
    /// Per key set: the containers that had to be created for it.
    pub created_parents: Vec<(KeyPath, Vec<KeyPath>)>,
    /// For each key changed, the source text of its value before the edit (when a scalar).
    pub previous_sources: Vec<(KeyPath, String)>,
    /// Compact containers (see `Document::compact_container_source`) as they were before the
    /// first key was set inside them.
    pub container_sources: Vec<(KeyPath, String)>,
    /// The text set no key before the edit (empty, blank or only comments).
    pub was_keyless: bool,
}

const BOM: char = '\u{feff}';

fn parse(format: Format, text: &str) -> Result<Box<dyn Document>, SyntaxError> {
    Ok(match format {
        Format::Json => Box::new(super::json::JsonDocument::parse(text)?),
        Format::Toml => Box::new(super::toml::TomlDocument::parse(text)?),
        Format::Dotenv => Box::new(super::dotenv::DotenvDocument::parse(text)?),
        Format::Sqlite => Box::new(super::table::TableDocument::parse(text)?),
    })
}

/// Reads the values at `keys` from `text` (`None` where absent).
pub(crate) fn read_values(
    format: Format,
    text: &str,
    keys: &[KeyPath],
) -> Result<Vec<Option<Value>>, SyntaxError> {
    let doc = parse(format, text.strip_prefix(BOM).unwrap_or(text))?;
    Ok(keys.iter().map(|key| doc.get(key)).collect())
}

/// True when `text` holds no keys and no comments.
pub(crate) fn holds_nothing(format: Format, text: &str) -> Result<bool, SyntaxError> {
    Ok(parse(format, text.strip_prefix(BOM).unwrap_or(text))?.holds_nothing())
}

/// Applies `ops` in order to `text`. A byte-order mark is set aside for parsing and put back
/// afterwards. When no op changes anything the original text comes back untouched, whatever the
/// library would have printed.
pub(crate) fn run_ops(format: Format, text: &str, ops: &[Op]) -> Result<Outcome, RunError> {
    let (bom, body) = match text.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut doc = parse(format, body).map_err(RunError::Syntax)?;
    let was_keyless = !doc.has_keys();
    let mut key_changes: Vec<KeyChange> = Vec::new();
    let mut created_parents = Vec::new();
    let mut previous_sources = Vec::new();
    // Compact containers on the way to a key being set, read before any edit changes their
    // layout; outermost first, which is the order undo restores them in.
    let mut container_sources: Vec<(KeyPath, String)> = Vec::new();
    for op in ops {
        if let Op::Set { key, .. } = op {
            for depth in 0..key.len() {
                let container = &key[..depth];
                if !container_sources.iter().any(|(k, _)| k == container)
                    && let Some(src) = doc.compact_container_source(container)
                {
                    container_sources.push((container.to_vec(), src));
                }
            }
        }
    }
    container_sources.sort_by_key(|(k, _)| k.len());
    let mut touched = false;

    for op in ops {
        match op {
            Op::Set { key, value, source } => {
                let before = doc.get(key);
                if before.as_ref() == Some(value) {
                    note_change(&mut key_changes, key, before, Some(value.clone()));
                    continue;
                }
                if let Some(src) = doc.value_source(key) {
                    previous_sources.push((key.clone(), src));
                }
                let restored_verbatim = match source {
                    Some(src) if before.is_some() => {
                        doc.set_value_source(key, src) && doc.get(key).as_ref() == Some(value)
                    }
                    _ => false,
                };
                if !restored_verbatim {
                    let created = doc.set(key, value).map_err(RunError::Key)?;
                    if !created.is_empty() {
                        created_parents.push((key.clone(), created));
                    }
                }
                touched = true;
                let after = doc.get(key);
                note_change(&mut key_changes, key, before, after);
            }
            Op::Remove { key } => {
                let before = doc.get(key);
                if let Some(src) = doc.value_source(key) {
                    previous_sources.push((key.clone(), src));
                }
                if doc.remove(key).map_err(RunError::Key)? {
                    touched = true;
                }
                note_change(&mut key_changes, key, before, None);
            }
            Op::RemoveContainerIfEmpty { key } => {
                if doc.remove_container_if_empty(key) {
                    touched = true;
                }
            }
            Op::RestoreContainerSource { key, source } => {
                if doc.restore_container_source(key, source) {
                    touched = true;
                }
            }
        }
    }

    let text = if touched {
        let rendered = doc.render();
        if bom {
            format!("{BOM}{rendered}")
        } else {
            rendered
        }
    } else {
        text.to_string()
    };
    Ok(Outcome {
        text,
        key_changes,
        created_parents,
        previous_sources,
        container_sources,
        was_keyless,
    })
}

/// Keeps one entry per key: the value before the first op touching it and after the last.
fn note_change(
    changes: &mut Vec<KeyChange>,
    key: &KeyPath,
    before: Option<Value>,
    after: Option<Value>,
) {
    match changes.iter_mut().find(|c| &c.key == key) {
        Some(existing) => existing.after = after,
        None => changes.push(KeyChange {
            key: key.clone(),
            before,
            after,
        }),
    }
}

#[derive(Debug)]
pub(crate) enum RunError {
    Syntax(SyntaxError),
    Key(KeyError),
}
