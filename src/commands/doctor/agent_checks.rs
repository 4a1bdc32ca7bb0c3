//! One agent: installed and supported, its config as agentgw left it, its token helper, the
//! gateway answering its request, and the agent's own traps, which the agent itself knows
//! (`Agent::doctor_checks` and the other doctor methods of the trait).

use super::{Check, Status};
use crate::agents::{self, Agent, Configured, DoctorContext};
use crate::commands::session::ProfileState;
use crate::edit::{self, StateDir};
use crate::{gateway, paths};
use std::process::Command;
use std::time::Duration;

const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(agent: &dyn Agent, base: &ProfileState, explicit: bool) -> Vec<Check> {
    let area = agent.id();
    let name = agent.name();
    let configured = match &base.profile {
        Some(profile) => agent.configured_for(profile),
        None => agent.configured(),
    };
    let configured = match configured {
        Ok(c) => c,
        Err(e) => return vec![Check::failed(area, "config", &format!("{e:#}"))],
    };
    let Some(configured) = configured else {
        let status = if explicit { Status::Fail } else { Status::Ok };
        let fix = if explicit {
            format!("agentgw setup {area}")
        } else {
            String::new()
        };
        return vec![Check::new(
            area,
            "config",
            status,
            format!("{name} is not set up for the gateway"),
            fix,
        )];
    };
    let cx = context(base);
    let mut checks = vec![installed(agent)];
    checks.push(config(agent, base, &configured));
    let short_lived = base
        .profile
        .as_ref()
        .is_some_and(|p| p.auth.is_short_lived());
    match short_lived {
        true => checks.extend(agent.short_lived_token_check(&cx, &configured)),
        false => checks.extend(inline_token(agent, base, &configured)),
    }
    checks.extend(helper(agent));
    checks.extend(agent.doctor_checks(&cx, &configured));
    // The gateway and the agent's other endpoints (Claude's telemetry) may each take up to the
    // HTTP timeout: in parallel.
    let (route, gateway, served, remote) = std::thread::scope(|scope| {
        let remote = scope.spawn(|| agent.remote_checks(&cx, &configured));
        let served = scope.spawn(|| super::model_served::check(agent, base, &configured));
        let route = scope.spawn(|| route_answers(agent.id(), base, &configured));
        // An agent with providers of several formats probes in its model's format.
        let (wire, url) = match &base.profile {
            Some(profile) => agent.probe_route(
                Some(&configured.base_url),
                &profile.gateway().unwrap_or_default(),
                profile,
                &configured.model,
            ),
            None => (agent.info().wire, configured.base_url.clone()),
        };
        let gateway = gateway_answers(agent.id(), wire, &url, base, &configured);
        (
            route.join().expect("the route check panicked"),
            gateway,
            served.join().expect("the model check panicked"),
            remote.join().expect("an agent's remote check panicked"),
        )
    });
    checks.extend(route);
    checks.extend(served);
    checks.push(gateway);
    checks.extend(remote);
    checks
}

/// The profile as the agents' own checks see it: plain values.
fn context(base: &ProfileState) -> DoctorContext<'_> {
    let profile = base.profile.as_ref();
    DoctorContext {
        profile: &base.name,
        auth: profile.map(|p| p.auth).unwrap_or_default(),
        gateway: profile.and_then(|p| p.gateway()).unwrap_or_default(),
        host: profile.and_then(|p| p.host.clone()).unwrap_or_default(),
        token: base.token(),
        ca_file: profile.and_then(|p| p.ca_file.as_deref()),
    }
}

fn installed(agent: &dyn Agent) -> Check {
    let (area, info) = (agent.id(), agent.info());
    let (oldest, newest) = info.supported;
    let upgrade = format!("npm install -g {}@latest", info.npm_package);
    match agents::find_installed(agent) {
        None => Check::new(
            area,
            "installed",
            Status::Warn,
            format!(
                "{} is set up but `{}` is not on PATH",
                info.name, info.program
            ),
            format!("npm install -g {}", info.npm_package),
        ),
        Some(i) => match i.version {
            None => Check::new(
                area,
                "installed",
                Status::Warn,
                format!("{} gives no version", i.path.display()),
                upgrade,
            ),
            Some(v) if v < oldest => Check::new(
                area,
                "installed",
                Status::Fail,
                format!(
                    "{} {v} is older than the oldest release agentgw supports ({oldest})",
                    info.name
                ),
                upgrade,
            ),
            Some(v) if v > newest => Check::new(
                area,
                "installed",
                Status::Warn,
                format!(
                    "{} {v} is newer than the newest release tested with agentgw ({newest})",
                    info.name
                ),
                format!(
                    "if it misbehaves, `agentgw test {area}` shows how; {}@{newest} is known to work",
                    info.npm_package
                ),
            ),
            Some(v) => Check::ok(
                area,
                "installed",
                format!("{} {v} (supported: {oldest} to {newest})", info.name),
            ),
        },
    }
}

/// The gateway URL it points at, and agentgw's keys the user has changed since.
fn config(agent: &dyn Agent, base: &ProfileState, configured: &Configured) -> Check {
    let area = agent.id();
    let file = paths::display(&configured.file);
    if let Some(profile) = &base.profile
        && let Some(gateway) = profile.gateway()
    {
        // Compared as routes: an agent with providers of several formats writes each SDK's
        // suffix (`/v1`, `/v1beta`) after the route of its model's format.
        let model = &configured.model;
        let (_, expected) = agent.probe_route(None, &gateway, profile, model);
        let (_, route) = agent.probe_route(Some(&configured.base_url), &gateway, profile, model);
        if route != expected {
            return Check::new(
                area,
                "config",
                Status::Warn,
                format!(
                    "{} points at {}, not the profile's gateway {expected}",
                    configured.base_url_from, configured.base_url
                ),
                configured
                    .base_url_fix()
                    .unwrap_or_else(|| format!("agentgw setup {area}")),
            );
        }
    }
    let changed: Vec<String> = crate::paths::state_dir()
        .ok()
        .and_then(|dir| edit::plan_undo(&StateDir::new(dir), area).ok())
        .into_iter()
        .flatten()
        .flat_map(|u| {
            u.kept_user_values
                .into_iter()
                .map(|k| edit::display_key(&k))
        })
        .collect();
    if changed.is_empty() {
        let (url, model) = (&configured.base_url, &configured.model);
        let message = if configured.base_url_from == file && configured.model_from == file {
            format!("{file}: {model} via {url}")
        } else {
            format!(
                "{model} (from {}) via {url} (from {})",
                configured.model_from, configured.base_url_from
            )
        };
        Check::ok(area, "config", message)
    } else {
        Check::new(
            area,
            "config",
            Status::Warn,
            format!("{file}: changed since setup: {}", changed.join(", ")),
            format!("keep your values, or put agentgw's back with: agentgw setup {area} --yes"),
        )
    }
}

/// A token written into the agent's file (Gemini's `.env`, Claude with --inline-token) must be
/// the profile's current one: after a new `agentgw login` the file still holds the old token.
fn inline_token(agent: &dyn Agent, base: &ProfileState, configured: &Configured) -> Option<Check> {
    let (format, key) = agent.inline_token_key()?;
    let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
    let in_file = edit::read_values(&configured.file, format, std::slice::from_ref(&key))
        .ok()?
        .remove(0)?;
    let file = paths::display(&configured.file);
    let shown = edit::display_key(&key);
    Some(match base.token() {
        Some(token) if in_file.as_str() == Some(token) => Check::ok(
            agent.id(),
            "inline-token",
            format!("{file}: {shown} is the profile's token"),
        ),
        Some(_) => Check::new(
            agent.id(),
            "inline-token",
            Status::Fail,
            format!(
                "{file}: {shown} is not the profile's current token (an old one, or someone else's), so {} sends that",
                agent.name()
            ),
            format!("agentgw setup {} --yes", agent.id()),
        ),
        None => return None,
    })
}

/// The helper command in the config exists, runs, and prints a token (which is never shown).
fn helper(agent: &dyn Agent) -> Option<Check> {
    let area = agent.id();
    let command = match agent.token_helper() {
        Ok(Some(command)) => command,
        Ok(None) => return None,
        Err(e) => {
            return Some(Check::new(
                area,
                "helper",
                Status::Fail,
                format!("{e:#}"),
                "",
            ));
        }
    };
    let line = agents::helper_command_line(&command);
    let shown = agents::describe_helper(&line);
    // agentgw's own helper that runs but has no token to give: the profile is logged out (or
    // its keyring locked), which login fixes; setup would write the same helper again. Any other
    // failure (agentgw moved, a helper of the user's) setup fixes by writing agentgw's helper.
    let fix = match agents::agentgw_helper(&line) {
        Some(helper) if helper.program.is_file() => {
            format!("agentgw login --profile {}", helper.profile)
        }
        _ => format!("agentgw setup {area} --yes"),
    };
    Some(match run_bounded(&command) {
        Ok(out) if out.trim().is_empty() || out.trim().contains(char::is_whitespace) => Check::new(
            area,
            "helper",
            Status::Fail,
            format!("the token helper printed no token ({shown})"),
            fix,
        ),
        Ok(_) => Check::ok(area, "helper", "the token helper prints a token"),
        Err(why) => Check::new(
            area,
            "helper",
            Status::Fail,
            format!("the token helper {why} ({shown})"),
            fix,
        ),
    })
}

/// Runs the helper with a deadline and returns its standard output.
fn run_bounded(command: &[String]) -> Result<String, String> {
    let (program, args) = command.split_first().ok_or("is empty")?;
    crate::bounded::output_within(Command::new(program).args(args), HELPER_TIMEOUT)
}

/// "The route answers": the agent's base URL lists its models (a cheap GET). When the route is
/// gone, which of the agent's routes answers instead. Nothing when it cannot tell (no token,
/// a URL off the gateway, the network): the gateway check says why.
pub fn route_answers(
    area: &'static str,
    base: &ProfileState,
    configured: &Configured,
) -> Option<Check> {
    let token = base.token()?;
    let profile = base.profile.as_ref()?;
    let (gateway_url, host) = (profile.gateway()?, profile.host.clone()?);
    if !gateway::is_ours(&configured.base_url, &gateway_url, &host) {
        return None;
    }
    let http = gateway::Http::new(profile.ca_file.as_deref()).ok()?;
    let url = &configured.base_url;
    match crate::discovery::route_missing(&http, url, token, area)? {
        false => Some(Check::ok(area, "route", format!("the route {url} answers"))),
        true => {
            let instead = crate::discovery::answering(&http, &gateway_url, token, area);
            let (message, fix) = crate::discovery::route_gone(area, url, &instead, &base.name);
            Some(Check::new(area, "route", Status::Fail, message, fix))
        }
    }
}

/// One request in `wire` to `url` (the agent's format and the URL its config names, or for an
/// agent with providers of several formats those of its model's provider), with its model.
pub fn gateway_answers(
    area: &'static str,
    wire: gateway::Wire,
    url: &str,
    base: &ProfileState,
    configured: &Configured,
) -> Check {
    let Some(token) = base.token() else {
        return Check::new(
            area,
            "gateway",
            Status::Fail,
            "no token to test the gateway with",
            base.login_fix(),
        );
    };
    let (gateway_url, host) = match &base.profile {
        Some(p) => (
            p.gateway().unwrap_or_default(),
            p.host.clone().unwrap_or_default(),
        ),
        None => (String::new(), String::new()),
    };
    // The token goes only to this profile's gateway or workspace, whatever the file says.
    if !gateway::is_ours(&configured.base_url, &gateway_url, &host) {
        let refused = gateway::RequestError::foreign(
            &configured.base_url,
            &gateway_url,
            area,
            configured.base_url_fix(),
        );
        return Check::failed(area, "gateway", &refused.explain(&base.name));
    }
    let ca_file = base.profile.as_ref().and_then(|p| p.ca_file.as_deref());
    let result = gateway::Http::new(ca_file)
        .map_err(|e| format!("{e:#}"))
        .and_then(|http| {
            http.probe(wire, url, &configured.model, token)
                .map_err(|e| match &base.profile {
                    Some(profile) => crate::commands::test::explain_for(&e, profile),
                    None => e.explain(&base.name),
                })
        });
    match result {
        Ok(reply) => Check::ok(
            area,
            "gateway",
            format!(
                "the gateway answers {} in {} ms",
                configured.model,
                reply.latency.as_millis()
            ),
        ),
        Err(explained) => Check::failed(area, "gateway", &explained),
    }
}
