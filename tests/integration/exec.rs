//! `agentgw exec`: the agent runs with the gateway settings winning over its own config, its
//! arguments untouched and its exit code handed back; the token is on no command line and, where
//! the agent has a key helper, not in its environment either.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::GOOD_TOKEN;
use crate::support::etc_overlay::EtcOverlay;
use serde_json::{Value, json};

/// A fake agent that prints its arguments and the variables agentgw sets, then exits 7.
fn home_with_fake(name: &str) -> TestHome {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = "#!/bin/sh\nprintf 'arg:%s\\n' \"$@\"\nenv | grep -E '^(ANTHROPIC|GEMINI|GOOGLE|DATABRICKS|CLAUDE)' | sort\nexit 7\n";
    std::fs::write(bin.join(name), script).unwrap();
    std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    home
}

fn fake_path(home: &TestHome) -> String {
    format!("{}:/usr/bin:/bin", home.path().join("bin").display())
}

fn exec(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", fake_path(home))
        .arg("exec")
        .args(args)
        .output()
        .unwrap()
}

/// The agentgw binary Claude is told to run for the token (not on PATH in these tests).
fn agentgw_path() -> String {
    std::fs::canonicalize(assert_cmd::cargo::cargo_bin!("agentgw"))
        .unwrap()
        .display()
        .to_string()
}

/// The fake's `arg:` lines, without the prefix.
fn args_of(out: &std::process::Output) -> Vec<String> {
    stdout(out)
        .lines()
        .filter_map(|l| l.strip_prefix("arg:"))
        .map(str::to_string)
        .collect()
}

/// The settings in the file that `--settings` names.
fn settings_in(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What `agentgw exec claude` puts in `--settings` for the default profile, on top of `extra`.
fn gateway_settings(extra: Value) -> Value {
    let mut settings = json!({
        "env": {
            "ANTHROPIC_BASE_URL": "https://ws.example.com/ai-gateway/anthropic",
            "ANTHROPIC_MODEL": "databricks-claude-opus-4-6",
            "ANTHROPIC_DEFAULT_OPUS_MODEL": "databricks-claude-opus-4-6",
            "ANTHROPIC_DEFAULT_SONNET_MODEL": "databricks-claude-opus-4-6",
            "ANTHROPIC_DEFAULT_HAIKU_MODEL": "databricks-claude-opus-4-6",
            "ANTHROPIC_CUSTOM_HEADERS": "x-databricks-use-coding-agent-mode: true",
            "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "3600000",
            "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS": "1",
            "ANTHROPIC_AUTH_TOKEN": "",
            "ANTHROPIC_API_KEY": "",
            "CLAUDE_CODE_USE_BEDROCK": "",
            "CLAUDE_CODE_USE_VERTEX": "",
            "CLAUDE_CODE_USE_FOUNDRY": "",
            "CLAUDE_CODE_USE_ANTHROPIC_AWS": "",
            "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD": "",
            "CLAUDE_CODE_USE_MANTLE": "",
            "CLAUDE_CODE_USE_GATEWAY": "",
        },
        "apiKeyHelper": format!("{} token --profile default", agentgw_path()),
    });
    for (key, value) in extra.as_object().unwrap() {
        match (settings.get_mut(key), value) {
            (Some(Value::Object(ours)), Value::Object(theirs)) => {
                for (k, v) in theirs {
                    ours.entry(k.clone()).or_insert(v.clone());
                }
            }
            _ => {
                settings[key] = value.clone();
            }
        }
    }
    settings
}

#[test]
fn exec_claude_gives_the_gateway_settings_in_one_settings_flag_and_the_token_to_no_one() {
    let home = home_with_fake("claude");
    let out = home
        .cmd()
        .env("PATH", fake_path(&home))
        // The shell's own tokens would outrank the key helper: gone for this run.
        .env("ANTHROPIC_API_KEY", "sk-ant-from-the-shell")
        .env("ANTHROPIC_AUTH_TOKEN", "sk-ant-also-from-the-shell")
        .args(["exec", "claude", "-p", "hello world", "--verbose"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let args = args_of(&out);
    assert_eq!(args[0], "--settings");
    let settings = settings_in(&args[1]);
    assert_eq!(settings, gateway_settings(json!({})));
    assert_eq!(args[2..], ["-p", "hello world", "--verbose"]);
    // Nothing of agentgw's in the environment: no token, no settings Claude's files would outrank.
    assert!(!stdout(&out).contains("\nANTHROPIC"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(GOOD_TOKEN), "{}", stdout(&out));
}

#[test]
fn a_settings_flag_of_the_users_is_kept_under_the_gateways_keys() {
    let home = home_with_fake("claude");
    let theirs = json!({
        "permissions": {"allow": ["Bash(ls)"]},
        "env": {"ANTHROPIC_BASE_URL": "https://elsewhere.example.com", "DEBUG": "1", "ANTHROPIC_CUSTOM_HEADERS": "X-Team: a"},
        "apiKeyHelper": "/usr/local/bin/their-helper",
    });
    let file = home.path().join("mine.json");
    std::fs::write(&file, theirs.to_string()).unwrap();
    for flag in [
        vec!["--settings".to_string(), theirs.to_string()],
        vec![format!("--settings={}", file.display())],
    ] {
        let mut args = vec!["claude", "-p", "hi"];
        args.extend(flag.iter().map(String::as_str));
        let out = exec(&home, &args);
        assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
        let seen = args_of(&out);
        let settings = settings_in(&seen[1]);
        let mut want = gateway_settings(json!({
            "permissions": {"allow": ["Bash(ls)"]},
            "env": {"DEBUG": "1"},
        }));
        want["env"]["ANTHROPIC_CUSTOM_HEADERS"] =
            json!("X-Team: a\nx-databricks-use-coding-agent-mode: true");
        assert_eq!(settings, want);
        assert_eq!(seen[2..], ["-p", "hi"], "one --settings only");
    }
    let out = exec(&home, &["claude", "--settings", "{not json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "--settings: not valid JSON");
}

#[test]
fn the_users_own_claude_headers_from_the_settings_files_still_go_out() {
    let home = home_with_fake("claude");
    let settings = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(
        &settings,
        r#"{"env": {"ANTHROPIC_CUSTOM_HEADERS": "X-Team: platform"}}"#,
    )
    .unwrap();
    let out = exec(&home, &["claude"]);
    let seen = settings_in(&args_of(&out)[1]);
    assert_eq!(
        seen["env"]["ANTHROPIC_CUSTOM_HEADERS"],
        "X-Team: platform\nx-databricks-use-coding-agent-mode: true"
    );
}

/// `agentgw exec claude` with `/etc/claude-code/...` holding `files` (in a private mount
/// namespace), the fake claude on PATH.
fn exec_with_managed(files: &[(&str, &str)]) -> Option<(TestHome, std::process::Output)> {
    let overlay = EtcOverlay::new(files)?;
    let home = home_with_fake("claude");
    let mut cmd = home.process();
    cmd.env("PATH", fake_path(&home))
        .env("AGENTGW_AUTH_STORAGE", "file")
        .args(["exec", "claude", "-p", "hi"]);
    let out = overlay.wrap(&cmd).output().unwrap();
    home.check_output(&["exec".to_string()], &out);
    Some((home, out))
}

#[test]
fn exec_claude_refuses_managed_settings_that_take_claude_elsewhere() {
    let refusals = [
        (
            r#"{"env": {"ANTHROPIC_BASE_URL": "https://proxy.corp.example/anthropic"}}"#,
            "  /etc/claude-code/managed-settings.json: env.ANTHROPIC_BASE_URL sends Claude Code to \
             https://proxy.corp.example/anthropic instead of the gateway of profile 'default' (https://ws.example.com/ai-gateway)\n",
        ),
        (
            r#"{"apiKeyHelper": "/usr/local/bin/corp-token"}"#,
            "  /etc/claude-code/managed-settings.json: apiKeyHelper runs a token helper of its own \
             (your own helper command (corp-token; not shown)) instead of `agentgw token --profile default`\n",
        ),
        (
            r#"{"env": {"ANTHROPIC_AUTH_TOKEN": "sk-corp-0000000000"}}"#,
            "  /etc/claude-code/managed-settings.json: env.ANTHROPIC_AUTH_TOKEN sets a token of its own, \
             which Claude Code sends instead of the profile's\n",
        ),
        (
            r#"{"env": {"CLAUDE_CODE_USE_BEDROCK": "1"}}"#,
            "  /etc/claude-code/managed-settings.json: env.CLAUDE_CODE_USE_BEDROCK sends Claude Code to another \
             provider instead of the gateway\n",
        ),
    ];
    for (managed, said) in refusals {
        let Some((_home, out)) =
            exec_with_managed(&[("claude-code/managed-settings.json", managed)])
        else {
            return;
        };
        assert_eq!(out.status.code(), Some(1), "{managed}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{managed}: Claude must not start");
        assert_stderr_contains(&out, "not starting Claude Code: managed settings outrank");
        assert_stderr_contains(&out, said);
        assert_stderr_contains(&out, "Ask the admin who manages this machine");
        assert!(
            !stderr(&out).contains("sk-corp-0000000000"),
            "{}",
            stderr(&out)
        );
    }
    // A drop-in is managed settings too (Claude Code 2.1).
    let Some((_home, out)) = exec_with_managed(&[(
        "claude-code/managed-settings.d/20-proxy.json",
        r#"{"env": {"ANTHROPIC_BASE_URL": "https://proxy.corp.example"}}"#,
    )]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "/etc/claude-code/managed-settings.d/20-proxy.json: env.ANTHROPIC_BASE_URL sends",
    );
}

#[test]
fn managed_settings_that_keep_claude_on_the_gateway_are_fine() {
    let managed = r#"{"env": {"ANTHROPIC_BASE_URL": "https://ws.example.com/ai-gateway/anthropic", "ANTHROPIC_MODEL": "corp-model", "CLAUDE_CODE_USE_BEDROCK": "0"},
                      "apiKeyHelper": "/usr/local/bin/agentgw token --profile default"}"#;
    let Some((_home, out)) = exec_with_managed(&[("claude-code/managed-settings.json", managed)])
    else {
        return;
    };
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
}

#[test]
fn exec_gemini_puts_the_four_variables_in_the_environment() {
    let home = home_with_fake("gemini");
    let settings = home.path().join(".gemini/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(
        &settings,
        r#"{"security": {"auth": {"selectedType": "gemini-api-key"}}}"#,
    )
    .unwrap();
    let out = exec(&home, &["--model", "my-endpoint", "gemini", "-p", "hi"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "arg:-p\narg:hi\nGEMINI_API_KEY={GOOD_TOKEN}\nGEMINI_API_KEY_AUTH_MECHANISM=bearer\n\
             GEMINI_CLI_TRUST_WORKSPACE=true\nGEMINI_MODEL=my-endpoint\nGOOGLE_GEMINI_BASE_URL=https://ws.example.com/ai-gateway/gemini\n"
        )
    );
}

/// Gemini sends the key only with `selectedType = "gemini-api-key"`, and no variable can choose it
/// for one run: exec names the layer that chooses otherwise (or that none does) and the fix,
/// and does not start Gemini.
#[test]
fn exec_gemini_refuses_when_no_settings_layer_chooses_the_keys_auth_type() {
    let home = home_with_fake("gemini");
    let user = home.path().join(".gemini/settings.json");
    let project = home.path().join("project");
    let machine = home.path().join("etc/gemini-cli/settings.json");
    for dir in [
        user.parent().unwrap(),
        &project.join(".gemini"),
        machine.parent().unwrap(),
    ] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let choose =
        |kind: &str| format!(r#"{{"security": {{"auth": {{"selectedType": "{kind}"}}}}}}"#);
    let run = || {
        home.cmd()
            .env("PATH", fake_path(&home))
            .env("GEMINI_CLI_SYSTEM_SETTINGS_PATH", &machine)
            .current_dir(&project)
            .args(["exec", "gemini", "-p", "hi"])
            .output()
            .unwrap()
    };
    let refused = |out: &std::process::Output, said: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
        assert!(!stdout(out).contains("arg:"), "Gemini was started");
        assert_stderr_contains(out, said);
    };

    refused(
        &run(),
        "no settings file chooses its auth type (security.auth.selectedType)",
    );
    assert_stderr_contains(&run(), "Run once: agentgw setup gemini --no-token-file");

    std::fs::write(&user, choose("oauth-personal")).unwrap();
    refused(
        &run(),
        "~/.gemini/settings.json: security.auth.selectedType is \"oauth-personal\"",
    );

    std::fs::write(&user, choose("gemini-api-key")).unwrap();
    assert_eq!(run().status.code(), Some(7));

    // The working folder's settings outrank the user's; the machine's outrank both.
    std::fs::write(project.join(".gemini/settings.json"), choose("vertex-ai")).unwrap();
    refused(
        &run(),
        "project/.gemini/settings.json: security.auth.selectedType is \"vertex-ai\"",
    );
    std::fs::write(
        &machine,
        r#"{"security": {"auth": {"enforcedType": "oauth-personal"}}}"#,
    )
    .unwrap();
    refused(
        &run(),
        &format!(
            "not starting Gemini CLI: {}: security.auth.enforcedType is \"oauth-personal\"",
            machine.display()
        ),
    );
}

#[test]
fn exec_codex_defines_the_provider_for_this_run_only_with_its_token_command() {
    let home = home_with_fake("codex");
    let out = exec(&home, &["codex", "exec", "fix it"]);
    assert_eq!(out.status.code(), Some(7));
    let provider = "model_providers.databricks-exec";
    let mut want: Vec<String> = [
        "model_provider=\"databricks-exec\"".to_string(),
        "model=\"databricks-gpt-5-2\"".to_string(),
        format!("{provider}.name=\"Databricks AI Gateway\""),
        format!("{provider}.base_url=\"https://ws.example.com/ai-gateway/openai/v1\""),
        format!("{provider}.wire_api=\"responses\""),
        format!("{provider}.http_headers={{ x-databricks-use-coding-agent-mode = \"true\" }}"),
        format!("{provider}.auth.command={:?}", agentgw_path()),
        format!("{provider}.auth.args=[\"token\", \"--profile\", \"default\"]"),
    ]
    .into_iter()
    .flat_map(|o| ["-c".to_string(), o])
    .collect();
    want.extend(["exec".to_string(), "fix it".to_string()]);
    assert_eq!(args_of(&out), want);
    // Codex runs `agentgw token` itself: no token in its environment.
    assert!(
        !stdout(&out).contains("DATABRICKS_TOKEN"),
        "{}",
        stdout(&out)
    );
    assert!(!home.path().join(".codex").exists(), "nothing on disk");
}

/// Before Codex 0.134 a legacy `profile = "NAME"` selector outranks `-c model_provider`: the
/// selected profile's keys are overridden as well. A table Codex would merge into exec's own
/// provider, or a profile name `-c` cannot spell, is refused with its file and key.
#[test]
fn exec_codex_overrides_a_legacy_selectors_profile_and_refuses_a_table_it_cannot() {
    let home = home_with_fake("codex");
    let config = home.path().join(".codex/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        "profile = \"mine\"\n[profiles.mine]\nmodel_provider = \"other\"\n",
    )
    .unwrap();
    let out = exec(&home, &["codex", "exec", "hi"]);
    let args = args_of(&out).join("\n");
    assert!(
        args.contains("-c\nprofiles.mine.model_provider=\"databricks-exec\"\n-c\nprofiles.mine.model=\"databricks-gpt-5-2\"\nexec\nhi"),
        "{args}"
    );
    std::fs::write(
        &config,
        "[model_providers.databricks-exec]\nbase_url = \"https://elsewhere.example.com\"\n",
    )
    .unwrap();
    let out = exec(&home, &["codex", "exec", "hi"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "", "Codex must not start");
    assert_stderr_contains(
        &out,
        "~/.codex/config.toml: [model_providers.databricks-exec] is the provider `agentgw exec codex` defines for its \
         run, and Codex would merge yours into it.\nRename or remove that table.\n",
    );
    std::fs::write(&config, "profile = \"my.team\"\n").unwrap();
    let out = exec(&home, &["codex", "exec", "hi"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_stderr_contains(
        &out,
        "~/.codex/config.toml: `profile = \"my.team\"` selects a profile whose keys `agentgw exec` cannot override",
    );
}

#[test]
fn exec_of_an_agent_that_is_not_installed_says_so() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["exec", "claude"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "cannot start `claude`");
}

#[test]
fn everything_after_the_agent_is_the_agents_even_agentgw_flags() {
    let home = home_with_fake("codex");
    let out = exec(&home, &["codex", "--profile", "work", "--model", "o3"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("arg:--profile\narg:work\narg:--model\narg:o3\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn exec_of_an_unknown_agent_is_a_usage_error() {
    let home = home_with_fake("claude");
    let out = exec(&home, &["vim"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "unknown agent 'vim' [possible values: claude, codex, gemini, pi, copilot, opencode]",
    );
}

/// Every user of the machine can read a process's command line (`ps`, `/proc/PID/cmdline`):
/// the user's own settings that exec merges — headers from their settings files, a `--settings`
/// file of theirs that may hold secrets — must not end up on Claude's. They go in a private
/// file (0600) that `--settings` names. Before, the whole merged JSON was the argument.
#[test]
fn the_users_settings_are_not_put_on_claudes_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let home = home_with_fake("claude");
    let settings = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(
        &settings,
        r#"{"env": {"ANTHROPIC_CUSTOM_HEADERS": "X-Proxy-Key: header-secret-0001"}}"#,
    )
    .unwrap();
    let theirs = home.path().join("team.json");
    std::fs::write(
        &theirs,
        r#"{"env": {"SENTRY_AUTH_TOKEN": "sentry-secret-0002"}}"#,
    )
    .unwrap();
    home.secret("header-secret-0001");
    home.secret("sentry-secret-0002");
    home.secret_put_there_by_the_test(&settings);
    home.secret_put_there_by_the_test(&theirs);
    let out = exec(
        &home,
        &["claude", "--settings", theirs.to_str().unwrap(), "-p", "hi"],
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let args = args_of(&out);
    assert_eq!(args[0], "--settings");
    assert!(
        !args.iter().any(|a| a.contains("secret")),
        "a secret is on the command line: {args:?}"
    );
    let file = std::path::Path::new(&args[1]);
    assert!(
        file.starts_with(home.path().join(".local/state/agentgw")),
        "{args:?}"
    );
    assert_eq!(
        std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    home.secret_put_there_by_the_test(file);
    let seen: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(
        seen["env"]["ANTHROPIC_CUSTOM_HEADERS"],
        "X-Proxy-Key: header-secret-0001\nx-databricks-use-coding-agent-mode: true"
    );
    assert_eq!(seen["env"]["SENTRY_AUTH_TOKEN"], "sentry-secret-0002");
    assert_eq!(args[2..], ["-p", "hi"]);
}
