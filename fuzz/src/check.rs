//! The property agentgw's editors keep on any input, shared by the cargo-fuzz targets
//! (fuzz/fuzz_targets/) and the corpus tests (tests/edit/corpus.rs, which include this file):
//!
//! never a panic; when an edit is produced, the result parses back, the edited keys have their
//! new values, every other key keeps its value, a byte-order mark and CRLF line endings stay,
//! and an edit that changes nothing gives the bytes back untouched. Input agentgw will not edit
//! is refused with an error, and the file is left byte-identical.

#![allow(dead_code)] // each includer uses a different part

use agentgw::edit::{self, Change, Format, KeyPath};
use serde_json::{Map, Value, json};
use std::path::Path;

/// What happened to one input.
#[derive(Debug)]
pub enum Verdict {
    /// The edit was made (possibly a no-op) and kept the property.
    Edited,
    /// agentgw refused, with this message.
    Refused(String),
}

/// Keys agentgw really edits, per format: the fuzzer mixes them with keys found in the input.
fn agentgw_keys(format: Format) -> &'static [&'static str] {
    match format {
        Format::Json => &[
            "env.ANTHROPIC_BASE_URL",
            "apiKeyHelper",
            "security.auth.selectedType",
            "env.FOO",
        ],
        Format::Toml => &[
            "model_providers.databricks.base_url",
            "model_provider",
            "model_providers.databricks.auth.command",
            "model",
        ],
        Format::Dotenv => &["GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODEL"],
        // Cursor's database is not a text file to fuzz; its rows are edited by the JSON editor.
        Format::Sqlite => &[],
    }
}

/// Values with the characters that break naive writers: quotes, newlines, `#`, `$`, unicode.
fn values(format: Format) -> Vec<Value> {
    let strings = [
        "https://ws.example.com/ai-gateway/anthropic",
        "a \"quoted\" # not a comment $HOME",
        "two\nlines\r\nand a tab\t",
        "ünïcødé ☃ 🚀",
        "",
        "'single' \\ back\\slash",
    ];
    let mut out: Vec<Value> = strings.iter().map(|s| json!(s)).collect();
    if format != Format::Dotenv {
        out.extend([json!(42), json!(true), json!({"a": "b", "n": 1})]);
    }
    out
}

/// FNV-1a: a stable choice of edits from the input's bytes, so the fuzzer's inputs need no
/// header and plain config files serve as seeds.
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The fuzz entry point: edits derived from `data` applied to `data` as a file in `dir`.
pub fn fuzz_one(dir: &Path, format: Format, data: &[u8]) -> Verdict {
    let mut pool: Vec<KeyPath> = agentgw_keys(format)
        .iter()
        .map(|k| k.split('.').map(str::to_string).collect())
        .collect();
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(model) = model_of(format, text)
    {
        let mut found = Vec::new();
        leaf_paths(&model, &mut Vec::new(), &mut found);
        pool.extend(found.into_iter().take(8));
        if format == Format::Dotenv {
            pool.extend(dotenv_names(text).into_iter().take(8).map(|n| vec![n]));
        }
    }
    let values = values(format);
    let mut seed = hash(data);
    let mut draw = |n: usize| {
        seed = seed.rotate_left(17).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851;
        (seed % n as u64) as usize
    };
    let count = 1 + draw(3);
    let changes: Vec<Change> = (0..count)
        .map(|_| {
            let key = pool[draw(pool.len())].clone();
            if draw(4) == 0 {
                Change::Remove { key }
            } else {
                Change::Set {
                    key,
                    value: values[draw(values.len())].clone(),
                }
            }
        })
        .collect();
    check(dir, format, data, &changes)
}

/// Writes `data` to a file in `dir`, plans `changes` on it and checks the property; panics
/// with a description when it does not hold.
pub fn check(dir: &Path, format: Format, data: &[u8], changes: &[Change]) -> Verdict {
    let path = dir.join(match format {
        Format::Json => "settings.json",
        Format::Toml => "config.toml",
        Format::Dotenv => ".env",
        Format::Sqlite => panic!("only the text formats are checked here"),
    });
    std::fs::write(&path, data).unwrap();
    let plan = match edit::plan(&path, format, changes) {
        Ok(plan) => plan,
        Err(e) => {
            assert_eq!(
                std::fs::read(&path).unwrap(),
                data,
                "a refused edit changed the file"
            );
            let message = e.to_string();
            assert!(
                message.contains(&path.display().to_string()),
                "the refusal does not name the file: {message}"
            );
            return Verdict::Refused(message);
        }
    };
    let original = std::str::from_utf8(data).expect("plan accepted non-UTF-8 input");
    let new = plan.new_content().unwrap_or("");
    let what = || format!("{format:?} {changes:?}\n--- before:\n{original}\n--- after:\n{new}");

    // Each change a no-op on its own (a key set and then removed again is not: the containers
    // made for it stay, as the model says).
    let key_of = |c: &Change| match c {
        Change::Set { key, .. } | Change::Remove { key } => key.clone(),
    };
    let each_key_once = changes
        .iter()
        .enumerate()
        .all(|(i, c)| !changes[..i].iter().any(|d| key_of(d) == key_of(c)));
    if each_key_once && plan.key_changes().iter().all(|c| !c.is_change()) {
        assert_eq!(
            new,
            original,
            "an edit that changes nothing changed bytes: {}",
            what()
        );
    }
    if original.starts_with('\u{feff}') {
        assert!(
            new.starts_with('\u{feff}'),
            "the byte-order mark was lost: {}",
            what()
        );
    }
    let lone_line_feeds = |t: &str| t.matches('\n').count() - t.matches("\r\n").count();
    // A file that ends with CRLF and has no LF-only line break (a final line break cannot be
    // inside a string) uses CRLF: lines agentgw adds must too.
    if original.ends_with("\r\n") && lone_line_feeds(original) == 0 {
        assert_eq!(
            lone_line_feeds(new),
            0,
            "a CRLF file got LF lines: {}",
            what()
        );
    }

    let before = model_of(format, original).unwrap_or_else(|| {
        panic!(
            "agentgw edited what the reference parser refuses: {}",
            what()
        )
    });
    let after = model_of(format, new)
        .unwrap_or_else(|| panic!("the result does not parse back: {}", what()));
    let mut expected = before.clone();
    for change in changes {
        match change {
            Change::Set { key, value } => model_set(&mut expected, key, value.clone()),
            Change::Remove { key } => model_remove(&mut expected, key),
        }
    }
    if format == Format::Dotenv {
        // The dotenv model is read by agentgw's own reader (below), one key at a time.
        return check_dotenv(dir, original, new, changes, &what);
    }
    if format == Format::Toml {
        // A TOML table without a `[header]` exists in the text only through its keys: one the
        // edit left empty (created, or emptied of dotted keys) is no longer there. Only empty
        // tables on the edited paths may go.
        for change in changes {
            let (Change::Set { key, .. } | Change::Remove { key }) = change;
            for depth in (1..key.len()).rev() {
                let parents = &key[..depth];
                if lookup(&after, parents).is_none()
                    && lookup(&expected, parents).is_some_and(|v| v == &json!({}))
                {
                    model_remove(&mut expected, parents);
                }
            }
        }
    }
    assert_eq!(after, expected, "values differ from the model: {}", what());
    Verdict::Edited
}

fn check_dotenv(
    dir: &Path,
    original: &str,
    new: &str,
    changes: &[Change],
    what: &dyn Fn() -> String,
) -> Verdict {
    let names = dotenv_names(original);
    let read = |text: &str| {
        let path = dir.join("read-back.env");
        std::fs::write(&path, text).unwrap();
        let keys: Vec<KeyPath> = names.iter().map(|n| vec![n.clone()]).collect();
        edit::read_values(&path, Format::Dotenv, &keys)
            .unwrap_or_else(|e| panic!("the result does not parse back ({e}): {}", what()))
    };
    let before = read(original);
    let after = read(new);
    let mut expected: Map<String, Value> = Map::new();
    for (name, value) in names.iter().zip(before) {
        if let Some(value) = value {
            expected.insert(name.clone(), value);
        }
    }
    let mut model = Value::Object(expected);
    for change in changes {
        match change {
            Change::Set { key, value } => model_set(&mut model, key, value.clone()),
            Change::Remove { key } => model_remove(&mut model, key),
        }
    }
    for (name, value) in names.iter().zip(after) {
        assert_eq!(value.as_ref(), model.get(name), "{name}: {}", what());
    }
    // Keys the edit set that were not in the file before: read them back too.
    let path = dir.join("read-back.env");
    std::fs::write(&path, new).unwrap();
    for change in changes {
        if let Change::Set { key, .. } = change {
            let got = edit::read_values(&path, Format::Dotenv, std::slice::from_ref(key)).unwrap();
            assert_eq!(got[0].as_ref(), model.get(&key[0]), "{key:?}: {}", what());
        }
    }
    Verdict::Edited
}

/// Names assigned in a .env text, found without agentgw's parser: a line's leading identifier
/// before `=` (after an optional `export`).
fn dotenv_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        if !name.is_empty()
            && line[name.len()..].trim_start().starts_with('=')
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// The document's values as JSON, read by a parser other than agentgw's editor (`None`: it
/// does not parse). A byte-order mark is skipped, as agentgw does.
pub fn model_of(format: Format, text: &str) -> Option<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Json => {
            let options = jsonc_parser::ParseOptions {
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
            };
            let value = jsonc_parser::parse_to_serde_value::<Value>(text, &options).ok()?;
            // A document without a value (empty, or only comments) is an empty object to
            // agentgw; a literal `null` it refuses to edit.
            Some(if value.is_null() { json!({}) } else { value })
        }
        Format::Toml => text
            .parse::<toml_edit::DocumentMut>()
            .ok()
            .map(|doc| toml_to_json(doc.as_item())),
        Format::Dotenv => Some(json!({})),
        Format::Sqlite => None,
    }
}

/// A TOML item as JSON; dates and times become their text.
pub fn toml_to_json(item: &toml_edit::Item) -> Value {
    fn value(v: &toml_edit::Value) -> Value {
        match v {
            toml_edit::Value::String(s) => json!(s.value()),
            toml_edit::Value::Integer(i) => json!(i.value()),
            toml_edit::Value::Float(f) => json!(f.value()),
            toml_edit::Value::Boolean(b) => json!(b.value()),
            toml_edit::Value::Datetime(d) => json!(d.value().to_string()),
            toml_edit::Value::Array(a) => Value::Array(a.iter().map(value).collect()),
            toml_edit::Value::InlineTable(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.to_string(), value(v))).collect())
            }
        }
    }
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(v) => value(v),
        toml_edit::Item::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_to_json(v)))
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(
            a.iter()
                .map(|t| {
                    Value::Object(
                        t.iter()
                            .map(|(k, v)| (k.to_string(), toml_to_json(v)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

fn leaf_paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<KeyPath>) {
    if let Value::Object(map) = value {
        for (k, v) in map {
            prefix.push(k.clone());
            if v.is_object() {
                leaf_paths(v, prefix, out);
            } else {
                out.push(prefix.clone());
            }
            prefix.pop();
        }
    }
}

fn lookup<'a>(model: &'a Value, key: &[String]) -> Option<&'a Value> {
    key.iter().try_fold(model, |here, k| here.get(k.as_str()))
}

/// Sets `key` in the model the way agentgw does, creating missing objects.
fn model_set(model: &mut Value, key: &[String], value: Value) {
    let Some((leaf, parents)) = key.split_last() else {
        return;
    };
    let mut here = model;
    for p in parents {
        let Some(object) = here.as_object_mut() else {
            return;
        };
        here = object.entry(p.clone()).or_insert_with(|| json!({}));
    }
    if let Some(object) = here.as_object_mut() {
        object.insert(leaf.clone(), value);
    }
}

fn model_remove(model: &mut Value, key: &[String]) {
    let Some((leaf, parents)) = key.split_last() else {
        return;
    };
    let mut here = model;
    for p in parents {
        match here.get_mut(p.as_str()) {
            Some(next) => here = next,
            None => return,
        }
    }
    if let Some(object) = here.as_object_mut() {
        object.shift_remove(leaf);
    }
}
