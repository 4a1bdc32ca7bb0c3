//! Login's second half: is the workspace's AI Gateway usable, where is it, and which route does
//! each agent take on it (see `discovery`). Also `agentgw login --refresh`, which asks again with
//! the stored sign-in.

use crate::discovery::{self, Discovery, Enabled};
use crate::errors::{Classified, Kind};
use crate::gateway::Http;
use crate::profile::{self, Config, Profile};
use crate::{credential, paths, ui};
use anyhow::Result;
use std::collections::BTreeMap;

/// What discovery found, to be stored with the credential.
pub enum Outcome {
    /// `--no-verify`: nothing asked; agents get the default paths.
    Skipped,
    Found(Discovery),
    /// The gateway cannot be used with this sign-in. `problem` is stored (so `setup` refuses)
    /// when it is the workspace's state rather than the token's.
    Unusable {
        problem: Option<String>,
        kind: &'static str,
        text: String,
    },
}

/// Where to look and with what.
pub struct Ask<'a> {
    pub http: &'a Http,
    pub name: &'a str,
    pub host: &'a str,
    pub token: &'a str,
    /// The gateway URL the user gave (`--gateway-url`, or remembered from an earlier one).
    pub given: Option<&'a str>,
    pub workspace_id: Option<&'a str>,
    /// The profile's stored paths, tried first.
    pub preferred: &'a BTreeMap<String, String>,
    /// The command that signs in again, for a token the gateway refuses.
    pub login: String,
}

pub fn discover(ask: &Ask) -> Outcome {
    let enabled = discovery::gateway_enabled(ask.http, ask.host, ask.token);
    let explained = enabled.explain(ask.host, ask.name, &ask.login);
    match (&enabled, explained) {
        (Enabled::Yes, _) => {}
        // The workspace could not say: look for the routes anyway, they tell as much.
        (Enabled::Unknown(_), Some(text)) => ui::warn(&text.replace('\n', "; ")),
        (_, Some(text)) => {
            let kind = match enabled {
                Enabled::NotEnabled(_) => "gateway_not_enabled",
                Enabled::NoPermission(_) => "forbidden",
                _ => "invalid_token",
            };
            return Outcome::Unusable {
                problem: enabled.problem().map(|class| match &enabled {
                    Enabled::NotEnabled(said) | Enabled::NoPermission(said) => {
                        format!("{class}: {said}")
                    }
                    _ => class.to_string(),
                }),
                kind,
                text,
            };
        }
        (_, None) => {}
    }
    match discovery::discover(
        ask.http,
        ask.host,
        ask.token,
        ask.given,
        ask.workspace_id,
        ask.preferred,
    ) {
        Ok(found) => Outcome::Found(found),
        Err(refused) => Outcome::Unusable {
            problem: None,
            kind: "forbidden",
            text: format!(
                "the gateway refused the token at {} ({})\n\
                 Ask a workspace admin for access to the AI Gateway, or sign in as a user who has it: {}",
                refused.url, refused.said, ask.login
            ),
        },
    }
}

/// Writes what discovery found into the profile (the config is saved by the caller).
/// `host_changed`: the profile pointed at another workspace before this login.
pub fn store(config: &mut Config, name: &str, host: &str, outcome: &Outcome, host_changed: bool) {
    match outcome {
        Outcome::Skipped => {
            if host_changed {
                // What was found on the old workspace says nothing about the new one.
                for spec in discovery::route_specs() {
                    config.set_in_table(name, "routes_found", spec.agent, None);
                }
                config.set_field(name, "gateway_problem", None);
            }
        }
        Outcome::Unusable { problem, .. } => {
            if problem.is_some() {
                config.set_field(name, "gateway_problem", problem.as_deref());
            }
        }
        Outcome::Found(found) => {
            let explicit =
                (found.gateway != profile::default_gateway(host)).then_some(found.gateway.as_str());
            config.set_field(name, "gateway_url", explicit);
            config.set_field(name, "gateway_problem", None);
            for route in &found.routes {
                let default = discovery::spec(route.agent).map(|s| s.default);
                if let Some(path) = &route.path {
                    let differs = Some(path.as_str()) != default;
                    config.set_in_table(
                        name,
                        "base_paths",
                        route.agent,
                        differs.then_some(path.as_str()),
                    );
                }
            }
            for route in &found.routes {
                config.set_in_table(name, "routes_found", route.agent, Some(&route.how));
            }
        }
    }
}

/// Tells the user what was found (one line per agent on stdout), and ends with the failure when
/// the gateway cannot be used.
pub fn report(name: &str, gateway: &str, outcome: Outcome) -> Result<()> {
    match outcome {
        Outcome::Skipped => {
            let defaults: Vec<&str> = discovery::route_specs().map(|s| s.default).collect();
            ui::note(&format!(
                "Routes not discovered (--no-verify): agents get the default paths {} on {gateway}.\n  \
                 Find the ones your workspace serves with: agentgw login --profile {name} --refresh",
                defaults.join(", ")
            ));
            Ok(())
        }
        Outcome::Found(found) => {
            println!("Gateway {} ({})", found.gateway, found.gateway_from);
            for route in &found.routes {
                match &route.path {
                    Some(path) => println!("  {:<7} {}{path}", route.agent, found.gateway),
                    None => {
                        println!("  {:<7} no route", route.agent);
                        ui::warn(&format!(
                            "no route for {} on {}: {}\n  \
                             If you know its path, set it in agentgw's config.toml \
                             ([profiles.{name}.base_paths] {} = \"/path\") and run: agentgw login --profile {name} --refresh",
                            route.agent, found.gateway, route.how, route.agent
                        ));
                    }
                }
            }
            Ok(())
        }
        Outcome::Unusable { kind, text, .. } => {
            Err(Classified::explained(Kind::Request(kind), text).into())
        }
    }
}

/// `agentgw login --refresh`: discovery again with the stored sign-in, no new one.
pub fn refresh(name: &str, host_flag: Option<&str>, gateway_flag: Option<&str>) -> Result<()> {
    let config_dir = paths::config_dir()?;
    let login = format!("agentgw login --profile {name}");
    let profile = Config::load(&config_dir)?
        .profile(name)?
        .filter(|p| p.host.is_some())
        .ok_or_else(|| {
            Classified::run(
                Kind::NoProfile,
                format!("no profile '{name}' to refresh"),
                format!("{login} --host URL"),
            )
        })?;
    let host = profile.host.clone().unwrap_or_default();
    // --refresh keeps the profile's workspace; another one needs a sign-in there.
    if let Some(flag) = host_flag
        && crate::urls::normalize_host(flag, "--host")? != host
    {
        return Err(Classified::run(
            Kind::Usage,
            format!("--refresh looks again at profile '{name}''s workspace {host}, not {flag}"),
            format!("{login} --host {flag}"),
        )
        .into());
    }
    let Some((token, _)) = credential::read(&config_dir, Some(&profile))? else {
        return Err(Classified::run(
            Kind::NotLoggedIn,
            format!("not logged in (profile '{name}')"),
            credential::login_command(&profile),
        )
        .into());
    };
    let http = Http::new(profile.ca_file.as_deref())?;
    let me = http
        .scim_me(&host, &token)
        .map_err(|e| Classified::explained(Kind::Request(e.failure.kind()), e.explain(name)))?;
    let given = match gateway_flag {
        Some(url) => Some(crate::urls::normalize_gateway_url(url, "--gateway-url")?),
        None => profile.gateway_url.clone(),
    };
    let outcome = discover(&Ask {
        http: &http,
        name,
        host: &host,
        token: &token,
        given: given.as_deref(),
        workspace_id: me.workspace_id.as_deref(),
        preferred: &profile.base_paths,
        login: credential::login_command(&profile),
    });
    let _lock = profile::lock_config_dir(&config_dir)?;
    let mut config = Config::load(&config_dir)?;
    store(&mut config, name, &host, &outcome, false);
    config.save()?;
    ui::note(&format!(
        "Looked for the gateway routes of profile '{name}' again with the stored sign-in ({}).",
        me.user_name
    ));
    report(name, &gateway_of(&profile), outcome)
}

fn gateway_of(profile: &Profile) -> String {
    profile.gateway().unwrap_or_default()
}
