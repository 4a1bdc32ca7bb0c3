//! The real agents with an OAuth sign-in whose access tokens live a few seconds: signed in through
//! the browser (the stand-in's OIDC endpoints, a headless `$BROWSER`), set up by agentgw, and run
//! twice across a token's expiry. Each run must reach the gateway, the second with a refreshed
//! token, and no token may sit in any file but agentgw's own store.

use crate::harness::{AgentHome, Outcome};
use crate::support::browser::Browser;
use crate::support::{Gateway, OAuthOptions};
use crate::versions::{self, Release};
use crate::{claude, codex, gemini};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// Long enough for one agent run to start with a fresh token; short enough to wait out.
pub(crate) const LIFETIME_SECS: u64 = 8;

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub(crate) fn agentgw_ok(home: &AgentHome, agent: &Path, args: &[&str], browser: Option<&Browser>) {
    let mut cmd = home.agentgw(agent);
    cmd.args(args).stdin(Stdio::null());
    if let Some(browser) = browser {
        cmd.env("BROWSER", browser.command());
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "agentgw {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A stand-in with short-lived access tokens, and a home signed in to it through the browser.
pub(crate) fn signed_in(agent: &Path) -> (Gateway, AgentHome) {
    let gateway = Gateway::start_oauth(OAuthOptions {
        token_lifetime: Duration::from_secs(LIFETIME_SECS),
        ..OAuthOptions::default()
    });
    let home = AgentHome::new();
    let browser = Browser::start(&home.home());
    let port = free_port().to_string();
    let login = [
        "login",
        "--host",
        &gateway.url,
        "--auth",
        "oauth",
        "--redirect-port",
        &port,
    ];
    agentgw_ok(&home, agent, &login, Some(&browser));
    (gateway, home)
}

/// Until the cached token is inside its safety margin (half its lifetime), so the next helper
/// call refreshes it.
fn wait_for_refresh_time() {
    std::thread::sleep(Duration::from_millis(LIFETIME_SECS * 500 + 800));
}

/// The access tokens `route` saw since the last `take_requests` (one, unless the run outlasted a
/// token's margin and the helper refreshed it), each checked to be one the stand-in issued.
pub(crate) fn tokens_of_the_run(
    gateway: &Gateway,
    route: &str,
    release: &Release,
    outcome: &Outcome,
) -> BTreeSet<String> {
    let tokens: BTreeSet<String> = gateway
        .requests_to("POST", route)
        .iter()
        .filter_map(|r| r.bearer().map(str::to_string))
        .collect();
    assert!(
        !tokens.is_empty(),
        "{release}: no token on {route}: {outcome}\n{}",
        gateway.request_summary()
    );
    let issued = gateway.oauth().issued_access_tokens();
    assert!(
        tokens.iter().all(|t| issued.contains(t)),
        "{release}: {route} got a token the stand-in did not issue"
    );
    tokens
}

/// Runs the agent twice, the second time once the first run's token is inside its margin: both
/// reach `route`, the second with tokens the first never sent (refreshed by `agentgw token`).
pub(crate) fn twice_across_expiry(
    gateway: &Gateway,
    release: &Release,
    route: &str,
    run: impl Fn() -> Outcome,
    check_first: impl Fn(&Outcome),
) {
    gateway.take_requests();
    let mut seen = Vec::new();
    for round in ["first", "second"] {
        if round == "second" {
            wait_for_refresh_time();
            gateway.take_requests();
        }
        let outcome = run();
        assert!(
            outcome.succeeded() && outcome.stdout.contains("pong"),
            "{release}, {round} run: {outcome}"
        );
        seen.push(tokens_of_the_run(gateway, route, release, &outcome));
        if round == "first" {
            check_first(&outcome);
        }
    }
    assert!(
        seen[0].is_disjoint(&seen[1]),
        "{release}: the second run reused a token of the first"
    );
    assert!(gateway.oauth().grants("refresh_token") >= 1, "{release}");
}

/// No file under HOME but agentgw's token store holds any token or secret the stand-in issued.
pub(crate) fn assert_no_token_on_disk(home: &AgentHome, gateway: &Gateway, release: &Release) {
    let mut secrets = gateway.oauth().secrets();
    secrets.extend(gateway.oauth().issued_access_tokens());
    let mut stack = vec![home.home()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.ends_with(".config/agentgw/tokens.toml") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "{release}: {} holds an OAuth secret",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn claude_runs_across_a_token_expiry_with_refreshed_tokens_and_telemetry() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let (gateway, home) = signed_in(&exe);
        agentgw_ok(
            &home,
            &exe,
            &[
                "setup",
                "claude",
                "--yes",
                "--otel-tables",
                "main.agents.claude",
            ],
            None,
        );
        twice_across_expiry(
            &gateway,
            &release,
            "/ai-gateway/anthropic/v1/messages",
            || claude::print_pong(&home, &exe),
            // Telemetry goes out with an OAuth token from otelHeadersHelper (a later one when
            // the run outlasted the first token's margin: the helper refreshed it, as it should).
            |first_run| {
                tokens_of_the_run(&gateway, "/api/2.0/otel/v1/metrics", &release, first_run);
            },
        );
        assert_no_token_on_disk(&home, &gateway, &release);
    }
}

#[test]
fn codex_runs_its_auth_command_across_a_token_expiry() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, exe) in releases {
        let (gateway, home) = signed_in(&exe);
        agentgw_ok(&home, &exe, &["setup", "codex", "--yes"], None);
        twice_across_expiry(
            &gateway,
            &release,
            "/ai-gateway/openai/v1/responses",
            || codex::exec_pong(&home, &exe, None, &[]),
            |_| {},
        );
        assert_no_token_on_disk(&home, &gateway, &release);
    }
}

#[test]
fn gemini_through_exec_outlives_its_first_token_thanks_to_the_relay() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, exe) in releases {
        let (gateway, home) = signed_in(&exe);
        agentgw_ok(
            &home,
            &exe,
            &["setup", "gemini", "--yes", "--no-test", "--no-token-file"],
            None,
        );
        let login_token = gateway.oauth().issued_access_tokens().pop().unwrap();
        gateway.take_requests();
        // A session that works a while before its first request: a `gemini` first on PATH that
        // waits out the whole lifetime of the token exec started with, then runs the real one.
        let scripts = home
            .write_beside("slow.txt", "")
            .parent()
            .unwrap()
            .to_path_buf();
        std::fs::create_dir_all(scripts.join("slow")).unwrap();
        let slow = scripts.join("slow/gemini");
        std::fs::write(
            &slow,
            format!(
                "#!/bin/sh\nsleep {}\nexec '{}' \"$@\"\n",
                LIFETIME_SECS + 1,
                exe.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let mut exec = home.agentgw(&exe);
        let path =
            std::env::join_paths(std::iter::once(slow.parent().unwrap().to_path_buf()).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
            ))
            .unwrap();
        exec.env("PATH", path).env(
            "GEMINI_CLI_SYSTEM_SETTINGS_PATH",
            home.write_beside("system-settings.json", gemini::HEADLESS_SETTINGS),
        );
        exec.args(["exec", "gemini", "-p", "say pong"]);
        let started = std::time::Instant::now();
        let outcome = home.run(&mut exec);
        assert!(
            started.elapsed() > Duration::from_secs(LIFETIME_SECS),
            "{release}"
        );
        assert!(
            outcome.succeeded() && outcome.stdout.contains("pong"),
            "{release}: {outcome}\n{}",
            gateway.request_summary()
        );
        let tokens = tokens_of_the_run(
            &gateway,
            &format!(
                "/ai-gateway/gemini/v1beta/models/{}:streamGenerateContent",
                gemini::MODEL
            ),
            &release,
            &outcome,
        );
        assert!(
            !tokens.contains(&login_token),
            "{release}: the relay forwarded the expired token"
        );
        assert_no_token_on_disk(&home, &gateway, &release);
    }
}
