//! With `--json`, stdout holds JSON in every outcome: a failure is
//! `{"error": {"kind", "message", "fix"}}` with the usual exit code, so a script never has to
//! parse an empty stdout or human text. Without `--json`, errors stay human text on stderr.

use crate::common::{TestHome, stderr, stdout};
use crate::support::sql::STOPPED_WAREHOUSE_ID;
use crate::support::{self, GOOD_TOKEN, Gateway};
use serde_json::Value;

/// The `error` object of stdout, asserting the exit code and that stdout is that JSON alone.
fn json_error(out: &std::process::Output, code: i32) -> Value {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    let parsed: Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(out)));
    let error = parsed["error"].clone();
    assert!(error.is_object(), "{parsed}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{error}"
    );
    assert!(
        error["fix"].is_null() || error["fix"].is_string(),
        "{error}"
    );
    assert_eq!(
        parsed.as_object().map(|o| o.len()),
        Some(1),
        "only the error: {parsed}"
    );
    error
}

fn broken_config(home: &TestHome) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(home.config_dir()).unwrap();
    std::fs::set_permissions(home.config_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(home.config_dir().join("config.toml"), "[profiles.default\n").unwrap();
}

#[test]
fn test_json_without_a_profile() {
    let home = TestHome::new();
    let out = home.cmd().args(["test", "all", "--json"]).output().unwrap();
    let error = json_error(&out, 1);
    assert_eq!(error["kind"], "no_profile");
    assert_eq!(error["message"], "no profile 'default' yet");
    assert_eq!(error["fix"], "agentgw login --profile default");
    // The human message is said on stderr as well, as without --json.
    assert!(
        stderr(&out)
            .contains("error: no profile 'default' yet; run: agentgw login --profile default"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_json_the_error_stays_human_text_on_stderr() {
    let home = TestHome::new();
    let out = home.cmd().args(["test", "all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: no profile 'default' yet; run: agentgw login --profile default\n"
    );
}

#[test]
fn test_json_when_logged_out() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    home.cmd().arg("logout").assert().success();
    let out = home
        .cmd()
        .args(["test", "codex", "--json"])
        .output()
        .unwrap();
    let error = json_error(&out, 1);
    assert_eq!(error["kind"], "not_logged_in");
    assert_eq!(error["fix"], "agentgw login --profile default");
}

#[test]
fn usage_json_without_tables() {
    let home = TestHome::logged_in_to("https://ws.example.com");
    let out = home
        .cmd()
        .args(["usage", "--json", "--source", "otel"])
        .output()
        .unwrap();
    let error = json_error(&out, 1);
    assert_eq!(error["kind"], "missing_input");
    assert_eq!(
        error["message"],
        "no telemetry tables given, and none remembered in the profile"
    );
    assert!(
        error["fix"]
            .as_str()
            .unwrap()
            .starts_with("Pass --tables CATALOG.SCHEMA.PREFIX"),
        "{error}"
    );
}

#[test]
fn usage_json_when_the_warehouse_is_stopped() {
    let gateway = Gateway::start_warehouse(support::sql::Warehouse::default());
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .args(["usage", "--json", "--tables", "main.agents.claude"])
        .args(["--warehouse-id", STOPPED_WAREHOUSE_ID])
        .output()
        .unwrap();
    let error = json_error(&out, 1);
    assert_eq!(error["kind"], "warehouse_not_running");
    assert!(
        error["message"].as_str().unwrap().contains(&format!(
            "SQL warehouse {STOPPED_WAREHOUSE_ID} is not running"
        )),
        "{error}"
    );
    assert!(
        error["fix"].as_str().unwrap().contains("Start it at"),
        "{error}"
    );
}

#[test]
fn usage_json_when_the_workspace_cannot_be_reached() {
    let home = TestHome::logged_in_to(&support::closed_port_url());
    let out = home
        .cmd()
        .args(["usage", "--json", "--tables", "main.agents.claude"])
        .args(["--warehouse-id", "abc123"])
        .output()
        .unwrap();
    let error = json_error(&out, 1);
    assert_eq!(error["kind"], "connect");
    assert!(
        error["fix"].as_str().unwrap().contains("HTTPS_PROXY"),
        "{error}"
    );
}

#[test]
fn status_doctor_and_profiles_json_when_the_config_does_not_parse() {
    let home = TestHome::new();
    broken_config(&home);
    for command in ["status", "doctor", "profiles"] {
        let out = home.cmd().args([command, "--json"]).output().unwrap();
        let error = json_error(&out, 1);
        assert_eq!(error["kind"], "config", "{command}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains(&home.config_dir().join("config.toml").display().to_string()),
            "{command}: {error}"
        );
    }
}

#[test]
fn a_usage_error_with_json_is_json_and_exit_2() {
    let home = TestHome::new();
    for args in [
        &["test", "all", "--json", "--bogus"][..],
        &["test", "nobody", "--json"],
        &["usage", "--json", "--tables", "main.agents"],
        &["--profile", "a b", "doctor", "--json"],
        &["profiles", "--json", "--profile", ""],
    ] {
        let out = home.cmd().args(args).output().unwrap();
        let error = json_error(&out, 2);
        assert_eq!(error["kind"], "usage", "{args:?}");
        assert!(
            error["fix"].as_str().unwrap().contains("--help"),
            "{args:?}: {error}"
        );
    }
}

#[test]
fn help_with_json_is_still_help() {
    let home = TestHome::new();
    let out = home
        .cmd()
        .args(["test", "--json", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Usage: agentgw test"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_json_usage_error_says_the_error_alone_and_names_its_commands_help() {
    let home = TestHome::new();
    for (args, fix) in [
        (&["test", "nobody", "--json"][..], "agentgw test --help"),
        (&["usage", "--json", "--days", "0"], "agentgw usage --help"),
        (
            &["--profile", "a b", "doctor", "--json"],
            "agentgw doctor --help",
        ),
        // `test` here is --profile's value, not the command.
        (
            &["--profile", "test", "status", "--json", "--bogus"],
            "agentgw status --help",
        ),
        (
            &["-p", "test", "status", "--json", "--bogus"],
            "agentgw status --help",
        ),
    ] {
        let out = home.cmd().args(args).output().unwrap();
        let error = json_error(&out, 2);
        assert_eq!(error["fix"], fix, "{args:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            !message.contains("For more information") && !message.contains("Usage:"),
            "{args:?}: {message:?}"
        );
        assert_eq!(message, message.trim(), "{args:?}");
    }
}

#[test]
fn a_config_that_does_not_parse_is_named_with_line_and_column_and_the_fix_is_the_fix() {
    let home = TestHome::new();
    broken_config(&home);
    let out = home.cmd().args(["status", "--json"]).output().unwrap();
    let error = json_error(&out, 1);
    let file = home.config_dir().join("config.toml").display().to_string();
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("{file}:1:")), "{message:?}");
    assert!(!message.contains('\n'), "{message:?}");
    assert_eq!(
        error["fix"], "fix it by hand, or move it aside and run `agentgw login` again",
        "{error}"
    );
}
