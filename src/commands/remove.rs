//! `agentgw remove <agent|all>`: undo exactly what setup changed, from the managed-keys record.
//! Values the user changed since are kept, and said so.

use super::session::{ProfileState, mask_secrets};
use crate::agents::{self, Agent};
use crate::cli::RemoveArgs;
use crate::edit::{self, StateDir, UndoPlan};
use crate::{paths, ui};
use anyhow::{Result, bail};

pub fn run(profile_flag: Option<&str>, args: RemoveArgs) -> Result<()> {
    let state = StateDir::new(paths::state_dir()?);
    let ask = ui::interactive() && !args.yes && !args.dry_run;
    let selected: Vec<&dyn Agent> = match args.agent.single() {
        Some(id) => agents::by_id(id).into_iter().collect(),
        None => agents::ALL.to_vec(),
    };
    // Only to hide it in diffs: remove works without being logged in.
    let token = current_token(profile_flag);
    let mut failed = Vec::new();
    for agent in selected {
        if let Err(e) = remove_one(agent, &state, &args, ask, token.as_deref()) {
            ui::error(&format!("{}: {e:#}", agent.name()));
            failed.push(agent.name());
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
    agent: &dyn Agent,
    state: &StateDir,
    args: &RemoveArgs,
    ask: bool,
    token: Option<&str>,
) -> Result<()> {
    let undos = edit::plan_undo(state, agent.id())?;
    if undos.is_empty() {
        println!(
            "{}: nothing to remove (agentgw has not set it up).",
            agent.name()
        );
        return Ok(());
    }
    if args.dry_run {
        for undo in &undos {
            print!("{}", mask_secrets(&undo.plan.diff(), token));
            report_kept(undo);
        }
        return Ok(());
    }
    if ask && !confirm(agent, &undos, token)? {
        println!("{}: nothing changed.", agent.name());
        return Ok(());
    }
    for undo in &undos {
        let applied = edit::apply_undo(undo, state, agent.id())?;
        let shown = paths::display(undo.path());
        match (applied.written, undo.plan.deletes_file()) {
            (true, true) => ui::note(&format!("  deleted {shown} (agentgw had created it)")),
            (true, false) => ui::note(&format!("  restored {shown}")),
            (false, _) => {}
        }
        report_kept(undo);
    }
    println!("{}: removed agentgw's settings.", agent.name());
    Ok(())
}

fn current_token(profile_flag: Option<&str>) -> Option<String> {
    ProfileState::load(profile_flag)
        .ok()?
        .token()
        .map(str::to_string)
}

fn report_kept(undo: &UndoPlan) {
    for key in &undo.kept_user_values {
        ui::note(&format!(
            "  kept your value of {} in {} (changed since agentgw set it)",
            edit::display_key(key),
            paths::display(undo.path())
        ));
    }
}

fn confirm(agent: &dyn Agent, undos: &[UndoPlan], token: Option<&str>) -> Result<bool> {
    for undo in undos {
        eprint!("{}", mask_secrets(&undo.plan.diff(), token));
    }
    let prompt = format!("Remove agentgw's settings for {}?", agent.name());
    Ok(dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(true)
        .interact()?)
}
