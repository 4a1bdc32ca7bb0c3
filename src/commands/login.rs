//! `agentgw login`: find the workspace and token, prove the token works, then store it.

use super::token_copies;
use crate::cli::LoginArgs;
use crate::credential;
use crate::profile::{self, Config, TokenStorage};
use crate::{databrickscfg, gateway, paths, ui, urls};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Read};

/// A value and where it came from, so the user can see which source won.
struct Sourced {
    value: String,
    source: String,
}

pub fn run(profile_flag: Option<&str>, args: LoginArgs) -> Result<()> {
    let name = profile::selected_name(profile_flag)?;
    // Settle the storage choice first: a bad AGENTGW_AUTH_STORAGE must fail before any prompt.
    // A wrong value is a usage error (exit 2), like a wrong flag.
    let preference = credential::storage_preference(args.insecure_storage).unwrap_or_else(|e| {
        use clap::CommandFactory;
        crate::cli::Cli::command()
            .error(clap::error::ErrorKind::InvalidValue, format!("{e:#}"))
            .exit()
    });
    let config_dir = paths::config_dir()?;
    let existing = Config::load(&config_dir)?.profile(&name)?;
    let databrickscfg = match &args.from_databrickscfg {
        Some(section) => {
            let path = databrickscfg::path()?;
            Some((
                databrickscfg::read_section(&path, section)?,
                format!("{} [{section}]", paths::display(&path)),
            ))
        }
        None => None,
    };

    let host = resolve_host(&args, databrickscfg.as_ref(), existing.as_ref())?;
    let gateway = resolve_gateway(&args, &host.value, existing.as_ref())?;
    let token = resolve_token(&args, databrickscfg.as_ref())?;
    ui::note(&format!("Workspace: {} (from {})", host.value, host.source));

    let ca_file = match &args.ca_file {
        Some(path) => Some(
            std::path::absolute(path)
                .with_context(|| format!("bad --ca-file {}", path.display()))?,
        ),
        None => existing.as_ref().and_then(|p| p.ca_file.clone()),
    };
    let user = if args.no_verify {
        None
    } else {
        let http = gateway::Http::new(ca_file.as_deref())?;
        match http.scim_me(&host.value, &token.value) {
            Ok(me) => Some(me.user_name),
            Err(e) => bail!("{}\nNothing was stored.", e.explain(&name)),
        }
    };

    // Hold the config lock from reading the profile to saving it, so concurrent logins serialise.
    let _lock = profile::lock_config_dir(&config_dir)?;
    let mut config = Config::load(&config_dir)?;
    let previous = config.profile(&name)?;
    let previous_storage = previous.as_ref().and_then(|p| p.token_storage);
    // The token this login replaces: agentgw's copies of it in agents' files get the new one.
    let replaced = previous
        .as_ref()
        .and_then(|p| credential::read_stored(&config_dir, p).ok().flatten())
        .map(|(token, _)| token);
    let stored = credential::store(
        &config_dir,
        &name,
        &token.value,
        preference,
        previous_storage,
    )?;
    config.set_field(&name, "host", Some(&host.value));
    // Keep the default implicit so the gateway follows the host if the host is changed later.
    let explicit_gateway =
        (gateway != profile::default_gateway(&host.value)).then_some(gateway.as_str());
    config.set_field(&name, "gateway_url", explicit_gateway);
    config.set_field(&name, "token_storage", Some(stored.storage.as_str()));
    if let Some(ca) = &ca_file {
        config.set_field(&name, "ca_file", Some(&ca.to_string_lossy()));
    }
    config.save()?;

    report_storage(&name, &config_dir, &stored);
    match user {
        Some(user) => println!("Logged in to {} as {user}", host.value),
        None => println!(
            "Saved the token for {} (not verified: --no-verify)",
            host.value
        ),
    }
    let to = token_copies::Destination {
        host: &host.value,
        gateway: &gateway,
    };
    warn_of_helpers_sending_elsewhere(&name, &to);
    update_token_copies(&name, replaced.as_deref(), &token.value, &to)
}

/// Agents that run `agentgw token` for this profile but send the token to another URL (set up
/// for the workspace the profile used before `login --host`): they get the new token from now on.
fn warn_of_helpers_sending_elsewhere(name: &str, to: &token_copies::Destination) {
    for agent in crate::agents::ALL {
        if !crate::agents::calls_agentgw_for(agent, name) {
            continue;
        }
        let Ok(Some(configured)) = agent.configured() else {
            continue;
        };
        if !gateway::is_ours(&configured.base_url, to.gateway, to.host) {
            let fix = configured
                .base_url_fix()
                .unwrap_or_else(|| format!("agentgw setup {} --profile {name}", agent.id()));
            ui::warn(&format!(
                "{} runs `agentgw token --profile {name}` but sends the token to {} (from {}), not to the \
                 gateway of profile '{name}' ({}); point it there: {fix}",
                agent.name(),
                configured.base_url,
                configured.base_url_from,
                to.gateway,
            ));
        }
    }
}

/// Puts the new token wherever agentgw had written the profile's token (or took it out at
/// logout), and deletes the backups holding the token it replaces.
fn update_token_copies(
    name: &str,
    replaced: Option<&str>,
    token: &str,
    to: &token_copies::Destination,
) -> Result<()> {
    let state = crate::edit::StateDir::new(paths::state_dir()?);
    let copies = token_copies::put(&state, name, replaced, token, to);
    copies.print_changes("updated in");
    copies.finish(
        "logged in, but the token could not be updated everywhere agentgw had written it (see above)"
            .into(),
    )
}

fn resolve_host(
    args: &LoginArgs,
    databrickscfg: Option<&(databrickscfg::Section, String)>,
    existing: Option<&profile::Profile>,
) -> Result<Sourced> {
    // clap folds AGENTGW_HOST into --host.
    let source_of_flag = if std::env::var_os("AGENTGW_HOST").is_some() {
        "--host / AGENTGW_HOST"
    } else {
        "--host"
    };
    if let Some(host) = &args.host {
        return Ok(Sourced {
            value: urls::normalize_host(host, "--host")?,
            source: source_of_flag.into(),
        });
    }
    if let Some((section, origin)) = databrickscfg {
        let Some(host) = &section.host else {
            bail!("{origin} has no host; add `host = https://...` there or pass --host")
        };
        return Ok(Sourced {
            value: urls::normalize_host(host, &format!("host in {origin}"))?,
            source: origin.clone(),
        });
    }
    // Re-running login for an existing profile (e.g. after a 401) keeps its workspace.
    if let Some(host) = existing.and_then(|p| p.host.clone()) {
        return Ok(Sourced {
            value: host,
            source: "the existing profile".into(),
        });
    }
    if let Some(host) = std::env::var("DATABRICKS_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
    {
        return Ok(Sourced {
            value: urls::normalize_host(&host, "DATABRICKS_HOST")?,
            source: "DATABRICKS_HOST".into(),
        });
    }
    if !ui::interactive() {
        bail!(
            "no workspace URL: pass --host https://<workspace> (or set DATABRICKS_HOST, or use --from-databrickscfg)"
        );
    }
    let typed: String = dialoguer::Input::new()
        .with_prompt("Databricks workspace URL")
        .validate_with(|s: &String| {
            urls::normalize_host(s, "the URL")
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .interact_text()?;
    Ok(Sourced {
        value: urls::normalize_host(&typed, "the URL")?,
        source: "the prompt".into(),
    })
}

fn resolve_gateway(
    args: &LoginArgs,
    host: &str,
    existing: Option<&profile::Profile>,
) -> Result<String> {
    if let Some(url) = &args.gateway_url {
        return urls::normalize_gateway_url(url, "--gateway-url");
    }
    // An explicit gateway of the same workspace survives a re-login; a new host gets its default.
    match existing {
        Some(p) if p.host.as_deref() == Some(host) => Ok(p
            .gateway()
            .unwrap_or_else(|| profile::default_gateway(host))),
        _ => Ok(profile::default_gateway(host)),
    }
}

fn resolve_token(
    args: &LoginArgs,
    databrickscfg: Option<&(databrickscfg::Section, String)>,
) -> Result<Sourced> {
    if args.token_stdin {
        let stdin = std::io::stdin();
        // On a terminal, read it like a password (no echo); from a pipe, to the end of input.
        let raw = if stdin.is_terminal() {
            dialoguer::Password::new()
                .with_prompt("Personal access token (input hidden)")
                .interact()?
        } else {
            let mut raw = String::new();
            stdin
                .lock()
                .read_to_string(&mut raw)
                .context("cannot read the token from standard input")?;
            raw
        };
        return Ok(Sourced {
            value: credential::validate_token(&raw)?,
            source: "standard input".into(),
        });
    }
    if let Some((section, origin)) = databrickscfg {
        let Some(token) = &section.token else {
            let auth = section
                .auth_type
                .as_deref()
                .map(|a| format!(" (auth_type = {a})"))
                .unwrap_or_default();
            bail!(
                "{origin} has no token{auth}; agentgw needs a personal access token: create one in the workspace (Settings > Developer > Access tokens) and pipe it to --token-stdin"
            );
        };
        return Ok(Sourced {
            value: credential::validate_token(token)?,
            source: origin.clone(),
        });
    }
    if let Some(token) = std::env::var("DATABRICKS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(Sourced {
            value: credential::validate_token(&token)?,
            source: "DATABRICKS_TOKEN".into(),
        });
    }
    if !ui::interactive() {
        bail!(
            "no token given and no terminal to ask on: pipe the token to `agentgw login --token-stdin` (or set DATABRICKS_TOKEN, or use --from-databrickscfg)"
        );
    }
    let typed = dialoguer::Password::new()
        .with_prompt("Personal access token (input hidden)")
        .interact()?;
    Ok(Sourced {
        value: credential::validate_token(&typed)?,
        source: "the prompt".into(),
    })
}

fn report_storage(name: &str, config_dir: &std::path::Path, stored: &credential::Stored) {
    let file = paths::display(&credential::file_store_path(config_dir));
    match (stored.storage, &stored.fallback_reason) {
        (TokenStorage::Keyring, _) => ui::note(&format!(
            "Token stored in the OS keyring (service agentgw, account {name})."
        )),
        (TokenStorage::File, Some(reason)) => ui::warn(&format!(
            "NO OS KEYRING: the token is stored in PLAINTEXT in {file} (mode 0600).\n  \
             Why: {reason}.\n  {}\n  \
             Then move the token there with: AGENTGW_AUTH_STORAGE=keyring agentgw login --profile {name}",
            credential::keyring_help()
        )),
        (TokenStorage::File, None) => ui::warn(&format!(
            "the token is stored in plaintext in {file} (mode 0600), as requested."
        )),
    }
}
