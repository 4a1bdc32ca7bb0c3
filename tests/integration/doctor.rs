//! `agentgw doctor`: every check names what is wrong and the fix; warnings pass unless --strict.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::{GOOD_TOKEN, Gateway};
use std::time::{Duration, Instant};

fn doctor(home: &TestHome, args: &[&str]) -> std::process::Output {
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_HTTP_TIMEOUT", "2")
        .current_dir(&work)
        .arg("doctor")
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

fn set_up(gateway_url: &str, agents: &[&str]) -> TestHome {
    let home = TestHome::logged_in_to(gateway_url);
    for agent in agents {
        let out = home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .args(["setup", agent, "--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    home
}

#[test]
fn without_a_profile_doctor_still_runs_and_says_so() {
    let out = doctor(&TestHome::new(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.starts_with(
            "profile\n  ✗ no profile 'default'\n      fix: agentgw login --profile default\n"
        ),
        "{said}"
    );
    assert!(said.ends_with("\n1 problem: fix it as shown.\n"), "{said}");
}

#[test]
fn a_healthy_setup_passes_with_warnings_and_strict_fails_on_them() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude", "codex"]);
    let out = doctor(&home, &[]);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    for line in [
        "  ✓ the workspace accepts the token (dev@example.com)\n",
        "  ! the token is stored in plaintext in ~/.config/agentgw/tokens.toml\n",
        "  ✓ the token helper prints a token\n",
        "  ✓ the gateway answers databricks-claude-opus-4-6 in ",
        "  ✓ the gateway answers databricks-gpt-5-2 in ",
        "  ! Claude Code is set up but `claude` is not on PATH\n      fix: npm install -g @anthropic-ai/claude-code\n",
        "  ✓ Gemini CLI is not set up for the gateway\n",
    ] {
        assert!(said.contains(line), "want {line:?} in:\n{said}");
    }
    assert!(said.ends_with(" warnings to look at.\n"), "{said}");
    assert_eq!(doctor(&home, &["--strict"]).status.code(), Some(1));
}

#[test]
fn a_token_exported_in_bashrc_is_found_and_never_shown() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    std::fs::write(
        home.path().join(".bashrc"),
        "# mine\nexport ANTHROPIC_API_KEY=sk-ant-very-secret\n",
    )
    .unwrap();
    let out = doctor(&home, &["--agent", "claude"]);
    let said = stdout(&out);
    assert!(
        said.contains(
            "  ! ANTHROPIC_API_KEY is exported at ~/.bashrc:2 (new shells get it): it outranks Claude Code's apiKeyHelper\n      \
             fix: remove the export at ~/.bashrc:2 and run `unset ANTHROPIC_API_KEY`\n"
        ),
        "{said}"
    );
    assert!(!said.contains("sk-ant-very-secret"), "{said}");
}

#[test]
fn json_lists_every_check_with_a_verdict() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["gemini"]);
    let out = doctor(&home, &["--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = json["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .all(|c| c["id"].is_string() && c["area"].is_string() && c["message"].is_string())
    );
    assert!(
        checks
            .iter()
            .all(|c| ["ok", "warn", "fail"].contains(&c["status"].as_str().unwrap()))
    );
    let trust = checks.iter().find(|c| c["id"] == "folder-trust").unwrap();
    assert_eq!(trust["status"], "warn");
    assert!(
        trust["fix"]
            .as_str()
            .unwrap()
            .contains("agentgw exec gemini")
    );
    let mode = checks.iter().find(|c| c["id"] == "secret-mode").unwrap();
    assert_eq!(mode["status"], "ok");
    assert!(json["verdict"].is_string());
}

#[test]
fn a_hanging_gateway_times_out_its_checks_while_the_rest_finish() {
    let home = set_up(
        &crate::support::silent_server(),
        &["claude", "codex", "gemini"],
    );
    let started = Instant::now();
    let out = doctor(&home, &[]);
    // Each network check waits at most AGENTGW_HTTP_TIMEOUT (2 s), all at once.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert_eq!(
        said.matches("did not answer within 2 s").count(),
        4,
        "{said}"
    );
    assert!(
        said.contains("  ✓ the token helper prints a token\n"),
        "{said}"
    );
}

#[test]
fn the_old_codex_profile_selector_and_a_readable_secret_file_fail() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["codex", "gemini"]);
    let config = home.path().join(".codex/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("profile = \"work\"\n{text}")).unwrap();
    let env = home.path().join(".gemini/.env");
    std::fs::set_permissions(&env, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    home.secret_put_there_by_the_test(&env);

    let out = doctor(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(said.contains("  ! ~/.codex/config.toml selects `profile = \"work\"`: Codex 0.134.0 and newer refuse to start\n"), "{said}");
    assert!(
        said.contains("  ✗ ~/.gemini/.env holds the token and others can read it (mode 644)\n"),
        "{said}"
    );
    assert!(
        said.contains(&format!("      fix: chmod 600 {}\n", env.display())),
        "{said}"
    );
}

#[test]
fn a_project_env_that_shadows_geminis_is_named() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["gemini"]);
    let project_env = home.path().join("work/.env");
    std::fs::create_dir_all(project_env.parent().unwrap()).unwrap();
    std::fs::write(&project_env, "DEBUG=1\n").unwrap();
    let said = stdout(&doctor(&home, &["--agent", "gemini"]));
    assert!(
        said.contains(&format!(
            "  ! {} is the first .env Gemini finds from here",
            project_env.display()
        )),
        "{said}"
    );
}

#[test]
fn an_old_token_left_in_geminis_env_is_found() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["gemini"]);
    // The token changed behind agentgw's back (a `login` would have updated ~/.gemini/.env).
    let store = home.config_dir().join("tokens.toml");
    let stored = std::fs::read_to_string(&store).unwrap();
    home.secret("dapi-new-token-after-rotation");
    std::fs::write(
        &store,
        stored.replace(GOOD_TOKEN, "dapi-new-token-after-rotation"),
    )
    .unwrap();
    let out = doctor(&home, &["--agent", "gemini"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains("  ✗ ~/.gemini/.env: GEMINI_API_KEY is not the profile's current token"),
        "{said}"
    );
    assert!(
        said.contains("      fix: agentgw setup gemini --yes\n"),
        "{said}"
    );
    assert!(!said.contains("dapi-new-token-after-rotation"), "{said}");
}

#[test]
fn doctor_never_sends_the_token_to_a_url_that_is_not_the_profiles_gateway() {
    let gateway = Gateway::start();
    let elsewhere = Gateway::start();
    let home = set_up(&gateway.url, &[]);
    let settings = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    let foreign = format!("{}/proxy", elsewhere.url);
    std::fs::write(
        &settings,
        format!(r#"{{"env": {{"ANTHROPIC_BASE_URL": "{foreign}", "ANTHROPIC_MODEL": "m"}}}}"#),
    )
    .unwrap();
    let said = stdout(&doctor(&home, &["--agent", "claude"]));
    assert!(
        said.contains(&format!(
            "  ✗ {foreign} is not on the gateway of profile 'default' ("
        )),
        "{said}"
    );
    let out = home.cmd().arg("test").arg("claude").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("so agentgw did not send your token there"),
        "{}",
        stdout(&out)
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the token went to another host"
    );
}

/// Writes `text` to `rel` under HOME, making its folders.
fn put(home: &TestHome, rel: &str, text: &str) -> std::path::PathBuf {
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn doctor_in(home: &TestHome, cwd: &str, args: &[&str]) -> std::process::Output {
    let cwd = home.path().join(cwd);
    std::fs::create_dir_all(&cwd).unwrap();
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_HTTP_TIMEOUT", "2")
        .current_dir(&cwd)
        .arg("doctor")
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

/// Each layer Claude Code reads in the working folder outranks the user file agentgw set up:
/// one that sends Claude elsewhere fails with its file and key, and the token is not sent there.
#[test]
fn a_project_or_local_claude_settings_file_that_sends_claude_elsewhere_fails_by_file_and_key() {
    let gateway = Gateway::start();
    let elsewhere = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    let foreign = format!("{}/anthropic", elsewhere.url);
    let gw = gateway.gateway_url();
    for file in [
        "work/.claude/settings.json",
        "work/.claude/settings.local.json",
    ] {
        let path = put(
            &home,
            file,
            &format!(r#"{{"env": {{"ANTHROPIC_BASE_URL": "{foreign}"}}}}"#),
        );
        let out = doctor_in(&home, "work", &["--agent", "claude"]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        let said = stdout(&out);
        assert!(
            said.contains(&format!(
                "  ✗ ~/{file}: env.ANTHROPIC_BASE_URL sends Claude Code to {foreign} instead of the gateway of profile 'default' ({gw}) \
                 (it outranks ~/.claude/settings.json in this folder)\n      \
                 fix: remove env.ANTHROPIC_BASE_URL from ~/{file}, or start Claude Code here with `agentgw exec claude` \
                 (the gateway settings win for that run)\n"
            )),
            "{file}:\n{said}"
        );
        assert!(
            said.contains(&format!(
                "  ! ~/{file} points at {foreign}, not the profile's gateway"
            )),
            "{said}"
        );
        // Claude reads only the working folder's .claude: not from a folder below it.
        let below = stdout(&doctor_in(&home, "work/src", &["--agent", "claude"]));
        assert!(!below.contains("sends Claude Code to"), "{below}");
        std::fs::remove_file(path).unwrap();
    }
    assert!(elsewhere.requests().is_empty(), "the token went elsewhere");
}

#[test]
fn a_claude_layer_with_its_own_token_helper_or_provider_fails_and_shows_no_value() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    put(
        &home,
        "work/.claude/settings.local.json",
        r#"{"env": {"ANTHROPIC_AUTH_TOKEN": "sk-project-secret-1"}, "apiKeyHelper": "/usr/bin/pass show anthropic"}"#,
    );
    let user = home.path().join(".claude/settings.json");
    let text = std::fs::read_to_string(&user).unwrap().replacen(
        "\"env\": {",
        "\"env\": {\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\",\n    \"ANTHROPIC_API_KEY\": \"sk-user-secret-2\",",
        1,
    );
    std::fs::write(&user, text).unwrap();
    let out = doctor_in(&home, "work", &["--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    for line in [
        "  ✗ ~/work/.claude/settings.local.json: env.ANTHROPIC_AUTH_TOKEN sets a token of its own, which Claude Code \
         sends instead of the profile's (it outranks ~/.claude/settings.json in this folder)\n",
        "  ✗ ~/work/.claude/settings.local.json: apiKeyHelper runs a token helper of its own (your own helper command \
         (pass; not shown)) instead of `agentgw token --profile default` (it outranks ~/.claude/settings.json in this folder)\n",
        "  ✗ ~/.claude/settings.json: env.CLAUDE_CODE_USE_BEDROCK sends Claude Code to another provider instead of the gateway\n      \
         fix: remove env.CLAUDE_CODE_USE_BEDROCK from ~/.claude/settings.json (`agentgw exec claude` overrides it for one run)\n",
        "  ✗ ~/.claude/settings.json: env.ANTHROPIC_API_KEY sets a token of its own, which Claude Code sends instead of the profile's\n",
    ] {
        assert!(said.contains(line), "want {line:?} in:\n{said}");
    }
    for secret in ["sk-project-secret-1", "sk-user-secret-2"] {
        assert!(!said.contains(secret), "{said}");
    }
}

/// `~/.claude/settings.local.json` is read only in a session started in the home folder.
#[test]
fn the_user_folders_settings_local_json_counts_in_the_home_folder_only() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    put(
        &home,
        ".claude/settings.local.json",
        r#"{"env": {"ANTHROPIC_BASE_URL": "https://elsewhere.example.com/anthropic"}}"#,
    );
    let in_home = stdout(&doctor_in(&home, "", &["--agent", "claude"]));
    assert!(
        in_home.contains("  ✗ ~/.claude/settings.local.json: env.ANTHROPIC_BASE_URL sends Claude Code to https://elsewhere.example.com/anthropic"),
        "{in_home}"
    );
    let out = doctor_in(&home, "work", &["--agent", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("  ✓ no managed, project or local settings here take Claude Code off the gateway or bring their own token\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn managed_claude_settings_that_send_claude_elsewhere_fail_with_the_admin_fix() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    let managed = r#"{"env": {"ANTHROPIC_BASE_URL": "https://proxy.corp.example/anthropic", "ANTHROPIC_MODEL": "corp-model"}}"#;
    let Some(overlay) = crate::support::etc_overlay::EtcOverlay::new(&[(
        "claude-code/managed-settings.json",
        managed,
    )]) else {
        return;
    };
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut cmd = home.process();
    cmd.env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_AUTH_STORAGE", "file")
        .env("AGENTGW_HTTP_TIMEOUT", "2")
        .current_dir(&work)
        .args(["doctor", "--agent", "claude"]);
    let out = overlay.wrap(&cmd).output().unwrap();
    home.check_output(&["doctor".to_string()], &out);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            "  ✗ /etc/claude-code/managed-settings.json: env.ANTHROPIC_BASE_URL sends Claude Code to \
             https://proxy.corp.example/anthropic instead of the gateway of profile 'default' ({}) (managed settings \
             outrank ~/.claude/settings.json and `agentgw exec claude`)\n      \
             fix: ask the admin who manages this machine to remove env.ANTHROPIC_BASE_URL from \
             /etc/claude-code/managed-settings.json; agentgw cannot change managed settings\n",
            gateway.gateway_url()
        )),
        "{said}"
    );
    assert!(
        said.contains("  ! /etc/claude-code/managed-settings.json points at https://proxy.corp.example/anthropic"),
        "{said}"
    );
}

#[test]
fn claude_settings_with_comments_fail_doctor_and_a_blank_project_file_is_fine() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    put(&home, "work/.claude/settings.json", "\n");
    put(
        &home,
        "work/.claude/settings.local.json",
        "{\"env\": {},}\n",
    );
    let said = stdout(&doctor_in(&home, "work", &["--agent", "claude"]));
    assert!(
        said.contains(
            "  ! Claude Code ignores ~/work/.claude/settings.local.json (this folder's local settings): it has comments or trailing commas\n"
        ),
        "{said}"
    );
    assert!(!said.contains("~/work/.claude/settings.json"), "{said}");
    let user = home.path().join(".claude/settings.json");
    let text = std::fs::read_to_string(&user).unwrap();
    std::fs::write(&user, format!("// mine\n{text}")).unwrap();
    let out = doctor_in(&home, "work", &["--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(
            "  ✗ ~/.claude/settings.json: it has comments or trailing commas, so Claude Code ignores the whole file, \
             agentgw's settings included\n      \
             fix: remove the comments and trailing commas from ~/.claude/settings.json (agentgw never strips them itself), \
             then run `agentgw doctor`\n"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_model_from_a_project_layer_is_reported_with_where_it_comes_from() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    put(
        &home,
        "work/.claude/settings.json",
        r#"{"env": {"ANTHROPIC_MODEL": "project-endpoint"}}"#,
    );
    let said = stdout(&doctor_in(&home, "work", &["--agent", "claude"]));
    assert!(
        said.contains(&format!(
            "  ✓ project-endpoint (from ~/work/.claude/settings.json) via {}/anthropic (from ~/.claude/settings.json)\n",
            gateway.gateway_url()
        )),
        "{said}"
    );
    assert!(
        said.contains("  ✓ the gateway answers project-endpoint in "),
        "{said}"
    );
}

#[test]
fn a_claude_provider_switch_exported_in_the_shell_fails() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("CLAUDE_CODE_USE_VERTEX", "1")
        .env("CLAUDE_CODE_USE_BEDROCK", "0")
        .current_dir(&work)
        .args(["doctor", "--agent", "claude"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains(
            "  ✗ CLAUDE_CODE_USE_VERTEX is set in this shell: it sends Claude Code to another provider instead of the gateway\n      \
             fix: unset CLAUDE_CODE_USE_VERTEX (and remove its export from your shell startup files); `agentgw exec claude` overrides it for one run\n"
        ),
        "{said}"
    );
    assert!(
        !said.contains("CLAUDE_CODE_USE_BEDROCK"),
        "off is off: {said}"
    );
}

/// Claude Code 2.1 reads the git repository root's `.claude/settings.local.json` from any folder
/// in the repository (not its `.claude/settings.json`).
#[test]
fn a_repository_roots_local_claude_settings_count_in_its_subfolders() {
    let gateway = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    std::fs::create_dir_all(home.path().join("work/.git")).unwrap();
    put(
        &home,
        "work/.claude/settings.local.json",
        r#"{"env": {"ANTHROPIC_BASE_URL": "https://elsewhere.example.com/anthropic"}}"#,
    );
    put(
        &home,
        "work/.claude/settings.json",
        r#"{"env": {"ANTHROPIC_AUTH_TOKEN": "sk-root-project-1"}}"#,
    );
    let out = doctor_in(&home, "work/src", &["--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains(
            "  ✗ ~/work/.claude/settings.local.json: env.ANTHROPIC_BASE_URL sends Claude Code to https://elsewhere.example.com/anthropic"
        ),
        "{said}"
    );
    assert!(
        !said.contains("ANTHROPIC_AUTH_TOKEN"),
        "not read below the root: {said}"
    );
}

/// A folder's Claude settings file that sends Claude elsewhere outranks `~/.claude/settings.json`,
/// so `agentgw setup claude` (which writes the user file, and says "already set up") cannot fix
/// it: no check and no `test` result may say that it does. Each fix names the file and key.
#[test]
fn a_claude_layer_that_sends_claude_elsewhere_is_not_fixed_by_setup() {
    let gateway = Gateway::start();
    let elsewhere = Gateway::start();
    let home = set_up(&gateway.url, &["claude"]);
    let foreign = format!("{}/anthropic", elsewhere.url);
    put(
        &home,
        "work/.claude/settings.local.json",
        &format!(r#"{{"env": {{"ANTHROPIC_BASE_URL": "{foreign}"}}}}"#),
    );
    let layer_fix = "remove env.ANTHROPIC_BASE_URL from ~/work/.claude/settings.local.json, \
                     or start Claude Code here with `agentgw exec claude`";
    let out = doctor_in(&home, "work", &["--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(!said.contains("fix: agentgw setup claude"), "{said}");
    assert!(!said.contains("Point the agent at"), "{said}");
    let fixes = said.lines().filter(|l| l.contains(layer_fix)).count();
    assert_eq!(fixes, 3, "config, layer and gateway checks:\n{said}");

    let out = home
        .cmd()
        .current_dir(home.path().join("work"))
        .args(["test", "claude"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains("so agentgw did not send your token there"),
        "{said}"
    );
    assert!(said.contains(&format!("fix: {layer_fix}")), "{said}");
    assert!(!said.contains("agentgw setup claude"), "{said}");
    assert!(elsewhere.requests().is_empty(), "the token went elsewhere");
}

/// Telemetry endpoints the user pointed at a collector of their own, with agentgw's
/// `otelHeadersHelper` still in place: Claude sends that collector the profile's token with
/// every export. That is a failure, not a check skipped with a warning (as before).
#[test]
fn telemetry_that_takes_the_token_to_another_host_fails() {
    let gateway = Gateway::start();
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "claude", "--yes", "--no-test"])
        .args(["--otel-tables", "main.agents.claude"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let path = home.path().join(".claude/settings.json");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        &format!("{}/api/2.0/otel/v1/metrics", gateway.url),
        "https://collector.example.com/v1/metrics",
    );
    std::fs::write(&path, text).unwrap();
    let out = doctor_in(&home, "work", &["--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains(
            "  ✗ metrics telemetry goes to https://collector.example.com/v1/metrics with the token of profile 'default' \
             (otelHeadersHelper in ~/.claude/settings.json runs `agentgw otel-headers`)\n      \
             fix: agentgw setup claude --otel-tables main.agents.claude (or remove otelHeadersHelper from ~/.claude/settings.json)\n"
        ),
        "{said}"
    );
    assert!(
        said.contains("  ✓ logs telemetry to main.agents.claude_otel_logs is accepted"),
        "{said}"
    );
}
