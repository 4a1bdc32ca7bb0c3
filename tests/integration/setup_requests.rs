//! `agentgw setup`'s test requests: sent together once the files are written, each result under
//! its agent's name, exit 1 when one failed.

use crate::common::{TestHome, stderr, stdout};
use crate::support::{Gateway, Scripted};

fn setup_all(home: &TestHome) -> std::process::Output {
    home.cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("AGENTGW_HTTP_TIMEOUT", "3")
        .args(["setup", "all", "--force", "--yes"])
        .output()
        .unwrap()
}

/// Answers every wire format; holds each answer until `hold_until` requests have arrived.
fn gateway(status: u16, hold_until: usize) -> Gateway {
    Gateway::start_scripted(Scripted {
        status,
        body: serde_json::json!({
            "content": [{"type": "text", "text": "pong"}],
            "output": [{"content": [{"type": "output_text", "text": "pong"}]}],
            "candidates": [{"content": {"parts": [{"text": "pong"}]}}],
            "choices": [{"message": {"role": "assistant", "content": "pong"}}],
            "error_code": "RESOURCE_DOES_NOT_EXIST",
            "message": "no such endpoint",
        })
        .to_string(),
        hold_until,
        ..Scripted::default()
    })
}

#[test]
fn setup_sends_the_test_requests_together() {
    // Nothing is answered before all four requests are in: sent one after another, the first
    // would time out (AGENTGW_HTTP_TIMEOUT=3) waiting for the others.
    let gateway = gateway(200, 4);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup_all(&home);
    assert!(
        out.status.success(),
        "not in parallel? {}{}",
        stdout(&out),
        stderr(&out)
    );
    let said = stdout(&out);
    let results = said
        .find("Claude Code:\n  ✓")
        .map(|at| &said[at..])
        .unwrap_or_else(|| panic!("no results under the agents' names:\n{said}"));
    assert!(
        results
            .starts_with("Claude Code:\n  ✓ test request: databricks-claude-opus-4-6 answered in "),
        "{said}"
    );
    for expected in [
        "\nCodex CLI:\n  ✓ test request: databricks-gpt-5-2 answered in ",
        "\nGemini CLI:\n  ✓ test request: databricks-gemini-2-5-flash answered in ",
        "\nCopilot CLI:\n  ✓ test request: databricks-claude-opus-4-6 answered in ",
    ] {
        assert!(results.contains(expected), "{expected:?} missing:\n{said}");
    }
    // The files were all written before the first request went out.
    let configured = said.rfind(": configured for ").unwrap();
    assert!(configured < said.find("✓ test request").unwrap(), "{said}");
}

#[test]
fn every_failed_test_request_is_named_and_setup_exits_1() {
    let gateway = gateway(404, 0);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = setup_all(&home);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for name in [
        "Claude Code",
        "Codex CLI",
        "Gemini CLI",
        "Pi",
        "Copilot CLI",
        "OpenCode",
    ] {
        assert!(
            err.contains(&format!("{name}: test request failed: ")),
            "{name}:\n{err}"
        );
    }
    assert!(
        err.contains(
            "setup did not succeed for Claude Code (test request), Codex CLI (test request), Gemini CLI (test request), Pi (test request), Copilot CLI (test request), OpenCode (test request); see above."
        ),
        "{err}"
    );
    // The files stay written.
    for file in [
        ".claude/settings.json",
        ".codex/config.toml",
        ".gemini/.env",
    ] {
        assert!(home.path().join(file).exists(), "{file}");
    }
}

#[test]
fn choices_are_remembered_when_only_the_test_request_failed() {
    // The files are written without the token; only the gateway's answer failed. The choice
    // must hold for the next `setup all` (on every login), or the token lands in .env again.
    let gateway = gateway(404, 0);
    let home = TestHome::logged_in_to(&gateway.url);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "gemini", "--yes", "--no-token-file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Gemini CLI: test request failed: "),
        "{}",
        stderr(&out)
    );
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "all", "--force", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env = std::fs::read_to_string(home.path().join(".gemini/.env")).unwrap();
    assert!(
        !env.contains(crate::support::GOOD_TOKEN),
        "the token was written again:\n{env}"
    );
    // The same for the telemetry tables: written into Claude's settings, so remembered.
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args([
            "setup",
            "claude",
            "--yes",
            "--otel-tables",
            "main.agents.claude",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = home.cmd().args(["otel", "sql"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("`main`.`agents`.`claude_otel_metrics`"),
        "{}",
        stdout(&out)
    );
}
