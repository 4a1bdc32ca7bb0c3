//! `agentgw completions <shell>`: the script for one shell, from the same clap definition as the CLI.

use crate::cli::{CompletionsArgs, Shell};

pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    print!("{}", script(args.shell));
    Ok(())
}

fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(
        shell.generator(),
        &mut crate::cli::command(),
        "agentgw",
        &mut out,
    );
    String::from_utf8(out).expect("clap_complete writes UTF-8")
}
