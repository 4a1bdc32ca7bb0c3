//! Pi (`pi`, the coding agent of `@earendil-works/pi-coding-agent`, before 0.74
//! `@mariozechner/pi-coding-agent`): `models.json` and `settings.json` in its agent folder
//! (`$PI_CODING_AGENT_DIR`, default `~/.pi/agent`). models.json gets one provider per wire format
//! the gateway serves Pi (see `providers`), each listing the workspace's models of its family;
//! settings.json makes one of them Pi's default, so plain `pi` uses the gateway.
//!
//! No token in any file: each provider's `apiKey` is `!<agentgw> token --profile P`, which Pi runs
//! through the shell for every request from 0.63.0 on (0.49.1 to 0.62.0 run it once per process
//! and keep the answer, which a one-hour OAuth token outlives). `authHeader` makes Pi send the key
//! as `Authorization: Bearer` too, which the gateway reads.

mod doctor;
mod launch;
mod providers;

use super::template::{self, Vars};
use super::{
    Agent, AgentInfo, Configured, Context, DoctorContext, FileSpec, Launch, Setup, Version,
};
use crate::check::Check;
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use anyhow::Result;
use providers::PROVIDERS;
use std::path::PathBuf;

use providers::{UserAgent, provider_for};

const SETTINGS: &str = include_str!("../../templates/pi/settings.json");
/// The first release that runs a `!command` key for every request rather than once per process.
pub const KEY_COMMAND_PER_REQUEST_SINCE: Version = Version(0, 63, 0);
/// The first release that reads models.json with comments and trailing commas (before, such a
/// file gives Pi no custom models at all).
const MODELS_JSONC_SINCE: Version = Version(0, 73, 1);
/// The variable that moves Pi's agent folder.
const AGENT_DIR_VAR: &str = "PI_CODING_AGENT_DIR";

pub struct Pi;

impl Agent for Pi {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: "pi",
            name: "Pi",
            program: "pi",
            default_model: "databricks-claude-opus-4-6",
            // Pi's providers use Claude Code's, Codex's and Gemini's routes.
            route: None,
            wire: Wire::Anthropic,
            supported: (Version(0, 63, 0), Version(1, 6, 0)),
            npm_package: "@earendil-works/pi-coding-agent",
        }
    }

    /// Pi's default provider and model in the current folder (a project's `.pi/settings.json`
    /// outranks the user's), and that provider's `baseUrl` in models.json.
    fn configured(&self) -> Result<Option<Configured>> {
        let dir = agent_dir()?;
        let models = dir.join("models.json");
        let Some(default) = Defaults::read()? else {
            return Ok(None);
        };
        let base_url = super::read_strings(
            &models,
            Format::Json,
            &[&["providers", &default.provider, "baseUrl"]],
        )?
        .remove(0);
        let Some(base_url) = base_url else {
            return Ok(None);
        };
        Ok(Some(Configured {
            base_url: crate::urls::redact_userinfo(&base_url),
            base_url_from: crate::paths::display(&models),
            model: default.model,
            model_from: crate::paths::display(&default.from),
            file: models,
        }))
    }

    fn token_helper(&self) -> Result<Option<Vec<String>>> {
        Ok(key_of_default()?
            .and_then(|key| key.strip_prefix('!').map(str::to_string))
            .map(|command| vec!["sh".to_string(), "-c".to_string(), command]))
    }

    fn token_supply(&self) -> Result<String> {
        let provider = default_provider()?;
        if stored_key(&provider)? {
            return Ok(format!(
                "stored in {} for provider {provider} (outranks models.json)",
                crate::paths::display(&agent_dir()?.join("auth.json"))
            ));
        }
        let models = crate::paths::display(&agent_dir()?.join("models.json"));
        Ok(match key_of_default()? {
            Some(key) if key.starts_with('!') => super::describe_helper(&key[1..]),
            Some(key) => match env_reference(&key) {
                Some(var) if std::env::var_os(&var).is_some() => format!("environment ({var})"),
                Some(var) => format!("environment ({var}, not set here)"),
                None => format!("inline in {models}"),
            },
            None => "none (run `agentgw setup pi`, or start it with `agentgw exec pi`)".to_string(),
        })
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        let dir = agent_dir()?;
        let models_path = dir.join("models.json");
        let default = provider_for(&cx.model)?;
        let lineup = providers::lineup(&cx.model, cx.served.as_ref())?;
        let mut changes = Vec::new();
        let state = crate::edit::StateDir::new(crate::paths::state_dir()?);
        let user_agent = providers::user_agent(cx.version);
        for provider in &PROVIDERS {
            match lineup.iter().find(|(p, _)| p.id == provider.id) {
                Some((_, names)) => {
                    changes.extend(providers::provider_changes(cx, provider, names)?);
                    // Pi upgraded past the release that names itself: the header agentgw wrote
                    // for the older one goes.
                    let key = providers::user_agent_key(provider);
                    if user_agent == UserAgent::None
                        && crate::edit::has_set(&state, self.id(), &models_path, &key)?
                    {
                        changes.push(Change::Remove {
                            key: providers::user_agent_removal(&models_path, provider)?,
                        });
                    }
                }
                // A family no longer served: agentgw's keys of its provider go (a user's own
                // provider of that name is left alone).
                None => {
                    for key in providers::provider_keys(cx, provider)? {
                        if crate::edit::has_set(&state, self.id(), &models_path, &key)? {
                            changes.push(Change::Remove { key });
                        }
                    }
                }
            }
        }
        let mut vars = Vars::default();
        vars.set("provider", default.id)
            .set("model", cx.model.as_str());
        let settings = template::changes(Format::Json, SETTINGS, &vars)?;
        let mut notes = vec![format!(
            "Pi runs `agentgw token` for the key of each request; no token is in {}.",
            crate::paths::display(&models_path)
        )];
        let offered: Vec<String> = lineup
            .iter()
            .map(|(p, names)| format!("{} ({})", p.id, names.len()))
            .collect();
        notes.push(format!(
            "Providers: {}; `pi --model <provider>/<model>` picks another of them.",
            offered.join(", ")
        ));
        if let (UserAgent::Give(header), Some(version)) = (&user_agent, cx.version) {
            notes.push(format!(
                "Pi {version} does not name itself in its requests (from {} it does): its providers send \
                 `User-Agent: {header}`, so `agentgw usage` counts them as Pi's.",
                providers::NAMES_ITSELF_SINCE
            ));
        }
        let mut warnings = Vec::new();
        let mut problems = Vec::new();
        let settings_path = dir.join("settings.json");
        if super::has_comments_or_trailing_commas(&settings_path) {
            problems.push(format!(
                "{} has comments or trailing commas: Pi reads settings.json as strict JSON and ignores all of it, \
                 the gateway as default included\nfix: remove the comments and trailing commas from that file",
                crate::paths::display(&settings_path)
            ));
        }
        if let Some(version) = cx.version.filter(|v| *v < MODELS_JSONC_SINCE)
            && super::has_comments_or_trailing_commas(&models_path)
        {
            problems.push(format!(
                "{} has comments or trailing commas, which Pi {version} does not read (from {MODELS_JSONC_SINCE} it does): \
                 it loads none of the file's providers, the gateway's included\n\
                 fix: remove the comments and trailing commas from that file, or upgrade Pi",
                crate::paths::display(&models_path)
            ));
        }
        if let Some(version) = cx.version
            && version < KEY_COMMAND_PER_REQUEST_SINCE
            && cx.profile.auth.is_short_lived()
        {
            warnings.push(format!(
                "profile '{}' signs in with {}: Pi {version} runs `agentgw token` once, when it starts, so sessions longer \
                 than the token's lifetime (an hour) fail with 401. Upgrade Pi (`npm install -g @earendil-works/pi-coding-agent`), \
                 which asks for every request.",
                cx.profile.name,
                cx.profile.auth.describe()
            ));
        }
        if let Some(project) = Defaults::project_override()? {
            warnings.push(format!(
                "{} sets Pi's default model for this folder, which outranks {}: Pi uses {} here.\n\
                 fix: remove defaultProvider and defaultModel from that file, or start Pi with `agentgw exec pi`",
                crate::paths::display(&project.from),
                crate::paths::display(&dir.join("settings.json")),
                project.described()
            ));
        }
        Ok(Setup {
            files: vec![
                FileSpec {
                    path: models_path,
                    format: Format::Json,
                    changes,
                    token_key: None,
                },
                FileSpec {
                    path: settings_path,
                    format: Format::Json,
                    changes: settings,
                    token_key: None,
                },
            ],
            notes,
            warnings,
            problems,
        })
    }

    fn short_lived_token_check(
        &self,
        cx: &DoctorContext,
        _configured: &Configured,
    ) -> Option<Check> {
        doctor::short_lived_token(cx)
    }

    fn doctor_checks(&self, _cx: &DoctorContext, _configured: &Configured) -> Vec<Check> {
        doctor::checks()
    }

    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch> {
        launch::launch(cx, args)
    }

    fn offers_every_family(&self) -> bool {
        true
    }

    /// The format of the model's provider, to its `baseUrl` without Pi's own suffix (the probe
    /// adds the API version itself), else to its route on the gateway.
    fn probe_route(
        &self,
        configured: Option<&str>,
        gateway: &str,
        profile: &crate::profile::Profile,
        model: &str,
    ) -> (Wire, String) {
        let provider = provider_for(model).unwrap_or(&PROVIDERS[0]);
        let url = match configured {
            Some(url) => provider.route_of_base_url(url),
            None => provider.route(gateway, profile),
        };
        (provider.wire, url)
    }
}

/// Pi's agent folder: `$PI_CODING_AGENT_DIR` (a leading `~` is the home folder, as Pi reads it),
/// else `~/.pi/agent`.
pub fn agent_dir() -> Result<PathBuf> {
    let home = || {
        dirs::home_dir().ok_or_else(|| anyhow::anyhow!("cannot find your home directory (HOME)"))
    };
    match std::env::var(AGENT_DIR_VAR).ok().filter(|v| !v.is_empty()) {
        Some(dir) if dir == "~" => home(),
        Some(dir) => match dir.strip_prefix("~/") {
            Some(rest) => Ok(home()?.join(rest)),
            None => Ok(PathBuf::from(dir)),
        },
        None => Ok(home()?.join(".pi").join("agent")),
    }
}

/// Pi's default provider and model, and the settings file they come from.
struct Defaults {
    provider: String,
    model: String,
    from: PathBuf,
}

impl Defaults {
    /// What Pi starts with in the current folder: a project's `.pi/settings.json` (only the
    /// current folder's: Pi does not look further up) outranks the user's, key by key.
    fn read() -> Result<Option<Defaults>> {
        let user = agent_dir()?.join("settings.json");
        let project = project_settings()?;
        let read = |path: &std::path::Path| {
            super::read_strings(
                path,
                Format::Json,
                &[&["defaultProvider"], &["defaultModel"]],
            )
        };
        let theirs = read(&project).unwrap_or_else(|_| vec![None, None]);
        let ours = read(&user)?;
        let pick = |i: usize| match (&theirs[i], &ours[i]) {
            (Some(value), _) => Some((value.clone(), project.clone())),
            (None, Some(value)) => Some((value.clone(), user.clone())),
            (None, None) => None,
        };
        Ok(match (pick(0), pick(1)) {
            (Some((provider, _)), Some((model, from))) => Some(Defaults {
                provider,
                model,
                from,
            }),
            _ => None,
        })
    }

    /// The defaults of the current folder's `.pi/settings.json`, when it sets either.
    fn project_override() -> Result<Option<Defaults>> {
        let project = project_settings()?;
        let values = super::read_strings(
            &project,
            Format::Json,
            &[&["defaultProvider"], &["defaultModel"]],
        )
        .unwrap_or_default();
        Ok(match values.as_slice() {
            [None, None] | [] => None,
            [provider, model] => Some(Defaults {
                provider: provider.clone().unwrap_or_default(),
                model: model.clone().unwrap_or_default(),
                from: project,
            }),
            _ => None,
        })
    }

    fn described(&self) -> String {
        match (self.provider.is_empty(), self.model.is_empty()) {
            (false, false) => format!("{}/{}", self.provider, self.model),
            (false, true) => format!("provider {}", self.provider),
            _ => format!("model {}", self.model),
        }
    }
}

/// The current folder's `.pi/settings.json` (whether or not it exists).
fn project_settings() -> Result<PathBuf> {
    let cwd = std::env::current_dir()
        .map_err(|e| anyhow::anyhow!("cannot read the current folder: {e}"))?;
    Ok(cwd.join(".pi").join("settings.json"))
}

/// The default provider's id: the one Pi's settings name, else agentgw's Claude provider.
fn default_provider() -> Result<String> {
    Ok(Defaults::read()?
        .map(|d| d.provider)
        .unwrap_or_else(|| PROVIDERS[0].id.to_string()))
}

/// The default provider's `apiKey` in models.json.
fn key_of_default() -> Result<Option<String>> {
    let provider = default_provider()?;
    let models = agent_dir()?.join("models.json");
    Ok(super::read_strings(
        &models,
        Format::Json,
        &[&["providers", &provider, "apiKey"]],
    )?
    .remove(0))
}

/// Whether `auth.json` holds a credential for `provider`: Pi uses it instead of models.json's key.
pub fn stored_key(provider: &str) -> Result<bool> {
    let auth = agent_dir()?.join("auth.json");
    let value = crate::edit::read_values(&auth, Format::Json, &[vec![provider.to_string()]])?;
    Ok(value[0].is_some())
}

/// The variable a non-command key names: `$VAR` / `${VAR}` (1.x), or a bare variable name that
/// is set (0.x looks a plain key up as a variable first).
fn env_reference(key: &str) -> Option<String> {
    let name = key
        .strip_prefix("${")
        .and_then(|k| k.strip_suffix('}'))
        .or_else(|| key.strip_prefix('$'))
        .unwrap_or(key);
    let is_name = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    let referenced = name.len() != key.len() || std::env::var_os(name).is_some();
    (is_name && referenced).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_a_variable_only_as_pi_reads_it() {
        assert_eq!(env_reference("$MY_KEY").as_deref(), Some("MY_KEY"));
        assert_eq!(env_reference("${MY_KEY}").as_deref(), Some("MY_KEY"));
        assert_eq!(env_reference("dapi-literal-key"), None);
        assert_eq!(env_reference("PATH").as_deref(), Some("PATH"));
        assert_eq!(env_reference("AGENTGW_SURELY_UNSET_VARIABLE"), None);
    }
}
