//! Agents with short-lived OAuth tokens: what `setup` writes for an OAuth profile (helpers that
//! ask again inside the token's lifetime, no token in any file), Cursor's refusal, and what
//! `status`, `doctor` and `test` say about the sign-in. The profiles are written straight into
//! agentgw's config and file store: the access token is the stand-in's GOOD_TOKEN with an expiry
//! far ahead, so nothing here needs a token endpoint unless the test starts one.

use crate::common::{TestHome, assert_stderr_contains, stderr, stdout};
use crate::setup::{agentgw_path, read, remove, setup, write};
use crate::support::{GOOD_TOKEN, Gateway};
use std::path::Path;

const REFRESH_TOKEN: &str = "doau-refresh-0123456789abcdef";
/// Far ahead: the stored access token never needs a refresh unless a test says so.
const FAR_FUTURE: u64 = 4_102_444_800;
/// A one-hour token: agents must ask for a new one every 4 minutes (inside the 5-minute margin).
const HELPER_TTL_MS: &str = "240000";

#[derive(Clone, Copy)]
enum Sign {
    Pat,
    OAuth { expires_at: u64 },
}

/// Makes (or switches) profile `default` at `host`, as `agentgw login` leaves it.
fn sign_in(home: &TestHome, host: &str, token_endpoint: &str, how: Sign) {
    home.secret(REFRESH_TOKEN);
    let dir = home.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o700);
    let (config, tokens) = match how {
        Sign::Pat => (
            format!("[profiles.default]\nhost = \"{host}\"\ntoken_storage = \"file\"\n"),
            format!("[default]\ntoken = \"{GOOD_TOKEN}\"\n"),
        ),
        Sign::OAuth { expires_at } => (
            format!(
                "[profiles.default]\nhost = \"{host}\"\ntoken_storage = \"file\"\nauth = \"oauth\"\n\
                 client_id = \"databricks-cli\"\ntoken_endpoint = \"{token_endpoint}\"\n"
            ),
            format!(
                "[default]\naccess_token = \"{GOOD_TOKEN}\"\nexpires_at = {expires_at}\nlifetime = 3600\n\
                 refresh_token = \"{REFRESH_TOKEN}\"\n"
            ),
        ),
    };
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let tokens_file = dir.join("tokens.toml");
    std::fs::write(&tokens_file, tokens).unwrap();
    set_mode(&tokens_file, 0o600);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A HOME with an OAuth profile for a workspace nobody asks (setup runs with --no-test).
fn oauth_home() -> TestHome {
    let home = TestHome::new();
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    sign_in(
        &home,
        "https://ws.example.com",
        "https://ws.example.com/oidc/v1/token",
        Sign::OAuth {
            expires_at: FAR_FUTURE,
        },
    );
    home
}

fn fake_program(home: &TestHome, name: &str, script: &str) {
    let path = home.path().join("bin").join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    set_mode(&path, 0o755);
}

/// A loopback server answering every request with `status` and the JSON `body`.
fn answering(status: u16, body: &'static str) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let json = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let response = tiny_http::Response::from_string(body)
                .with_status_code(status)
                .with_header(json);
            let _ = request.respond(response);
        }
    });
    url
}

const INVALID_GRANT: &str =
    r#"{"error":"invalid_grant","error_description":"refresh token is revoked"}"#;
const PATS_DISABLED: &str = r#"{"error_code":"PERMISSION_DENIED","message":"Personal access tokens are disabled for this workspace."}"#;

fn claude_settings(ttl_ms: &str) -> String {
    format!(
        r#"{{
  "env": {{
    "ANTHROPIC_BASE_URL": "https://ws.example.com/ai-gateway/anthropic",
    "ANTHROPIC_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_DEFAULT_OPUS_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_DEFAULT_SONNET_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "databricks-claude-opus-4-6",
    "ANTHROPIC_CUSTOM_HEADERS": "x-databricks-use-coding-agent-mode: true",
    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "{ttl_ms}",
    "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS": "1"
  }},
  "apiKeyHelper": "{} token --profile default"
}}
"#,
        agentgw_path()
    )
}

#[test]
fn claude_with_oauth_asks_its_helper_again_inside_the_tokens_lifetime() {
    let home = oauth_home();
    let out = setup(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let settings = read(&home.path().join(".claude/settings.json"));
    assert_eq!(settings, claude_settings(HELPER_TTL_MS));
    assert!(!settings.contains(GOOD_TOKEN));
    assert!(remove(&home, &["claude"]).status.success());
    assert!(!home.path().join(".claude/settings.json").exists());
}

#[test]
fn inline_token_with_oauth_is_a_usage_error_naming_the_flag() {
    let home = oauth_home();
    let out = setup(&home, &["claude", "--inline-token"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_stderr_contains(&out, "--inline-token");
    assert_stderr_contains(&out, "expire");
    assert_stderr_contains(&out, "apiKeyHelper");
    assert!(!home.path().join(".claude").exists());
}

#[test]
fn switching_a_profile_between_pat_and_oauth_swaps_only_the_helper_ttl_and_remove_restores() {
    let home = oauth_home();
    let original =
        "{\n  \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n  \"env\": {\"FOO\": \"bar\"}\n}\n";
    let file = write(&home, ".claude/settings.json", original);
    let pat = |home: &TestHome| {
        sign_in(home, "https://ws.example.com", "", Sign::Pat);
    };
    let oauth = |home: &TestHome| {
        sign_in(
            home,
            "https://ws.example.com",
            "https://ws.example.com/oidc/v1/token",
            Sign::OAuth {
                expires_at: FAR_FUTURE,
            },
        );
    };
    pat(&home);
    assert!(setup(&home, &["claude"]).status.success());
    let with_pat = read(&file);
    assert!(
        with_pat.contains("\"CLAUDE_CODE_API_KEY_HELPER_TTL_MS\": \"3600000\""),
        "{with_pat}"
    );
    oauth(&home);
    assert!(setup(&home, &["claude"]).status.success());
    assert_eq!(
        read(&file),
        with_pat.replace("\"3600000\"", &format!("\"{HELPER_TTL_MS}\""))
    );
    pat(&home);
    assert!(setup(&home, &["claude"]).status.success());
    assert_eq!(read(&file), with_pat);
    let out = remove(&home, &["claude"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&file), original);
}

fn codex_config(extra_auth: &str) -> String {
    format!(
        "model_provider = \"databricks\"\nmodel = \"databricks-gpt-5-2\"\n\n\
         [model_providers.databricks]\nname = \"Databricks AI Gateway\"\n\
         base_url = \"https://ws.example.com/ai-gateway/openai/v1\"\nwire_api = \"responses\"\n\
         http_headers = {{ x-databricks-use-coding-agent-mode = \"true\" }}\n\n\
         [model_providers.databricks.auth]\ncommand = \"{}\"\nargs = [\"token\", \"--profile\", \"default\"]\n{extra_auth}",
        agentgw_path()
    )
}

#[test]
fn codex_with_oauth_refreshes_within_the_lifetime_and_waits_for_a_slow_refresh() {
    let home = oauth_home();
    let out = setup(&home, &["codex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = home.path().join(".codex/config.toml");
    assert_eq!(
        read(&file),
        codex_config(&format!(
            "refresh_interval_ms = {HELPER_TTL_MS}\ntimeout_ms = 20000\n"
        ))
    );
    // Back to a PAT: agentgw's two keys go, the rest stays.
    sign_in(&home, "https://ws.example.com", "", Sign::Pat);
    assert!(setup(&home, &["codex"]).status.success());
    assert_eq!(read(&file), codex_config(""));
    assert!(remove(&home, &["codex"]).status.success());
    assert!(!file.exists());
}

#[test]
fn a_codex_profile_file_with_oauth_gets_the_same_auth_timing() {
    let home = oauth_home();
    let out = setup(&home, &["codex", "--codex-profile", "gw"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(&home.path().join(".codex/gw.config.toml"));
    assert!(
        text.ends_with(&format!(
            "refresh_interval_ms = {HELPER_TTL_MS}\ntimeout_ms = 20000\n"
        )),
        "{text}"
    );
}

#[test]
fn a_users_own_codex_timeout_survives_setup_with_a_pat() {
    let home = oauth_home();
    sign_in(&home, "https://ws.example.com", "", Sign::Pat);
    let mine = "[model_providers.databricks.auth]\ntimeout_ms = 9000\n";
    let file = write(&home, ".codex/config.toml", mine);
    assert!(setup(&home, &["codex"]).status.success());
    assert!(
        read(&file).contains("timeout_ms = 9000\n"),
        "{}",
        read(&file)
    );
}

#[test]
fn an_old_codex_with_oauth_is_told_long_sessions_fail_and_how_to_upgrade() {
    let home = oauth_home();
    fake_program(&home, "codex", "echo 'codex-cli 0.100.0'");
    let out = home
        .cmd()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", home.path().join("bin").display()),
        )
        .args(["setup", "codex", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(&home.path().join(".codex/config.toml"));
    assert!(text.contains("env_key = \"DATABRICKS_TOKEN\""), "{text}");
    assert_stderr_contains(&out, "sessions longer than");
    assert_stderr_contains(&out, "npm install -g @openai/codex@latest");
}

const GEMINI_ENV_WITHOUT_TOKEN: &str = "GEMINI_MODEL=databricks-gemini-2-5-flash\n\
    GOOGLE_GEMINI_BASE_URL=https://ws.example.com/ai-gateway/gemini\nGEMINI_API_KEY_AUTH_MECHANISM=bearer\n";

#[test]
fn gemini_with_oauth_gets_no_token_file_and_is_told_to_use_exec() {
    let home = oauth_home();
    let out = setup(&home, &["gemini"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&home.path().join(".gemini/.env")),
        GEMINI_ENV_WITHOUT_TOKEN
    );
    assert_stderr_contains(&out, "with OAuth, start Gemini with `agentgw exec gemini`");
}

#[test]
fn a_token_written_for_gemini_under_a_pat_is_taken_out_when_the_profile_signs_in_with_oauth() {
    let home = oauth_home();
    sign_in(&home, "https://ws.example.com", "", Sign::Pat);
    assert!(setup(&home, &["gemini"]).status.success());
    let env = home.path().join(".gemini/.env");
    assert!(read(&env).contains(GOOD_TOKEN));
    sign_in(
        &home,
        "https://ws.example.com",
        "https://ws.example.com/oidc/v1/token",
        Sign::OAuth {
            expires_at: FAR_FUTURE,
        },
    );
    assert!(setup(&home, &["gemini"]).status.success());
    assert_eq!(read(&env), GEMINI_ENV_WITHOUT_TOKEN);
}

#[test]
fn every_file_setup_all_writes_for_oauth_is_free_of_tokens() {
    let home = oauth_home();
    let out = setup(&home, &["all", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for file in [
        ".claude/settings.json",
        ".codex/config.toml",
        ".gemini/.env",
        ".gemini/settings.json",
    ] {
        let text = read(&home.path().join(file));
        assert!(
            !text.contains(GOOD_TOKEN) && !text.contains(REFRESH_TOKEN),
            "{file}"
        );
    }
}

#[test]
fn cursor_with_oauth_explains_it_needs_a_pat_and_writes_nothing() {
    for extra in [&[][..], &["--write-cursor-db"][..]] {
        let home = oauth_home();
        let cursor_dir = home.path().join(".config/Cursor");
        std::fs::create_dir_all(cursor_dir.join("User/globalStorage")).unwrap();
        let out = home
            .cmd()
            .args(["setup", "cursor", "--yes", "--no-test", "--cursor-dir"])
            .arg(&cursor_dir)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_stderr_contains(&out, "Cursor stores one long-lived API key");
        assert_stderr_contains(
            &out,
            "agentgw login --profile cursor-pat --token-stdin, then agentgw setup cursor --profile cursor-pat",
        );
        assert_eq!(
            std::fs::read_dir(cursor_dir.join("User/globalStorage"))
                .unwrap()
                .count(),
            0
        );
        assert!(
            !home
                .path()
                .join(".local/state/agentgw/managed.json")
                .exists()
        );
    }
}

#[test]
fn setup_all_with_oauth_skips_cursor_in_one_line_and_sets_up_the_rest() {
    let home = oauth_home();
    let cursor_dir = home.path().join(".config/Cursor");
    std::fs::create_dir_all(cursor_dir.join("User/globalStorage")).unwrap();
    let out = home
        .cmd()
        .args([
            "setup",
            "all",
            "--force",
            "--yes",
            "--no-test",
            "--cursor-dir",
        ])
        .arg(&cursor_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    let cursor_lines: Vec<&str> = said.lines().filter(|l| l.contains("Cursor")).collect();
    assert_eq!(cursor_lines.len(), 1, "{cursor_lines:?}");
    assert!(
        cursor_lines[0].starts_with("Cursor: skipped"),
        "{cursor_lines:?}"
    );
    assert!(stdout(&out).contains("Gemini CLI: configured"));
}

fn status_json(home: &TestHome) -> serde_json::Value {
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn status_shows_the_sign_in_method_the_tokens_expiry_and_what_renews_it() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    let expires_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1800;
    sign_in(
        &home,
        &gateway.url,
        &format!("{}/oidc/v1/token", gateway.url),
        Sign::OAuth { expires_at },
    );
    let auth = &status_json(&home)["profile"]["auth"];
    assert_eq!(auth["method"], "oauth");
    assert_eq!(auth["description"], "OAuth (browser sign-in)");
    let left = auth["expires_in_seconds"].as_u64().unwrap();
    assert!((1790..=1800).contains(&left), "{auth}");
    assert_eq!(auth["expired"], false);
    assert_eq!(auth["renewed_with"], "refresh_token");

    let human = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .arg("status")
        .output()
        .unwrap();
    let said = stdout(&human);
    assert!(
        said.contains("  auth      OAuth (browser sign-in); access token valid 29 min more (renewed with the stored refresh token)\n")
            || said.contains("  auth      OAuth (browser sign-in); access token valid 30 min more (renewed with the stored refresh token)\n"),
        "{said}"
    );

    sign_in(&home, &gateway.url, "", Sign::Pat);
    let auth = &status_json(&home)["profile"]["auth"];
    assert_eq!(
        *auth,
        serde_json::json!({"method": "pat", "description": "personal access token",
            "expires_in_seconds": null, "expired": null, "renewed_with": null})
    );
}

fn doctor_json(home: &TestHome) -> (Option<i32>, serde_json::Value) {
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stdout(&out))),
    )
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {report:#}"))
}

#[test]
fn doctor_proves_a_refresh_works() {
    let gateway = Gateway::start();
    let endpoint = answering(
        200,
        r#"{"access_token":"dapi0123456789abcdef0123456789abcd","token_type":"Bearer","expires_in":3600}"#,
    );
    let home = TestHome::new();
    sign_in(
        &home,
        &gateway.url,
        &endpoint,
        Sign::OAuth {
            expires_at: FAR_FUTURE,
        },
    );
    let (code, report) = doctor_json(&home);
    let sign_in = check(&report, "sign-in");
    assert_eq!(sign_in["status"], "ok", "{report:#}");
    assert_eq!(
        sign_in["message"],
        "OAuth sign-in works: the access token was refreshed (valid 60 min)"
    );
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn doctor_says_a_revoked_sign_in_must_sign_in_again() {
    let gateway = Gateway::start();
    let endpoint = answering(400, INVALID_GRANT);
    let home = TestHome::new();
    sign_in(
        &home,
        &gateway.url,
        &endpoint,
        Sign::OAuth {
            expires_at: FAR_FUTURE,
        },
    );
    let (code, report) = doctor_json(&home);
    let sign_in = check(&report, "sign-in");
    assert_eq!(sign_in["status"], "fail", "{report:#}");
    assert_eq!(
        sign_in["message"],
        "the sign-in of profile 'default' has expired or was revoked (invalid_grant: refresh token is revoked, HTTP 400)"
    );
    assert_eq!(
        sign_in["fix"],
        "sign in again: agentgw login --profile default --auth oauth"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn doctor_tells_a_workspace_that_refuses_pats_from_a_missing_permission() {
    let workspace = answering(403, PATS_DISABLED);
    let home = TestHome::new();
    sign_in(&home, &workspace, "", Sign::Pat);
    let (code, report) = doctor_json(&home);
    let valid = check(&report, "token-valid");
    assert_eq!(valid["status"], "fail");
    assert_eq!(
        valid["message"],
        "this workspace does not accept personal access tokens (HTTP 403: Personal access tokens are disabled for this workspace.)"
    );
    assert_eq!(valid["fix"], "agentgw login --profile default --auth oauth");
    assert_eq!(code, Some(1));
}

#[test]
fn test_tells_a_workspace_that_refuses_pats_from_a_missing_permission() {
    let workspace = answering(403, PATS_DISABLED);
    let home = TestHome::new();
    sign_in(&home, &workspace, "", Sign::Pat);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["test", "claude", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report[0]["error_kind"], "forbidden");
    assert_eq!(
        report[0]["message"],
        "this workspace does not accept personal access tokens (HTTP 403: Personal access tokens are disabled for this workspace.)"
    );
    assert_eq!(
        report[0]["fix"],
        "agentgw login --profile default --auth oauth"
    );
}

#[test]
fn test_with_a_revoked_sign_in_gives_the_sign_in_error_in_json() {
    let gateway = Gateway::start();
    let endpoint = answering(400, INVALID_GRANT);
    let home = TestHome::new();
    sign_in(
        &home,
        &gateway.url,
        &endpoint,
        Sign::OAuth { expires_at: 1 },
    );
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["test", "claude", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"error": {
            "kind": "invalid_grant",
            "message": "the sign-in of profile 'default' has expired or was revoked (invalid_grant: refresh token is revoked, HTTP 400)",
            "fix": "sign in again: agentgw login --profile default --auth oauth",
        }})
    );
    assert!(gateway.requests().is_empty());
}

#[test]
fn doctor_with_oauth_flags_agent_files_that_hold_a_token() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    sign_in(&home, &gateway.url, "", Sign::Pat);
    // As an older agentgw (or a PAT) left them: tokens in Claude's, Codex's and Gemini's files.
    let run = |args: &[&str]| {
        let out = home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .arg("setup")
            .args(args)
            .args(["--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    run(&["claude", "--inline-token"]);
    run(&["gemini"]);
    let codex = write(
        &home,
        ".codex/config.toml",
        &format!(
            "model_provider = \"databricks\"\nmodel = \"databricks-gpt-5-2\"\n\n\
             [model_providers.databricks]\nbase_url = \"{}/openai/v1\"\nwire_api = \"responses\"\n\
             env_key = \"DATABRICKS_TOKEN\"\n",
            gateway.gateway_url()
        ),
    );
    assert!(codex.exists());
    sign_in(
        &home,
        &gateway.url,
        &format!("{}/oidc/v1/token", gateway.url),
        Sign::OAuth {
            expires_at: FAR_FUTURE,
        },
    );
    let (_, report) = doctor_json(&home);
    let of = |area: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["area"] == area && c["id"] == "short-lived-token")
            .unwrap_or_else(|| panic!("no short-lived-token check for {area}: {report:#}"))
            .clone()
    };
    let claude = of("claude");
    assert_eq!(claude["status"], "fail");
    assert_eq!(claude["fix"], "agentgw setup claude");
    assert!(
        claude["message"]
            .as_str()
            .unwrap()
            .contains("env.ANTHROPIC_AUTH_TOKEN"),
        "{claude}"
    );
    let codex = of("codex");
    assert_eq!(codex["status"], "fail");
    assert_eq!(codex["fix"], "agentgw setup codex");
    let gemini = of("gemini");
    assert_eq!(gemini["status"], "warn");
    assert_eq!(gemini["fix"], "agentgw setup gemini");
    assert!(
        gemini["message"].as_str().unwrap().contains("expires"),
        "{gemini}"
    );
}

/// `agentgw exec <agent>` with an OAuth profile, the agent a fake that prints its arguments.
fn exec_fake(agent: &str) -> (TestHome, String) {
    let home = oauth_home();
    fake_program(&home, agent, "printf 'arg:%s\\n' \"$@\"");
    let out = home
        .cmd()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", home.path().join("bin").display()),
        )
        .args(["exec", agent, "hi"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    (home, said)
}

#[test]
fn exec_claude_with_oauth_asks_the_helper_again_inside_the_tokens_lifetime() {
    let (_home, said) = exec_fake("claude");
    let file = said
        .lines()
        .skip_while(|l| *l != "arg:--settings")
        .nth(1)
        .and_then(|l| l.strip_prefix("arg:"))
        .unwrap_or_else(|| panic!("{said}"));
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(
        settings["env"]["CLAUDE_CODE_API_KEY_HELPER_TTL_MS"],
        HELPER_TTL_MS
    );
}

#[test]
fn exec_codex_with_oauth_gets_the_same_auth_timing_as_setup() {
    let (_home, said) = exec_fake("codex");
    for expected in [
        format!("arg:model_providers.databricks-exec.auth.refresh_interval_ms={HELPER_TTL_MS}"),
        "arg:model_providers.databricks-exec.auth.timeout_ms=20000".to_string(),
    ] {
        assert!(said.lines().any(|l| l == expected), "{expected}\n{said}");
    }
}
