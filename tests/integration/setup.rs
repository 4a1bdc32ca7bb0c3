//! `agentgw setup` and `agentgw remove` on real files in a temporary HOME (no agent installed;
//! the test request is skipped here and exercised against the stand-in gateway elsewhere).

use crate::common::{TestHome, assert_no_secret, assert_stderr_contains, mode, stderr, stdout};
use crate::support::GOOD_TOKEN;
use std::path::{Path, PathBuf};

pub(crate) fn agentgw_path() -> String {
    std::fs::canonicalize(assert_cmd::cargo::cargo_bin!("agentgw"))
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// A logged-in HOME whose PATH holds no agent (only a private bin folder for fake ones).
pub(crate) fn home() -> TestHome {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    home
}

pub(crate) fn setup(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", path_var(home))
        .arg("setup")
        .args(args)
        .args(["--yes", "--no-test"])
        .output()
        .unwrap()
}

pub(crate) fn remove(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", path_var(home))
        .arg("remove")
        .args(args)
        .arg("--yes")
        .output()
        .unwrap()
}

fn path_var(home: &TestHome) -> String {
    format!("{}:/usr/bin:/bin", home.path().join("bin").display())
}

/// Puts an executable `name` script in the HOME's private bin folder.
fn fake_program(home: &TestHome, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = home.path().join("bin").join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

pub(crate) fn write(home: &TestHome, rel: &str, text: &str) -> PathBuf {
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn backups(home: &TestHome) -> usize {
    let dir = home.path().join(".local/state/agentgw/backups");
    walk_files(&dir)
}

fn walk_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk_files(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn claude_gets_the_gateway_settings_with_a_token_helper_and_no_token() {
    let home = home();
    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Claude Code: configured for https://ws.example.com/ai-gateway with model databricks-claude-opus-4-6 (~/.claude/settings.json)\n"
    );
    let settings = read(&home.path().join(".claude/settings.json"));
    assert_eq!(
        settings,
        format!(
            r#"{{
  "env": {{
    "ANTHROPIC_BASE_URL": "https://ws.example.com/ai-gateway/anthropic",
    "ANTHROPIC_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_DEFAULT_OPUS_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_DEFAULT_SONNET_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_CUSTOM_HEADERS": "x-databricks-use-coding-agent-mode: true",
    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "3600000",
    "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS": "1"
  }},
  "apiKeyHelper": "{} token --profile default"
}}
"#,
            agentgw_path()
        )
    );
    assert!(!settings.contains(GOOD_TOKEN));
    assert_no_secret(&out, GOOD_TOKEN);
}

#[test]
fn setup_twice_changes_nothing_the_second_time() {
    let home = home();
    assert!(setup(&home, &["all", "--force"]).status.success());
    let files = [
        ".claude/settings.json",
        ".codex/config.toml",
        ".gemini/.env",
        ".gemini/settings.json",
    ];
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for f in files {
        std::fs::File::options()
            .write(true)
            .open(home.path().join(f))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let backups_before = backups(&home);

    let out = setup(&home, &["all", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Claude Code: already set up (~/.claude/settings.json)\n\
         Codex CLI: already set up (~/.codex/config.toml)\n\
         Gemini CLI: already set up (~/.gemini/.env, ~/.gemini/settings.json)\n\
         Pi: already set up (~/.pi/agent/models.json, ~/.pi/agent/settings.json)\n\
         Copilot CLI: already set up (model databricks-claude-opus-4-6 in profile 'default'; no file to write)\n\
         OpenCode: already set up (~/.config/opencode/opencode.json)\n"
    );
    assert_eq!(backups(&home), backups_before, "no backup for a no-op");
    for f in files {
        let modified = std::fs::metadata(home.path().join(f))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(modified, old, "{f} was rewritten");
    }
}

const CLAUDE_SETTINGS: &str = r#"{
  // Team defaults, managed in dotfiles
  "permissions": {
    "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
    "deny": ["Read(./.env)"]
  },
  "hooks": {
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [{ "type": "command", "command": "prettier --write \"$FILE\"" }]
      }
    ]
  },
  /* my own variables */
  "env": {
    "DISABLE_TELEMETRY": "1",
    "ANTHROPIC_CUSTOM_HEADERS": "X-Team: platform"
  },
  "model": "opus",
}
"#;

const CODEX_CONFIG: &str = r#"# Codex config, see docs
approval_policy = "on-request"  # ask before running commands
sandbox_mode = "workspace-write"

[model_providers.ollama-local]
name = "Ollama"
base_url = "http://localhost:11434/v1"

[mcp_servers.docs]
command = "npx"
args = ["-y", "@acme/docs-mcp"]
env = { "DOCS_TOKEN_FILE" = "/home/me/.docs" }

[projects."/home/me/src/app"]
trust_level = "trusted"
"#;

const GEMINI_SETTINGS: &str = r#"{
  // UI
  "ui": { "theme": "GitHub" },
  "mcpServers": {
    "docs": { "command": "npx", "args": ["-y", "@acme/docs-mcp"] }
  }
}
"#;

const GEMINI_ENV: &str = "# my keys\nexport GITHUB_TOKEN=ghp_example\n\nSOME_SETTING='a b'\n";

#[test]
fn realistic_configs_survive_setup_then_remove_byte_for_byte() {
    let home = home();
    let files = [
        (
            write(&home, ".claude/settings.json", CLAUDE_SETTINGS),
            CLAUDE_SETTINGS,
        ),
        (
            write(&home, ".codex/config.toml", CODEX_CONFIG),
            CODEX_CONFIG,
        ),
        (
            write(&home, ".gemini/settings.json", GEMINI_SETTINGS),
            GEMINI_SETTINGS,
        ),
        (write(&home, ".gemini/.env", GEMINI_ENV), GEMINI_ENV),
    ];
    let out = setup(&home, &["all", "--force"]);
    // Claude Code ignores a settings.json with comments: written, and exit 1 saying so.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let claude = read(&files[0].0);
    assert!(
        claude.starts_with(&CLAUDE_SETTINGS[..CLAUDE_SETTINGS.find("  \"env\"").unwrap()]),
        "{claude}"
    );
    assert!(claude.contains("\"ANTHROPIC_CUSTOM_HEADERS\": \"X-Team: platform\\nx-databricks-use-coding-agent-mode: true\""));
    let codex = read(&files[1].0);
    assert!(
        codex.starts_with(
            "# Codex config, see docs\napproval_policy = \"on-request\"  # ask before running commands\n\
             sandbox_mode = \"workspace-write\"\nmodel_provider = \"databricks\"\nmodel = \"databricks-gpt-5-2\"\n"
        ),
        "{codex}"
    );
    assert!(
        codex.contains("[mcp_servers.docs]\ncommand = \"npx\""),
        "{codex}"
    );
    assert!(
        read(&files[3].0).starts_with(GEMINI_ENV),
        "{}",
        read(&files[3].0)
    );
    assert_eq!(mode(&files[3].0), 0o600);

    let out = remove(&home, &["all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (path, original) in &files {
        assert_eq!(&read(path), original, "{} not restored", path.display());
    }
    let again = remove(&home, &["all"]);
    assert!(again.status.success());
    assert_eq!(
        stdout(&again),
        "Claude Code: nothing to remove (agentgw has not set it up).\n\
         Codex CLI: nothing to remove (agentgw has not set it up).\n\
         Gemini CLI: nothing to remove (agentgw has not set it up).\n\
         Pi: nothing to remove (agentgw has not set it up).\n\
         Copilot CLI: nothing to remove (agentgw has not set it up).\n\
         OpenCode: nothing to remove (agentgw has not set it up).\n"
    );
}

#[test]
fn files_agentgw_created_are_deleted_by_remove() {
    let home = home();
    assert!(setup(&home, &["all", "--force"]).status.success());
    assert!(remove(&home, &["all"]).status.success());
    for f in [
        ".claude/settings.json",
        ".codex/config.toml",
        ".gemini/.env",
        ".gemini/settings.json",
    ] {
        assert!(!home.path().join(f).exists(), "{f} left behind");
    }
}

#[test]
fn a_symlinked_settings_file_stays_a_symlink() {
    let home = home();
    let real = write(&home, "dotfiles/claude/settings.json", CLAUDE_SETTINGS);
    std::fs::create_dir_all(home.path().join(".claude")).unwrap();
    let link = home.path().join(".claude/settings.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();

    // Written; exit 1 because Claude Code ignores a settings.json with comments.
    assert_eq!(setup(&home, &["claude"]).status.code(), Some(1));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&real).contains("ANTHROPIC_BASE_URL"));

    assert!(remove(&home, &["claude"]).status.success());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read(&real), CLAUDE_SETTINGS);
}

#[test]
fn a_value_the_user_changed_after_setup_is_kept_by_remove() {
    let home = home();
    let path = write(&home, ".claude/settings.json", CLAUDE_SETTINGS);
    // Written; exit 1 because Claude Code ignores a settings.json with comments.
    assert_eq!(setup(&home, &["claude"]).status.code(), Some(1));
    let edited = read(&path).replace("databricks-claude-opus-4-6", "databricks-claude-sonnet-4-5");
    std::fs::write(&path, &edited).unwrap();

    let out = remove(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "kept your value of env.ANTHROPIC_MODEL in ~/.claude/settings.json",
    );
    let after = read(&path);
    assert!(
        after.contains("\"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\""),
        "{after}"
    );
    assert!(
        !after.contains("ANTHROPIC_BASE_URL") && !after.contains("apiKeyHelper"),
        "{after}"
    );
}

#[test]
fn dry_run_prints_the_diff_and_changes_nothing() {
    let home = home();
    let path = write(&home, ".codex/config.toml", CODEX_CONFIG);
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["setup", "codex", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.starts_with(&format!(
            "--- a{}\n+++ b{}\n",
            path.display(),
            path.display()
        )),
        "{diff}"
    );
    assert!(
        diff.contains("+model_provider = \"databricks\"\n"),
        "{diff}"
    );
    assert_eq!(read(&path), CODEX_CONFIG);
    assert_eq!(backups(&home), 0);
    assert!(
        !home
            .path()
            .join(".local/state/agentgw/managed.json")
            .exists()
    );
}

#[test]
fn a_config_that_does_not_parse_is_refused_with_its_position_and_left_alone() {
    let home = home();
    let broken = "{\n  \"env\": {\n    \"A\": \"1\"\n  \n  \"model\": \"opus\"\n}\n";
    let path = write(&home, ".claude/settings.json", broken);
    let out = setup(&home, &["claude"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, &format!("{}:3:13:", path.display()));
    assert_stderr_contains(&out, "agentgw changed nothing");
    assert_eq!(read(&path), broken);
}

#[test]
fn setup_without_login_names_the_login_command() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["setup", "claude", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "run: agentgw login --profile default");
    assert!(!home.path().join(".claude").exists());
}

#[test]
fn an_unknown_agent_is_a_usage_error_listing_the_agents() {
    let out = home().cmd().args(["setup", "vim"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "[possible values: claude, codex, gemini, pi, copilot, opencode, cursor, all]",
    );
}

#[test]
fn all_configures_the_agents_on_path_and_skips_the_rest() {
    let home = home();
    let out = setup(&home, &["all"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "no agent found on PATH");

    fake_program(&home, "claude", "echo '2.1.332 (Claude Code)'");
    let out = setup(&home, &["all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Claude Code: configured"),
        "{}",
        stdout(&out)
    );
    assert_stderr_contains(
        &out,
        "Codex CLI: skipped, `codex` is not on PATH (--force configures it anyway).",
    );
    assert!(!home.path().join(".codex").exists() && !home.path().join(".gemini").exists());
}

#[test]
fn inline_token_makes_the_settings_file_private() {
    let home = home();
    let out = setup(&home, &["claude", "--inline-token"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = home.path().join(".claude/settings.json");
    let text = read(&path);
    assert!(
        text.contains(&format!("\"ANTHROPIC_AUTH_TOKEN\": \"{GOOD_TOKEN}\"")),
        "{text}"
    );
    assert!(!text.contains("apiKeyHelper"), "{text}");
    assert_eq!(mode(&path), 0o600);
    assert_stderr_contains(&out, "holds the token in plaintext (--inline-token)");
    assert_no_secret(&out, GOOD_TOKEN);
}

#[test]
fn a_stale_token_in_claude_settings_is_removed_and_restored_by_remove() {
    let home = home();
    let original = "{\n  \"env\": {\n    \"ANTHROPIC_AUTH_TOKEN\": \"dapi-stale\"\n  }\n}\n";
    let path = write(&home, ".claude/settings.json", original);
    assert!(setup(&home, &["claude"]).status.success());
    assert!(
        !read(&path).contains("dapi-stale"),
        "a token in env outranks apiKeyHelper"
    );
    assert!(remove(&home, &["claude"]).status.success());
    assert_eq!(read(&path), original);
}

#[test]
fn otel_tables_add_telemetry_export_with_the_header_helper() {
    let home = home();
    let out = setup(&home, &["claude", "--otel-tables", "main.agents.claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(&home.path().join(".claude/settings.json"));
    for expected in [
        "\"CLAUDE_CODE_ENABLE_TELEMETRY\": \"1\"",
        "\"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT\": \"https://ws.example.com/api/2.0/otel/v1/metrics\"",
        "\"OTEL_EXPORTER_OTLP_LOGS_HEADERS\": \"X-Databricks-UC-Table-Name=main.agents.claude_otel_logs\"",
        "\"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL\": \"http/protobuf\"",
    ] {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
    assert!(text.contains(&format!(
        "\"otelHeadersHelper\": \"{} otel-headers --profile default\"",
        agentgw_path()
    )));

    let out = setup(&home, &["codex", "--otel-tables", "main.agents.claude"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "--otel-tables is for claude only; use it with `agentgw setup claude` or `agentgw setup all`",
    );

    for bad in ["main.agents", "main.agents;DROP TABLE x.y", "main.a-b.c"] {
        let out = setup(&home, &["claude", "--otel-tables", bad]);
        assert_eq!(out.status.code(), Some(2));
        assert_stderr_contains(&out, "--otel-tables");
    }
}

#[test]
fn resource_attributes_label_the_telemetry_for_usage_per_team() {
    let home = home();
    let out = setup(
        &home,
        &[
            "claude",
            "--otel-tables",
            "main.agents.claude",
            "--otel-resource-attribute",
            "team=data-eng",
            "--otel-resource-attribute",
            "cost_center=4711",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(&home.path().join(".claude/settings.json"));
    assert!(
        text.contains("\"OTEL_RESOURCE_ATTRIBUTES\": \"team=data-eng,cost_center=4711\""),
        "{text}"
    );

    let out = setup(&home, &["claude", "--otel-resource-attribute", "team=x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--otel-tables");
    let out = setup(
        &home,
        &[
            "claude",
            "--otel-tables",
            "main.agents.claude",
            "--otel-resource-attribute",
            "team=data eng",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "--otel-resource-attribute \"team=data eng\" is not KEY=VALUE",
    );
}

#[test]
fn codex_profile_writes_a_profile_file_and_says_how_to_start() {
    let home = home();
    let path = write(&home, ".codex/config.toml", CODEX_CONFIG);
    let out = setup(&home, &["codex", "--codex-profile", "databricks"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "Start Codex with: codex --profile databricks");
    assert_eq!(read(&path), CODEX_CONFIG);
    let profile = read(&home.path().join(".codex/databricks.config.toml"));
    assert!(
        profile.starts_with("model_provider = \"databricks\"\n"),
        "{profile}"
    );
}

#[test]
fn a_legacy_codex_profile_selector_of_the_old_recipe_is_removed_and_restored() {
    let home = home();
    let legacy = "profile = \"default\"\n\n[profiles.default]\nmodel_provider = \"databricks\"\nmodel = \"databricks-gpt-5-2\"\n";
    let path = write(&home, ".codex/config.toml", legacy);
    let out = setup(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(&out, "Removed `profile = \"default\"`");
    assert!(
        !read(&path).contains("profile = \"default\"\n"),
        "{}",
        read(&path)
    );
    assert!(remove(&home, &["codex"]).status.success());
    assert!(
        read(&path).contains("profile = \"default\""),
        "{}",
        read(&path)
    );

    let other = "profile = \"mine\"\n\n[profiles.mine]\nmodel = \"o3\"\n";
    let home = self::home();
    write(&home, ".codex/config.toml", other);
    let out = setup(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "selects `profile = \"mine\"`; Codex 0.134 and newer refuse to start with it",
    );
}

#[test]
fn an_old_codex_gets_env_key_instead_of_an_auth_command() {
    let home = home();
    fake_program(&home, "codex", "echo 'codex-cli 0.100.0'");
    let out = setup(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(&home.path().join(".codex/config.toml"));
    assert!(text.contains("env_key = \"DATABRICKS_TOKEN\""), "{text}");
    assert!(
        !text.contains("[model_providers.databricks.auth]"),
        "{text}"
    );
    assert_stderr_contains(&out, "agentgw exec codex");
}

#[test]
fn gemini_without_a_token_file() {
    let home = home();
    let out = setup(&home, &["gemini", "--no-token-file"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env = read(&home.path().join(".gemini/.env"));
    assert_eq!(
        env,
        "GEMINI_MODEL=databricks-gemini-2-5-flash\nGOOGLE_GEMINI_BASE_URL=https://ws.example.com/ai-gateway/gemini\n\
         GEMINI_API_KEY_AUTH_MECHANISM=bearer\n"
    );
    assert_stderr_contains(&out, "agentgw exec gemini");
}

#[test]
fn a_model_with_quotes_and_newlines_cannot_break_the_files() {
    let home = home();
    let model = "evil\"\nmodel = \"x\" # ";
    // --model refuses such a name (exit 2); the profile's models table is read as it is.
    let out = setup(&home, &["claude", "--model", model]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let config = home.config_dir().join("config.toml");
    let mut doc: toml_edit::DocumentMut = read(&config).parse().unwrap();
    for agent in ["claude", "codex", "gemini"] {
        doc["profiles"]["default"]["models"][agent] = toml_edit::value(model);
    }
    std::fs::write(&config, doc.to_string()).unwrap();
    for agent in ["claude", "codex", "gemini"] {
        let out = setup(&home, &[agent]);
        assert!(out.status.success(), "{agent}: {}", stderr(&out));
    }
    let claude: serde_json::Value =
        serde_json::from_str(&read(&home.path().join(".claude/settings.json"))).unwrap();
    assert_eq!(claude["env"]["ANTHROPIC_MODEL"], model);
    let codex: toml_edit::DocumentMut = read(&home.path().join(".codex/config.toml"))
        .parse()
        .unwrap();
    assert_eq!(codex["model"].as_str(), Some(model));
    let env = read(&home.path().join(".gemini/.env"));
    assert!(
        env.starts_with("GEMINI_MODEL=\"evil\\\"\\nmodel = \\\"x\\\" # \"\n"),
        "{env}"
    );
}

#[test]
fn an_unwritable_config_location_is_a_clear_error_naming_it() {
    let home = home();
    // A regular file where the folder should be: fails even for root, unlike permissions.
    let blocker = write(&home, "not-a-dir", "");
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .env("CLAUDE_CONFIG_DIR", blocker.join("claude"))
        .args(["setup", "claude", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        &format!("{}", blocker.join("claude/settings.json").display()),
    );
    assert_eq!(read(&blocker), "");
}

/// `setup` with its test request, against the stand-in gateway.
fn home_on(gateway: &crate::support::Gateway) -> TestHome {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["login", "--host", &gateway.url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    home
}

#[test]
fn setup_ends_with_a_real_request_in_each_agents_wire_format() {
    let gateway = crate::support::Gateway::start_replying("pong from the stand-in");
    let home = home_on(&gateway);
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["setup", "all", "--force", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    for model in [
        "databricks-claude-opus-4-6",
        "databricks-gpt-5-2",
        "databricks-gemini-2-5-flash",
    ] {
        assert!(
            said.contains(&format!("  ✓ test request: {model} answered in ")),
            "{said}"
        );
    }
    assert!(said.contains("ms: pong from the stand-in\n"), "{said}");
    // Sent together, so in any order (after login's token check and route discovery, and
    // setup's reading of the model listings).
    let mut probes: Vec<String> = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    probes.sort();
    assert_eq!(
        probes,
        [
            "POST /ai-gateway/anthropic/v1/messages",
            // Pi's and OpenCode's, with their default Claude model.
            "POST /ai-gateway/anthropic/v1/messages",
            "POST /ai-gateway/anthropic/v1/messages",
            "POST /ai-gateway/gemini/v1beta/models/databricks-gemini-2-5-flash:generateContent",
            "POST /ai-gateway/mlflow/v1/chat/completions",
            "POST /ai-gateway/openai/v1/responses",
        ]
    );
    for probe in gateway.requests().iter() {
        assert_eq!(probe.bearer(), Some(GOOD_TOKEN), "{}", probe.path);
    }
}

#[test]
fn a_failing_test_request_exits_1_and_the_files_stay_written() {
    let gateway = crate::support::Gateway::start_serving(&["databricks-gpt-5-2"]);
    let home = home_on(&gateway);
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args([
            "setup",
            "claude",
            "--yes",
            "--force",
            "--model",
            "no-such-endpoint",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "Claude Code: test request failed");
    assert_stderr_contains(&out, "HTTP 404");
    assert_stderr_contains(&out, "setup did not succeed for Claude Code (test request)");
    assert_stderr_contains(&out, "Files already written stay written");
    assert!(read(&home.path().join(".claude/settings.json")).contains("no-such-endpoint"));
}

#[test]
fn one_broken_config_does_not_stop_the_other_agents() {
    let home = home();
    let broken = "{ \"env\": \n";
    let path = write(&home, ".claude/settings.json", broken);
    let out = setup(&home, &["all", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        &format!("error: Claude Code: {}:2:1:", path.display()),
    );
    assert_stderr_contains(&out, "setup did not succeed for Claude Code; see above.");
    assert_eq!(read(&path), broken);
    assert!(
        stdout(&out).contains("Codex CLI: configured"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("Gemini CLI: configured"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn diffs_never_show_the_token() {
    let home = home();
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["setup", "gemini", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("+GEMINI_API_KEY=[token]\n"), "{diff}");
    // Values that are not secret are shown as they will be written.
    for shown in [
        "+GEMINI_API_KEY_AUTH_MECHANISM=bearer\n",
        "+      \"selectedType\": \"gemini-api-key\"\n",
    ] {
        assert!(diff.contains(shown), "{shown} hidden:\n{diff}");
    }
    assert_no_secret(&out, GOOD_TOKEN);
    for (agent, shown) in [
        ("claude", "+    \"CLAUDE_CODE_API_KEY_HELPER_TTL_MS\": \""),
        ("codex", "+args = [\"token\", \"--profile\", \"default\"]\n"),
    ] {
        let out = home
            .cmd()
            .env("PATH", path_var(&home))
            .args(["setup", agent, "--dry-run"])
            .output()
            .unwrap();
        assert!(
            stdout(&out).contains(shown),
            "{shown} hidden:\n{}",
            stdout(&out)
        );
    }

    assert!(setup(&home, &["gemini"]).status.success());
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["remove", "gemini", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("-GEMINI_API_KEY="),
        "{}",
        stdout(&out)
    );
    assert_no_secret(&out, GOOD_TOKEN);
}

#[test]
fn the_managed_keys_record_never_holds_the_token() {
    let home = home();
    assert!(setup(&home, &["gemini"]).status.success());
    assert!(setup(&home, &["claude", "--inline-token"]).status.success());
    let record = read(&home.path().join(".local/state/agentgw/managed.json"));
    assert!(!record.contains(GOOD_TOKEN), "{record}");
    // ...and undo still recognises the token it wrote.
    assert!(remove(&home, &["all"]).status.success());
    assert!(!home.path().join(".gemini/.env").exists());
    assert!(!home.path().join(".claude/settings.json").exists());
}

#[test]
fn switching_codex_from_the_auth_command_to_env_key_then_remove_restores_the_file() {
    let home = home();
    let path = write(&home, ".codex/config.toml", CODEX_CONFIG);
    assert!(setup(&home, &["codex"]).status.success());
    fake_program(&home, "codex", "echo 'codex-cli 0.100.0'");
    assert!(setup(&home, &["codex"]).status.success());
    let text = read(&path);
    assert!(
        text.contains("env_key = \"DATABRICKS_TOKEN\"") && !text.contains(".auth]"),
        "{text}"
    );
    let out = remove(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("kept your value"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&path), CODEX_CONFIG);
}

#[test]
fn an_unreadable_record_stops_setup_before_it_writes() {
    let home = home();
    let path = write(&home, ".claude/settings.json", CLAUDE_SETTINGS);
    write(
        &home,
        ".local/state/agentgw/managed.json",
        "{\"version\":1,\"owners\":",
    );
    let out = setup(&home, &["claude"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "managed.json: agentgw's record of the settings it manages is unreadable",
    );
    assert_eq!(read(&path), CLAUDE_SETTINGS);
}

/// Claude Code ignores the whole of a settings.json with comments or trailing commas: setup
/// writes it (keeping them) but fails with the fix, every time, until they are gone.
#[test]
fn claude_settings_with_comments_are_written_and_setup_fails_with_the_fix() {
    let home = home();
    let path = write(&home, ".claude/settings.json", CLAUDE_SETTINGS);
    for run in ["first", "already set up"] {
        let out = setup(&home, &["claude"]);
        assert_eq!(out.status.code(), Some(1), "{run}: {}", stderr(&out));
        assert_stderr_contains(
            &out,
            "error: Claude Code: ~/.claude/settings.json has comments or trailing commas: Claude Code (2.1.332 seen) \
             rejects such a file as malformed and ignores ALL of it, agentgw's settings included\n\
             remove the comments and trailing commas from ~/.claude/settings.json (agentgw never strips them itself), \
             then run `agentgw doctor`\n",
        );
        assert!(read(&path).contains("ANTHROPIC_BASE_URL"), "{run}: written");
        assert!(
            read(&path).contains("// Team defaults"),
            "{run}: comments kept"
        );
    }
    let strict = CLAUDE_SETTINGS
        .replace("  // Team defaults, managed in dotfiles\n", "")
        .replace("  /* my own variables */\n", "")
        .replace("\"model\": \"opus\",\n}", "\"model\": \"opus\"\n}");
    std::fs::write(&path, strict).unwrap();
    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A blank settings.json holds no settings; it has no comments to warn about.
#[test]
fn an_empty_claude_settings_file_gets_no_comments_warning() {
    for blank in ["", "  \n\n"] {
        let home = home();
        write(&home, ".claude/settings.json", blank);
        let out = setup(&home, &["claude"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            !stderr(&out).contains("comments"),
            "{blank:?}: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("warning"),
            "{blank:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn switching_claude_modes_leaves_one_mode() {
    let home = home();
    let path = home.path().join(".claude/settings.json");
    assert!(setup(&home, &["claude"]).status.success());
    assert!(
        setup(
            &home,
            &["claude", "--inline-token", "--keep-experimental-betas"]
        )
        .status
        .success()
    );
    let text = read(&path);
    assert!(
        !text.contains("apiKeyHelper") && !text.contains("DISABLE_EXPERIMENTAL_BETAS"),
        "{text}"
    );
    assert!(setup(&home, &["claude"]).status.success());
    let text = read(&path);
    assert!(
        text.contains("apiKeyHelper") && !text.contains("ANTHROPIC_AUTH_TOKEN"),
        "{text}"
    );
    assert!(remove(&home, &["claude"]).status.success());
    assert!(!path.exists());
}

#[test]
fn model_with_all_is_a_usage_error() {
    let out = setup(&home(), &["all", "--model", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "--model names one agent's model");
}

#[test]
fn remove_goes_on_past_an_agent_it_cannot_undo() {
    let home = home();
    assert!(setup(&home, &["all", "--force"]).status.success());
    std::fs::write(home.path().join(".claude/settings.json"), "{ broken").unwrap();
    let out = remove(&home, &["all"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "error: Claude Code: ");
    assert!(
        stdout(&out).contains("Codex CLI: removed agentgw's settings."),
        "{}",
        stdout(&out)
    );
    assert!(!home.path().join(".codex/config.toml").exists());
}

#[test]
fn a_users_own_key_in_a_table_agentgw_removes_comes_back() {
    let home = home();
    let path = write(
        &home,
        ".codex/config.toml",
        "[model_providers.databricks.auth]\ntimeout_ms = 20000\n",
    );
    assert!(setup(&home, &["codex"]).status.success());
    fake_program(&home, "codex", "echo 'codex-cli 0.100.0'");
    assert!(setup(&home, &["codex"]).status.success());
    assert!(!read(&path).contains("timeout_ms"), "{}", read(&path));
    assert!(remove(&home, &["codex"]).status.success());
    let doc: toml_edit::DocumentMut = read(&path).parse().unwrap();
    assert_eq!(
        doc["model_providers"]["databricks"]["auth"]["timeout_ms"].as_integer(),
        Some(20000),
        "{doc}"
    );
    assert!(doc.get("model_provider").is_none(), "{doc}");
}

#[test]
fn a_value_changed_since_setup_is_named_when_replaced_and_given_back_by_remove() {
    let home = home();
    let users = "{\n  \"model\": \"opus\"\n}\n";
    let path = write(&home, ".claude/settings.json", users);
    assert!(setup(&home, &["claude"]).status.success());
    let mine = read(&path).replace(
        "\"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-6\"",
        "\"ANTHROPIC_MODEL\": \"my-own-model\"",
    );
    std::fs::write(&path, &mine).unwrap();

    let dry = home
        .cmd()
        .args(["setup", "claude", "--dry-run"])
        .output()
        .unwrap();
    assert_stderr_contains(
        &dry,
        "would replace your own value of env.ANTHROPIC_MODEL in ~/.claude/settings.json",
    );
    assert_eq!(read(&path), mine);

    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "replaced your own value of env.ANTHROPIC_MODEL in ~/.claude/settings.json (changed since setup); `agentgw remove claude` gives it back",
    );
    assert!(read(&path).contains("\"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-6\""));

    // What the user had is what comes back: their model, not the absence from before setup.
    let out = remove(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&path),
        "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"ANTHROPIC_MODEL\": \"my-own-model\"\n  }\n}\n"
    );
}

#[test]
fn remove_undoes_what_it_can_when_one_file_does_not_parse() {
    let home = home();
    assert!(setup(&home, &["gemini"]).status.success());
    let settings = home.path().join(".gemini/settings.json");
    let broken = "{ \"security\": { \"auth\": { \"selectedType\": \"gemini-api-key\" } \n";
    std::fs::write(&settings, broken).unwrap();
    let out = remove(&home, &["gemini"]);
    assert_eq!(out.status.code(), Some(1));
    // The file holding the token is undone all the same (agentgw created it: it is gone).
    assert!(!home.path().join(".gemini/.env").exists());
    assert_stderr_contains(&out, "deleted ~/.gemini/.env");
    assert_stderr_contains(&out, &format!("{}:", settings.display()));
    assert_stderr_contains(
        &out,
        "removed agentgw's settings, except in ~/.gemini/settings.json (see above); fix that, then run `agentgw remove gemini` again",
    );
    assert_eq!(read(&settings), broken);

    // Once fixed, the rest goes too.
    std::fs::write(
        &settings,
        "{ \"security\": { \"auth\": { \"selectedType\": \"gemini-api-key\" } } }\n",
    )
    .unwrap();
    let out = remove(&home, &["gemini"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!settings.exists());
}

#[test]
fn remove_after_inline_token_gives_back_the_files_mode() {
    let home = home();
    let users = "{\n  \"model\": \"opus\"\n}\n";
    let path = write(&home, ".claude/settings.json", users);
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    assert!(setup(&home, &["claude", "--inline-token"]).status.success());
    assert_eq!(mode(&path), 0o600);
    assert!(remove(&home, &["claude"]).status.success());
    assert_eq!(read(&path), users);
    assert_eq!(mode(&path), 0o644);
}

#[test]
fn a_removed_legacy_codex_profile_comes_back_on_its_own_line() {
    let home = home();
    let users = "\
# the old Databricks recipe
profile = \"default\" # picked by hand
approval_policy = \"on-request\"

[profiles.default]
model_provider = \"databricks\"
model = \"databricks-gpt-5-2\"
";
    let path = write(&home, ".codex/config.toml", users);
    let out = setup(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !read(&path).contains("profile = \"default\""),
        "{}",
        read(&path)
    );
    assert!(remove(&home, &["codex"]).status.success());
    assert_eq!(read(&path), users);
}

#[test]
fn a_flag_for_another_agent_is_a_usage_error_and_writes_nothing() {
    let home = home();
    for (args, flag) in [
        (
            &["gemini", "--inline-token"][..],
            "--inline-token is for claude only",
        ),
        (
            &["codex", "--keep-experimental-betas"],
            "--keep-experimental-betas is for claude only",
        ),
        (
            &["claude", "--codex-profile", "x"],
            "--codex-profile is for codex only",
        ),
        (
            &["claude", "--no-token-file"],
            "--no-token-file is for gemini only",
        ),
        (
            &["codex", "--token-file"],
            "--token-file is for gemini only",
        ),
        (
            &["claude", "--write-cursor-db"],
            "--write-cursor-db is for cursor only",
        ),
    ] {
        let out = setup(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_stderr_contains(&out, flag);
    }
    assert!(!home.path().join(".claude").exists());
    assert!(!home.path().join(".codex").exists());
    assert!(!home.path().join(".gemini").exists());
    // With `all` each goes to its agent.
    let out = setup(
        &home,
        &["all", "--force", "--inline-token", "--no-token-file"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}
