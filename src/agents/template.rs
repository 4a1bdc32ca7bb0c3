//! Templates (templates/<agent>/...) are the readable spec of what agentgw writes. They are parsed
//! as documents and turned into per-key changes; placeholders like `{{model}}` are filled in
//! inside parsed string values, never pasted into the file's text, so a value holding a quote,
//! `#` or a newline cannot break or inject into the user's file.

use crate::edit::{Change, Format};
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Vars(BTreeMap<&'static str, String>);

impl Vars {
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.0.insert(name, value.into());
        self
    }

    fn fill(&self, text: &str) -> Result<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .with_context(|| format!("unclosed placeholder in {text:?}"))?;
            let name = &after[..end];
            match self.0.get(name) {
                Some(value) => out.push_str(value),
                None => bail!("template placeholder {{{{{name}}}}} has no value"),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// One `Change::Set` per leaf of the template, in template order, with placeholders filled.
pub fn changes(format: Format, template: &str, vars: &Vars) -> Result<Vec<Change>> {
    let mut leaves = Vec::new();
    match format {
        Format::Json => {
            let value: Value = serde_json::from_str(template).context("template is not JSON")?;
            flatten_json(&mut Vec::new(), &value, &mut leaves);
        }
        Format::Toml => {
            let doc: toml_edit::DocumentMut = template.parse().context("template is not TOML")?;
            flatten_toml(&mut Vec::new(), doc.as_table(), &mut leaves);
        }
        Format::Dotenv => {
            for line in template
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                let (key, value) = line.split_once('=').context("template line without '='")?;
                leaves.push((vec![key.to_string()], Value::String(value.to_string())));
            }
        }
        Format::Sqlite => {
            anyhow::bail!("templates are JSON, TOML or .env files, not databases")
        }
    }
    leaves
        .into_iter()
        .map(|(key, value)| {
            Ok(Change::Set {
                key,
                value: fill_value(&value, vars)?,
            })
        })
        .collect()
}

fn fill_value(value: &Value, vars: &Vars) -> Result<Value> {
    Ok(match value {
        Value::String(s) => Value::String(vars.fill(s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| fill_value(v, vars))
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), fill_value(v, vars)?)))
                .collect::<Result<Map<_, _>>>()?,
        ),
        other => other.clone(),
    })
}

/// JSON objects are walked down to their leaves: each leaf is one managed key.
fn flatten_json(path: &mut Vec<String>, value: &Value, out: &mut Vec<(Vec<String>, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(k.clone());
                flatten_json(path, v, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf.clone())),
    }
}

/// TOML `[tables]` are walked; values, inline tables included, are leaves.
fn flatten_toml(
    path: &mut Vec<String>,
    table: &toml_edit::Table,
    out: &mut Vec<(Vec<String>, Value)>,
) {
    for (key, item) in table.iter() {
        path.push(key.to_string());
        match item {
            toml_edit::Item::Table(inner) => flatten_toml(path, inner, out),
            toml_edit::Item::Value(v) => out.push((path.clone(), toml_to_json(v))),
            _ => {}
        }
        path.pop();
    }
}

fn toml_to_json(value: &toml_edit::Value) -> Value {
    use toml_edit::Value as T;
    match value {
        T::String(s) => Value::String(s.value().clone()),
        T::Integer(i) => Value::from(*i.value()),
        T::Float(f) => Value::from(*f.value()),
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Datetime(d) => Value::String(d.value().to_string()),
        T::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        T::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_values_not_text() {
        let mut vars = Vars::default();
        vars.set("model", "a\"b\n#c");
        let changes = changes(
            Format::Json,
            r#"{"env": {"M": "{{model}}"}, "k": ["x-{{model}}"]}"#,
            &vars,
        )
        .unwrap();
        assert_eq!(
            changes,
            vec![
                Change::Set {
                    key: vec!["env".into(), "M".into()],
                    value: Value::String("a\"b\n#c".into())
                },
                Change::Set {
                    key: vec!["k".into()],
                    value: serde_json::json!(["x-a\"b\n#c"])
                },
            ]
        );
    }

    #[test]
    fn toml_inline_tables_are_leaves() {
        let changes = changes(
            Format::Toml,
            "a = 1\n[t.u]\nh = { x = \"1\" }\n",
            &Vars::default(),
        )
        .unwrap();
        assert_eq!(
            changes,
            vec![
                Change::Set {
                    key: vec!["a".into()],
                    value: Value::from(1)
                },
                Change::Set {
                    key: vec!["t".into(), "u".into(), "h".into()],
                    value: serde_json::json!({"x": "1"})
                },
            ]
        );
    }

    #[test]
    fn an_unknown_placeholder_is_an_error() {
        assert!(changes(Format::Dotenv, "A={{nope}}\n", &Vars::default()).is_err());
    }
}
