//! Real-world shapes (tests/corpus/: CRLF, a byte-order mark, tabs, comments, dotted keys and
//! inline tables, multi-line values, duplicates, deep nesting, bad encodings) through the edit
//! engine: agentgw's own edits and the fuzz targets' edits keep the editing property of
//! fuzz/src/check.rs, apply + undo gives every byte back, and what cannot be edited safely is
//! refused with a message saying why, the file left byte-identical.

use crate::check::{Verdict, check, fuzz_one};
use crate::support::{Sandbox, read};
use agentgw::edit::{Change, Format};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Corpus files agentgw must refuse to edit, and what the refusal says.
const REFUSED: &[(&str, &str)] = &[
    ("json/broken.json", "settings.json:3:13: expected comma"),
    (
        "json/deep-600.json",
        "nested more than 512 levels deep, more than agentgw edits",
    ),
    (
        "json/duplicate-keys.json",
        "env appears 2 times in its object (lines 2, 6); Claude Code and Gemini CLI read only the last one",
    ),
    (
        "json/duplicate-inner-key.json",
        "apiKeyHelper appears 2 times in its object (lines 2, 3)",
    ),
    (
        "json/env-is-a-string.json",
        "env is a string, not an object",
    ),
    (
        "json/invalid-utf8.json",
        "settings.json:2:15: not UTF-8 text",
    ),
    (
        "json/number-out-of-range.json",
        "settings.json:2:1: the number 1e999 is out of range for agentgw",
    ),
    (
        "json/top-level-array.json",
        "the file's top level is not a JSON object",
    ),
    ("json/utf16.json", "settings.json:1:1: not UTF-8 text"),
    ("toml/broken.toml", "config.toml:1:12: invalid basic string"),
    ("toml/duplicate-keys.toml", "duplicate key"),
    ("toml/duplicate-tables.toml", "duplicate key"),
    ("toml/invalid-utf8.toml", "config.toml:1:13: not UTF-8 text"),
    (
        "toml/model-providers-is-a-string.toml",
        "model_providers is a string, not a table",
    ),
    ("dotenv/broken.env", "unterminated double-quoted value"),
    ("dotenv/invalid-utf8.env", ".env:1:17: not UTF-8 text"),
    ("dotenv/not-an-assignment.env", "expected '=' after just"),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn corpus() -> Vec<(String, Format, Vec<u8>)> {
    let mut files = Vec::new();
    for (folder, format) in [
        ("json", Format::Json),
        ("toml", Format::Toml),
        ("dotenv", Format::Dotenv),
    ] {
        let mut entries: Vec<_> = std::fs::read_dir(corpus_dir().join(folder))
            .unwrap()
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = format!("{folder}/{}", entry.file_name().to_string_lossy());
            files.push((name, format, std::fs::read(entry.path()).unwrap()));
        }
    }
    files
}

fn set(key: &str, value: serde_json::Value) -> Change {
    Change::Set {
        key: key.split('.').map(str::to_string).collect(),
        value,
    }
}

fn remove(key: &str) -> Change {
    Change::Remove {
        key: key.split('.').map(str::to_string).collect(),
    }
}

/// What `agentgw setup` asks of each format (Claude, Codex, Gemini).
fn agentgw_changes(format: Format) -> Vec<Change> {
    match format {
        Format::Json => vec![
            set(
                "env.ANTHROPIC_BASE_URL",
                json!("https://ws/ai-gateway/anthropic"),
            ),
            set("env.ANTHROPIC_MODEL", json!("databricks-claude-opus-4-6")),
            set(
                "apiKeyHelper",
                json!("/usr/bin/agentgw token --profile default"),
            ),
            remove("env.ANTHROPIC_AUTH_TOKEN"),
        ],
        Format::Toml => vec![
            set("model_provider", json!("databricks")),
            set("model", json!("databricks-gpt-5-2")),
            set(
                "model_providers.databricks.name",
                json!("Databricks AI Gateway"),
            ),
            set(
                "model_providers.databricks.base_url",
                json!("https://ws/ai-gateway/openai/v1"),
            ),
            set(
                "model_providers.databricks.auth.args",
                json!(["token", "--profile", "default"]),
            ),
            remove("profile"),
        ],
        Format::Dotenv => vec![
            set("GEMINI_MODEL", json!("databricks-gemini-2-5-flash")),
            set(
                "GOOGLE_GEMINI_BASE_URL",
                json!("https://ws/ai-gateway/gemini"),
            ),
            set("GEMINI_API_KEY", json!("dapi-not-a-real-token")),
        ],
        Format::Sqlite => unreachable!("the corpus holds text files"),
    }
}

#[test]
fn every_corpus_file_is_edited_safely_or_refused_with_the_reason() {
    let sandbox = Sandbox::new();
    let mut refused = 0;
    for (name, format, bytes) in corpus() {
        let expected_refusal = REFUSED.iter().find(|(n, _)| *n == name).map(|(_, m)| *m);
        match (
            check(sandbox.dir.path(), format, &bytes, &agentgw_changes(format)),
            expected_refusal,
        ) {
            (Verdict::Edited, None) => {}
            (Verdict::Refused(message), Some(expected)) => {
                eprintln!("{name}: {}", message.lines().next().unwrap_or_default());
                assert!(message.contains(expected), "{name}: {message}");
                refused += 1;
            }
            (verdict, expected) => {
                panic!("{name}: {verdict:?}, expected refusal: {expected:?}")
            }
        }
        // The fuzz targets' choice of edits on the same input: any verdict, never a violation.
        fuzz_one(sandbox.dir.path(), format, &bytes);
    }
    assert_eq!(
        refused,
        REFUSED.len(),
        "a listed file is missing from the corpus"
    );
}

#[test]
fn apply_then_undo_gives_every_corpus_file_back_byte_for_byte() {
    for (name, format, bytes) in corpus() {
        if REFUSED.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let sandbox = Sandbox::new();
        let path = sandbox.path("file");
        std::fs::write(&path, &bytes).unwrap();
        sandbox.apply(&path, format, &agentgw_changes(format));
        sandbox.undo("claude");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name}: not given back:\n{}",
            read(&path)
        );
    }
}

#[test]
fn json_nested_ten_thousand_deep_is_refused_without_overflowing_the_stack() {
    // Test threads have a 2 MiB stack: a parser that recursed per level would overflow here.
    let sandbox = Sandbox::new();
    let deep = format!("{{\"a\": {}{}}}\n", "[".repeat(10_000), "]".repeat(10_000));
    match check(
        sandbox.dir.path(),
        Format::Json,
        deep.as_bytes(),
        &agentgw_changes(Format::Json),
    ) {
        Verdict::Refused(message) => {
            assert!(
                message.contains("nested more than 512 levels deep"),
                "{message}"
            )
        }
        Verdict::Edited => panic!("10,000 levels edited"),
    }
    // Just inside the limit still edits.
    let deep = format!("{{\"a\": {}{}}}\n", "[".repeat(500), "]".repeat(500));
    let verdict = check(
        sandbox.dir.path(),
        Format::Json,
        deep.as_bytes(),
        &agentgw_changes(Format::Json),
    );
    assert!(matches!(verdict, Verdict::Edited), "{verdict:?}");
}

#[test]
fn a_ten_megabyte_file_is_edited_and_given_back_exactly() {
    let mut text = String::from("{\n  \"history\": [\n");
    let mut n = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "    {{\"id\": {n}, \"prompt\": \"refactor module {n} \\u00e9\", \"tags\": [\"a\", \"b\"]}},\n"
        ));
        n += 1;
    }
    text.push_str("    {}\n  ],\n  \"env\": {\n    \"FOO\": \"1\"\n  }\n}\n");
    let sandbox = Sandbox::new();
    let path = sandbox.write("big.json", &text);
    sandbox.apply(&path, Format::Json, &agentgw_changes(Format::Json));
    let keys = [vec!["env".to_string()], vec!["apiKeyHelper".to_string()]];
    let values = agentgw::edit::read_values(&path, Format::Json, &keys).unwrap();
    assert_eq!(values[0].as_ref().unwrap()["FOO"], "1");
    assert_eq!(
        values[1],
        Some(json!("/usr/bin/agentgw token --profile default"))
    );
    sandbox.undo("claude");
    assert!(
        read(&path) == text,
        "the 10 MB file was not given back exactly"
    );
}
