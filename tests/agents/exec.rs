//! `agentgw exec <agent>` with the real agents: the gateway settings win over every config layer
//! the agent reads, and the profile's token reaches the profile's gateway only. A second stand-in
//! plays the foreign host every other layer points at; it must receive nothing at all.

use crate::harness::{AgentHome, Outcome, dump};
use crate::support::etc_overlay::EtcOverlay;
use crate::support::{GOOD_TOKEN, Gateway, STAGING_TOKEN};
use crate::versions;
use crate::{claude, codex, gemini};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A token of the user's own in their agent configs: it must go nowhere either.
const THEIR_TOKEN: &str = "dapi-their-own-token-0000000000000";

/// `agentgw login` for `profile` to `gateway` with `token` (file store, verified by the stand-in).
fn login(home: &AgentHome, exe: &Path, profile: &str, gateway: &Gateway, token: &str) {
    let mut cmd = home.agentgw(exe);
    cmd.args(["--profile", profile, "login", "--host", &gateway.url])
        .arg("--token-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The login's own token check is not the agent's.
    gateway.take_requests();
}

/// `agentgw [--profile P] exec <agent> ARGS...` in `cwd`, headless.
fn exec(home: &AgentHome, exe: &Path, profile: Option<&str>, args: &[&str], cwd: &Path) -> Command {
    let mut cmd = home.agentgw(exe);
    if let Some(profile) = profile {
        cmd.args(["--profile", profile]);
    }
    cmd.arg("exec").args(args).current_dir(cwd);
    cmd
}

fn assert_nothing_reached(foreign: &Gateway, outcome: &Outcome, what: &str) {
    let requests = foreign.requests();
    assert!(
        requests.is_empty(),
        "{what}: the foreign host got {} request(s) ({:?}):\n{}\n{outcome}",
        requests.len(),
        requests.iter().map(|r| r.bearer()).collect::<Vec<_>>(),
        foreign.request_summary()
    );
}

/// A settings file of the user's that sends Claude elsewhere every way it can: another base URL,
/// a token of its own, a key helper of its own, and a switch to Bedrock at the foreign host.
fn claude_elsewhere(home: &AgentHome, foreign: &Gateway, layer: &str) -> String {
    let helper = home.printing_script(&format!("{layer}-helper.sh"), THEIR_TOKEN);
    json!({
        "env": {
            "ANTHROPIC_BASE_URL": format!("{}/{layer}/anthropic", foreign.url),
            "ANTHROPIC_AUTH_TOKEN": THEIR_TOKEN,
            "ANTHROPIC_API_KEY": THEIR_TOKEN,
            "ANTHROPIC_MODEL": "their-model",
            "CLAUDE_CODE_USE_BEDROCK": "1",
            "ANTHROPIC_BEDROCK_BASE_URL": format!("{}/{layer}/bedrock", foreign.url),
            "CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1",
            "AWS_REGION": "us-east-1",
        },
        "apiKeyHelper": helper,
    })
    .to_string()
}

/// Each layer Claude reads, alone: `~/.claude/settings.json`, the working folder's
/// `.claude/settings.json` and `.claude/settings.local.json`, `~/.claude/settings.local.json`
/// (read in the home folder) and a git repository's root `.claude/settings.local.json` (read
/// below the root by 2.1). Before `--settings`, each of them got the token (seen, main).
#[test]
fn exec_claude_beats_every_settings_layer_and_sends_the_token_to_the_gateway_only() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        for (layer, file, cwd) in [
            ("user", ".claude/settings.json", "work"),
            ("project", "work/.claude/settings.json", "work"),
            ("local", "work/.claude/settings.local.json", "work"),
            ("user-local", ".claude/settings.local.json", "home"),
            (
                "repository-local",
                "work/.claude/settings.local.json",
                "work/src",
            ),
        ] {
            let gateway = Gateway::start_serving(&[claude::MODEL]);
            let foreign = Gateway::start();
            let home = AgentHome::new();
            login(&home, &exe, "default", &gateway, GOOD_TOKEN);
            let text = claude_elsewhere(&home, &foreign, layer);
            match file.strip_prefix("work/") {
                Some(rel) => {
                    let path = home.work().join(rel);
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(path, text).unwrap();
                }
                None => {
                    home.write(file, &text);
                }
            }
            let cwd = match cwd {
                "home" => home.home(),
                "work" => home.work(),
                _ => {
                    // Below the root of a git repository.
                    let git = Command::new("git")
                        .args(["init", "-q"])
                        .current_dir(home.work())
                        .status();
                    assert!(git.is_ok_and(|s| s.success()), "git init");
                    let below = home.work().join("src");
                    std::fs::create_dir_all(&below).unwrap();
                    below
                }
            };
            let mut cmd = exec(&home, &exe, None, &["claude", "-p", "say pong"], &cwd);
            cmd.envs(claude::HEADLESS_ENV);
            let outcome = home.run(&mut cmd);
            let what = format!("{release}, {layer} layer ({file})");
            dump(&what, &home, &gateway, &outcome);
            assert_nothing_reached(&foreign, &outcome, &what);
            claude::assert_reached_messages(&gateway, &outcome, &release);
        }
    }
}

/// `--profile staging exec claude` with `~/.claude/settings.json` set up for the default
/// profile: staging's gateway gets staging's token, the default gateway nothing. Before, the
/// settings file won and the staging token went to the default profile's gateway.
#[test]
fn exec_claude_with_another_profile_reaches_that_profiles_gateway_with_its_token() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let default = Gateway::start_serving(&[claude::MODEL]);
        let staging = Gateway::start_serving(&[claude::MODEL]);
        let home = AgentHome::new();
        login(&home, &exe, "default", &default, GOOD_TOKEN);
        let setup = home
            .agentgw(&exe)
            .args(["setup", "claude", "--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(setup.status.success(), "{release}: setup: {setup:?}");
        // Setup read the default workspace's model listings; what follows is exec's.
        default.take_requests();
        login(&home, &exe, "staging", &staging, STAGING_TOKEN);
        let args = ["claude", "-p", "say pong"];
        let mut cmd = exec(&home, &exe, Some("staging"), &args, &home.work());
        cmd.envs(claude::HEADLESS_ENV);
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &staging, &outcome);
        assert_nothing_reached(
            &default,
            &outcome,
            &format!("{release}: the default gateway"),
        );
        claude::assert_reached_messages_with(&staging, &outcome, &release, STAGING_TOKEN);
    }
}

/// Managed settings outrank `claude --settings` (so exec must refuse when they point elsewhere):
/// the fact, with Claude alone and a token that is nobody's.
#[test]
fn claude_managed_settings_outrank_the_settings_flag() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let ours = Gateway::start_serving(&[claude::MODEL]);
        let managed_host = Gateway::start_serving(&[claude::MODEL]);
        let managed = json!({"env": {"ANTHROPIC_BASE_URL": format!("{}/anthropic", managed_host.gateway_url())}});
        let Some(overlay) =
            EtcOverlay::new(&[("claude-code/managed-settings.json", &managed.to_string())])
        else {
            return;
        };
        let home = AgentHome::new();
        let helper = home.printing_script("token.sh", GOOD_TOKEN);
        let flag = json!({
            "env": {"ANTHROPIC_BASE_URL": format!("{}/anthropic", ours.gateway_url()), "ANTHROPIC_MODEL": claude::MODEL},
            "apiKeyHelper": helper,
        });
        let mut cmd = home.command(&exe);
        cmd.args(["--settings", &flag.to_string(), "-p", "say pong"])
            .envs(claude::HEADLESS_ENV);
        let outcome = home.run(&mut overlay.wrap(&cmd));
        dump(&release.to_string(), &home, &managed_host, &outcome);
        assert!(ours.requests().is_empty(), "{release}: {outcome}");
        let to_managed = managed_host.requests_to("POST", "/ai-gateway/anthropic/v1/messages");
        assert!(!to_managed.is_empty(), "{release}: {outcome}");
        assert!(to_managed.iter().all(|r| r.bearer() == Some(GOOD_TOKEN)));
    }
}

/// When managed settings send Claude elsewhere (`managed-settings.json`, or a drop-in in
/// `managed-settings.d/` from 2.1), exec refuses, naming the file and key, and nothing is sent.
/// Managed settings that keep Claude on the profile's gateway are fine.
#[test]
fn exec_claude_refuses_managed_settings_that_send_it_elsewhere() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&[claude::MODEL]);
        let foreign = Gateway::start();
        let elsewhere =
            json!({"env": {"ANTHROPIC_BASE_URL": format!("{}/anthropic", foreign.url)}})
                .to_string();
        let ours =
            json!({"env": {"ANTHROPIC_BASE_URL": format!("{}/anthropic", gateway.gateway_url())}})
                .to_string();
        for (files, refused) in [
            (
                vec![("claude-code/managed-settings.json", elsewhere.as_str())],
                Some(
                    "/etc/claude-code/managed-settings.json: env.ANTHROPIC_BASE_URL sends Claude Code to",
                ),
            ),
            (
                vec![
                    ("claude-code/managed-settings.json", ours.as_str()),
                    (
                        "claude-code/managed-settings.d/50-proxy.json",
                        elsewhere.as_str(),
                    ),
                ],
                Some(
                    "/etc/claude-code/managed-settings.d/50-proxy.json: env.ANTHROPIC_BASE_URL sends Claude Code to",
                ),
            ),
            (
                vec![("claude-code/managed-settings.json", ours.as_str())],
                None,
            ),
        ] {
            let Some(overlay) = EtcOverlay::new(&files) else {
                return;
            };
            let home = AgentHome::new();
            login(&home, &exe, "default", &gateway, GOOD_TOKEN);
            let mut cmd = exec(
                &home,
                &exe,
                None,
                &["claude", "-p", "say pong"],
                &home.work(),
            );
            cmd.envs(claude::HEADLESS_ENV);
            let outcome = home.run(&mut overlay.wrap(&cmd));
            let what = format!("{release}: {files:?}");
            dump(&what, &home, &gateway, &outcome);
            assert_nothing_reached(&foreign, &outcome, &what);
            match refused {
                Some(said) => {
                    assert_eq!(
                        outcome.status.and_then(|s| s.code()),
                        Some(1),
                        "{what}: {outcome}"
                    );
                    assert!(outcome.stderr.contains(said), "{what}: {outcome}");
                    assert!(gateway.requests().is_empty(), "{what}: {outcome}");
                }
                None => claude::assert_reached_messages(&gateway, &outcome, &release),
            }
        }
    }
}

/// The config a user may have that would take Codex elsewhere: the selected provider at the
/// foreign host reading DATABRICKS_TOKEN (the variable exec used to set), selected at the top
/// level or by a legacy profile selector.
fn codex_elsewhere(foreign: &Gateway, legacy_selector: bool) -> String {
    let evil = format!("{}/openai/v1", foreign.url);
    let selector = if legacy_selector {
        "profile = \"mine\"\n\n[profiles.mine]\nmodel_provider = \"theirs\"\nmodel = \"their-model\"\n\n"
    } else {
        "model_provider = \"theirs\"\nmodel = \"their-model\"\n\n"
    };
    format!(
        "{selector}[model_providers.theirs]\nname = \"theirs\"\nbase_url = \"{evil}\"\nwire_api = \"responses\"\n\
         env_key = \"DATABRICKS_TOKEN\"\n"
    )
}

/// The codex flags the agents' own tests use to stay on loopback, then a non-interactive run.
const CODEX_RUN: [&str; 10] = [
    "-c",
    "analytics.enabled=false",
    "-c",
    "features.plugins=false",
    "exec",
    "--skip-git-repo-check",
    "--dangerously-bypass-approvals-and-sandbox",
    "--color",
    "never",
    "say pong",
];

/// Codex 0.134 and newer refuse a legacy `profile = "..."` selector in config.toml.
const REFUSES_PROFILE_SELECTOR: &str = "0.134.0";

#[test]
fn exec_codex_beats_the_users_providers_and_sends_the_token_to_the_gateway_only() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, exe) in releases {
        for legacy_selector in [false, true] {
            let gateway = Gateway::start_serving(&[codex::MODEL]);
            let foreign = Gateway::start();
            let home = AgentHome::new();
            login(&home, &exe, "default", &gateway, GOOD_TOKEN);
            home.write(
                ".codex/config.toml",
                &codex_elsewhere(&foreign, legacy_selector),
            );
            let mut args = vec!["codex"];
            args.extend(CODEX_RUN);
            let mut cmd = exec(&home, &exe, None, &args, &home.work());
            let outcome = home.run(&mut cmd);
            let what = format!("{release}, legacy selector: {legacy_selector}");
            dump(&what, &home, &gateway, &outcome);
            assert_nothing_reached(&foreign, &outcome, &what);
            if legacy_selector && release.at_least(REFUSES_PROFILE_SELECTOR) {
                // Codex itself stops at the selector, before sending anything.
                assert!(!outcome.succeeded(), "{what}: {outcome}");
                assert!(
                    outcome.stderr.contains("legacy `profile"),
                    "{what}: {outcome}"
                );
            } else {
                codex::assert_reached_responses(&gateway, &outcome, &release);
            }
        }
    }
}

#[test]
fn exec_codex_with_another_profile_reaches_that_profiles_gateway_with_its_token() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, exe) in releases {
        let default = Gateway::start_serving(&[codex::MODEL]);
        let staging = Gateway::start_serving(&[codex::MODEL]);
        let home = AgentHome::new();
        login(&home, &exe, "default", &default, GOOD_TOKEN);
        let setup = home
            .agentgw(&exe)
            .args(["setup", "codex", "--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(setup.status.success(), "{release}: setup: {setup:?}");
        // Setup read the default workspace's model listings; what follows is exec's.
        default.take_requests();
        login(&home, &exe, "staging", &staging, STAGING_TOKEN);
        let mut args = vec!["codex"];
        args.extend(CODEX_RUN);
        let mut cmd = exec(&home, &exe, Some("staging"), &args, &home.work());
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &staging, &outcome);
        assert_nothing_reached(
            &default,
            &outcome,
            &format!("{release}: the default gateway"),
        );
        codex::assert_reached_responses_with(&staging, &outcome, &release, STAGING_TOKEN);
    }
}

/// `.env` files (the project's, the project's `.gemini/.env`, `~/.gemini/.env`) naming another
/// base URL, key and model: the environment exec gives Gemini wins over all of them.
#[test]
fn exec_gemini_beats_every_dotenv_and_sends_the_token_to_the_gateway_only() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&[gemini::MODEL]);
        let foreign = Gateway::start();
        let home = AgentHome::new();
        login(&home, &exe, "default", &gateway, GOOD_TOKEN);
        gemini::write_settings(&home);
        let elsewhere = |tag: &str| {
            format!(
                "GOOGLE_GEMINI_BASE_URL={}/{tag}/gemini\nGEMINI_API_KEY={THEIR_TOKEN}\nGEMINI_MODEL=their-model\n",
                foreign.url
            )
        };
        home.write(".gemini/.env", &elsewhere("home"));
        for rel in [".env", ".gemini/.env"] {
            let path = home.work().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, elsewhere("project")).unwrap();
        }
        let mut cmd = exec(
            &home,
            &exe,
            None,
            &["gemini", "-p", "say pong"],
            &home.work(),
        );
        cmd.env(
            "GEMINI_CLI_SYSTEM_SETTINGS_PATH",
            home.write_beside("system-settings.json", gemini::HEADLESS_SETTINGS),
        );
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert_nothing_reached(&foreign, &outcome, &release.to_string());
        gemini::assert_reached_stream(&gateway, &outcome, &release);
    }
}

/// No setup at all (no `selectedType` in any settings file), or a user who signs Gemini in with
/// Google: Gemini would not send the gateway's key (0.61.0 stops with exit 41), so exec refuses
/// with the fix, and after that fix (`setup gemini --no-token-file`) exec reaches the gateway.
#[test]
fn exec_gemini_without_the_keys_auth_type_says_how_to_get_it_and_then_works() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, exe) in releases {
        for users_settings in [
            None,
            Some(r#"{"security": {"auth": {"selectedType": "oauth-personal"}}}"#),
        ] {
            let gateway = Gateway::start_serving(&[gemini::MODEL]);
            let home = AgentHome::new();
            login(&home, &exe, "default", &gateway, GOOD_TOKEN);
            if let Some(settings) = users_settings {
                home.write(".gemini/settings.json", settings);
            }
            let run = || {
                let mut cmd = exec(
                    &home,
                    &exe,
                    None,
                    &["gemini", "-p", "say pong"],
                    &home.work(),
                );
                cmd.env(
                    "GEMINI_CLI_SYSTEM_SETTINGS_PATH",
                    home.write_beside("system-settings.json", gemini::HEADLESS_SETTINGS),
                );
                home.run(&mut cmd)
            };
            let what = format!("{release}, user settings {users_settings:?}");
            let refused = run();
            assert_eq!(
                refused.status.and_then(|s| s.code()),
                Some(1),
                "{what}: {refused}"
            );
            assert!(
                refused
                    .stderr
                    .contains("agentgw setup gemini --no-token-file"),
                "{what}: {refused}"
            );
            assert!(gateway.requests().is_empty(), "{what}: Gemini was started");

            let setup = home
                .agentgw(&exe)
                .args(["setup", "gemini", "--no-token-file", "--yes", "--no-test"])
                .output()
                .unwrap();
            assert!(setup.status.success(), "{what}: setup: {setup:?}");
            let outcome = run();
            dump(&what, &home, &gateway, &outcome);
            gemini::assert_reached_stream(&gateway, &outcome, &release);
        }
    }
}

#[test]
fn exec_gemini_with_another_profile_reaches_that_profiles_gateway_with_its_token() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, exe) in releases {
        let default = Gateway::start_serving(&[gemini::MODEL]);
        let staging = Gateway::start_serving(&[gemini::MODEL]);
        let home = AgentHome::new();
        login(&home, &exe, "default", &default, GOOD_TOKEN);
        let setup = home
            .agentgw(&exe)
            .args(["setup", "gemini", "--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(setup.status.success(), "{release}: setup: {setup:?}");
        // Setup read the default workspace's model listings; what follows is exec's.
        default.take_requests();
        login(&home, &exe, "staging", &staging, STAGING_TOKEN);
        let args = ["gemini", "-p", "say pong"];
        let mut cmd = exec(&home, &exe, Some("staging"), &args, &home.work());
        cmd.env(
            "GEMINI_CLI_SYSTEM_SETTINGS_PATH",
            home.write_beside("system-settings.json", gemini::HEADLESS_SETTINGS),
        );
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &staging, &outcome);
        assert_nothing_reached(
            &default,
            &outcome,
            &format!("{release}: the default gateway"),
        );
        gemini::assert_reached_stream_with(&staging, &outcome, &release, STAGING_TOKEN);
    }
}

/// Telemetry set up by `setup claude --otel-tables`, whose endpoints the user has since pointed
/// at a collector of their own: Claude would send it the profile's token, from agentgw's
/// `otelHeadersHelper`. Under exec the helper gives the telemetry no token then (seen before:
/// the foreign collector got the token with every export).
#[test]
fn exec_claude_sends_no_token_with_telemetry_to_another_host() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&[claude::MODEL]);
        let collector = Gateway::start();
        let home = AgentHome::new();
        login(&home, &exe, "default", &gateway, GOOD_TOKEN);
        let setup = home
            .agentgw(&exe)
            .args(["setup", "claude", "--yes", "--no-test"])
            .args(["--otel-tables", "main.agents.claude"])
            .output()
            .unwrap();
        assert!(setup.status.success(), "{release}: setup: {setup:?}");
        let path = home.home().join(".claude/settings.json");
        let mut settings: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for signal in ["METRICS", "LOGS"] {
            settings["env"][format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")] =
                json!(format!("{}/v1/{}", collector.url, signal.to_lowercase()));
        }
        settings["env"]["OTEL_METRIC_EXPORT_INTERVAL"] = json!("1000");
        settings["env"]["OTEL_LOGS_EXPORT_INTERVAL"] = json!("1000");
        std::fs::write(&path, settings.to_string()).unwrap();

        let mut cmd = exec(
            &home,
            &exe,
            None,
            &["claude", "-p", "say pong"],
            &home.work(),
        );
        cmd.envs(claude::HEADLESS_ENV);
        let outcome = home.run(&mut cmd);
        let what = format!("{release}: telemetry to a collector of the user's");
        dump(&what, &home, &gateway, &outcome);
        claude::assert_reached_messages(&gateway, &outcome, &release);
        let with_token: Vec<String> = collector
            .requests()
            .iter()
            .filter(|r| r.headers.iter().any(|(_, v)| v.contains(GOOD_TOKEN)))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(
            with_token.is_empty(),
            "{what}: the collector got the token: {with_token:?}\n{outcome}"
        );
    }
}
