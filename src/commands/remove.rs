//! `agentgw remove <agent|all>`: undo exactly what setup changed, from the managed-keys record.
//! Values the user changed since are kept, and said so.

use crate::agents::{self, Agent};
use crate::cli::RemoveArgs;
use crate::edit::{self, StateDir, UndoPlan};
use crate::{paths, ui};
use anyhow::Result;

pub fn run(args: RemoveArgs) -> Result<()> {
    let state = StateDir::new(paths::state_dir()?);
    let ask = ui::interactive() && !args.yes && !args.dry_run;
    let selected: Vec<&dyn Agent> = match args.agent.single() {
        Some(id) => agents::by_id(id).into_iter().collect(),
        None => agents::ALL.to_vec(),
    };
    for agent in selected {
        let undos = edit::plan_undo(&state, agent.id())?;
        if undos.is_empty() {
            println!(
                "{}: nothing to remove (agentgw has not set it up).",
                agent.name()
            );
            continue;
        }
        if args.dry_run {
            for undo in &undos {
                print!("{}", undo.plan.diff());
                report_kept(undo);
            }
            continue;
        }
        if ask && !confirm(agent, &undos)? {
            println!("{}: nothing changed.", agent.name());
            continue;
        }
        for undo in &undos {
            let applied = edit::apply_undo(undo, &state, agent.id())?;
            let shown = paths::display(undo.path());
            match (applied.written, undo.plan.deletes_file()) {
                (true, true) => ui::note(&format!("  deleted {shown} (agentgw had created it)")),
                (true, false) => ui::note(&format!("  restored {shown}")),
                (false, _) => {}
            }
            report_kept(undo);
        }
        println!("{}: removed agentgw's settings.", agent.name());
    }
    Ok(())
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

fn confirm(agent: &dyn Agent, undos: &[UndoPlan]) -> Result<bool> {
    for undo in undos {
        eprint!("{}", undo.plan.diff());
    }
    let prompt = format!("Remove agentgw's settings for {}?", agent.name());
    Ok(dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(true)
        .interact()?)
}
