//! The whole product path with the real agents: `agentgw login` against the stand-in, `agentgw
//! setup <agent> --yes` over a realistic existing config, the agent headless, then `agentgw remove`
//! and the config is byte for byte what it was. No token may sit in Claude's or Codex's files.

use crate::harness::{AgentHome, Outcome};
use crate::support::{GOOD_TOKEN, Gateway, otlp};
use crate::versions::{self, Release};
use crate::{claude, codex, gemini};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The endpoints the stand-in serves: the models setup picks by default.
const MODELS: [&str; 3] = [
    "databricks-claude-opus-4-6",
    "databricks-gpt-5-2",
    "databricks-gemini-2-5-flash",
];

/// Strict JSON: Claude Code 2.1.332 refuses a settings.json with comments ("Invalid or malformed
/// JSON") and then runs without any of it.
const CLAUDE_SETTINGS: &str = r#"{
  "permissions": { "allow": ["Bash(npm test)"] },
  "hooks": {
    "Stop": [{ "hooks": [{ "type": "command", "command": "true" }] }]
  },
  "env": { "DISABLE_TELEMETRY": "0" }
}
"#;

const CODEX_CONFIG: &str = r#"# mine
approval_policy = "never"

[model_providers.local]
name = "Local"
base_url = "http://127.0.0.1:9/v1"

[mcp_servers.docs]
command = "true"
"#;

const GEMINI_SETTINGS: &str = "{\n  // my theme\n  \"ui\": { \"theme\": \"GitHub\" }\n}\n";

fn run(cmd: &mut Command, stdin: &str) -> std::process::Output {
    let mut child = cmd
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
    child.wait_with_output().unwrap()
}

fn agentgw(home: &AgentHome, agent: &Path, args: &[&str]) -> std::process::Output {
    let out = run(home.agentgw(agent).args(args), "");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "agentgw {args:?}: {said}");
    assert!(
        !said.contains(GOOD_TOKEN),
        "agentgw {args:?} printed the token: {said}"
    );
    out
}

fn login_and_setup(home: &AgentHome, gateway: &Gateway, agent: &Path, setup: &[&str]) {
    let out = run(
        home.agentgw(agent)
            .args(["login", "--host", &gateway.url, "--token-stdin"]),
        GOOD_TOKEN,
    );
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = agentgw(home, agent, &[&["setup"], setup, &["--yes"]].concat());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("✓ test request"),
        "setup's test request: {said}"
    );
    // Setup's own requests (login's check, the test request) are not the agent's.
    let setup_requests = gateway.take_requests();
    let probe = setup_requests.last().unwrap();
    assert_eq!(probe.method, "POST");
    assert_eq!(probe.bearer(), Some(GOOD_TOKEN));
}

/// Every file under HOME that holds the token, except the two places it is meant to be: agentgw's
/// plaintext store (these tests use it) and Gemini's `.env`.
fn files_holding_the_token(home: &AgentHome) -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(&path, found),
                Ok(t) if t.is_file() => found.push(path),
                _ => {}
            }
        }
    }
    let mut files = Vec::new();
    walk(&home.home(), &mut files);
    files
        .into_iter()
        .filter(|f| !f.ends_with(".config/agentgw/tokens.toml") && !f.ends_with(".gemini/.env"))
        .filter(|f| {
            std::fs::read(f).is_ok_and(|b| {
                b.windows(GOOD_TOKEN.len())
                    .any(|w| w == GOOD_TOKEN.as_bytes())
            })
        })
        .map(|f| f.display().to_string())
        .collect()
}

/// OTLP AggregationTemporality DELTA.
const DELTA: u64 = 1;

#[derive(Debug)]
struct ExportedMetric {
    name: String,
    /// The Sum's aggregation_temporality; `None` for other kinds of metric.
    temporality: Option<u64>,
    /// Attribute keys of its data points.
    attributes: Vec<String>,
}

/// The metrics of an ExportMetricsServiceRequest (opentelemetry/proto/metrics/v1/metrics.proto):
/// resource_metrics (1) > scope_metrics (2) > metrics (2) > Metric { name (1), sum (7) {
/// data_points (1) { attributes (7) }, aggregation_temporality (2) } }.
fn exported_metrics(body: &[u8]) -> Vec<ExportedMetric> {
    let request = otlp::fields(body).expect("an OTLP protobuf export");
    let mut out = Vec::new();
    for resource in otlp::all(&request, 1) {
        for scope in otlp::all(&resource.message(), 2) {
            for metric in otlp::all(&scope.message(), 2) {
                let metric = metric.message();
                let sum = otlp::all(&metric, 7).first().map(|s| s.message());
                let temporality = sum.as_ref().and_then(|s| match otlp::all(s, 2).first() {
                    Some(otlp::Value::Varint(v)) => Some(*v),
                    _ => None,
                });
                let attributes = sum
                    .iter()
                    .flat_map(|s| {
                        otlp::all(s, 1)
                            .into_iter()
                            .map(|p| p.message())
                            .collect::<Vec<_>>()
                    })
                    .flat_map(|point| {
                        otlp::all(&point, 7)
                            .into_iter()
                            .map(|kv| otlp::all(&kv.message(), 1)[0].text())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                out.push(ExportedMetric {
                    name: otlp::all(&metric, 1)[0].text(),
                    temporality,
                    attributes,
                });
            }
        }
    }
    out
}

fn read(home: &AgentHome, rel: &str) -> String {
    std::fs::read_to_string(home.home().join(rel)).unwrap()
}

fn context(release: &Release, outcome: &Outcome, gateway: &Gateway) -> String {
    format!(
        "{release}: {outcome}\n--- requests ---\n{}",
        gateway.request_summary()
    )
}

#[test]
fn claude_set_up_by_agentgw_reaches_the_gateway_and_telemetry_and_is_removed_exactly() {
    let Some(releases) = versions::installed("claude") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&MODELS);
        let home = AgentHome::new();
        home.write(".claude/settings.json", CLAUDE_SETTINGS);
        login_and_setup(
            &home,
            &gateway,
            &exe,
            &["claude", "--otel-tables", "main.agents.claude"],
        );
        assert!(!read(&home, ".claude/settings.json").contains(GOOD_TOKEN));

        let outcome = claude::print_pong(&home, &exe);
        claude::assert_reached_messages(&gateway, &outcome, &release);
        assert_eq!(
            files_holding_the_token(&home),
            Vec::<String>::new(),
            "{release}"
        );
        for (route, table) in [
            (
                "/api/2.0/otel/v1/metrics",
                "main.agents.claude_otel_metrics",
            ),
            ("/api/2.0/otel/v1/logs", "main.agents.claude_otel_logs"),
        ] {
            let exports = gateway.requests_to("POST", route);
            assert!(
                !exports.is_empty(),
                "no export to {route}: {}",
                context(&release, &outcome, &gateway)
            );
            for export in exports {
                assert_eq!(export.header("X-Databricks-UC-Table-Name"), Some(table));
                assert_eq!(export.bearer(), Some(GOOD_TOKEN));
            }
        }
        // What `agentgw usage` sums: both counters, as delta sums carrying the model.
        let metrics: Vec<ExportedMetric> = gateway
            .requests_to("POST", "/api/2.0/otel/v1/metrics")
            .iter()
            .flat_map(|r| exported_metrics(&r.bytes))
            .collect();
        for name in ["claude_code.token.usage", "claude_code.cost.usage"] {
            let found: Vec<_> = metrics.iter().filter(|m| m.name == name).collect();
            assert!(
                !found.is_empty(),
                "{release}: no {name} in {:?}",
                metrics.iter().map(|m| &m.name).collect::<Vec<_>>()
            );
            for metric in found {
                assert_eq!(metric.temporality, Some(DELTA), "{release}: {metric:?}");
                assert!(
                    metric.attributes.iter().any(|k| k == "model"),
                    "{release}: {metric:?}"
                );
            }
        }

        agentgw(&home, &exe, &["remove", "claude", "--yes"]);
        assert_eq!(
            read(&home, ".claude/settings.json"),
            CLAUDE_SETTINGS,
            "{release}"
        );
    }
}

#[test]
fn codex_set_up_by_agentgw_reaches_the_gateway_and_is_removed_exactly() {
    let Some(releases) = versions::installed("codex") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&MODELS);
        let home = AgentHome::new();
        home.write(".codex/config.toml", CODEX_CONFIG);
        login_and_setup(&home, &gateway, &exe, &["codex"]);
        assert!(!read(&home, ".codex/config.toml").contains(GOOD_TOKEN));

        let outcome = codex::exec_pong(&home, &exe, None, &[]);
        codex::assert_reached_responses(&gateway, &outcome, &release);
        assert_eq!(
            files_holding_the_token(&home),
            Vec::<String>::new(),
            "{release}"
        );

        agentgw(&home, &exe, &["remove", "codex", "--yes"]);
        assert_eq!(read(&home, ".codex/config.toml"), CODEX_CONFIG, "{release}");
    }
}

#[test]
fn gemini_set_up_by_agentgw_reaches_the_gateway_trusted_or_through_exec() {
    let Some(releases) = versions::installed("gemini") else {
        return;
    };
    for (release, exe) in releases {
        let gateway = Gateway::start_serving(&MODELS);
        let home = AgentHome::new();
        home.write(".gemini/settings.json", GEMINI_SETTINGS);
        login_and_setup(&home, &gateway, &exe, &["gemini"]);

        // A folder Gemini trusts reads ~/.gemini/.env.
        gemini::trust_work_folder(&home);
        let outcome = gemini::prompt_pong(&home, &exe, &[], &[]);
        gemini::assert_reached_stream(&gateway, &outcome, &release);
        std::fs::remove_file(home.home().join(".gemini/trustedFolders.json")).unwrap();

        // Anywhere else, `agentgw exec gemini` brings the settings along.
        gateway.take_requests();
        let mut exec = home.agentgw(&exe);
        exec.env(
            "GEMINI_CLI_SYSTEM_SETTINGS_PATH",
            home.write_beside("system-settings.json", gemini::HEADLESS_SETTINGS),
        );
        exec.args(["exec", "gemini", "-p", "say pong"]);
        let outcome = home.run(&mut exec);
        gemini::assert_reached_stream(&gateway, &outcome, &release);

        agentgw(&home, &exe, &["remove", "gemini", "--yes"]);
        assert_eq!(
            read(&home, ".gemini/settings.json"),
            GEMINI_SETTINGS,
            "{release}"
        );
        assert!(
            !home.home().join(".gemini/.env").exists(),
            "{release}: the .env agentgw created is left"
        );
    }
}

/// `agentgw apply POLICY --yes` (the dotfiles one-liner) sets Claude Code and Codex up together;
/// both then reach the gateway, `--check` finds the settings in force, and `remove all` gives the
/// files back byte for byte. Current releases together, then the oldest supported ones.
#[test]
fn claude_and_codex_set_up_by_apply_reach_the_gateway() {
    let (Some(claudes), Some(codexes)) =
        (versions::installed("claude"), versions::installed("codex"))
    else {
        return;
    };
    for ((claude_release, claude_exe), (codex_release, codex_exe)) in
        claudes.into_iter().zip(codexes)
    {
        let gateway = Gateway::start_serving(&MODELS);
        let home = AgentHome::new();
        home.write(".claude/settings.json", CLAUDE_SETTINGS);
        home.write(".codex/config.toml", CODEX_CONFIG);
        let policy = home.write(
            "agentgw.toml",
            &format!(
                "[workspace]\nhost = \"{}\"\n\n[agents.claude]\nmodel = \"{}\"\n\n[agents.codex]\nmodel = \"{}\"\n",
                gateway.url, MODELS[0], MODELS[1]
            ),
        );
        let policy = policy.to_str().unwrap();
        // Both agents on PATH, as on a laptop.
        let both = |args: &[&str]| {
            let mut cmd = home.agentgw(&claude_exe);
            let mut path = vec![codex_exe.parent().unwrap().to_path_buf()];
            path.extend(std::env::split_paths(
                cmd.get_envs()
                    .find(|(k, _)| *k == "PATH")
                    .and_then(|(_, v)| v)
                    .unwrap_or_default(),
            ));
            cmd.env("PATH", std::env::join_paths(path).unwrap())
                .args(args);
            cmd
        };
        let login = run(
            home.agentgw(&claude_exe)
                .args(["login", "--host", &gateway.url, "--token-stdin"]),
            GOOD_TOKEN,
        );
        assert!(
            login.status.success(),
            "{}",
            String::from_utf8_lossy(&login.stderr)
        );
        let releases = format!("{claude_release} + {codex_release}");
        let applied = run(&mut both(&["apply", policy, "--yes"]), "");
        let said = String::from_utf8_lossy(&applied.stdout).to_string()
            + &String::from_utf8_lossy(&applied.stderr);
        assert!(applied.status.success(), "{releases}: {said}");
        assert!(!said.contains(GOOD_TOKEN), "{said}");
        gateway.take_requests();

        let outcome = claude::print_pong(&home, &claude_exe);
        claude::assert_reached_messages(&gateway, &outcome, &claude_release);
        gateway.take_requests();
        let outcome = codex::exec_pong(&home, &codex_exe, None, &[]);
        codex::assert_reached_responses(&gateway, &outcome, &codex_release);
        assert_eq!(
            files_holding_the_token(&home),
            Vec::<String>::new(),
            "{releases}"
        );

        let check = run(&mut both(&["apply", policy, "--check"]), "");
        assert!(
            check.status.success(),
            "{releases}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let removed = run(&mut both(&["remove", "all", "--yes"]), "");
        assert!(removed.status.success(), "{releases}");
        assert_eq!(
            read(&home, ".claude/settings.json"),
            CLAUDE_SETTINGS,
            "{releases}"
        );
        assert_eq!(
            read(&home, ".codex/config.toml"),
            CODEX_CONFIG,
            "{releases}"
        );
    }
}
