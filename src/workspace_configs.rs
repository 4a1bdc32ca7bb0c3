//! The coding-agent configuration a workspace admin published on the AI Gateway
//! (`GET /api/ai-gateway/v2/coding-agent-configs` → `coding_agent_configs[]{default_agent,
//! enabled_agents[]{agent, config{model_config{<variant>{default_model, models}}}}}`), read into
//! agentgw's agent ids and models. Entries for agents agentgw does not know are dropped, not
//! guessed at; the API absent (404) or empty is "nothing published", not an error.

use crate::gateway::{Http, RequestError};
use serde_json::Value;

const PATH: &str = "/api/ai-gateway/v2/coding-agent-configs";

/// The API's agent names → agentgw's agent ids.
const AGENTS: [(&str, &str); 6] = [
    ("CODING_AGENT_CLAUDE_CODE", "claude"),
    ("CODING_AGENT_CODEX", "codex"),
    ("CODING_AGENT_GEMINI", "gemini"),
    ("CODING_AGENT_COPILOT", "copilot"),
    ("CODING_AGENT_PI", "pi"),
    ("CODING_AGENT_OPENCODE", "opencode"),
];

/// What the workspace publishes for one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedAgent {
    /// An id of `agents::ALL`.
    pub agent: &'static str,
    pub default_model: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Published {
    /// The config's name (`coding-agent-configs/<id>`), to say where values came from.
    pub name: Option<String>,
    pub default_agent: Option<&'static str>,
    pub agents: Vec<PublishedAgent>,
}

/// The workspace's published config; `Ok(None)` when the API is absent (404) or lists none.
/// With several configs the first is taken (the API lists the caller's).
pub fn fetch(http: &Http, host: &str, token: &str) -> Result<Option<Published>, RequestError> {
    match http.get_json(&format!("{host}{PATH}"), token) {
        Ok(answer) => Ok(parse(&answer)),
        Err(e) if e.status == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The first config of a listing, `None` when there is none.
pub fn parse(answer: &Value) -> Option<Published> {
    let config = answer["coding_agent_configs"].as_array()?.first()?;
    let agents = config["enabled_agents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let agent = agent_id(entry["agent"].as_str()?)?;
            Some(PublishedAgent {
                agent,
                default_model: default_model(&entry["config"]["model_config"]),
            })
        })
        .collect();
    Some(Published {
        name: text(&config["name"]),
        default_agent: config["default_agent"].as_str().and_then(agent_id),
        agents,
    })
}

fn agent_id(api_name: &str) -> Option<&'static str> {
    AGENTS
        .iter()
        .find(|(name, _)| *name == api_name)
        .map(|(_, id)| *id)
}

/// `model_config` is one variant per agent (`{"claude": {...}}`): whichever is there.
fn default_model(model_config: &Value) -> Option<String> {
    model_config
        .as_object()?
        .values()
        .find_map(|variant| text(&variant["default_model"]))
}

fn text(value: &Value) -> Option<String> {
    let text = value.as_str()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_agents_and_their_default_models_are_read_unknown_ones_dropped() {
        let answer = json!({"coding_agent_configs": [{
        "name": "coding-agent-configs/42",
        "default_agent": "CODING_AGENT_CODEX",
        "enabled_agents": [
            {"agent": "CODING_AGENT_CLAUDE_CODE", "config": {"model_config": {"claude": {
                "default_model": "databricks-claude-sonnet-4-5",
                "models": {"default_opus_model": "databricks-claude-opus-4-6"}}}}},
            {"agent": "CODING_AGENT_CODEX", "config": {"model_config": {"codex": {
                "default_model": " databricks-gpt-5-2 ", "models": ["databricks-gpt-5-2"]}}}},
            {"agent": "CODING_AGENT_GEMINI", "config": {}},
            {"agent": "CODING_AGENT_SOMETHING_NEW", "config": {}}
        ]}]});
        let published = parse(&answer).unwrap();
        assert_eq!(published.name.as_deref(), Some("coding-agent-configs/42"));
        assert_eq!(published.default_agent, Some("codex"));
        assert_eq!(
            published.agents,
            [
                PublishedAgent {
                    agent: "claude",
                    default_model: Some("databricks-claude-sonnet-4-5".into())
                },
                PublishedAgent {
                    agent: "codex",
                    default_model: Some("databricks-gpt-5-2".into())
                },
                PublishedAgent {
                    agent: "gemini",
                    default_model: None
                },
            ]
        );
    }

    #[test]
    fn an_empty_listing_is_nothing_published() {
        assert_eq!(parse(&json!({"coding_agent_configs": []})), None);
        assert_eq!(parse(&json!({})), None);
    }
}
