//! Codex CLI: `$CODEX_HOME/config.toml` (default `~/.codex`), or `$CODEX_HOME/<NAME>.config.toml`
//! for `--codex-profile NAME`. Codex runs `agentgw token` itself through the provider's `auth`
//! command (0.118.0 and newer; older releases ignore the block silently and send no token), so
//! those get `env_key = "DATABRICKS_TOKEN"` and are started with `agentgw exec codex`.

use super::template::{self, Vars};
use super::{Agent, AgentInfo, Configured, Context, FileSpec, Setup, Version, gateway_base};
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

const CONFIG: &str = include_str!("../../templates/codex/config.toml");
const CONFIG_ENV_KEY: &str = include_str!("../../templates/codex/config-env-key.toml");
/// The first Codex release whose model providers accept an `auth` command.
pub const AUTH_COMMAND_SINCE: Version = Version(0, 118, 0);
const PROVIDER: &str = "databricks";
/// The provider `agentgw exec codex` defines for one run.
const EXEC_PROVIDER: &str = "databricks-exec";
const TOKEN_ENV: &str = "DATABRICKS_TOKEN";

pub struct Codex;

impl Agent for Codex {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: "codex",
            name: "Codex CLI",
            program: "codex",
            default_model: "databricks-gpt-5-2",
            default_base_path: "/openai/v1",
            wire: Wire::OpenAiResponses,
            supported: (Version(0, 118, 0), Version(0, 171, 0)),
            npm_package: "@openai/codex",
        }
    }

    fn configured(&self) -> Result<Option<Configured>> {
        let path = configured_file()?;
        Configured::read(
            path,
            Format::Toml,
            &["model_providers", PROVIDER, "base_url"],
            &["model"],
        )
    }

    fn token_helper(&self) -> Result<Option<Vec<String>>> {
        let path = configured_file()?;
        let auth = |field: &str| {
            vec![
                "model_providers".to_string(),
                PROVIDER.into(),
                "auth".into(),
                field.into(),
            ]
        };
        let mut values =
            crate::edit::read_values(&path, Format::Toml, &[auth("command"), auth("args")])?
                .into_iter();
        let (command, args) = (values.next().flatten(), values.next().flatten());
        let Some(command) = command.as_ref().and_then(|c| c.as_str()) else {
            return Ok(None);
        };
        let args = args
            .as_ref()
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str());
        Ok(Some(
            std::iter::once(command)
                .chain(args)
                .map(str::to_string)
                .collect(),
        ))
    }

    fn token_supply(&self) -> Result<String> {
        let path = configured_file()?;
        let key = |field| ["model_providers", PROVIDER, field];
        let values = super::read_strings(
            &path,
            Format::Toml,
            &[
                &["model_providers", PROVIDER, "auth", "command"],
                &key("env_key"),
                &key("experimental_bearer_token"),
            ],
        )?;
        Ok(match (&values[0], &values[1], &values[2]) {
            (Some(command), _, _) => super::describe_helper(
                &self
                    .token_helper()?
                    .map(|c| c.join(" "))
                    .unwrap_or_else(|| command.clone()),
            ),
            (None, Some(var), _) if std::env::var_os(var).is_some() => {
                format!("environment ({var})")
            }
            (None, Some(var), _) => {
                format!("environment ({var}, not set here: start it with `agentgw exec codex`)")
            }
            (None, None, Some(_)) => format!("inline in {}", crate::paths::display(&path)),
            (None, None, None) => "none (start it with `agentgw exec codex`)".to_string(),
        })
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        let home = super::config_dir("CODEX_HOME", ".codex")?;
        let file_name = match &cx.options.codex_profile {
            Some(name) => {
                check_profile_name(name, "--codex-profile")?;
                format!("{name}.config.toml")
            }
            None => "config.toml".to_string(),
        };
        let path = home.join(file_name);
        let mut vars = Vars::default();
        vars.set("model", cx.model.as_str())
            .set("gateway_base", gateway_base(self, &cx.gateway, cx.profile))
            .set("agentgw", cx.agentgw.to_string_lossy())
            .set("profile", cx.profile.name.as_str());
        let auth_command = cx.version.is_none_or(|v| v >= AUTH_COMMAND_SINCE);
        let mut changes;
        let mut notes = Vec::new();
        let mut warnings = Vec::new();
        if auth_command {
            changes = template::changes(Format::Toml, CONFIG, &vars)?;
            // `auth` must not be combined with these: Codex refuses to start.
            for other in [
                "env_key",
                "experimental_bearer_token",
                "requires_openai_auth",
            ] {
                changes.push(Change::Remove {
                    key: provider_key(other),
                });
            }
        } else {
            changes = template::changes(Format::Toml, CONFIG_ENV_KEY, &vars)?;
            changes.push(Change::Remove {
                key: provider_key("auth"),
            });
            notes.push(format!(
                "Codex {} predates auth commands: it reads the token from {TOKEN_ENV}. Start it with `agentgw exec codex`, \
                 or upgrade Codex to {AUTH_COMMAND_SINCE} or newer and run setup again.",
                cx.version.map(|v| v.to_string()).unwrap_or_default()
            ));
        }
        if let Some(name) = &cx.options.codex_profile {
            // A profile file only applies when chosen, so the top-level selection is left alone.
            notes.push(format!("Start Codex with: codex --profile {name}"));
        } else {
            match legacy_profile_selector(&path) {
                LegacySelector::None => {}
                LegacySelector::Ours(name) => {
                    changes.push(Change::Remove { key: vec!["profile".into()] });
                    notes.push(format!(
                        "Removed `profile = \"{name}\"`: current Codex refuses to start with a profile selector in config.toml."
                    ));
                }
                LegacySelector::Other(name) => warnings.push(format!(
                    "{} selects `profile = \"{name}\"`; Codex 0.134 and newer refuse to start with it. Move that profile to \
                     {name}.config.toml and start Codex with `codex --profile {name}`.",
                    crate::paths::display(&path)
                )),
            }
        }
        Ok(Setup {
            files: vec![FileSpec {
                path,
                format: Format::Toml,
                changes,
                token_key: None,
            }],
            notes,
            warnings,
        })
    }

    fn exec_env(&self, cx: &Context) -> Vec<(String, String)> {
        vec![(TOKEN_ENV.to_string(), cx.token.to_string())]
    }

    /// `-c key=value` overrides define the provider for this run only, reading the token from
    /// the environment `exec_env` sets.
    fn exec_args(&self, cx: &Context) -> Vec<String> {
        let base = gateway_base(self, &cx.gateway, cx.profile);
        // A provider of its own: merged into the one setup wrote, `env_key` would sit beside
        // `auth`, a combination Codex refuses.
        const PROVIDER: &str = EXEC_PROVIDER;
        let pairs = [
            ("model_provider".to_string(), toml_string(PROVIDER)),
            ("model".to_string(), toml_string(&cx.model)),
            (
                format!("model_providers.{PROVIDER}.name"),
                toml_string("Databricks AI Gateway"),
            ),
            (
                format!("model_providers.{PROVIDER}.base_url"),
                toml_string(&base),
            ),
            (
                format!("model_providers.{PROVIDER}.wire_api"),
                toml_string("responses"),
            ),
            (
                format!("model_providers.{PROVIDER}.env_key"),
                toml_string(TOKEN_ENV),
            ),
            (
                format!("model_providers.{PROVIDER}.http_headers"),
                "{ \"x-databricks-use-coding-agent-mode\" = \"true\" }".to_string(),
            ),
        ];
        pairs
            .into_iter()
            .flat_map(|(k, v)| ["-c".to_string(), format!("{k}={v}")])
            .collect()
    }
}

/// The file that holds agentgw's provider: config.toml, or a profile file (`--codex-profile`).
fn configured_file() -> Result<PathBuf> {
    let home = super::config_dir("CODEX_HOME", ".codex")?;
    let default = home.join("config.toml");
    let has_provider = |path: &Path| {
        let key = vec![
            "model_providers".to_string(),
            PROVIDER.into(),
            "base_url".into(),
        ];
        crate::edit::read_values(path, Format::Toml, &[key]).is_ok_and(|v| v[0].is_some())
    };
    if has_provider(&default) {
        return Ok(default);
    }
    let mut profiles: Vec<PathBuf> = std::fs::read_dir(&home)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".config.toml"))
        })
        .collect();
    profiles.sort();
    Ok(profiles
        .into_iter()
        .find(|p| has_provider(p))
        .unwrap_or(default))
}

fn provider_key(field: &str) -> Vec<String> {
    vec!["model_providers".into(), PROVIDER.into(), field.into()]
}

/// A TOML basic string, escaped by toml_edit itself.
fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_string()
}

/// A Codex profile name (`--codex-profile`, named by `source` in the error) becomes the file
/// name `<name>.config.toml` beside config.toml: no path separators, nothing to quote.
pub fn check_profile_name(name: &str, source: &str) -> Result<String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!(
            "{source} {name:?} is not a Codex profile name: use letters, digits, '-' or '_' (it becomes the file name {name}.config.toml)"
        );
    }
    Ok(name.to_string())
}

enum LegacySelector {
    None,
    /// Selects a profile whose provider is the Databricks gateway (the old recipe).
    Ours(String),
    Other(String),
}

fn legacy_profile_selector(path: &Path) -> LegacySelector {
    let Ok(text) = std::fs::read_to_string(path) else {
        return LegacySelector::None;
    };
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return LegacySelector::None;
    };
    let Some(name) = doc.get("profile").and_then(|p| p.as_str()) else {
        return LegacySelector::None;
    };
    let provider = doc
        .get("profiles")
        .and_then(|p| p.get(name))
        .and_then(|p| p.get("model_provider"))
        .and_then(|p| p.as_str());
    if provider == Some(PROVIDER) {
        LegacySelector::Ours(name.to_string())
    } else {
        LegacySelector::Other(name.to_string())
    }
}
