//! One agent: installed and supported, its config as agentgw left it, its token helper, the
//! gateway answering its request, and the agent-specific traps (Claude's managed settings and
//! comment-refusing parser, Codex's legacy profile selector, Gemini's folder trust and `.env`
//! shadowing).

use super::{Check, Status};
use crate::agents::{self, Agent, Configured, Version};
use crate::commands::session::ProfileState;
use crate::edit::{self, Format, StateDir};
use crate::{gateway, otel, paths};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(agent: &dyn Agent, base: &ProfileState, explicit: bool) -> Vec<Check> {
    let area = agent.id();
    let name = agent.name();
    let configured = match agent.configured() {
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
    let mut checks = vec![installed(agent)];
    checks.push(config(agent, base, &configured));
    let short_lived = base
        .profile
        .as_ref()
        .is_some_and(|p| p.auth.is_short_lived());
    match short_lived {
        true => checks.extend(short_lived_token(agent, base, &configured)),
        false => checks.extend(inline_token(agent, base, &configured)),
    }
    checks.extend(helper(agent));
    checks.extend(specific(agent, base, &configured));
    // The gateway and the telemetry endpoints may each take up to the HTTP timeout: in parallel.
    let (route, gateway, served, telemetry) = std::thread::scope(|scope| {
        let telemetry = scope.spawn(|| match area {
            "claude" => telemetry(base, &configured.file),
            _ => Vec::new(),
        });
        let served = scope.spawn(|| super::model_served::check(agent, base, &configured));
        let route = scope.spawn(|| route_answers(agent.id(), base, &configured));
        let gateway = gateway_answers(agent.id(), agent.info().wire, base, &configured);
        (
            route.join().expect("the route check panicked"),
            gateway,
            served.join().expect("the model check panicked"),
            telemetry.join().expect("the telemetry check panicked"),
        )
    });
    checks.extend(route);
    checks.extend(served);
    checks.push(gateway);
    checks.extend(telemetry);
    checks
}

/// Claude's telemetry: each signal's export, sent empty to the same endpoint and table, must be
/// accepted (the same check as `agentgw otel check`).
fn telemetry(base: &ProfileState, settings: &Path) -> Vec<Check> {
    let targets = agents::telemetry_targets(settings);
    if targets.is_empty() {
        return Vec::new();
    }
    let Some(token) = base.token() else {
        return Vec::new(); // gateway_answers already says how to log in
    };
    let host = base
        .profile
        .as_ref()
        .and_then(|p| p.host.clone())
        .unwrap_or_default();
    let ca_file = base.profile.as_ref().and_then(|p| p.ca_file.as_deref());
    let http = match gateway::Http::new(ca_file) {
        Ok(http) => http,
        Err(e) => return vec![Check::failed("claude", "telemetry", &format!("{e:#}"))],
    };
    // agentgw's helper hands Claude the profile's token for every export, wherever it goes.
    let file = paths::display(settings);
    let agentgw_helper = agents::read_strings(settings, Format::Json, &[&["otelHeadersHelper"]])
        .ok()
        .and_then(|mut v| v.remove(0))
        .is_some_and(|h| agents::is_agentgw_otel_helper(&h))
        .then_some(file.as_str());
    std::thread::scope(|scope| {
        let running: Vec<_> = targets
            .iter()
            .map(|target| {
                scope
                    .spawn(|| ingest_check(target, &http, token, &host, &base.name, agentgw_helper))
            })
            .collect();
        running
            .into_iter()
            .map(|t| t.join().expect("a telemetry check panicked"))
            .collect()
    })
}

/// One signal's telemetry export, sent empty to the endpoint and table Claude is set up with.
/// `agentgw_helper`: the settings file, when its otelHeadersHelper is agentgw's.
fn ingest_check(
    target: &agents::TelemetryTarget,
    http: &gateway::Http,
    token: &str,
    host: &str,
    profile: &str,
    agentgw_helper: Option<&str>,
) -> Check {
    let id = format!("telemetry-{}", target.signal.path());
    // Like the gateway check: the token goes only to this profile's workspace.
    if let Some(file) = agentgw_helper
        && !gateway::is_ours(&target.endpoint, host, host)
    {
        let tables = target
            .table
            .strip_suffix(&format!("_otel_{}", target.signal.path()))
            .filter(|spec| otel::Tables::parse(spec, "the table header").is_ok())
            .unwrap_or("CATALOG.SCHEMA.PREFIX");
        return Check::new(
            "claude",
            &id,
            Status::Fail,
            format!(
                "{} telemetry goes to {} with the token of profile '{profile}' (otelHeadersHelper in {file} runs `agentgw otel-headers`)",
                target.signal.path(),
                crate::urls::redact_userinfo(&target.endpoint)
            ),
            format!(
                "agentgw setup claude --otel-tables {tables} (or remove otelHeadersHelper from {file})"
            ),
        );
    }
    if !gateway::is_ours(&target.endpoint, host, host) {
        return Check::new(
            "claude",
            &id,
            Status::Warn,
            format!(
                "{} telemetry goes to {}, not this profile's workspace; not checked",
                target.signal.path(),
                target.endpoint
            ),
            "agentgw setup claude --otel-tables CATALOG.SCHEMA.PREFIX",
        );
    }
    match otel::check_ingest(http, &target.endpoint, token, &target.table) {
        Ok(_) => Check::ok(
            "claude",
            &id,
            format!(
                "{} telemetry to {} is accepted",
                target.signal.path(),
                target.table
            ),
        ),
        Err(e) => {
            let tables = target
                .table
                .strip_suffix(&format!("_otel_{}", target.signal.path()))
                .and_then(|spec| otel::Tables::parse(spec, "the table header").ok());
            let explained =
                otel::explain_ingest_failure(&e, &target.table, tables.as_ref(), profile);
            Check::failed(
                "claude",
                &id,
                &format!("{} telemetry: {explained}", target.signal.path()),
            )
        }
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
        let expected = agents::gateway_base(agent, &gateway, profile);
        if configured.base_url != expected {
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
    let (format, key): (Format, &[&str]) = match agent.id() {
        "claude" => (Format::Json, &["env", "ANTHROPIC_AUTH_TOKEN"]),
        "gemini" => (Format::Dotenv, &["GEMINI_API_KEY"]),
        _ => return None,
    };
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

/// With a short-lived sign-in (OAuth), a token written into the agent's file stops working within
/// the hour: Claude and Codex can run agentgw's helper instead (setup writes it), Gemini is
/// started with `agentgw exec gemini`.
fn short_lived_token(
    agent: &dyn Agent,
    base: &ProfileState,
    configured: &Configured,
) -> Option<Check> {
    let profile = base.profile.as_ref()?;
    let (area, file) = (agent.id(), paths::display(&configured.file));
    let read = |format, key: &[&str]| {
        agents::read_strings(&configured.file, format, &[key])
            .ok()
            .and_then(|mut v| v.remove(0))
            .filter(|v| !v.is_empty())
    };
    let signs_in = format!(
        "profile '{}' signs in with {}, whose tokens expire within the hour",
        base.name,
        profile.auth.describe()
    );
    let fix = format!("agentgw setup {area}");
    match area {
        "claude" => {
            read(Format::Json, &["env", "ANTHROPIC_AUTH_TOKEN"])?;
            Some(Check::new(
                area,
                "short-lived-token",
                Status::Fail,
                format!(
                    "{file}: env.ANTHROPIC_AUTH_TOKEN holds a token, which Claude Code uses instead of the key helper; \
                     {signs_in}, so Claude Code gets 401 once it has"
                ),
                fix,
            ))
        }
        "codex" => {
            let provider = |field| ["model_providers", "databricks", field];
            let source = [
                ("env_key", "the environment variable in env_key"),
                ("experimental_bearer_token", "experimental_bearer_token"),
            ]
            .into_iter()
            .find(|(field, _)| read(Format::Toml, &provider(field)).is_some())?
            .1;
            let old = agents::find_installed(agent)
                .and_then(|i| i.version)
                .is_some_and(|v| v < agents::CODEX_AUTH_COMMAND_SINCE);
            Some(Check::new(
                area,
                "short-lived-token",
                Status::Fail,
                format!(
                    "{file}: Codex takes the token from {source}, once, when it starts; {signs_in}, so longer sessions fail with 401"
                ),
                match old {
                    true => format!(
                        "npm install -g {}@latest, then {fix}",
                        agent.info().npm_package
                    ),
                    false => fix,
                },
            ))
        }
        "gemini" => {
            read(Format::Dotenv, &["GEMINI_API_KEY"])?;
            Some(Check::new(
                area,
                "short-lived-token",
                Status::Warn,
                format!(
                    "{file}: GEMINI_API_KEY holds a token that expires within the hour ({signs_in}); \
                     start Gemini with `agentgw exec gemini`, which hands it a fresh one"
                ),
                fix,
            ))
        }
        _ => None,
    }
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

/// One request in the agent's wire format, with the URL and model its config names.
pub fn gateway_answers(
    area: &'static str,
    wire: gateway::Wire,
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
            http.probe(wire, &configured.base_url, &configured.model, token)
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

fn specific(agent: &dyn Agent, base: &ProfileState, configured: &Configured) -> Vec<Check> {
    match agent.id() {
        "claude" => claude_layers(base, &configured.file),
        "codex" => codex(agent, &configured.file),
        "gemini" => gemini(&configured.file),
        _ => Vec::new(),
    }
}

/// Every settings layer Claude Code reads besides the user file agentgw manages (managed, this
/// folder's project and local files): each value in them that takes Claude Code off the
/// profile's gateway, or gives it another token, fails with its file and key. (The user file's
/// own base URL, token and helper have their checks above; a settings.json with comments fails
/// before it gets here.)
fn claude_layers(base: &ProfileState, settings: &Path) -> Vec<Check> {
    use agents::claude_layers::{Gateway, Layers, Scope};
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let layers = Layers::read(settings, &cwd);
    let profile = base.profile.as_ref();
    let gateway_url = profile.and_then(|p| p.gateway()).unwrap_or_default();
    let host = profile.and_then(|p| p.host.clone()).unwrap_or_default();
    let gateway = Gateway {
        gateway: &gateway_url,
        host: &host,
        profile: &base.name,
    };
    let all = [
        Scope::Managed,
        Scope::RepositoryLocal,
        Scope::Local,
        Scope::Project,
        Scope::User,
    ];
    let user_file = paths::display(settings);
    let mut checks: Vec<Check> = layers
        .findings(&gateway, &all)
        .into_iter()
        .filter(|f| {
            // The user file's base URL, token and helper: the config, inline-token and helper
            // checks; here only what they do not see.
            f.at.source.scope() != Some(Scope::User)
                || !matches!(
                    f.at.key.as_str(),
                    "env.ANTHROPIC_BASE_URL" | "env.ANTHROPIC_AUTH_TOKEN" | "apiKeyHelper"
                )
        })
        .map(|f| {
            let file = f.at.source.shown();
            let key = &f.at.key;
            let (outranks, fix) = match f.at.source.scope() {
                Some(Scope::Managed) => (
                    format!(" (managed settings outrank {user_file} and `agentgw exec claude`)"),
                    format!(
                        "ask the admin who manages this machine to remove {key} from {file}; agentgw cannot change managed settings"
                    ),
                ),
                Some(Scope::User) => (
                    String::new(),
                    format!(
                        "remove {key} from {file} (`agentgw exec claude` overrides it for one run)"
                    ),
                ),
                _ => (
                    format!(" (it outranks {user_file} in this folder)"),
                    format!(
                        "remove {key} from {file}, or start Claude Code here with `agentgw exec claude` (the gateway settings win for that run)"
                    ),
                ),
            };
            Check::new(
                "claude",
                "settings-layer",
                Status::Fail,
                format!("{file}: {key} {}{outranks}", f.what),
                fix,
            )
        })
        .collect();
    // Exported in the shell, a provider switch is on unless a settings file turns it off.
    for name in agents::claude_layers::PROVIDER_SWITCHES {
        if let Some(switch) = layers.env(name).filter(|s| {
            s.source == agents::claude_layers::Source::Environment
                && agents::claude_layers::switched_on(&s.value)
        }) {
            checks.push(Check::new(
                "claude",
                "settings-layer",
                Status::Fail,
                format!(
                    "{} is set in this shell: it sends Claude Code to another provider instead of the gateway",
                    switch.key
                ),
                format!(
                    "unset {name} (and remove its export from your shell startup files); `agentgw exec claude` overrides it for one run"
                ),
            ));
        }
    }
    for (layer, why) in layers.skipped().filter(|(l, _)| l.scope != Scope::User) {
        checks.push(Check::new(
            "claude",
            "settings-layer",
            Status::Warn,
            format!(
                "Claude Code ignores {} ({}): {why}",
                paths::display(&layer.path),
                layer.scope.word()
            ),
            "make it strict JSON: remove the comments and trailing commas",
        ));
    }
    if checks.is_empty() {
        checks.push(Check::ok(
            "claude",
            "settings-layer",
            "no managed, project or local settings here take Claude Code off the gateway or bring their own token",
        ));
    }
    checks
}

/// The first Codex release that refuses a `profile = "..."` selector in config.toml.
const REFUSES_PROFILE_SELECTOR: Version = Version(0, 134, 0);

fn codex(agent: &dyn Agent, config: &Path) -> Vec<Check> {
    let read = |key: &[&str]| {
        agents::read_strings(config, Format::Toml, &[key])
            .ok()
            .and_then(|mut v| v.remove(0))
    };
    let Some(name) = read(&["profile"]) else {
        return Vec::new();
    };
    let version = agents::find_installed(agent).and_then(|i| i.version);
    let status = match version {
        Some(v) if v < REFUSES_PROFILE_SELECTOR => return Vec::new(),
        Some(_) => Status::Fail,
        None => Status::Warn,
    };
    let ours = read(&["profiles", &name, "model_provider"]).is_some_and(|p| p == "databricks");
    let fix = if ours {
        "agentgw setup codex --yes (it removes the old Databricks recipe's selector)".to_string()
    } else {
        format!(
            "move [profiles.{name}] to {name}.config.toml, delete the `profile` line, and start Codex with `codex --profile {name}`"
        )
    };
    vec![Check::new(
        "codex",
        "legacy-profile",
        status,
        format!(
            "{} selects `profile = \"{name}\"`: Codex {REFUSES_PROFILE_SELECTOR} and newer refuse to start",
            paths::display(config)
        ),
        fix,
    )]
}

fn gemini(dotenv: &Path) -> Vec<Check> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let mut checks = Vec::new();
    let gemini_dir = dotenv.parent().unwrap_or(Path::new("."));
    if !trusted(&cwd, gemini_dir) {
        checks.push(Check::new(
            "gemini",
            "folder-trust",
            Status::Warn,
            format!(
                "Gemini does not trust {}: it will not read {} here",
                cwd.display(),
                paths::display(dotenv)
            ),
            "start it with `agentgw exec gemini` here, or trust this folder when Gemini asks",
        ));
    }
    if let Some(shadow) = shadowing_dotenv(&cwd, dotenv) {
        checks.push(Check::new(
            "gemini",
            "dotenv-shadow",
            Status::Warn,
            format!(
                "{} is the first .env Gemini finds from here, so it reads that instead of {}",
                shadow.display(),
                paths::display(dotenv)
            ),
            "start it with `agentgw exec gemini` (the environment wins over any .env)",
        ));
    }
    checks
}

/// Gemini's trust rules: trust switched off in settings.json or GEMINI_CLI_TRUST_WORKSPACE=true
/// trust everything; otherwise the longest rule in trustedFolders.json that covers the folder
/// decides (TRUST_FOLDER covers the folder and below, TRUST_PARENT its parent and below,
/// DO_NOT_TRUST nothing).
fn trusted(cwd: &Path, gemini_dir: &Path) -> bool {
    if std::env::var("GEMINI_CLI_TRUST_WORKSPACE").is_ok_and(|v| v == "true") {
        return true;
    }
    let parse = |path: &Path| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(path).ok()?;
        jsonc_parser::parse_to_serde_value(&text, &Default::default()).ok()
    };
    let settings = parse(&gemini_dir.join("settings.json"));
    if settings
        .as_ref()
        .and_then(|s| s["security"]["folderTrust"]["enabled"].as_bool())
        == Some(false)
    {
        return true;
    }
    let rules_file = std::env::var_os("GEMINI_CLI_TRUSTED_FOLDERS_PATH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| gemini_dir.join("trustedFolders.json"));
    let Some(serde_json::Value::Object(rules)) = parse(&rules_file) else {
        return false;
    };
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let covering = rules.iter().filter_map(|(folder, rule)| {
        let folder =
            std::fs::canonicalize(folder).unwrap_or_else(|_| std::path::PathBuf::from(folder));
        let root = match rule.as_str()? {
            "TRUST_PARENT" => folder.parent()?.to_path_buf(),
            _ => folder,
        };
        cwd.starts_with(&root).then(|| {
            (
                root.components().count(),
                rule.as_str() != Some("DO_NOT_TRUST"),
            )
        })
    });
    covering
        .max_by_key(|(depth, _)| *depth)
        .is_some_and(|(_, trusts)| trusts)
}

/// The `.gemini/.env` or `.env` Gemini would load before `dotenv`, walking up from `cwd`.
fn shadowing_dotenv(cwd: &Path, dotenv: &Path) -> Option<PathBuf> {
    let home = dirs::home_dir();
    for dir in cwd.ancestors() {
        if home.as_deref() == Some(dir) {
            return None;
        }
        for candidate in [dir.join(".gemini/.env"), dir.join(".env")] {
            if candidate.is_file() && candidate != dotenv {
                return Some(candidate);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::trusted;

    fn rules(dir: &std::path::Path, json: &str) {
        std::fs::write(dir.join("trustedFolders.json"), json).unwrap();
    }

    #[test]
    fn gemini_trust_follows_the_longest_rule() {
        let tmp = tempfile::tempdir().unwrap();
        let (gemini, proj) = (tmp.path().join(".gemini"), tmp.path().join("proj"));
        let inner = proj.join("untrusted");
        for d in [&gemini, &inner] {
            std::fs::create_dir_all(d).unwrap();
        }
        assert!(!trusted(&proj, &gemini), "no rules: not trusted");
        rules(
            &gemini,
            &format!(
                r#"{{"{}": "TRUST_FOLDER", "{}": "DO_NOT_TRUST"}}"#,
                proj.display(),
                inner.display()
            ),
        );
        assert!(trusted(&proj, &gemini));
        assert!(
            !trusted(&inner, &gemini),
            "the longer DO_NOT_TRUST rule wins"
        );
        rules(
            &gemini,
            &format!(
                "{{\n  // parent\n  \"{}\": \"TRUST_PARENT\"\n}}",
                inner.display()
            ),
        );
        assert!(
            trusted(&proj, &gemini),
            "TRUST_PARENT covers the parent; comments allowed"
        );
        std::fs::write(
            gemini.join("settings.json"),
            r#"{"security": {"folderTrust": {"enabled": false}}}"#,
        )
        .unwrap();
        assert!(
            trusted(tmp.path(), &gemini),
            "trust switched off trusts everything"
        );
    }
}
