//! `agentgw setup pi` / `remove pi` on real files: Pi's models.json and settings.json in its
//! agent folder (`~/.pi/agent`, or `$PI_CODING_AGENT_DIR`).

use crate::common::{assert_no_secret, stderr, stdout};
use crate::setup::{agentgw_path, home, read, remove, setup, write};
use crate::support::GOOD_TOKEN;

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
