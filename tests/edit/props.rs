//! Property tests: random documents and random edit sequences never disturb other bytes, and
//! what is written reads back as the values asked for.

use std::fs;
use std::path::Path;

use agentgw::edit::{self, Change, Format};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

/// 512 cases per property by default; PROPTEST_CASES=N for a longer hunt (scripts/test.sh sets
/// 4096 in CI).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    ProptestConfig {
        cases: cases.unwrap_or(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Plans `changes` against `text` and returns the new text (the file is not written by apply:
/// these tests are about the engine, and plan is where it runs).
fn plan_text(
    dir: &Path,
    name: &str,
    format: Format,
    text: &str,
    changes: &[Change],
) -> Result<String, edit::EditError> {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    let plan = edit::plan(&path, format, changes)?;
    Ok(plan.new_content().unwrap_or("").to_string())
}

// ---------------------------------------------------------------- JSON

/// How a generated JSON document is laid out.
#[derive(Debug, Clone)]
struct JsonStyle {
    indent: &'static str,
    trailing_newline: bool,
    trailing_commas: bool,
    /// Consumed in order, cycling: what decoration goes around each property.
    decorations: Vec<u8>,
}

struct Printer<'a> {
    style: &'a JsonStyle,
    next: usize,
}

impl Printer<'_> {
    fn decoration(&mut self) -> u8 {
        if self.style.decorations.is_empty() {
            return 0;
        }
        let d = self.style.decorations[self.next % self.style.decorations.len()];
        self.next += 1;
        d
    }

    /// Prints `value`; for the root object also returns each top-level property's own text.
    fn object(
        &mut self,
        map: &Map<String, Value>,
        level: usize,
        parts: &mut Vec<(String, String)>,
    ) -> String {
        if map.is_empty() {
            return "{}".to_string();
        }
        let inner = self.style.indent.repeat(level + 1);
        let outer = self.style.indent.repeat(level);
        let mut out = String::from("{\n");
        let count = map.len();
        for (i, (key, value)) in map.iter().enumerate() {
            let decoration = self.decoration();
            if decoration % 7 == 1 {
                out.push_str(&format!("{inner}// about {}\n", key.len()));
            }
            if decoration % 7 == 2 && i > 0 {
                out.push('\n');
            }
            if decoration % 7 == 3 {
                out.push_str(&format!("{inner}/* block\n{inner}   comment */\n"));
            }
            let value_text = match value {
                Value::Object(inner_map) => self.object(inner_map, level + 1, &mut Vec::new()),
                other => serde_json::to_string(other).unwrap(),
            };
            let property = format!("{}: {value_text}", serde_json::to_string(key).unwrap());
            if level == 0 {
                parts.push((key.clone(), property.clone()));
            }
            out.push_str(&inner);
            out.push_str(&property);
            let last = i + 1 == count;
            if !last || self.style.trailing_commas {
                out.push(',');
            }
            if decoration % 7 == 4 {
                out.push_str(" // trailing note");
            }
            out.push('\n');
        }
        if self.decoration() % 5 == 1 {
            out.push_str(&format!("{inner}// closing remark\n"));
        }
        out.push_str(&outer);
        out.push('}');
        out
    }
}

fn print_json(root: &Map<String, Value>, style: &JsonStyle) -> (String, Vec<(String, String)>) {
    let mut parts = Vec::new();
    let mut text = Printer { style, next: 0 }.object(root, 0, &mut parts);
    if style.trailing_newline {
        text.push('\n');
    }
    (text, parts)
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-e]{1,2}",
        1 => Just("with space".to_string()),
        1 => Just("quo\"te".to_string()),
        1 => Just("é✓".to_string()),
    ]
}

fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
        "\\PC{0,6}".prop_map(Value::String),
        Just(Value::Null),
        prop::collection::vec(any::<u8>().prop_map(|n| json!(n)), 0..3).prop_map(Value::Array),
    ]
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = json_scalar();
    let tree = leaf.prop_recursive(3, 24, 4, |inner| {
        prop::collection::vec((json_key(), inner), 0..4)
            .prop_map(|entries| Value::Object(entries.into_iter().collect()))
    });
    prop::collection::vec((json_key(), tree), 0..6)
        .prop_map(|entries| entries.into_iter().collect())
}

fn json_style() -> impl Strategy<Value = JsonStyle> {
    (
        prop_oneof![Just("  "), Just("    "), Just("\t")],
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..12),
    )
        .prop_map(
            |(indent, trailing_newline, trailing_commas, decorations)| JsonStyle {
                indent,
                trailing_newline,
                trailing_commas,
                decorations,
            },
        )
}

/// Paths to edit: existing ones (object keys at any depth) and fresh ones below them.
fn object_paths(map: &Map<String, Value>, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for (key, value) in map {
        let mut path = prefix.to_vec();
        path.push(key.clone());
        out.push(path.clone());
        if let Value::Object(inner) = value {
            object_paths(inner, &path, out);
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, Value),
    Remove(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let value = prop_oneof![
        3 => json_scalar(),
        1 => json_scalar().prop_map(|v| json!({"nested": v, "k": [1, "two"]})),
    ];
    prop::collection::vec(
        prop_oneof![
            3 => (any::<usize>(), value).prop_map(|(i, v)| Edit::Set(i, v)),
            1 => any::<usize>().prop_map(Edit::Remove),
        ],
        1..6,
    )
}

/// The model's answer to a set: `None` when a parent on the way is not an object.
fn model_set(root: &mut Map<String, Value>, path: &[String], value: Value) -> Option<()> {
    let (leaf, parents) = path.split_last().unwrap();
    let mut map = root;
    for segment in parents {
        map = map
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?;
    }
    map.insert(leaf.clone(), value);
    Some(())
}

fn model_remove(root: &mut Map<String, Value>, path: &[String]) {
    let (leaf, parents) = path.split_last().unwrap();
    let mut map = root;
    for segment in parents {
        match map.get_mut(segment).and_then(Value::as_object_mut) {
            Some(inner) => map = inner,
            None => return,
        }
    }
    map.shift_remove(leaf);
}

fn parse_jsonc(text: &str) -> Value {
    jsonc_parser::parse_to_serde_value::<Value>(text, &Default::default())
        .unwrap_or_else(|e| panic!("output does not parse: {e}\n{text}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json_edits_preserve_untouched_text(
        root in json_object(),
        style in json_style(),
        edits in edits(),
        fresh_depth in 0usize..3,
        fresh_anchor in any::<usize>(),
    ) {
        let dir = TempDir::new().unwrap();
        let (original, parts) = print_json(&root, &style);
        prop_assert_eq!(parse_jsonc(&original), Value::Object(root.clone()));

        let mut paths = Vec::new();
        object_paths(&root, &[], &mut paths);
        paths.push(vec!["fresh".to_string()]);
        let fresh: Vec<Vec<String>> = paths
            .iter()
            .map(|p| { let mut p = p.clone(); p.push("new key".to_string()); p })
            .collect();
        paths.extend(fresh);

        let mut model = root.clone();
        let mut text = original.clone();
        let mut touched_top = std::collections::HashSet::new();
        for edit in &edits {
            let (change, path) = match edit {
                Edit::Set(i, v) => {
                    let path = paths[i % paths.len()].clone();
                    (Change::Set { key: path.clone(), value: v.clone() }, path)
                }
                Edit::Remove(i) => {
                    let path = paths[i % paths.len()].clone();
                    (Change::Remove { key: path.clone() }, path)
                }
            };
            let mut expected = model.clone();
            let valid = match &change {
                Change::Set { value, .. } => model_set(&mut expected, &path, value.clone()).is_some(),
                Change::Remove { .. } => { model_remove(&mut expected, &path); true }
            };
            let result = plan_text(dir.path(), "s.json", Format::Json, &text, &[change]);
            if !valid {
                prop_assert!(matches!(result, Err(edit::EditError::Conflict { .. })), "{:?}", result);
                continue;
            }
            text = result.unwrap();
            model = expected;
            touched_top.insert(path[0].clone());
            prop_assert_eq!(parse_jsonc(&text), Value::Object(model.clone()), "text:\n{}", text);
        }

        // Properties no edit reached are there byte for byte.
        for (key, part) in &parts {
            if !touched_top.contains(key) {
                prop_assert!(text.contains(part.as_str()), "lost {:?}\nbefore:\n{}\nafter:\n{}", part, original, text);
            }
        }
        prop_assert_eq!(text.ends_with('\n'), style.trailing_newline);

        // Adding a fresh key anywhere and removing it again gives back the exact bytes.
        let mut objects: Vec<Vec<String>> = vec![Vec::new()];
        let mut all = Vec::new();
        object_paths(&model, &[], &mut all);
        objects.extend(all.into_iter().filter(|p| {
            let mut v = &Value::Object(model.clone());
            for s in p { v = &v[s.as_str()]; }
            v.is_object()
        }));
        let mut anchor = objects[fresh_anchor % objects.len()].clone();
        let first_fresh = anchor.len();
        for d in 0..fresh_depth { anchor.push(format!("fresh{d}")); }
        anchor.push("probe".to_string());
        let with_probe = plan_text(dir.path(), "s.json", Format::Json, &text,
            &[Change::Set { key: anchor.clone(), value: json!({"x": [1, 2], "y": "z"}) }]).unwrap();
        let removal = anchor[..=first_fresh].to_vec();
        let back = plan_text(dir.path(), "s.json", Format::Json, &with_probe,
            &[Change::Remove { key: removal }]).unwrap();
        // Known limitation of jsonc-parser's insert: it drops blank lines directly inside an
        // object's braces. Such objects only arise here by removing their edge properties.
        if !has_blank_line_at_object_edge(&text) {
            prop_assert_eq!(back, text);
        }
    }
}

/// A whitespace-only line right after a line ending in '{' or right before one starting '}'.
fn has_blank_line_at_object_edge(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        line.trim().is_empty()
            && (i > 0 && lines[i - 1].trim_end().ends_with('{')
                || lines
                    .get(i + 1)
                    .is_some_and(|next| next.trim_start().starts_with('}')))
    })
}

// ---------------------------------------------------------------- dotenv

#[derive(Debug, Clone)]
enum EnvLine {
    Comment(String),
    Blank,
    Assign {
        export: bool,
        key: String,
        spacing: bool,
        quoting: u8,
        value: String,
        comment: Option<String>,
    },
}

impl EnvLine {
    /// The line's text and the value it assigns (as a dotenv loader reads it).
    fn render(&self) -> (String, Option<(String, String)>) {
        match self {
            EnvLine::Comment(c) => (format!("# {c}"), None),
            EnvLine::Blank => (String::new(), None),
            EnvLine::Assign {
                export,
                key,
                spacing,
                quoting,
                value,
                comment,
            } => {
                let mut out = String::new();
                if *export {
                    out.push_str("export ");
                }
                out.push_str(key);
                out.push_str(if *spacing { " = " } else { "=" });
                let safe_bare = !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./:@,+".contains(c));
                match quoting % 3 {
                    0 if safe_bare => out.push_str(value),
                    1 if !value.contains('\'') && !value.contains('\n') => {
                        out.push('\'');
                        out.push_str(value);
                        out.push('\'');
                    }
                    _ => {
                        out.push('"');
                        for c in value.chars() {
                            match c {
                                '"' | '\\' | '$' | '`' => {
                                    out.push('\\');
                                    out.push(c);
                                }
                                '\t' => out.push_str("\\t"),
                                c => out.push(c), // newlines stay literal: a multi-line value
                            }
                        }
                        out.push('"');
                    }
                }
                if let Some(c) = comment {
                    out.push_str(" # ");
                    out.push_str(c);
                }
                (out, Some((key.clone(), value.clone())))
            }
        }
    }
}

fn env_key() -> impl Strategy<Value = String> {
    "[A-E][A-E_0-9]{0,2}"
}

fn env_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9./:-]{1,10}",
        "[ -~]{0,12}",
        "[a-z \"'#$=\\\\\t\n]{0,8}",
        "\\PC{0,5}",
    ]
}

fn env_line() -> impl Strategy<Value = EnvLine> {
    prop_oneof![
        1 => "[ -~]{0,15}".prop_map(EnvLine::Comment),
        1 => Just(EnvLine::Blank),
        4 => (any::<bool>(), env_key(), any::<bool>(), any::<u8>(), env_value(), prop::option::of("[a-z ]{0,8}"))
            .prop_map(|(export, key, spacing, quoting, value, comment)| EnvLine::Assign {
                export, key, spacing, quoting, value, comment
            }),
    ]
}

/// Reads `keys` back through agentgw's own parser: a plan removing them reports their values.
fn read_env(dir: &Path, text: &str, keys: &[String]) -> Vec<Option<Value>> {
    let changes: Vec<Change> = keys
        .iter()
        .map(|k| Change::Remove {
            key: vec![k.clone()],
        })
        .collect();
    let path = dir.join("read.env");
    fs::write(&path, text).unwrap();
    let plan = edit::plan(&path, Format::Dotenv, &changes).unwrap();
    plan.key_changes()
        .iter()
        .map(|c| c.before.clone())
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dotenv_edits_preserve_untouched_lines(
        lines in prop::collection::vec(env_line(), 0..10),
        crlf in any::<bool>(),
        trailing_newline in any::<bool>(),
        edits in prop::collection::vec((env_key(), prop::option::of(env_value())), 1..6),
        probe_value in env_value(),
    ) {
        let dir = TempDir::new().unwrap();
        let eol = if crlf { "\r\n" } else { "\n" };
        let rendered: Vec<(String, Option<(String, String)>)> = lines.iter().map(EnvLine::render).collect();
        let mut original = rendered.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(eol);
        if trailing_newline && !original.is_empty() {
            original.push_str(eol);
        }

        let mut model: Vec<(String, String)> = Vec::new();
        for (_, assignment) in &rendered {
            if let Some((k, v)) = assignment {
                model.retain(|(mk, _)| mk != k);
                model.push((k.clone(), v.clone()));
            }
        }
        let keys: Vec<String> = model.iter().map(|(k, _)| k.clone()).collect();
        let read = read_env(dir.path(), &original, &keys);
        for ((_, v), got) in model.iter().zip(&read) {
            prop_assert_eq!(got.as_ref(), Some(&Value::String(v.clone())), "input:\n{}", original);
        }

        let changes: Vec<Change> = edits.iter().map(|(k, v)| match v {
            Some(v) => Change::Set { key: vec![k.clone()], value: Value::String(v.clone()) },
            None => Change::Remove { key: vec![k.clone()] },
        }).collect();
        let text = plan_text(dir.path(), ".env", Format::Dotenv, &original, &changes).unwrap();
        for (k, v) in &edits {
            model.retain(|(mk, _)| mk != k);
            if let Some(v) = v {
                model.push((k.clone(), v.clone()));
            }
        }
        let keys: Vec<String> = model.iter().map(|(k, _)| k.clone()).collect();
        let read = read_env(dir.path(), &text, &keys);
        for ((k, v), got) in model.iter().zip(&read) {
            prop_assert_eq!(got.as_ref(), Some(&Value::String(v.clone())), "key {} in:\n{}", k, text);
        }
        for (i, (k, v)) in edits.iter().enumerate() {
            let set_later = edits[i + 1..].iter().any(|(later, _)| later == k);
            if v.is_none() && !set_later {
                let gone = read_env(dir.path(), &text, std::slice::from_ref(k));
                prop_assert_eq!(&gone[0], &None);
            }
        }

        // Lines of keys no edit touched stay, in order, byte for byte.
        let touched: Vec<&String> = edits.iter().map(|(k, _)| k).collect();
        let mut from = 0;
        for (line, assignment) in &rendered {
            if assignment.as_ref().is_some_and(|(k, _)| touched.contains(&k)) || line.is_empty() {
                continue;
            }
            match text[from..].find(line.as_str()) {
                Some(i) => from += i + line.len(),
                None => prop_assert!(false, "lost line {:?}\nbefore:\n{}\nafter:\n{}", line, original, text),
            }
        }
        // The trailing-newline convention is kept. (When the last line left is blank, "x\n" is
        // that blank line without a trailing newline: nothing to check.)
        let last_kept_is_blank = rendered
            .iter()
            .rev()
            .find(|(_, a)| !a.as_ref().is_some_and(|(k, _)| touched.contains(&k)))
            .is_some_and(|(line, _)| line.is_empty());
        if !original.is_empty() && !text.is_empty() && !last_kept_is_blank {
            prop_assert_eq!(text.ends_with('\n'), original.ends_with('\n'), "{:?}", text);
        }
        if original.contains("\r\n") {
            // Lines agentgw adds end in CRLF too; only multi-line values hold lone LFs.
            prop_assert!(lone_line_feeds(&text) <= lone_line_feeds(&original), "{:?}", text);
        }

        // A fresh key added and removed leaves the exact bytes.
        let probe = vec!["AGENTGW_PROBE".to_string()];
        let with_probe = plan_text(dir.path(), ".env", Format::Dotenv, &text,
            &[Change::Set { key: probe.clone(), value: Value::String(probe_value) }]).unwrap();
        let back = plan_text(dir.path(), ".env", Format::Dotenv, &with_probe, &[Change::Remove { key: probe }]).unwrap();
        prop_assert_eq!(back, text);
    }
}

/// "\n" not preceded by "\r".
fn lone_line_feeds(text: &str) -> usize {
    text.matches('\n').count() - text.matches("\r\n").count()
}

// ---------------------------------------------------------------- TOML

#[derive(Debug, Clone)]
struct TomlTable {
    name: String,
    comment: bool,
    entries: Vec<(String, Value, bool)>,
    sub: Option<Vec<(String, Value, bool)>>,
}

fn toml_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[ -~]{0,10}".prop_map(Value::String),
        "\\PC{0,5}".prop_map(Value::String),
        prop::collection::vec(any::<u8>().prop_map(|n| json!(n)), 0..3).prop_map(Value::Array),
    ]
}

fn toml_entries() -> impl Strategy<Value = Vec<(String, Value, bool)>> {
    prop::collection::vec(("[a-d]", toml_scalar(), any::<bool>()), 0..4).prop_map(|mut entries| {
        let mut seen = std::collections::HashSet::new();
        entries.retain(|(k, _, _)| seen.insert(k.clone()));
        entries
    })
}

fn toml_tables() -> impl Strategy<Value = Vec<TomlTable>> {
    prop::collection::vec(
        (
            "[p-s]",
            any::<bool>(),
            toml_entries(),
            prop::option::of(toml_entries()),
        ),
        0..4,
    )
    .prop_map(|tables| {
        let mut seen = std::collections::HashSet::new();
        tables
            .into_iter()
            .filter(|(name, ..)| seen.insert(name.clone()))
            .map(|(name, comment, entries, sub)| TomlTable {
                name,
                comment,
                entries,
                sub,
            })
            .collect()
    })
}

fn toml_line(key: &str, value: &Value, comment: bool) -> String {
    let rendered = toml_edit::value(json_to_toml(value)).to_string();
    let mut line = format!("{key} = {}", rendered.trim());
    if comment {
        line.push_str(" # note");
    }
    line.push('\n');
    line
}

fn json_to_toml(value: &Value) -> toml_edit::Value {
    match value {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => n.as_i64().unwrap().into(),
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => toml_edit::Value::Array(items.iter().map(json_to_toml).collect()),
        Value::Object(map) => {
            let mut table = toml_edit::InlineTable::new();
            for (k, v) in map {
                table.insert(k, json_to_toml(v));
            }
            toml_edit::Value::InlineTable(table)
        }
        Value::Null => unreachable!("no nulls generated for TOML"),
    }
}

/// The document's text, its JSON model, and each table's block of text.
fn print_toml(
    root: &[(String, Value, bool)],
    tables: &[TomlTable],
) -> (String, Map<String, Value>, Vec<(String, String)>) {
    let mut text = String::from("# generated config\n");
    let mut model = Map::new();
    let mut blocks = Vec::new();
    for (k, v, c) in root {
        text.push_str(&toml_line(k, v, *c));
        model.insert(k.clone(), v.clone());
    }
    for table in tables {
        let mut block = String::from("\n");
        if table.comment {
            block.push_str("# about this table\n");
        }
        block.push_str(&format!("[{}]\n", table.name));
        let mut inner = Map::new();
        for (k, v, c) in &table.entries {
            block.push_str(&toml_line(k, v, *c));
            inner.insert(k.clone(), v.clone());
        }
        if let Some(sub) = &table.sub {
            block.push_str(&format!("\n[{}.sub]\n", table.name));
            let mut sub_map = Map::new();
            for (k, v, c) in sub {
                block.push_str(&toml_line(k, v, *c));
                sub_map.insert(k.clone(), v.clone());
            }
            inner.insert("sub".to_string(), Value::Object(sub_map));
        }
        text.push_str(&block);
        blocks.push((table.name.clone(), block));
        model.insert(table.name.clone(), Value::Object(inner));
    }
    (text, model, blocks)
}

/// Reads TOML text independently of agentgw's engine.
fn toml_to_json(text: &str) -> Value {
    fn item(node: &toml_edit::Item) -> Value {
        match node {
            toml_edit::Item::Value(v) => value(v),
            toml_edit::Item::Table(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.to_string(), item(v))).collect())
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    fn value(v: &toml_edit::Value) -> Value {
        match v {
            toml_edit::Value::String(s) => Value::String(s.value().clone()),
            toml_edit::Value::Integer(i) => json!(*i.value()),
            toml_edit::Value::Boolean(b) => json!(*b.value()),
            toml_edit::Value::Array(a) => Value::Array(a.iter().map(value).collect()),
            toml_edit::Value::InlineTable(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.to_string(), value(v))).collect())
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let doc: toml_edit::DocumentMut = text
        .parse()
        .unwrap_or_else(|e| panic!("output does not parse: {e}\n{text}"));
    item(doc.as_item())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn toml_edits_preserve_untouched_text(
        root in toml_entries(),
        tables in toml_tables(),
        edits in prop::collection::vec(
            (prop_oneof![Just("r"), Just("p"), Just("q"), Just("p.sub"), Just("new.deep")], "[a-e]",
             prop::option::of(prop_oneof![3 => toml_scalar(), 1 => toml_scalar().prop_map(|v| json!({"inner": v}))])),
            1..6),
        probe_at in prop_oneof![Just(""), Just("p"), Just("q.sub"), Just("fresh.sub")],
    ) {
        let dir = TempDir::new().unwrap();
        let (original, root_model, blocks) = print_toml(&root, &tables);
        prop_assert_eq!(toml_to_json(&original), Value::Object(root_model.clone()));

        let mut model = root_model;
        let mut text = original.clone();
        let mut touched = std::collections::HashSet::new();
        for (table, key, value) in &edits {
            // "r" edits top-level keys; the others edit keys inside that table path.
            let mut path: Vec<String> = if *table == "r" { Vec::new() } else { table.split('.').map(String::from).collect() };
            path.push(key.to_string());
            let change = match value {
                Some(v) => Change::Set { key: path.clone(), value: v.clone() },
                None => Change::Remove { key: path.clone() },
            };
            let mut expected = model.clone();
            let valid = match value {
                Some(v) => model_set(&mut expected, &path, v.clone()).is_some(),
                None => { model_remove(&mut expected, &path); true }
            };
            let result = plan_text(dir.path(), "c.toml", Format::Toml, &text, &[change]);
            if !valid {
                prop_assert!(matches!(result, Err(edit::EditError::Conflict { .. })), "{:?}", result);
                continue;
            }
            text = result.unwrap();
            model = expected;
            touched.insert(path[0].clone());
            prop_assert_eq!(toml_to_json(&text), Value::Object(model.clone()), "text:\n{}", text);
        }

        for (name, block) in &blocks {
            if !touched.contains(name) {
                prop_assert!(text.contains(block.as_str()), "lost block {:?}\nbefore:\n{}\nafter:\n{}", block, original, text);
            }
        }

        let mut probe: Vec<String> = probe_at.split('.').filter(|s| !s.is_empty()).map(String::from).collect();
        let valid_anchor = {
            let mut v = &Value::Object(model.clone());
            probe.iter().all(|s| match v.get(s.as_str()) {
                Some(inner) => { v = inner; inner.is_object() }
                None => { v = &Value::Null; true }
            })
        };
        if valid_anchor {
            probe.push("probe".to_string());
            // A plain Remove cannot know whether a `[table]` header it would leave bare was the
            // user's; undo, working from the record, can. So the probe goes through apply/undo.
            let path = dir.path().join("undo.toml");
            fs::write(&path, &text).unwrap();
            let state = edit::StateDir::new(dir.path().join("state"));
            let plan = edit::plan(&path, Format::Toml, &[Change::Set { key: probe.clone(), value: json!({"x": [1, 2]}) }]).unwrap();
            edit::apply(&plan, &state, "probe").unwrap();
            for undo in edit::plan_undo(&state, "probe").unwrap() {
                edit::apply_undo(&undo, &state, "probe").unwrap();
            }
            let back = fs::read_to_string(&path).unwrap();
            prop_assert_eq!(back, text);
        }
    }
}
