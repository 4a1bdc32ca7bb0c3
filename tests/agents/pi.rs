//! Pi: providers in `~/.pi/agent/models.json` (one per wire format: Anthropic Messages, OpenAI
//! Responses, Gemini) whose `apiKey` is a `!command`, and `~/.pi/agent/settings.json` naming the
//! default; `pi -p` must reach the gateway route of the model's family with the command's output
//! as a Bearer token, running the command for every request.

use crate::harness::{AgentHome, Outcome, dump};
use crate::support::{GOOD_TOKEN, Gateway, Recorded};
use crate::versions::{self, Release};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLAUDE: &str = "databricks-claude-opus-4-6";
const GPT: &str = "databricks-gpt-5-2";
const GEMINI: &str = "databricks-gemini-2-5-flash";

/// Keeps a run on loopback and quiet: no update check, no install telemetry, no tool downloads.
/// (Seen with 0.63.0, 0.73.1 and 1.6.0: `pi -p` makes none of those even without them; the
/// interactive mode does.)
const HEADLESS_ENV: [(&str, &str); 2] = [("PI_OFFLINE", "1"), ("PI_TELEMETRY", "0")];

/// The gateway route of each provider, the request path Pi sends there, and the model.
struct Route {
    provider: &'static str,
    api: &'static str,
    base: &'static str,
    path: &'static str,
    model: &'static str,
}

const ROUTES: [Route; 3] = [
    Route {
        provider: "databricks-claude",
        api: "anthropic-messages",
        base: "/anthropic",
        path: "/ai-gateway/anthropic/v1/messages",
        model: CLAUDE,
    },
    Route {
        provider: "databricks-openai",
        api: "openai-responses",
        base: "/openai/v1",
        path: "/ai-gateway/openai/v1/responses",
        model: GPT,
    },
    Route {
        provider: "databricks-gemini",
        api: "google-generative-ai",
        base: "/gemini/v1beta",
        path: "/ai-gateway/gemini/v1beta/models/databricks-gemini-2-5-flash:streamGenerateContent",
        model: GEMINI,
    },
];

/// `pi` of a release, with its bin folder first on PATH: install-agents.sh links there the node a
/// release needs when the machine's is older (1.6.0 wants 22.19).
pub(crate) fn pi_command(home: &AgentHome, pi: &Path) -> Command {
    let mut cmd = home.command(pi);
    cmd.env("PATH", path_with(pi)).envs(HEADLESS_ENV);
    cmd
}

/// PATH with the folder of `pi` first.
fn path_with(pi: &Path) -> std::ffi::OsString {
    let mut path = vec![pi.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(path).unwrap()
}

/// The providers setup writes, with `key` as every provider's `apiKey`.
fn providers(gateway: &Gateway, key: &str) -> Value {
    let mut providers = json!({});
    for route in &ROUTES {
        let mut provider = json!({
            "baseUrl": format!("{}{}", gateway.gateway_url(), route.base),
            "api": route.api,
            "apiKey": key,
            "authHeader": true,
            "models": [{"id": route.model}],
        });
        if route.api == "anthropic-messages" {
            provider["compat"] = json!({"supportsEagerToolInputStreaming": false});
        }
        providers[route.provider] = provider;
    }
    json!({ "providers": providers })
}

/// A key command that prints the token and appends a line to `calls` each time it runs.
fn counting_key(home: &AgentHome) -> (String, PathBuf) {
    let calls = home.home().parent().unwrap().join("out/key-calls");
    let script = home.write_beside(
        "key.sh",
        &format!(
            "#!/bin/sh\necho run >> '{}'\nprintf '%s' '{GOOD_TOKEN}'\n",
            calls.display()
        ),
    );
    let status = Command::new("chmod").arg("755").arg(&script).status();
    assert!(status.is_ok_and(|s| s.success()));
    (format!("!{}", script.display()), calls)
}

fn write_config(home: &AgentHome, gateway: &Gateway, key: &str, default: &Route) {
    home.write(
        ".pi/agent/models.json",
        &serde_json::to_string_pretty(&providers(gateway, key)).unwrap(),
    );
    home.write(
        ".pi/agent/settings.json",
        &json!({"defaultProvider": default.provider, "defaultModel": default.model}).to_string(),
    );
}

fn print(home: &AgentHome, pi: &Path, prompts: &[&str]) -> Outcome {
    let mut cmd = pi_command(home, pi);
    cmd.arg("-p").args(prompts);
    home.run(&mut cmd)
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

/// The run printed the stand-in's reply, sent `count` requests to the route for its model with
/// the token as Bearer, and nothing else to the gateway.
fn assert_reached(
    gateway: &Gateway,
    outcome: &Outcome,
    release: &Release,
    route: &Route,
    count: usize,
) {
    let context = || {
        format!(
            "{release} {}: {outcome}\n--- requests ---\n{}",
            route.provider,
            gateway.request_summary()
        )
    };
    assert!(outcome.succeeded(), "{}", context());
    assert!(outcome.stdout.contains("pong"), "{}", context());
    let requests = gateway.requests();
    assert_eq!(requests.len(), count, "{}", context());
    for request in &requests {
        assert_eq!(request.method, "POST", "{}", context());
        assert_eq!(request.route(), route.path, "{}", context());
        // `authHeader`: the key goes out as a Bearer token, which is what the gateway reads.
        assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{}", context());
        assert_eq!(model_of(request), route.model, "{}", context());
        assert_eq!(request.status, 200, "{}", context());
    }
}

#[test]
fn pi_print_reaches_each_gateway_route_with_the_key_commands_token() {
    let Some(releases) = versions::installed("pi") else {
        return;
    };
    for (release, pi) in releases {
        for route in &ROUTES {
            let gateway = Gateway::start_serving(&[CLAUDE, GPT, GEMINI]);
            let home = AgentHome::new();
            let (key, _) = counting_key(&home);
            write_config(&home, &gateway, &key, route);
            let outcome = print(&home, &pi, &["say pong"]);
            dump(
                &format!("{release} {}", route.provider),
                &home,
                &gateway,
                &outcome,
            );
            assert_reached(&gateway, &outcome, &release, route, 1);
        }
    }
}

/// What makes a long session outlive a one-hour OAuth token: the key command runs for every
/// request (three prompts, three requests, three runs), not once per process.
#[test]
fn pi_runs_the_key_command_for_every_request() {
    let Some(releases) = versions::installed("pi") else {
        return;
    };
    for (release, pi) in releases {
        let gateway = Gateway::start_serving(&[CLAUDE]);
        let home = AgentHome::new();
        let (key, calls) = counting_key(&home);
        write_config(&home, &gateway, &key, &ROUTES[0]);
        let outcome = print(&home, &pi, &["one", "two", "three"]);
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached(&gateway, &outcome, &release, &ROUTES[0], 3);
        let runs = std::fs::read_to_string(&calls).unwrap_or_default();
        assert_eq!(runs.lines().count(), 3, "{release}: key command runs");
    }
}

/// The Anthropic compat flag: with it, Pi asks for fine-grained tool streaming by the beta
/// header the gateway accepts, never by `eager_input_streaming` on each tool, which the vendor's
/// tool reports the gateway's Anthropic translator rejects (1.6.0 sends it without the flag).
#[test]
fn pi_tools_carry_no_eager_input_streaming_with_the_compat_flag() {
    let Some(releases) = versions::installed("pi") else {
        return;
    };
    for (release, pi) in releases {
        let gateway = Gateway::start_serving(&[CLAUDE]);
        let home = AgentHome::new();
        let (key, _) = counting_key(&home);
        write_config(&home, &gateway, &key, &ROUTES[0]);
        let outcome = print(&home, &pi, &["say pong"]);
        assert_reached(&gateway, &outcome, &release, &ROUTES[0], 1);
        let request = &gateway.requests()[0];
        let body = request.json().unwrap();
        let tools = body["tools"].as_array().cloned().unwrap_or_default();
        assert!(!tools.is_empty(), "{release}: no tools in {body}");
        for tool in &tools {
            assert!(
                tool.get("eager_input_streaming").is_none(),
                "{release}: {tool}"
            );
        }
        let betas = request.header("anthropic-beta").unwrap_or_default();
        assert!(
            betas.contains("fine-grained-tool-streaming"),
            "{release}: anthropic-beta {betas:?}"
        );
    }
}

/// `PI_CODING_AGENT_DIR` moves the whole folder (models.json and settings.json), and a leading
/// `~` is the home folder.
#[test]
fn pi_reads_its_folder_from_pi_coding_agent_dir() {
    let Some(releases) = versions::installed("pi") else {
        return;
    };
    for (release, pi) in releases {
        let gateway = Gateway::start_serving(&[CLAUDE]);
        let home = AgentHome::new();
        let (key, _) = counting_key(&home);
        let config = providers(&gateway, &key).to_string();
        home.write("dotfiles/pi/models.json", &config);
        let settings = json!({"defaultProvider": "databricks-claude", "defaultModel": CLAUDE});
        home.write("dotfiles/pi/settings.json", &settings.to_string());
        let mut cmd = pi_command(&home, &pi);
        cmd.env("PI_CODING_AGENT_DIR", "~/dotfiles/pi")
            .args(["-p", "say pong"]);
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &gateway, &outcome);
        assert_reached(&gateway, &outcome, &release, &ROUTES[0], 1);
        assert!(!home.home().join(".pi/agent/models.json").exists());
    }
}

// ---- agentgw setup / exec / remove with the real Pi ----

/// What the workspace serves: names no agent defaults to.
const WORKSPACE: [&str; 4] = [
    "system.ai.claude-opus-4-6",
    "system.ai.claude-sonnet-4-5",
    "system.ai.gpt-5-2",
    "system.ai.gemini-2-5-flash",
];

/// A user's models.json with a provider of their own, and a settings.json with other settings.
/// Strict JSON: Pi before 0.73.1 parses models.json with JSON.parse, and a comment there leaves
/// it with no custom models at all ("No models available", seen with 0.63.0).
const THEIR_MODELS: &str = r#"{
  "providers": {
    "ollama": {
      "baseUrl": "http://127.0.0.1:9/v1",
      "api": "openai-completions",
      "apiKey": "ollama",
      "models": [{ "id": "llama3.1:8b" }]
    }
  }
}
"#;

const THEIR_SETTINGS: &str = "{\n  \"theme\": \"light\",\n  \"defaultThinkingLevel\": \"low\"\n}\n";

/// The User-Agent the gateway must record from `release` set up (or started) by agentgw, so
/// that `agentgw usage` counts it as Pi: before 0.84.3 Pi sends its provider SDKs' strings
/// (`Anthropic/JS 0.73.0`, `OpenAI/JS 6.26.0`, `google-genai-sdk/1.52.0 …`), so agentgw's
/// providers carry `pi/<version> (agentgw)`; from 0.84.3 Pi sends its own
/// `pi/<version> (<os>; node/<version>; <arch>)`, which agentgw leaves alone.
fn assert_user_agent(request: &Recorded, release: &Release, context: &str) {
    let sent = request.header("User-Agent").unwrap_or_default();
    if release.at_least("0.84.3") {
        let own = format!("pi/{} (", release.version);
        assert!(
            sent.starts_with(&own) && !sent.contains("agentgw"),
            "{release}: User-Agent {sent:?}\n{context}"
        );
    } else {
        assert_eq!(
            sent,
            format!("pi/{} (agentgw)", release.version),
            "{release}\n{context}"
        );
    }
}

fn agentgw(home: &AgentHome, pi: &Path, args: &[&str], stdin: &str) -> String {
    let mut child = home
        .agentgw(pi)
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

/// Every request, on each of the three routes, also names Pi in its User-Agent (see
/// [`assert_user_agent`]).
#[test]
fn pi_set_up_by_agentgw_uses_served_models_and_is_removed_exactly() {
    let Some(releases) = versions::installed("pi") else {
        return;
    };
    for (release, pi) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let home = AgentHome::new();
        home.write(".pi/agent/models.json", THEIR_MODELS);
        home.write(".pi/agent/settings.json", THEIR_SETTINGS);
        agentgw(
            &home,
            &pi,
            &["login", "--host", &gateway.url, "--token-stdin"],
            GOOD_TOKEN,
        );
        let said = agentgw(&home, &pi, &["setup", "pi", "--yes"], "");
        assert!(said.contains("✓ test request"), "{release}: {said}");
        gateway.take_requests();
        for file in ["models.json", "settings.json"] {
            let text = read(&home, &format!(".pi/agent/{file}"));
            assert!(!text.contains(GOOD_TOKEN), "{release}: the token in {file}");
        }

        // Plain `pi -p`, as a user runs it after setup: the newest served opus, on the gateway.
        let mut cmd = pi_command(&home, &pi);
        cmd.args(["-p", "say pong"]);
        let outcome = home.run(&mut cmd);
        dump(&release.to_string(), &home, &gateway, &outcome);
        let requests = gateway.requests();
        let context = format!(
            "{release}: {outcome}\n{}\n--- models.json ---\n{}\n--- settings.json ---\n{}",
            gateway.request_summary(),
            read(&home, ".pi/agent/models.json"),
            read(&home, ".pi/agent/settings.json")
        );
        assert!(
            outcome.succeeded() && outcome.stdout.contains("pong"),
            "{context}"
        );
        assert!(!requests.is_empty(), "{context}");
        for request in &requests {
            // The stand-in answers 404 for any model the workspace does not serve.
            assert_eq!(request.status, 200, "{context}");
            assert_eq!(request.route(), ROUTES[0].path, "{context}");
            assert_eq!(model_of(request), "system.ai.claude-opus-4-6", "{context}");
            assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{context}");
            assert_user_agent(request, &release, &context);
        }

        // The GPT and Gemini providers answer too, by `--model <provider>/<model>`.
        for (provider, model, path) in [
            (
                "databricks-openai",
                "system.ai.gpt-5-2",
                "/ai-gateway/openai/v1/responses",
            ),
            (
                "databricks-gemini",
                "system.ai.gemini-2-5-flash",
                "/ai-gateway/gemini/v1beta/models/system.ai.gemini-2-5-flash:streamGenerateContent",
            ),
        ] {
            gateway.take_requests();
            let mut cmd = pi_command(&home, &pi);
            cmd.args(["--model", &format!("{provider}/{model}"), "-p", "say pong"]);
            let outcome = home.run(&mut cmd);
            let context = format!(
                "{release} {provider}: {outcome}\n{}",
                gateway.request_summary()
            );
            assert!(
                outcome.succeeded() && outcome.stdout.contains("pong"),
                "{context}"
            );
            let requests = gateway.requests();
            assert!(!requests.is_empty(), "{context}");
            for request in &requests {
                assert_eq!(request.status, 200, "{context}");
                assert_eq!(request.route(), path, "{context}");
                assert_eq!(request.bearer(), Some(GOOD_TOKEN), "{context}");
                assert_user_agent(request, &release, &context);
            }
        }

        agentgw(&home, &pi, &["remove", "pi", "--yes"], "");
        assert_eq!(
            read(&home, ".pi/agent/models.json"),
            THEIR_MODELS,
            "{release}"
        );
        assert_eq!(
            read(&home, ".pi/agent/settings.json"),
            THEIR_SETTINGS,
            "{release}"
        );
    }
}

/// `agentgw exec pi` with the user's and the folder's settings pointing Pi at another provider
/// (on a foreign host, with a key of their own): the run goes to the gateway with the profile's
/// token, and the foreign host gets nothing. Nothing of Pi's is written.
#[test]
fn pi_exec_reaches_the_gateway_whatever_pis_settings_say() {
    let Some(releases) = versions::installed("pi") else {
        return;
    };
    for (release, pi) in releases {
        let gateway = Gateway::start_workspace_models(&WORKSPACE);
        let foreign = Gateway::start_serving(&[CLAUDE]);
        let home = AgentHome::new();
        let theirs = json!({"providers": {"databricks-claude": {
            "baseUrl": format!("{}/anthropic", foreign.gateway_url()),
            "api": "anthropic-messages",
            "apiKey": "dapi-their-own-key",
            "models": [{"id": "their-model"}],
        }}});
        let their_models = serde_json::to_string_pretty(&theirs).unwrap();
        home.write(".pi/agent/models.json", &their_models);
        let defaults =
            json!({"defaultProvider": "databricks-claude", "defaultModel": "their-model"});
        home.write(".pi/agent/settings.json", &defaults.to_string());
        let project = home.work().join(".pi/settings.json");
        std::fs::create_dir_all(project.parent().unwrap()).unwrap();
        std::fs::write(&project, defaults.to_string()).unwrap();
        agentgw(
            &home,
            &pi,
            &["login", "--host", &gateway.url, "--token-stdin"],
            GOOD_TOKEN,
        );
        gateway.take_requests();

        let mut cmd = home.agentgw(&pi);
        cmd.envs(HEADLESS_ENV).args([
            "exec",
            "--model",
            "system.ai.claude-sonnet-4-5",
            "pi",
            "-p",
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
            assert_user_agent(request, &release, &context);
        }
        assert_eq!(
            read(&home, ".pi/agent/models.json"),
            their_models,
            "{release}"
        );
        assert!(!outcome.stderr.contains(GOOD_TOKEN), "{release}");
    }
}
