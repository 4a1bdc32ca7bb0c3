//! OpenCode (`opencode`, npm `opencode-ai`): its global config file in
//! `$XDG_CONFIG_HOME/opencode` (`~/.config/opencode` on every platform; see `layers`), JSON with
//! comments. Setup merges in one provider per wire format the workspace serves models of (see
//! `providers`), `model` and `small_model` naming served models (unset, OpenCode sends titles to
//! a model of its own choosing, which the gateway does not serve), and agentgw's plugin.
//!
//! The token: OpenCode 1.18.33 reads a provider's key once, from the config (`{env:VAR}` and
//! `{file:path}` are filled in when the config is loaded), and has no key command. What it does
//! have is plugins, whose `chat.headers` hook sets the headers of every model request. So setup
//! writes a small plugin file into agentgw's own state folder (see `plugin`): it runs
//! `agentgw token --profile P` (by absolute path, no shell, offline) for each request to
//! agentgw's providers and sets `Authorization: Bearer` (and the key header of the Anthropic and
//! Google SDKs, whose own key is a placeholder) — and only while the provider still points at the
//! profile's gateway; otherwise the request fails saying which provider points where. So plain
//! `opencode` works without a token in any file or variable, and a one-hour OAuth token is fresh
//! on every request of a long session (`agentgw token` refreshes it). Chosen over the
//! alternatives: `{env:VAR}` filled by `agentgw exec` (plain `opencode` would not work, and the
//! token would sit in OpenCode's environment, which a project's `{env:…}` can read and send
//! anywhere), and `{file:…}` naming a 0600 token file (a token at rest, stale after an hour with
//! OAuth). What the plugin cannot guard against: a project's config may load plugins of its own,
//! which run code as the user (OpenCode asks nobody), and could run `agentgw token` themselves.
//!
//! OpenCode writes `$schema` into a global file that lacks it when it starts (1.1.53, 1.18.33):
//! setup adds it, so the file stays as setup left it and `remove` can give back the user's bytes.
//!
//! `agentgw exec opencode` puts the same providers (under ids of their own), model, small model and
//! plugin in OPENCODE_CONFIG_CONTENT, which outranks the user's and the project's files (see
//! `launch`).

mod doctor;
mod launch;
mod layers;
mod plugin;
mod providers;

use super::{
    Agent, AgentInfo, Configured, Context, DoctorContext, FileSpec, Launch, Setup, Version,
};
use crate::check::Check;
use crate::edit::{Change, Format};
use crate::gateway::Wire;
use anyhow::{Result, bail};
use providers::{PROVIDERS, Provider, provider_for, selector};
use serde_json::Value;
use std::path::PathBuf;

pub const ID: &str = "opencode";
/// The key OpenCode adds to its global file when missing, and the value it gives it.
const SCHEMA_KEY: &str = "$schema";
const SCHEMA_URL: &str = "https://opencode.ai/config.json";
/// The first release that runs agentgw's shapes (tests/agents/versions.txt says why).
const OLDEST: Version = Version(1, 1, 53);

pub struct OpenCode;

impl Agent for OpenCode {
    fn info(&self) -> &'static AgentInfo {
        &AgentInfo {
            id: ID,
            name: "OpenCode",
            program: "opencode",
            default_model: "databricks-claude-opus-4-6",
            // Its providers use Claude Code's, Codex's, Gemini's and the chat route.
            route: None,
            wire: Wire::Anthropic,
            supported: (OLDEST, Version(1, 18, 33)),
            npm_package: "opencode-ai",
        }
    }

    /// The model OpenCode starts with in the current folder (through every config layer) and
    /// the `baseURL` of its provider.
    fn configured(&self) -> Result<Option<Configured>> {
        let layers = layers::read()?;
        let Some((model_layer, Value::String(selected))) = layers::top(&layers, &["model"]) else {
            return Ok(None);
        };
        let Some((provider, model)) = selected.split_once('/') else {
            return Ok(None);
        };
        let key = ["provider", provider, "options", "baseURL"];
        let Some((url_layer, Value::String(base_url))) = layers::top(&layers, &key) else {
            return Ok(None);
        };
        Ok(Some(Configured {
            file: layers::global_file()?,
            base_url: crate::urls::redact_userinfo(base_url),
            model: model.to_string(),
            base_url_from: url_layer.shown.clone(),
            model_from: model_layer.shown.clone(),
        }))
    }

    /// The token command in the plugin file the global file names.
    fn token_helper(&self) -> Result<Option<Vec<String>>> {
        Ok(doctor::plugin_in_use()?.and_then(|p| p.command))
    }

    fn token_supply(&self) -> Result<String> {
        doctor::token_supply()
    }

    fn setup(&self, cx: &Context) -> Result<Setup> {
        let path = layers::global_file()?;
        let model = cx.model.as_str();
        let chosen = provider_for(model)?;
        // The newest served haiku (else the nearest Claude tier); without a list, the one
        // remembered for Claude Code's alias, else the model itself.
        let haiku = cx
            .served
            .as_ref()
            .and_then(|s| crate::models::claude_alias(&s.names, crate::models::Tier::Haiku))
            .unwrap_or_else(|| cx.aliases.haiku.clone());
        let small = providers::small_model(model, &haiku);
        let lineup = providers::lineup(&[model, &small], cx.served.as_ref())?;
        let small_provider = provider_for(&small)?;
        let mut changes = Vec::new();
        let template = providers::template_changes(
            cx,
            &selector(chosen.id, model),
            &selector(small_provider.id, &small),
        )?;
        let state = crate::edit::StateDir::new(crate::paths::state_dir()?);
        for provider in &PROVIDERS {
            match lineup.iter().find(|(p, _)| p.id == provider.id) {
                Some((_, names)) => {
                    changes.extend(
                        template
                            .iter()
                            .filter(|c| providers::is_of(c, provider))
                            .cloned(),
                    );
                    changes.push(Change::Set {
                        key: providers::models_key(provider.id),
                        value: providers::models_table(provider, names),
                    });
                }
                // A kind no longer served: agentgw's keys of its provider go (a user's own
                // provider of that name is left alone).
                None => {
                    for key in provider_keys(&template, provider) {
                        if crate::edit::has_set(&state, self.id(), &path, &key)? {
                            changes.push(Change::Remove { key });
                        }
                    }
                }
            }
        }
        changes.extend(
            template
                .iter()
                .filter(|c| !PROVIDERS.iter().any(|p| providers::is_of(c, p)))
                .cloned(),
        );
        let code = plugin::code(cx, false)?;
        let plugin_path = plugin::setup_path(&code)?;
        changes.push(Change::Set {
            key: vec!["plugin".into()],
            value: plugin_list(&path, &plugin::file_url(&plugin_path))?,
        });
        // OpenCode (1.1.53, 1.18.33) writes `$schema` into a global file that lacks it when it
        // starts; given here, the file stays as setup left it, and `remove` can give the user's
        // bytes back.
        let schema = vec![SCHEMA_KEY.to_string()];
        if crate::edit::read_values(&path, Format::Json, std::slice::from_ref(&schema))?[0]
            .is_none()
        {
            changes.insert(
                0,
                Change::Set {
                    key: schema,
                    value: Value::String(SCHEMA_URL.into()),
                },
            );
        }
        let offered: Vec<String> = lineup
            .iter()
            .map(|(p, names)| format!("{} ({})", p.id, names.len()))
            .collect();
        let notes = vec![
            format!(
                "No token is in {}: agentgw's plugin ({}) runs `agentgw token` for each request.",
                crate::paths::display(&path),
                crate::paths::display(&plugin_path)
            ),
            format!(
                "Providers: {}; `opencode -m <provider>/<model>` picks another of their models.",
                offered.join(", ")
            ),
        ];
        let warnings = doctor::outranking_layers(&path)
            .into_iter()
            .map(|check| format!("{}\nfix: {}", check.message, check.fix))
            .collect();
        let mut problems = Vec::new();
        if let Some(version) = cx.version.filter(|v| *v < OLDEST) {
            problems.push(format!(
                "OpenCode {version} is older than {OLDEST}, the first release that sends the token agentgw's plugin \
                 supplies and runs without downloading its providers\nfix: upgrade OpenCode (`npm install -g opencode-ai`), \
                 then run `agentgw setup {ID}` again"
            ));
        }
        Ok(Setup {
            files: vec![FileSpec {
                path,
                format: Format::Json,
                changes,
                token_key: None,
            }],
            notes,
            warnings,
            problems,
        })
    }

    fn own_files(&self, cx: &Context) -> Result<Vec<(PathBuf, String)>> {
        let code = plugin::code(cx, false)?;
        Ok(vec![(plugin::setup_path(&code)?, code)])
    }

    fn launch(&self, cx: &Context, args: &[String]) -> Result<Launch> {
        launch::launch(cx, args)
    }

    fn offers_every_family(&self) -> bool {
        true
    }

    /// The format of the model's provider, to its `baseURL` without the SDK's suffix (the probe
    /// adds the API version itself), else to that format's route on the gateway.
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

    fn overriding_variables(&self) -> &'static [(&'static str, &'static str)] {
        doctor::OVERRIDING_VARIABLES
    }

    fn doctor_checks(&self, _cx: &DoctorContext, configured: &Configured) -> Vec<Check> {
        doctor::checks(configured)
    }

    fn other_models(&self, configured: &Configured) -> Vec<(String, String)> {
        doctor::small_model(configured).into_iter().collect()
    }
}

/// Every key of `provider` in the template (to take them out again), and its model table.
fn provider_keys(template: &[Change], provider: &Provider) -> Vec<Vec<String>> {
    template
        .iter()
        .filter(|c| providers::is_of(c, provider))
        .filter_map(|c| match c {
            Change::Set { key, .. } => Some(key.clone()),
            Change::Remove { .. } => None,
        })
        .chain([providers::models_key(provider.id)])
        .collect()
}

/// The file's `plugin` list with agentgw's plugin (`url`) in place of any earlier one of
/// agentgw's, the user's own entries kept in their order.
fn plugin_list(file: &std::path::Path, url: &str) -> Result<Value> {
    let current =
        crate::edit::read_values(file, Format::Json, &[vec!["plugin".to_string()]])?.remove(0);
    let mut list = match current {
        None => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => bail!(
            "{}: \"plugin\" is not a list, as OpenCode wants it\nfix: make it a list (`\"plugin\": [...]`), then run `agentgw setup {ID}` again",
            crate::paths::display(file)
        ),
    };
    list.retain(|entry| !plugin::is_agentgws(entry));
    list.push(Value::String(url.to_string()));
    Ok(Value::Array(list))
}
