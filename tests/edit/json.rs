//! JSON / JSON-with-comments: the exact text after setting and removing keys.

use agentgw::edit::{self, Format};
use serde_json::json;

use crate::support::{Sandbox, read, remove, set};

const BASE_URL: &str = "https://example.cloud.databricks.com/ai-gateway/anthropic";

/// A realistic Claude Code settings file: schema, permissions, hooks, both comment kinds.
pub const CLAUDE_SETTINGS: &str = r#"{
  // Claude Code settings, shared across projects
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": [
      "Bash(npm run lint)",
      "Read(~/.zshrc)"
    ],
    "deny": ["Read(./.env)"] /* never the secrets */
  },
  /* Format after every edit. */
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [{ "type": "command", "command": "npx prettier --write" }]
      }
    ]
  },
  "includeCoAuthoredBy": false // keep commits clean
}
"#;

fn gateway_changes() -> Vec<agentgw::edit::Change> {
    vec![
        set("env.ANTHROPIC_BASE_URL", BASE_URL),
        set("env.ANTHROPIC_MODEL", "databricks-claude-sonnet-4"),
        set("apiKeyHelper", "agentgw token --profile \"work\""),
    ]
}

#[test]
fn claude_settings_set_then_remove() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", CLAUDE_SETTINGS);
    sandbox.apply(&path, Format::Json, &gateway_changes());
    let expected = r#"{
  // Claude Code settings, shared across projects
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "permissions": {
    "allow": [
      "Bash(npm run lint)",
      "Read(~/.zshrc)"
    ],
    "deny": ["Read(./.env)"] /* never the secrets */
  },
  /* Format after every edit. */
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [{ "type": "command", "command": "npx prettier --write" }]
      }
    ]
  },
  "includeCoAuthoredBy": false, // keep commits clean
  "env": {
    "ANTHROPIC_BASE_URL": "https://example.cloud.databricks.com/ai-gateway/anthropic",
    "ANTHROPIC_MODEL": "databricks-claude-sonnet-4"
  },
  "apiKeyHelper": "agentgw token --profile \"work\""
}
"#;
    assert_eq!(read(&path), expected);

    sandbox.apply(
        &path,
        Format::Json,
        &[
            remove("env.ANTHROPIC_BASE_URL"),
            remove("env.ANTHROPIC_MODEL"),
            remove("env"),
            remove("apiKeyHelper"),
        ],
    );
    assert_eq!(read(&path), CLAUDE_SETTINGS);
}

#[test]
fn four_space_indent_is_detected() {
    let original =
        "{\n    \"model\": \"opus\",\n    \"env\": {\n        \"FOO\": \"1\"\n    }\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &gateway_changes());
    assert_eq!(
        read(&path),
        "{\n    \"model\": \"opus\",\n    \"env\": {\n        \"FOO\": \"1\",\n        \
         \"ANTHROPIC_BASE_URL\": \"https://example.cloud.databricks.com/ai-gateway/anthropic\",\n        \
         \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4\"\n    },\n    \
         \"apiKeyHelper\": \"agentgw token --profile \\\"work\\\"\"\n}\n"
    );
    sandbox.apply(
        &path,
        Format::Json,
        &[
            remove("env.ANTHROPIC_BASE_URL"),
            remove("env.ANTHROPIC_MODEL"),
            remove("apiKeyHelper"),
        ],
    );
    assert_eq!(read(&path), original);
}

#[test]
fn tab_indent_is_detected() {
    let original = "{\n\t\"model\": \"opus\"\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &gateway_changes());
    assert_eq!(
        read(&path),
        "{\n\t\"model\": \"opus\",\n\t\"env\": {\n\t\t\
         \"ANTHROPIC_BASE_URL\": \"https://example.cloud.databricks.com/ai-gateway/anthropic\",\n\t\t\
         \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4\"\n\t},\n\t\
         \"apiKeyHelper\": \"agentgw token --profile \\\"work\\\"\"\n}\n"
    );
    sandbox.apply(
        &path,
        Format::Json,
        &[
            remove("env.ANTHROPIC_BASE_URL"),
            remove("env.ANTHROPIC_MODEL"),
            remove("env"),
            remove("apiKeyHelper"),
        ],
    );
    assert_eq!(read(&path), original);
}

#[test]
fn missing_trailing_newline_stays_missing() {
    let original = "{\n  \"model\": \"opus\"\n}";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("apiKeyHelper", "agentgw token")]);
    assert_eq!(
        read(&path),
        "{\n  \"model\": \"opus\",\n  \"apiKeyHelper\": \"agentgw token\"\n}"
    );
    sandbox.apply(&path, Format::Json, &[remove("apiKeyHelper")]);
    assert_eq!(read(&path), original);
}

#[test]
fn new_file_from_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("new/settings.json");
    let plan = edit::plan(&path, Format::Json, &gateway_changes()).unwrap();
    assert!(plan.creates_file());
    edit::apply(&plan, &sandbox.state, "claude").unwrap();
    assert_eq!(
        read(&path),
        "{\n  \"env\": {\n    \
         \"ANTHROPIC_BASE_URL\": \"https://example.cloud.databricks.com/ai-gateway/anthropic\",\n    \
         \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4\"\n  },\n  \
         \"apiKeyHelper\": \"agentgw token --profile \\\"work\\\"\"\n}\n"
    );
}

#[test]
fn existing_key_keeps_its_place_and_comment() {
    let original = "{\n  \"model\": \"opus\", // my pick\n  \"theme\": \"dark\"\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("model", "databricks-claude")]);
    assert_eq!(
        read(&path),
        "{\n  \"model\": \"databricks-claude\", // my pick\n  \"theme\": \"dark\"\n}\n"
    );
}

#[test]
fn values_of_every_kind_are_escaped_not_pasted() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{}\n");
    let tricky = "quote \" backslash \\ newline \n tab \t unicode é \u{1}";
    sandbox.apply(
        &path,
        Format::Json,
        &[
            set("s", tricky),
            set("n", 1.5),
            set("b", true),
            set("z", serde_json::Value::Null),
            set("a", json!([1, "two", {"three": 3}])),
            set("o", json!({"k": "v"})),
        ],
    );
    let text = read(&path);
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        parsed,
        json!({"s": tricky, "n": 1.5, "b": true, "z": null, "a": [1, "two", {"three": 3}], "o": {"k": "v"}})
    );
    assert!(
        text.contains(r#""quote \" backslash \\ newline \n tab \t unicode é \u0001""#),
        "{text}"
    );
}

#[test]
fn trailing_commas_are_kept() {
    let original = "{\n  \"a\": 1,\n  \"b\": [\n    1,\n  ],\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("c", "x")]);
    assert_eq!(
        read(&path),
        "{\n  \"a\": 1,\n  \"b\": [\n    1,\n  ],\n  \"c\": \"x\",\n}\n"
    );
    sandbox.apply(&path, Format::Json, &[remove("c")]);
    assert_eq!(read(&path), original);
}

#[test]
fn new_objects_get_no_trailing_commas_of_their_own() {
    // The user's trailing commas (after the last key, and in a list) stay where the user's
    // style puts them; the objects agentgw creates (`env`, Gemini's `security.auth`) get
    // none, so the file never holds more trailing commas than before.
    let original =
        "{\n  \"permissions\": {\"allow\": [\"Bash(ls)\",]},\n  \"model\": \"opus\",\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    let mut changes = gateway_changes();
    changes.push(set("security.auth.selectedType", "gemini-api-key"));
    sandbox.apply(&path, Format::Json, &changes);
    assert_eq!(
        read(&path),
        format!(
            "{{\n  \"permissions\": {{\"allow\": [\"Bash(ls)\",]}},\n  \"model\": \"opus\",\n  \
             \"env\": {{\n    \"ANTHROPIC_BASE_URL\": \"{BASE_URL}\",\n    \
             \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4\"\n  }},\n  \
             \"apiKeyHelper\": \"agentgw token --profile \\\"work\\\"\",\n  \
             \"security\": {{\n    \"auth\": {{\n      \"selectedType\": \"gemini-api-key\"\n    }}\n  }},\n}}\n"
        )
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn setting_through_a_non_object_is_an_error_naming_the_key() {
    let original = "{\n  \"env\": \"oops\"\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    let err = edit::plan(&path, Format::Json, &[set("env.ANTHROPIC_MODEL", "m")]).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, edit::EditError::Conflict { .. }), "{err:?}");
    assert!(message.contains("env.ANTHROPIC_MODEL"), "{message}");
    assert!(
        message.contains("env is a string, not an object"),
        "{message}"
    );
    assert_eq!(read(&path), original);
}

#[test]
fn bom_is_kept() {
    let original = "\u{feff}{\n  \"a\": 1\n}\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("b", 2)]);
    assert_eq!(read(&path), "\u{feff}{\n  \"a\": 1,\n  \"b\": 2\n}\n");
}

#[test]
fn diff_is_unified_with_paths() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{\n  \"a\": 1\n}\n");
    let plan = edit::plan(&path, Format::Json, &[set("b", 2)]).unwrap();
    let shown = path.to_string_lossy().trim_start_matches('/').to_string();
    assert_eq!(
        plan.diff(),
        format!(
            "--- a/{shown}\n+++ b/{shown}\n@@ -1,3 +1,4 @@\n {{\n-  \"a\": 1\n+  \"a\": 1,\n+  \"b\": 2\n }}\n"
        )
    );
    let change = &plan.key_changes()[0];
    assert_eq!(change.key, vec!["b".to_string()]);
    assert_eq!(change.before, None);
    assert_eq!(change.after, Some(json!(2)));

    let noop = edit::plan(&path, Format::Json, &[set("a", 1)]).unwrap();
    assert!(noop.is_noop());
    assert_eq!(noop.diff(), "");
}

#[test]
fn crlf_json_gets_crlf_lines_and_undoes_exactly() {
    let original = "{\r\n  \"a\": 1\r\n}\r\n";
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("env.K", "v")]);
    assert_eq!(
        read(&path),
        "{\r\n  \"a\": 1,\r\n  \"env\": {\r\n    \"K\": \"v\"\r\n  }\r\n}\r\n"
    );
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}
