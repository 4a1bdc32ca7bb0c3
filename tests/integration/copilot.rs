//! `agentgw setup|remove|status|doctor|test|exec copilot`. Copilot CLI takes its provider from
//! environment variables only, so setup writes no file of Copilot's: it remembers the model in
//! the profile, tests the gateway's `/mlflow/v1` route and prints the line that makes `copilot`
//! start through `agentgw exec copilot`. Exec's variables are read from a stand-in `copilot`.

use crate::common::{TestHome, agent_entry, assert_stderr_contains, stderr, stdout};
use crate::support::{GOOD_TOKEN, Gateway};
use std::collections::BTreeMap;
use std::path::PathBuf;

const SERVED: [&str; 4] = [
    "databricks-claude-sonnet-4-6",
    "databricks-gpt-5-2",
    "databricks-gemini-2-5-flash",
    "databricks-bge-large-en",
];
/// The nearest served model to the newest opus.
const CHOSEN: &str = "databricks-claude-sonnet-4-6";
const THEIR_TOKEN: &str = "dapi-their-own-copilot-key-000000000";

/// Copilot's own files, as a user has them: `config.json` with the comment Copilot writes into
/// it, `settings.json` with their model and trusted folders.
const COPILOT_CONFIG: &str = "// User settings belong in settings.json.\n// This file is managed automatically.\n{\n  \"firstLaunchAt\": \"2026-11-01T08:00:00.000Z\"\n}\n";
const COPILOT_SETTINGS: &str = "{\n  \"model\": \"gpt-5.4\",\n  \"trustedFolders\": [\"/home/me/src\"],\n  \"banner\": \"never\"\n}\n";

fn agentgw_path() -> String {
    std::fs::canonicalize(assert_cmd::cargo::cargo_bin!("agentgw"))
        .unwrap()
        .display()
        .to_string()
}

/// Every file under HOME but agentgw's own folders, with its bytes.
fn files_outside_agentgw(home: &TestHome) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![home.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(home.path()).unwrap().to_path_buf();
            if rel.starts_with(".config/agentgw") || rel.starts_with(".local/state/agentgw") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn with_copilot_files(home: &TestHome) {
    let dir = home.path().join(".copilot");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), COPILOT_CONFIG).unwrap();
    std::fs::write(dir.join("settings.json"), COPILOT_SETTINGS).unwrap();
}

fn run(home: &TestHome, args: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/bash")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn setup_writes_no_file_remembers_the_model_and_remove_forgets_it_byte_for_byte() {
    let gateway = Gateway::start_serving(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    with_copilot_files(&home);
    // A comment of the user's in agentgw's own config file survives setup and remove.
    let config = home.config_dir().join("config.toml");
    let mut before = home.config_toml().unwrap();
    before.insert_str(0, "# mine: do not lose\n");
    std::fs::write(&config, &before).unwrap();
    let files_before = files_outside_agentgw(&home);

    let out = run(&home, &["setup", "copilot", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    let gw = format!("{}/ai-gateway", gateway.url);
    assert!(
        said.starts_with(&format!(
            "Copilot CLI: set up for {gw} with model {CHOSEN}, remembered in profile 'default' (no file written)\n  \
             ✓ test request: {CHOSEN} answered in "
        )),
        "{said}"
    );
    assert_stderr_contains(
        &out,
        &format!(
            "add this line to ~/.bashrc (agentgw does not edit it):\n    alias copilot='{} exec copilot'",
            agentgw_path()
        ),
    );
    assert_stderr_contains(
        &out,
        "no file was written; start it with `agentgw exec copilot [ARGS]`",
    );
    // The test request: Chat Completions on Copilot's route, with the chosen model.
    let posts: Vec<String> = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| format!("{} {}", r.route(), r.json().unwrap()["model"]))
        .collect();
    assert_eq!(
        posts,
        [format!(
            "/ai-gateway/mlflow/v1/chat/completions \"{CHOSEN}\""
        )]
    );
    assert_eq!(files_outside_agentgw(&home), files_before);
    assert_eq!(
        home.config_toml().unwrap(),
        format!("{before}\n[profiles.default.models]\ncopilot = \"{CHOSEN}\"\n")
    );

    let again = run(&home, &["setup", "copilot", "--yes", "--no-test"]);
    assert_eq!(
        stdout(&again),
        format!(
            "Copilot CLI: already set up (model {CHOSEN} in profile 'default'; no file to write)\n"
        )
    );

    let removed = run(&home, &["remove", "copilot"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert_eq!(
        stdout(&removed),
        format!(
            "Copilot CLI: forgot model {CHOSEN} in profile 'default'; agentgw had written no file for it.\n"
        )
    );
    assert_eq!(home.config_toml().unwrap(), before);
    assert_eq!(files_outside_agentgw(&home), files_before);
    let again = run(&home, &["remove", "copilot"]);
    assert_eq!(
        stdout(&again),
        "Copilot CLI: nothing to remove (agentgw has not set it up).\n"
    );
}

#[test]
fn dry_runs_change_nothing() {
    let gateway = Gateway::start_serving(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let before = home.config_toml().unwrap();
    let out = run(&home, &["setup", "copilot", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "Copilot CLI: would remember model {CHOSEN} in profile 'default' (no file to write)\n"
        )
    );
    assert_eq!(home.config_toml().unwrap(), before);
    assert!(
        gateway.requests().iter().all(|r| r.method == "GET"),
        "{}",
        gateway.request_summary()
    );

    assert!(
        run(&home, &["setup", "copilot", "--yes", "--no-test"])
            .status
            .success()
    );
    let set_up = home.config_toml().unwrap();
    let out = run(&home, &["remove", "copilot", "--dry-run"]);
    assert_eq!(
        stdout(&out),
        format!(
            "Copilot CLI: would forget model {CHOSEN} in profile 'default' (agentgw wrote no file for it)\n"
        )
    );
    assert_eq!(home.config_toml().unwrap(), set_up);
}

/// The gateway's Gemini models reject the `stream_options` Copilot sends, and an embedding model
/// does not chat: refused with the reason and the fix, nothing remembered; the picker never
/// offers them (unit-tested beside it).
#[test]
fn gemini_and_embedding_models_are_refused_for_copilot() {
    let gateway = Gateway::start_serving(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let before = home.config_toml().unwrap();
    for model in ["databricks-gemini-2-5-flash", "databricks-bge-large-en"] {
        let out = run(&home, &["setup", "copilot", "--yes", "--model", model]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_stderr_contains(&out, &format!("Copilot CLI cannot use {model}: "));
        assert_stderr_contains(
            &out,
            "fix: agentgw setup copilot --model NAME (a Claude or GPT model)",
        );
        assert_eq!(home.config_toml().unwrap(), before);
    }
    assert_stderr_contains(
        &run(
            &home,
            &[
                "setup",
                "copilot",
                "--yes",
                "--model",
                "databricks-gemini-2-5-flash",
            ],
        ),
        "the gateway's Gemini models reject the `stream_options` it sends with every request",
    );
    let out = run(
        &home,
        &["exec", "--model", "databricks-gemini-2-5-flash", "copilot"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_contains(
        &out,
        "fix: agentgw exec copilot --model NAME (a Claude or GPT model), or agentgw setup copilot",
    );
}

/// The line for the user's `$SHELL`, with the profile when it is not the default one.
#[test]
fn the_start_line_is_written_for_the_users_shell() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    home.login_unverified("work", GOOD_TOKEN);
    let agentgw = agentgw_path();
    let zdotdir = home.path().join("zsh");
    for (shell, profile, file, line) in [
        (
            "/bin/bash",
            "default",
            "~/.bashrc".to_string(),
            format!("alias copilot='{agentgw} exec copilot'"),
        ),
        (
            "/usr/bin/zsh",
            "work",
            format!("{}/.zshrc", zdotdir.display()),
            format!("alias copilot='{agentgw} --profile work exec copilot'"),
        ),
        (
            "/usr/bin/fish",
            "default",
            "~/.config/fish/config.fish".to_string(),
            format!("function copilot; {agentgw} exec copilot $argv; end"),
        ),
        (
            "/usr/bin/pwsh",
            "work",
            "your PowerShell profile ($PROFILE)".to_string(),
            format!("function copilot {{ & {agentgw} --profile work exec copilot @args }}"),
        ),
    ] {
        let out = home
            .cmd()
            .env("PATH", "/usr/bin:/bin")
            .env("SHELL", shell)
            .env("ZDOTDIR", &zdotdir)
            .args(["--profile", profile, "setup", "copilot", "--dry-run"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_stderr_contains(
            &out,
            &format!("add this line to {file} (agentgw does not edit it):\n    {line}\n"),
        );
        if profile == "work" {
            assert_stderr_contains(
                &out,
                "start it with `agentgw --profile work exec copilot [ARGS]`",
            );
        }
    }
}

/// A stand-in `copilot` installed like npm does (its version in the package's package.json):
/// prints its arguments and every `COPILOT_` variable, then exits 7.
fn fake_copilot(home: &TestHome, version: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let package = home.path().join("npm/lib/node_modules/@github/copilot");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("package.json"),
        format!(r#"{{"name": "@github/copilot", "version": "{version}", "bin": {{"copilot": "npm-loader.js"}}}}"#),
    )
    .unwrap();
    let loader = package.join("npm-loader.js");
    std::fs::write(
        &loader,
        "#!/bin/sh\nprintf 'arg:%s\\n' \"$@\"\nenv | grep -E '^(COPILOT_|NO_PROXY|no_proxy)' | sort\nexit 7\n",
    )
    .unwrap();
    std::fs::set_permissions(&loader, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(&loader, bin.join("copilot")).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

/// `agentgw exec copilot` with a shell that has a provider of its own.
fn exec_with_their_provider(home: &TestHome, path: &str) -> std::process::Output {
    home.secret(THEIR_TOKEN);
    home.cmd()
        .env("PATH", path)
        .env("COPILOT_PROVIDER_TYPE", "azure")
        .env("COPILOT_PROVIDER_BASE_URL", "https://their.example.com/v1")
        .env("COPILOT_PROVIDER_BEARER_TOKEN", THEIR_TOKEN)
        .env("COPILOT_PROVIDER_API_KEY", THEIR_TOKEN)
        .env("COPILOT_PROVIDER_API_KEY_COMMAND", "cat ~/their-key")
        .env("COPILOT_PROVIDER_HEADERS", "X-Their: 1")
        .env("COPILOT_PROVIDER_WIRE_MODEL", "their-wire-model")
        .env("COPILOT_PROVIDER_MODEL_ID", "their-model-id")
        .env("COPILOT_PROVIDER_TRANSPORT", "websockets")
        .env("COPILOT_PROVIDER_AZURE_API_VERSION", "2024-10-21")
        .env("COPILOT_MODEL", "their-model")
        .args(["exec", "copilot", "-p", "hi there", "--allow-all-tools"])
        .output()
        .unwrap()
}

fn lines_of(out: &std::process::Output) -> Vec<String> {
    stdout(out).lines().map(str::to_string).collect()
}

/// Copilot 1.0.85 and newer: the token through `agentgw token` before each request, none in its
/// environment; the shell's provider, keys, headers and models are replaced or taken out. The
/// only header is a `User-Agent` naming Copilot and its version, so `agentgw usage` counts it.
#[test]
fn exec_gives_a_current_copilot_the_gateway_and_the_key_command_only() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let path = fake_copilot(&home, "1.0.102");
    let out = exec_with_their_provider(&home, &path);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        lines_of(&out),
        [
            "arg:-p".to_string(),
            "arg:hi there".into(),
            "arg:--allow-all-tools".into(),
            "COPILOT_MODEL=databricks-claude-opus-4-6".into(),
            "COPILOT_OFFLINE=true".into(),
            format!(
                "COPILOT_PROVIDER_API_KEY_COMMAND={} token --profile default",
                agentgw_path()
            ),
            "COPILOT_PROVIDER_BASE_URL=https://ws.example.com/ai-gateway/mlflow/v1".into(),
            "COPILOT_PROVIDER_HEADERS=User-Agent: copilot/1.0.102 (agentgw)".into(),
            "COPILOT_PROVIDER_TYPE=openai".into(),
            "COPILOT_PROVIDER_WIRE_API=completions".into(),
        ]
    );
    assert!(!stdout(&out).contains(GOOD_TOKEN));
}

/// Copilot before 1.0.85 reads one bearer token when it starts: a personal access token goes
/// there (an OAuth profile gets the loopback relay instead: tests/agents/copilot.rs). The
/// `User-Agent` goes too, with the installed version (1.0.11 ignores it: tests/agents/copilot.rs).
#[test]
fn exec_gives_an_older_copilot_the_personal_access_token_in_its_environment() {
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let path = fake_copilot(&home, "1.0.11");
    let out = exec_with_their_provider(&home, &path);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let lines = lines_of(&out);
    assert_eq!(
        lines[3..],
        [
            "COPILOT_MODEL=databricks-claude-opus-4-6".to_string(),
            "COPILOT_OFFLINE=true".into(),
            "COPILOT_PROVIDER_BASE_URL=https://ws.example.com/ai-gateway/mlflow/v1".into(),
            format!("COPILOT_PROVIDER_BEARER_TOKEN={GOOD_TOKEN}"),
            "COPILOT_PROVIDER_HEADERS=User-Agent: copilot/1.0.11 (agentgw)".into(),
            "COPILOT_PROVIDER_TYPE=openai".into(),
            "COPILOT_PROVIDER_WIRE_API=completions".into(),
        ]
    );
}

/// A `copilot` nothing says the version of (no package.json; `--version` prints none) still
/// gets a User-Agent naming it, without a version.
#[test]
fn exec_names_copilot_without_a_version_when_none_is_known() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    home.login_unverified("default", GOOD_TOKEN);
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let copilot = bin.join("copilot");
    std::fs::write(
        &copilot,
        "#!/bin/sh\nenv | grep '^COPILOT_PROVIDER_HEADERS=' | sort\nexit 7\n",
    )
    .unwrap();
    std::fs::set_permissions(&copilot, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = home
        .cmd()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .args(["exec", "copilot", "-p", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "COPILOT_PROVIDER_HEADERS=User-Agent: copilot (agentgw)\n"
    );
}

fn status_entry(home: &TestHome) -> serde_json::Value {
    let out = run(home, &["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    agent_entry(&status["agents"], "copilot").clone()
}

#[test]
fn status_shows_the_profiles_model_and_route_once_set_up() {
    let gateway = Gateway::start_serving(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let entry = status_entry(&home);
    assert_eq!(entry["configured"], false, "{entry}");
    assert_eq!(
        entry["token_via"],
        "none in any file: `agentgw exec copilot` hands it one for each run"
    );
    assert!(
        run(&home, &["setup", "copilot", "--yes", "--no-test"])
            .status
            .success()
    );
    let entry = status_entry(&home);
    assert_eq!(entry["configured"], true, "{entry}");
    assert_eq!(entry["model"], CHOSEN);
    assert_eq!(
        entry["base_url"],
        format!("{}/ai-gateway/mlflow/v1", gateway.url)
    );
    assert_eq!(
        entry["model_from"],
        "profile 'default', for `agentgw exec copilot`"
    );
}

fn doctor_checks(home: &TestHome, env: &[(&str, &str)]) -> Vec<serde_json::Value> {
    let mut cmd = home.cmd();
    cmd.env("PATH", "/usr/bin:/bin");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out = cmd
        .args(["doctor", "--json", "--agent", "copilot"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["area"] == "copilot")
        .cloned()
        .collect()
}

fn check<'a>(checks: &'a [serde_json::Value], id: &str) -> Option<&'a serde_json::Value> {
    checks.iter().find(|c| c["id"] == id)
}

/// doctor: the gateway answers Copilot's route with the profile's model; a provider base URL in
/// the shell that points plain `copilot` elsewhere is a warning naming the variable (its key's
/// value never shown), one pointing at the gateway is not.
#[test]
fn doctor_checks_the_route_and_warns_of_a_shell_provider_elsewhere() {
    let gateway = Gateway::start_serving(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        run(&home, &["setup", "copilot", "--yes", "--no-test"])
            .status
            .success()
    );
    let checks = doctor_checks(&home, &[]);
    let exec = check(&checks, "exec").unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(exec["status"], "ok", "{exec}");
    assert!(check(&checks, "shell-provider").is_none(), "{checks:?}");
    let gateway_check = check(&checks, "gateway").unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(gateway_check["status"], "ok", "{gateway_check}");

    home.secret(THEIR_TOKEN);
    let checks = doctor_checks(
        &home,
        &[
            (
                "COPILOT_PROVIDER_BASE_URL",
                "https://me:pw@their.example.com/v1",
            ),
            ("COPILOT_PROVIDER_BEARER_TOKEN", THEIR_TOKEN),
        ],
    );
    let warned = check(&checks, "shell-provider").unwrap_or_else(|| panic!("{checks:?}"));
    assert_eq!(warned["status"], "warn");
    let message = warned["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "COPILOT_PROVIDER_BASE_URL in this shell points plain `copilot` at https://their.example.com/v1, \
             with the key in COPILOT_PROVIDER_BEARER_TOKEN, not the gateway"
        ),
        "{message}"
    );
    assert!(!message.contains(THEIR_TOKEN) && !message.contains(":pw@"));

    let ours = format!("{}/ai-gateway/mlflow/v1", gateway.url);
    let checks = doctor_checks(&home, &[("COPILOT_PROVIDER_BASE_URL", &ours)]);
    assert!(check(&checks, "shell-provider").is_none(), "{checks:?}");
}

#[test]
fn test_copilot_sends_a_chat_completion_to_its_route() {
    let gateway = Gateway::start_serving(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    assert!(
        run(&home, &["setup", "copilot", "--yes", "--no-test"])
            .status
            .success()
    );
    gateway.take_requests();
    let out = run(&home, &["test", "copilot"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("✓ Copilot CLI: {CHOSEN} answered in ")),
        "{}",
        stdout(&out)
    );
    let routes: Vec<String> = gateway.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(routes, ["/ai-gateway/mlflow/v1/chat/completions"]);
}
