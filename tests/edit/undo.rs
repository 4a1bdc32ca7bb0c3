//! Undo from the managed-keys record.

use std::fs;

use agentgw::edit::{self, Format};
use serde_json::json;

use crate::support::{Sandbox, key_path, read, set};
use crate::{dotenv, json, toml};

#[test]
fn json_undo_restores_original_bytes() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", json::CLAUDE_SETTINGS);
    sandbox.apply(
        &path,
        Format::Json,
        &[
            set("env.ANTHROPIC_BASE_URL", "https://x/anthropic"),
            set("env.ANTHROPIC_MODEL", "m"),
            set("apiKeyHelper", "agentgw token"),
        ],
    );
    assert_ne!(read(&path), json::CLAUDE_SETTINGS);
    let plans = sandbox.undo("claude");
    assert_eq!(plans.len(), 1);
    assert!(plans[0].kept_user_values.is_empty());
    assert_eq!(read(&path), json::CLAUDE_SETTINGS);
}

#[test]
fn toml_undo_restores_original_bytes() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("config.toml", toml::CODEX_CONFIG);
    sandbox.apply_as("codex", &path, Format::Toml, &toml::gateway_changes());
    assert_eq!(read(&path), toml::CODEX_CONFIG_WITH_GATEWAY);
    sandbox.undo("codex");
    assert_eq!(read(&path), toml::CODEX_CONFIG);
}

#[test]
fn dotenv_undo_restores_original_bytes() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(".env", dotenv::DOTENV);
    sandbox.apply_as(
        "gemini",
        &path,
        Format::Dotenv,
        &[
            set("GEMINI_MODEL", "databricks-gemini"),
            set("GOOGLE_CLOUD_PROJECT", "other project"),
            set("GOOGLE_GEMINI_BASE_URL", "https://x/gemini"),
        ],
    );
    sandbox.undo("gemini");
    assert_eq!(read(&path), dotenv::DOTENV);
}

#[test]
fn user_modified_value_is_kept_and_reported() {
    let sandbox = Sandbox::new();
    let original = "{\n  \"model\": \"opus\"\n}\n";
    let path = sandbox.write("settings.json", original);
    sandbox.apply(
        &path,
        Format::Json,
        &[
            set("env.A", "agentgw"),
            set("env.B", "agentgw"),
            set("model", "gw"),
        ],
    );
    // The user edits one of agentgw's values by hand.
    let edited = read(&path).replace("\"B\": \"agentgw\"", "\"B\": \"mine\"");
    fs::write(&path, &edited).unwrap();

    let plans = sandbox.undo("claude");
    assert_eq!(plans[0].kept_user_values, vec![key_path("env.B")]);
    assert_eq!(
        read(&path),
        "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"B\": \"mine\"\n  }\n}\n"
    );
    // Undo ran: the record is empty, and a second undo has nothing to do.
    assert!(
        edit::plan_undo(&sandbox.state, "claude")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn created_file_is_deleted_on_undo() {
    let sandbox = Sandbox::new();
    for (name, format, change) in [
        ("a/settings.json", Format::Json, set("env.A", "1")),
        (
            "b/config.toml",
            Format::Toml,
            set("model_providers.databricks.name", "x"),
        ),
        ("c/.env", Format::Dotenv, set("A", "1")),
    ] {
        let path = sandbox.path(name);
        sandbox.apply(&path, format, &[change]);
        assert!(path.exists());
        let plans = sandbox.undo("claude");
        assert_eq!(plans.len(), 1);
        assert!(plans[0].plan.deletes_file(), "{name}");
        assert!(!path.exists(), "{name}");
    }
}

#[test]
fn created_file_with_user_content_is_kept() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("settings.json");
    sandbox.apply(&path, Format::Json, &[set("apiKeyHelper", "x")]);
    sandbox.apply_as("user-tool", &path, Format::Json, &[set("theme", "dark")]);
    sandbox.undo("claude");
    assert_eq!(read(&path), "{\n  \"theme\": \"dark\"\n}\n");
}

#[test]
fn undo_twice_is_a_noop() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", json::CLAUDE_SETTINGS);
    sandbox.apply(&path, Format::Json, &[set("env.A", "1")]);
    let plans = edit::plan_undo(&sandbox.state, "claude").unwrap();
    let first = edit::apply_undo(&plans[0], &sandbox.state, "claude").unwrap();
    assert!(first.written);
    assert!(first.backup.is_some());
    // Applying the same undo plan again finds nothing recorded and nothing to change.
    let again = edit::apply_undo(&plans[0], &sandbox.state, "claude").unwrap();
    assert!(!again.written);
    assert!(
        edit::plan_undo(&sandbox.state, "claude")
            .unwrap()
            .is_empty()
    );
    assert_eq!(read(&path), json::CLAUDE_SETTINGS);
}

#[test]
fn reapplying_keeps_the_original_previous_value() {
    let sandbox = Sandbox::new();
    let original = "{\n  \"model\": \"opus\"\n}\n";
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("model", "gw-1")]);
    sandbox.apply(&path, Format::Json, &[set("model", "gw-2")]);
    sandbox.apply(&path, Format::Json, &[set("model", "gw-2")]);
    let record: serde_json::Value =
        serde_json::from_str(&read(&sandbox.state.root().join("managed.json"))).unwrap();
    let file = &record["owners"]["claude"]["files"][path.to_str().unwrap()];
    assert_eq!(
        file["keys"][0]["previous"],
        json!({"state": "present", "value": "opus"})
    );
    assert_eq!(file["keys"][0]["set"], json!("gw-2"));
    sandbox.undo("claude");
    assert_eq!(read(&path), original);
}

#[test]
fn record_is_private_and_keyed_by_the_unresolved_path() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("settings.json", "{}\n");
    sandbox.apply(&path, Format::Json, &[set("a", 1)]);
    let record_path = sandbox.state.root().join("managed.json");
    #[cfg(unix)]
    assert_eq!(crate::support::mode(&record_path), 0o600);
    let record: serde_json::Value = serde_json::from_str(&read(&record_path)).unwrap();
    let file = &record["owners"]["claude"]["files"][path.to_str().unwrap()];
    assert_eq!(file["format"], json!("json"));
    assert_eq!(file["created_file"], json!(false));
    assert_eq!(file["keys"][0]["previous"], json!({"state": "absent"}));
}

#[cfg(unix)]
#[test]
fn retargeted_symlink_is_still_undone() {
    let sandbox = Sandbox::new();
    let first = sandbox.write("repo1/settings.json", "{}\n");
    let second = sandbox.write("repo2/settings.json", "{\n  \"x\": 1\n}\n");
    let link = sandbox.path("settings.json");
    std::os::unix::fs::symlink(&first, &link).unwrap();
    sandbox.apply(&link, Format::Json, &[set("a", 1)]);
    // The user moves their dotfiles; the new target also got agentgw's key.
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&second, &link).unwrap();
    fs::write(&second, "{\n  \"x\": 1,\n  \"a\": 1\n}\n").unwrap();
    sandbox.undo("claude");
    assert_eq!(read(&second), "{\n  \"x\": 1\n}\n");
}

#[test]
fn removing_a_managed_key_drops_it_from_the_record() {
    let sandbox = Sandbox::new();
    let original = "{\n  \"a\": 1\n}\n";
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("env.K", "v"), set("env.L", "w")]);
    sandbox.apply(&path, Format::Json, &[crate::support::remove("env.K")]);
    // Undo still cleans up the container agentgw created for the dropped key.
    let plans = sandbox.undo("claude");
    assert!(plans[0].kept_user_values.is_empty());
    assert_eq!(read(&path), original);
}

#[test]
fn json_undo_gives_one_line_objects_their_layout_back() {
    for original in [
        "{\n  \"env\": { \"DISABLE_TELEMETRY\": \"0\" },\n  \"model\": \"opus\"\n}\n",
        "{\"env\": {\"A\": \"1\"}}",
        "{}\n",
        "{ \"model\": \"opus\" }\n",
    ] {
        let sandbox = Sandbox::new();
        let path = sandbox.write("settings.json", original);
        sandbox.apply(
            &path,
            Format::Json,
            &[
                set("env.ANTHROPIC_MODEL", "m"),
                set("apiKeyHelper", "agentgw token"),
            ],
        );
        assert_ne!(read(&path), original);
        sandbox.undo("claude");
        assert_eq!(read(&path), original);
    }
}

#[test]
fn a_one_line_object_the_user_changed_keeps_the_users_content() {
    let sandbox = Sandbox::new();
    let original = "{\n  \"env\": { \"A\": \"1\" }\n}\n";
    let path = sandbox.write("settings.json", original);
    sandbox.apply(&path, Format::Json, &[set("env.B", "2")]);
    let edited = read(&path).replace("\"A\": \"1\"", "\"A\": \"changed\"");
    fs::write(&path, &edited).unwrap();
    sandbox.undo("claude");
    let after: serde_json::Value = serde_json::from_str(&read(&path)).unwrap();
    assert_eq!(after, json!({"env": {"A": "changed"}}));
}
