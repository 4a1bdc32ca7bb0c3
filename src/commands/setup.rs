//! `agentgw setup <agent|all>`: plan each file's change, show or confirm it, apply it through the
//! edit engine, then prove the result with one real request through the gateway.

use super::session::{Session, mask_secrets};
use crate::agents::cursor;
use crate::agents::{self, Agent, SetupOptions};
use crate::cli::{AgentChoice, Cli, SetupArgs};
use crate::edit::{self, StateDir};
use crate::gateway::{Http, Wire};
use crate::{models, paths, ui};
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
    // A flag for one agent given with another would silently do nothing.
    let for_one_agent = [
        (
            args.otel_tables.is_some(),
            "--otel-tables",
            AgentChoice::Claude,
        ),
        (args.inline_token, "--inline-token", AgentChoice::Claude),
        (
            args.keep_experimental_betas,
            "--keep-experimental-betas",
            AgentChoice::Claude,
        ),
        (
            args.codex_profile.is_some(),
            "--codex-profile",
            AgentChoice::Codex,
        ),
        (args.no_token_file, "--no-token-file", AgentChoice::Gemini),
        (args.token_file, "--token-file", AgentChoice::Gemini),
        (
            args.write_cursor_db,
            "--write-cursor-db",
            AgentChoice::Cursor,
        ),
    ];
    for (given, flag, agent) in for_one_agent {
        if given && args.agent != agent && args.agent != AgentChoice::All {
            let id = agent.single().unwrap_or_default();
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
        keep_experimental_betas: args.keep_experimental_betas,
        codex_profile: args.codex_profile.clone(),
        // Remembered in the profile until `--token-file`.
        no_token_file: args.no_token_file
            || (!args.token_file && session.profile.gemini_no_token_file),
    };
    let state = StateDir::new(paths::state_dir()?);
    edit::tidy(&state)?;
    let ask = ui::interactive() && !args.yes && !args.dry_run;
    let cursor_dir = cursor::user_dir(args.cursor.cursor_dir.as_deref());
    // `all` takes Cursor only where it is installed, and then in its safe mode unless told.
    let mut with_cursor = match args.agent {
        AgentChoice::Cursor => true,
        AgentChoice::All => cursor_dir.as_ref().is_ok_and(|d| d.is_dir()),
        _ => false,
    };
    // Cursor keeps one key and never asks for a new one: a short-lived token cannot be it.
    if with_cursor && session.profile.auth.is_short_lived() {
        let (why, fix) = cursor_needs_a_pat(&session.profile);
        if args.agent == AgentChoice::Cursor {
            bail!(
                "{}: not set up: {why}; agentgw changed nothing.\n{fix}",
                cursor::NAME
            );
        }
        ui::note(&format!("{}: skipped: {why}. {fix}", cursor::NAME));
        with_cursor = false;
    }
    // One agent's trouble (a config that does not parse, a failed test) must not keep the others
    // from being set up: report it, go on, exit 1 at the end.
    let mut failed = Vec::new();
    let agents = match args.agent {
        AgentChoice::Cursor => Vec::new(),
        _ => selected_agents(&args, with_cursor)?,
    };
    let mut tests = Vec::new();
    let mut note = |name: &str, result: Result<Outcome>| match result {
        Ok(Outcome::Done) => {}
        Ok(Outcome::Test(test)) => tests.push(test),
        Err(e) => {
            ui::error(&format!("{name}: {e:#}"));
            failed.push(name.to_string());
        }
    };
    let http = session.http()?;
    let lister = models::Lister::new(
        &http,
        &session.host,
        agents::by_id("claude").map_or_else(String::new, |claude| {
            agents::gateway_base(claude, &session.gateway, &session.profile)
        }),
        &session.token,
    );
    for &agent in &agents {
        note(
            agent.name(),
            setup_one(agent, &session, &state, &options, &args, ask, &lister),
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
            lister: &lister,
        };
        note(cursor::NAME, setup.run());
    }
    // Choices are remembered once the agent's files are written, before the test requests: a
    // failed request leaves the files as written, and the next run must keep to them.
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
    // Later runs (`setup all` on every login) keep to the choice until it is changed.
    if (args.no_token_file || args.token_file)
        && !args.dry_run
        && agents.iter().any(|a| a.id() == "gemini")
        && !failed.iter().any(|f| f.starts_with("Gemini"))
    {
        remember_token_file(&session.profile.name, args.no_token_file);
    }
    failed.extend(send_tests(&session, &tests));
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
    /// Set up; its test request is sent with the other agents' at the end.
    Test(PendingTest),
}

/// One agent's test request: a real request in its wire format to its URL on the gateway.
pub(super) struct PendingTest {
    pub name: &'static str,
    pub wire: Wire,
    pub base: String,
    pub model: String,
}

fn setup_one(
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
        ui::note(&format!(
            "{}: `{}` is not on PATH; writing the config for its newest release.",
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
    let setup = agent.setup(&cx)?;
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
        remember_models(&session.profile, &chosen.remember);
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
    Ok(Outcome::Test(PendingTest {
        name: agent.name(),
        wire: agent.info().wire,
        base: agents::gateway_base(agent, &session.gateway, &session.profile),
        model,
    }))
}

/// Why Cursor cannot use a short-lived sign-in, and how to give it a personal access token.
fn cursor_needs_a_pat(profile: &crate::profile::Profile) -> (String, String) {
    const PAT_PROFILE: &str = "cursor-pat";
    (
        format!(
            "Cursor stores one long-lived API key, and profile '{}' signs in with {}, whose access tokens expire within the hour",
            profile.name,
            profile.auth.describe()
        ),
        format!(
            "Cursor needs a personal access token, in a profile of its own: \
             agentgw login --profile {PAT_PROFILE} --token-stdin, then agentgw setup cursor --profile {PAT_PROFILE}"
        ),
    )
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

/// The keys of agentgw's that the user has changed since setup and `plans` would replace, as
/// `KEY in FILE`. (An unreadable record is reported by `apply`, which refuses to write then.)
fn users_values(plans: &[edit::Plan], state: &StateDir, owner: &str) -> Vec<String> {
    let mut shown = Vec::new();
    for plan in plans {
        for key in edit::changed_by_user(state, owner, plan).unwrap_or_default() {
            shown.push(format!(
                "{} in {}",
                edit::display_key(&key),
                paths::display(plan.path())
            ));
        }
    }
    shown
}

/// Applies `plan` for `owner` and says what was written, with its backup. When the plan took
/// `token` out of the file, the file's backups holding it go too.
pub(super) fn apply_and_report(
    plan: &edit::Plan,
    state: &StateDir,
    owner: &str,
    token: &str,
) -> Result<()> {
    let applied = edit::apply(plan, state, owner)?;
    let dropped = edit::remove_backups_of_a_file_it_left(state, plan, token)?;
    if applied.written {
        let backup = match applied.backup {
            Some(b) if dropped.contains(&b) => " (no backup kept: it held the token)".to_string(),
            Some(b) => format!(" (backup: {})", paths::display(&b)),
            None => String::new(),
        };
        ui::note(&format!("  wrote {}{backup}", paths::display(plan.path())));
    }
    Ok(())
}

/// The CLI agents to set up; with `all`, those on PATH (`cursor`: Cursor is set up as well).
fn selected_agents(args: &SetupArgs, cursor: bool) -> Result<Vec<&'static dyn Agent>> {
    if let Some(id) = args.agent.single() {
        return Ok(agents::by_id(id).into_iter().collect());
    }
    // In parallel: an agent whose install does not say its version is asked, and one such
    // `--version` must not wait for another.
    agents::detect_installed(&agents::ALL);
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
    let family = models::Family::of_agent(agent.id());
    let served = family.and_then(|f| lister.served_for(f));
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
    let Some(offered) = lister.served_any().or(served.clone()) else {
        return Ok(chosen);
    };
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
    let saved = super::session::update_config(|config| {
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

pub(super) fn confirm(name: &str, plans: &[edit::Plan], token: &str) -> Result<bool> {
    for plan in plans.iter().filter(|p| !p.is_noop()) {
        eprint!("{}", mask_secrets(&plan.diff(), Some(token)));
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt(format!("Write these changes for {name}?"))
        .default(true)
        .interact()?)
}

/// Sends the test requests of the agents just set up, all at once (like `agentgw test all`):
/// `setup all` waits for the slowest answer, not for the sum. The file edits before stay one
/// after another, since they may ask questions. Each result is printed in the agents' order,
/// under the agent's name when there are several. Returns the agents whose request failed.
fn send_tests(session: &Session, tests: &[PendingTest]) -> Vec<String> {
    let failed = |test: &PendingTest| format!("{} (test request)", test.name);
    if tests.is_empty() {
        return Vec::new();
    }
    let http: Http = match session.http() {
        Ok(http) => http,
        Err(e) => {
            ui::error(&format!("cannot send the test requests: {e:#}"));
            return tests.iter().map(failed).collect();
        }
    };
    let replies: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> = tests
            .iter()
            .map(|t| scope.spawn(|| http.probe(t.wire, &t.base, &t.model, &session.token)))
            .collect();
        running
            .into_iter()
            .map(|r| r.join().expect("a test request panicked"))
            .collect()
    });
    let mut failures = Vec::new();
    for (test, reply) in tests.iter().zip(replies) {
        match reply {
            Ok(reply) => {
                let words: String = reply
                    .text
                    .split_whitespace()
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(" ");
                if tests.len() > 1 {
                    println!("{}:", test.name);
                }
                println!(
                    "  ✓ test request: {} answered in {} ms: {words}",
                    test.model,
                    reply.latency.as_millis()
                );
            }
            Err(e) => {
                ui::error(&format!(
                    "{}: test request failed: {}",
                    test.name,
                    super::test::explain_for(&e, &session.profile)
                ));
                failures.push(failed(test));
            }
        }
    }
    failures
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
