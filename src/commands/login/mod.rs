//! `agentgw login`: find the workspace, sign in (a personal access token, the browser, or a
//! service principal), prove the credential works, then store it.

mod oauth;
mod pat;
mod routes;

use super::token_copies;
use crate::cli::LoginArgs;
use crate::credential::{self, Secret};
use crate::errors::{Classified, Kind};
use crate::profile::{self, Auth, Config, TokenStorage};
use crate::{databrickscfg, gateway, paths, ui, urls};
use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use clap::error::ErrorKind;

/// A value and where it came from, so the user can see which source won.
struct Sourced {
    value: String,
    source: String,
}

pub fn run(profile_flag: Option<&str>, args: LoginArgs) -> Result<()> {
    let name = profile::selected_name(profile_flag)?;
    if args.refresh {
        return routes::refresh(&name, args.host.as_deref(), args.gateway_url.as_deref());
    }
    // Settle the storage choice first: a bad AGENTGW_AUTH_STORAGE must fail before any prompt.
    // A wrong value is a usage error (exit 2), like a wrong flag.
    let preference = credential::storage_preference(args.insecure_storage)
        .unwrap_or_else(|e| usage_error(ErrorKind::InvalidValue, format!("{e:#}")));
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
    let method = choose_method(&args, databrickscfg.as_ref(), existing.as_ref())?;

    let host = resolve_host(&args, databrickscfg.as_ref(), existing.as_ref())?;
    let gateway = resolve_gateway(&args, &host.value, existing.as_ref())?;
    let ca_file = match &args.ca_file {
        Some(path) => Some(
            std::path::absolute(path)
                .with_context(|| format!("bad --ca-file {}", path.display()))?,
        ),
        None => existing.as_ref().and_then(|p| p.ca_file.clone()),
    };
    let http = gateway::Http::new(ca_file.as_deref())?;
    let signed_in = match method {
        Auth::Pat => {
            let token = pat::token(&args, databrickscfg.as_ref(), &name, &host.value)?;
            SignedIn {
                secret: Secret::Pat(token.value),
                client_id: None,
                token_endpoint: None,
                how: format!("with a personal access token from {}", token.source),
            }
        }
        Auth::OAuth => {
            ui::note(&format!("Workspace: {} (from {})", host.value, host.source));
            oauth::browser_sign_in(&http, &host.value, &name, &args, existing.as_ref())?.into()
        }
        Auth::M2m => oauth::service_principal(
            &http,
            &host.value,
            &name,
            &args,
            databrickscfg.as_ref(),
            existing.as_ref(),
        )?
        .into(),
    };
    if method != Auth::OAuth {
        ui::note(&format!("Workspace: {} (from {})", host.value, host.source));
    }

    let me = if args.no_verify {
        None
    } else {
        match http.scim_me(&host.value, signed_in.secret.bearer()) {
            Ok(me) => Some(me),
            Err(e) => {
                let text = match method {
                    Auth::Pat if gateway::refuses_pats(&e) => format!(
                        "the workspace does not accept personal access tokens ({}{})\n\
                         this workspace signs in with OAuth: agentgw login --profile {name} --auth oauth",
                        e.said().0,
                        e.said().1
                    ),
                    _ => e.explain(&name),
                };
                return Err(Classified::explained(
                    Kind::Request(e.failure.kind()),
                    format!("{text}\nNothing was stored."),
                )
                .into());
            }
        }
    };

    // The credential works: find the gateway and each agent's route (before taking the lock:
    // these are network calls).
    let explicit_gateway =
        (gateway != profile::default_gateway(&host.value)).then_some(gateway.as_str());
    let routes = match &me {
        None => routes::Outcome::Skipped,
        Some(me) => routes::discover(&routes::Ask {
            http: &http,
            name: &name,
            host: &host.value,
            token: signed_in.secret.bearer(),
            given: explicit_gateway,
            workspace_id: me.workspace_id.as_deref(),
            preferred: &existing
                .as_ref()
                .filter(|p| p.host.as_deref() == Some(host.value.as_str()))
                .map(|p| p.base_paths.clone())
                .unwrap_or_default(),
            login: crate::credential::login_command(&profile::Profile {
                name: name.clone(),
                auth: method,
                ..Default::default()
            }),
        }),
    };
    let user = me.map(|me| me.user_name);

    // Hold the config lock from reading the profile to saving it, so concurrent logins serialise.
    let _lock = profile::lock_config_dir(&config_dir)?;
    let mut config = Config::load(&config_dir)?;
    let previous = config.profile(&name)?;
    let previous_storage = previous.as_ref().and_then(|p| p.token_storage);
    // The token this login replaces: agentgw's copies of it in agents' files get the new one
    // (a PAT), or are taken out (OAuth: a copy would stop working within the hour).
    let replaced = previous
        .as_ref()
        .and_then(|p| credential::read_stored(&config_dir, p).ok().flatten())
        .and_then(|(secret, _)| secret.pat().map(str::to_string));
    let stored = credential::store(
        &config_dir,
        &name,
        &signed_in.secret,
        preference,
        previous_storage,
    )?;
    let host_changed = previous
        .as_ref()
        .is_some_and(|p| p.host.as_deref() != Some(host.value.as_str()));
    config.set_field(&name, "host", Some(&host.value));
    // Keep the default implicit so the gateway follows the host if the host is changed later.
    config.set_field(&name, "gateway_url", explicit_gateway);
    routes::store(&mut config, &name, &host.value, &routes, host_changed);
    config.set_field(&name, "token_storage", Some(stored.storage.as_str()));
    // `pat` is the default: left implicit, so configs written before OAuth read the same.
    config.set_field(
        &name,
        "auth",
        (method != Auth::Pat).then_some(method.as_str()),
    );
    config.set_field(&name, "client_id", signed_in.client_id.as_deref());
    config.set_field(&name, "token_endpoint", signed_in.token_endpoint.as_deref());
    if let Some(ca) = &ca_file {
        config.set_field(&name, "ca_file", Some(&ca.to_string_lossy()));
    }
    config.save()?;

    report_storage(&name, &config_dir, &stored);
    ui::note(&format!("Signed in {}.", signed_in.how));
    match user {
        Some(user) => println!("Logged in to {} as {user}", host.value),
        None => println!(
            "Saved the token for {} (not verified: --no-verify)",
            host.value
        ),
    }
    // Discovery may have chosen another gateway (the dedicated host).
    let gateway = match &routes {
        routes::Outcome::Found(found) => found.gateway.clone(),
        _ => gateway,
    };
    let to = token_copies::Destination {
        host: &host.value,
        gateway: &gateway,
    };
    warn_of_helpers_sending_elsewhere(&name, &to);
    let copies = match &signed_in.secret {
        Secret::Pat(token) => update_token_copies(&name, replaced.as_deref(), token, &to),
        Secret::OAuth(_) => remove_token_copies(&name, replaced.as_deref()),
    };
    // The credential is stored either way (it is valid); a gateway that cannot be used ends
    // the login with its reason and fix.
    routes::report(&name, &gateway, routes)?;
    copies
}

/// What a sign-in produced, whichever the method.
struct SignedIn {
    secret: Secret,
    client_id: Option<String>,
    token_endpoint: Option<String>,
    how: String,
}

impl From<oauth::SignedIn> for SignedIn {
    fn from(o: oauth::SignedIn) -> SignedIn {
        SignedIn {
            secret: o.secret,
            client_id: Some(o.client_id),
            token_endpoint: Some(o.token_endpoint),
            how: o.how,
        }
    }
}

/// The sign-in method: `--auth`; else what the other flags or the `~/.databrickscfg` profile
/// imply; else the profile's own method (signing in again after a sign-in expired); else what the
/// environment holds; else a personal access token.
fn choose_method(
    args: &LoginArgs,
    databrickscfg: Option<&(databrickscfg::Section, String)>,
    existing: Option<&profile::Profile>,
) -> Result<Auth> {
    if let Some(method) = args.auth {
        let auth = method.auth();
        if args.token_stdin && auth != Auth::Pat {
            usage_error(
                ErrorKind::ArgumentConflict,
                format!(
                    "--token-stdin reads a personal access token; it does not go with --auth {}",
                    auth.as_str()
                ),
            );
        }
        if args.client_secret_stdin && auth != Auth::M2m {
            usage_error(
                ErrorKind::ArgumentConflict,
                format!(
                    "--client-secret-stdin is for a service principal (--auth m2m), not --auth {}",
                    auth.as_str()
                ),
            );
        }
        return Ok(auth);
    }
    if args.token_stdin {
        return Ok(Auth::Pat);
    }
    if args.client_secret_stdin {
        return Ok(Auth::M2m);
    }
    if let Some((section, origin)) = databrickscfg {
        return method_of_section(section, origin);
    }
    if let Some(profile) = existing.filter(|p| p.auth != Auth::Pat) {
        return Ok(profile.auth);
    }
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !set("DATABRICKS_TOKEN") && set("DATABRICKS_CLIENT_ID") && set("DATABRICKS_CLIENT_SECRET") {
        return Ok(Auth::M2m);
    }
    Ok(Auth::Pat)
}

/// What a `~/.databrickscfg` profile's `auth_type` means here.
fn method_of_section(section: &databrickscfg::Section, origin: &str) -> Result<Auth> {
    match section.auth_type.as_deref() {
        Some("pat") => Ok(Auth::Pat),
        Some("databricks-cli" | "oauth-u2m" | "external-browser") => Ok(Auth::OAuth),
        Some("oauth-m2m") => Ok(Auth::M2m),
        None if section.token.is_none() && section.client_secret.is_some() => Ok(Auth::M2m),
        None => Ok(Auth::Pat),
        Some(other) => Err(Classified::explained(
            Kind::MissingInput,
            format!(
                "{origin} has auth_type = {other}, which agentgw cannot sign in with\n\
                 agentgw signs in with auth_type pat (a token), databricks-cli / oauth-u2m (the \
                 browser) or oauth-m2m (a service principal); or pass --auth oauth to sign in in \
                 the browser."
            ),
        )
        .into()),
    }
}

/// What an unattended `login` with nothing to sign in with says: all three ways, as commands for
/// this profile and workspace.
fn no_credential(profile: &str, host: &str) -> anyhow::Error {
    let login = format!("agentgw login --profile {profile}");
    Classified::explained(
        Kind::MissingInput,
        format!(
            "no credential given and no terminal to ask on\n\
             Sign in one of three ways:\n  \
             a personal access token: printf %s \"$TOKEN\" | {login} --host {host} --token-stdin (or set DATABRICKS_TOKEN)\n  \
             the browser (OAuth): {login} --host {host} --auth oauth (--no-browser prints the URL to open)\n  \
             a service principal: {login} --host {host} --auth m2m with DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET set (or --client-id and --client-secret-stdin)\n\
             or take any of them from ~/.databrickscfg: {login} --from-databrickscfg NAME"
        ),
    )
    .into()
}

/// A secret piped to standard input, or typed without echo when it is a terminal.
fn read_stdin_secret(prompt: &str, what: &str) -> Result<String> {
    use std::io::{IsTerminal, Read};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(dialoguer::Password::new().with_prompt(prompt).interact()?);
    }
    let mut raw = String::new();
    stdin
        .lock()
        .read_to_string(&mut raw)
        .with_context(|| format!("cannot read {what} from standard input"))?;
    Ok(raw)
}

/// Exits with a usage error (exit 2), like a wrong flag.
fn usage_error(kind: ErrorKind, message: String) -> ! {
    crate::cli::Cli::command().error(kind, message).exit()
}

/// Agents that run `agentgw token` for this profile but send the token to another URL (set up
/// for the workspace the profile used before `login --host`): they get the new token from now on.
fn warn_of_helpers_sending_elsewhere(name: &str, to: &token_copies::Destination) {
    for agent in crate::agents::clis() {
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

/// OAuth replaces a personal access token: the copies of the old token in agents' files are
/// taken out (an access token copied there would stop working within the hour).
fn remove_token_copies(name: &str, replaced: Option<&str>) -> Result<()> {
    let state = crate::edit::StateDir::new(paths::state_dir()?);
    let copies = token_copies::clear(&state, name, replaced);
    copies.print_changes("removed from");
    if !copies.agents.is_empty() {
        ui::note(&format!(
            "With OAuth, agentgw keeps no token in agents' files. {} now get a fresh token when started through agentgw: \
             agentgw exec <agent> --profile {name} (or run `agentgw setup <agent> --profile {name}` again)",
            copies.agents.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    copies.finish(
        "signed in, but the old token could not be removed everywhere agentgw had written it (see above)".into(),
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
