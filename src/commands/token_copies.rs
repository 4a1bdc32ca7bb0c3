//! The copies of a profile's token that agentgw wrote into agents' files (Gemini's `.env`, a
//! Claude settings file written with `--inline-token`, Cursor's key row): `logout` takes each out,
//! `login` puts the new token in, and both delete the backups that still hold the old one.

use crate::agents::{self, cursor};
use crate::edit::{self, CopyState, Format, StateDir, TokenCopy};
use crate::{paths, ui};
use anyhow::{Result, bail};
use std::collections::BTreeSet;

/// What happened to the copies, in words for the user.
#[derive(Default)]
pub struct Outcome {
    /// `~/.gemini/.env (Gemini CLI)`: files changed.
    pub changed: Vec<String>,
    /// The agents whose file now has no token (after logout).
    pub agents: BTreeSet<&'static str>,
    /// Keys that hold a value of the user's own now: left alone, and said so.
    pub kept: Vec<String>,
    /// Copies that could not be changed, and why (Cursor running, a broken file).
    pub problems: Vec<String>,
    /// Backups deleted because they held an old token.
    pub backups_deleted: usize,
}

impl Outcome {
    /// Prints each file changed (`  token <done> FILE (AGENT)`) and the backups deleted, on
    /// stdout.
    pub fn print_changes(&self, done: &str) {
        for file in &self.changed {
            println!("  token {done} {file}");
        }
        if self.backups_deleted > 0 {
            println!(
                "  deleted {} holding the token",
                ui::plural(self.backups_deleted, "backup")
            );
        }
    }

    /// Names the values of the user's that were left alone, then fails with `failure` when a copy
    /// could not be changed.
    pub fn finish(&self, failure: String) -> Result<()> {
        for kept in &self.kept {
            ui::note(&format!("  {kept}"));
        }
        if self.problems.is_empty() {
            return Ok(());
        }
        for why in &self.problems {
            ui::warn(why);
        }
        bail!(failure)
    }
}

/// The human name of the agent that owns a record entry.
pub fn agent_name(owner: &str) -> &'static str {
    agents::target(owner).map_or("an agent", agents::Target::name)
}

/// Takes `profile`'s token out of every file agentgw wrote it into, then deletes the backups
/// holding it. `stored` is the token in agentgw's store, when it can be read.
pub fn clear(state: &StateDir, profile: &str, stored: Option<&str>) -> Outcome {
    let mut outcome = Outcome::default();
    let copies = match edit::token_copies(state, profile, stored) {
        Ok(copies) => copies,
        Err(e) => {
            outcome.problems.push(e.to_string());
            return outcome;
        }
    };
    // The copies themselves say which token to hunt for in the backups when the store no
    // longer can (a second `logout` after a first that could not finish).
    let mut old: BTreeSet<String> = stored.map(str::to_string).into_iter().collect();
    old.extend(copies.iter().filter_map(|c| c.held.clone()));
    let retry = format!("then run `agentgw logout --profile {profile}` again");
    for copy in &copies {
        match &copy.state {
            CopyState::AsWritten => {
                if let Some(why) = cannot_write_now(copy, &retry) {
                    outcome.problems.push(why);
                    continue;
                }
                match copy
                    .plan_clear(profile)
                    .and_then(|p| edit::apply(&p, state, &copy.owner))
                {
                    Ok(_) => {
                        outcome.changed.push(shown(copy));
                        outcome.agents.insert(agent_name(&copy.owner));
                    }
                    Err(e) => outcome.problems.push(format!("{e}")),
                }
            }
            CopyState::ChangedByUser => outcome.kept.push(kept_own(copy)),
            CopyState::Unreadable(why) => outcome.problems.push(format!("{why}\n{retry}")),
            CopyState::LoggedOut | CopyState::Gone => {}
        }
    }
    outcome.backups_deleted = delete_backups(state, &old, &mut outcome.problems);
    outcome
}

/// Where the profile's token may go: its workspace and its gateway.
pub struct Destination<'a> {
    pub host: &'a str,
    pub gateway: &'a str,
}

/// Writes `new` wherever agentgw had written `profile`'s token (or took it out at logout), then
/// deletes the backups holding the token it replaces. `old` is the token stored before. A file
/// whose agent sends its token anywhere but `to` (set up for the workspace the profile used
/// before `login --host`) keeps what it has, and is reported with the setup that fixes it.
pub fn put(
    state: &StateDir,
    profile: &str,
    old: Option<&str>,
    new: &str,
    to: &Destination,
) -> Outcome {
    let mut outcome = Outcome::default();
    let copies = match edit::token_copies(state, profile, old) {
        Ok(copies) => copies,
        Err(e) => {
            outcome.problems.push(e.to_string());
            return outcome;
        }
    };
    let mut replaced: BTreeSet<String> = old.map(str::to_string).into_iter().collect();
    replaced.extend(copies.iter().filter_map(|c| c.held.clone()));
    replaced.remove(new);
    let retry = format!("then run `agentgw login --profile {profile}` again");
    for copy in &copies {
        match &copy.state {
            CopyState::AsWritten | CopyState::LoggedOut => {
                if let Some(why) = cannot_write_now(copy, &retry) {
                    outcome.problems.push(why);
                    continue;
                }
                if let Some(why) = sends_elsewhere(copy, profile, to) {
                    outcome.problems.push(why);
                    continue;
                }
                let applied = copy
                    .plan_put(profile, new)
                    .and_then(|plan| edit::apply(&plan, state, &copy.owner));
                match applied {
                    Ok(applied) if applied.written => outcome.changed.push(shown(copy)),
                    Ok(_) => {}
                    Err(e) => outcome.problems.push(format!("{e}")),
                }
            }
            CopyState::ChangedByUser => outcome.kept.push(kept_own(copy)),
            CopyState::Unreadable(why) => outcome.problems.push(why.clone()),
            CopyState::Gone => {}
        }
    }
    outcome.backups_deleted = delete_backups(state, &replaced, &mut outcome.problems);
    outcome
}

/// Why the copy cannot be written right now: Cursor keeps its settings in memory while it runs
/// and would write the old key back.
fn cannot_write_now(copy: &TokenCopy, retry: &str) -> Option<String> {
    if copy.format != Format::Sqlite {
        return None;
    }
    let running = cursor::running::find(cursor::user_dir_of(&copy.path)?)?;
    Some(format!(
        "{}: not changed, Cursor is running (pid {}); quit Cursor, {retry}",
        paths::display(&copy.path),
        running.pid
    ))
}

/// Why the copy must not get the profile's token: its agent sends the token it holds to the URL
/// in the same file, and that is not the profile's workspace or gateway (or there is none, and
/// the agent would send it to its vendor).
fn sends_elsewhere(copy: &TokenCopy, profile: &str, to: &Destination) -> Option<String> {
    let key: &[&str] = match copy.owner.as_str() {
        "gemini" => &["GOOGLE_GEMINI_BASE_URL"],
        "claude" => &["env", "ANTHROPIC_BASE_URL"],
        id if id == cursor::ID => &[cursor::APP_USER_ROW, cursor::BASE_URL],
        _ => return None,
    };
    let url = agents::read_strings(&copy.path, copy.format, &[key])
        .ok()
        .and_then(|mut v| v.remove(0))
        .filter(|u| !u.is_empty());
    if url
        .as_deref()
        .is_some_and(|u| crate::gateway::is_ours(u, to.gateway, to.host))
    {
        return None;
    }
    let setup = match copy.owner.as_str() {
        id if id == cursor::ID => {
            format!("agentgw setup cursor --write-cursor-db --profile {profile}")
        }
        id => format!("agentgw setup {id} --profile {profile}"),
    };
    let there = match url {
        Some(url) => format!(
            "sends its token to {} there",
            crate::urls::redact_userinfo(&url)
        ),
        None => "names no base URL there (it would send the token to its vendor)".to_string(),
    };
    Some(format!(
        "{}: not updated: {} {there}, not to the gateway of profile '{profile}' ({})\n  \
         point it there with `{setup}` (which writes the new token too)",
        paths::display(&copy.path),
        agent_name(&copy.owner),
        to.gateway
    ))
}

fn shown(copy: &TokenCopy) -> String {
    format!(
        "{} ({})",
        paths::display(&copy.path),
        agent_name(&copy.owner)
    )
}

fn kept_own(copy: &TokenCopy) -> String {
    format!(
        "{}: {} holds a value of your own now; left as it is",
        paths::display(&copy.path),
        edit::display_key(&copy.key)
    )
}

fn delete_backups(
    state: &StateDir,
    tokens: &BTreeSet<String>,
    problems: &mut Vec<String>,
) -> usize {
    let mut deleted = 0;
    for token in tokens {
        match edit::remove_backups_holding(state, token) {
            Ok(removed) => deleted += removed.len(),
            Err(e) => problems.push(e.to_string()),
        }
    }
    deleted
}
