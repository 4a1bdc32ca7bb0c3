//! Codex CLI: `$CODEX_HOME/config.toml` (default `~/.codex`), or `$CODEX_HOME/<NAME>.config.toml`
//! for `--codex-profile NAME`. Codex runs `agentgw token` itself through the provider's `auth`
//! command (0.118.0 and newer; older releases ignore the block silently and send no token), so
//! those get `env_key = "DATABRICKS_TOKEN"` and are started with `agentgw exec codex`. With OAuth
//! the `auth` table also says how often to ask again and how long a refresh may take.

mod doctor;

use super::RouteSpec;
use super::template::{self, Vars};
use super::{
    Agent, AgentInfo, Configured, Context, DoctorContext, FileSpec, Launch, Setup, Version,
    gateway_base,
};
use crate::check::Check;
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

const CONFIG: &str = include_str!("../../templates/codex/config.toml");
const CONFIG_ENV_KEY: &str = include_str!("../../templates/codex/config-env-key.toml");
/// The first Codex release whose model providers accept an `auth` command.
const AUTH_COMMAND_SINCE: Version = Version(0, 118, 0);
const ID: &str = "codex";
const PROVIDER: &str = "databricks";
/// The provider `agentgw exec codex` defines for one run.
const EXEC_PROVIDER: &str = "databricks-exec";
const TOKEN_ENV: &str = "DATABRICKS_TOKEN";
/// How long Codex waits for `agentgw token` with a short-lived sign-in: a refresh may take up
/// to agentgw's HTTP timeout (15 s), and Codex's default (5 s) would give up first.
const REFRESHING_HELPER_TIMEOUT_MS: u64 = 20_000;
/// The keys of the `auth` table that only a short-lived sign-in gets.
const AUTH_TIMING: [&str; 2] = ["refresh_interval_ms", "timeout_ms"];

pub struct Codex;

impl Agent for Codex {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: ID,
            name: "Codex CLI",
            program: "codex",
            default_model: "databricks-gpt-5-2",
            // Workspace-relative `/codex/v1`, dedicated host `/openai/v1`.
            route: Some(RouteSpec {
                agent: "codex",
                default: "/openai/v1",
                candidates: &["/codex/v1", "/openai/v1"],
                listing: "/models",
            }),
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
            match auth_timing(cx) {
                Some(timing) => changes.extend(timing),
                // Back to a token that does not expire: agentgw's timing goes, a user's stays.
                None => {
                    let state = crate::edit::StateDir::new(crate::paths::state_dir()?);
                    for field in AUTH_TIMING {
                        let key = auth_key(field);
                        if crate::edit::has_set(&state, self.id(), &path, &key)? {
                            changes.push(Change::Remove { key });
                        }
                    }
                }
            }
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
            if cx.profile.auth.is_short_lived() {
                warnings.push(format!(
                    "profile '{}' signs in with {}: Codex {} reads the token once, when it starts, so sessions \
                     longer than the token's lifetime (an hour) fail with 401. Upgrade Codex \
                     (`npm install -g @openai/codex@latest`), then run `agentgw setup codex` again.",
                    cx.profile.name,
                    cx.profile.auth.describe(),
                    cx.version.map(|v| v.to_string()).unwrap_or_default()
                ));
            }
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
            problems: Vec::new(),
        })
    }

    /// `-c key=value` overrides define a provider of agentgw's own for this run, from the template
    /// setup writes (a provider of its own: merged into the one setup wrote, `env_key` would sit
    /// beside `auth`, a combination Codex refuses). Codex runs `agentgw token` itself (`auth`), so
    /// the token is in no file, no argument and not in Codex's environment; releases before
    /// 0.118.0 ignore `auth` and get the token in DATABRICKS_TOKEN (`env_key`).
    ///
    /// Seen with 0.118.0 and 0.171.0: `-c` outranks config.toml's `model_provider`, a project's
    /// `.codex/config.toml` and a `--profile` file. Keys of a user's own
    /// `[model_providers.databricks-exec]` would merge with these (the base URL stays ours; a token
    /// of theirs beside our `auth` makes Codex refuse to start): exec refuses such a table and
    /// names it. Before 0.134.0 a legacy
    /// `profile = "NAME"` selector in config.toml outranks `-c model_provider` (0.118.0 sent the
    /// request to that profile's provider), so the selected profile's keys are overridden too.
    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch> {
        let version = cx
            .version
            .or_else(|| super::find_installed(self).and_then(|i| i.version));
        let auth_command = version.is_none_or(|v| v >= AUTH_COMMAND_SINCE);
        let mut vars = Vars::default();
        vars.set("model", cx.model.as_str())
            .set("gateway_base", gateway_base(self, &cx.gateway, cx.profile))
            .set("agentgw", cx.agentgw.to_string_lossy())
            .set("profile", cx.profile.name.as_str());
        let template = if auth_command { CONFIG } else { CONFIG_ENV_KEY };
        let mut changes = template::changes(Format::Toml, template, &vars)?;
        if auth_command {
            changes.extend(auth_timing(cx).into_iter().flatten());
        }
        let mut overrides = Vec::new();
        for change in changes {
            let Change::Set { mut key, mut value } = change else {
                continue;
            };
            if key.len() > 1 && key[0] == "model_providers" && key[1] == PROVIDER {
                key[1] = EXEC_PROVIDER.to_string();
            }
            if key == ["model_provider"] {
                value = serde_json::Value::String(EXEC_PROVIDER.to_string());
            }
            overrides.push((key.join("."), value));
        }
        let config = super::config_dir("CODEX_HOME", ".codex")?.join("config.toml");
        // Codex would merge a table of the user's with that name into ours, keys and all.
        let theirs = vec!["model_providers".to_string(), EXEC_PROVIDER.to_string()];
        if crate::edit::read_values(&config, Format::Toml, &[theirs]).is_ok_and(|v| v[0].is_some())
        {
            bail!(
                "{}: [model_providers.{EXEC_PROVIDER}] is the provider `agentgw exec codex` defines for its run, and \
                 Codex would merge yours into it.\nRename or remove that table.",
                crate::paths::display(&config)
            );
        }
        if let LegacySelector::Ours(name) | LegacySelector::Other(name) =
            legacy_profile_selector(&config)
        {
            if !is_bare_key(&name) {
                bail!(
                    "{}: `profile = \"{name}\"` selects a profile whose keys `agentgw exec` cannot override, and before \
                     Codex 0.134 they outrank the gateway's.\nRemove the `profile` line (start Codex with `codex --profile NAME` instead).",
                    crate::paths::display(&config)
                );
            }
            for field in ["model_provider", "model"] {
                let value = overrides
                    .iter()
                    .find(|(k, _)| k == field)
                    .map(|(_, v)| v.clone())
                    .expect("the template sets model_provider and model");
                overrides.push((format!("profiles.{name}.{field}"), value));
            }
        }
        let mut launch_args = Vec::new();
        for (key, value) in overrides {
            launch_args.extend(["-c".to_string(), format!("{key}={}", toml_inline(&value)?)]);
        }
        launch_args.extend(args.iter().cloned());
        let env = if auth_command {
            Vec::new()
        } else {
            vec![(TOKEN_ENV.to_string(), cx.token.to_string())]
        };
        Ok(Launch {
            args: launch_args,
            env,
            env_remove: Vec::new(),
            relay: None,
        })
    }

    fn overriding_variables(&self) -> &'static [(&'static str, &'static str)] {
        doctor::OVERRIDING_VARIABLES
    }

    fn short_lived_token_check(
        &self,
        cx: &DoctorContext,
        configured: &Configured,
    ) -> Option<Check> {
        doctor::short_lived_token(cx, configured)
    }

    fn doctor_checks(&self, _cx: &DoctorContext, configured: &Configured) -> Vec<Check> {
        doctor::legacy_profile(&configured.file)
    }
}

/// A key Codex's `-c` accepts as one segment of a dotted path.
fn is_bare_key(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A template value as TOML for `-c key=value` (strings, arrays, inline tables).
fn toml_inline(value: &serde_json::Value) -> Result<String> {
    let mut value = crate::edit::json_to_toml(value).map_err(anyhow::Error::msg)?;
    value.decor_mut().clear();
    Ok(value.to_string())
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

fn auth_key(field: &str) -> Vec<String> {
    let mut key = provider_key("auth");
    key.push(field.to_string());
    key
}

/// With a short-lived sign-in, Codex must ask `agentgw token` again before the token it holds
/// expires (`refresh_interval_ms`; it also asks after a 401), and wait long enough for a
/// refresh. `None` for a personal access token: Codex's defaults are right for it.
fn auth_timing(cx: &Context) -> Option<Vec<Change>> {
    let interval = cx.helper_refresh?;
    let number = |n: u64| serde_json::Value::from(n);
    let interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
    Some(vec![
        Change::Set {
            key: auth_key(AUTH_TIMING[0]),
            value: number(interval_ms),
        },
        Change::Set {
            key: auth_key(AUTH_TIMING[1]),
            value: number(REFRESHING_HELPER_TIMEOUT_MS),
        },
    ])
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
