//! `agentgw test`: one request per agent through the gateway, each failure named with its fix.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::{GOOD_TOKEN, Gateway, Scripted};
use std::time::{Duration, Instant};

fn logged_in(gateway_url: &str) -> TestHome {
    TestHome::logged_in_to(gateway_url)
}

fn test(home: &TestHome, args: &[&str]) -> std::process::Output {
    // A folder of the test's own: Claude's project settings are read from the working folder.
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let out = home
        .cmd()
        .env("AGENTGW_HTTP_TIMEOUT", "3")
        .current_dir(&work)
        .arg("test")
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

fn scripted(status: u16, body: serde_json::Value, headers: Vec<(&'static str, String)>) -> Gateway {
    Gateway::start_scripted(Scripted {
        status,
        body: body.to_string(),
        headers,
        ..Scripted::default()
    })
}

#[test]
fn all_agents_answer_in_parallel_with_their_wire_formats() {
    let gateway = Gateway::start_scripted(Scripted {
        status: 200,
        // One body every wire format can read its text from.
        body: serde_json::json!({
            "content": [{"type": "text", "text": "pong"}],
            "output": [{"content": [{"type": "output_text", "text": "pong"}]}],
            "candidates": [{"content": {"parts": [{"text": "pong"}]}}],
            "choices": [{"message": {"role": "assistant", "content": "pong"}}],
        })
        .to_string(),
        // Nothing is answered before four of the five requests are in: sent one after another,
        // the first would time out (AGENTGW_HTTP_TIMEOUT=3) waiting for the others. (Not all
        // five: the stand-in's HTTP server serves only four new connections at once for sure.)
        hold_until: 4,
        ..Scripted::default()
    });
    let home = logged_in(&gateway.url);
    let out = test(&home, &["all"]);
    assert!(
        out.status.success(),
        "not parallel? {}{}",
        stdout(&out),
        stderr(&out)
    );
    let said = stdout(&out);
    for line in [
        "✓ Claude Code: databricks-claude-opus-4-6 answered in ",
        "✓ Codex CLI: databricks-gpt-5-2 answered in ",
        "✓ Gemini CLI: databricks-gemini-2-5-flash answered in ",
        "✓ Pi: databricks-claude-opus-4-6 answered in ",
        "✓ Copilot CLI: databricks-claude-opus-4-6 answered in ",
        "✓ OpenCode: databricks-claude-opus-4-6 answered in ",
        "✓ Cursor: databricks-claude-opus-4-6 answered in ",
    ] {
        assert!(said.contains(line), "{said}");
    }
    let mut paths: Vec<String> = gateway.requests().iter().map(|r| r.path.clone()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/ai-gateway/anthropic/v1/messages",
            // Pi's and OpenCode's, with their default Claude model.
            "/ai-gateway/anthropic/v1/messages",
            "/ai-gateway/anthropic/v1/messages",
            "/ai-gateway/cursor/v1/chat/completions",
            "/ai-gateway/gemini/v1beta/models/databricks-gemini-2-5-flash:generateContent",
            "/ai-gateway/mlflow/v1/chat/completions",
            "/ai-gateway/openai/v1/responses",
        ]
    );
}

#[test]
fn the_agents_own_config_is_what_gets_tested() {
    let gateway = Gateway::start();
    let home = logged_in(&gateway.url);
    let settings = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    let base = format!("{}/anthropic", gateway.gateway_url());
    std::fs::write(
        &settings,
        format!(
            r#"{{"env": {{"ANTHROPIC_BASE_URL": "{base}", "ANTHROPIC_MODEL": "my-endpoint"}}}}"#
        ),
    )
    .unwrap();
    let out = test(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("✓ Claude Code: my-endpoint answered in "),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("from ~/.claude/settings.json"),
        "{}",
        stderr(&out)
    );
}

/// Each failure: exit 1, the cause on the ✗ line and the fix on a `fix:` line.
fn assert_failure(gateway: Gateway, message: &str, fix: &str) {
    let home = logged_in(&gateway.url);
    let out = test(&home, &["codex"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let said = stdout(&out);
    assert!(said.starts_with("✗ Codex CLI: "), "{said}");
    assert!(said.contains(message), "want {message:?} in:\n{said}");
    let fix_line = said
        .lines()
        .find(|l| l.starts_with("  fix: "))
        .unwrap_or_default();
    assert!(fix_line.contains(fix), "want fix {fix:?} in:\n{said}");
    assert_eq!(
        stderr(&out).matches("error:").count(),
        0,
        "no extra error line: {}",
        stderr(&out)
    );
}

#[test]
fn a_rejected_token_names_the_login_command() {
    let gateway = scripted(
        401,
        serde_json::json!({"error_code": "UNAUTHENTICATED", "message": "Invalid Token"}),
        vec![],
    );
    assert_failure(
        gateway,
        "the workspace rejected the token (HTTP 401: Invalid Token)",
        "The token is wrong, expired or revoked. Create a new one in the workspace (Settings > Developer > Access tokens) and run: agentgw login --profile default",
    );
}

#[test]
fn a_400_invalid_token_is_a_token_problem_too() {
    let gateway = scripted(
        400,
        serde_json::json!({"message": "Invalid access token."}),
        vec![],
    );
    assert_failure(
        gateway,
        "rejected the token (HTTP 400: Invalid access token.)",
        "agentgw login --profile default",
    );
}

#[test]
fn a_missing_permission_is_told_apart() {
    let gateway = scripted(
        403,
        serde_json::json!({"error_code": "PERMISSION_DENIED", "message": "User does not have permission to query endpoint"}),
        vec![],
    );
    assert_failure(
        gateway,
        "the token is valid but lacks permission",
        "Ask a workspace admin for access",
    );
}

#[test]
fn a_missing_endpoint_names_those_that_exist() {
    let gateway = Gateway::start_serving(&["databricks-claude-sonnet-4-5", "databricks-gpt-5-1"]);
    assert_failure(
        gateway,
        "(HTTP 404: The endpoint 'databricks-gpt-5-2' does not exist.)",
        "no endpoint named databricks-gpt-5-2; the workspace has: databricks-claude-sonnet-4-5, databricks-gpt-5-1. Pick one: agentgw setup codex --model NAME",
    );
}

#[test]
fn rate_limits_show_the_message_and_retry_after() {
    let gateway = scripted(
        429,
        serde_json::json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded 10 requests per minute"}),
        vec![("Retry-After", "37".into())],
    );
    assert_failure(gateway, "rate limited by 127.0.0.1", "Wait and try again.");
    let gateway = scripted(
        429,
        serde_json::json!({"message": "Exceeded 10 requests per minute"}),
        vec![("Retry-After", "37".into())],
    );
    let home = logged_in(&gateway.url);
    let said = stdout(&test(&home, &["codex"]));
    assert!(
        said.contains("(HTTP 429: Exceeded 10 requests per minute); retry after 37 s"),
        "{said}"
    );
}

#[test]
fn a_gateway_error_shows_its_request_id() {
    let gateway = scripted(
        503,
        serde_json::json!({"message": "upstream unavailable"}),
        vec![("x-request-id", "req-4711".into())],
    );
    assert_failure(
        gateway,
        "(HTTP 503: upstream unavailable); request id req-4711",
        "give the request id to your workspace admin",
    );
}

#[test]
fn a_gateway_that_never_answers_is_bounded_by_the_timeout() {
    let home = logged_in(&crate::support::silent_server());
    let started = Instant::now();
    let out = test(&home, &["all"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out).matches("did not answer within 3 s").count(),
        agentgw::agents::ALL.len(),
        "{}",
        stdout(&out)
    );
}

#[test]
fn json_output_has_one_object_per_agent() {
    let gateway = scripted(401, serde_json::json!({"message": "Invalid Token"}), vec![]);
    let home = logged_in(&gateway.url);
    let out = test(&home, &["all", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), agentgw::agents::ALL.len());
    assert_eq!(list.last().unwrap()["agent"], "cursor");
    assert_eq!(list[0]["agent"], "claude");
    assert_eq!(list[0]["ok"], false);
    assert_eq!(list[0]["status"], 401);
    assert_eq!(list[0]["error_kind"], "invalid_token");
    assert_eq!(list[0]["model"], "databricks-claude-opus-4-6");
    assert!(
        list[0]["fix"]
            .as_str()
            .unwrap()
            .ends_with("agentgw login --profile default")
    );
    assert!(list[0]["latency_ms"].is_u64());
    assert_eq!(stderr(&out).matches("error:").count(), 0);
}

#[test]
fn network_failures_get_their_own_hints() {
    let home = logged_in(&crate::support::closed_port_url());
    let said = stdout(&test(&home, &["claude"]));
    assert!(
        said.contains("✗ Claude Code: cannot connect to 127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("  fix: Check the URL, your VPN and firewall. If your network needs a proxy, set HTTPS_PROXY"), "{said}");

    let https = crate::support::plain_http_answering_server().replace("http://", "https://");
    let home = logged_in(&https);
    let said = stdout(&test(&home, &["claude"]));
    assert!(
        said.contains("✗ Claude Code: the TLS connection to 127.0.0.1:"),
        "{said}"
    );
    assert!(said.contains("SSL_CERT_FILE"), "{said}");
}

#[test]
fn cursor_is_tested_with_the_profiles_model_on_chat_completions() {
    let gateway = Gateway::start_serving(&["my-cursor-model"]);
    let home = logged_in(&gateway.url);
    let config = home.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\n[profiles.default.models]\ncursor = \"my-cursor-model\"\n"),
    )
    .unwrap();
    let out = test(&home, &["cursor"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).starts_with("✓ Cursor: my-cursor-model answered in "),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        gateway.requests()[0].path,
        "/ai-gateway/cursor/v1/chat/completions"
    );
}

/// Writes `text` to `rel` under HOME, making its folders.
fn put(home: &TestHome, rel: &str, text: &str) {
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
}

/// `test claude` probes what Claude Code really uses in the working folder: the project file's
/// model over the user file's, and each from where it comes.
#[test]
fn test_claude_probes_the_model_and_url_of_the_layer_that_wins_here() {
    let gateway = Gateway::start();
    let home = logged_in(&gateway.url);
    let base = format!("{}/anthropic", gateway.gateway_url());
    put(
        &home,
        ".claude/settings.json",
        &format!(
            r#"{{"env": {{"ANTHROPIC_BASE_URL": "{base}", "ANTHROPIC_MODEL": "user-endpoint"}}}}"#
        ),
    );
    put(
        &home,
        "work/.claude/settings.local.json",
        r#"{"env": {"ANTHROPIC_MODEL": "local-endpoint"}}"#,
    );
    let out = test(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("✓ Claude Code: local-endpoint answered in "),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(&format!(
            "(local-endpoint via {base}, from base URL from ~/.claude/settings.json, model from ~/work/.claude/settings.local.json)"
        )),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&test(&home, &["claude", "--json"]).stdout).unwrap();
    assert_eq!(json[0]["model"], "local-endpoint");
    assert_eq!(json[0]["url"], base);
}

#[test]
fn test_claude_does_not_send_the_token_where_a_project_layer_points() {
    let gateway = Gateway::start();
    let elsewhere = Gateway::start();
    let home = logged_in(&gateway.url);
    let base = format!("{}/anthropic", gateway.gateway_url());
    put(
        &home,
        ".claude/settings.json",
        &format!(r#"{{"env": {{"ANTHROPIC_BASE_URL": "{base}", "ANTHROPIC_MODEL": "m"}}}}"#),
    );
    let foreign = format!("{}/anthropic", elsewhere.url);
    put(
        &home,
        "work/.claude/settings.json",
        &format!(r#"{{"env": {{"ANTHROPIC_BASE_URL": "{foreign}"}}}}"#),
    );
    let out = test(&home, &["claude"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("so agentgw did not send your token there"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(
            "base URL from ~/work/.claude/settings.json, model from ~/.claude/settings.json"
        ),
        "{}",
        stderr(&out)
    );
    assert!(elsewhere.requests().is_empty(), "the token went elsewhere");
    assert!(
        gateway
            .requests()
            .iter()
            .all(|r| !r.path.contains("anthropic"))
    );
}

#[test]
fn test_claude_does_not_send_the_token_where_managed_settings_point() {
    let gateway = Gateway::start();
    let elsewhere = Gateway::start();
    let home = logged_in(&gateway.url);
    let managed = format!(
        r#"{{"env": {{"ANTHROPIC_BASE_URL": "{}/anthropic", "ANTHROPIC_MODEL": "m"}}}}"#,
        elsewhere.url
    );
    let Some(overlay) = crate::support::etc_overlay::EtcOverlay::new(&[(
        "claude-code/managed-settings.json",
        &managed,
    )]) else {
        return;
    };
    let mut cmd = home.process();
    cmd.env("AGENTGW_AUTH_STORAGE", "file")
        .env("AGENTGW_HTTP_TIMEOUT", "3")
        .current_dir(home.path())
        .args(["test", "claude"]);
    let out = overlay.wrap(&cmd).output().unwrap();
    home.check_output(&["test".to_string()], &out);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("so agentgw did not send your token there"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("from /etc/claude-code/managed-settings.json)"),
        "{}",
        stderr(&out)
    );
    assert!(elsewhere.requests().is_empty(), "the token went elsewhere");
}

/// One agent's config that cannot be used does not keep the others from being tested: `test all`
/// reports that agent as failed, with the file and the fix, and tests the rest.
#[test]
fn test_all_goes_on_past_an_agents_config_that_cannot_be_read() {
    let gateway = Gateway::start();
    let home = logged_in(&gateway.url);
    // Claude Code ignores a settings.json with comments (all of it).
    put(
        &home,
        ".claude/settings.json",
        "{\n  // mine\n  \"model\": \"opus\"\n}\n",
    );
    put(&home, ".codex/config.toml", "model = [\n");
    let out = test(&home, &["all", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let list: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let list = list.as_array().unwrap_or_else(|| panic!("{list}"));
    let agents: Vec<&str> = list.iter().map(|r| r["agent"].as_str().unwrap()).collect();
    assert_eq!(
        agents,
        [
            "claude", "codex", "gemini", "pi", "copilot", "opencode", "cursor"
        ]
    );
    for (report, file) in [
        (&list[0], ".claude/settings.json"),
        (&list[1], ".codex/config.toml"),
    ] {
        assert_eq!(report["ok"], false, "{report}");
        assert_eq!(report["error_kind"], "config_file", "{report}");
        assert_eq!(report["status"], serde_json::Value::Null, "{report}");
        assert!(
            report["message"].as_str().unwrap().contains(file),
            "{report}"
        );
        assert!(
            report["fix"].as_str().is_some_and(|f| !f.is_empty()),
            "{report}"
        );
    }
    for report in &list[2..] {
        assert_eq!(report["ok"], true, "{report}");
    }
    // Gemini's, Pi's, Copilot CLI's, OpenCode's and Cursor's.
    assert_eq!(gateway.requests().len(), 5, "{}", gateway.request_summary());
    // The same on a terminal: each agent's line, the broken ones with their fix.
    let out = test(&home, &["all"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.starts_with("✗ Claude Code: ~/.claude/settings.json: "),
        "{said}"
    );
    let codex = home.path().join(".codex/config.toml");
    assert!(
        said.contains(&format!("\n✗ Codex CLI: {}:1:", codex.display())),
        "{said}"
    );
    assert!(said.contains("\n✓ Gemini CLI: "), "{said}");
    assert!(said.contains("\n✓ Cursor: "), "{said}");
}
