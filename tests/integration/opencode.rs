//! `agentgw setup opencode` / `remove opencode` / `exec opencode` on real files: OpenCode's global
//! config file in `$XDG_CONFIG_HOME/opencode` (here `~/.config/opencode`), and agentgw's plugin in
//! its own state folder.

use crate::common::{TestHome, assert_no_secret, mode, stderr, stdout};
use crate::setup::{agentgw_path, home, read, remove, setup, write};
use crate::support::{GOOD_TOKEN, Gateway};
use std::path::{Path, PathBuf};

const CONFIG: &str = ".config/opencode/opencode.json";

/// A user's opencode.json as OpenCode accepts it: comments, trailing commas, a provider and a
/// plugin of their own.
const THEIR_CONFIG: &str = r#"{
  "$schema": "https://opencode.ai/config.json",
  // my local models
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": { "baseURL": "http://localhost:11434/v1" },
      "models": { "llama3.1:8b": {} },
    },
  },
  "plugin": ["opencode-wakatime"],
  "theme": "tokyonight",
}
"#;

/// The one plugin file of agentgw's in the state folder.
fn plugin_file(home: &TestHome) -> PathBuf {
    let dir = home.path().join(".local/state/agentgw/opencode");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn opencode_gets_a_provider_its_models_and_the_plugin_but_no_token() {
    let home = home();
    let out = setup(&home, &["opencode"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "OpenCode: configured for https://ws.example.com/ai-gateway with model databricks-claude-opus-4-6 (~/.config/opencode/opencode.json)\n"
    );
    let plugin = plugin_file(&home);
    assert_eq!(
        read(&home.path().join(CONFIG)),
        format!(
            r#"{{
  "$schema": "https://opencode.ai/config.json",
  "provider": {{
    "databricks-claude": {{
      "name": "Databricks AI Gateway (Claude)",
      "npm": "@ai-sdk/anthropic",
      "options": {{
        "baseURL": "https://ws.example.com/ai-gateway/anthropic/v1",
        "apiKey": "agentgw-plugin-supplies-the-token"
      }},
      "models": {{
        "databricks-claude-opus-4-6": {{
          "options": {{
            "toolStreaming": false
          }}
        }}
      }}
    }}
  }},
  "model": "databricks-claude/databricks-claude-opus-4-6",
  "small_model": "databricks-claude/databricks-claude-opus-4-6",
  "plugin": ["{}"]
}}
"#,
            file_url(&plugin)
        )
    );
    // The plugin: the token command by absolute path, each provider's gateway URL, no token.
    let code = read(&plugin);
    let settings = code
        .lines()
        .find_map(|l| l.strip_prefix("const SETTINGS = "))
        .unwrap();
    let settings: serde_json::Value =
        serde_json::from_str(settings.strip_suffix(';').unwrap()).unwrap();
    assert_eq!(
        settings,
        serde_json::json!({
            "command": [agentgw_path(), "token", "--profile", "default"],
            "providers": {
                "databricks-claude": "https://ws.example.com/ai-gateway/anthropic/v1",
                "databricks-openai": "https://ws.example.com/ai-gateway/openai/v1",
                "databricks-gemini": "https://ws.example.com/ai-gateway/gemini/v1beta",
                "databricks-chat": "https://ws.example.com/ai-gateway/mlflow/v1",
            }
        })
    );
    assert_eq!(mode(&plugin), 0o600);
    assert!(!code.contains(GOOD_TOKEN));
    assert_no_secret(&out, GOOD_TOKEN);
    // Again: nothing to change.
    let again = setup(&home, &["opencode"]);
    assert_eq!(
        stdout(&again),
        "OpenCode: already set up (~/.config/opencode/opencode.json)\n"
    );
}

#[test]
fn opencode_config_of_the_user_survives_setup_then_remove_byte_for_byte() {
    let home = home();
    let config = write(&home, CONFIG, THEIR_CONFIG);
    let out = setup(&home, &["opencode"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = read(&config);
    assert!(
        written.starts_with(
            "{\n  \"$schema\": \"https://opencode.ai/config.json\",\n  // my local models\n  \"provider\": {\n    \"ollama\": {"
        ),
        "{written}"
    );
    assert!(written.contains("\"databricks-claude\": {"), "{written}");
    // The user's plugin stays first; agentgw's joins it.
    let plugin = file_url(&plugin_file(&home));
    assert!(
        written.contains(&format!(
            "\"plugin\": [\"opencode-wakatime\", \"{plugin}\"]"
        )),
        "{written}"
    );
    assert!(written.contains("\"theme\": \"tokyonight\","), "{written}");
    let out = remove(&home, &["opencode"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&config), THEIR_CONFIG);
}

/// OpenCode writes `$schema` into a global file that lacks it when it starts (1.1.53, 1.18.33):
/// setup gives it one, so the file stays as setup left it; remove takes it out again.
#[test]
fn a_file_without_schema_gets_one_and_remove_takes_it_out() {
    let home = home();
    let theirs = "{\n  // mine\n  \"theme\": \"tokyonight\",\n}\n";
    let config = write(&home, CONFIG, theirs);
    assert!(setup(&home, &["opencode"]).status.success());
    let written = read(&config);
    assert!(
        written.contains("\"$schema\": \"https://opencode.ai/config.json\""),
        "{written}"
    );
    assert!(remove(&home, &["opencode"]).status.success());
    assert_eq!(read(&config), theirs);
}

#[test]
fn opencode_dry_run_prints_the_diff_and_writes_nothing() {
    let home = home();
    let config = write(&home, CONFIG, THEIR_CONFIG);
    let out = home
        .cmd()
        .args(["setup", "opencode", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.starts_with(&format!("--- a{}\n", config.display())),
        "{diff}"
    );
    assert!(diff.contains("+    \"databricks-claude\": {\n"), "{diff}");
    assert_eq!(read(&config), THEIR_CONFIG);
    assert!(!home.path().join(".local/state/agentgw/opencode").exists());
}

#[test]
fn opencode_config_behind_a_symlink_stays_a_symlink() {
    let home = home();
    let real = write(&home, "dotfiles/opencode/opencode.json", THEIR_CONFIG);
    std::fs::create_dir_all(home.path().join(".config/opencode")).unwrap();
    let link = home.path().join(CONFIG);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let is_link = || {
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    };
    assert!(setup(&home, &["opencode"]).status.success());
    assert!(is_link());
    assert!(read(&real).contains("\"small_model\": \"databricks-claude/"));
    assert!(remove(&home, &["opencode"]).status.success());
    assert!(is_link());
    assert_eq!(read(&real), THEIR_CONFIG);
}

/// OpenCode 1.18.33 creates `opencode.jsonc` when it finds no config, and edits the first of
/// opencode.jsonc, opencode.json and config.json that exists: setup writes that same file.
#[test]
fn opencode_setup_writes_the_jsonc_file_opencode_created() {
    let home = home();
    let jsonc = write(
        &home,
        ".config/opencode/opencode.jsonc",
        "{\n  \"$schema\": \"https://opencode.ai/config.json\"\n}",
    );
    let out = setup(&home, &["opencode"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(~/.config/opencode/opencode.jsonc)"),
        "{}",
        stdout(&out)
    );
    assert!(read(&jsonc).contains("\"model\": \"databricks-claude/"));
    assert!(!home.path().join(CONFIG).exists());
}

#[test]
fn opencode_setup_writes_into_xdg_config_home() {
    let home = home();
    let out = home
        .cmd()
        // It moves agentgw's own folder too, but not past AGENTGW_CONFIG_DIR.
        .env("XDG_CONFIG_HOME", home.path().join("xdg"))
        .env("AGENTGW_CONFIG_DIR", home.config_dir())
        .args(["setup", "opencode", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(~/xdg/opencode/opencode.json)"),
        "{}",
        stdout(&out)
    );
    assert!(!home.path().join(".config/opencode").exists());
}

/// The workspace's models: the newest opus as the model, the newest haiku as the small model,
/// each family on its provider, open models on the chat route, embeddings left out.
#[test]
fn opencode_lists_the_served_models_per_provider() {
    let gateway = Gateway::start_workspace_models(&[
        "system.ai.claude-opus-4-6",
        "system.ai.claude-haiku-4-5",
        "system.ai.gpt-5-2",
        "system.ai.gemini-2-5-flash",
        "system.ai.gpt-oss-120b",
        "system.ai.gte-large-en",
    ]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "opencode", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("✓ test request: system.ai.claude-opus-4-6 answered"),
        "{}",
        stdout(&out)
    );
    let config: serde_json::Value = serde_json::from_str(&read(&home.path().join(CONFIG))).unwrap();
    let gw = gateway.gateway_url();
    let models = |id: &str| -> Vec<String> {
        config["provider"][id]["models"]
            .as_object()
            .unwrap_or_else(|| panic!("{id}: {config}"))
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        models("databricks-claude"),
        ["system.ai.claude-opus-4-6", "system.ai.claude-haiku-4-5"]
    );
    assert_eq!(models("databricks-openai"), ["system.ai.gpt-5-2"]);
    assert_eq!(models("databricks-gemini"), ["system.ai.gemini-2-5-flash"]);
    assert_eq!(models("databricks-chat"), ["system.ai.gpt-oss-120b"]);
    assert_eq!(
        config["provider"]["databricks-gemini"]["options"]["baseURL"],
        format!("{gw}/gemini/v1beta")
    );
    assert_eq!(
        config["provider"]["databricks-chat"]["npm"],
        "@ai-sdk/openai-compatible"
    );
    assert_eq!(
        config["model"],
        "databricks-claude/system.ai.claude-opus-4-6"
    );
    assert_eq!(
        config["small_model"],
        "databricks-claude/system.ai.claude-haiku-4-5"
    );
    // `test` and doctor send their request in the model's format to its provider's route.
    let out = home
        .cmd()
        .args(["test", "opencode", "--json"])
        .output()
        .unwrap();
    let tested: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tested[0]["ok"], true, "{tested}");
    assert_eq!(tested[0]["url"], format!("{gw}/anthropic"), "{tested}");
    assert_eq!(tested[0]["model"], "system.ai.claude-opus-4-6", "{tested}");
    let out = home
        .cmd()
        .args(["doctor", "--agent", "opencode", "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status_of = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["area"] == "opencode" && c["id"] == id)
            .map(|c| c["status"].clone())
    };
    for id in ["config", "gateway", "plugin", "helper", "model-served"] {
        assert_eq!(status_of(id), Some("ok".into()), "{id}: {report}");
    }
}

/// A GPT model makes the OpenAI Responses provider OpenCode's model and small model.
#[test]
fn a_gpt_model_is_opencodes_model_and_small_model() {
    let home = home();
    let out = setup(
        &home,
        &["opencode", "--model", "databricks-gpt-5-2", "--force"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let config: serde_json::Value = serde_json::from_str(&read(&home.path().join(CONFIG))).unwrap();
    assert_eq!(config["model"], "databricks-openai/databricks-gpt-5-2");
    assert_eq!(
        config["small_model"],
        "databricks-openai/databricks-gpt-5-2"
    );
    assert_eq!(
        config["provider"]["databricks-openai"]["options"]["baseURL"],
        "https://ws.example.com/ai-gateway/openai/v1"
    );
    assert!(config["provider"].get("databricks-claude").is_none());
}

#[test]
fn an_embedding_model_is_refused_naming_the_flag() {
    let home = home();
    let out = setup(
        &home,
        &["opencode", "--model", "databricks-bge-large-en", "--force"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("fix: pass a chat model with --model"),
        "{}",
        stderr(&out)
    );
    assert!(!home.path().join(CONFIG).exists());
}

/// A project's opencode.json that names another model outranks the user's file: setup says so,
/// with the file and the fix.
#[test]
fn setup_warns_about_a_project_config_that_outranks_the_users() {
    let home = home();
    let project = home.path().join("repo");
    std::fs::create_dir_all(project.join(".git")).unwrap();
    std::fs::write(
        project.join("opencode.json"),
        "{\"model\": \"anthropic/claude-sonnet-4-5\"}",
    )
    .unwrap();
    let out = home
        .cmd()
        .current_dir(&project)
        .args(["setup", "opencode", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("~/repo/opencode.json sets model (anthropic/claude-sonnet-4-5), which outranks ~/.config/opencode/opencode.json"),
        "{err}"
    );
    assert!(
        err.contains("fix: remove them from ~/repo/opencode.json, or start OpenCode with `agentgw exec opencode`"),
        "{err}"
    );
}

#[test]
fn status_shows_opencodes_provider_model_and_plugin() {
    let home = home();
    assert!(setup(&home, &["opencode"]).status.success());
    let out = home.cmd().args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let opencode = status["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == "opencode")
        .unwrap();
    assert_eq!(opencode["configured"], true, "{opencode}");
    assert_eq!(
        opencode["base_url"],
        "https://ws.example.com/ai-gateway/anthropic/v1"
    );
    assert_eq!(opencode["model"], "databricks-claude-opus-4-6");
    assert_eq!(opencode["model_from"], "~/.config/opencode/opencode.json");
    assert_eq!(
        opencode["token_via"],
        "helper: agentgw token --profile default (agentgw's OpenCode plugin, for every request)"
    );
}

/// A model of the user's own provider: status says where its key comes from.
#[test]
fn status_names_the_key_of_a_users_own_provider() {
    let home = home();
    write(
        &home,
        CONFIG,
        r#"{
  "provider": {"mine": {"options": {"baseURL": "https://llm.example.com/v1", "apiKey": "{env:MY_LLM_KEY}"}}},
  "model": "mine/big-model",
}"#,
    );
    let out = home.cmd().args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let opencode = status["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == "opencode")
        .unwrap();
    assert_eq!(opencode["base_url"], "https://llm.example.com/v1");
    assert_eq!(opencode["model"], "big-model");
    assert_eq!(
        opencode["token_via"],
        "environment (MY_LLM_KEY, not set here)"
    );
}

/// Doctor fails when the plugin that supplies the token is gone (agentgw's state folder was
/// wiped), naming the file and `agentgw setup opencode`, which writes it again.
#[test]
fn doctor_fails_when_the_plugin_file_is_missing_and_setup_restores_it() {
    let home = home();
    assert!(setup(&home, &["opencode"]).status.success());
    let plugin = plugin_file(&home);
    std::fs::remove_file(&plugin).unwrap();
    let out = home
        .cmd()
        .args(["doctor", "--agent", "opencode", "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["area"] == "opencode" && c["id"] == "plugin")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(check["status"], "fail", "{check}");
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains("agentgw's plugin ~/.local/state/agentgw/opencode/agentgw-gateway-"),
        "{check}"
    );
    assert_eq!(check["fix"], "agentgw setup opencode", "{check}");
    let again = setup(&home, &["opencode"]);
    assert!(
        stdout(&again).contains("already set up"),
        "{}",
        stdout(&again)
    );
    assert!(plugin.exists());
}

/// A fake `opencode` that prints what exec gave it: its arguments and OPENCODE_CONFIG_CONTENT.
fn fake_opencode(home: &TestHome) {
    use std::os::unix::fs::PermissionsExt;
    let path = home.path().join("bin/opencode");
    std::fs::write(
        &path,
        "#!/bin/sh\necho \"args: $*\"\necho \"pure: ${OPENCODE_PURE:-unset}\"\nprintf '%s\\n' \"$OPENCODE_CONFIG_CONTENT\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn exec(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", home.path().join("bin").display()),
        )
        .env("OPENCODE_PURE", "1")
        .arg("exec")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn exec_gives_opencode_its_own_providers_and_plugin_in_the_config_content() {
    let home = home();
    fake_opencode(&home);
    let out = exec(&home, &["opencode", "run", "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    let mut lines = said.lines();
    assert_eq!(lines.next(), Some("args: run hi"));
    // OPENCODE_PURE would keep the plugin from loading: exec drops it.
    assert_eq!(lines.next(), Some("pure: unset"));
    let content: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        content["model"],
        "databricks-exec-claude/databricks-claude-opus-4-6"
    );
    assert_eq!(
        content["provider"]["databricks-exec-claude"]["options"]["baseURL"],
        "https://ws.example.com/ai-gateway/anthropic/v1"
    );
    let plugin = content["plugin"][0].as_str().unwrap();
    let path = plugin.strip_prefix("file://").unwrap();
    let code = read(Path::new(path));
    assert!(
        code.contains(
            "\"databricks-exec-claude\":\"https://ws.example.com/ai-gateway/anthropic/v1\""
        ),
        "{code}"
    );
    assert!(!said.contains(GOOD_TOKEN) && !code.contains(GOOD_TOKEN));
    assert!(!home.path().join(CONFIG).exists());
}

#[test]
fn exec_refuses_pure_and_a_managed_config_that_sets_the_model() {
    let home = home();
    fake_opencode(&home);
    let out = exec(&home, &["opencode", "--pure", "run", "hi"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--pure keeps OpenCode from loading plugins"),
        "{}",
        stderr(&out)
    );
    let managed = write(
        &home,
        "etc/opencode/opencode.json",
        "{\"model\": \"anthropic/claude-opus-4-5\"}",
    );
    let out = home
        .cmd()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", home.path().join("bin").display()),
        )
        .env(
            "OPENCODE_TEST_MANAGED_CONFIG_DIR",
            managed.parent().unwrap(),
        )
        .args(["exec", "opencode", "run", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("~/etc/opencode/opencode.json (OpenCode's managed config, which outranks everything `agentgw exec opencode` can set) sets model"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "opencode ran: {}", stdout(&out));
}
