//! A policy with the workspace's published coding-agent config added (`apply --from-workspace`):
//! the file wins per key, the workspace fills in what the file leaves open, and every value
//! remembers where it came from so `--check` can say so.

use super::model::{AgentPolicy, Policy, Workspace};
use crate::agents;
use crate::workspace_configs::Published;

/// How a value from the workspace's config is named in output.
pub fn source_name(published: &Published) -> String {
    match &published.name {
        Some(name) => format!("the workspace's coding-agent config ({name})"),
        None => "the workspace's coding-agent config".to_string(),
    }
}

/// `file`'s policy (or, without a file, one for `workspace`) with the agents and default models
/// the workspace publishes: an agent the file lists keeps its own model; one it lists without a
/// model takes the published one; one it does not list is added.
pub fn with_published(file: Option<Policy>, published: &Published, workspace: Workspace) -> Policy {
    let mut policy = file.unwrap_or(Policy {
        workspace,
        agents: Vec::new(),
    });
    let from = source_name(published);
    for offered in &published.agents {
        let Some(agent) = agents::by_id(offered.agent) else {
            continue;
        };
        match policy
            .agents
            .iter_mut()
            .find(|p| p.agent.id() == agent.id())
        {
            Some(listed) if listed.model.is_none() && offered.default_model.is_some() => {
                listed.model = offered.default_model.clone();
                listed.model_from = from.clone();
            }
            Some(_) => {}
            None => policy.agents.push(AgentPolicy {
                agent,
                model: offered.default_model.clone(),
                model_from: from.clone(),
                min_version: None,
                otel_tables: None,
                otel_resource_attributes: Vec::new(),
            }),
        }
    }
    policy
        .agents
        .sort_by_key(|p| agents::clis().position(|a| a.id() == p.agent.id()));
    policy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Auth;
    use crate::workspace_configs::PublishedAgent;

    fn workspace() -> Workspace {
        Workspace {
            host: "https://example.cloud.databricks.com".into(),
            gateway_url: None,
            auth: Auth::Pat,
            token_storage: None,
        }
    }

    fn published() -> Published {
        Published {
            name: Some("coding-agent-configs/42".into()),
            default_agent: None,
            agents: vec![
                PublishedAgent {
                    agent: "codex",
                    default_model: Some("databricks-gpt-5-2".into()),
                },
                PublishedAgent {
                    agent: "claude",
                    default_model: Some("databricks-claude-sonnet-4-5".into()),
                },
                PublishedAgent {
                    agent: "gemini",
                    default_model: Some("databricks-gemini-2-5-flash".into()),
                },
            ],
        }
    }

    #[test]
    fn the_file_wins_per_key_and_the_workspace_fills_in_the_rest() {
        let text = "[workspace]\nhost = \"https://example.cloud.databricks.com\"\n\n\
                    [agents.claude]\nmodel = \"databricks-claude-opus-4-6\"\n\n[agents.codex]\n";
        let file = crate::policy::parse("team.toml", text).unwrap();
        let policy = with_published(Some(file), &published(), workspace());
        let got: Vec<_> = policy
            .agents
            .iter()
            .map(|p| (p.agent.id(), p.model.as_deref(), p.model_from.as_str()))
            .collect();
        let workspace = "the workspace's coding-agent config (coding-agent-configs/42)";
        assert_eq!(
            got,
            [
                ("claude", Some("databricks-claude-opus-4-6"), "team.toml"),
                ("codex", Some("databricks-gpt-5-2"), workspace),
                ("gemini", Some("databricks-gemini-2-5-flash"), workspace),
            ]
        );
    }
}
