//! Which models `agentgw setup` writes: the newest the workspace serves of each agent's family
//! (Claude's opus/sonnet/haiku aliases included), `--model` checked against the served list,
//! the choice remembered in the profile, and the product page's defaults when the workspace
//! cannot be asked.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::Gateway;

/// A workspace serving two opus versions, a sonnet but no haiku, two GPTs and two Geminis.
const SERVED: [&str; 7] = [
    "system.ai.claude-opus-4-5",
    "system.ai.claude-opus-4-6",
    "system.ai.claude-sonnet-4-5",
    "system.ai.gpt-5-1",
    "system.ai.gpt-5-2",
    "system.ai.gemini-2-5-pro",
    "system.ai.gemini-2-5-flash",
];

fn setup(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup"])
        .args(args)
        .args(["--yes"])
        .output()
        .unwrap()
}

fn read(home: &TestHome, rel: &str) -> String {
    std::fs::read_to_string(home.path().join(rel)).unwrap_or_default()
}

/// The settings.json setup writes into an empty home for the stand-in, PAT profile.
fn claude_settings(gateway: &Gateway, model: &str, aliases: [&str; 3]) -> String {
    let agentgw = env!("CARGO_BIN_EXE_agentgw");
    format!(
        r#"{{
  "env": {{
    "ANTHROPIC_BASE_URL": "{}/anthropic",
    "ANTHROPIC_MODEL": "{model}",
    "ANTHROPIC_DEFAULT_OPUS_MODEL": "{}",
    "ANTHROPIC_DEFAULT_SONNET_MODEL": "{}",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "{}",
    "ANTHROPIC_CUSTOM_HEADERS": "x-databricks-use-coding-agent-mode: true",
    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "3600000",
    "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS": "1"
  }},
  "apiKeyHelper": "{agentgw} token --profile default"
}}
"#,
        gateway.gateway_url(),
        aliases[0],
        aliases[1],
        aliases[2],
    )
}

#[test]
fn each_agent_gets_the_newest_served_model_of_its_family_and_a_missing_haiku_takes_sonnet() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup(&home, &["all", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&home, ".claude/settings.json"),
        claude_settings(
            &gateway,
            "system.ai.claude-opus-4-6",
            [
                "system.ai.claude-opus-4-6",
                "system.ai.claude-sonnet-4-5",
                "system.ai.claude-sonnet-4-5",
            ]
        )
    );
    assert!(
        read(&home, ".codex/config.toml").contains("\nmodel = \"system.ai.gpt-5-2\"\n"),
        "{}",
        read(&home, ".codex/config.toml")
    );
    assert!(
        read(&home, ".gemini/.env").contains("GEMINI_MODEL=system.ai.gemini-2-5-flash\n"),
        "{}",
        read(&home, ".gemini/.env")
    );
    let said = stdout(&out);
    for model in [
        "system.ai.claude-opus-4-6",
        "system.ai.gpt-5-2",
        "system.ai.gemini-2-5-flash",
    ] {
        assert!(
            said.contains(&format!("✓ test request: {model} answered")),
            "{said}"
        );
    }
    // Remembered, so the next run keeps to them.
    let config = home.config_toml().unwrap();
    for line in [
        "claude = \"system.ai.claude-opus-4-6\"",
        "claude_opus = \"system.ai.claude-opus-4-6\"",
        "claude_sonnet = \"system.ai.claude-sonnet-4-5\"",
        "claude_haiku = \"system.ai.claude-sonnet-4-5\"",
        "codex = \"system.ai.gpt-5-2\"",
        "gemini = \"system.ai.gemini-2-5-flash\"",
    ] {
        assert!(config.contains(line), "{line} missing:\n{config}");
    }
}

#[test]
fn legacy_names_are_kept_when_the_workspace_lists_serving_endpoints_only() {
    let gateway = Gateway::start_serving(&[
        "databricks-claude-sonnet-4-5",
        "databricks-claude-haiku-4-5",
        "databricks-claude-3-7-sonnet",
    ]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // No opus: the main model and the opus alias take the nearest, sonnet.
    assert_eq!(
        read(&home, ".claude/settings.json"),
        claude_settings(
            &gateway,
            "databricks-claude-sonnet-4-5",
            [
                "databricks-claude-sonnet-4-5",
                "databricks-claude-sonnet-4-5",
                "databricks-claude-haiku-4-5",
            ]
        )
    );
}

#[test]
fn an_unknown_model_is_refused_with_the_served_names_and_nothing_is_written() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup(&home, &["codex", "--model", "gpt-4-turbo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "Codex CLI: --model gpt-4-turbo is not served by this workspace; the workspace's model services (system.ai) lists: system.ai.claude-opus-4-5, system.ai.claude-opus-4-6, system.ai.claude-sonnet-4-5, system.ai.gpt-5-1, system.ai.gpt-5-2, system.ai.gemini-2-5-pro, system.ai.gemini-2-5-flash\nfix: pass one of those with --model, or add --force to write it anyway",
    );
    assert!(!home.path().join(".codex/config.toml").exists());
    assert!(!home.config_toml().unwrap().contains("gpt-4-turbo"));
}

#[test]
fn a_served_model_under_its_legacy_name_is_accepted_and_force_writes_an_unknown_one() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    // The gateway answers both names of a model.
    let out = setup(&home, &["codex", "--model", "databricks-gpt-5-1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(&home, ".codex/config.toml").contains("\nmodel = \"databricks-gpt-5-1\"\n"));

    let out = setup(
        &home,
        &["codex", "--model", "my-fine-tune", "--force", "--no-test"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(&home, ".codex/config.toml").contains("\nmodel = \"my-fine-tune\"\n"));
    assert!(
        home.config_toml()
            .unwrap()
            .contains("codex = \"my-fine-tune\"")
    );
}

#[test]
fn a_second_setup_keeps_the_remembered_models_and_changes_nothing() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup(&home, &["claude", "--model", "system.ai.claude-opus-4-5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let settings = read(&home, ".claude/settings.json");
    let config = home.config_toml().unwrap();

    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Claude Code: already set up"),
        "{}",
        stdout(&out)
    );
    assert_eq!(read(&home, ".claude/settings.json"), settings);
    assert!(settings.contains("\"ANTHROPIC_MODEL\": \"system.ai.claude-opus-4-5\""));
    assert_eq!(home.config_toml().unwrap(), config);
}

#[test]
fn a_remembered_model_the_workspace_stopped_serving_is_replaced_with_a_note() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        setup(&home, &["codex", "--model", "system.ai.gpt-5-1"])
            .status
            .success()
    );

    let newer = Gateway::start_workspace_models(&["system.ai.gpt-5-2", "system.ai.gpt-5-3"]);
    let config = home
        .config_toml()
        .unwrap()
        .replace(&gateway.url, &newer.url);
    std::fs::write(home.config_dir().join("config.toml"), config).unwrap();
    let out = setup(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "Codex CLI: the remembered model system.ai.gpt-5-1 is no longer served (the workspace's model services (system.ai) does not list it); using system.ai.gpt-5-3",
    );
    assert!(read(&home, ".codex/config.toml").contains("\nmodel = \"system.ai.gpt-5-3\"\n"));
    assert!(
        home.config_toml()
            .unwrap()
            .contains("codex = \"system.ai.gpt-5-3\"")
    );
}

#[test]
fn without_a_listing_the_defaults_are_written_and_the_note_says_why() {
    // Lists nothing anywhere (and answers no model): the workspace cannot be asked.
    let gateway = Gateway::start_serving(&[]);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup(&home, &["all", "--force", "--no-test"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for note in [
        "Claude Code: could not ask the workspace which models it serves; using the default databricks-claude-opus-4-6",
        "Codex CLI: could not ask the workspace which models it serves; using the default databricks-gpt-5-2",
        "Gemini CLI: could not ask the workspace which models it serves; using the default databricks-gemini-2-5-flash",
        "Copilot CLI: could not ask the workspace which models it serves; using the default databricks-claude-opus-4-6",
    ] {
        assert_stderr_contains(&out, note);
    }
    assert_eq!(
        read(&home, ".claude/settings.json"),
        claude_settings(
            &gateway,
            "databricks-claude-opus-4-6",
            ["databricks-claude-opus-4-6"; 3]
        )
    );
    // Nothing remembered but Copilot CLI's model, its whole setup (the next run checks it
    // against the workspace's models again): the next run asks the workspace for the others.
    let config = home.config_toml().unwrap();
    let models = config
        .split("[profiles.default.models]\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{config}"));
    assert_eq!(
        models, "copilot = \"databricks-claude-opus-4-6\"\n",
        "{config}"
    );
}

/// doctor's `model-served` check for `agent`, from `doctor --json --agent A`.
fn model_served(home: &TestHome, agent: &str) -> serde_json::Value {
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["doctor", "--json", "--agent", agent])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "model-served" && c["area"] == agent)
        .cloned()
        .unwrap_or_else(|| panic!("no model-served check: {report}"))
}

#[test]
fn doctor_says_whether_each_agents_model_is_served_and_names_the_served_ones() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(setup(&home, &["codex"]).status.success());
    let check = model_served(&home, "codex");
    assert_eq!(check["status"], "ok", "{check}");
    assert_eq!(
        check["message"],
        "system.ai.gpt-5-2 is served (the workspace's model services (system.ai))"
    );

    // The workspace stops serving it.
    let newer =
        Gateway::start_workspace_models(&["system.ai.gpt-5-3", "system.ai.claude-opus-4-6"]);
    let config = home
        .config_toml()
        .unwrap()
        .replace(&gateway.url, &newer.url);
    std::fs::write(home.config_dir().join("config.toml"), config).unwrap();
    let codex = read(&home, ".codex/config.toml").replace(&gateway.url, &newer.url);
    std::fs::write(home.path().join(".codex/config.toml"), codex).unwrap();
    let check = model_served(&home, "codex");
    assert_eq!(check["status"], "fail", "{check}");
    assert_eq!(
        check["message"],
        "system.ai.gpt-5-2 (~/.codex/config.toml) is not served by this workspace; the workspace's model services (system.ai) lists: system.ai.gpt-5-3, system.ai.claude-opus-4-6"
    );
    assert_eq!(
        check["fix"],
        "agentgw setup codex (chooses a served model), or agentgw setup codex --model <one of those>"
    );
}

#[test]
fn doctor_checks_the_models_behind_claudes_aliases_too() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(setup(&home, &["claude"]).status.success());
    let check = model_served(&home, "claude");
    assert_eq!(check["status"], "ok", "{check}");
    assert_eq!(
        check["message"],
        "system.ai.claude-opus-4-6, system.ai.claude-sonnet-4-5 are served (the workspace's model services (system.ai))"
    );
    // An alias naming Anthropic's own dated model, as Claude Code would on its own: its
    // background work would 404.
    let settings = home.path().join(".claude/settings.json");
    let text = read(&home, ".claude/settings.json").replace(
        "\"ANTHROPIC_DEFAULT_HAIKU_MODEL\": \"system.ai.claude-sonnet-4-5\"",
        "\"ANTHROPIC_DEFAULT_HAIKU_MODEL\": \"claude-haiku-4-5-20251001\"",
    );
    assert!(text.contains("claude-haiku-4-5-20251001"), "{text}");
    std::fs::write(&settings, text).unwrap();
    let check = model_served(&home, "claude");
    assert_eq!(check["status"], "fail", "{check}");
    assert!(
        check["message"].as_str().unwrap().starts_with(
            "claude-haiku-4-5-20251001 (~/.claude/settings.json: env.ANTHROPIC_DEFAULT_HAIKU_MODEL) is not served by this workspace"
        ),
        "{check}"
    );
}
