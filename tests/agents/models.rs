//! Every request of a real agent run names a model the workspace serves. The stand-in is a
//! workspace whose Unity AI Gateway serves only [`WORKSPACE`] (listed as model services, 404
//! RESOURCE_DOES_NOT_EXIST for any other name); `agentgw login` and `agentgw setup all --yes
//! --force` choose from that list, then each agent runs headless and the stand-in's log must
//! hold no 404. What each agent sent, for which model, is printed (`--nocapture`).

use crate::harness::{AgentHome, Outcome};
use crate::support::{GOOD_TOKEN, Gateway, Recorded};
use crate::versions::{self, Release};
use crate::{claude, codex, gemini};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

/// What the workspace serves: no `databricks-…` names, no models the agents default to.
const WORKSPACE: [&str; 5] = [
    "system.ai.claude-opus-4-6",
    "system.ai.claude-sonnet-4-5",
    "system.ai.claude-haiku-4-5",
    "system.ai.gpt-5-2",
    "system.ai.gemini-2-5-flash",
];

fn agentgw(home: &AgentHome, agent: &Path, args: &[&str], stdin: &str) -> String {
    let mut child = home
        .agentgw(agent)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "agentgw {args:?}: {said}");
    said
}

/// `login` (no models named anywhere) and `setup all --yes --force`: every agent's test
/// request must pass against a gateway that serves only the workspace's models.
fn login_and_setup_all(home: &AgentHome, gateway: &Gateway, agent: &Path) {
    agentgw(
        home,
        agent,
        &["login", "--host", &gateway.url, "--token-stdin"],
        GOOD_TOKEN,
    );
    let said = agentgw(home, agent, &["setup", "all", "--yes", "--force"], "");
    let agents = agentgw::agents::clis().count();
    assert_eq!(said.matches("✓ test request").count(), agents, "{said}");
    gateway.take_requests();
}

/// The model a gateway request names: in the path for Gemini, in the body for the others.
fn model_of(request: &Recorded) -> String {
    let gemini = request
        .route()
        .strip_prefix("/ai-gateway/gemini/v1beta/models/")
        .and_then(|rest| rest.split(':').next());
    match gemini {
        Some(model) => model.to_string(),
        None => request
            .json()
            .and_then(|b| b["model"].as_str().map(str::to_string))
            .unwrap_or_else(|| "-".to_string()),
    }
}

/// Prints what the agent sent and asserts the run answered and no request got a 404.
fn assert_no_404(agent: &str, release: &Release, outcome: &Outcome, gateway: &Gateway) {
    let requests = gateway.requests();
    let lines: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {} {} model={}", r.status, r.method, r.path, model_of(r)))
        .collect();
    eprintln!("{agent} {release}:\n  {}", lines.join("\n  "));
    let context = || {
        format!(
            "{release}: {outcome}\n--- requests ---\n{}",
            lines.join("\n")
        )
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    assert!(
        requests.iter().all(|r| r.status != 404),
        "a request of {agent} got 404:\n{}",
        context()
    );
}

#[test]
fn claude_sends_every_request_to_a_served_model() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        login_and_setup_all(&home, &gateway, &exe);
        let outcome = claude::print_pong(&home, &exe);
        assert_no_404("claude", &release, &outcome, &gateway);
        let main = gateway
            .requests_to("POST", "/ai-gateway/anthropic/v1/messages")
            .iter()
            .any(|r| model_of(r) == "system.ai.claude-opus-4-6");
        assert!(main, "{release}: no request for the newest opus");
    }
}

#[test]
fn codex_sends_every_request_to_a_served_model() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        login_and_setup_all(&home, &gateway, &exe);
        let outcome = codex::exec_pong(&home, &exe, None, &[]);
        assert_no_404("codex", &release, &outcome, &gateway);
    }
}

#[test]
fn gemini_sends_every_request_to_a_served_model() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        login_and_setup_all(&home, &gateway, &exe);
        gemini::trust_work_folder(&home);
        let outcome = gemini::prompt_pong(&home, &exe, &[], &[]);
        assert_no_404("gemini", &release, &outcome, &gateway);
    }
}

/// Copilot CLI through `agentgw exec copilot`: the newest Claude opus, and nothing else.
#[test]
fn copilot_sends_every_request_to_a_served_model() {
    let Some(releases) = versions::installed("copilot") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        login_and_setup_all(&home, &gateway, &exe);
        let mut exec = home.agentgw(&exe);
        exec.args(["exec", "copilot", "-p", "say pong", "--allow-all-tools"]);
        let outcome = home.run(&mut exec);
        assert_no_404("copilot", &release, &outcome, &gateway);
        let requests = gateway.requests();
        assert!(
            requests
                .iter()
                .all(|r| model_of(r) == "system.ai.claude-opus-4-6"),
            "{release}: a request for another model"
        );
    }
}

/// OpenCode as setup leaves it: the newest Claude opus, its titles on the newest haiku (its
/// `small_model`; unset, OpenCode asks for a model of its own choosing), nothing else.
#[test]
fn opencode_sends_every_request_to_a_served_model() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        login_and_setup_all(&home, &gateway, &exe);
        let mut run = home.command(&exe);
        run.envs(crate::opencode::offline_env())
            .args(["run", "say pong"]);
        let outcome = home.run(&mut run);
        assert_no_404("opencode", &release, &outcome, &gateway);
        let models: Vec<String> = gateway.requests().iter().map(model_of).collect();
        assert!(
            models
                .iter()
                .all(|m| { m == "system.ai.claude-opus-4-6" || m == "system.ai.claude-haiku-4-5" }),
            "{release}: {models:?}"
        );
        assert!(
            models.iter().any(|m| m == "system.ai.claude-haiku-4-5"),
            "{release}: no title on the small model: {models:?}"
        );
    }
}
