//! Codex CLI: `$CODEX_HOME/config.toml` (or a profile file) naming a `databricks` model provider with
//! the gateway as its Responses API and a token command; `codex exec` must reach
//! `<gateway>/openai/v1/responses`.

use crate::harness::{AgentHome, Outcome};
use crate::support::{GOOD_TOKEN, Gateway, Recorded};
use crate::versions::{self, Release};
use std::path::Path;

pub(crate) const MODEL: &str = "databricks-gpt-5-2";
const RESPONSES: &str = "/ai-gateway/openai/v1/responses";
const MODELS: &str = "/ai-gateway/openai/v1/models";

/// How the provider gets its token.
enum TokenSource<'a> {
    /// `[model_providers.databricks.auth]` runs this script.
    Command(&'a Path),
    /// `env_key = "DATABRICKS_TOKEN"`: the token is in the process environment.
    EnvKey,
}

/// A TOML basic string (JSON's escapes are valid TOML ones).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// The config setup writes, as a whole file: the keys are the same in config.toml and in a
/// `<profile>.config.toml`.
fn config(gateway: &Gateway, token: TokenSource) -> String {
    let mut text = format!(
        "model_provider = \"databricks\"\n\
         model = {model}\n\
         \n\
         [model_providers.databricks]\n\
         name = \"Databricks AI Gateway\"\n\
         base_url = {base_url}\n\
         wire_api = \"responses\"\n\
         http_headers = {{ \"x-databricks-use-coding-agent-mode\" = \"true\" }}\n",
        model = quoted(MODEL),
        base_url = quoted(&format!("{}/openai/v1", gateway.gateway_url())),
    );
    match token {
        TokenSource::Command(script) => text.push_str(&format!(
            "\n[model_providers.databricks.auth]\ncommand = {}\nargs = []\n",
            quoted(&script.display().to_string())
        )),
        TokenSource::EnvKey => text.push_str("env_key = \"DATABRICKS_TOKEN\"\n"),
    }
    text
}

/// `codex [--profile P] exec ...`: non-interactive, approvals and sandbox off (nothing here runs a
/// command, and a sandbox may not start in a container), outside a git repo.
pub(crate) fn exec_pong(
    home: &AgentHome,
    codex: &Path,
    profile: Option<&str>,
    env: &[(&str, &str)],
) -> Outcome {
    let mut cmd = home.command(codex);
    if let Some(profile) = profile {
        cmd.args(["--profile", profile]);
    }
    // Keeps the run on loopback: without these 0.171.0 looks up ab.chatgpt.com (analytics) and
    // github.com, api.github.com, chatgpt.com (plugins). Not needed for the run to work.
    cmd.args([
        "-c",
        "analytics.enabled=false",
        "-c",
        "features.plugins=false",
    ]);
    cmd.args([
        "exec",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "--color",
        "never",
        "say pong",
    ]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    home.run(&mut cmd)
}

pub(crate) fn assert_reached_responses(gateway: &Gateway, outcome: &Outcome, release: &Release) {
    assert_reached_responses_with(gateway, outcome, release, GOOD_TOKEN);
}

/// Like `assert_reached_responses`, with `token` as the one token sent.
pub(crate) fn assert_reached_responses_with(
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
    let responses: Vec<Recorded> = gateway.requests_to("POST", RESPONSES);
    assert!(
        !responses.is_empty(),
        "no request to {RESPONSES}: {}",
        context()
    );
    for request in responses.iter().chain(&gateway.requests_to("GET", MODELS)) {
        assert_eq!(request.bearer(), Some(token), "{}", context());
        assert_eq!(
            request.header("x-databricks-use-coding-agent-mode"),
            Some("true"),
            "{}",
            context()
        );
    }
    assert!(
        responses
            .iter()
            .all(|r| r.json().is_some_and(|b| b["model"] == MODEL)),
        "a request not for {MODEL}: {}",
        context()
    );
}

#[test]
fn codex_exec_reaches_the_gateway_with_the_auth_command_token() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, codex) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        let token = home.printing_script("token.sh", GOOD_TOKEN);
        home.write(
            ".codex/config.toml",
            &config(&gateway, TokenSource::Command(&token)),
        );
        let outcome = exec_pong(&home, &codex, None, &[]);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_responses(&gateway, &outcome, &release);
    }
}

#[test]
fn codex_exec_reaches_the_gateway_with_the_env_key_token() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, codex) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        home.write(".codex/config.toml", &config(&gateway, TokenSource::EnvKey));
        let outcome = exec_pong(&home, &codex, None, &[("DATABRICKS_TOKEN", GOOD_TOKEN)]);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_responses(&gateway, &outcome, &release);
    }
}

/// `$CODEX_HOME/<name>.config.toml` chosen with `--profile <name>` works from 0.134.0. 0.133.0 stops
/// with "config profile `work` not found"; 0.120.0 ignores the flag and runs the default OpenAI provider.
const PROFILE_FILES: &str = "0.134.0";

#[test]
fn codex_profile_file_reaches_the_gateway() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, codex) in releases {
        if !release.at_least(PROFILE_FILES) {
            eprintln!("{release}: no <name>.config.toml profiles before {PROFILE_FILES}");
            continue;
        }
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        let token = home.printing_script("token.sh", GOOD_TOKEN);
        // In a CODEX_HOME of its own, so this test also proves the variable is honoured.
        let profile = home.write(
            "codex-home/work.config.toml",
            &config(&gateway, TokenSource::Command(&token)),
        );
        let codex_home = profile.parent().unwrap().display().to_string();
        let outcome = exec_pong(&home, &codex, Some("work"), &[("CODEX_HOME", &codex_home)]);
        crate::harness::dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_responses(&gateway, &outcome, &release);
    }
}
