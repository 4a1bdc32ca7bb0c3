//! `agentgw setup <agent|all>`: plan each file's change, show or confirm it, apply it through the
//! edit engine, then prove the result with one real request through the gateway.

use super::session::{Session, mask_secrets};
use crate::agents::cursor;
use crate::agents::{self, Agent, SetupOptions};
use crate::cli::{AgentChoice, Cli, SetupArgs};
use crate::edit::{self, StateDir};
use crate::gateway::{Http, Wire};
use crate::otel::Tables;
use crate::{paths, ui};
use anyhow::{Result, bail};
use clap::CommandFactory;
use clap::error::ErrorKind;

pub fn run(profile_flag: Option<&str>, args: SetupArgs) -> Result<()> {
    // Usage errors, so exit 2 like every other.
    if !args.model.is_empty() && args.agent.single().is_none() {
        Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--model names one agent's model; use it with one agent (e.g. `agentgw setup claude --model NAME`)",
            )
            .exit();
    }
    if args.model.len() > 1 && args.agent != AgentChoice::Cursor {
        Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                format!(
                    "--model takes one name for {}; only cursor takes several",
                    args.agent.single().unwrap_or("all")
                ),
            )
            .exit();
    }
    if args.otel_tables.is_some() && !matches!(args.agent, AgentChoice::Claude | AgentChoice::All) {
        Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--otel-tables sets up Claude Code's telemetry; use it with `setup claude` or `setup all`",
            )
            .exit();
    }
    let options = SetupOptions {
        inline_token: args.inline_token,
        otel_tables: args
            .otel_tables
            .as_deref()
            .map(|t| Tables::parse(t, "--otel-tables"))
            .transpose()?,
        keep_experimental_betas: args.keep_experimental_betas,
        codex_profile: args.codex_profile.clone(),
        no_token_file: args.no_token_file,
    };
    let session = Session::load(profile_flag)?;
    let state = StateDir::new(paths::state_dir()?);
    let ask = ui::interactive() && !args.yes && !args.dry_run;
    let cursor_dir = cursor::user_dir(args.cursor.cursor_dir.as_deref());
    // `all` takes Cursor only where it is installed, and then in its safe mode unless told.
    let with_cursor = match args.agent {
        AgentChoice::Cursor => true,
        AgentChoice::All => cursor_dir.as_ref().is_ok_and(|d| d.is_dir()),
        _ => false,
    };
    // One agent's trouble (a config that does not parse, a failed test) must not keep the others
    // from being set up: report it, go on, exit 1 at the end.
    let mut failed = Vec::new();
    let agents = match args.agent {
        AgentChoice::Cursor => Vec::new(),
        _ => selected_agents(&args, with_cursor)?,
    };
    let mut note = |name: &str, result: Result<Outcome>| match result {
        Ok(Outcome::Done) => {}
        Ok(Outcome::TestFailed) => failed.push(format!("{name} (test request)")),
        Err(e) => {
            ui::error(&format!("{name}: {e:#}"));
            failed.push(name.to_string());
        }
    };
    for &agent in &agents {
        note(
            agent.name(),
            setup_one(agent, &session, &state, &options, &args, ask),
        );
    }
    if with_cursor {
        let cursor_dir = cursor_dir?;
        let setup = super::setup_cursor::CursorSetup {
            session: &session,
            state: &state,
            args: &args,
            ask,
            user_dir: &cursor_dir,
        };
        note(cursor::NAME, setup.run());
    }
    // `agentgw otel check` and `agentgw usage` then need no --tables.
    if let Some(tables) = &options.otel_tables
        && !args.dry_run
        && agents.iter().any(|a| a.id() == "claude")
        && !failed.iter().any(|f| f.starts_with("Claude"))
    {
        super::otel::remember(
            &session.profile.name,
            &[("otel_tables", &tables.to_string())],
        );
    }
    if !failed.is_empty() {
        bail!(
            "setup did not succeed for {}; see above. Files already written stay written; fix the cause, then run the same command again.",
            failed.join(", ")
        );
    }
    Ok(())
}

pub(super) enum Outcome {
    Done,
    TestFailed,
}

fn setup_one(
    agent: &dyn Agent,
    session: &Session,
    state: &StateDir,
    options: &SetupOptions,
    args: &SetupArgs,
    ask: bool,
) -> Result<Outcome> {
    let installed = agents::find_installed(agent);
    if installed.is_none() {
        ui::note(&format!(
            "{}: `{}` is not on PATH; writing the config for its newest release.",
            agent.name(),
            agent.program()
        ));
    }
    let model = match args.model.first() {
        Some(m) => m.clone(),
        None if ask => pick_model(session, agent),
        None => agents::model_for(agent, None, &session.profile),
    };
    let version = installed.as_ref().and_then(|i| i.version);
    let cx = session.context(model.clone(), options, version);
    let setup = agent.setup(&cx)?;
    let plans = setup
        .files
        .iter()
        .map(|f| Ok(edit::plan(&f.path, f.format, &f.changes)?.with_secret(f.holds_token)))
        .collect::<Result<Vec<_>>>()?;
    for warning in &setup.warnings {
        ui::warn(warning);
    }
    let files: Vec<String> = plans.iter().map(|p| paths::display(p.path())).collect();
    if plans.iter().all(edit::Plan::is_noop) {
        // Applying a no-op writes nothing, but still tightens a token file's mode back to 0600
        // and cleans up temp files a killed earlier run left.
        if !args.dry_run {
            for plan in &plans {
                edit::apply(plan, state, agent.id())?;
            }
        }
        println!("{}: already set up ({})", agent.name(), files.join(", "));
    } else if args.dry_run {
        for plan in &plans {
            print!("{}", mask_secrets(&plan.diff(), Some(&session.token)));
        }
    } else {
        if ask && !confirm(agent.name(), &plans, &session.token)? {
            println!("{}: nothing written.", agent.name());
            return Ok(Outcome::Done);
        }
        for plan in &plans {
            apply_and_report(plan, state, agent.id())?;
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
    let base = agents::gateway_base(agent, &session.gateway, &session.profile);
    let tested = args.dry_run
        || args.no_test
        || test_request(session, agent.name(), agent.info().wire, &base, &model)?;
    // Written, but the agent will not use it: a failure, with the fix.
    if !setup.problems.is_empty() {
        if args.dry_run {
            setup.problems.iter().for_each(|p| ui::warn(p));
        } else {
            bail!("{}", setup.problems.join("\n"));
        }
    }
    if !tested {
        return Ok(Outcome::TestFailed);
    }
    Ok(Outcome::Done)
}

/// The CLI agents to set up; with `all`, those on PATH (`cursor`: Cursor is set up as well).
/// Applies `plan` for `owner` and says what was written, with its backup.
pub(super) fn apply_and_report(plan: &edit::Plan, state: &StateDir, owner: &str) -> Result<()> {
    let applied = edit::apply(plan, state, owner)?;
    if applied.written {
        let backup = applied
            .backup
            .map(|b| format!(" (backup: {})", paths::display(&b)))
            .unwrap_or_default();
        ui::note(&format!("  wrote {}{backup}", paths::display(plan.path())));
    }
    Ok(())
}

fn selected_agents(args: &SetupArgs, cursor: bool) -> Result<Vec<&'static dyn Agent>> {
    if let Some(id) = args.agent.single() {
        return Ok(agents::by_id(id).into_iter().collect());
    }
    let mut chosen = Vec::new();
    for agent in agents::ALL {
        if args.force || agents::find_installed(agent).is_some() {
            chosen.push(agent);
        } else {
            ui::note(&format!(
                "{}: skipped, `{}` is not on PATH (--force configures it anyway).",
                agent.name(),
                agent.program()
            ));
        }
    }
    if chosen.is_empty() && !cursor {
        bail!(
            "no agent found on PATH (claude, codex, gemini); install one, or pass --force to write their configs anyway"
        );
    }
    Ok(chosen)
}

/// On a terminal: offer the workspace's serving endpoints, the usual default preselected.
fn pick_model(session: &Session, agent: &dyn Agent) -> String {
    let default = agents::model_for(agent, None, &session.profile);
    let endpoints = session
        .http()
        .ok()
        .and_then(|http| http.serving_endpoints(&session.host, &session.token).ok());
    let Some(mut names) = endpoints.filter(|n| !n.is_empty()) else {
        return default;
    };
    names.sort();
    let preselected = names.iter().position(|n| *n == default).unwrap_or_else(|| {
        names.insert(0, default.clone());
        0
    });
    dialoguer::Select::new()
        .with_prompt(format!("Model for {}", agent.name()))
        .items(&names)
        .default(preselected)
        .interact()
        .map(|i| names[i].clone())
        .unwrap_or(default)
}

pub(super) fn confirm(name: &str, plans: &[edit::Plan], token: &str) -> Result<bool> {
    for plan in plans.iter().filter(|p| !p.is_noop()) {
        eprint!("{}", mask_secrets(&plan.diff(), Some(token)));
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt(format!("Write these changes for {name}?"))
        .default(true)
        .interact()?)
}

/// One request in the agent's wire format to `base`: true when it succeeded.
pub(super) fn test_request(
    session: &Session,
    name: &str,
    wire: Wire,
    base: &str,
    model: &str,
) -> Result<bool> {
    let http: Http = session.http()?;
    match http.probe(wire, base, model, &session.token) {
        Ok(reply) => {
            let words: String = reply
                .text
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ");
            println!(
                "  ✓ test request: {model} answered in {} ms: {words}",
                reply.latency.as_millis()
            );
            Ok(true)
        }
        Err(e) => {
            ui::error(&format!(
                "{name}: test request failed: {}",
                e.explain(&session.profile.name)
            ));
            Ok(false)
        }
    }
}
