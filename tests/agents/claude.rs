//! Claude Code: `~/.claude/settings.json` with the gateway in its `env` block and the token from an
//! `apiKeyHelper` script; `claude -p` must reach `<gateway>/anthropic/v1/messages`.

use crate::harness::{AgentHome, Outcome, dump};
use crate::support::{GOOD_TOKEN, Gateway, Recorded};
use crate::versions::{self, Release};
use serde_json::{Value, json};
use std::path::Path;

pub(crate) const MODEL: &str = "databricks-claude-opus-4-6";
const MESSAGES: &str = "/ai-gateway/anthropic/v1/messages";
const OTEL_METRICS: &str = "/api/2.0/otel/v1/metrics";
const OTEL_LOGS: &str = "/api/2.0/otel/v1/logs";
const METRICS_TABLE: &str = "main.agents.claude_otel_metrics";
const LOGS_TABLE: &str = "main.agents.claude_otel_logs";

/// Keeps a headless run on loopback: without CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, 2.1.332 looks
/// up api.anthropic.com even with a custom base URL. Neither is needed for `-p` to work, and neither
/// is an onboarding flag, a trust answer or a `~/.claude.json`.
pub(crate) const HEADLESS_ENV: [(&str, &str); 2] = [
    ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
    ("DISABLE_AUTOUPDATER", "1"),
];

/// Writes the settings setup writes: the gateway `env` block plus `extra_env`, `apiKeyHelper`, plus
/// the top-level keys in `extra`.
fn write_settings(home: &AgentHome, gateway: &Gateway, extra_env: Value, extra: Value) {
    let key_helper = home.printing_script("token.sh", GOOD_TOKEN);
    let mut settings = json!({
        "env": {
            "ANTHROPIC_BASE_URL": format!("{}/anthropic", gateway.gateway_url()),
            "ANTHROPIC_MODEL": MODEL,
            "ANTHROPIC_CUSTOM_HEADERS": "x-databricks-use-coding-agent-mode: true",
            "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "900000",
            "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS": "1",
        },
        "apiKeyHelper": key_helper,
    });
    for (key, value) in extra_env.as_object().unwrap() {
        settings["env"][key] = value.clone();
    }
    for (key, value) in extra.as_object().unwrap() {
        settings[key] = value.clone();
    }
    let text = serde_json::to_string_pretty(&settings).unwrap();
    home.write(".claude/settings.json", &text);
}

pub(crate) fn print_pong(home: &AgentHome, claude: &Path) -> Outcome {
    let mut cmd = home.command(claude);
    cmd.args(["-p", "say pong"]).envs(HEADLESS_ENV);
    home.run(&mut cmd)
}

pub(crate) fn assert_reached_messages(gateway: &Gateway, outcome: &Outcome, release: &Release) {
    assert_reached_messages_with(gateway, outcome, release, GOOD_TOKEN);
}

/// Like `assert_reached_messages`, with `token` as the one token sent.
pub(crate) fn assert_reached_messages_with(
    gateway: &Gateway,
    outcome: &Outcome,
    release: &Release,
    token: &str,
) {
    let context = || {
        let requests = gateway.request_summary();
        format!("{release}: {outcome}\n--- requests ---\n{requests}")
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    let messages: Vec<Recorded> = gateway.requests_to("POST", MESSAGES);
    assert!(!messages.is_empty(), "no {MESSAGES}: {}", context());
    for request in &messages {
        // The helper's output goes out as both headers.
        assert_eq!(request.bearer(), Some(token), "{}", context());
        assert_eq!(request.header("x-api-key"), Some(token), "{}", context());
        let mode = request.header("x-databricks-use-coding-agent-mode");
        assert_eq!(mode, Some("true"), "{}", context());
        // CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS keeps betas a gateway may reject out of the header:
        // without it 2.1.332 adds context-management, advanced-tool-use and thinking-token-count.
        let betas = request.header("anthropic-beta").unwrap_or_default();
        for experimental in ["context-management", "advanced-tool-use"] {
            assert!(!betas.contains(experimental), "{}", context());
        }
    }
    let for_model = |r: &Recorded| r.json().is_some_and(|body| body["model"] == MODEL);
    assert!(
        messages.iter().any(for_model),
        "no request for {MODEL}: {}",
        context()
    );
    // 2.0.x also sends background requests (subagent "Warmup"s and others, depending on timing)
    // for its built-in default models (claude-haiku-4-5-..., claude-sonnet-4-5-...). The gateway
    // does not serve those: they get 404 and the run goes on. Any other model would be a bug.
    for request in messages.iter().filter(|r| !for_model(r)) {
        let body = request.json().unwrap_or_default();
        let model = body["model"].as_str().unwrap_or_default();
        assert!(
            release.version.starts_with("2.0.") && model.starts_with("claude-"),
            "a request for {model}: {}",
            context()
        );
    }
}

#[test]
fn claude_print_reaches_the_gateway_with_the_helper_token() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, claude) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home, &gateway, json!({}), json!({}));
        let outcome = print_pong(&home, &claude);
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_messages(&gateway, &outcome, &release);
    }
}

/// The telemetry settings setup adds for `--otel-tables`, all in the settings `env` block; the token
/// comes from `otelHeadersHelper` and merges with each signal's table header.
#[test]
fn claude_telemetry_reaches_the_workspace_with_table_and_helper_token() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, claude) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        let bearer = json!({"Authorization": format!("Bearer {GOOD_TOKEN}")});
        let headers_helper = home.printing_script("otel-headers.sh", &bearer.to_string());
        let url = &gateway.url;
        let telemetry_env = json!({
            "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_LOGS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": format!("{url}{OTEL_METRICS}"),
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": format!("{url}{OTEL_LOGS}"),
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS": format!("X-Databricks-UC-Table-Name={METRICS_TABLE}"),
            "OTEL_EXPORTER_OTLP_LOGS_HEADERS": format!("X-Databricks-UC-Table-Name={LOGS_TABLE}"),
            // Short intervals; the exporters also flush when `-p` exits.
            "OTEL_METRIC_EXPORT_INTERVAL": "1000",
            "OTEL_LOGS_EXPORT_INTERVAL": "1000",
        });
        let helper = json!({"otelHeadersHelper": headers_helper});
        write_settings(&home, &gateway, telemetry_env, helper);
        let outcome = print_pong(&home, &claude);
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached_messages(&gateway, &outcome, &release);
        for (route, table) in [(OTEL_METRICS, METRICS_TABLE), (OTEL_LOGS, LOGS_TABLE)] {
            let exports = gateway.requests_to("POST", route);
            let context = format!("{release}: {route}\n{}", gateway.request_summary());
            assert!(!exports.is_empty(), "no export: {context}");
            for export in &exports {
                assert_eq!(export.bearer(), Some(GOOD_TOKEN), "{context}");
                let table_header = export.header("X-Databricks-UC-Table-Name");
                assert_eq!(table_header, Some(table), "{context}");
                let content_type = export.header("Content-Type");
                assert_eq!(content_type, Some("application/x-protobuf"), "{context}");
            }
        }
    }
}

/// What agentgw's doctor, status and test read as Claude's layers (src/agents/claude/layers.rs),
/// started in a folder below the root of a git repository: the root's `.claude/settings.json` and
/// `~/.claude/settings.local.json` are not read (the user file's gateway is used), but the root's
/// `.claude/settings.local.json` is, from 2.1 (seen with 2.1.332, not with 2.0.30).
#[test]
fn claude_reads_the_repository_roots_local_settings_but_not_its_project_settings() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, claude) in releases {
        let gateway = Gateway::start_serving(&[MODEL]);
        let elsewhere = Gateway::start_serving(&[MODEL]);
        let repository_local = Gateway::start_serving(&[MODEL]);
        let home = AgentHome::new();
        write_settings(&home, &gateway, json!({}), json!({}));
        let pointing_at = |gateway: &Gateway| {
            json!({"env": {"ANTHROPIC_BASE_URL": format!("{}/anthropic", gateway.gateway_url())}})
                .to_string()
        };
        home.write(".claude/settings.local.json", &pointing_at(&elsewhere));
        let put = |rel: &str, text: &str| {
            let path = home.work().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        put(".claude/settings.json", &pointing_at(&elsewhere));
        put("src/.claude/settings.local.json", &pointing_at(&elsewhere));
        let below = home.work().join("src/deep");
        std::fs::create_dir_all(&below).unwrap();
        let git = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(home.work())
            .status();
        assert!(git.is_ok_and(|s| s.success()), "git init");
        let run = || {
            let mut cmd = home.command(&claude);
            cmd.args(["-p", "say pong"])
                .envs(HEADLESS_ENV)
                .current_dir(&below);
            home.run(&mut cmd)
        };
        let outcome = run();
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert!(
            elsewhere.requests().is_empty(),
            "{release}: read a file it should not: {outcome}\n{}",
            elsewhere.request_summary()
        );
        assert_reached_messages(&gateway, &outcome, &release);

        gateway.take_requests();
        put(
            ".claude/settings.local.json",
            &pointing_at(&repository_local),
        );
        let outcome = run();
        dump(&release.to_string(), &home, &repository_local, &outcome);
        assert!(elsewhere.requests().is_empty(), "{release}: {outcome}");
        if release.at_least("2.1.332") {
            assert!(gateway.requests().is_empty(), "{release}: {outcome}");
            assert_reached_messages(&repository_local, &outcome, &release);
        } else {
            assert!(
                repository_local.requests().is_empty(),
                "{release}: {outcome}"
            );
            assert_reached_messages(&gateway, &outcome, &release);
        }
    }
}
