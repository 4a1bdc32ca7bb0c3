//! `agentgw status`: the profile (workspace, gateway, user, token storage) and, per agent, what is
//! installed, what its config says, how it gets its token, and which of agentgw's keys the user
//! has changed since setup. Read-only; never prints a secret.

use super::session::ProfileState;
use crate::agents::{self, Agent};
use crate::cli::StatusArgs;
use crate::edit::{self, StateDir};
use crate::profile::TokenStorage;
use crate::{credential, gateway, paths, ui};
use anyhow::Result;
use serde_json::{Value, json};

pub fn run(profile_flag: Option<&str>, args: StatusArgs) -> Result<()> {
    let loaded = ProfileState::load(profile_flag)?;
    let (name, profile, token) = (&loaded.name, &loaded.profile, &loaded.token);
    let storage = match (token, profile.as_ref().and_then(|p| p.token_storage)) {
        (Err(e), _) => format!("unreadable: {e}"),
        (Ok(Some((_, credential::TokenSource::Env))), _) => "AGENTGW_TOKEN (environment)".into(),
        (Ok(Some(_)), Some(TokenStorage::Keyring)) => "OS keyring".into(),
        (Ok(Some(_)), _) => format!(
            "plaintext file {}",
            paths::display(&credential::file_store_path(&loaded.config_dir))
        ),
        (Ok(None), _) => format!("not logged in (run: agentgw login --profile {name})"),
    };
    let host = profile.as_ref().and_then(|p| p.host.clone());
    let gateway = profile.as_ref().and_then(|p| p.gateway());
    let user = match (&host, token) {
        (Some(host), Ok(Some((token, _)))) => Some(
            gateway::Http::new(profile.as_ref().and_then(|p| p.ca_file.as_deref()))
                .map_err(|e| e.to_string())
                .and_then(|http| {
                    http.scim_me(host, token)
                        .map_err(|e| ui::message_and_fix(&e.explain(name)).0.to_string())
                })
                .map(|me| me.user_name),
        ),
        _ => None,
    };
    let state = StateDir::new(paths::state_dir()?);
    let agents: Vec<Value> = agents::ALL
        .iter()
        .map(|agent| agent_status(*agent, &state))
        .collect();
    let report = json!({
        "profile": {
            "name": name,
            "exists": profile.is_some(),
            "host": host,
            "gateway": gateway,
            "user": user.as_ref().and_then(|u| u.as_ref().ok()),
            "user_error": user.as_ref().and_then(|u| u.as_ref().err()),
            "token": storage,
        },
        "agents": agents,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(())
}

fn agent_status(agent: &dyn Agent, state: &StateDir) -> Value {
    let installed = agents::find_installed(agent);
    let configured = agent.configured();
    let (file, base_url, model, config_error) = match &configured {
        Ok(Some(c)) => (
            Some(paths::display(&c.file)),
            Some(c.base_url.clone()),
            Some(c.model.clone()),
            None,
        ),
        Ok(None) => (None, None, None, None),
        Err(e) => (
            None,
            None,
            None,
            Some(
                format!("{e:#}")
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
        ),
    };
    // Keys agentgw set that hold something else now: the user's edits since setup.
    let drift: Vec<String> = edit::plan_undo(state, agent.id())
        .map(|undos| {
            undos
                .iter()
                .flat_map(|u| {
                    u.kept_user_values.iter().map(move |k| {
                        format!("{} in {}", edit::display_key(k), paths::display(u.path()))
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "agent": agent.id(),
        "name": agent.info().name,
        "installed": installed.is_some(),
        "version": installed.as_ref().and_then(|i| i.version).map(|v| v.to_string()),
        "path": installed.as_ref().map(|i| i.path.display().to_string()),
        "configured": matches!(configured, Ok(Some(_))),
        "file": file,
        "config_error": config_error,
        "base_url": base_url,
        "model": model,
        "token_via": agent.token_supply().unwrap_or_else(|e| format!("unknown ({e:#})")),
        "changed_since_setup": drift,
    })
}

fn print_human(report: &Value) {
    let p = &report["profile"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    println!(
        "Profile {}{}",
        p["name"].as_str().unwrap_or_default(),
        if p["exists"] == true {
            ""
        } else {
            " (does not exist: run agentgw login)"
        }
    );
    println!(
        "  host      {}",
        text(&p["host"]).unwrap_or_else(|| "-".into())
    );
    println!(
        "  gateway   {}",
        text(&p["gateway"]).unwrap_or_else(|| "-".into())
    );
    match (text(&p["user"]), text(&p["user_error"])) {
        (Some(user), _) => println!("  user      {user}"),
        (None, Some(err)) => println!("  user      unknown: {err}"),
        (None, None) => println!("  user      -"),
    }
    println!("  token     {}", text(&p["token"]).unwrap_or_default());
    for a in report["agents"].as_array().into_iter().flatten() {
        println!();
        println!("{}", a["name"].as_str().unwrap_or_default());
        let installed = match (a["installed"] == true, text(&a["version"])) {
            (true, Some(v)) => format!("{v} ({})", text(&a["path"]).unwrap_or_default()),
            (true, None) => format!("version unknown ({})", text(&a["path"]).unwrap_or_default()),
            (false, _) => "not on PATH".into(),
        };
        println!("  installed   {installed}");
        match (text(&a["file"]), text(&a["config_error"])) {
            (Some(file), _) => {
                println!("  configured  {file}");
                println!("  base URL    {}", text(&a["base_url"]).unwrap_or_default());
                println!("  model       {}", text(&a["model"]).unwrap_or_default());
            }
            (None, Some(err)) => println!("  configured  unreadable: {err}"),
            (None, None) => println!(
                "  configured  no (run: agentgw setup {})",
                a["agent"].as_str().unwrap_or_default()
            ),
        }
        println!(
            "  token via   {}",
            text(&a["token_via"]).unwrap_or_default()
        );
        let drift: Vec<&str> = a["changed_since_setup"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !drift.is_empty() {
            println!("  changed by you since setup: {}", drift.join(", "));
        }
    }
}
