//! OpenCode: providers in its global `opencode.json` (one per wire format: Anthropic Messages,
//! OpenAI Responses, Gemini, Chat Completions) whose key is a placeholder, `model` and
//! `small_model` naming served models, and agentgw's plugin, whose `chat.headers` hook runs the
//! token command for every request; `opencode run` must reach the gateway route of the model's
//! provider with the command's output as the Bearer token, and ask for no model the gateway does
//! not serve.

use crate::harness::{AgentHome, Outcome, dump};
use crate::support::{GOOD_TOKEN, Gateway, Recorded, STAGING_TOKEN, closed_port_url};
use crate::versions::{self, Release};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLAUDE: &str = "databricks-claude-sonnet-4-5";
const HAIKU: &str = "databricks-claude-haiku-4-5";
const GPT: &str = "databricks-gpt-5-2";
const GEMINI: &str = "databricks-gemini-2-5-flash";
const OPEN: &str = "databricks-gpt-oss-120b";
const SERVED: [&str; 5] = [CLAUDE, HAIKU, GPT, GEMINI, OPEN];

/// The plugin setup writes; its settings line gets the test's values.
const PLUGIN: &str = include_str!("../../templates/opencode/agentgw-gateway.js");
/// What the SDKs get as their own key in opencode.json.
const PLACEHOLDER: &str = "agentgw-plugin-supplies-the-token";

/// One of the providers, the stand-in's route for it (the stand-in serves the legacy family:
/// `/openai/v1` for Responses, and `/mlflow/v1`, Copilot CLI's, for Chat Completions) and what
/// OpenCode sends there.
struct Route {
    provider: &'static str,
    npm: &'static str,
    /// The provider's baseURL below the gateway.
    base: &'static str,
    path: &'static str,
    model: &'static str,
}

const ROUTES: [Route; 4] = [
    Route {
        provider: "databricks-claude",
        npm: "@ai-sdk/anthropic",
        base: "/anthropic/v1",
        path: "/ai-gateway/anthropic/v1/messages",
        model: CLAUDE,
    },
    Route {
        provider: "databricks-openai",
        npm: "@ai-sdk/openai",
        base: "/openai/v1",
        path: "/ai-gateway/openai/v1/responses",
        model: GPT,
    },
    Route {
        provider: "databricks-gemini",
        npm: "@ai-sdk/google",
        base: "/gemini/v1beta",
        path: "/ai-gateway/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent",
        model: GEMINI,
    },
    Route {
        provider: "databricks-chat",
        npm: "@ai-sdk/openai-compatible",
        base: "/mlflow/v1",
        path: "/ai-gateway/mlflow/v1/chat/completions",
        model: OPEN,
    },
];

/// Keeps a run on loopback: OpenCode's model-catalog fetch (models.dev) and update check are
/// switched off, and a proxy that refuses every connection stands in the way of what has no
/// switch (seen: 1.18.33 installs `@opencode-ai/plugin` from registry.npmjs.org into its config
/// folder at every start; 1.1.53 also fetches from github.com). The stand-in, on 127.0.0.1, is
/// reached directly.
pub(crate) fn offline_env() -> Vec<(&'static str, String)> {
    let dead = closed_port_url();
    let mut env = vec![
        ("OPENCODE_DISABLE_MODELS_FETCH", "1".to_string()),
        ("OPENCODE_DISABLE_AUTOUPDATE", "1".to_string()),
        ("NO_PROXY", "127.0.0.1,localhost".to_string()),
        ("no_proxy", "127.0.0.1,localhost".to_string()),
    ];
    for var in ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"] {
        env.push((var, dead.clone()));
    }
    env
}

fn opencode_command(home: &AgentHome, opencode: &Path) -> Command {
    let mut cmd = home.command(opencode);
    cmd.envs(offline_env());
    cmd
}

/// `opencode run "say pong"`, with `-m <model>` when given.
fn run(home: &AgentHome, opencode: &Path, model: Option<&str>) -> Outcome {
    let mut cmd = opencode_command(home, opencode);
    cmd.arg("run");
    if let Some(model) = model {
        cmd.args(["-m", model]);
    }
    cmd.arg("say pong");
    home.run(&mut cmd)
}

/// The plugin file with `command` as its token command and the routes of `gateway`.
fn write_plugin(home: &AgentHome, gateway: &Gateway, command: &Path) -> PathBuf {
    let providers: serde_json::Map<String, Value> = ROUTES
        .iter()
        .map(|r| {
            let url = format!("{}{}", gateway.gateway_url(), r.base);
            (r.provider.to_string(), Value::String(url))
        })
        .collect();
    let settings = json!({"command": [command], "providers": providers});
    let code = PLUGIN.replace(
        "const SETTINGS = {};",
        &format!("const SETTINGS = {settings};"),
    );
    home.write_beside("agentgw-gateway-test.js", &code)
}

/// The providers, model and small model setup writes, with `plugin` as the plugin entry.
fn config(gateway: &Gateway, plugin: &Path, model: &Route) -> Value {
    let mut providers = json!({});
    for route in &ROUTES {
        let mut models = json!({ route.model: {} });
        if route.provider == "databricks-claude" {
            let entry = json!({"options": {"toolStreaming": false}});
            models = json!({ CLAUDE: entry.clone(), HAIKU: entry });
        }
        providers[route.provider] = json!({
            "npm": route.npm,
            "options": {
                "baseURL": format!("{}{}", gateway.gateway_url(), route.base),
                "apiKey": PLACEHOLDER,
            },
            "models": models,
        });
    }
    json!({
        "provider": providers,
        "model": format!("{}/{}", model.provider, model.model),
        "small_model": format!("databricks-claude/{HAIKU}"),
        "plugin": [format!("file://{}", plugin.display())],
    })
}

/// A token command that prints the next of `tokens` (the last one again once they run out) and
/// appends a line to a log each time it runs.
fn token_command(home: &AgentHome, tokens: &[&str]) -> (PathBuf, PathBuf) {
    let calls = home.home().parent().unwrap().join("out/token-calls");
    let list = tokens.join(" ");
    let script = home.write_beside(
        "token.sh",
        &format!(
            "#!/bin/sh\necho run >> '{calls}'\nn=$(wc -l < '{calls}')\nset -- {list}\n\
             while [ \"$n\" -gt 1 ] && [ $# -gt 1 ]; do shift; n=$((n-1)); done\nprintf '%s' \"$1\"\n",
            calls = calls.display()
        ),
    );
    let status = Command::new("chmod").arg("755").arg(&script).status();
    assert!(status.is_ok_and(|s| s.success()));
    (script, calls)
}

/// The model a request names: in the path for Gemini, in the body for the others.
fn model_of(request: &Recorded) -> String {
    match request.route().split("/models/").nth(1) {
        Some(rest) => rest.split(':').next().unwrap_or_default().to_string(),
        None => request
            .json()
            .and_then(|b| b["model"].as_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

/// The path of the route a served model's requests go to.
fn path_of(model: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|r| r.model == model)
        .map_or("/ai-gateway/anthropic/v1/messages", |r| r.path)
}

/// The run printed the stand-in's reply, and every request went to the route of the model it
/// names, answered 200 (so names a served model: the stand-in answers 404 for any other), with
/// `token` as the Bearer token; the main model was asked at least once.
fn assert_reached(
    gateway: &Gateway,
    outcome: &Outcome,
    release: &Release,
    main: &str,
    token: &str,
) {
    let context = || {
        format!(
            "{release} {main}: {outcome}\n--- requests ---\n{}",
            gateway.request_summary()
        )
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    let requests = gateway.requests();
    assert!(
        requests.iter().any(|r| model_of(r) == main),
        "{}",
        context()
    );
    for request in &requests {
        assert_eq!(request.method, "POST", "{}", context());
        assert_eq!(request.status, 200, "{}", context());
        let model = model_of(request);
        assert!(model == main || model == HAIKU, "{model}: {}", context());
        assert_eq!(request.route(), path_of(&model), "{}", context());
        assert_eq!(request.bearer(), Some(token), "{}", context());
    }
}

#[test]
fn opencode_run_reaches_each_gateway_route_with_the_plugins_token() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        for route in &ROUTES {
            let gateway = Gateway::start_serving(&SERVED);
            let home = AgentHome::new();
            let (command, _) = token_command(&home, &[GOOD_TOKEN]);
            let plugin = write_plugin(&home, &gateway, &command);
            let config = config(&gateway, &plugin, route);
            home.write(".config/opencode/opencode.json", &config.to_string());
            let outcome = run(&home, &opencode, None);
            dump(
                &format!("{release} {}", route.provider),
                &home,
                &gateway,
                &outcome,
            );
            assert_reached(&gateway, &outcome, &release, route.model, GOOD_TOKEN);
            // Titles go to the small model (unset, OpenCode asks for a model of its own choosing,
            // which the gateway does not serve).
            let models: Vec<String> = gateway.requests().iter().map(model_of).collect();
            assert!(
                models.iter().any(|m| m == HAIKU),
                "{release}: no request for the small model: {models:?}"
            );
            // The SDKs' own key headers carry the token too, never the placeholder.
            for request in gateway.requests() {
                for header in ["x-api-key", "x-goog-api-key"] {
                    if let Some(value) = request.header(header) {
                        assert_eq!(value, GOOD_TOKEN, "{release}: {header}");
                    }
                }
            }
        }
    }
}

/// What keeps a long session on a fresh OAuth token: the plugin asks the token command for every
/// request (it prints one token, then another: the later requests carry the later one).
#[test]
fn opencode_asks_the_token_command_for_every_request() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        let gateway = Gateway::start_serving(&SERVED);
        let home = AgentHome::new();
        let (command, calls) = token_command(&home, &[GOOD_TOKEN, STAGING_TOKEN]);
        let plugin = write_plugin(&home, &gateway, &command);
        let config = config(&gateway, &plugin, &ROUTES[0]);
        home.write(".config/opencode/opencode.json", &config.to_string());
        let outcome = run(&home, &opencode, None);
        dump(&release.to_string(), &home, &gateway, &outcome);
        let requests = gateway.requests();
        let context = format!("{release}: {outcome}\n{}", gateway.request_summary());
        assert!(outcome.succeeded(), "{context}");
        assert!(requests.len() >= 2, "{context}");
        let runs = std::fs::read_to_string(&calls).unwrap_or_default();
        assert_eq!(runs.lines().count(), requests.len(), "{context}");
        let tokens: Vec<Option<&str>> = requests.iter().map(Recorded::bearer).collect();
        assert_eq!(tokens[0], Some(GOOD_TOKEN), "{context}");
        assert!(
            tokens[1..].iter().all(|t| *t == Some(STAGING_TOKEN)),
            "{context}: {tokens:?}"
        );
    }
}

/// OpenCode turns on `eager_input_streaming` for the tools of models named claude, which the
/// gateway rejects (the vendor's tool reports it): `toolStreaming: false` on each Claude model
/// keeps it out. Seen with 1.18.33: without the option every tool carries it.
#[test]
fn opencode_claude_tools_carry_no_eager_input_streaming_with_tool_streaming_off() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        for tool_streaming_off in [true, false] {
            let gateway = Gateway::start_serving(&SERVED);
            let home = AgentHome::new();
            let (command, _) = token_command(&home, &[GOOD_TOKEN]);
            let plugin = write_plugin(&home, &gateway, &command);
            let mut config = config(&gateway, &plugin, &ROUTES[0]);
            if !tool_streaming_off {
                config["provider"]["databricks-claude"]["models"] = json!({CLAUDE: {}, HAIKU: {}});
            }
            home.write(".config/opencode/opencode.json", &config.to_string());
            let outcome = run(&home, &opencode, None);
            assert_reached(&gateway, &outcome, &release, CLAUDE, GOOD_TOKEN);
            let main = gateway
                .requests()
                .into_iter()
                .find(|r| model_of(r) == CLAUDE)
                .unwrap();
            let tools = main.json().unwrap()["tools"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(!tools.is_empty(), "{release}: no tools");
            let eager = tools
                .iter()
                .filter(|t| t.get("eager_input_streaming").is_some())
                .count();
            if tool_streaming_off {
                assert_eq!(eager, 0, "{release}");
            } else if release.role == "current" {
                assert_eq!(
                    eager,
                    tools.len(),
                    "{release}: the option is what keeps it out"
                );
            }
        }
    }
}

/// A project's opencode.json outranks the user's: one that points agentgw's provider at another
/// host gets no token from the plugin: the run stops with an error saying which provider points
/// where.
#[test]
fn opencode_plugin_sends_no_token_to_a_provider_pointed_elsewhere() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        let gateway = Gateway::start_serving(&SERVED);
        let foreign = Gateway::start_serving(&SERVED);
        let home = AgentHome::new();
        let (command, calls) = token_command(&home, &[GOOD_TOKEN]);
        let plugin = write_plugin(&home, &gateway, &command);
        let config = config(&gateway, &plugin, &ROUTES[0]);
        home.write(".config/opencode/opencode.json", &config.to_string());
        let elsewhere = format!("{}/anthropic/v1", foreign.gateway_url());
        let project =
            json!({"provider": {"databricks-claude": {"options": {"baseURL": elsewhere}}}});
        std::fs::write(home.work().join("opencode.json"), project.to_string()).unwrap();
        let outcome = run(&home, &opencode, None);
        dump(&release.to_string(), &home, &foreign, &outcome);
        let context = format!("{release}: {outcome}\n{}", foreign.request_summary());
        // 1.1.53 reports the error but exits 0.
        if release.role == "current" {
            assert!(!outcome.succeeded(), "{context}");
        }
        assert!(!outcome.stdout.contains("pong"), "{context}");
        assert!(
            foreign
                .requests()
                .iter()
                .all(|r| r.bearer() != Some(GOOD_TOKEN)),
            "{context}"
        );
        assert!(gateway.requests().is_empty(), "{context}");
        assert!(!calls.exists(), "{context}: the token command ran");
        let said = format!("{}{}", outcome.stdout, outcome.stderr);
        assert!(
            said.contains(&format!(
                "provider \"databricks-claude\" points at {elsewhere}, not at the Databricks AI Gateway"
            )),
            "{context}"
        );
    }
}

// ---- agentgw setup / exec / remove with the real OpenCode ----

/// What the workspace serves: names no agent defaults to (the stand-in also answers them as
/// `databricks-<m>`).
const WORKSPACE: [&str; 6] = [
    "system.ai.claude-opus-4-6",
    "system.ai.claude-sonnet-4-5",
    "system.ai.claude-haiku-4-5",
    "system.ai.gpt-5-2",
    "system.ai.gemini-2-5-flash",
    "system.ai.gpt-oss-120b",
];

/// A user's opencode.json with comments, trailing commas, a provider and settings of their own,
/// and no `$schema`, which OpenCode writes into a global file that lacks it when it starts (seen
/// with 1.1.53 and 1.18.33): setup gives it one, so the file stays as setup left it and remove
/// gives back these bytes.
const THEIR_CONFIG: &str = r#"{
  // my local models
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": { "baseURL": "http://127.0.0.1:9/v1" },
      "models": { "llama3.1:8b": {} },
    },
  },
  "theme": "tokyonight",
  "autoupdate": false,
}
"#;

fn agentgw(home: &AgentHome, opencode: &Path, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = home
        .agentgw(opencode)
        .args(args)
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
    let out = child.wait_with_output().unwrap();
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
    said
}

fn read(home: &AgentHome, rel: &str) -> String {
    std::fs::read_to_string(home.home().join(rel)).unwrap()
}

/// No file under HOME but agentgw's token store holds the token.
fn assert_token_in_no_file(home: &AgentHome, release: &Release) {
    let mut stack = vec![home.home()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.ends_with(".config/agentgw/tokens.toml") {
                let text =
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
                assert!(
                    !text.contains(GOOD_TOKEN),
                    "{release}: {} holds the token",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn opencode_set_up_by_agentgw_uses_served_models_and_is_removed_exactly() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        home.write(".config/opencode/opencode.json", THEIR_CONFIG);
        agentgw(
            &home,
            &opencode,
            &["login", "--host", &gateway.url, "--token-stdin"],
            GOOD_TOKEN,
        );
        let said = agentgw(&home, &opencode, &["setup", "opencode", "--yes"], "");
        assert!(said.contains("✓ test request"), "{release}: {said}");
        gateway.take_requests();

        // Plain `opencode run`, as a user runs it after setup: the newest served opus, its
        // titles on the newest haiku, every request on the gateway with the profile's token.
        let outcome = run(&home, &opencode, None);
        dump(&release.to_string(), &home, &gateway, &outcome);
        let context = format!(
            "{release}: {outcome}\n{}\n--- opencode.json ---\n{}",
            gateway.request_summary(),
            read(&home, ".config/opencode/opencode.json")
        );
        assert!(
            outcome.succeeded() && outcome.stdout.contains("pong"),
            "{context}"
        );
        let requests = gateway.requests();
        let models: Vec<String> = requests.iter().map(model_of).collect();
        assert!(
            models.iter().any(|m| m == "system.ai.claude-opus-4-6"),
            "{context}"
        );
        for request in &requests {
            // The stand-in answers 404 for any model the workspace does not serve.
            assert_eq!(request.status, 200, "{context}");
            assert_eq!(request.route(), ROUTES[0].path, "{context}");
            assert!(
                ["system.ai.claude-opus-4-6", "system.ai.claude-haiku-4-5"]
                    .contains(&model_of(request).as_str()),
                "{context}"
            );
            assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{context}");
        }

        // The other providers answer too, by `-m <provider>/<model>`.
        for (selected, path) in [
            (
                "databricks-openai/system.ai.gpt-5-2",
                "/ai-gateway/openai/v1/responses",
            ),
            (
                "databricks-gemini/system.ai.gemini-2-5-flash",
                "/ai-gateway/gemini/v1beta/models/system.ai.gemini-2-5-flash:streamGenerateContent",
            ),
            (
                "databricks-chat/system.ai.gpt-oss-120b",
                "/ai-gateway/mlflow/v1/chat/completions",
            ),
        ] {
            gateway.take_requests();
            let outcome = run(&home, &opencode, Some(selected));
            let context = format!(
                "{release} {selected}: {outcome}\n{}",
                gateway.request_summary()
            );
            assert!(
                outcome.succeeded() && outcome.stdout.contains("pong"),
                "{context}"
            );
            let main = gateway.requests_to("POST", path);
            assert!(!main.is_empty(), "{context}");
            for request in gateway.requests() {
                assert_eq!(request.status, 200, "{context}");
                assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{context}");
            }
        }
        assert_token_in_no_file(&home, &release);

        agentgw(&home, &opencode, &["remove", "opencode", "--yes"], "");
        assert_eq!(
            read(&home, ".config/opencode/opencode.json"),
            THEIR_CONFIG,
            "{release}"
        );
    }
}

/// `agentgw exec opencode` with the user's file and the folder's project file naming another
/// model on a foreign host: the run goes to the gateway with the profile's token, the foreign
/// host gets nothing, and OpenCode's files stay as they were.
#[test]
fn opencode_exec_reaches_the_gateway_whatever_the_config_files_say() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let foreign = Gateway::start_serving(&SERVED);
        let home = AgentHome::new();
        // With a `$schema`: OpenCode writes one into a global file without it.
        let theirs = json!({
            "$schema": "https://opencode.ai/config.json",
            "provider": {"elsewhere": {
                "npm": "@ai-sdk/anthropic",
                "options": {"baseURL": format!("{}/anthropic/v1", foreign.gateway_url()), "apiKey": "their-own-key"},
                "models": {"their-model": {}},
            }},
            "model": "elsewhere/their-model",
            "small_model": "elsewhere/their-model",
        })
        .to_string();
        home.write(".config/opencode/opencode.json", &theirs);
        std::fs::write(home.work().join("opencode.json"), &theirs).unwrap();
        agentgw(
            &home,
            &opencode,
            &["login", "--host", &gateway.url, "--token-stdin"],
            GOOD_TOKEN,
        );
        gateway.take_requests();

        let mut cmd = home.agentgw(&opencode);
        cmd.envs(offline_env()).args([
            "exec",
            "--model",
            "system.ai.claude-sonnet-4-5",
            "opencode",
            "run",
            "say pong",
        ]);
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &gateway, &outcome);
        let context = format!("{release}: {outcome}\n{}", gateway.request_summary());
        assert!(
            foreign.requests().is_empty(),
            "{context}\n{}",
            foreign.request_summary()
        );
        assert!(
            outcome.succeeded() && outcome.stdout.contains("pong"),
            "{context}"
        );
        let requests = gateway.requests();
        assert!(!requests.is_empty(), "{context}");
        for request in &requests {
            assert_eq!(request.status, 200, "{context}");
            assert_eq!(request.route(), ROUTES[0].path, "{context}");
            assert_eq!(
                model_of(request),
                "system.ai.claude-sonnet-4-5",
                "{context}"
            );
            assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{context}");
        }
        assert_eq!(read(&home, ".config/opencode/opencode.json"), theirs);
        assert!(!outcome.stderr.contains(GOOD_TOKEN), "{release}");
        assert_token_in_no_file(&home, &release);
    }
}

/// An OAuth sign-in whose access tokens live a few seconds: OpenCode set up by agentgw, run twice
/// across a token's expiry, reaches the gateway both times, the second time with a refreshed
/// token (the plugin asks `agentgw token`, which refreshes it); no token sits in any file.
#[test]
fn opencode_runs_across_a_token_expiry_with_refreshed_tokens() {
    let Some(releases) = versions::installed("opencode") else {
        return;
    };
    for (release, opencode) in releases {
        let (gateway, home) = crate::oauth::signed_in(&opencode);
        crate::oauth::agentgw_ok(&home, &opencode, &["setup", "opencode", "--yes"], None);
        crate::oauth::twice_across_expiry(
            &gateway,
            &release,
            ROUTES[0].path,
            || run(&home, &opencode, None),
            |_| {},
        );
        crate::oauth::assert_no_token_on_disk(&home, &gateway, &release);
    }
}
