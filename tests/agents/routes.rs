//! Issue 13, the route half: with only the workspace URL (or the dedicated gateway's URL), `login`
//! finds each agent's route, `setup all` writes it, and every real agent answers through it — and
//! no request of any run goes to a route the gateway does not serve (no 404 in the log).

use crate::harness::{AgentHome, Outcome};
use crate::support::{AiGatewayMode, GOOD_TOKEN, Gateway, RouteFamily};
use crate::versions::{self, Release};
use crate::{claude, codex, gemini};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The current release of each agent (the newest is where a route change bites first).
fn current(agent: &str) -> Option<(Release, PathBuf)> {
    versions::installed(agent)?.into_iter().next()
}

/// `agentgw args` in `home`, with every agent's folder on PATH (so `setup all` finds them), the
/// token on stdin; asserted to succeed; returns stdout.
fn agentgw(home: &AgentHome, agents: &[&Path], args: &[&str]) -> String {
    let mut cmd = home.command(Path::new(env!("CARGO_BIN_EXE_agentgw")));
    let mut path: Vec<PathBuf> = agents
        .iter()
        .map(|a| a.parent().unwrap().to_path_buf())
        .collect();
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    cmd.env("PATH", std::env::join_paths(path).unwrap())
        .env("AGENTGW_AUTH_STORAGE", "file")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(GOOD_TOKEN.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "agentgw {args:?}: {stdout}{stderr}");
    assert!(!stdout.contains(GOOD_TOKEN) && !stderr.contains(GOOD_TOKEN));
    stdout
}

fn assert_answered(what: &str, outcome: &Outcome, gateway: &Gateway) {
    assert!(
        outcome.succeeded() && outcome.stdout.contains("pong"),
        "{what}: {outcome}\n--- requests ---\n{}",
        gateway.request_summary()
    );
}

/// Login on `family` (the dedicated one through `--gateway-url`), `setup all --yes`, then each
/// real agent once. `routes`: the path each agent's requests must reach (Claude, Codex, Gemini).
fn every_agent_answers_on(family: RouteFamily, routes: [&str; 3]) {
    let (Some(claude_exe), Some(codex_exe), Some(gemini_exe)) =
        (current("claude"), current("codex"), current("gemini"))
    else {
        return;
    };
    let gateway = Gateway::start_routes(family, AiGatewayMode::Enabled);
    let home = AgentHome::new();
    let agents = [
        claude_exe.1.as_path(),
        codex_exe.1.as_path(),
        gemini_exe.1.as_path(),
    ];
    let dedicated = gateway.dedicated_url();
    let mut login = vec!["login", "--host", &gateway.url, "--token-stdin"];
    if family == RouteFamily::Dedicated {
        login.extend(["--gateway-url", &dedicated]);
    }
    agentgw(&home, &agents, &login);
    // Discovery's own probes may 404 (that is how a missing route is told); from here, nothing may.
    gateway.take_requests();
    let said = agentgw(&home, &agents, &["setup", "all", "--yes"]);
    assert_eq!(said.matches("✓ test request").count(), 3, "{said}");

    let outcome = claude::print_pong(&home, &claude_exe.1);
    assert_answered(&claude_exe.0.to_string(), &outcome, &gateway);
    let outcome = codex::exec_pong(&home, &codex_exe.1, None, &[]);
    assert_answered(&codex_exe.0.to_string(), &outcome, &gateway);
    gemini::trust_work_folder(&home);
    let outcome = gemini::prompt_pong(&home, &gemini_exe.1, &[], &[]);
    assert_answered(&gemini_exe.0.to_string(), &outcome, &gateway);

    let posts: Vec<String> = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.route().to_string())
        .collect();
    for route in routes {
        assert!(
            posts.iter().any(|p| p.starts_with(route)),
            "nothing reached {route}:\n{}",
            gateway.request_summary()
        );
    }
    assert_eq!(
        gateway.not_found(),
        Vec::<String>::new(),
        "{}",
        gateway.request_summary()
    );
}

#[test]
fn every_agent_answers_on_the_workspace_relative_routes() {
    every_agent_answers_on(
        RouteFamily::WorkspaceRelative,
        [
            "/ai-gateway/anthropic/v1/messages",
            "/ai-gateway/codex/v1/responses",
            "/ai-gateway/gemini/v1beta/models/",
        ],
    );
}

#[test]
fn every_agent_answers_on_the_dedicated_gateway_host() {
    every_agent_answers_on(
        RouteFamily::Dedicated,
        [
            "/anthropic/v1/messages",
            "/openai/v1/responses",
            "/gemini/v1beta/models/",
        ],
    );
}
