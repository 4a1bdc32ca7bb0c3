//! What a policy asks for, checked: every value here already passed the same check as the flag
//! that would carry it (`--host`, `--model`, `--otel-tables`).

use crate::agents::{Agent, Version};
use crate::otel::Tables;
use crate::profile::{Auth, TokenStorage};

#[derive(Debug)]
pub struct Policy {
    pub workspace: Workspace,
    /// In the order of `agents::ALL`, as setup goes through them.
    pub agents: Vec<AgentPolicy>,
}

#[derive(Debug)]
pub struct Workspace {
    pub host: String,
    pub gateway_url: Option<String>,
    pub auth: Auth,
    /// `keyring`: the token must be in the OS keyring, not the 0600 file fallback.
    pub token_storage: Option<TokenStorage>,
}

pub struct AgentPolicy {
    pub agent: &'static dyn Agent,
    pub model: Option<String>,
    /// Where `model` comes from: the policy file's name, or the workspace's published config.
    pub model_from: String,
    pub min_version: Option<Version>,
    /// Claude only.
    pub otel_tables: Option<Tables>,
    /// Claude only, with `otel_tables`: OTEL_RESOURCE_ATTRIBUTES pairs.
    pub otel_resource_attributes: Vec<(String, String)>,
}

impl std::fmt::Debug for AgentPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentPolicy")
            .field("agent", &self.agent.id())
            .field("model", &self.model)
            .field("model_from", &self.model_from)
            .field("min_version", &self.min_version)
            .field(
                "otel_tables",
                &self.otel_tables.as_ref().map(|t| t.to_string()),
            )
            .field("otel_resource_attributes", &self.otel_resource_attributes)
            .finish()
    }
}
