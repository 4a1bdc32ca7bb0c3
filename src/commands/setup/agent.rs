//! One terminal agent's part of `agentgw setup`: its model, its files planned and applied through
//! the edit engine, and its test request.

use super::written::{Outcome, PendingTest, apply_and_report, confirm, users_values};
use crate::agents::{self, Agent, SetupOptions};
use crate::cli::SetupArgs;
use crate::commands::session::{Session, mask_secrets};
use crate::edit::{self, StateDir};
use crate::gateway::Wire;
use crate::{models, paths, ui};
use anyhow::{Result, bail};

pub fn setup_one(
    agent: &dyn Agent,
    session: &Session,
    state: &StateDir,
    options: &SetupOptions,
    args: &SetupArgs,
    ask: bool,
    lister: &models::Lister,
) -> Result<Outcome> {
    let installed = agents::find_installed(agent);
    if installed.is_none() {
        let what = match agent.keeps_no_file() {
            true => format!("install it before `agentgw exec {}`", agent.id()),
            false => "writing the config for its newest release".to_string(),
        };
        ui::note(&format!(
            "{}: `{}` is not on PATH; {what}.",
            agent.name(),
            agent.program()
        ));
    }
    let chosen = choose_models(agent, session, args, ask, lister)?;
    for note in &chosen.notes {
        ui::note(&format!("{}: {note}", agent.name()));
    }
    let model = chosen.model.clone();
    let version = installed.as_ref().and_then(|i| i.version);
    let mut cx = session.context(model.clone(), options, version);
    if let Some(aliases) = &chosen.aliases {
        cx.aliases = aliases.clone();
    }
    if agent.offers_every_family() {
        cx.served = lister.served_any();
    }
    let setup = agent.setup(&cx)?;
    let own_files = agent.own_files(&cx)?;
    let plans = setup
        .files
        .iter()
        .map(|f| {
            let plan = edit::plan(&f.path, f.format, &f.changes)?;
            Ok(match &f.token_key {
                Some(key) => plan.with_token(key.clone(), &session.profile.name),
                None => plan,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for warning in &setup.warnings {
        ui::warn(warning);
    }
    let files: Vec<String> = plans.iter().map(|p| paths::display(p.path())).collect();
    let mut remember = chosen.remember.clone();
    if agent.keeps_no_file() {
        // Its setup is the model in the profile: remembered whichever way it was chosen.
        if !remember.iter().any(|(key, _)| key == agent.id()) {
            remember.push((agent.id().to_string(), model.clone()));
        }
        let profile = &session.profile.name;
        let already = session.profile.models.get(agent.id()) == Some(&model);
        match (args.dry_run, already) {
            (true, false) => println!(
                "{}: would remember model {model} in profile '{profile}' (no file to write)",
                agent.name()
            ),
            (_, true) => println!(
                "{}: already set up (model {model} in profile '{profile}'; no file to write)",
                agent.name()
            ),
            (false, false) => println!(
                "{}: set up for {} with model {model}, remembered in profile '{profile}' (no file written)",
                agent.name(),
                session.gateway
            ),
        }
        for note in &setup.notes {
            ui::note(&format!("  {note}"));
        }
    } else if plans.iter().all(edit::Plan::is_noop) {
        // Applying a no-op writes nothing, but still tightens a token file's mode back to 0600
        // and cleans up temp files a killed earlier run left.
        if !args.dry_run {
            write_own_files(&own_files)?;
            for plan in &plans {
                edit::apply(plan, state, agent.id())?;
            }
        }
        println!("{}: already set up ({})", agent.name(), files.join(", "));
    } else if args.dry_run {
        for plan in &plans {
            print!("{}", mask_secrets(&plan.diff(), Some(&session.token)));
        }
        for key in users_values(&plans, state, agent.id()) {
            ui::warn(&format!("would replace your own value of {key}"));
        }
    } else {
        let users = users_values(&plans, state, agent.id());
        if ask {
            for key in &users {
                ui::warn(&format!(
                    "you changed {key} since setup; writing replaces your value \
                     (`agentgw remove {}` gives it back)",
                    agent.id()
                ));
            }
            if !confirm(agent.name(), &plans, &session.token)? {
                println!("{}: nothing written.", agent.name());
                return Ok(Outcome::Done);
            }
        }
        // Before the config that names them.
        write_own_files(&own_files)?;
        for plan in &plans {
            apply_and_report(plan, state, agent.id(), &session.token)?;
        }
        if !ask {
            for key in &users {
                ui::warn(&format!(
                    "replaced your own value of {key} (changed since setup); \
                     `agentgw remove {}` gives it back",
                    agent.id()
                ));
            }
        }
        println!(
            "{}: configured for {} with model {model} ({})",
            agent.name(),
            session.gateway,
            files.join(", ")
        );
        for note in &setup.notes {
            ui::note(&format!("  {note}"));
        }
    }
    if !args.dry_run {
        remember_models(&session.profile, &remember);
    }
    // Written, but the agent will not use it: a failure, with the fix.
    if !setup.problems.is_empty() {
        if args.dry_run {
            setup.problems.iter().for_each(|p| ui::warn(p));
        } else {
            bail!("{}", setup.problems.join("\n"));
        }
    }
    if args.dry_run || args.no_test {
        return Ok(Outcome::Done);
    }
    let (wire, base) = agent.probe_route(None, &session.gateway, &session.profile, &model);
    Ok(Outcome::Test(PendingTest {
        name: agent.name(),
        wire,
        base,
        model,
    }))
}

/// Writes the agent's files in agentgw's state folder (`Agent::own_files`) that are missing or
/// differ: they hold no token, and the agent's config names them.
fn write_own_files(files: &[(std::path::PathBuf, String)]) -> Result<()> {
    use anyhow::Context as _;
    for (path, contents) in files {
        if std::fs::read_to_string(path).ok().as_deref() == Some(contents.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            paths::ensure_private_dir(dir)?;
        }
        edit::write::write_atomic(path, contents.as_bytes(), Some(0o600))
            .with_context(|| format!("cannot write {}", paths::display(path)))?;
    }
    Ok(())
}

/// The agent's model and (Claude) aliases: see `models::resolve`. On a terminal without
/// `--model`, the workspace's served models are offered, the agent's family first, with the
/// chosen one preselected; a pick is remembered like `--model`.
fn choose_models(
    agent: &dyn Agent,
    session: &Session,
    args: &SetupArgs,
    ask: bool,
    lister: &models::Lister,
) -> Result<models::Chosen> {
    let served = lister.served_to(agent.id());
    let resolve = |flag: Option<&str>| {
        models::resolve(&models::Request {
            agent: agent.id(),
            default_model: agent.info().default_model,
            flag,
            force: args.force,
            remembered: &session.profile.models,
            served: served.as_ref(),
        })
    };
    let chosen = resolve(args.model.first().map(String::as_str))?;
    if !ask || !args.model.is_empty() {
        return Ok(chosen);
    }
    let Some(mut offered) = lister.served_any().or(served.clone()) else {
        return Ok(chosen);
    };
    // Models the agent cannot use through the gateway are not offered (Copilot CLI: Gemini).
    offered
        .names
        .retain(|name| agent.model_refused(name).is_none());
    let names = family_first(agent.info().wire, offered.names, &chosen.model);
    let preselected = names.iter().position(|n| *n == chosen.model).unwrap_or(0);
    let picked = dialoguer::Select::new()
        .with_prompt(format!("Model for {}", agent.name()))
        .items(&names)
        .default(preselected)
        .interact()
        .map(|i| names[i].clone());
    match picked {
        Ok(pick) if pick != chosen.model => Ok(resolve(Some(&pick))?),
        _ => Ok(chosen),
    }
}

/// Stores the chosen models in `[profiles.P.models]`, so the next `setup` keeps to them.
fn remember_models(profile: &crate::profile::Profile, chosen: &[(String, String)]) {
    let changed: Vec<&(String, String)> = chosen
        .iter()
        .filter(|(key, model)| profile.models.get(key) != Some(model))
        .collect();
    if changed.is_empty() {
        return;
    }
    let saved = crate::commands::session::update_config(|config| {
        for (key, model) in &changed {
            config.set_model(&profile.name, key, model);
        }
    });
    if let Err(e) = saved {
        ui::warn(&format!(
            "could not remember the chosen models in the profile ({e:#}); the next setup chooses again"
        ));
    }
}

/// The endpoint names in the order to offer them to an agent speaking `wire`: the models of
/// its family first (Claude models for Claude Code, GPT/OpenAI models for Codex, Gemini
/// models for Gemini CLI), then the others, each group sorted. `default` is among them even
/// when the workspace does not list it (it may still answer under that name).
fn family_first(wire: Wire, mut names: Vec<String>, default: &str) -> Vec<String> {
    if !names.iter().any(|n| n == default) {
        names.push(default.to_string());
    }
    names.sort_by(|a, b| (!of_family(wire, a), a.as_str()).cmp(&(!of_family(wire, b), b.as_str())));
    names
}

/// Whether the endpoint `name` serves a model of the family `wire` was made for. Chat
/// Completions (Cursor) is every family's.
fn of_family(wire: Wire, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let words: Vec<&str> = name.split(['-', '_', '.', '/']).collect();
    match wire {
        Wire::Anthropic => words.contains(&"claude"),
        Wire::Gemini => words.contains(&"gemini"),
        // gpt-5, openai's o3 / o4-mini, codex-mini.
        Wire::OpenAiResponses => words.iter().any(|w| {
            matches!(*w, "gpt" | "openai" | "codex")
                || w.starts_with("gpt")
                || (w.len() == 2
                    && w.starts_with('o')
                    && w[1..].chars().all(|c| c.is_ascii_digit()))
        }),
        Wire::OpenAiChat => true,
    }
}

#[cfg(test)]
mod tests {
    use super::{Wire, family_first};

    #[test]
    fn each_agent_is_offered_its_own_family_first() {
        let served: Vec<String> = [
            "databricks-gpt-5-2",
            "databricks-bge-large-en",
            "databricks-claude-sonnet-4-5",
            "databricks-gemini-2-5-flash",
            "databricks-gpt-oss-120b",
            "system.ai.claude-opus-4-6",
            "o3-mini",
        ]
        .map(String::from)
        .to_vec();
        let order = |wire, default: &str| family_first(wire, served.clone(), default);
        assert_eq!(
            order(Wire::Anthropic, "databricks-claude-opus-4-6")[..3],
            [
                "databricks-claude-opus-4-6",
                "databricks-claude-sonnet-4-5",
                "system.ai.claude-opus-4-6"
            ]
        );
        assert_eq!(
            order(Wire::OpenAiResponses, "databricks-gpt-5-2")[..3],
            ["databricks-gpt-5-2", "databricks-gpt-oss-120b", "o3-mini"]
        );
        assert_eq!(
            order(Wire::Gemini, "databricks-gemini-2-5-flash")[..2],
            ["databricks-gemini-2-5-flash", "databricks-bge-large-en"]
        );
    }
}
