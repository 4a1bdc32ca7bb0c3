//! `agentgw exec <agent> [ARGS...]`: run the agent with the gateway settings winning over its own
//! config for that run, nothing written to disk, and hand back its exit code. How each agent is
//! made to use them is the agent module's `launch` (Claude Code: `--settings` and its key helper;
//! Codex: `-c` overrides and its `auth` command; Gemini: its environment, and with short-lived
//! OAuth tokens a loopback relay that adds a fresh token to each request).

use super::session::Session;
use crate::agents::{self, SetupOptions};
use crate::cli::{Cli, ExecArgs};
use crate::relay::Relay;
use crate::{credential, paths};
use anyhow::{Result, anyhow};
use clap::CommandFactory;
use clap::error::ErrorKind;
use std::process::Command;
use std::sync::Arc;

pub fn run(profile_flag: Option<&str>, args: ExecArgs) -> Result<()> {
    let (name, agent_args) = args.command.split_first().expect("clap requires the agent");
    let Some(agent) = agents::by_id(name) else {
        let ids: Vec<&str> = agents::clis().map(|a| a.id()).collect();
        let why = match agents::target(name) {
            Some(app) => format!(
                "{} is a desktop app: agentgw cannot start it (start it yourself; `agentgw setup {name}` sets it up)",
                app.name()
            ),
            None => format!("unknown agent '{name}'"),
        };
        Cli::command()
            .error(
                ErrorKind::InvalidValue,
                format!("{why} [possible values: {}]", ids.join(", ")),
            )
            .exit();
    };
    let session = Session::load(profile_flag)?;
    session.refuse_unusable_gateway(&format!("agentgw did not start {}.", agent.name()))?;
    let model = agents::model_for(agent, args.model.as_deref(), &session.profile);
    let options = SetupOptions::default();
    let cx = session.context(model, &options, None);
    let mut launch = agent.launch(&cx, agent_args)?;
    // Kept alive until the agent ends: it serves the agent for the whole run.
    let relay = match &launch.relay {
        Some(vars) => Some(start_relay(&session, &mut launch.env, vars)?),
        None => None,
    };
    let mut command = Command::new(agent.program());
    command
        .args(&launch.args)
        .envs(launch.env.iter().map(|(k, v)| (k, v)));
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
    if relay.is_some() {
        let code = run_beside(&mut command).map_err(not_found)?;
        drop(relay);
        std::process::exit(code);
    }
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

/// Starts the loopback relay for an agent without a helper command (Gemini) and points the
/// agent's variables at it. The relay asks agentgw's store for the token on every request, so
/// a run that outlasts an access token gets the refreshed one.
fn start_relay(
    session: &Session,
    env: &mut Vec<(String, String)>,
    vars: &agents::RelayVars,
) -> Result<Relay> {
    let upstream = env
        .iter()
        .find(|(name, _)| name == vars.base_url)
        .map(|(_, value)| value.clone())
        .ok_or_else(|| anyhow!("the agent's launch names no {}", vars.base_url))?;
    let config_dir = paths::config_dir()?;
    let profile = session.profile.clone();
    let token: crate::relay::TokenSource =
        Arc::new(
            move || match credential::read(&config_dir, Some(&profile))? {
                Some((token, _)) => Ok(token),
                None => anyhow::bail!(
                    "not logged in (profile '{}'); run: {}",
                    profile.name,
                    credential::login_command(&profile)
                ),
            },
        );
    let relay = Relay::start(&upstream, session.profile.ca_file.as_deref(), token)?;
    for (name, value) in env.iter_mut() {
        if name == vars.base_url {
            *value = relay.base_url();
        } else if name == vars.key {
            *value = relay.key().to_string();
        }
    }
    env.extend(no_proxy_for_loopback());
    Ok(relay)
}

/// Runs the agent as a child and returns the exit code to end with (128 + the signal that ended
/// it, as shells report). While it runs, agentgw ignores the terminal's Ctrl-C and Ctrl-\: they
/// reach the agent too, which decides what they mean; agentgw stays to serve it to the end. A
/// SIGTERM or SIGHUP sent to agentgw alone (a supervisor, `timeout`, a closed SSH session) is
/// passed on to the agent, so it never runs on without the relay that serves it.
fn run_beside(command: &mut Command) -> std::io::Result<i32> {
    let mut child = command.spawn()?;
    #[cfg(unix)]
    {
        AGENT_PID.store(child.id() as i32, std::sync::atomic::Ordering::SeqCst);
        let pass_on = pass_signal_to_agent as extern "C" fn(libc::c_int);
        // SAFETY: changing this process's signal dispositions; the child, already started, keeps
        // the defaults it was given. The handler only calls kill(2), which is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            libc::signal(libc::SIGQUIT, libc::SIG_IGN);
            libc::signal(libc::SIGTERM, pass_on as libc::sighandler_t);
            libc::signal(libc::SIGHUP, pass_on as libc::sighandler_t);
        }
    }
    let status = child.wait()?;
    #[cfg(unix)]
    {
        // Reaped: its pid may be reused from now on.
        AGENT_PID.store(0, std::sync::atomic::Ordering::SeqCst);
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Ok(128 + signal);
        }
    }
    Ok(status.code().unwrap_or(1))
}

/// The agent `run_beside` waits for, for [`pass_signal_to_agent`].
#[cfg(unix)]
static AGENT_PID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn pass_signal_to_agent(signal: libc::c_int) {
    let pid = AGENT_PID.load(std::sync::atomic::Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill(2) is async-signal-safe; the pid is our own child, not reaped yet (the
        // waiter clears it once it is).
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// `NO_PROXY` and `no_proxy` with `127.0.0.1` added: an agent would send its requests for the
/// loopback relay through the user's `HTTP_PROXY` otherwise (seen: Copilot CLI 1.0.11 and
/// 1.0.102 do, and get no answer).
fn no_proxy_for_loopback() -> Vec<(String, String)> {
    ["NO_PROXY", "no_proxy"]
        .into_iter()
        .map(|name| {
            // Each case from its own value, else the other's: some tools read one, some the other.
            let other = if name == "NO_PROXY" {
                "no_proxy"
            } else {
                "NO_PROXY"
            };
            let current = std::env::var(name)
                .or_else(|_| std::env::var(other))
                .unwrap_or_default();
            let listed = current
                .split(',')
                .any(|entry| matches!(entry.trim(), "127.0.0.1" | "*"));
            let value = match (listed, current.trim().is_empty()) {
                (true, _) => current,
                (false, true) => "127.0.0.1".to_string(),
                (false, false) => format!("{},127.0.0.1", current.trim_end_matches(',')),
            };
            (name.to_string(), value)
        })
        .collect()
}
