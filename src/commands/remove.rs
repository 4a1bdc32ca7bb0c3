//! `agentgw remove <agent|all>`: undo exactly what setup changed, from the managed-keys record.
//! Values the user changed since are kept, and said so.

use super::session::{ProfileState, mask_secrets};
use crate::agents::{self, Target, cursor};
use crate::cli::{AgentChoice, RemoveArgs};
use crate::edit::{self, StateDir, UndoPlan};
use crate::{paths, ui};
use anyhow::{Result, bail};

pub fn run(profile_flag: Option<&str>, args: RemoveArgs) -> Result<()> {
    let state = StateDir::new(paths::state_dir()?);
    edit::tidy(&state)?;
    super::session::tidy_config()?;
    let ask = ui::interactive() && !args.yes && !args.dry_run;
    let selected: Vec<Target> = match args.agent {
        AgentChoice::One(target) => vec![target],
        // A desktop app only when agentgw has written its settings: `all` speaks of what it set
        // up, and an app's store is not touched otherwise.
        AgentChoice::All => {
            let mut selected = Vec::new();
            for target in agents::ALL {
                if matches!(target, Target::Cli(_))
                    || !edit::managed_files(&state, target.id())?.is_empty()
                {
                    selected.push(target);
                }
            }
            selected
        }
    };
    // Only to hide it in diffs: remove works without being logged in.
    let token = current_token(profile_flag);
    let mut failed = Vec::new();
    for target in selected {
        let (id, name) = (target.id(), target.name());
        let removed = match target.cli() {
            Some(agent) if agent.keeps_no_file() => forget(agent, profile_flag, &args),
            _ => remove_one(id, name, &state, &args, ask, token.as_deref()),
        };
        if let Err(e) = removed {
            ui::error(&format!("{name}: {e:#}"));
            failed.push(name);
        }
    }
    if !failed.is_empty() {
        bail!(
            "remove did not succeed for {}; see above",
            failed.join(", ")
        );
    }
    Ok(())
}

fn remove_one(
    id: &str,
    name: &str,
    state: &StateDir,
    args: &RemoveArgs,
    ask: bool,
    token: Option<&str>,
) -> Result<()> {
    let planned = edit::plan_undo_each(state, id)?;
    if planned.is_empty() {
        println!("{name}: nothing to remove (agentgw has not set it up).");
        return Ok(());
    }
    // A file that cannot be read or parsed is reported, and the others are undone all the same:
    // Gemini's broken settings.json must not keep its token in .env.
    let (undos, unreadable): (Vec<_>, Vec<_>) = planned.into_iter().partition(Result::is_ok);
    let undos: Vec<UndoPlan> = undos.into_iter().flatten().collect();
    let unreadable: Vec<edit::EditError> = unreadable.into_iter().filter_map(Result::err).collect();
    for error in &unreadable {
        ui::error(&format!("{name}: {error}"));
    }
    let partly = |done: &str| -> Result<()> {
        if unreadable.is_empty() {
            return Ok(());
        }
        let files: Vec<String> = unreadable
            .iter()
            .map(|e| paths::display(e.path()))
            .collect();
        bail!(
            "{done}, except in {} (see above); fix that, then run `agentgw remove {id}` again",
            files.join(", ")
        )
    };
    if id == cursor::ID && !args.dry_run {
        refuse_while_cursor_runs(&undos)?;
    }
    if args.dry_run {
        for undo in &undos {
            print!("{}", mask_secrets(&undo.plan.diff(), token));
            report_kept(undo);
        }
        return partly("the rest is shown above");
    }
    if ask && !confirm(name, &undos, token)? {
        println!("{name}: nothing changed.");
        return Ok(());
    }
    for undo in &undos {
        let applied = edit::apply_undo(undo, state, id)?;
        if let Some(token) = token {
            edit::remove_backups_of_a_file_it_left(state, &undo.plan, token)?;
        }
        let shown = paths::display(undo.path());
        match (applied.written, undo.plan.deletes_file()) {
            (true, true) => ui::note(&format!("  deleted {shown} (agentgw had created it)")),
            (true, false) => ui::note(&format!("  restored {shown}")),
            (false, _) => {}
        }
        report_kept(undo);
    }
    if !unreadable.is_empty() {
        return partly("removed agentgw's settings");
    }
    println!("{name}: removed agentgw's settings.");
    Ok(())
}

/// An agent whose setup is only its model in the profile (Copilot CLI): forgets it.
fn forget(agent: &dyn agents::Agent, profile_flag: Option<&str>, args: &RemoveArgs) -> Result<()> {
    let loaded = ProfileState::load(profile_flag)?;
    let (id, name, profile) = (agent.id(), agent.name(), &loaded.name);
    let Some(model) = loaded.profile.as_ref().and_then(|p| p.models.get(id)) else {
        println!("{name}: nothing to remove (agentgw has not set it up).");
        return Ok(());
    };
    if args.dry_run {
        println!(
            "{name}: would forget model {model} in profile '{profile}' (agentgw wrote no file for it)"
        );
        return Ok(());
    }
    super::session::update_config(|config| config.set_in_table(profile, "models", id, None))?;
    println!(
        "{name}: forgot model {model} in profile '{profile}'; agentgw had written no file for it."
    );
    ui::note(&format!(
        "  A `{}` alias you added to your shell's startup file is yours to remove; \
         `agentgw exec {id}` keeps working with the profile's defaults.",
        agent.program()
    ));
    Ok(())
}

/// Cursor would write its own settings back over the restored ones.
fn refuse_while_cursor_runs(undos: &[UndoPlan]) -> Result<()> {
    for undo in undos.iter().filter(|u| !u.plan.is_noop()) {
        if let Some(dir) = cursor::user_dir_of(undo.path())
            && let Some(running) = cursor::running::find(dir)
        {
            bail!(cursor::running::refusal(&running, "agentgw remove cursor"));
        }
    }
    Ok(())
}

fn current_token(profile_flag: Option<&str>) -> Option<String> {
    ProfileState::load(profile_flag)
        .ok()?
        .token()
        .map(str::to_string)
}

fn report_kept(undo: &UndoPlan) {
    if undo.plan.original.is_none() && !undo.kept_user_values.is_empty() {
        ui::note(&format!(
            "  {} is gone, and agentgw's settings with it: nothing to put back",
            paths::display(undo.path())
        ));
        return;
    }
    for key in &undo.kept_user_values {
        ui::note(&format!(
            "  kept your value of {} in {} (changed since agentgw set it)",
            edit::display_key(key),
            paths::display(undo.path())
        ));
    }
}

fn confirm(name: &str, undos: &[UndoPlan], token: Option<&str>) -> Result<bool> {
    for undo in undos {
        eprint!("{}", mask_secrets(&undo.plan.diff(), token));
    }
    let prompt = format!("Remove agentgw's settings for {name}?");
    Ok(dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(true)
        .interact()?)
}
