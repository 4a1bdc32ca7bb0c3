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
