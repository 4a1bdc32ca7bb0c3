//! `agentgw apply POLICY`: one team policy file sets a laptop up (`--yes`, or `--dry-run` for
//! the diff) through `agentgw setup`'s own code, or tells a compliance job whether it still is
//! (`--check`). The policy's parsing lives in `crate::policy`; the drift check in `check`.

mod check;

use crate::agents::{self, Target};
use crate::cli::{AgentChoice, ApplyArgs, Cli, CursorDirArg, SetupArgs};
use crate::commands::session::Session;
use crate::errors::{Classified, Kind};
use crate::policy::{self, AgentPolicy, Policy, Workspace};
use crate::profile::{self, Auth, Config, Profile, TokenStorage};
use crate::{paths, ui, workspace_configs};
use anyhow::{Result, bail};
use clap::CommandFactory;
use clap::error::ErrorKind;

pub fn run(profile_flag: Option<&str>, args: ApplyArgs) -> Result<()> {
    let name = profile::selected_name(profile_flag)?;
    let file = match &args.policy {
        Some(source) => Some(read_file(&name, source)?),
        None => None,
    };
    let Some(policy) = with_workspace_config(profile_flag, file, &args)? else {
        return Ok(());
    };
    let described = described(&args);
    if args.check {
        return check::run(profile_flag, &policy, &args, &described);
    }
    if !args.yes && !args.dry_run && !ui::interactive() {
        Cli::command()
            .error(
                ErrorKind::MissingRequiredArgument,
                "apply writes agents' configs; without a terminal to confirm on, pass --yes (or --dry-run to see the diff)",
            )
            .exit();
    }
    logged_in_as_policy_wants(&name, &policy)?;
    if policy.agents.is_empty() {
        println!("the policy lists no agent; nothing to set up");
        return Ok(());
    }
    let mut failed = Vec::new();
    let mut chosen = Vec::new();
    for wanted in &policy.agents {
        let agent = wanted.agent;
        let installed = agents::find_installed(agent);
        if let (Some(min), Some(found)) = (wanted.min_version, installed.as_ref())
            && found.version.is_none_or(|v| v < min)
        {
            let version = found
                .version
                .map_or("of unknown version".to_string(), |v| v.to_string());
            let line = format!(
                "{}: {version} is older than the policy's min_version {min}; upgrade: npm install -g {}@latest",
                agent.name(),
                agent.info().npm_package
            );
            if args.strict {
                ui::error(&format!("{line} (--strict)"));
                failed.push(agent.name().to_string());
                continue;
            }
            ui::warn(&line);
        }
        if installed.is_none() {
            let line = format!(
                "{}: skipped, `{}` is not on PATH",
                agent.name(),
                agent.program()
            );
            if args.strict {
                ui::error(&format!("{line} (--strict)"));
                failed.push(agent.name().to_string());
            } else {
                ui::note(&format!("{line} (--strict fails instead)."));
            }
            continue;
        }
        chosen.push(wanted);
    }
    for wanted in chosen {
        // The same command as `agentgw setup <id> --model M [--otel-tables T]`, run for each.
        if Some(wanted.model_from.as_str()) != args.policy.as_deref() && wanted.model.is_some() {
            ui::note(&format!(
                "{}: model {} from {}",
                wanted.agent.name(),
                wanted.model.as_deref().unwrap_or_default(),
                wanted.model_from
            ));
        }
        if let Err(e) = crate::commands::setup::run(profile_flag, setup_args(wanted, &args)) {
            ui::error(&format!("{}: {e:#}", wanted.agent.name()));
            failed.push(wanted.agent.name().to_string());
        }
    }
    if !failed.is_empty() {
        bail!(
            "apply did not succeed for {}; see above. Fix the cause, then run the same command again.",
            failed.join(", ")
        );
    }
    Ok(())
}

/// The policy file, checked; one agentgw cannot use is a usage error (exit 2), like a bad flag.
fn read_file(profile_name: &str, source: &str) -> Result<Policy> {
    // A policy fetched from a URL trusts the profile's CA file, as its requests do.
    let ca_file = Config::load(&paths::config_dir()?)
        .ok()
        .and_then(|config| config.profile(profile_name).ok().flatten())
        .and_then(|profile| profile.ca_file);
    match policy::read(source, ca_file.as_deref()) {
        Ok(policy) => Ok(policy),
        Err(e) => match e.downcast_ref::<policy::PolicyError>() {
            Some(refused) => {
                let error = Cli::command().error(ErrorKind::ValueValidation, refused.to_string());
                let words: Vec<std::ffi::OsString> = std::env::args_os().collect();
                // Prints it (as JSON too with --json); exits itself unless JSON was asked for.
                crate::commands::usage_error(error, &words);
                std::process::exit(2);
            }
            None => Err(e),
        },
    }
}

/// With `--from-workspace`, the file's policy with the workspace's published config added
/// (the file wins per key); else the file's. `None`: nothing to apply (said why).
fn with_workspace_config(
    profile_flag: Option<&str>,
    file: Option<Policy>,
    args: &ApplyArgs,
) -> Result<Option<Policy>> {
    if !args.from_workspace {
        return Ok(file);
    }
    let session = Session::load(profile_flag)?;
    let http = session.http()?;
    let published =
        workspace_configs::fetch(&http, &session.host, &session.token).map_err(|e| {
            Classified::explained(
                Kind::Request(e.failure.kind()),
                e.explain(&session.profile.name),
            )
        })?;
    let Some(published) = published else {
        ui::note(&format!(
            "{} publishes no coding-agent config (GET /api/ai-gateway/v2/coding-agent-configs: none)",
            session.host
        ));
        if file.is_none() {
            println!("nothing to apply; agentgw changed nothing");
        }
        return Ok(file);
    };
    let workspace = Workspace {
        host: session.host.clone(),
        gateway_url: None,
        auth: session.profile.auth,
        token_storage: None,
    };
    Ok(Some(policy::with_published(file, &published, workspace)))
}

/// How the policy is named in output and fixes: its file, `--from-workspace`, or both.
fn described(args: &ApplyArgs) -> String {
    match (&args.policy, args.from_workspace) {
        (Some(file), true) => format!("{file} --from-workspace"),
        (Some(file), false) => file.clone(),
        (None, _) => "--from-workspace".to_string(),
    }
}

/// What `agentgw setup` would get from its flags for the policy's agent.
fn setup_args(wanted: &AgentPolicy, args: &ApplyArgs) -> SetupArgs {
    let target = agents::ALL
        .into_iter()
        .find(|t| t.id() == wanted.agent.id())
        .unwrap_or(Target::Cli(wanted.agent));
    SetupArgs {
        agent: AgentChoice::One(target),
        model: wanted.model.iter().cloned().collect(),
        dry_run: args.dry_run,
        yes: args.yes,
        no_test: false,
        force: false,
        otel_tables: wanted.otel_tables.clone(),
        otel_resource_attributes: wanted.otel_resource_attributes.clone(),
        inline_token: false,
        keep_experimental_betas: false,
        codex_profile: None,
        no_token_file: false,
        token_file: false,
        write_cursor_db: false,
        cursor: CursorDirArg { cursor_dir: None },
    }
}

/// The `agentgw login` that gives profile `name` the policy's workspace and way of signing in.
fn login_command(name: &str, policy: &Policy) -> String {
    let ws = &policy.workspace;
    let mut login = format!(
        "agentgw login --host {} --auth {}",
        ws.host,
        ws.auth.as_str()
    );
    if let Some(url) = &ws.gateway_url {
        login.push_str(&format!(" --gateway-url {url}"));
    }
    if name != profile::DEFAULT_PROFILE {
        login.push_str(&format!(" --profile {name}"));
    }
    login
}

/// A key of the policy's `[workspace]` the profile does not match, with the profile's value.
enum Mismatch {
    Host(Option<String>),
    Auth(Auth),
    /// The policy requires the OS keyring; the profile keeps its token in the 0600 file.
    TokenInFile,
    Gateway {
        wanted: String,
        found: Option<String>,
    },
}

/// Each key of `[workspace]` the profile does not match, in the policy's order: what `apply`
/// (which stops at the first) and `--check` (which lists them all) both hold a profile to.
fn workspace_mismatches(profile: &Profile, ws: &Workspace) -> Vec<Mismatch> {
    let mut found = Vec::new();
    if profile.host.as_deref() != Some(ws.host.as_str()) {
        found.push(Mismatch::Host(profile.host.clone()));
    }
    if profile.auth != ws.auth {
        found.push(Mismatch::Auth(profile.auth));
    }
    if ws.token_storage == Some(TokenStorage::Keyring)
        && profile.token_storage == Some(TokenStorage::File)
    {
        found.push(Mismatch::TokenInFile);
    }
    if let Some(url) = &ws.gateway_url
        && profile.gateway().as_deref() != Some(url.as_str())
    {
        found.push(Mismatch::Gateway {
            wanted: url.clone(),
            found: profile.gateway(),
        });
    }
    found
}

/// The profile signs in to the policy's workspace, the way it asks, with a token to use (the
/// stored one or AGENTGW_TOKEN); else the exact `agentgw login` that makes it so.
fn logged_in_as_policy_wants(name: &str, policy: &Policy) -> Result<()> {
    let ws = &policy.workspace;
    let login = login_command(name, policy);
    let not_ready = |what: String| -> anyhow::Error {
        Classified::run(
            Kind::NotLoggedIn,
            format!("{what}; agentgw changed nothing"),
            &login,
        )
        .into()
    };
    let config = Config::load(&paths::config_dir()?)?;
    let Some(profile) = config.profile(name)? else {
        return Err(not_ready(format!("no profile '{name}' yet")));
    };
    if let Some(mismatch) = workspace_mismatches(&profile, ws).into_iter().next() {
        return Err(not_ready(match mismatch {
            Mismatch::Host(None) => format!("profile '{name}' has no workspace"),
            Mismatch::Host(Some(host)) => format!(
                "profile '{name}' is for {host}, the policy's workspace is {}",
                ws.host
            ),
            Mismatch::Auth(auth) => format!(
                "profile '{name}' signs in with {}, the policy asks for {}",
                auth.describe(),
                ws.auth.describe()
            ),
            Mismatch::TokenInFile => format!(
                "profile '{name}' keeps its token in a file, the policy requires the OS keyring"
            ),
            Mismatch::Gateway { wanted, found } => format!(
                "profile '{name}' uses the gateway {}, the policy's is {wanted}",
                found.unwrap_or_else(|| profile::default_gateway(&ws.host))
            ),
        }));
    }
    // A token to use: the stored one (refreshed if need be) or AGENTGW_TOKEN.
    match Session::load(Some(name)) {
        Ok(_) => Ok(()),
        Err(e) if matches!(Kind::of(&e), Kind::NotLoggedIn | Kind::NoProfile) => {
            Err(not_ready(format!("not logged in (profile '{name}')")))
        }
        Err(e) => Err(e),
    }
}
