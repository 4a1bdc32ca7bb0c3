//! OpenCode's gateway providers: one per wire format, each on the gateway route that speaks it
//! and each with the SDK OpenCode ships for that format (bundled in the binary, so nothing is
//! downloaded when OpenCode starts; seen with 1.1.53 and 1.18.33): Anthropic Messages for Claude
//! models, OpenAI Responses for GPT models, Gemini's generateContent for Gemini models, and Chat
//! Completions for the open models (Llama, GPT OSS, Qwen…) the workspace serves. Setup writes them
//! into opencode.json; `agentgw exec opencode` gives the same definitions, under ids of its own.

use crate::agents::Context;
use crate::agents::template::{self, Vars};
use crate::edit::{Change, Format, KeyPath};
use crate::gateway::Wire;
use crate::models::{self, Family, Served};
use anyhow::{Result, bail};
use serde_json::{Value, json};

const CONFIG: &str = include_str!("../../../templates/opencode/opencode.json");

/// What the SDKs get as their own key: the plugin replaces it with the token on every request,
/// so the file never holds one. Sent as it is only when the plugin is not loaded (`--pure`).
pub const KEY_PLACEHOLDER: &str = "agentgw-plugin-supplies-the-token";

/// Which of the gateway's model families a model belongs to, as the providers split them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Claude,
    Gpt,
    Gemini,
    /// Any other chat model: the open models served on the Chat Completions route.
    Open,
}

/// One of agentgw's providers in opencode.json.
#[derive(Debug)]
pub struct Provider {
    /// The provider's id in opencode.json (`opencode -m <id>/<model>`).
    pub id: &'static str,
    /// The id `agentgw exec opencode` gives the same provider for its run, so that it never merges
    /// with (or is judged by the plugin of) what setup wrote for another profile.
    pub exec_id: &'static str,
    pub kind: Kind,
    pub wire: Wire,
    /// The template variable of its base URL.
    variable: &'static str,
    /// Added to the route: the SDK wants the API version in its base URL.
    suffix: &'static str,
}

pub static PROVIDERS: [Provider; 4] = [
    Provider {
        id: "databricks-claude",
        exec_id: "databricks-exec-claude",
        kind: Kind::Claude,
        wire: Wire::Anthropic,
        variable: "claude_base",
        suffix: "/v1",
    },
    Provider {
        id: "databricks-openai",
        exec_id: "databricks-exec-openai",
        kind: Kind::Gpt,
        wire: Wire::OpenAiResponses,
        variable: "openai_base",
        suffix: "",
    },
    Provider {
        id: "databricks-gemini",
        exec_id: "databricks-exec-gemini",
        kind: Kind::Gemini,
        wire: Wire::Gemini,
        variable: "gemini_base",
        suffix: "/v1beta",
    },
    Provider {
        id: "databricks-chat",
        exec_id: "databricks-exec-chat",
        kind: Kind::Open,
        wire: Wire::OpenAiChat,
        variable: "chat_base",
        suffix: "",
    },
];

impl Provider {
    /// The gateway route of its format (as login found it), without the SDK's suffix: where
    /// `agentgw test` sends its request.
    pub fn route(&self, gateway: &str, profile: &crate::profile::Profile) -> String {
        crate::agents::wire_base(self.wire, gateway, profile)
    }

    /// The provider's `options.baseURL`.
    pub fn base_url(&self, gateway: &str, profile: &crate::profile::Profile) -> String {
        format!("{}{}", self.route(gateway, profile), self.suffix)
    }

    /// The route a `baseURL` of this provider stands for: the URL without the SDK's suffix.
    pub fn route_of_base_url(&self, base_url: &str) -> String {
        let url = base_url.trim_end_matches('/');
        url.strip_suffix(self.suffix).unwrap_or(url).to_string()
    }

    fn of_kind(kind: Kind) -> &'static Provider {
        PROVIDERS
            .iter()
            .find(|p| p.kind == kind)
            .expect("a provider per kind")
    }

    /// agentgw's provider with this id (setup's or exec's).
    pub fn with_id(id: &str) -> Option<&'static Provider> {
        PROVIDERS.iter().find(|p| p.id == id || p.exec_id == id)
    }
}

/// The kind of a served model name; `None` for a model that does not chat (embeddings).
pub fn kind_of(model: &str) -> Option<Kind> {
    match Family::of_model(model) {
        Some(Family::Claude) => Some(Kind::Claude),
        Some(Family::Gpt) => Some(Kind::Gpt),
        Some(Family::Gemini) => Some(Kind::Gemini),
        None if models::is_chat_model(model) => Some(Kind::Open),
        None => None,
    }
}

/// The provider `model` belongs to, or an error naming the flag that chose it.
pub fn provider_for(model: &str) -> Result<&'static Provider> {
    match kind_of(model) {
        Some(kind) => Ok(Provider::of_kind(kind)),
        None => bail!(
            "{model} is an embedding model, which cannot chat\nfix: pass a chat model with --model"
        ),
    }
}

/// The model OpenCode gets for titles and summaries (`small_model`): with a Claude main model,
/// the model behind Claude's haiku alias (the newest haiku served, else the nearest tier); with
/// any other, the main model. Unset, OpenCode asks for a model of its own choosing, which the
/// gateway does not serve.
pub fn small_model(model: &str, haiku: &str) -> String {
    match (kind_of(model), kind_of(haiku)) {
        (Some(Kind::Claude), Some(Kind::Claude)) => haiku.to_string(),
        _ => model.to_string(),
    }
}

/// Each provider agentgw writes, with its models: the served chat models of its kind (sorted,
/// so the same workspace gives the same file), with the chosen models first in theirs. A kind
/// the workspace serves no model of gets no provider; without a list (the workspace could not be
/// asked) only the chosen models' providers are written.
pub fn lineup(
    chosen: &[&str],
    served: Option<&Served>,
) -> Result<Vec<(&'static Provider, Vec<String>)>> {
    let mut lineup = Vec::new();
    for provider in &PROVIDERS {
        let mut names: Vec<String> = Vec::new();
        for model in chosen {
            if provider_for(model)?.id == provider.id && !names.iter().any(|n| n == model) {
                names.push(model.to_string());
            }
        }
        let mut others: Vec<String> = served
            .map(|s| s.names.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|n| kind_of(n) == Some(provider.kind) && !names.contains(n))
            .cloned()
            .collect();
        others.sort();
        others.dedup();
        names.extend(others);
        if !names.is_empty() {
            lineup.push((provider, names));
        }
    }
    Ok(lineup)
}

/// OpenCode's selector of a model: `<provider id>/<model>`.
pub fn selector(provider_id: &str, model: &str) -> String {
    format!("{provider_id}/{model}")
}

/// A provider's `models` table: each model by its name, Claude models with tool streaming off
/// (OpenCode turns on `eager_input_streaming` for tools of models named claude, seen with 1.18.33,
/// and the gateway rejects that field).
pub fn models_table(provider: &Provider, names: &[String]) -> Value {
    let entry = match provider.kind {
        Kind::Claude => json!({"options": {"toolStreaming": false}}),
        _ => json!({}),
    };
    Value::Object(names.iter().map(|n| (n.clone(), entry.clone())).collect())
}

/// The template's changes, filled in: every provider's keys, `model` and `small_model`.
pub fn template_changes(cx: &Context, model: &str, small: &str) -> Result<Vec<Change>> {
    let mut vars = Vars::default();
    for provider in &PROVIDERS {
        vars.set(
            provider.variable,
            provider.base_url(&cx.gateway, cx.profile),
        );
    }
    vars.set("key_placeholder", KEY_PLACEHOLDER)
        .set("model", model)
        .set("small_model", small);
    template::changes(Format::Json, CONFIG, &vars)
}

/// The key of a provider's model table.
pub fn models_key(id: &str) -> KeyPath {
    vec!["provider".into(), id.into(), "models".into()]
}

/// Whether a change is one of `provider`'s keys.
pub fn is_of(change: &Change, provider: &Provider) -> bool {
    let key = match change {
        Change::Set { key, .. } | Change::Remove { key } => key,
    };
    key.len() > 1 && key[0] == "provider" && key[1] == provider.id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn models_are_told_apart_by_kind() {
        assert_eq!(kind_of("databricks-claude-opus-4-6"), Some(Kind::Claude));
        assert_eq!(kind_of("system.ai.gpt-5-1-codex-max"), Some(Kind::Gpt));
        assert_eq!(kind_of("databricks-gemini-2-5-flash"), Some(Kind::Gemini));
        assert_eq!(kind_of("databricks-gpt-oss-120b"), Some(Kind::Open));
        assert_eq!(
            kind_of("system.ai.meta-llama-3-3-70b-instruct"),
            Some(Kind::Open)
        );
        assert_eq!(kind_of("databricks-gte-large-en"), None);
    }

    #[test]
    fn every_served_kind_gets_its_provider_with_the_chosen_models_first() {
        let served = Served {
            source: models::Source::ModelServices,
            names: names(&[
                "system.ai.gpt-5-2",
                "system.ai.claude-sonnet-4-5",
                "system.ai.gte-large-en",
                "system.ai.claude-opus-4-6",
                "system.ai.claude-haiku-4-5",
                "system.ai.gpt-oss-120b",
            ]),
        };
        let lineup = lineup(
            &["system.ai.claude-opus-4-6", "system.ai.claude-haiku-4-5"],
            Some(&served),
        )
        .unwrap();
        let shown: Vec<(&str, Vec<String>)> =
            lineup.iter().map(|(p, m)| (p.id, m.clone())).collect();
        assert_eq!(
            shown,
            vec![
                (
                    "databricks-claude",
                    names(&[
                        "system.ai.claude-opus-4-6",
                        "system.ai.claude-haiku-4-5",
                        "system.ai.claude-sonnet-4-5"
                    ])
                ),
                ("databricks-openai", names(&["system.ai.gpt-5-2"])),
                ("databricks-chat", names(&["system.ai.gpt-oss-120b"])),
            ]
        );
    }

    #[test]
    fn without_a_list_only_the_chosen_models_providers_are_written() {
        let lineup = lineup(&["databricks-gpt-5-2", "databricks-gpt-5-2"], None).unwrap();
        assert_eq!(lineup.len(), 1);
        assert_eq!(lineup[0].0.id, "databricks-openai");
        assert_eq!(lineup[0].1, names(&["databricks-gpt-5-2"]));
    }

    #[test]
    fn the_small_model_is_the_haiku_for_a_claude_model_else_the_model_itself() {
        assert_eq!(
            small_model("system.ai.claude-opus-4-6", "system.ai.claude-haiku-4-5"),
            "system.ai.claude-haiku-4-5"
        );
        assert_eq!(
            small_model("databricks-gpt-5-2", "databricks-claude-haiku-4-5"),
            "databricks-gpt-5-2"
        );
    }

    #[test]
    fn an_embedding_model_is_refused_with_the_flag() {
        let error = provider_for("databricks-bge-large-en").unwrap_err();
        assert!(error.to_string().contains("--model"), "{error}");
    }

    #[test]
    fn base_urls_carry_the_sdks_suffix_and_give_the_route_back() {
        let claude = &PROVIDERS[0];
        assert_eq!(
            claude.route_of_base_url("https://h/ai-gateway/anthropic/v1/"),
            "https://h/ai-gateway/anthropic"
        );
        assert_eq!(
            PROVIDERS[3].route_of_base_url("https://h/ai-gateway/mlflow/v1"),
            "https://h/ai-gateway/mlflow/v1"
        );
    }
}
