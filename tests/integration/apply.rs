//! `agentgw apply POLICY`: a team's policy file sets agents up through setup's own code, and
//! `--check` reports drift. Against the loopback stand-in workspace, with fake agent programs.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::support::Gateway;
use std::path::{Path, PathBuf};

const CLAUDE_MODEL: &str = "databricks-claude-opus-4-6";
const CODEX_MODEL: &str = "databricks-gpt-5-2";

/// A HOME logged in to `gateway`, with Claude Code and Codex on PATH (Gemini CLI is not).
fn home(gateway: &Gateway) -> TestHome {
    let home = TestHome::logged_in_to(&gateway.url);
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    fake_program(&home, "claude", "echo '2.1.332 (Claude Code)'");
    fake_program(&home, "codex", "echo 'codex-cli 0.130.0'");
    home
}

fn fake_program(home: &TestHome, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = home.path().join("bin").join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Claude and Codex with their models, Codex at least 0.134.0, and Gemini (not installed).
fn full_policy(gateway: &Gateway) -> String {
    format!(
        r#"# the data team's agents
[workspace]
host = "{}"
auth = "pat"

[agents.claude]
model = "{CLAUDE_MODEL}"
otel_tables = "main.agents.cc"
otel_resource_attributes = {{ team = "data-eng" }}

[agents.codex]
model = "{CODEX_MODEL}"

[agents.gemini]
"#,
        gateway.url
    )
}

fn policy_file(home: &TestHome, text: &str) -> PathBuf {
    let path = home.path().join("agentgw.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn apply(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", path_var(home))
        .arg("apply")
        .args(args)
        .output()
        .unwrap()
}

fn path_var(home: &TestHome) -> String {
    format!("{}:/usr/bin:/bin", home.path().join("bin").display())
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let modified = entry.metadata().unwrap().modified().unwrap();
                files.push((path.clone(), std::fs::read(&path).unwrap(), modified));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_full_policy_sets_up_each_installed_agent_and_a_second_run_changes_nothing() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(&home, &full_policy(&gateway));
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let gw = format!("{}/ai-gateway", gateway.url);
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "Claude Code: configured for {gw} with model {CLAUDE_MODEL} (~/.claude/settings.json)\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Codex CLI: configured for {gw} with model {CODEX_MODEL} (~/.codex/config.toml)\n"
        )),
        "{text}"
    );
    assert_stderr_contains(&out, "Gemini CLI: skipped, `gemini` is not on PATH");
    let settings = std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap();
    assert!(settings.contains(&format!("\"ANTHROPIC_MODEL\": \"{CLAUDE_MODEL}\"")));
    assert!(settings.contains("main.agents.cc"), "{settings}");
    assert!(
        settings.contains("\"OTEL_RESOURCE_ATTRIBUTES\": \"team=data-eng\""),
        "{settings}"
    );
    assert!(!home.path().join(".gemini").exists());

    let before = snapshot(home.path());
    let again = apply(&home, &[arg(&policy), "--yes"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let text = stdout(&again);
    assert!(
        text.contains("Claude Code: already set up (~/.claude/settings.json)\n"),
        "{text}"
    );
    assert!(
        text.contains("Codex CLI: already set up (~/.codex/config.toml)\n"),
        "{text}"
    );
    assert_eq!(
        snapshot(home.path()),
        before,
        "the second run touched a file"
    );
}

#[test]
fn a_minimal_policy_needs_only_the_workspace() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(&home, &format!("[workspace]\nhost = \"{}\"\n", gateway.url));
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "the policy lists no agent; nothing to set up\n"
    );
    let check = apply(&home, &[arg(&policy), "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

/// `text` as a policy is refused with exit 2 and `expected` (after `FILE:`) on stderr.
fn refused(text: &str, expected: &str) {
    let home = TestHome::new();
    let policy = policy_file(&home, text);
    let out = apply(&home, &[arg(&policy), "--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains(&out, &format!("error: {}:{expected}", policy.display()));
    assert_eq!(stdout(&out), "");
}

#[test]
fn an_unknown_key_is_refused_with_its_line_and_the_known_keys() {
    refused(
        "[workspace]\nhost = \"https://ws.example.com\"\n\n[agents.claude]\nmodle = \"x\"\n",
        "5:1: unknown key `modle` in [agents.claude]; known: model, min_version, otel_tables, otel_resource_attributes\n",
    );
    refused(
        "[workspace]\nhost = \"https://ws.example.com\"\ntoken_store = \"keyring\"\n",
        "3:1: unknown key `token_store` in [workspace]; known: host, gateway_url, auth, token_storage\n",
    );
}

#[test]
fn an_unknown_agent_is_refused_with_the_known_ones() {
    refused(
        "[workspace]\nhost = \"https://ws.example.com\"\n[agents.clode]\nmodel = \"m\"\n",
        "3:9: unknown agent `clode`; known: claude, codex, gemini, pi, copilot, opencode\n",
    );
}

#[test]
fn bad_values_are_refused_where_they_are() {
    let ws = "[workspace]\nhost = \"https://ws.example.com\"\n";
    refused(
        "[workspace]\nhost = \"http://ws.example.com\"\n",
        "2:8: host http://ws.example.com is not HTTPS",
    );
    refused(
        &format!("{ws}[agents.codex]\nmin_version = \"0.134\"\n"),
        "4:15: min_version \"0.134\" is not X.Y.Z (e.g. 0.134.0)\n",
    );
    refused(
        &format!("{ws}[agents.claude]\nmodel = \"two words\"\n"),
        "4:9: model \"two words\" contains ' '",
    );
    refused(
        &format!("{ws}[agents.claude]\notel_tables = \"main.agents\"\n"),
        "4:15: otel_tables \"main.agents\" is not CATALOG.SCHEMA.PREFIX",
    );
    refused(
        &format!("{ws}auth = \"password\"\n"),
        "3:8: auth \"password\" is not one of pat, oauth, m2m\n",
    );
    refused(
        &format!("{ws}[agents.codex]\nmodel = 5\n"),
        "4:9: `model` must be a string\n",
    );
}

#[test]
fn a_plain_http_url_is_refused_naming_https() {
    let home = TestHome::new();
    let out = apply(
        &home,
        &["http://policies.example.com/agentgw.toml", "--check"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(
        &out,
        "error: http://policies.example.com/agentgw.toml:1:1: a policy URL must be https:// (the policy decides where your token goes)\n",
    );
}

/// A loopback server answering every request with `status` and `body`.
fn policy_server(status: &'static str, body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/team/agentgw.toml",
        listener.local_addr().unwrap()
    );
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn a_policy_is_fetched_from_a_url_and_a_failed_fetch_is_exit_1() {
    let gateway = Gateway::start();
    let (home, _) = applied(&gateway);
    let url = policy_server("200 OK", full_policy(&gateway));
    let out = apply(&home, &[&url, "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("in force: every setting of {url} is in place\n")
    );

    let missing = policy_server("404 Not Found", String::new());
    let out = apply(&home, &[&missing, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        &format!("cannot fetch the policy {missing}: HTTP 404\n"),
    );

    let closed = format!(
        "https://{}/agentgw.toml",
        &crate::support::closed_port_url()[7..]
    );
    let out = apply(&home, &[&closed, "--check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["kind"], "connect", "{error}");
    assert_eq!(
        error["error"]["fix"],
        "check the URL and your network; behind a proxy, set HTTPS_PROXY"
    );
    let bad = policy_server("200 OK", "[workspace]\nhots = 1\n".to_string());
    let out = apply(&home, &[&bad, "--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, &format!("error: {bad}:2:1: unknown key `hots`"));
}

#[test]
fn the_policy_can_come_from_stdin_and_errors_name_it_dash() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["apply", "-", "--yes"])
        .write_stdin(format!(
            "[workspace]\nhost = \"{}\"\n[agents.codex]\nmodel = \"{CODEX_MODEL}\"\n",
            gateway.url
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Codex CLI: configured for"),
        "{}",
        stdout(&out)
    );
    let bad = home
        .cmd()
        .args(["apply", "-", "--check"])
        .write_stdin("[workspace]\nhots = 1\n")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_stderr_contains(&bad, "error: -:2:1: unknown key `hots` in [workspace]");
}

#[test]
fn dry_run_prints_the_diff_and_touches_nothing() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(&home, &full_policy(&gateway));
    let before = snapshot(home.path());
    let out = apply(&home, &[arg(&policy), "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("+    \"ANTHROPIC_MODEL\": \"{CLAUDE_MODEL}\"")),
        "{text}"
    );
    assert!(
        text.contains(&format!("+model = \"{CODEX_MODEL}\"")),
        "{text}"
    );
    assert_eq!(snapshot(home.path()), before);
    // Models are listed, as setup does; no test request goes out.
    let sent: Vec<String> = gateway
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.route()))
        .collect();
    assert!(sent.iter().all(|r| r.starts_with("GET ")), "{sent:?}");
}

#[test]
fn without_a_terminal_apply_needs_yes() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(&home, &full_policy(&gateway));
    let out = apply(&home, &[arg(&policy)]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr_contains(&out, "pass --yes (or --dry-run to see the diff)");
    assert!(!home.path().join(".claude").exists());
}

#[test]
fn not_logged_in_names_the_login_to_run() {
    let home = TestHome::new();
    let policy = policy_file(
        &home,
        "[workspace]\nhost = \"https://ws.example.com\"\nauth = \"oauth\"\n[agents.claude]\n",
    );
    let out = apply(&home, &[arg(&policy), "--yes", "--profile", "team"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "no profile 'team' yet; agentgw changed nothing; run: agentgw login --host https://ws.example.com --auth oauth --profile team",
    );
    // Logged in elsewhere: the same command.
    home.login_unverified("default", crate::support::GOOD_TOKEN);
    let other = policy_file(&home, "[workspace]\nhost = \"https://other.example.com\"\n");
    let out = apply(&home, &[arg(&other), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "profile 'default' is for https://ws.example.com, the policy's workspace is https://other.example.com; agentgw changed nothing; run: agentgw login --host https://other.example.com --auth pat",
    );
}

#[test]
fn strict_fails_on_an_agent_not_installed() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(&home, &full_policy(&gateway));
    let out = apply(&home, &[arg(&policy), "--yes", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        "Gemini CLI: skipped, `gemini` is not on PATH (--strict)",
    );
    assert_stderr_contains(&out, "apply did not succeed for Gemini CLI");
}

/// A HOME where the full policy was applied.
fn applied(gateway: &Gateway) -> (TestHome, PathBuf) {
    let home = home(gateway);
    let policy = policy_file(&home, &full_policy(gateway));
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (home, policy)
}

#[test]
fn check_is_clean_after_apply_then_names_a_hand_edited_model() {
    let gateway = Gateway::start();
    let (home, policy) = applied(&gateway);
    let before = snapshot(home.path());
    let clean = apply(&home, &[arg(&policy), "--check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert_eq!(
        stdout(&clean),
        format!(
            "in force: every setting of {} is in place\n",
            policy.display()
        )
    );
    assert_stderr_contains(&clean, "gemini: skipped, not installed");
    assert_eq!(snapshot(home.path()), before, "--check wrote something");

    let config = home.path().join(".codex/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(CODEX_MODEL, "databricks-gpt-oss-120b"),
    )
    .unwrap();
    let drift = apply(&home, &[arg(&policy), "--check"]);
    assert_eq!(drift.status.code(), Some(1));
    assert_eq!(
        stdout(&drift),
        format!(
            "codex: model: wanted {CODEX_MODEL}, found databricks-gpt-oss-120b (~/.codex/config.toml); fix: agentgw apply {} --yes\n",
            policy.display()
        )
    );
}

#[test]
fn check_names_a_shell_override() {
    let gateway = Gateway::start();
    let (home, policy) = applied(&gateway);
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .env("ANTHROPIC_BASE_URL", "https://api.anthropic.com")
        .args(["apply", arg(&policy), "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(
            "claude: ANTHROPIC_BASE_URL: wanted unset, found set (points Claude Code elsewhere wherever settings.json does not set it) (environment); fix: unset ANTHROPIC_BASE_URL"
        ),
        "{}",
        stdout(&out)
    );
}

/// `apply POLICY --check` in `~/repo`, whose `.claude/settings.json` has `env` as its env block.
fn check_in_project(home: &TestHome, policy: &Path, env: &str) -> std::process::Output {
    let project = home.path().join("repo");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    let settings = format!("{{\"env\": {env}}}\n");
    std::fs::write(project.join(".claude/settings.json"), settings).unwrap();
    home.cmd()
        .env("PATH", path_var(home))
        .current_dir(&project)
        .args(["apply", arg(policy), "--check"])
        .output()
        .unwrap()
}

#[test]
fn check_names_a_project_level_claude_setting() {
    let gateway = Gateway::start();
    let (home, policy) = applied(&gateway);
    let project_env = r#"{"ANTHROPIC_MODEL": "databricks-claude-haiku-4-5"}"#;
    let out = check_in_project(&home, &policy, project_env);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!(
            "claude: model: wanted {CLAUDE_MODEL}, found databricks-claude-haiku-4-5 (~/repo/.claude/settings.json)"
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_names_telemetry_sent_to_another_table_or_relabelled_by_a_project() {
    let gateway = Gateway::start();
    let (home, policy) = applied(&gateway);
    let settings = home.path().join(".claude/settings.json");
    let text = std::fs::read_to_string(&settings).unwrap();
    let edited = text.replace("main.agents.cc_otel_logs", "main.scratch.cc_otel_logs");
    assert_ne!(edited, text, "apply wrote no logs table");
    std::fs::write(&settings, edited).unwrap();
    let out = check_in_project(
        &home,
        &policy,
        r#"{"OTEL_RESOURCE_ATTRIBUTES": "team=web"}"#,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let policy = policy.display();
    assert_eq!(
        stdout(&out),
        format!(
            "claude: otel_tables.logs: wanted main.agents.cc_otel_logs at {}/api/2.0/otel/v1/logs, found table main.scratch.cc_otel_logs (~/.claude/settings.json); fix: agentgw apply {policy} --yes\n\
             claude: otel_resource_attributes.team: wanted data-eng, found web (~/repo/.claude/settings.json); fix: remove env.OTEL_RESOURCE_ATTRIBUTES from ~/repo/.claude/settings.json\n",
            gateway.url
        )
    );
}

#[test]
fn check_json_lists_drift_and_skipped_agents() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(
        &home,
        &format!(
            "{}[agents.codex]\nmin_version = \"0.134.0\"\n[agents.pi]\n",
            format_args!("[workspace]\nhost = \"{}\"\n", gateway.url)
        ),
    );
    let out = apply(&home, &[arg(&policy), "--check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({
            "ok": false,
            "drift": [
                {
                    "agent": "codex", "key": "version", "wanted": "0.134.0 or newer",
                    "wanted_from": policy.display().to_string(),
                    "found": "0.130.0", "source": "~/bin/codex",
                    "fix": "npm install -g @openai/codex@latest"
                },
                {
                    "agent": "codex", "key": "config", "wanted": "set up",
                    "wanted_from": policy.display().to_string(), "found": "not set up",
                    "source": null, "fix": format!("agentgw apply {} --yes", policy.display())
                }
            ],
            "skipped": ["pi"]
        })
    );
}

#[test]
fn remove_all_undoes_what_apply_did() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let claude = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(&claude, "{\n  \"theme\": \"dark\"\n}\n").unwrap();
    let policy = policy_file(&home, &full_policy(&gateway));
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .args(["remove", "all", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&claude).unwrap(),
        "{\n  \"theme\": \"dark\"\n}\n"
    );
    assert!(!home.path().join(".codex/config.toml").exists());
}

#[test]
fn a_logged_out_profile_needs_login_unless_agentgw_token_is_set() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let out = home.cmd().arg("logout").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let policy = policy_file(
        &home,
        &format!(
            "[workspace]\nhost = \"{}\"\n[agents.codex]\nmodel = \"{CODEX_MODEL}\"\n",
            gateway.url
        ),
    );
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        &format!(
            "not logged in (profile 'default'); agentgw changed nothing; run: agentgw login --host {} --auth pat\n",
            gateway.url
        ),
    );
    assert!(!home.path().join(".codex").exists());
    let out = home
        .cmd()
        .env("PATH", path_var(&home))
        .env("AGENTGW_TOKEN", crate::support::GOOD_TOKEN)
        .args(["apply", arg(&policy), "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.path().join(".codex/config.toml").exists());
}

#[test]
fn check_names_a_profile_for_another_workspace() {
    let home = TestHome::new();
    home.login_unverified("default", crate::support::GOOD_TOKEN);
    let policy = policy_file(
        &home,
        "[workspace]\nhost = \"https://other.example.com\"\nauth = \"oauth\"\n[agents.claude]\n",
    );
    let out = apply(&home, &[arg(&policy), "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "workspace: host: wanted https://other.example.com, found https://ws.example.com (~/.config/agentgw/config.toml); fix: agentgw login --host https://other.example.com --auth oauth\n\
         workspace: auth: wanted oauth, found pat (~/.config/agentgw/config.toml); fix: agentgw login --host https://other.example.com --auth oauth\n"
    );
}

#[test]
fn a_token_in_a_file_and_another_gateway_are_named_by_apply_and_check() {
    let home = TestHome::new();
    home.login_unverified("default", crate::support::GOOD_TOKEN);
    let policy = policy_file(
        &home,
        "[workspace]\nhost = \"https://ws.example.com\"\ntoken_storage = \"keyring\"\ngateway_url = \"https://ws.example.com/team-gateway\"\n",
    );
    let login = "agentgw login --host https://ws.example.com --auth pat --gateway-url https://ws.example.com/team-gateway";
    let out = apply(&home, &[arg(&policy), "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "workspace: token_storage: wanted keyring, found file (~/.config/agentgw/config.toml); fix: {login}\n\
             workspace: gateway_url: wanted https://ws.example.com/team-gateway, found https://ws.example.com/ai-gateway (~/.config/agentgw/config.toml); fix: {login}\n"
        )
    );
    // apply names the first, changing nothing.
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        &format!(
            "profile 'default' keeps its token in a file, the policy requires the OS keyring; agentgw changed nothing; run: {login}"
        ),
    );
    let gateway_only = policy_file(
        &home,
        "[workspace]\nhost = \"https://ws.example.com\"\ngateway_url = \"https://ws.example.com/team-gateway\"\n",
    );
    let out = apply(&home, &[arg(&gateway_only), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(
        &out,
        &format!(
            "profile 'default' uses the gateway https://ws.example.com/ai-gateway, the policy's is https://ws.example.com/team-gateway; agentgw changed nothing; run: {login}"
        ),
    );
}

#[test]
fn an_agent_below_min_version_is_named_with_its_upgrade_and_fails_with_strict() {
    let gateway = Gateway::start();
    let home = home(&gateway);
    let policy = policy_file(
        &home,
        &format!(
            "[workspace]\nhost = \"{}\"\n[agents.codex]\nmin_version = \"0.134.0\"\n",
            gateway.url
        ),
    );
    let out = apply(&home, &[arg(&policy), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "Codex CLI: 0.130.0 is older than the policy's min_version 0.134.0; upgrade: npm install -g @openai/codex@latest",
    );
    let strict = apply(&home, &[arg(&policy), "--yes", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert_stderr_contains(&strict, "apply did not succeed for Codex CLI");
}

/// What the workspace's admins publish: Claude Code (with `claude_model`) and Codex with default
/// models, and Gemini CLI (not installed here) without one.
fn published(gateway: &Gateway, claude_model: &str) {
    gateway.publish_agent_configs(Some(serde_json::json!({"coding_agent_configs": [{
    "name": "coding-agent-configs/42",
    "default_agent": "CODING_AGENT_CLAUDE_CODE",
    "enabled_agents": [
        {"agent": "CODING_AGENT_CLAUDE_CODE", "config": {"model_config": {"claude": {
            "default_model": claude_model}}}},
        {"agent": "CODING_AGENT_CODEX", "config": {"model_config": {"codex": {
            "default_model": CODEX_MODEL, "models": [CODEX_MODEL]}}}},
        {"agent": "CODING_AGENT_GEMINI", "config": {}},
    ]}]})));
}

const FROM_WORKSPACE: &str = "the workspace's coding-agent config (coding-agent-configs/42)";

#[test]
fn from_workspace_alone_sets_up_what_the_admins_publish() {
    let gateway = Gateway::start();
    published(&gateway, CLAUDE_MODEL);
    let home = home(&gateway);
    let out = apply(&home, &["--from-workspace", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        &format!("Claude Code: model {CLAUDE_MODEL} from {FROM_WORKSPACE}"),
    );
    assert_stderr_contains(
        &out,
        &format!("Codex CLI: model {CODEX_MODEL} from {FROM_WORKSPACE}"),
    );
    assert_stderr_contains(&out, "Gemini CLI: skipped, `gemini` is not on PATH");
    let settings = std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap();
    assert!(
        settings.contains(&format!("\"ANTHROPIC_MODEL\": \"{CLAUDE_MODEL}\"")),
        "{settings}"
    );
    let codex = std::fs::read_to_string(home.path().join(".codex/config.toml")).unwrap();
    assert!(
        codex.contains(&format!("model = \"{CODEX_MODEL}\"")),
        "{codex}"
    );
    let check = apply(&home, &["--from-workspace", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert_eq!(
        stdout(&check),
        "in force: every setting of --from-workspace is in place\n"
    );
}

#[test]
fn nothing_published_changes_nothing_and_says_so() {
    for listing in [None, Some(serde_json::json!({"coding_agent_configs": []}))] {
        let gateway = Gateway::start();
        gateway.publish_agent_configs(listing.clone());
        let home = home(&gateway);
        let before = snapshot(home.path());
        let out = apply(&home, &["--from-workspace", "--yes"]);
        assert!(out.status.success(), "{listing:?}: {}", stderr(&out));
        assert_stderr_contains(
            &out,
            &format!(
                "{} publishes no coding-agent config (GET /api/ai-gateway/v2/coding-agent-configs: none)",
                gateway.url
            ),
        );
        assert_eq!(stdout(&out), "nothing to apply; agentgw changed nothing\n");
        assert_eq!(snapshot(home.path()), before, "{listing:?}");
    }
}

#[test]
fn the_file_wins_per_key_and_check_says_which_source_asked() {
    let gateway = Gateway::start();
    // Not served by the stand-in: were it set up, setup would refuse it.
    published(&gateway, "databricks-claude-sonnet-4-5");
    let home = home(&gateway);
    let policy = policy_file(
        &home,
        &format!(
            "[workspace]\nhost = \"{}\"\n\n[agents.claude]\nmodel = \"{CLAUDE_MODEL}\"\n\n[agents.codex]\n",
            gateway.url
        ),
    );
    let out = apply(&home, &[arg(&policy), "--from-workspace", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let settings = std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap();
    assert!(
        settings.contains(&format!("\"ANTHROPIC_MODEL\": \"{CLAUDE_MODEL}\"")),
        "the file's model wins: {settings}"
    );
    let config = home.path().join(".codex/config.toml");
    let codex = std::fs::read_to_string(&config).unwrap();
    assert!(
        codex.contains(&format!("model = \"{CODEX_MODEL}\"")),
        "{codex}"
    );

    std::fs::write(&config, codex.replace(CODEX_MODEL, "databricks-gpt-5-1")).unwrap();
    std::fs::write(
        home.path().join(".claude/settings.json"),
        settings.replace(CLAUDE_MODEL, "databricks-claude-haiku-4-5"),
    )
    .unwrap();
    let both = format!("{} --from-workspace", policy.display());
    let check = apply(&home, &[arg(&policy), "--from-workspace", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(
        stdout(&check),
        format!(
            "claude: model: wanted {CLAUDE_MODEL} (by {policy}), found databricks-claude-haiku-4-5 (~/.claude/settings.json); fix: agentgw apply {both} --yes\n\
             codex: model: wanted {CODEX_MODEL} (by {FROM_WORKSPACE}), found databricks-gpt-5-1 (~/.codex/config.toml); fix: agentgw apply {both} --yes\n",
            policy = policy.display()
        )
    );
    let json = apply(
        &home,
        &[arg(&policy), "--from-workspace", "--check", "--json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let sources: Vec<&str> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["wanted_from"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [policy.display().to_string().as_str(), FROM_WORKSPACE]
    );
}
