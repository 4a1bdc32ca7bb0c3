//! `agentgw setup pi` / `remove pi` on real files: Pi's models.json and settings.json in its
//! agent folder (`~/.pi/agent`, or `$PI_CODING_AGENT_DIR`).

use crate::common::{TestHome, assert_no_secret, stderr, stdout};
use crate::setup::{agentgw_path, home, read, remove, setup, write};
use crate::support::{GOOD_TOKEN, Gateway};

/// A user's models.json as Pi accepts it: comments and trailing commas (Pi strips both before
/// parsing), a provider of their own.
const THEIR_MODELS: &str = r#"{
  // my local models
  "providers": {
    "ollama": {
      "baseUrl": "http://localhost:11434/v1",
      "api": "openai-completions",
      "apiKey": "ollama",
      "models": [{ "id": "llama3.1:8b" }],
    },
  },
}
"#;

const THEIR_SETTINGS: &str = "{\n  \"theme\": \"light\",\n  \"defaultProvider\": \"ollama\",\n  \"defaultModel\": \"llama3.1:8b\"\n}\n";

/// (No Pi is installed here, so its version is unknown: no User-Agent header, see below.)
#[test]
fn pi_gets_a_gateway_provider_with_a_key_command_and_no_token() {
    let home = home();
    let out = setup(&home, &["pi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Pi: configured for https://ws.example.com/ai-gateway with model databricks-claude-opus-4-6 (~/.pi/agent/models.json, ~/.pi/agent/settings.json)\n"
    );
    let models = read(&home.path().join(".pi/agent/models.json"));
    assert_eq!(
        models,
        format!(
            r#"{{
  "providers": {{
    "databricks-claude": {{
      "baseUrl": "https://ws.example.com/ai-gateway/anthropic",
      "api": "anthropic-messages",
      "apiKey": "!{} token --profile default",
      "authHeader": true,
      "compat": {{
        "supportsEagerToolInputStreaming": false
      }},
      "models": [
        {{
          "id": "databricks-claude-opus-4-6"
        }}
      ]
    }}
  }}
}}
"#,
            agentgw_path()
        )
    );
    assert_eq!(
        read(&home.path().join(".pi/agent/settings.json")),
        "{\n  \"defaultProvider\": \"databricks-claude\",\n  \"defaultModel\": \"databricks-claude-opus-4-6\"\n}\n"
    );
    assert!(!models.contains(GOOD_TOKEN));
    assert_no_secret(&out, GOOD_TOKEN);
}

#[test]
fn pi_configs_of_the_user_survive_setup_then_remove_byte_for_byte() {
    let home = home();
    let models = write(&home, ".pi/agent/models.json", THEIR_MODELS);
    let settings = write(&home, ".pi/agent/settings.json", THEIR_SETTINGS);
    let out = setup(&home, &["pi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = read(&models);
    assert!(
        written.starts_with("{\n  // my local models\n  \"providers\": {\n    \"ollama\": {"),
        "{written}"
    );
    assert!(written.contains("\"databricks-claude\""), "{written}");
    let out = remove(&home, &["pi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&models), THEIR_MODELS);
    assert_eq!(read(&settings), THEIR_SETTINGS);
}

#[test]
fn pi_dry_run_prints_the_diff_and_changes_nothing() {
    let home = home();
    let models = write(&home, ".pi/agent/models.json", THEIR_MODELS);
    let out = home
        .cmd()
        .args(["setup", "pi", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.starts_with(&format!("--- a{}\n", models.display())),
        "{diff}"
    );
    assert!(diff.contains("+    \"databricks-claude\": {\n"), "{diff}");
    assert_eq!(read(&models), THEIR_MODELS);
    assert!(!home.path().join(".pi/agent/settings.json").exists());
}

#[test]
fn pi_files_behind_symlinks_stay_symlinks() {
    let home = home();
    let real = write(&home, "dotfiles/pi/settings.json", THEIR_SETTINGS);
    std::fs::create_dir_all(home.path().join(".pi/agent")).unwrap();
    let link = home.path().join(".pi/agent/settings.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let is_link = || {
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    };
    assert!(setup(&home, &["pi"]).status.success());
    assert!(is_link());
    assert!(read(&real).contains("\"defaultProvider\": \"databricks-claude\""));
    assert!(remove(&home, &["pi"]).status.success());
    assert!(is_link());
    assert_eq!(read(&real), THEIR_SETTINGS);
}

/// `PI_CODING_AGENT_DIR` moves Pi's folder, `~` included (as Pi reads it).
#[test]
fn pi_setup_writes_into_pi_coding_agent_dir() {
    let home = home();
    let out = home
        .cmd()
        .env("PI_CODING_AGENT_DIR", "~/dotfiles/pi")
        .args(["setup", "pi", "--yes", "--no-test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("(~/dotfiles/pi/models.json, ~/dotfiles/pi/settings.json)"));
    assert!(home.path().join("dotfiles/pi/models.json").exists());
    assert!(!home.path().join(".pi").exists());
}

/// A GPT model makes the OpenAI Responses provider (Codex's route) Pi's default.
#[test]
fn a_gpt_model_makes_the_openai_provider_the_default() {
    let home = home();
    let out = setup(&home, &["pi", "--model", "databricks-gpt-5-2", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let models: serde_json::Value =
        serde_json::from_str(&read(&home.path().join(".pi/agent/models.json"))).unwrap();
    let provider = &models["providers"]["databricks-openai"];
    assert_eq!(
        provider["baseUrl"],
        "https://ws.example.com/ai-gateway/openai/v1"
    );
    assert_eq!(provider["api"], "openai-responses");
    assert_eq!(
        provider["models"],
        serde_json::json!([{"id": "databricks-gpt-5-2"}])
    );
    assert!(
        models["providers"].get("databricks-claude").is_none(),
        "{models}"
    );
    assert_eq!(
        read(&home.path().join(".pi/agent/settings.json")),
        "{\n  \"defaultProvider\": \"databricks-openai\",\n  \"defaultModel\": \"databricks-gpt-5-2\"\n}\n"
    );
}

#[test]
fn a_model_pi_cannot_reach_is_refused_naming_the_flag() {
    let home = home();
    let out = setup(
        &home,
        &[
            "pi",
            "--model",
            "databricks-meta-llama-3-3-70b-instruct",
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("fix: pass a Claude, GPT or Gemini model with --model"),
        "{}",
        stderr(&out)
    );
    assert!(!home.path().join(".pi/agent/models.json").exists());
}

/// A key stored in auth.json for the gateway provider's id would be sent instead of the
/// profile's token: exec refuses before starting Pi, naming the file and entry.
#[test]
fn exec_refuses_a_key_stored_for_the_gateway_provider() {
    let home = home();
    let auth = write(
        &home,
        ".pi/agent/auth.json",
        "{\"databricks-claude\": {\"type\": \"api_key\", \"key\": \"their-old-key\"}}",
    );
    let out = home
        .cmd()
        .args(["exec", "pi", "-p", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("~/.pi/agent/auth.json holds a credential for provider databricks-claude"),
        "{err}"
    );
    assert!(
        err.contains("fix: remove the \"databricks-claude\" entry"),
        "{err}"
    );
    assert!(read(&auth).contains("their-old-key"));
}

/// status shows Pi's default provider's URL, the model and the key helper.
#[test]
fn status_reads_pis_default_provider() {
    let home = home();
    assert!(setup(&home, &["pi"]).status.success());
    let out = home.cmd().args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pi = status["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent"] == "pi")
        .unwrap();
    assert_eq!(pi["configured"], true, "{pi}");
    assert_eq!(
        pi["base_url"],
        "https://ws.example.com/ai-gateway/anthropic"
    );
    assert_eq!(pi["model"], "databricks-claude-opus-4-6");
    assert_eq!(pi["model_from"], "~/.pi/agent/settings.json");
    assert_eq!(pi["token_via"], "helper: agentgw token --profile default");
}

/// doctor names what outranks agentgw's Pi setup in the current folder: a key stored in
/// auth.json for the gateway's provider (fail), then a project's `.pi/settings.json` choosing a
/// provider of the user's (warn).
#[test]
fn doctor_names_a_stored_key_and_a_project_default() {
    let home = home();
    write(&home, ".pi/agent/models.json", THEIR_MODELS);
    assert!(setup(&home, &["pi"]).status.success());
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let check = |id: &str| {
        let out = home
            .cmd()
            .current_dir(&work)
            .env("AGENTGW_HTTP_TIMEOUT", "2")
            .args(["doctor", "--agent", "pi", "--json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
    };
    assert_eq!(check("stored-key"), None);
    assert_eq!(check("project-settings"), None);
    write(
        &home,
        ".pi/agent/auth.json",
        "{\"databricks-claude\": {\"type\": \"api_key\", \"key\": \"their-old-key\"}}",
    );
    let stored = check("stored-key").expect("a stored-key check");
    assert_eq!(stored["status"], "fail", "{stored}");
    assert_eq!(
        stored["message"],
        "~/.pi/agent/auth.json holds a credential for provider databricks-claude, which Pi uses instead of the gateway's key helper"
    );
    assert_eq!(
        stored["fix"],
        "remove the \"databricks-claude\" entry from ~/.pi/agent/auth.json (in Pi: /logout databricks-claude)"
    );
    write(
        &home,
        "work/.pi/settings.json",
        "{\"defaultProvider\": \"ollama\", \"defaultModel\": \"llama3.1:8b\"}",
    );
    let project = check("project-settings").expect("a project-settings check");
    assert_eq!(project["status"], "warn", "{project}");
    assert_eq!(
        project["message"],
        "~/work/.pi/settings.json makes Pi use ollama/llama3.1:8b in this folder, not the gateway"
    );
}

// ---- the User-Agent: how `agentgw usage` tells Pi's requests apart ----

/// An installed Pi as npm lays it out: `bin/pi` links to the package's `cli.js`, whose
/// `package.json` names the package (`@mariozechner/pi-coding-agent` up to 0.73.1) and version.
/// Its `--version` prints to stderr, as Pi 0.63.0 does (so agentgw must read the version from
/// the package). Started otherwise, it prints its arguments and the extension `-e` names, then
/// exits 7. Installing again over it is an upgrade. Returns the PATH to run agentgw with.
fn fake_pi(home: &TestHome, package: &str, version: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let dir = home.path().join("npm/lib/node_modules").join(package);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        format!(r#"{{"name": "{package}", "version": "{version}", "bin": {{"pi": "cli.js"}}}}"#),
    )
    .unwrap();
    let cli = dir.join("cli.js");
    std::fs::write(
        &cli,
        format!(
            "#!/bin/sh\n[ \"$1\" = --version ] && echo {version} >&2 && exit 0\n\
             printf 'arg:%s\\n' \"$@\"\n[ \"$1\" = -e ] && cat \"$2\"\nexit 7\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let _ = std::fs::remove_file(bin.join("pi"));
    std::os::unix::fs::symlink(&cli, bin.join("pi")).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

/// What the stand-in workspace serves: one model of each of Pi's three providers.
const SERVED: [&str; 3] = [
    "system.ai.claude-opus-4-6",
    "system.ai.gpt-5-2",
    "system.ai.gemini-2-5-flash",
];

fn setup_with(home: &TestHome, path: &str, extra: &[&str]) -> std::process::Output {
    home.cmd()
        .env("PATH", path)
        .args(["setup", "pi", "--yes", "--no-test"])
        .args(extra)
        .output()
        .unwrap()
}

/// models.json as setup writes it for the three providers on `gateway`, each with
/// `"headers": {"User-Agent": user_agent}` when one is given.
fn models_json(gateway: &Gateway, user_agent: Option<&str>) -> String {
    let base = format!("{}/ai-gateway", gateway.url);
    let key = format!("!{} token --profile default", agentgw_path());
    let headers = |indent: &str| match user_agent {
        Some(ua) => {
            format!("{indent}\"headers\": {{\n{indent}  \"User-Agent\": \"{ua}\"\n{indent}}},\n")
        }
        None => String::new(),
    };
    let h = headers("      ");
    format!(
        r#"{{
  "providers": {{
    "databricks-claude": {{
      "baseUrl": "{base}/anthropic",
      "api": "anthropic-messages",
      "apiKey": "{key}",
      "authHeader": true,
{h}      "compat": {{
        "supportsEagerToolInputStreaming": false
      }},
      "models": [
        {{
          "id": "system.ai.claude-opus-4-6"
        }}
      ]
    }},
    "databricks-openai": {{
      "baseUrl": "{base}/openai/v1",
      "api": "openai-responses",
      "apiKey": "{key}",
      "authHeader": true,
{h}      "models": [
        {{
          "id": "system.ai.gpt-5-2"
        }}
      ]
    }},
    "databricks-gemini": {{
      "baseUrl": "{base}/gemini/v1beta",
      "api": "google-generative-ai",
      "apiKey": "{key}",
      "authHeader": true,
{h}      "models": [
        {{
          "id": "system.ai.gemini-2-5-flash"
        }}
      ]
    }}
  }}
}}
"#
    )
}

/// Pi before 0.84.3 sends its provider SDKs' own User-Agents (`Anthropic/JS …`), which name no
/// agent: each provider gets `pi/<version> (agentgw)`, and setup says why.
#[test]
fn an_old_pi_gets_a_user_agent_naming_it_on_each_provider() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let path = fake_pi(&home, "@mariozechner/pi-coding-agent", "0.63.0");
    let out = setup_with(&home, &path, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&home.path().join(".pi/agent/models.json")),
        models_json(&gateway, Some("pi/0.63.0 (agentgw)"))
    );
    assert!(
        stderr(&out).contains(
            "Pi 0.63.0 does not name itself in its requests (from 0.84.3 it does): its providers \
             send `User-Agent: pi/0.63.0 (agentgw)`, so `agentgw usage` counts them as Pi's.\n"
        ),
        "{}",
        stderr(&out)
    );
}

/// From 0.84.3 Pi names itself (`pi/1.6.0 (linux; node/…; x64)`): a header would replace that,
/// so none is written.
#[test]
fn a_pi_that_names_itself_gets_no_user_agent() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let path = fake_pi(&home, "@earendil-works/pi-coding-agent", "0.84.3");
    let out = setup_with(&home, &path, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&home.path().join(".pi/agent/models.json")),
        models_json(&gateway, None)
    );
    assert!(!stderr(&out).contains("User-Agent"), "{}", stderr(&out));
}

/// 0.84.2 gets the header; after an upgrade to 0.84.3 setup shows the header going in its
/// diff, takes it out (no empty `headers` left), and remove gives back the user's file byte for
/// byte.
#[test]
fn upgrading_pi_past_0_84_3_takes_the_header_out_and_remove_restores_the_users_file() {
    let gateway = Gateway::start_workspace_models(&SERVED);
    let home = TestHome::logged_in_to(&gateway.url);
    let models = write(&home, ".pi/agent/models.json", THEIR_MODELS);
    let path = fake_pi(&home, "@earendil-works/pi-coding-agent", "0.84.2");
    assert!(setup_with(&home, &path, &[]).status.success());
    let written = read(&models);
    assert_eq!(
        written
            .matches("\"User-Agent\": \"pi/0.84.2 (agentgw)\"")
            .count(),
        3,
        "{written}"
    );

    let path = fake_pi(&home, "@earendil-works/pi-coding-agent", "0.84.3");
    let out = home
        .cmd()
        .env("PATH", &path)
        .args(["setup", "pi", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let diff = stdout(&out);
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let header = [
        "-      \"headers\": {",
        "-        \"User-Agent\": \"pi/0.84.2 (agentgw)\"",
        "-      },",
    ];
    assert_eq!(removed, header.repeat(3), "{diff}");
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with('+') && !l.starts_with("+++")),
        "{diff}"
    );
    assert_eq!(read(&models), written);

    assert!(setup_with(&home, &path, &[]).status.success());
    let upgraded = read(&models);
    assert!(!upgraded.contains("headers"), "{upgraded}");
    assert!(upgraded.contains("\"databricks-gemini\""), "{upgraded}");
    let out = home
        .cmd()
        .env("PATH", &path)
        .args(["remove", "pi", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&models), THEIR_MODELS);
}

/// The header is agentgw's like the rest of its provider entries: `remove pi` takes it with them.
#[test]
fn remove_takes_the_user_agent_with_the_providers() {
    let home = home();
    let models = write(&home, ".pi/agent/models.json", THEIR_MODELS);
    let path = fake_pi(&home, "@mariozechner/pi-coding-agent", "0.73.1");
    assert!(setup_with(&home, &path, &[]).status.success());
    assert!(read(&models).contains("\"User-Agent\": \"pi/0.73.1 (agentgw)\""));
    assert!(remove(&home, &["pi"]).status.success());
    assert_eq!(read(&models), THEIR_MODELS);
}

/// The provider `agentgw exec pi` registers through its extension, parsed from what the fake Pi
/// printed of it.
fn exec_provider(home: &TestHome, path: &str) -> serde_json::Value {
    let out = home
        .cmd()
        .env("PATH", path)
        .args(["exec", "pi", "-p", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let printed = stdout(&out);
    let table = printed
        .lines()
        .find_map(|l| l.strip_prefix("const PROVIDERS = "))
        .and_then(|l| l.strip_suffix(';'))
        .unwrap_or_else(|| panic!("no provider table in:\n{printed}"));
    let providers: serde_json::Value = serde_json::from_str(table).unwrap();
    providers["databricks-claude"].clone()
}

/// Exec's provider carries the same header as setup writes, by the installed Pi's version.
#[test]
fn exec_gives_an_old_pi_the_user_agent_and_a_new_pi_none() {
    let home = home();
    let path = fake_pi(&home, "@mariozechner/pi-coding-agent", "0.63.0");
    let provider = exec_provider(&home, &path);
    assert_eq!(
        provider["headers"],
        serde_json::json!({"User-Agent": "pi/0.63.0 (agentgw)"}),
        "{provider}"
    );
    let path = fake_pi(&home, "@earendil-works/pi-coding-agent", "1.6.0");
    let provider = exec_provider(&home, &path);
    assert_eq!(provider.get("headers"), None, "{provider}");
    assert_eq!(provider["api"], "anthropic-messages", "{provider}");
}
