//! Pi's gateway providers: one per wire format the gateway serves and Pi speaks (Anthropic
//! Messages for Claude models, OpenAI Responses for GPT models, Google's generateContent for Gemini
//! models), each listing the workspace's served models of its family. The same provider
//! definitions go into `models.json` (setup) and into the extension `agentgw exec pi` loads.
//!
//! A Pi that does not name itself in its requests gets a `User-Agent` header on each provider,
//! so that `agentgw usage` (which tells agents apart by the gateway's recorded user agent) counts
//! its traffic as Pi's: see [`user_agent`].

use crate::agents::template::{self, Vars};
use crate::agents::{Context, Version, wire_base};
use crate::edit::{Change, Format, KeyPath};
use crate::gateway::Wire;
use crate::models::{self, Family, Served};
use anyhow::{Result, bail};
use serde_json::{Value, json};

const MODELS: &str = include_str!("../../../templates/pi/models.json");

/// One of agentgw's providers in Pi's `models.json`.
#[derive(Debug)]
pub struct Provider {
    /// The provider's id in `models.json` (`--provider` on Pi's command line).
    pub id: &'static str,
    pub family: Family,
    pub wire: Wire,
    /// Added to that route: Pi's Google provider wants the API version in its base URL.
    suffix: &'static str,
}

pub static PROVIDERS: [Provider; 3] = [
    Provider {
        id: "databricks-claude",
        family: Family::Claude,
        wire: Wire::Anthropic,
        suffix: "",
    },
    Provider {
        id: "databricks-openai",
        family: Family::Gpt,
        wire: Wire::OpenAiResponses,
        suffix: "",
    },
    Provider {
        id: "databricks-gemini",
        family: Family::Gemini,
        wire: Wire::Gemini,
        suffix: "/v1beta",
    },
];

impl Provider {
    /// The route on the gateway, without Pi's suffix: where `agentgw test` sends its request.
    pub fn route(&self, gateway: &str, profile: &crate::profile::Profile) -> String {
        wire_base(self.wire, gateway, profile)
    }

    /// The provider's `baseUrl`.
    pub fn base_url(&self, gateway: &str, profile: &crate::profile::Profile) -> String {
        format!("{}{}", self.route(gateway, profile), self.suffix)
    }

    /// The route a `baseUrl` of this provider stands for: the URL without Pi's suffix.
    pub fn route_of_base_url(&self, base_url: &str) -> String {
        let url = base_url.trim_end_matches('/');
        url.strip_suffix(self.suffix).unwrap_or(url).to_string()
    }

    /// The provider of a model family.
    pub fn for_family(family: Family) -> &'static Provider {
        PROVIDERS
            .iter()
            .find(|p| p.family == family)
            .expect("a provider per family")
    }
}

/// The family of a model name, as Pi's providers split them; `None` for a model none of them
/// serves (open models live on the gateway's chat-completions route, which Pi is not given).
pub fn family_of(model: &str) -> Option<Family> {
    Family::of_model(model)
}

/// The provider `model` belongs to, or an error naming the flag that chose it.
pub fn provider_for(model: &str) -> Result<&'static Provider> {
    match family_of(model) {
        Some(family) => Ok(Provider::for_family(family)),
        None => bail!(
            "Pi reaches the gateway with Claude (Anthropic Messages), GPT (OpenAI Responses) and Gemini models; \
             {model} is none of those\nfix: pass a Claude, GPT or Gemini model with --model"
        ),
    }
}

/// Each provider agentgw writes, with its models: the served chat models of its family (sorted,
/// so that the same workspace gives the same file), and the chosen model in its family's list
/// first. A family the workspace serves no model of gets no provider; with no list at all
/// (the workspace could not be asked) only the chosen model's provider is written.
pub fn lineup(
    model: &str,
    served: Option<&Served>,
) -> Result<Vec<(&'static Provider, Vec<String>)>> {
    let chosen = provider_for(model)?;
    let mut lineup = Vec::new();
    for provider in &PROVIDERS {
        let mut names: Vec<String> = served
            .map(|s| s.names.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|n| models::is_chat_model(n) && family_of(n) == Some(provider.family))
            .filter(|n| n.as_str() != model)
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        if provider.id == chosen.id {
            names.insert(0, model.to_string());
        }
        if !names.is_empty() {
            lineup.push((provider, names));
        }
    }
    Ok(lineup)
}

/// The first release that sends Pi's own `User-Agent` (`pi/1.6.0 (linux; node/v22.23.5; x64)`)
/// on the Anthropic, OpenAI and Google routes. Pi's changelog, 0.84.3: "Changed inherited
/// Anthropic, Azure OpenAI, Google, Mistral, and OpenAI adapters to send Pi's default
/// `User-Agent` unless overridden" (earendil-works/pi#8305); 0.84.2 has no such entry. Before it,
/// each provider SDK's own string went out (seen with 0.63.0: `Anthropic/JS 0.73.0`,
/// `OpenAI/JS 6.26.0`, `google-genai-sdk/1.52.0 gl-node/v20.20.2`), which names no agent.
pub const NAMES_ITSELF_SINCE: Version = Version(0, 84, 3);

/// What agentgw does about the `User-Agent` header of its providers for the installed Pi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAgent {
    /// Before 0.84.3: `pi/<version> (agentgw)`, which replaces the SDK's string (seen with
    /// 0.63.0, 0.73.1 and 1.6.0: a provider's `headers` win over the SDK's own).
    Give(String),
    /// From 0.84.3 Pi names itself, better than agentgw could (its platform, Node's version): a
    /// header would replace that, so none is written, and one written for an older Pi goes.
    None,
    /// Pi's version is not known (not installed here): a header would have to guess the version,
    /// so none is added, and one written before is left as it is.
    Unknown,
}

/// The header for the installed Pi (`version`, when known).
pub fn user_agent(version: Option<Version>) -> UserAgent {
    match version {
        Some(v) if v < NAMES_ITSELF_SINCE => UserAgent::Give(format!("pi/{v} (agentgw)")),
        Some(_) => UserAgent::None,
        None => UserAgent::Unknown,
    }
}

/// The key of a provider's `User-Agent` header in `models.json`.
pub fn user_agent_key(provider: &Provider) -> KeyPath {
    vec![
        "providers".into(),
        provider.id.into(),
        "headers".into(),
        "User-Agent".into(),
    ]
}

/// What to take out of `models.json` for a `User-Agent` agentgw wrote that is no longer wanted:
/// the whole `headers` object when the header is all it holds (no `"headers": {}` left behind),
/// else the header alone (headers the user added stay).
pub fn user_agent_removal(models: &std::path::Path, provider: &Provider) -> Result<KeyPath> {
    let key = user_agent_key(provider);
    let headers = key[..key.len() - 1].to_vec();
    let value = crate::edit::read_values(models, Format::Json, std::slice::from_ref(&headers))?;
    let only_ours = value[0]
        .as_ref()
        .and_then(Value::as_object)
        .is_some_and(|o| o.len() == 1 && o.contains_key("User-Agent"));
    Ok(if only_ours { headers } else { key })
}

/// The command line Pi runs for the key (`!` + a shell command): `agentgw token`, by absolute
/// path, for the profile.
pub fn key_command(cx: &Context) -> String {
    let agentgw = cx.agentgw.to_string_lossy();
    format!(
        "!{}",
        crate::agents::shell_command(&[&agentgw, "token", "--profile", &cx.profile.name])
    )
}

/// The template's keys of every provider, filled in (`providers.<id>.<key>...`); the
/// `User-Agent` header only with a value to give.
fn template_changes(cx: &Context, user_agent: &UserAgent) -> Result<Vec<Change>> {
    let mut vars = Vars::default();
    for provider in &PROVIDERS {
        let name = match provider.family {
            Family::Claude => "anthropic_base",
            Family::Gpt => "openai_base",
            Family::Gemini => "gemini_base",
        };
        vars.set(name, provider.base_url(&cx.gateway, cx.profile));
    }
    vars.set("key_command", key_command(cx));
    let header = match user_agent {
        UserAgent::Give(value) => Some(value.as_str()),
        UserAgent::None | UserAgent::Unknown => None,
    };
    vars.set("user_agent", header.unwrap_or_default());
    Ok(template::changes(Format::Json, MODELS, &vars)?
        .into_iter()
        .filter(|c| header.is_some() || !is_user_agent(c))
        .collect())
}

fn is_user_agent(change: &Change) -> bool {
    PROVIDERS
        .iter()
        .any(|p| *key_of(change) == user_agent_key(p))
}

/// The key of a provider's model list.
pub fn models_key(provider: &Provider) -> KeyPath {
    vec!["providers".into(), provider.id.into(), "models".into()]
}

/// What a provider's entry sets in `models.json`: the template's keys (with the `User-Agent` the
/// installed Pi needs), then its models.
pub fn provider_changes(
    cx: &Context,
    provider: &Provider,
    names: &[String],
) -> Result<Vec<Change>> {
    let mut changes: Vec<Change> = template_changes(cx, &user_agent(cx.version))?
        .into_iter()
        .filter(|c| is_of(c, provider))
        .collect();
    let models: Vec<Value> = names.iter().map(|n| json!({ "id": n })).collect();
    changes.push(Change::Set {
        key: models_key(provider),
        value: Value::Array(models),
    });
    Ok(changes)
}

/// Every key agentgw may set for `provider`, the `User-Agent` header included whatever Pi's
/// version (to take them out again).
pub fn provider_keys(cx: &Context, provider: &Provider) -> Result<Vec<KeyPath>> {
    let any_header = UserAgent::Give(String::new());
    let mut keys: Vec<KeyPath> = template_changes(cx, &any_header)?
        .iter()
        .filter(|c| is_of(c, provider))
        .map(|c| key_of(c).clone())
        .collect();
    keys.push(models_key(provider));
    Ok(keys)
}

fn key_of(change: &Change) -> &KeyPath {
    match change {
        Change::Set { key, .. } | Change::Remove { key } => key,
    }
}

fn is_of(change: &Change, provider: &Provider) -> bool {
    key_of(change).get(1).is_some_and(|id| id == provider.id)
}

/// The provider as `pi.registerProvider` takes it from an extension: the same keys, models with
/// every field Pi's own model definitions have (an extension's models are used as they are), and
/// the Anthropic compat flag on each model too (0.73.1 and 1.6.0 read it there for extensions).
/// `version` is the installed Pi's: an extension's provider `headers` are sent like models.json's.
pub fn extension_config(
    cx: &Context,
    provider: &Provider,
    names: &[String],
    version: Option<Version>,
) -> Result<Value> {
    let mut config = json!({});
    for change in template_changes(cx, &user_agent(version))?
        .into_iter()
        .filter(|c| is_of(c, provider))
    {
        if let Change::Set { key, value } = change {
            set_path(&mut config, &key[2..], value);
        }
    }
    let compat = config.get("compat").cloned();
    let models: Vec<Value> = names
        .iter()
        .map(|n| {
            let mut model = json!({
                "id": n,
                "name": n,
                "reasoning": false,
                "input": ["text"],
                "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                "contextWindow": 128000,
                "maxTokens": 16384,
            });
            if let Some(compat) = &compat {
                model["compat"] = compat.clone();
            }
            model
        })
        .collect();
    config["models"] = Value::Array(models);
    Ok(config)
}

/// Sets `value` at `path` inside `target`, making objects on the way.
fn set_path(target: &mut Value, path: &[String], value: Value) {
    match path {
        [] => *target = value,
        [first, rest @ ..] => {
            if !target.is_object() {
                *target = json!({});
            }
            let slot = target
                .as_object_mut()
                .expect("made an object above")
                .entry(first.clone())
                .or_insert(Value::Null);
            set_path(slot, rest, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_a_pi_before_0_84_3_gets_a_user_agent() {
        assert_eq!(
            user_agent(Some(Version(0, 63, 0))),
            UserAgent::Give("pi/0.63.0 (agentgw)".into())
        );
        assert_eq!(
            user_agent(Some(Version(0, 84, 2))),
            UserAgent::Give("pi/0.84.2 (agentgw)".into())
        );
        assert_eq!(user_agent(Some(Version(0, 84, 3))), UserAgent::None);
        assert_eq!(user_agent(Some(Version(1, 6, 0))), UserAgent::None);
        assert_eq!(user_agent(None), UserAgent::Unknown);
    }

    #[test]
    fn models_are_told_apart_by_family() {
        assert_eq!(
            family_of("databricks-claude-opus-4-6"),
            Some(Family::Claude)
        );
        assert_eq!(
            family_of("system.ai.claude-sonnet-4-5"),
            Some(Family::Claude)
        );
        assert_eq!(family_of("databricks-gpt-5-2"), Some(Family::Gpt));
        assert_eq!(family_of("system.ai.gpt-5-1-codex-max"), Some(Family::Gpt));
        assert_eq!(
            family_of("databricks-gemini-2-5-flash"),
            Some(Family::Gemini)
        );
        assert_eq!(family_of("databricks-gpt-oss-120b"), None);
        assert_eq!(family_of("databricks-meta-llama-3-3-70b-instruct"), None);
    }

    #[test]
    fn each_served_family_gets_its_provider_with_the_chosen_model_first() {
        let served = Served {
            source: models::Source::ModelServices,
            names: names(&[
                "system.ai.gpt-5-2",
                "system.ai.claude-sonnet-4-5",
                "system.ai.gte-large-en",
                "system.ai.claude-opus-4-6",
                "system.ai.meta-llama-3-3-70b-instruct",
            ]),
        };
        let lineup = lineup("system.ai.claude-opus-4-6", Some(&served)).unwrap();
        let shown: Vec<(&str, Vec<String>)> =
            lineup.iter().map(|(p, m)| (p.id, m.clone())).collect();
        assert_eq!(
            shown,
            vec![
                (
                    "databricks-claude",
                    names(&["system.ai.claude-opus-4-6", "system.ai.claude-sonnet-4-5"])
                ),
                ("databricks-openai", names(&["system.ai.gpt-5-2"])),
            ]
        );
    }

    #[test]
    fn without_a_list_only_the_chosen_models_provider_is_written() {
        let lineup = lineup("databricks-gemini-2-5-flash", None).unwrap();
        assert_eq!(lineup.len(), 1);
        assert_eq!(lineup[0].0.id, "databricks-gemini");
        assert_eq!(lineup[0].1, names(&["databricks-gemini-2-5-flash"]));
    }

    #[test]
    fn a_model_of_no_family_is_refused_with_the_flag() {
        let error = lineup("databricks-meta-llama-3-3-70b-instruct", None).unwrap_err();
        assert!(error.to_string().contains("--model"), "{error}");
    }
}
