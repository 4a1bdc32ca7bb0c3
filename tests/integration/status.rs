//! `agentgw status`: the profile and each agent's state, never a secret.

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::support::{GOOD_TOKEN, Gateway, USER_NAME};

fn status(home: &TestHome, args: &[&str]) -> std::process::Output {
    status_in(home, "work", args)
}

/// `status` run in `cwd` (under HOME): Claude's project settings are the working folder's.
fn status_in(home: &TestHome, cwd: &str, args: &[&str]) -> std::process::Output {
    let cwd = home.path().join(cwd);
    std::fs::create_dir_all(&cwd).unwrap();
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .current_dir(&cwd)
        .arg("status")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_secret(&out, GOOD_TOKEN);
    out
}

#[test]
fn status_without_a_profile_still_answers() {
    let home = TestHome::new();
    let said = stdout(&status(&home, &[]));
    assert!(
        said.starts_with("Profile default (does not exist: run agentgw login)\n"),
        "{said}"
    );
    assert!(
        said.contains("  token     not logged in (run: agentgw login --profile default)\n"),
        "{said}"
    );
    assert!(
        said.contains("  configured  no (run: agentgw setup claude)\n"),
        "{said}"
    );
    // Cursor is a desktop app: with no Cursor on this machine there is nothing to set up.
    assert!(
        said.ends_with(
            "Cursor\n  installed   no Cursor user folder\n  configured  no\n  token via   none\n"
        ),
        "{said}"
    );
}

#[test]
fn status_offers_setup_cursor_once_cursor_is_installed() {
    let home = TestHome::new();
    std::fs::create_dir_all(home.path().join(".config/Cursor/User")).unwrap();
    let said = stdout(&status(&home, &[]));
    assert!(
        said.contains("  configured  no (run: agentgw setup cursor)\n"),
        "{said}"
    );
}

#[test]
fn status_shows_user_storage_config_token_supply_and_user_edits() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    home.cmd()
        .args(["login", "--host", &gateway.url, "--token-stdin"])
        .write_stdin(GOOD_TOKEN)
        .assert()
        .success();
    for agent in ["claude", "gemini"] {
        let out = home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .args(["setup", agent, "--yes", "--no-test"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let settings = home.path().join(".claude/settings.json");
    let edited = std::fs::read_to_string(&settings).unwrap().replace(
        "\"ANTHROPIC_MODEL\": \"databricks-claude-opus-4-6\"",
        "\"ANTHROPIC_MODEL\": \"my-model\"",
    );
    std::fs::write(&settings, edited).unwrap();

    let said = stdout(&status(&home, &[]));
    for line in [
        format!("  user      {USER_NAME}\n"),
        "  token     plaintext file ~/.config/agentgw/tokens.toml\n".to_string(),
        "Claude Code\n  installed   not on PATH\n  configured  ~/.claude/settings.json\n"
            .to_string(),
        "  model       my-model\n".to_string(),
        "  changed by you since setup: env.ANTHROPIC_MODEL in ~/.claude/settings.json\n"
            .to_string(),
        "  token via   inline in ~/.gemini/.env (read in trusted folders only)\n".to_string(),
        "  configured  no (run: agentgw setup codex)\n".to_string(),
    ] {
        assert!(said.contains(&line), "want {line:?} in:\n{said}");
    }
    assert!(
        said.contains("  token via   helper: agentgw token --profile default\n"),
        "{said}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&status(&home, &["--json"]).stdout).unwrap();
    assert_eq!(json["profile"]["user"], USER_NAME);
    assert_eq!(json["agents"][0]["agent"], "claude");
    assert_eq!(json["agents"][0]["configured"], true);
    assert_eq!(json["agents"][0]["model"], "my-model");
    assert_eq!(
        json["agents"][0]["base_url"],
        format!("{}/anthropic", gateway.gateway_url())
    );
    assert_eq!(
        json["agents"][0]["changed_since_setup"][0],
        "env.ANTHROPIC_MODEL in ~/.claude/settings.json"
    );
    assert_eq!(json["agents"][1]["configured"], false);
}

#[test]
fn a_token_in_the_shell_that_outranks_the_settings_is_named_not_shown() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("ANTHROPIC_API_KEY", "sk-ant-secret-value")
        .args(["status"])
        .output()
        .unwrap();
    let said = stdout(&out);
    assert!(
        said.contains(
            "  token via   environment (ANTHROPIC_API_KEY, which outranks the settings file)\n"
        ),
        "{said}"
    );
    assert!(!said.contains("sk-ant-secret-value"));
}

#[test]
fn a_codex_profile_file_is_found_by_status() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args([
            "setup",
            "codex",
            "--codex-profile",
            "work",
            "--yes",
            "--no-test",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&status(&home, &[]));
    assert!(
        said.contains(
            "Codex CLI\n  installed   not on PATH\n  configured  ~/.codex/work.config.toml\n"
        ),
        "{said}"
    );
}

/// Writes `text` to `rel` under HOME, making its folders.
fn put(home: &TestHome, rel: &str, text: &str) {
    let path = home.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
}

/// What Claude Code uses in this folder, through its settings layers, and where each comes from.
#[test]
fn status_shows_claudes_effective_values_and_the_files_they_come_from() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "claude", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    put(
        &home,
        "work/.claude/settings.json",
        r#"{"env": {"ANTHROPIC_BASE_URL": "https://proxy.example.com/anthropic"}}"#,
    );
    put(
        &home,
        "work/.claude/settings.local.json",
        r#"{"model": "top-level-model", "env": {"ANTHROPIC_AUTH_TOKEN": "sk-local-secret-9"}}"#,
    );
    let said = stdout(&status(&home, &[]));
    for line in [
        "Claude Code\n  installed   not on PATH\n  configured  ~/.claude/settings.json\n",
        "  base URL    https://proxy.example.com/anthropic (from ~/work/.claude/settings.json)\n",
        // env.ANTHROPIC_MODEL, from any layer, outranks a top-level model.
        "  model       databricks-claude-opus-4-6\n",
        "  token via   inline in ~/work/.claude/settings.local.json (env.ANTHROPIC_AUTH_TOKEN)\n",
    ] {
        assert!(said.contains(line), "want {line:?} in:\n{said}");
    }
    assert!(!said.contains("sk-local-secret-9"), "{said}");
    let json: serde_json::Value =
        serde_json::from_slice(&status(&home, &["--json"]).stdout).unwrap();
    let claude = &json["agents"][0];
    assert_eq!(claude["base_url"], "https://proxy.example.com/anthropic");
    assert_eq!(claude["base_url_from"], "~/work/.claude/settings.json");
    assert_eq!(claude["model_from"], "~/.claude/settings.json");
    assert_eq!(claude["file"], "~/.claude/settings.json");
    // An agent that is not set up has no sources.
    assert_eq!(json["agents"][2]["model_from"], serde_json::Value::Null);

    // Elsewhere (a folder without those files) the user file is what counts.
    let said = stdout(&status_in(&home, "", &[]));
    assert!(
        said.contains("  base URL    https://ws.example.com/ai-gateway/anthropic\n"),
        "{said}"
    );
    assert!(
        said.contains("  token via   helper: agentgw token --profile default\n"),
        "{said}"
    );
}

#[test]
fn status_names_a_project_helper_and_a_claude_file_claude_ignores() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    put(
        &home,
        ".claude/settings.json",
        r#"{"env": {"ANTHROPIC_BASE_URL": "https://ws.example.com/ai-gateway/anthropic", "ANTHROPIC_MODEL": "m"}}"#,
    );
    put(
        &home,
        "work/.claude/settings.json",
        r#"{"apiKeyHelper": "~/bin/get-key --vault team"}"#,
    );
    let said = stdout(&status(&home, &[]));
    assert!(
        said.contains("  token via   your own helper command (get-key; not shown) (from ~/work/.claude/settings.json)\n"),
        "{said}"
    );
    put(&home, ".claude/settings.json", "{\"env\": {},}\n");
    let said = stdout(&status(&home, &[]));
    assert!(
        said.contains("  configured  unreadable: ~/.claude/settings.json: it has comments or trailing commas, so Claude Code ignores the whole file, agentgw's settings included\n"),
        "{said}"
    );
}

/// The shape of a JSON value: each key in its order, and the kind of each value (`"string"`,
/// `"number"`, `"bool"`, `"null"`; arrays by their elements).
fn shape(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => "null".into(),
    }
}

/// `status --json` keeps the shape the README documents, keys in that order and `null` where
/// nothing is known: an OAuth profile, an agent set up (Claude Code), agents not set up, and
/// Cursor (its user folder there, its database not).
#[test]
fn status_json_keeps_the_documented_shape() {
    let gateway = Gateway::start();
    let home = TestHome::new();
    let refresh_token = "doau-refresh-shape-0123456789";
    home.secret(refresh_token);
    let dir = home.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[profiles.default]\nhost = \"{}\"\ntoken_storage = \"file\"\nauth = \"oauth\"\n\
             client_id = \"databricks-cli\"\ntoken_endpoint = \"{}/oidc/v1/token\"\n",
            gateway.url, gateway.url
        ),
    )
    .unwrap();
    let tokens = dir.join("tokens.toml");
    std::fs::write(
        &tokens,
        format!(
            "[default]\naccess_token = \"{GOOD_TOKEN}\"\nexpires_at = 4102444800\nlifetime = 3600\n\
             refresh_token = \"{refresh_token}\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&tokens, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = home
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["setup", "claude", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::create_dir_all(home.path().join(".config/Cursor/User")).unwrap();

    let json: serde_json::Value =
        serde_json::from_slice(&status(&home, &["--json"]).stdout).unwrap();
    let route = serde_json::json!({"base_url": "string", "found": "string"});
    let not_set_up = serde_json::json!({
        "agent": "string", "name": "string", "installed": "bool", "version": "null",
        "path": "null", "configured": "bool", "file": "null", "config_error": "null",
        "base_url": "null", "base_url_from": "null", "model": "null", "model_from": "null",
        "token_via": "string", "changed_since_setup": [],
    });
    let expected = serde_json::json!({
        "profile": {
            "name": "string", "exists": "bool", "host": "string", "gateway": "string",
            "user": "string", "user_error": "null", "token": "string",
            "auth": {
                "method": "string", "description": "string", "expires_in_seconds": "number",
                "expired": "bool", "renewed_with": "string",
            },
            "routes": {"claude": route, "codex": route, "gemini": route, "copilot": route, "cursor": route},
        },
        "agents": [
            {
                "agent": "string", "name": "string", "installed": "bool", "version": "null",
                "path": "null", "configured": "bool", "file": "string", "config_error": "null",
                "base_url": "string", "base_url_from": "string", "model": "string",
                "model_from": "string", "token_via": "string", "changed_since_setup": [],
            },
            // every agent between Claude Code and Cursor, in agents::ALL's order
            "not set up",
            {
                "agent": "string", "name": "string", "installed": "bool", "version": "null",
                "path": "string", "configured": "bool", "file": "null", "config_error": "null",
                "base_url": "null", "base_url_from": "null", "model": "null", "model_from": "null",
                "models": [], "matches_profile": "null", "token_via": "string",
                "changed_since_setup": [],
            },
        ],
    });
    let mut expected = expected;
    let agents = expected["agents"].as_array_mut().unwrap();
    let between = agentgw::agents::ALL.len() - 2;
    agents.splice(1..2, std::iter::repeat_n(not_set_up, between));
    let ids: Vec<&str> = json["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agent"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = agentgw::agents::ALL.iter().map(|t| t.id()).collect();
    assert_eq!(ids, all);
    // As text: the order of the keys counts.
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap();
    assert_eq!(pretty(&shape(&json)), pretty(&expected));

    let (profile, agents) = (&json["profile"], &json["agents"]);
    assert_eq!(profile["name"], "default");
    assert_eq!(profile["exists"], true);
    assert_eq!(profile["user"], USER_NAME);
    assert_eq!(
        profile["token"],
        "plaintext file ~/.config/agentgw/tokens.toml"
    );
    assert_eq!(profile["auth"]["method"], "oauth");
    assert_eq!(profile["auth"]["expired"], false);
    assert_eq!(profile["auth"]["renewed_with"], "refresh_token");
    assert_eq!(
        profile["routes"]["codex"]["base_url"],
        format!("{}/openai/v1", gateway.gateway_url())
    );
    let claude = &agents[0];
    assert_eq!(claude["configured"], true);
    assert_eq!(claude["file"], "~/.claude/settings.json");
    assert_eq!(claude["base_url_from"], "~/.claude/settings.json");
    assert_eq!(
        claude["token_via"],
        "helper: agentgw token --profile default"
    );
    assert_eq!(agents[1]["configured"], false);
    assert_eq!(agents[1]["installed"], false);
    let cursor = agents.as_array().unwrap().last().unwrap();
    assert_eq!(cursor["installed"], true);
    assert_eq!(cursor["configured"], false);
    assert_eq!(cursor["path"], "~/.config/Cursor");
    assert_eq!(cursor["token_via"], "none");
}
