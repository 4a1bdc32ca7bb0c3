//! `agentgw apply POLICY --check`: is every setting the policy asks for in place and in force?
//! Read-only and offline: the profile, each agent's config as `status` and `doctor` read it
//! (`Agent::configured_for`, which knows Claude Code's settings layers; Claude Code's telemetry
//! read through the same layers), and the shell variables that outrank it
//! (`Agent::overriding_variables`). One line per drift, exit 1.

use super::Mismatch;
use crate::agents::{self, Agent};
use crate::cli::ApplyArgs;
use crate::commands::AlreadyReported;
use crate::policy::{AgentPolicy, Policy};
use crate::profile::{self, Config, Profile};
use crate::{paths, ui};
use anyhow::Result;
use serde_json::json;

/// One setting not as the policy wants it, and where the value in force comes from.
struct Drift {
    agent: String,
    key: String,
    wanted: String,
    /// Which source asked for `wanted`: the policy file, or the workspace's published config.
    wanted_from: String,
    found: String,
    source: String,
    fix: String,
}

pub fn run(
    profile_flag: Option<&str>,
    policy: &Policy,
    args: &ApplyArgs,
    described: &str,
) -> Result<()> {
    let name = profile::selected_name(profile_flag)?;
    let config_dir = paths::config_dir()?;
    let config_file = paths::display(&config_dir.join("config.toml"));
    let profile = Config::load(&config_dir)?.profile(&name)?;
    let mut drift = Vec::new();
    let mut skipped = Vec::new();
    let login = super::login_command(&name, policy);
    let mut workspace = |key: &str, wanted: String, found: String| {
        drift.push(Drift {
            agent: "workspace".into(),
            key: key.into(),
            wanted,
            wanted_from: described.to_string(),
            found,
            source: config_file.clone(),
            fix: login.clone(),
        })
    };
    let ws = &policy.workspace;
    match &profile {
        None => workspace("host", ws.host.clone(), format!("no profile '{name}'")),
        Some(p) => {
            for mismatch in super::workspace_mismatches(p, ws) {
                match mismatch {
                    Mismatch::Host(found) => {
                        workspace("host", ws.host.clone(), found.unwrap_or_default())
                    }
                    Mismatch::Auth(auth) => {
                        workspace("auth", ws.auth.as_str().into(), auth.as_str().into())
                    }
                    Mismatch::TokenInFile => {
                        workspace("token_storage", "keyring".into(), "file".into())
                    }
                    Mismatch::Gateway { wanted, found } => {
                        workspace("gateway_url", wanted, found.unwrap_or_default())
                    }
                }
            }
        }
    }
    // Only the agents in force for the profile's own workspace can be judged.
    if let Some(profile) = profile
        .as_ref()
        .filter(|p| p.host.as_deref() == Some(&ws.host))
    {
        for wanted in &policy.agents {
            match agents::find_installed(wanted.agent) {
                None if !args.strict => skipped.push(wanted.agent.id()),
                found => drift.extend(agent_drift(wanted, profile, found, described)),
            }
        }
    }
    if args.json {
        let report = json!({
            "ok": drift.is_empty(),
            "drift": drift.iter().map(|d| json!({
                "agent": d.agent, "key": d.key, "wanted": d.wanted, "wanted_from": d.wanted_from,
                "found": d.found,
                "source": (!d.source.is_empty()).then_some(&d.source), "fix": d.fix,
            })).collect::<Vec<_>>(),
            "skipped": skipped,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for id in &skipped {
            ui::note(&format!(
                "{id}: skipped, not installed (--strict counts it as drift)"
            ));
        }
        for d in &drift {
            let source = match d.source.is_empty() {
                true => String::new(),
                false => format!(" ({})", d.source),
            };
            // With two sources, which one asked for each value.
            let by = match args.from_workspace {
                true => format!(" (by {})", d.wanted_from),
                false => String::new(),
            };
            println!(
                "{}: {}: wanted {}{by}, found {}{source}; fix: {}",
                d.agent, d.key, d.wanted, d.found, d.fix
            );
        }
        if drift.is_empty() {
            println!("in force: every setting of {described} is in place");
        }
    }
    match drift.is_empty() {
        true => Ok(()),
        false => Err(AlreadyReported.into()),
    }
}

fn agent_drift(
    wanted: &AgentPolicy,
    profile: &Profile,
    installed: Option<agents::Installed>,
    policy_name: &str,
) -> Vec<Drift> {
    let agent: &dyn Agent = wanted.agent;
    let id = agent.id();
    let setup = format!("agentgw apply {policy_name} --yes");
    let new = |key: &str, wanted: String, found: String, source: String, fix: String| Drift {
        agent: id.into(),
        key: key.into(),
        wanted,
        wanted_from: policy_name.to_string(),
        found,
        source,
        fix,
    };
    let info = agent.info();
    let mut drift = Vec::new();
    let Some(installed) = installed else {
        let fix = format!("npm install -g {}", info.npm_package);
        return vec![new(
            "installed",
            "installed".into(),
            "not on PATH".into(),
            "PATH".into(),
            fix,
        )];
    };
    if let Some(min) = wanted.min_version {
        let upgrade = format!("npm install -g {}@latest", info.npm_package);
        let program = paths::display(&installed.path);
        match installed.version {
            Some(v) if v >= min => {}
            Some(v) => drift.push(new(
                "version",
                format!("{min} or newer"),
                v.to_string(),
                program,
                upgrade,
            )),
            None => drift.push(new(
                "version",
                format!("{min} or newer"),
                "unknown".into(),
                program,
                upgrade,
            )),
        }
    }
    let configured = match agent.configured_for(profile) {
        Ok(Some(c)) => c,
        Ok(None) => {
            drift.push(new(
                "config",
                "set up".into(),
                "not set up".into(),
                String::new(),
                setup,
            ));
            return drift;
        }
        Err(e) => {
            drift.push(new(
                "config",
                "readable".into(),
                format!("{e:#}"),
                String::new(),
                setup,
            ));
            return drift;
        }
    };
    // Compared as routes, as doctor does: an agent with providers of several formats writes
    // each SDK's suffix after the route of its model's format.
    let gateway = profile.gateway().unwrap_or_default();
    let model = &configured.model;
    let (_, expected) = agent.probe_route(None, &gateway, profile, model);
    let (_, route) = agent.probe_route(Some(&configured.base_url), &gateway, profile, model);
    if route != expected {
        let fix = configured.base_url_fix().unwrap_or_else(|| setup.clone());
        drift.push(new(
            "base_url",
            expected,
            configured.base_url.clone(),
            configured.base_url_from.clone(),
            fix,
        ));
    }
    if let Some(want) = &wanted.model
        && want != model
    {
        drift.push(Drift {
            wanted_from: wanted.model_from.clone(),
            ..new(
                "model",
                want.clone(),
                model.clone(),
                configured.model_from.clone(),
                setup.clone(),
            )
        });
    }
    if let Some(tables) = &wanted.otel_tables {
        let host = profile.host.as_deref().unwrap_or_default();
        match agents::claude_telemetry_drift(host, tables, &wanted.otel_resource_attributes) {
            Ok(found) => drift.extend(found.into_iter().map(|d| {
                let fix = d.fix.unwrap_or_else(|| setup.clone());
                new(&d.key, d.wanted, d.found, d.source, fix)
            })),
            Err(e) => drift.push(new(
                "otel_tables",
                tables.to_string(),
                format!("{e:#}"),
                String::new(),
                setup.clone(),
            )),
        }
    }
    for (var, effect) in agent.overriding_variables() {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            // Never the value: it may be a key.
            drift.push(new(
                var,
                "unset".into(),
                format!("set ({effect})"),
                "environment".into(),
                format!("unset {var} (and remove its export from your shell startup files)"),
            ));
        }
    }
    drift
}
