//! `agentgw status`: the profile and each agent's state, never a secret.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::{GOOD_TOKEN, Gateway, USER_NAME};

fn status(home: &TestHome, args: &[&str]) -> std::process::Output {
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .arg("status")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

#[test]
fn status_without_a_profile_still_answers() {
    let home = TestHome::new();
    let said = stdout(&status(&home, &[]));
    assert!(
        said.starts_with("Profile default (does not exist: run agentgw login)\n"),
        "{said}"
    );
    assert!(
        said.contains("  token     not logged in (run: agentgw login --profile default)\n"),
        "{said}"
    );
    assert!(
        said.contains("  configured  no (run: agentgw setup claude)\n"),
        "{said}"
    );
    // Cursor is a desktop app: with no Cursor on this machine there is nothing to set up.
    assert!(
        said.ends_with(
            "Cursor\n  installed   no Cursor user folder\n  configured  no\n  token via   none\n"
        ),
        "{said}"
    );
}

#[test]
fn status_offers_setup_cursor_once_cursor_is_installed() {
    let home = TestHome::new();
    std::fs::create_dir_all(home.path().join(".config/Cursor/User")).unwrap();
    let said = stdout(&status(&home, &[]));
    assert!(
        said.contains("  configured  no (run: agentgw setup cursor)\n"),
        "{said}"
    );
}

#[test]
fn status_shows_user_storage_config_token_supply_and_user_edits() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    home.cmd()
        .args(["login", "--host", &gateway.url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .assert()
        .success();
    for agent in ["claude", "gemini"] {
        let out = home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .args(["setup", agent, "--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let settings = home.path().join(".claude/settings.json");
    let edited = std::fs::read_to_string(&settings)
        .unwrap()
        .replace("databricks-claude-opus-4-6", "my-model");
    std::fs::write(&settings, edited).unwrap();

    let said = stdout(&status(&home, &[]));
    for line in [
        format!("  user      {USER_NAME}\n"),
        "  token     plaintext file ~/.config/agentgw/tokens.toml\n".to_string(),
        "Claude Code\n  installed   not on PATH\n  configured  ~/.claude/settings.json\n"
            .to_string(),
        "  model       my-model\n".to_string(),
        "  changed by you since setup: env.ANTHROPIC_MODEL in ~/.claude/settings.json\n"
            .to_string(),
        "  token via   inline in ~/.gemini/.env (read in trusted folders only)\n".to_string(),
        "  configured  no (run: agentgw setup codex)\n".to_string(),
    ] {
        assert!(said.contains(&line), "want {line:?} in:\n{said}");
    }
    assert!(
        said.contains("  token via   helper: agentgw token --profile default\n"),
        "{said}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&status(&home, &["--json"]).stdout).unwrap();
    assert_eq!(json["profile"]["user"], USER_NAME);
    assert_eq!(json["agents"][0]["agent"], "claude");
    assert_eq!(json["agents"][0]["configured"], true);
    assert_eq!(json["agents"][0]["model"], "my-model");
    assert_eq!(
        json["agents"][0]["base_url"],
        format!("{}/anthropic", gateway.gateway_url())
    );
    assert_eq!(
        json["agents"][0]["changed_since_setup"][0],
        "env.ANTHROPIC_MODEL in ~/.claude/settings.json"
    );
    assert_eq!(json["agents"][1]["configured"], false);
}

#[test]
fn a_token_in_the_shell_that_outranks_the_settings_is_named_not_shown() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("ANTHROPIC_API_KEY", "sk-ant-secret-value")
        .args(["status"])
        .output()
        .unwrap();
    let said = stdout(&out);
    assert!(
        said.contains(
            "  token via   environment (ANTHROPIC_API_KEY, which outranks the settings file)\n"
        ),
        "{said}"
    );
    assert!(!said.contains("sk-ant-secret-value"));
}

#[test]
fn a_codex_profile_file_is_found_by_status() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args([
            "setup",
            "codex",
            "--codex-profile",
            "work",
            "--yes",
            "--no-test",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&status(&home, &[]));
    assert!(
        said.contains(
            "Codex CLI\n  installed   not on PATH\n  configured  ~/.codex/work.config.toml\n"
        ),
        "{said}"
    );
}
