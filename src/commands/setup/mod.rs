//! `agentgw setup <agent|all>`: plan each file's change, show or confirm it, apply it through the
//! edit engine, then prove the result with one real request through the gateway. This module
//! chooses the agents and runs them in `agents::ALL`'s order; `agent` sets up a terminal agent,
//! `cursor` the desktop app, both reporting through `written`.

mod agent;
mod cursor;
mod written;

use super::session::Session;
use crate::agents::{self, SetupOptions, Target};
use crate::cli::{AgentChoice, Cli, SetupArgs};
use crate::edit::{self, StateDir};
use crate::{models, paths, ui};
use anyhow::{Result, bail};
use clap::CommandFactory;
use clap::error::ErrorKind;
use std::path::PathBuf;
use written::Outcome;

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
    if args.model.len() > 1 && !args.agent.is(crate::agents::cursor::ID) {
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
    // A flag for one agent given with another would silently do nothing.
    let for_one_agent = [
        (args.otel_tables.is_some(), "--otel-tables", "claude"),
        (
            !args.otel_resource_attributes.is_empty(),
            "--otel-resource-attribute",
            "claude",
        ),
        (args.inline_token, "--inline-token", "claude"),
        (
            args.keep_experimental_betas,
            "--keep-experimental-betas",
            "claude",
        ),
        (args.codex_profile.is_some(), "--codex-profile", "codex"),
        (args.no_token_file, "--no-token-file", "gemini"),
        (args.token_file, "--token-file", "gemini"),
        (args.write_cursor_db, "--write-cursor-db", "cursor"),
    ];
    for (given, flag, id) in for_one_agent {
        if given && !args.agent.is(id) && args.agent != AgentChoice::All {
            Cli::command()
                .error(
                    ErrorKind::ArgumentConflict,
                    format!(
                        "{flag} is for {id} only; use it with `agentgw setup {id}` or `agentgw setup all`"
                    ),
                )
                .exit();
        }
    }
    let session = Session::load(profile_flag)?;
    session.refuse_unusable_gateway("agentgw changed nothing.")?;
    // A usage error too, but one that needs the profile to know.
    if args.inline_token
        && let Some(refused) = agents::inline_token_refusal(&session.profile)
    {
        Cli::command()
            .error(ErrorKind::ArgumentConflict, refused)
            .exit();
    }
    let options = SetupOptions {
        inline_token: args.inline_token,
        otel_tables: args.otel_tables.clone(),
        otel_resource_attributes: args.otel_resource_attributes.clone(),
        keep_experimental_betas: args.keep_experimental_betas,
        codex_profile: args.codex_profile.clone(),
        // Remembered in the profile until `--token-file`.
        no_token_file: args.no_token_file
            || (!args.token_file && session.profile.gemini_no_token_file),
    };
    let state = StateDir::new(paths::state_dir()?);
    edit::tidy(&state)?;
    super::session::tidy_config()?;
    let ask = ui::interactive() && !args.yes && !args.dry_run;
    let targets = selected(&args, &session)?;
    // One agent's trouble (a config that does not parse, a failed test) must not keep the others
    // from being set up: report it, go on, exit 1 at the end.
    let mut failed = Vec::new();
    let mut tests = Vec::new();
    let http = session.http()?;
    let lister = models::Lister::new(
        &http,
        &session.host,
        agents::by_id("claude").map_or_else(String::new, |claude| {
            agents::gateway_base(claude, &session.gateway, &session.profile)
        }),
        &session.token,
    );
    for (target, user_dir) in &targets {
        let result = match (target, user_dir) {
            (Target::Cli(agent), _) => {
                agent::setup_one(*agent, &session, &state, &options, &args, ask, &lister)
            }
            (Target::DesktopApp(_), user_dir) => cursor::CursorSetup {
                session: &session,
                state: &state,
                args: &args,
                ask,
                user_dir: user_dir
                    .as_deref()
                    .expect("a desktop app comes with its folder"),
                lister: &lister,
            }
            .run(),
        };
        match result {
            Ok(Outcome::Done) => {}
            Ok(Outcome::Test(test)) => tests.push(test),
            Err(e) => {
                ui::error(&format!("{}: {e:#}", target.name()));
                failed.push(target.name().to_string());
            }
        }
    }
    // The model listings are read: their idle keep-alive connections are closed before the test
    // requests go out, rather than left holding a server's connection slots (a stand-in with a
    // small pool then left one of four parallel test requests unanswered).
    drop(lister);
    drop(http);
    // Set up without an error (its test request is still to come).
    let set_up = |id: &str| {
        targets
            .iter()
            .any(|(t, _)| t.id() == id && !failed.iter().any(|f| f == t.name()))
    };
    // Choices are remembered once the agent's files are written, before the test requests: a
    // failed request leaves the files as written, and the next run must keep to them.
    // `agentgw otel check` and `agentgw usage` then need no --tables.
    if let Some(tables) = &options.otel_tables
        && !args.dry_run
        && set_up("claude")
    {
        super::otel::remember(
            &session.profile.name,
            &[("otel_tables", &tables.to_string())],
        );
    }
    // Later runs (`setup all` on every login) keep to the choice until it is changed.
    if (args.no_token_file || args.token_file) && !args.dry_run && set_up("gemini") {
        remember_token_file(&session.profile.name, args.no_token_file);
    }
    failed.extend(written::send_tests(&session, &tests));
    if !failed.is_empty() {
        bail!(
            "setup did not succeed for {}; see above. Files already written stay written; fix the cause, then run the same command again.",
            failed.join(", ")
        );
    }
    Ok(())
}

/// Saves `--no-token-file` (or its undoing, `--token-file`) in the profile.
fn remember_token_file(profile: &str, no_token_file: bool) {
    let saved = super::session::update_config(|config| {
        config.set_flag(profile, "gemini_no_token_file", no_token_file)
    });
    if let Err(e) = saved {
        ui::warn(&format!(
            "could not remember --no-token-file in the profile ({e:#}); pass it again next time"
        ));
    }
}

/// The agents to set up, in `agents::ALL`'s order, a desktop app with its user folder. With
/// `all`: the terminal agents on PATH (all of them with `--force`), and a desktop app where its
/// user folder exists — unless the profile's tokens are short-lived, which it cannot keep.
fn selected(args: &SetupArgs, session: &Session) -> Result<Vec<(Target, Option<PathBuf>)>> {
    let all = args.agent == AgentChoice::All;
    if all {
        // In parallel: an agent whose install does not say its version is asked, and one such
        // `--version` must not wait for another.
        agents::detect_installed();
    }
    let mut chosen = Vec::new();
    for target in agents::ALL {
        if !all && !args.agent.is(target.id()) {
            continue;
        }
        match target {
            Target::Cli(agent) => {
                if !all || args.force || agents::find_installed(agent).is_some() {
                    chosen.push((target, None));
                } else {
                    ui::note(&format!(
                        "{}: skipped, `{}` is not on PATH (--force configures it anyway).",
                        agent.name(),
                        agent.program()
                    ));
                }
            }
            Target::DesktopApp(app) => {
                let user_dir = agents::cursor::user_dir(args.cursor.cursor_dir.as_deref());
                if all && !user_dir.as_ref().is_ok_and(|d| d.is_dir()) {
                    continue;
                }
                // Cursor keeps one key and never asks for a new one: a short-lived token
                // cannot be it.
                if session.profile.auth.is_short_lived() {
                    let (why, fix) = cursor::cursor_needs_a_pat(&session.profile);
                    if !all {
                        bail!(
                            "{}: not set up: {why}; agentgw changed nothing.\n{fix}",
                            app.name
                        );
                    }
                    ui::note(&format!("{}: skipped: {why}. {fix}", app.name));
                    continue;
                }
                chosen.push((target, Some(user_dir?)));
            }
        }
    }
    if chosen.is_empty() {
        let programs: Vec<&str> = agents::clis().map(|a| a.program()).collect();
        bail!(
            "no agent found on PATH ({}); install one, or pass --force to write their configs anyway",
            programs.join(", ")
        );
    }
    Ok(chosen)
}
