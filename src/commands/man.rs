//! `agentgw man [COMMAND]...`: the manual page (roff) of agentgw or of one of its commands, or
//! with `--out-dir` all of them, from the same clap definition as the CLI. The committed pages in
//! man/ are this command's output (scripts/update-completions.sh refreshes them).

use crate::cli::ManArgs;
use anyhow::{Context, Result};
use std::path::Path;

pub fn run(args: ManArgs) -> Result<()> {
    let root = root();
    match args.out_dir {
        Some(dir) => write_all(&root, &dir),
        None => {
            let command = crate::cli::man_page_command(&root, &args.command)
                .expect("the command line was checked against the same definition");
            print!("{}", page(command));
            Ok(())
        }
    }
}

/// The definition the pages describe, built (so each command knows its full name,
/// `agentgw-otel-create`), without clap's `help` command, which has no page.
fn root() -> clap::Command {
    let mut root = crate::cli::command().disable_help_subcommand(true);
    root.build();
    root
}

/// One command's page. No date in it: the same definition always gives the same bytes, so the
/// committed pages can be checked for staleness.
fn page(command: &clap::Command) -> String {
    let mut out = Vec::new();
    // The footer names agentgw and its version on every page (a command has no version of its own).
    let source = format!("agentgw {}", env!("CARGO_PKG_VERSION"));
    clap_mangen::Man::new(command.clone())
        .source(source)
        .render(&mut out)
        .expect("rendering into memory cannot fail");
    String::from_utf8(out).expect("clap_mangen writes UTF-8")
}

/// Every command, depth first: agentgw, then each command followed by its own commands.
fn all_commands(command: &clap::Command) -> Vec<&clap::Command> {
    let below = command.get_subcommands().flat_map(all_commands);
    std::iter::once(command).chain(below).collect()
}

fn write_all(root: &clap::Command, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let commands = all_commands(root);
    for command in &commands {
        let file = dir.join(clap_mangen::Man::new((*command).clone()).get_filename());
        std::fs::write(&file, page(command))
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    println!(
        "{} manual pages written to {}",
        commands.len(),
        dir.display()
    );
    Ok(())
}
