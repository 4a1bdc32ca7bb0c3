//! `agentgw exec <agent> [ARGS...]`: run the agent with the gateway settings winning over its own
//! config for that run, nothing written to disk, and hand back its exit code. How each agent is
//! made to use them is the agent module's `launch` (Claude Code: `--settings` and its key helper;
//! Codex: `-c` overrides and its `auth` command; Gemini: its environment).

use super::session::Session;
use crate::agents::{self, SetupOptions};
use crate::cli::{Cli, ExecArgs};
use anyhow::{Result, anyhow};
use clap::CommandFactory;
use clap::error::ErrorKind;
use std::process::Command;

pub fn run(profile_flag: Option<&str>, args: ExecArgs) -> Result<()> {
    let (name, agent_args) = args.command.split_first().expect("clap requires the agent");
    let Some(agent) = agents::by_id(name) else {
        let ids: Vec<&str> = agents::ALL.iter().map(|a| a.id()).collect();
        Cli::command()
            .error(
                ErrorKind::InvalidValue,
                format!(
                    "unknown agent '{name}' [possible values: {}]",
                    ids.join(", ")
                ),
            )
            .exit();
    };
    let session = Session::load(profile_flag)?;
    let model = agents::model_for(agent, args.model.as_deref(), &session.profile);
    let options = SetupOptions::default();
    let cx = session.context(model, &options, None);
    let launch = agent.launch(&cx, agent_args)?;
    let mut command = Command::new(agent.program());
    command.args(&launch.args).envs(launch.env);
    for name in &launch.env_remove {
        command.env_remove(name);
    }
    let not_found = |e: std::io::Error| {
        anyhow!(
            "cannot start `{}`: {e}. Is {} installed and on PATH?",
            agent.program(),
            agent.name()
        )
    };
    #[cfg(unix)]
    {
        // Become the agent: signals, the terminal and the exit code are all its own.
        use std::os::unix::process::CommandExt;
        Err(not_found(command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(not_found)?;
        std::process::exit(status.code().unwrap_or(1));
    }
}
