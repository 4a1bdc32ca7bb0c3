//! `agentgw login` on a real pseudo-terminal: the prompts a developer sees on a new laptop.

use crate::common::TestHome;
use crate::support::{GOOD_TOKEN, Gateway, USER_NAME};
use rexpect::session::spawn_command;

#[test]
fn login_asks_for_host_and_hidden_token_on_a_terminal() {
    let gw = Gateway::start();
    let home = TestHome::new();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("agentgw"));
    cmd.env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AGENTGW_AUTH_STORAGE", "file")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .arg("login");
    let mut session = spawn_command(cmd, Some(20_000)).unwrap();
    session.exp_string("Databricks workspace URL").unwrap();
    session.send_line(&gw.url).unwrap();
    session.flush().unwrap();
    session
        .exp_string("Personal access token (input hidden)")
        .unwrap();
    session.send_line(GOOD_TOKEN).unwrap();
    session.flush().unwrap();
    let before = session
        .exp_string(&format!("Logged in to {} as {USER_NAME}", gw.url))
        .unwrap();
    assert!(
        !before.contains(GOOD_TOKEN),
        "the token was echoed: {before}"
    );
    session.exp_eof().unwrap();
    assert!(home.tokens_toml().unwrap().contains(GOOD_TOKEN));
}

#[test]
fn setup_on_a_terminal_offers_the_endpoints_shows_the_diff_and_asks() {
    let gw =
        Gateway::start_serving(&["databricks-claude-opus-4-6", "databricks-claude-sonnet-4-5"]);
    let home = TestHome::new();
    home.cmd()
        .args(["login", "--host", &gw.url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .assert()
        .success();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("agentgw"));
    cmd.env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_AUTH_STORAGE", "file")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .args(["setup", "claude"]);
    let mut session = spawn_command(cmd, Some(20_000)).unwrap();
    session.exp_string("Model for Claude Code").unwrap();
    session.exp_string("databricks-claude-sonnet-4-5").unwrap();
    // Down one line from the preselected default, then Enter.
    session.send("\x1b[B").unwrap();
    session.flush().unwrap();
    session.send("\r").unwrap();
    session.flush().unwrap();
    session
        .exp_string("+    \"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\",")
        .unwrap();
    session
        .exp_string("Write these changes for Claude Code?")
        .unwrap();
    session.send("y").unwrap();
    session.flush().unwrap();
    session.exp_string("Claude Code: configured").unwrap();
    // rexpect reads bytes as Latin-1: match past the check mark.
    session
        .exp_string(" test request: databricks-claude-sonnet-4-5 answered in ")
        .unwrap();
    session.exp_eof().unwrap();
    let settings = std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap();
    assert!(
        settings.contains("\"ANTHROPIC_MODEL\": \"databricks-claude-sonnet-4-5\""),
        "{settings}"
    );
}

#[test]
fn setup_on_a_terminal_names_the_values_you_changed_before_asking() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    home.cmd()
        .args(["setup", "claude", "--yes", "--no-test"])
        .assert()
        .success();
    let settings = home.path().join(".claude/settings.json");
    let mine = std::fs::read_to_string(&settings)
        .unwrap()
        .replace("databricks-claude-opus-4-6", "my-own-model");
    std::fs::write(&settings, &mine).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("agentgw"));
    cmd.env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_AUTH_STORAGE", "file")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .args([
            "setup",
            "claude",
            "--model",
            "databricks-claude-opus-4-6",
            "--no-test",
        ]);
    let mut session = spawn_command(cmd, Some(20_000)).unwrap();
    session
        .exp_string(
            "you changed env.ANTHROPIC_MODEL in ~/.claude/settings.json since setup; writing replaces your value",
        )
        .unwrap();
    session
        .exp_string("-    \"ANTHROPIC_MODEL\": \"my-own-model\",")
        .unwrap();
    session
        .exp_string("Write these changes for Claude Code?")
        .unwrap();
    session.send("n").unwrap();
    session.flush().unwrap();
    session.exp_string("Claude Code: nothing written.").unwrap();
    session.exp_eof().unwrap();
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), mine);
}

#[test]
fn the_model_picker_offers_the_agents_own_family_first_with_the_default_preselected() {
    let gw = Gateway::start_serving(&[
        "databricks-bge-large-en",
        "databricks-gemini-2-5-flash",
        "databricks-gpt-5-2",
        "databricks-claude-sonnet-4-5",
        "databricks-claude-opus-4-6",
    ]);
    let home = TestHome::new();
    home.cmd()
        .args(["login", "--host", &gw.url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .assert()
        .success();
    for (agent, name, family, first_other, chosen) in [
        (
            "claude",
            "Claude Code",
            &["databricks-claude-opus-4-6", "databricks-claude-sonnet-4-5"][..],
            "databricks-bge-large-en",
            "+    \"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-6\",",
        ),
        (
            "codex",
            "Codex CLI",
            &["databricks-gpt-5-2"],
            "databricks-bge-large-en",
            "+model = \"databricks-gpt-5-2\"",
        ),
    ] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("agentgw"));
        cmd.env_clear()
            .env("HOME", home.path())
            .env("PATH", "/usr/bin:/bin")
            .env("AGENTGW_AUTH_STORAGE", "file")
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .args(["setup", agent]);
        let mut session = spawn_command(cmd, Some(20_000)).unwrap();
        session.exp_string(&format!("Model for {name}")).unwrap();
        // The agent's family, in order, before any other model.
        for model in family {
            let before = session.exp_string(model).unwrap();
            assert!(
                !before.contains("databricks-bge") && !before.contains("gemini"),
                "{agent}: another family before {model}: {before}"
            );
        }
        session.exp_string(first_other).unwrap();
        // Enter takes the preselected default; then decline the write.
        session.send("\r").unwrap();
        session.flush().unwrap();
        session.exp_string(chosen).unwrap();
        session
            .exp_string(&format!("Write these changes for {name}?"))
            .unwrap();
        session.send("n").unwrap();
        session.flush().unwrap();
        session
            .exp_string(&format!("{name}: nothing written."))
            .unwrap();
        session.exp_eof().unwrap();
    }
}
