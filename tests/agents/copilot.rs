//! GitHub Copilot CLI, which agentgw writes no file for: `agentgw setup copilot` remembers the
//! model, and `agentgw exec copilot -p … --allow-all-tools` runs the real CLI headless with the
//! gateway's provider variables. Each run must reach `<gateway>/mlflow/v1/chat/completions` with
//! the profile's token and a served model only, whatever the user's shell and Copilot's own
//! settings say; with OAuth, a run longer than a token's life must go on with fresh tokens.

use crate::harness::{AgentHome, Outcome, dump};
use crate::oauth::{self, LIFETIME_SECS};
use crate::support::{GOOD_TOKEN, Gateway, VIEW_AFTER};
use crate::versions::{self, Release};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const ROUTE: &str = "/ai-gateway/mlflow/v1/chat/completions";
/// What the stand-in serves: Copilot gets the Claude model (the nearest to opus), never the
/// Gemini one (which rejects Copilot's `stream_options` on the real gateway).
const SERVED: [&str; 3] = [
    "databricks-claude-sonnet-4-6",
    "databricks-gpt-5-2",
    "databricks-gemini-2-5-flash",
];
const CHOSEN: &str = "databricks-claude-sonnet-4-6";
/// A key of the user's own: it must go nowhere.
const THEIR_TOKEN: &str = "dapi-their-own-copilot-key-000000000";

fn agentgw(home: &AgentHome, exe: &Path, args: &[&str]) -> std::process::Output {
    let out = home
        .agentgw(exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "agentgw {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn login_with_pat(home: &AgentHome, exe: &Path, gateway: &Gateway) {
    let mut child = home
        .agentgw(exe)
        .args(["login", "--host", &gateway.url, "--token-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(GOOD_TOKEN.as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `agentgw exec copilot -p <prompt> --allow-all-tools`, headless, in the work folder.
fn exec_copilot(home: &AgentHome, exe: &Path, prompt: &str) -> Command {
    let mut cmd = home.agentgw(exe);
    cmd.args(["exec", "copilot", "-p", prompt, "--allow-all-tools"]);
    cmd
}

/// The user's shell and Copilot's own settings, sending it elsewhere every way they can: another
/// provider (type, base URL, model, wire model), keys of their own (bearer, API key, and one in a
/// custom Authorization header), and a model in `~/.copilot/settings.json`.
fn send_it_elsewhere(home: &AgentHome, cmd: &mut Command, foreign: &Gateway) {
    home.write(".copilot/settings.json", r#"{"model": "their-model"}"#);
    cmd.env("COPILOT_PROVIDER_TYPE", "anthropic")
        .env(
            "COPILOT_PROVIDER_BASE_URL",
            format!("{}/theirs/v1", foreign.url),
        )
        .env("COPILOT_PROVIDER_BEARER_TOKEN", THEIR_TOKEN)
        .env("COPILOT_PROVIDER_API_KEY", THEIR_TOKEN)
        .env(
            "COPILOT_PROVIDER_HEADERS",
            format!("Authorization: Bearer {THEIR_TOKEN}"),
        )
        .env("COPILOT_PROVIDER_WIRE_MODEL", "their-wire-model")
        .env("COPILOT_MODEL", "their-model");
}

/// The User-Agent the gateway records for `release` run by `agentgw exec copilot`, which sets
/// `COPILOT_PROVIDER_HEADERS` to `User-Agent: copilot/<version> (agentgw)` so that `agentgw usage`
/// can tell Copilot's requests from others (on its own Copilot sends the OpenAI SDK's
/// `OpenAI/JS 5.20.1`). 1.0.11 ignores that variable and sends its bundled SDK's string, which
/// names no agent: its traffic counts as "other". Asserted as it is, so a release that starts
/// honouring the variable is noticed.
fn expected_user_agent(release: &Release) -> String {
    match release.version.as_str() {
        "1.0.11" => "uqt/JS 5.20.1".to_string(),
        version => format!("copilot/{version} (agentgw)"),
    }
}

fn assert_reached_gateway(gateway: &Gateway, outcome: &Outcome, release: &Release, model: &str) {
    let context = || {
        format!(
            "{release}: {outcome}\n--- requests ---\n{}",
            gateway.request_summary()
        )
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    let requests = gateway.requests();
    assert!(!requests.is_empty(), "{}", context());
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.route()),
            ("POST", ROUTE),
            "{}",
            context()
        );
        assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{}", context());
        assert_eq!(
            request.header("User-Agent"),
            Some(expected_user_agent(release).as_str()),
            "{}",
            context()
        );
        // The stand-in serves only SERVED: any other model would have been a 404.
        assert_eq!(request.status, 200, "{}", context());
        assert_eq!(
            request.json().unwrap()["model"].as_str(),
            Some(model),
            "{}",
            context()
        );
    }
}

/// With a personal access token: setup chooses the served Claude model, and exec's run reaches
/// the gateway with the profile's token although the shell and `~/.copilot/settings.json` name
/// another provider, model and keys; the foreign host gets nothing.
#[test]
fn exec_copilot_beats_the_shells_provider_and_sends_the_token_to_the_gateway_only() {
    let Some(releases) = versions::installed("copilot") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&SERVED);
        let foreign = Gateway::start();
        let home = AgentHome::new();
        login_with_pat(&home, &exe, &gateway);
        let setup = agentgw(&home, &exe, &["setup", "copilot", "--yes"]);
        let said = String::from_utf8_lossy(&setup.stdout);
        assert!(
            said.contains(&format!(
                "Copilot CLI: set up for {}",
                gateway.gateway_url()
            )),
            "{said}"
        );
        assert!(said.contains(CHOSEN), "{said}");
        gateway.take_requests();
        let mut cmd = exec_copilot(&home, &exe, "say pong");
        send_it_elsewhere(&home, &mut cmd, &foreign);
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_gateway(&gateway, &outcome, &release, CHOSEN);
        assert!(
            foreign.requests().is_empty(),
            "{release}: the foreign host got:\n{}",
            foreign.request_summary()
        );
        let outside = home.outside_connects();
        assert!(outside.is_empty(), "{release}: off loopback: {outside:?}");
    }
}

/// With OAuth tokens that live 8 s, one Copilot run whose second request comes 9 s after the
/// first (the stand-in answers the first with a call of Copilot's `view` tool, that late): the
/// second request carries a fresh token. Copilot 1.0.102 runs `agentgw token` before each
/// request; 1.0.11 reads one key when it starts and is served through exec's loopback relay.
/// No file under HOME holds a token but agentgw's own store.
#[test]
fn copilot_through_exec_gets_a_fresh_token_when_one_expires_during_the_run() {
    let Some(releases) = versions::installed("copilot") else {
        return;
    };
    for (release, exe) in releases {
        let (gateway, home) = oauth::signed_in(&exe);
        oauth::agentgw_ok(
            &home,
            &exe,
            &["setup", "copilot", "--yes", "--no-test"],
            None,
        );
        let notes = home.work().join("notes.txt");
        std::fs::write(&notes, "nothing to see\n").unwrap();
        gateway.take_requests();
        let prompt = format!(
            "{VIEW_AFTER}{} after {} s",
            notes.display(),
            LIFETIME_SECS + 1
        );
        let outcome = home.run(&mut exec_copilot(&home, &exe, &prompt));
        dump(&release.to_string(), &home, &gateway, &outcome);
        let context = format!("{release}: {outcome}\n{}", gateway.request_summary());
        assert!(
            outcome.succeeded() && outcome.stdout.contains("pong"),
            "{context}"
        );
        let requests = gateway.requests_to("POST", ROUTE);
        assert!(requests.len() >= 2, "{context}");
        // Every token is one the stand-in issued, and the last request's is not the first's.
        oauth::tokens_of_the_run(&gateway, ROUTE, &release, &outcome);
        let first = requests.first().and_then(|r| r.bearer()).unwrap();
        let last = requests.last().and_then(|r| r.bearer()).unwrap();
        assert_ne!(first, last, "{context}");
        assert!(
            requests.iter().all(|r| r.status == 200),
            "{release}: a request was refused:\n{context}"
        );
        // Through the relay (1.0.11) or with the key command (1.0.102), the same User-Agent.
        for request in &requests {
            assert_eq!(
                request.header("User-Agent"),
                Some(expected_user_agent(&release).as_str()),
                "{context}"
            );
        }
        oauth::assert_no_token_on_disk(&home, &gateway, &release);
    }
}
