//! Gemini CLI: `~/.gemini/.env` with the gateway, model and key, and `~/.gemini/settings.json`
//! choosing API-key auth; `gemini -p` must reach
//! `<gateway>/gemini/v1beta/models/<model>:streamGenerateContent`. Gemini only reads `~/.gemini/.env`
//! in a trusted folder, so trust is part of the setup under test.

use crate::harness::{AgentHome, Outcome};
use crate::support::{GOOD_TOKEN, Gateway, Recorded};
use crate::versions::{self, Release};
use serde_json::json;
use std::path::Path;

pub(crate) const MODEL: &str = "databricks-gemini-2-5-flash";

fn stream_route() -> String {
    format!("/ai-gateway/gemini/v1beta/models/{MODEL}:streamGenerateContent")
}

/// The four variables setup writes to `~/.gemini/.env`.
fn gateway_variables(gateway: &Gateway) -> [(&'static str, String); 4] {
    [
        ("GEMINI_MODEL", MODEL.to_string()),
        (
            "GOOGLE_GEMINI_BASE_URL",
            format!("{}/gemini", gateway.gateway_url()),
        ),
        ("GEMINI_API_KEY_AUTH_MECHANISM", "bearer".to_string()),
        ("GEMINI_API_KEY", GOOD_TOKEN.to_string()),
    ]
}

pub(crate) fn write_settings(home: &AgentHome) {
    let settings = json!({"security": {"auth": {"selectedType": "gemini-api-key"}}});
    home.write(
        ".gemini/settings.json",
        &serde_json::to_string_pretty(&settings).unwrap(),
    );
}

fn write_dotenv(home: &AgentHome, gateway: &Gateway) {
    let lines: String = gateway_variables(gateway)
        .iter()
        .map(|(key, value)| format!("{key}={value}\n"))
        .collect();
    home.write(".gemini/.env", &lines);
}

/// Marks the working folder trusted the way Gemini's trust dialog does.
pub(crate) fn trust_work_folder(home: &AgentHome) {
    let trusted = json!({ home.work().display().to_string(): "TRUST_FOLDER" });
    home.write(
        ".gemini/trustedFolders.json",
        &serde_json::to_string_pretty(&trusted).unwrap(),
    );
}

/// Test-only settings, kept out of the user's settings.json in a system settings file (which outranks
/// it): without usage statistics off, 0.61.0 looks up play.googleapis.com. Not needed for `-p` to work.
pub(crate) const HEADLESS_SETTINGS: &str = r#"{"privacy": {"usageStatisticsEnabled": false},
 "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
 "tools": {"useRipgrep": false}}"#;

pub(crate) fn prompt_pong(
    home: &AgentHome,
    gemini: &Path,
    flags: &[&str],
    env: &[(&str, String)],
) -> Outcome {
    let system_settings = home.write_beside("system-settings.json", HEADLESS_SETTINGS);
    let mut cmd = home.command(gemini);
    cmd.env("GEMINI_CLI_SYSTEM_SETTINGS_PATH", system_settings);
    cmd.args(flags).args(["-p", "say pong"]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    home.run(&mut cmd)
}

pub(crate) fn assert_reached_stream(gateway: &Gateway, outcome: &Outcome, release: &Release) {
    assert_reached_stream_with(gateway, outcome, release, GOOD_TOKEN);
}

/// Like `assert_reached_stream`, with `token` as the one token sent.
pub(crate) fn assert_reached_stream_with(
    gateway: &Gateway,
    outcome: &Outcome,
    release: &Release,
    token: &str,
) {
    let context = || {
        format!(
            "{release}: {outcome}\n--- requests ---\n{}",
            gateway.request_summary()
        )
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    let streams: Vec<Recorded> = gateway.requests_to("POST", &stream_route());
    assert!(
        !streams.is_empty(),
        "no request to {}: {}",
        stream_route(),
        context()
    );
    for request in &streams {
        assert_eq!(
            request.path,
            format!("{}?alt=sse", stream_route()),
            "{}",
            context()
        );
        assert_eq!(request.bearer(), Some(token), "{}", context());
        assert_eq!(
            request.header("x-goog-api-key"),
            Some(token),
            "{}",
            context()
        );
    }
}

fn assert_never_reached(gateway: &Gateway, outcome: &Outcome, release: &Release, said: &str) {
    let context = format!(
        "{release}: {outcome}\n--- requests ---\n{}",
        gateway.request_summary()
    );
    assert!(!outcome.succeeded(), "{context}");
    assert!(gateway.requests().is_empty(), "{context}");
    assert!(
        outcome.stderr.contains(said),
        "want {said:?} in stderr: {context}"
    );
}

#[test]
fn gemini_dotenv_works_in_a_folder_trusted_by_trusted_folders_json() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home);
        write_dotenv(&home, &gateway);
        trust_work_folder(&home);
        let outcome = prompt_pong(&home, &gemini, &[], &[]);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_stream(&gateway, &outcome, &release);
    }
}

#[test]
fn gemini_dotenv_works_with_the_trust_workspace_variable() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home);
        write_dotenv(&home, &gateway);
        let outcome = prompt_pong(
            &home,
            &gemini,
            &[],
            &[("GEMINI_CLI_TRUST_WORKSPACE", "true".into())],
        );
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_stream(&gateway, &outcome, &release);
    }
}

/// Folder trust is enforced by default from 0.39.1: `~/.gemini/.env` is read only in a trusted folder,
/// and headless runs refuse an untrusted one. Up to 0.38.2 trust was off unless turned on, so `.env`
/// was read anywhere. (0.39.0, between the two: `.env` ignored in an untrusted folder but the run
/// exits 0 after printing the missing-key error; with the key in the environment it runs.)
const ENFORCES_FOLDER_TRUST: &str = "0.39.1";
/// `--skip-trust` (trust the folder for this run) exists from 0.39.0.
const HAS_SKIP_TRUST: &str = "0.39.0";

#[test]
fn gemini_dotenv_works_with_the_skip_trust_flag() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        if !release.at_least(HAS_SKIP_TRUST) {
            eprintln!("{release}: no --skip-trust before {HAS_SKIP_TRUST}");
            continue;
        }
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home);
        write_dotenv(&home, &gateway);
        let outcome = prompt_pong(&home, &gemini, &["--skip-trust"], &[]);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_stream(&gateway, &outcome, &release);
    }
}

/// In an untrusted folder `~/.gemini/.env` is not read at all: no key, so Gemini stops at its auth
/// check (exit 41) before it sends anything.
#[test]
fn gemini_dotenv_is_ignored_in_an_untrusted_folder() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home);
        write_dotenv(&home, &gateway);
        let outcome = prompt_pong(&home, &gemini, &[], &[]);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        if release.at_least(ENFORCES_FOLDER_TRUST) {
            assert_never_reached(&gateway, &outcome, &release, "GEMINI_API_KEY");
        } else {
            assert_reached_stream(&gateway, &outcome, &release);
        }
    }
}

/// With the key in the process environment the auth check passes, but headless Gemini then refuses
/// the untrusted folder outright (exit 55): a launcher must also say the folder is trusted.
#[test]
fn gemini_headless_refuses_an_untrusted_folder_even_with_the_key_in_the_environment() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home);
        let env: Vec<(&str, String)> = gateway_variables(&gateway).into_iter().collect();
        let outcome = prompt_pong(&home, &gemini, &[], &env);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        if release.at_least(ENFORCES_FOLDER_TRUST) {
            assert_never_reached(&gateway, &outcome, &release, "trusted directory");
        } else {
            assert_reached_stream(&gateway, &outcome, &release);
        }
    }
}

/// What a launcher does: the four variables and the trust variable in the process environment, no
/// `.env`, in any folder.
#[test]
fn gemini_process_environment_works_with_the_trust_workspace_variable() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, gemini) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home);
        let mut env: Vec<(&str, String)> = gateway_variables(&gateway).into_iter().collect();
        env.push(("GEMINI_CLI_TRUST_WORKSPACE", "true".into()));
        let outcome = prompt_pong(&home, &gemini, &[], &env);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_stream(&gateway, &outcome, &release);
    }
}
