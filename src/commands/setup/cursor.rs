//! `agentgw setup cursor`. Cursor has no config file, so by default agentgw prints the
//! Settings > Models steps with every value filled in and changes nothing on disk. With
//! `--write-cursor-db` it writes those settings into Cursor's database through the edit engine
//! (only while Cursor is closed; backup first; one transaction; recorded, so `agentgw remove
//! cursor` puts each field back). Either way it then sends Cursor's request through the gateway.

use super::written::{Outcome, PendingTest, apply_and_report, confirm};
use crate::agents::cursor::{self, KeyRow, running};
use crate::agents::{find_on_path, shell_command};
use crate::cli::{AgentChoice, SetupArgs};
use crate::commands::session::{Session, mask_secrets};
use crate::edit::{self, StateDir};
use crate::{models, paths, ui};
use anyhow::{Result, anyhow, bail};
use std::path::Path;

pub struct CursorSetup<'a> {
    pub session: &'a Session,
    pub state: &'a StateDir,
    pub args: &'a SetupArgs,
    pub ask: bool,
    /// Cursor's user folder (holding User/globalStorage/state.vscdb).
    pub user_dir: &'a Path,
    /// What the workspace serves, asked once for every agent of this setup.
    pub lister: &'a models::Lister<'a>,
}

impl CursorSetup<'_> {
    pub fn run(&self) -> Result<Outcome> {
        let session = self.session;
        let base = cursor::base_url(&session.gateway, &session.profile);
        let models = self.models();
        let db = cursor::db_path(self.user_dir);
        if self.args.write_cursor_db {
            self.write(&db, &base, &models)?;
        } else {
            self.explain(&db, &base, &models);
        }
        if self.args.dry_run || self.args.no_test {
            return Ok(Outcome::Done);
        }
        let profile_model = cursor::profile_model(&session.profile);
        let model = if models.contains(&profile_model) {
            profile_model
        } else {
            models[0].clone()
        };
        Ok(Outcome::Test(PendingTest {
            name: cursor::NAME,
            wire: cursor::WIRE,
            base,
            model,
        }))
    }

    /// The custom models: the `--model` names, else the chat models the workspace serves (its
    /// model services, else its chat endpoints), else the profile's model for Cursor.
    fn models(&self) -> Vec<String> {
        let mut chosen: Vec<String> = Vec::new();
        for m in self.args.model.iter().map(|m| m.trim()) {
            if !m.is_empty() && !chosen.iter().any(|c| c == m) {
                chosen.push(m.to_string());
            }
        }
        if !chosen.is_empty() {
            return chosen;
        }
        let session = self.session;
        let services = self
            .lister
            .served_any()
            .filter(|served| served.source == models::Source::ModelServices)
            .map(|served| {
                let names = served.names.into_iter();
                names
                    .filter(|n| models::is_chat_model(n))
                    .collect::<Vec<_>>()
            });
        let endpoints = services.filter(|names| !names.is_empty()).or_else(|| {
            session
                .http()
                .ok()
                .and_then(|http| http.chat_endpoints(&session.host, &session.token).ok())
        });
        match endpoints.filter(|e| !e.is_empty()) {
            Some(mut names) => {
                names.sort();
                names
            }
            None => vec![cursor::profile_model(&session.profile)],
        }
    }

    /// The safe default: the steps, with the values filled in; nothing on disk changes.
    fn explain(&self, db: &Path, base: &str, models: &[String]) {
        // Already in place (read-only, works while Cursor runs): one line, for scripts that run
        // `setup all` on every login.
        let settings = match edit::SQLITE_SUPPORTED {
            true => cursor::read_settings(db),
            false => Ok(None),
        };
        match settings {
            Ok(Some(s)) if s.points_at(base) && s.missing(models).is_empty() => {
                println!("{}: already set up ({})", cursor::NAME, paths::display(db));
                return;
            }
            Ok(_) => {}
            Err(e) => ui::warn(&format!("{}: {e:#}", cursor::NAME)),
        }
        // `setup all --yes` in a login script: one line a day is enough, not the whole recipe.
        if self.args.agent == AgentChoice::All && !self.ask {
            println!(
                "{}: not set up for the gateway; `agentgw setup cursor` prints the steps \
                 (or quit Cursor and run `agentgw setup cursor --write-cursor-db`)",
                cursor::NAME
            );
            return;
        }
        let profile = &self.session.profile.name;
        let mut steps = format!(
            "{name}: set it up in Cursor Settings > Models (Cursor keeps these settings in its own database, not a file):\n\
             \x20 1. Turn on \"Override OpenAI Base URL\" and enter:\n\
             \x20      {base}\n\
             \x20 2. Paste your token as \"OpenAI API Key\". Copy it with:\n\
             \x20      {copy}\n\
             \x20 3. Add each model (\"+ Add model\") and switch it on:\n",
            name = cursor::NAME,
            copy = copy_token_command(profile),
        );
        for model in models {
            steps.push_str(&format!("       {model}\n"));
        }
        steps.push_str(
            "  4. Turn on the OpenAI API Key switch and click \"Verify\".\n\
             \x20 agentgw can do steps 1 and 3 itself: quit Cursor, then run `agentgw setup cursor --write-cursor-db`.\n",
        );
        print!("{steps}");
    }

    /// `--write-cursor-db`: the same settings, written into Cursor's database.
    fn write(&self, db: &Path, base: &str, models: &[String]) -> Result<()> {
        let shown = paths::display(db);
        if !edit::SQLITE_SUPPORTED {
            bail!(
                "this build of agentgw has no Cursor support (built without the `cursor` feature), so it cannot write {shown}; agentgw changed nothing.\n\
                 Follow the steps `agentgw setup cursor` prints instead, or install a build with the feature."
            );
        }
        let settings = cursor::read_settings(db)?.ok_or_else(|| {
            anyhow!(
                "{}: not found, so there is no Cursor settings database to write; agentgw changed nothing.\n\
                 Start Cursor once (it creates the database), or name Cursor's user folder, the one holding User/globalStorage/state.vscdb, with --cursor-dir DIR.",
                db.display()
            )
        })?;
        let session = self.session;
        let changes = cursor::changes(&settings, base, models, Some(&session.token));
        let plan = cursor::plan(db, &changes, &session.profile.name)?;
        let switched_off: Vec<&str> = models
            .iter()
            .filter(|m| settings.disabled.contains(m))
            .map(String::as_str)
            .collect();
        if !switched_off.is_empty() {
            ui::warn(&format!(
                "{}: you switched off {} in Cursor's model list; agentgw leaves that as it is (switch them on in Settings > Models).",
                cursor::NAME,
                switched_off.join(", ")
            ));
        }
        if plan.is_noop() {
            // Applying a no-op writes nothing, but still tightens a database holding the token
            // back to 0600 and cleans up a backup a killed earlier run left half-made.
            if !self.args.dry_run {
                edit::apply(&plan, self.state, cursor::ID)?;
            }
            println!("{}: already set up ({shown})", cursor::NAME);
            return Ok(());
        }
        if self.args.dry_run {
            print!("{}", mask_secrets(&plan.diff(), Some(&session.token)));
            return Ok(());
        }
        if let Some(running) = running::find(self.user_dir) {
            bail!(running::refusal(
                &running,
                "agentgw setup cursor --write-cursor-db"
            ));
        }
        if self.ask && !confirm(cursor::NAME, std::slice::from_ref(&plan), &session.token)? {
            println!("{}: nothing written.", cursor::NAME);
            return Ok(());
        }
        apply_and_report(&plan, self.state, cursor::ID, &session.token)?;
        println!(
            "{}: configured for {} with models {} ({shown})",
            cursor::NAME,
            session.gateway,
            models.join(", ")
        );
        if plan.is_secret() {
            ui::note(&format!(
                "  {shown} holds the token now (row {}, where this Cursor keeps its API key); it is readable by you alone (0600).",
                cursor::KEY_ROW
            ));
        } else {
            let why = match settings.key {
                KeyRow::Unknown => "this Cursor keeps its API key in a form agentgw does not write",
                _ => "this Cursor keeps its API key encrypted",
            };
            println!(
                "  The API key ({why}): paste your token once in Cursor Settings > Models > OpenAI API Key. Copy it with:\n      {}",
                copy_token_command(&session.profile.name)
            );
        }
        ui::note("  Start Cursor: the models are in Settings > Models.");
        Ok(())
    }
}

/// `agentgw token --profile P`, piped into the platform's clipboard command when one is found
/// (pbcopy; wl-copy on Wayland; xclip on X11; clip.exe on Windows and WSL). Never the token.
fn copy_token_command(profile: &str) -> String {
    let token = shell_command(&["agentgw", "token", "--profile", profile]);
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    let clipboard = [
        ("pbcopy", true, "pbcopy"),
        ("wl-copy", set("WAYLAND_DISPLAY"), "wl-copy"),
        ("xclip", set("DISPLAY"), "xclip -selection clipboard"),
        ("clip.exe", true, "clip.exe"),
    ]
    .into_iter()
    .find(|(program, usable, _)| *usable && find_on_path(program).is_some());
    match clipboard {
        Some((_, _, command)) => format!("{token} | {command}"),
        None => token,
    }
}

/// Why Cursor cannot use a short-lived sign-in, and how to give it a personal access token.
pub fn cursor_needs_a_pat(profile: &crate::profile::Profile) -> (String, String) {
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
